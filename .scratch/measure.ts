// scratch: measurements for the docs (not committed)
import { withEnv } from '../test/support/env.ts'
import { JAEGER_COLLECTOR_URL, JAEGER_OTLP_URL, JAEGER_QUERY_URL, KAFKA_BROKERS, getTrace, uniqueTopic } from '../test/support/peers.ts'
import { captureLogger } from '../test/support/forwarder-fakes.ts'
import { committedOffsets, createTopics, endOffsets, waitUntilCommittedToEnd, describeGroup } from '../test/support/forwarder-kafka.ts'
import { metricSum, startIngester } from '../test/support/jaeger-process.ts'
import { KAFKA_ENV } from '../senders/kafka-config.ts'
import { initTracerFromEnv } from '../senders/init-tracer.ts'
import { createForwarder } from '../forwarder/forwarder.ts'
import { readFileSync } from 'node:fs'

async function app(topic: string, encoding: string, n: number): Promise<string[]> {
  const ids: string[] = []
  await withEnv({ [KAFKA_ENV.BROKERS]: KAFKA_BROKERS.join(','), [KAFKA_ENV.TOPIC]: topic, [KAFKA_ENV.ENCODING]: encoding, JAEGER_SERVICE_NAME: 'measure', JAEGER_SAMPLER_TYPE: 'const', JAEGER_SAMPLER_PARAM: '1' }, async () => {
    const t = initTracerFromEnv({}, { logger: { info: () => {}, error: (m: string) => console.log('ERR', m) } })
    for (let i = 0; i < n; i++) { const s = t.startSpan('op'); s.finish(); ids.push(s.context().toTraceId().padStart(16, '0')) }
    await new Promise<void>((r) => t.close(() => r()))
  })
  return ids
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const topic = uniqueTopic('measure')
const G = `${topic}-g`
await createTopics([{ topic, partitions: 1 }])
const thrift = await app(topic, 'jaeger_thrift', 4)
const otlp1 = await app(topic, 'otlp_proto', 4)
console.log('end after thrift+otlp', [...await endOffsets(topic)])
const mk = () => createForwarder({ brokers: KAFKA_BROKERS, topic, groupId: G, collectorUrl: JAEGER_COLLECTOR_URL, otlpEndpoint: JAEGER_OTLP_URL, logger: captureLogger(), clientLogLevel: 'nothing' })
let f = mk(); await f.start(); await waitUntilCommittedToEnd(G, topic, 30000); await f.stop()
console.log('forwarder committed', [...await committedOffsets(G, topic)], f.metrics().spansForwardedByEncoding)

// A: fresh group, earliest
const A = await startIngester({ topic, encoding: 'otlp_proto', groupId: `${topic}-fresh` })
await waitUntilCommittedToEnd(`${topic}-fresh`, topic, 60000)
let dupes = 0; for (const id of otlp1) dupes += (await getTrace(id, A.queryUrl))?.spans.length ?? 0
console.log('A fresh group: unmarshal_failed', await metricSum(A.metricsUrl, 'otelcol_kafka_receiver_unmarshal_failed_spans_total'), 'accepted', await metricSum(A.metricsUrl, 'otelcol_receiver_accepted_spans_total'), 'otlp spans also in ingester (already forwarded):', dupes)
console.log('A log:', readFileSync(A.logFile, 'utf8').split('\n').filter((l) => /unmarshal|skipping/.test(l)).slice(0, 2).join('\n').slice(0, 600))
await A.stop()

// B: both in group G at the same time
f = mk(); await f.start()
const otlp2 = await app(topic, 'otlp_proto', 3)
let B
try {
  B = await startIngester({ topic, encoding: 'otlp_proto', groupId: G })
  await sleep(8000)
  console.log('B group', await describeGroup(G), 'forwarder forwarded', f.metrics().spansForwardedByEncoding, 'ingester accepted', await metricSum(B.metricsUrl, 'otelcol_receiver_accepted_spans_total'))
  console.log('B log:', readFileSync(B.logFile, 'utf8').split('\n').filter((l) => /error|warn|INCONSISTENT/i.test(l)).slice(0, 4).join('\n').slice(0, 1200))
} catch (e) { console.log('B start failed', String(e).slice(0, 800)) }
await f.stop()
await waitUntilCommittedToEnd(G, topic, 30000).catch((e) => console.log('B: ', String(e)))
console.log('B after forwarder stop: committed', [...await committedOffsets(G, topic)], 'end', [...await endOffsets(topic)])
// C: the ingester (franz-go) commits in G, then the forwarder (kafkajs) resumes from there
if (!B) B = await startIngester({ topic, encoding: 'otlp_proto', groupId: G })
const otlp3 = await app(topic, 'otlp_proto', 3)
await waitUntilCommittedToEnd(G, topic, 60000)
const cAt = await committedOffsets(G, topic)
await B.stop()
const otlp4 = await app(topic, 'otlp_proto', 2)
f = mk(); await f.start(); await waitUntilCommittedToEnd(G, topic, 30000); await f.stop()
let c3 = 0; for (const id of otlp3) c3 += (await getTrace(id, JAEGER_QUERY_URL))?.spans.length ?? 0
let c4 = 0; for (const id of otlp4) c4 += (await getTrace(id, JAEGER_QUERY_URL))?.spans.length ?? 0
console.log('C: ingester committed', [...cAt], 'forwarder restarted forwarded', f.metrics().spansForwardedByEncoding, 'otlp3 spans in main (read by ingester):', c3, 'otlp4 in main:', c4)
process.exit(0)
