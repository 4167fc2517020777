// SPDX-License-Identifier: Apache-2.0
// The promise of the package against the real peers: the real Jaeger is
// stopped while a jaeger-client app keeps producing spans through KafkaSender
// and the forwarder keeps trying (and commits nothing); when Jaeger is back,
// every span is in Jaeger's query API exactly once (counted raw, so a
// duplicate would show), each record was accepted exactly once, nothing was
// dead-lettered, and the committed offsets reach the end of the topic.
// Once per span-topic encoding: jaeger_thrift records go to the collector
// (/api/traces), otlp_proto records unchanged to the OTLP/HTTP receiver (/v1/traces).
// It stops the Jaeger peer other tests use, so it runs only when
// JAEGER_KAFKA_OUTAGE_TESTS=1 (scripts/test.mjs sets it; files run serially).
// Scenario 1 of the fault suite: the short variant (8 s, 300 traces) by
// default; with JAEGER_KAFKA_FAULTS_LONG=1 a 60 s outage at 5,000 spans/s
// (100,000 traces of 3 spans). JAEGER_OUTAGE_MS / JAEGER_OUTAGE_TRACES override.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import kafkajs from 'kafkajs'
import { test } from '../support/harness.ts'
import { JAEGER_COLLECTOR_URL, JAEGER_OTLP_URL, KAFKA_BROKERS, uniqueTopic } from '../support/peers.ts'
import { getKafkaSender, initTracer } from '../../senders/init-tracer.ts'
import { createForwarder } from '../../forwarder/forwarder.ts'
import { FAULTS_LONG, reportFault } from '../support/faults.ts'
import { waitForSpanCensus } from '../support/span-census.ts'

const env = (globalThis as unknown as { process: { env: Record<string, string | undefined> } }).process.env
const ENABLED = env.JAEGER_KAFKA_OUTAGE_TESTS === '1'
const OUTAGE_MS = Number(env.JAEGER_OUTAGE_MS ?? (FAULTS_LONG ? 60_000 : 8_000))
const TRACES = Number(env.JAEGER_OUTAGE_TRACES ?? (FAULTS_LONG ? 100_000 : 300))
const SPANS_PER_TRACE = 3

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** `node scripts/peers.mjs <command> jaeger`, without blocking the event loop (the app keeps producing). */
function peersAsync(command: 'start' | 'stop'): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('node', ['scripts/peers.mjs', command, 'jaeger'], { stdio: ['ignore', 'ignore', 'inherit'] })
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`peers ${command} jaeger exited with ${code}`))))
  })
}

/** POSTs the collector or OTLP receiver accepted (any 2xx answer). */
const accepted = (posts: Record<string, number>): number => Object.entries(posts).reduce((n, [label, count]) => n + (/^2\d\d$/.test(label) ? count : 0), 0)

for (const encoding of ['jaeger_thrift', 'otlp_proto'] as const) test(`${encoding}: Jaeger outage: every span produced while Jaeger was down reaches Jaeger once it is back, none dead-lettered or re-posted`, async () => {
  const topic = uniqueTopic(`outage-jaeger-${encoding}`)
  const admin = new kafkajs.Kafka({ clientId: 'outage-jaeger', brokers: KAFKA_BROKERS, logLevel: kafkajs.logLevel.NOTHING }).admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true })

  const logs: string[] = []
  const forwarder = createForwarder({
    brokers: KAFKA_BROKERS, topic, groupId: `${topic}-fwd`, collectorUrl: JAEGER_COLLECTOR_URL, otlpEndpoint: JAEGER_OTLP_URL,
    retry: { initialDelayMs: 100, maxDelayMs: 1_000 },
    logger: { info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(m) },
  })
  await forwarder.start()
  await peersAsync('stop')
  const downAt = Date.now()
  try {
    const tracer = initTracer({ serviceName: `${topic}-app`, sampler: { type: 'const', param: 1 }, reporter: { kafka: { brokers: KAFKA_BROKERS, topic, encoding }, flushIntervalMs: 200 } })
    const sender = getKafkaSender(tracer)
    assert.ok(sender, 'the drop-in wired a KafkaSender')
    // A steady rate over 80% of the outage (100 ms ticks, catching up to the
    // target count): the forwarder keeps failing and backing off meanwhile.
    const traceIds: string[] = []
    const produceMs = OUTAGE_MS * 0.8
    const began = Date.now()
    while (traceIds.length < TRACES) {
      const target = Math.min(TRACES, Math.ceil((TRACES * (Date.now() - began + 100)) / produceMs))
      while (traceIds.length < target) {
        const root = tracer.startSpan('handle request')
        const child = tracer.startSpan('query db', { childOf: root })
        const grandchild = tracer.startSpan('serialize', { childOf: child })
        grandchild.finish()
        child.finish()
        root.finish()
        traceIds.push(root.context().toTraceId())
      }
      await sleep(100)
    }
    const produceSeconds = (Date.now() - began) / 1000
    await new Promise<void>((resolve) => tracer.close(() => resolve()))
    const stats = sender.stats()
    assert.equal(stats.spansDelivered, TRACES * SPANS_PER_TRACE, 'the broker acknowledged every span')
    assert.equal(Object.values(stats.spansDropped).reduce((a, b) => a + b, 0), 0)
    assert.equal(forwarder.metrics().spansForwarded, 0, 'nothing could be forwarded while Jaeger was down')
    const [during] = await admin.fetchOffsets({ groupId: `${topic}-fwd`, topics: [topic] })
    assert.ok(during?.partitions.every((p) => p.offset === '-1'), `nothing committed while Jaeger was down: ${JSON.stringify(during?.partitions)}`)

    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - downAt)))
    await peersAsync('start')
    const upAt = Date.now()
    while (forwarder.metrics().spansForwarded < TRACES * SPANS_PER_TRACE && Date.now() - upAt < 60_000 + TRACES) await sleep(100)
    const drainSeconds = (Date.now() - upAt) / 1000

    const m = forwarder.metrics()
    assert.equal(m.spansForwarded, TRACES * SPANS_PER_TRACE)
    assert.equal(m.recordsForwarded, stats.batchesDelivered, 'each record was accepted exactly once')
    // jaeger_thrift records are one POST each; otlp_proto records queued behind the outage are joined into fewer POSTs.
    if (encoding === 'jaeger_thrift') assert.equal(accepted(m.posts), stats.batchesDelivered, 'one accepted POST per record')
    else assert.ok(accepted(m.posts) >= 1 && accepted(m.posts) <= stats.batchesDelivered, `${accepted(m.posts)} accepted POSTs for ${stats.batchesDelivered} records`)
    assert.equal(m.spansForwardedByEncoding[encoding], TRACES * SPANS_PER_TRACE)
    assert.ok(m.retries > 0, 'the forwarder retried during the outage')
    assert.deepEqual(Object.values(m.deadLettered).reduce((a, b) => a + b, 0), 0)

    // Every trace complete in the real Jaeger: exact distinct span count per
    // trace, and copies counted (raw reads), not hidden by the query service.
    const census = await waitForSpanCensus(new Map(traceIds.map((id) => [id, SPANS_PER_TRACE])), undefined, 30_000 + TRACES)
    assert.deepEqual(census.incompleteTraces, [], `${census.incompleteTraces.length} of ${TRACES} traces incomplete in Jaeger`)
    assert.equal(census.unique, TRACES * SPANS_PER_TRACE)
    assert.equal(census.extra, 0)
    // Each record was accepted once; a copy could only come from a POST Jaeger
    // stored but never answered (a timeout), which the forwarder must retry.
    if ((m.posts.timeout ?? 0) === 0) assert.equal(census.duplicates, 0, 'no span stored twice')

    // Committed offsets reach the end of the topic.
    await forwarder.stop()
    const ends = await admin.fetchTopicOffsets(topic)
    const committed = await admin.fetchOffsets({ groupId: `${topic}-fwd`, topics: [topic] })
    for (const end of ends) {
      const c = committed[0]?.partitions.find((p) => p.partition === end.partition)
      assert.equal(c?.offset, end.high, `partition ${end.partition} committed to its end`)
    }
    console.log(`jaeger outage (${encoding}): ${TRACES * SPANS_PER_TRACE} spans in ${stats.batchesDelivered} records, ${m.retries} retries, ${census.unique} distinct spans and ${census.duplicates} duplicates in Jaeger, drained ${drainSeconds.toFixed(1)} s after Jaeger returned`)
    reportFault({
      scenario: `1 Jaeger outage (${encoding})`,
      load: `${TRACES * SPANS_PER_TRACE} spans over ${produceSeconds.toFixed(0)} s (${Math.round((TRACES * SPANS_PER_TRACE) / produceSeconds)} spans/s), 2 partitions`,
      faults: `Jaeger stopped ${(OUTAGE_MS / 1000).toFixed(0)} s`,
      sent: TRACES * SPANS_PER_TRACE,
      delivered: m.spansForwarded,
      duplicated: census.duplicates,
      droppedCounted: Object.values(stats.spansDropped).reduce((a, b) => a + b, 0),
      drainSeconds: Number(drainSeconds.toFixed(1)),
      notes: `${stats.batchesDelivered} records, ${accepted(m.posts)} accepted POSTs, ${m.retries} forwarder retries; every trace complete in Jaeger (raw query: duplicates counted)`,
    })
  } finally {
    await peersAsync('start')
    await forwarder.stop()
    await admin.disconnect()
  }
}, { timeout: FAULTS_LONG ? 900_000 : 180_000, skip: ENABLED ? false : 'set JAEGER_KAFKA_OUTAGE_TESTS=1 (stops the shared Jaeger peer)' })
