// SPDX-License-Identifier: Apache-2.0
// The seed scenario in one command (`npm run demo`):
//
//   numbers ──To_numbers──▶ [numbers topic] ──From_numbers──▶ adder ──To_sums──▶ [sums topic] ──From_sums──▶ sentence
//
// Three jaeger-client services, traced across Kafka with our carriers, report
// their spans with KafkaSender. Jaeger is stopped while the messages flow, so
// the spans wait in Kafka; then Jaeger starts, the forwarder drains the span
// topic, and the demo checks through Jaeger's query API that every trace is
// complete: 6 spans, 3 services, one trace id, FOLLOWS_FROM across each hop.
//
// Env: DEMO_MESSAGES (default 20), KAFKA_BROKERS (127.0.0.1:9092).
import kafkajs from 'kafkajs'
import { start, status, stop } from '../scripts/peers.mjs'
import { traceEachMessage, tracedSend } from '../carriers/index.ts'
import { getKafkaSender, initTracer } from '../senders/index.ts'
import type { JaegerTracer } from '../senders/index.ts'
import { createForwarder } from '../forwarder/index.ts'
import { summarizeBatch } from '../src/codec/thrift/index.ts'

const env = globalThis.process?.env ?? {}
const MESSAGES = Number(env.DEMO_MESSAGES ?? 20)
const BROKERS = (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',')
const COLLECTOR = 'http://127.0.0.1:14268/api/traces'
const QUERY = 'http://127.0.0.1:16686'
const SPANS_PER_TRACE = 6

const run = Math.random().toString(36).slice(2, 8)
const topics = { numbers: `demo-numbers-${run}`, sums: `demo-sums-${run}`, spans: `demo-jaeger-spans-${run}` }
const say = (text: string) => console.log(text)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function tracerFor(serviceName: string): JaegerTracer {
  return initTracer({
    serviceName,
    sampler: { type: 'const', param: 1 },
    reporter: { kafka: { brokers: BROKERS, topic: topics.spans } },
  })
}

/** Records on the span topic and the spans they hold (read with a throwaway group that commits nothing). */
async function spanBacklog(kafka: kafkajs.Kafka): Promise<{ records: number; spans: number }> {
  const admin = kafka.admin()
  await admin.connect()
  const offsets = await admin.fetchTopicOffsets(topics.spans)
  await admin.disconnect()
  const records = offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0)
  const consumer = kafka.consumer({ groupId: `demo-backlog-${run}` })
  await consumer.connect()
  await consumer.subscribe({ topic: topics.spans, fromBeginning: true })
  let seen = 0
  let spans = 0
  await new Promise<void>((resolve) => {
    void consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        spans += summarizeBatch(message.value ?? new Uint8Array()).spanCount
        if (++seen === records) resolve()
      },
    })
  })
  await consumer.disconnect()
  return { records, spans }
}

interface QueriedSpan { traceID: string; spanID: string; operationName: string; processID: string; references: { refType: string; spanID: string }[] }
interface QueriedTrace { spans: QueriedSpan[]; processes: Record<string, { serviceName: string }> }

/** Why a trace is not complete, or undefined when it is. */
function incompleteness(trace: QueriedTrace | undefined): string | undefined {
  if (!trace) return 'not in Jaeger'
  if (trace.spans.length !== SPANS_PER_TRACE) return `${trace.spans.length} of ${SPANS_PER_TRACE} spans`
  if (new Set(trace.spans.map((s) => s.traceID)).size !== 1) return 'more than one trace id'
  const services = new Set(trace.spans.map((s) => trace.processes[s.processID]?.serviceName))
  if (services.size !== 3) return `services ${[...services].join(', ')}`
  const byOp = new Map(trace.spans.map((s) => [s.operationName, s]))
  for (const [consumer, producer] of [[`From_${topics.numbers}`, `To_${topics.numbers}`], [`From_${topics.sums}`, `To_${topics.sums}`]] as const) {
    const ref = byOp.get(consumer)?.references.find((r) => r.refType === 'FOLLOWS_FROM')
    if (!ref || ref.spanID !== byOp.get(producer)?.spanID) return `${consumer} does not follow from ${producer}`
  }
  return undefined
}

async function queryTrace(traceId: string): Promise<QueriedTrace | undefined> {
  const res = await fetch(`${QUERY}/api/traces/${traceId}`)
  const body = (await res.json()) as { data?: QueriedTrace[] }
  return res.ok ? body.data?.[0] : undefined
}

say('jaeger-kafka demo: traces across Kafka hops, and no span lost while Jaeger is down\n')
say('1. Starting the real peers (first run provisions Kafka from Maven Central and builds Jaeger with Go)')
const before = await status()
await start()
const kafka = new kafkajs.Kafka({ clientId: 'demo', brokers: BROKERS, logLevel: kafkajs.logLevel.NOTHING })
const admin = kafka.admin()
await admin.connect()
await admin.createTopics({ topics: Object.values(topics).map((topic) => ({ topic, numPartitions: 2 })), waitForLeaders: true })
await admin.disconnect()

say('2. Stopping Jaeger: from here on, spans can only wait in Kafka')
await stop(['jaeger'])

const tracers = { numbers: tracerFor('numbers'), adder: tracerFor('adder'), sentence: tracerFor('sentence') }
const producer = kafka.producer()
await producer.connect()
const adder = kafka.consumer({ groupId: `demo-adder-${run}` })
const writer = kafka.consumer({ groupId: `demo-sentence-${run}` })
const sentences: string[] = []
let allWritten!: () => void
const written = new Promise<void>((resolve) => { allWritten = resolve })

await adder.connect()
await adder.subscribe({ topic: topics.numbers, fromBeginning: true })
await adder.run({
  eachMessage: traceEachMessage(tracers.adder, async ({ message }, span) => {
    const n = Number(String(message.value))
    const added = Math.floor(Math.random() * 100)
    span.setTag('added', added)
    await tracedSend(tracers.adder, producer, { topic: topics.sums, messages: [{ key: message.key, value: JSON.stringify({ n, added, sum: n + added }) }] }, { childOf: span })
  }),
})
await writer.connect()
await writer.subscribe({ topic: topics.sums, fromBeginning: true })
await writer.run({
  eachMessage: traceEachMessage(tracers.sentence, async ({ message }, span) => {
    const { n, added, sum } = JSON.parse(String(message.value)) as { n: number; added: number; sum: number }
    const compose = tracers.sentence.startSpan('compose sentence', { childOf: span })
    sentences.push(`${n} plus ${added} is ${sum}`)
    compose.finish()
    if (sentences.length === MESSAGES) allWritten()
  }),
})

say(`3. Sending ${MESSAGES} numbers through numbers → adder → sentence`)
const traceIds: string[] = []
for (let n = 1; n <= MESSAGES; n++) {
  const root = tracers.numbers.startSpan('generate number')
  root.setTag('number', n)
  traceIds.push(root.context().toTraceId())
  await tracedSend(tracers.numbers, producer, { topic: topics.numbers, messages: [{ key: String(n), value: String(n) }] }, { childOf: root })
  root.finish()
}
await written
say(`   e.g. "${sentences[0]}", "${sentences[sentences.length - 1]}"`)
await Promise.all([adder.disconnect(), writer.disconnect(), producer.disconnect()])

// tracer.close() flushes: its callback runs once the broker acknowledged every span.
let acked = 0
let dropped = 0
for (const tracer of Object.values(tracers)) {
  const sender = getKafkaSender(tracer)
  await new Promise<void>((resolve) => tracer.close(() => resolve()))
  const stats = sender?.stats()
  acked += stats?.spansDelivered ?? 0
  dropped += Object.values(stats?.spansDropped ?? {}).reduce((a, b) => a + b, 0)
}
const backlog = await spanBacklog(kafka)
say(`4. Jaeger is down, and the spans wait in Kafka: topic ${topics.spans} holds ${backlog.records} records with ${backlog.spans} spans (${acked} acknowledged by the broker, ${dropped} dropped)`)

say('5. Starting Jaeger and the forwarder')
await start(['jaeger'])
const forwarder = createForwarder({ brokers: BROKERS, topic: topics.spans, groupId: `demo-forwarder-${run}`, collectorUrl: COLLECTOR, logger: { info: () => {}, error: (m) => console.error(m) } })
const drainStarted = Date.now()
await forwarder.start()
while (forwarder.metrics().spansForwarded < backlog.spans) await sleep(100)
say(`   forwarded ${forwarder.metrics().spansForwarded} spans in ${((Date.now() - drainStarted) / 1000).toFixed(1)} s`)

say('6. Checking every trace in Jaeger\'s query API')
const problems = new Map<string, string>()
const checkDeadline = Date.now() + 30_000
let pending = [...traceIds]
while (pending.length > 0 && Date.now() < checkDeadline) {
  const next: string[] = []
  for (const id of pending) {
    const why = incompleteness(await queryTrace(id))
    if (why) { next.push(id); problems.set(id, why) } else problems.delete(id)
  }
  pending = next
  if (pending.length > 0) await sleep(300)
}
await forwarder.stop()

const complete = traceIds.length - problems.size
const spansInJaeger = complete * SPANS_PER_TRACE
say(`\nSummary
  traces:   ${complete} of ${traceIds.length} complete (${SPANS_PER_TRACE} spans, 3 services, one trace id each)
  spans:    ${backlog.spans} produced to Kafka, ${spansInJaeger} in Jaeger
  lost:     ${backlog.spans - spansInJaeger}
  a trace:  ${QUERY}/api/traces/${traceIds[0]}  (JSON; this Jaeger build serves a placeholder UI)`)
for (const [id, why] of problems) say(`  incomplete ${id}: ${why}`)

// Stop what the demo started; peers that ran before it keep running.
const toStop = (['kafka', 'jaeger'] as const).filter((name) => !before[name]?.running)
if (toStop.length > 0) await stop([...toStop])
if (toStop.length < 2) say('\n(peers that were running before the demo are left running)')
globalThis.process?.exit(problems.size === 0 && spansInJaeger === backlog.spans ? 0 : 1)
