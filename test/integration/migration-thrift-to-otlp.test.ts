// SPDX-License-Identifier: Apache-2.0
// Migrating a running span topic from jaeger_thrift to otlp_proto without
// losing a span (docs/reading-the-span-topic.md, "Migrating"):
//   phase 1  drop-in apps switch one by one from jaeger_thrift to otlp_proto on
//            the same topic while our forwarder (reads both) drains it into the
//            main Jaeger;
//   phase 2  once the forwarder committed past the last thrift record, it is
//            stopped cleanly (it commits) and Jaeger's Kafka ingester starts with
//            the forwarder's consumer group: it resumes at the committed offsets.
// The apps keep sending otlp_proto through the handover. Every span must be in
// exactly one of the two Jaegers (main: what the forwarder delivered, ingester:
// the rest), and the ingester never sees a thrift record (its unmarshal-failure
// counter stays 0).
import assert from 'node:assert/strict'
import { test } from '../support/harness.ts'
import { dropInAppEnv, withEnv } from '../support/env.ts'
import { JAEGER_COLLECTOR_URL, JAEGER_OTLP_URL, JAEGER_QUERY_URL, KAFKA_BROKERS, getTrace, uniqueTopic, waitForTrace } from '../support/peers.ts'
import { captureLogger, waitFor } from '../support/forwarder-fakes.ts'
import { committedOffsets, createTopics, endOffsets, waitUntilCommittedPast, waitUntilCommittedToEnd } from '../support/forwarder-kafka.ts'
import { metricSum, startIngester } from '../support/jaeger-process.ts'
import type { SpanEncoding } from '../../src/kafka/span-record.ts'
import { initTracerFromEnv } from '../../senders/init-tracer.ts'
import type { JaegerTracer } from '../../senders/init-tracer.ts'
import { createForwarder } from '../../forwarder/forwarder.ts'

const SPANS_PER_TRACE = 2
const TRACES_PER_STEP = 5
const UNMARSHAL_FAILED = 'otelcol_kafka_receiver_unmarshal_failed_spans_total'

/** One drop-in app process: an env-configured tracer and the traces it made. */
interface App {
  tracer: JaegerTracer
  encoding: SpanEncoding
  traces: string[]
  errors: string[]
  closed: boolean
}

async function startApp(topic: string, service: string, encoding: SpanEncoding): Promise<App> {
  const errors: string[] = []
  const tracer = await withEnv(dropInAppEnv(topic, service, encoding), async () => initTracerFromEnv({}, { logger: { info: () => {}, error: (m: string) => errors.push(m) } }))
  return { tracer, encoding, traces: [], errors, closed: false }
}

/** A root and a child span; the trace id as Jaeger's query API spells it (64-bit ids: 16 hex digits). */
function makeTraces(app: App, count: number): void {
  for (let i = 0; i < count; i++) {
    const root = app.tracer.startSpan('GET /orders')
    root.setTag('migration.encoding', app.encoding)
    app.tracer.startSpan('SELECT orders', { childOf: root }).finish()
    root.finish()
    app.traces.push(root.context().toTraceId().padStart(16, '0'))
  }
}

/** Close the app's tracer: the sender flushes and waits for the broker's acks. */
function stopApp(app: App): Promise<void> {
  if (app.closed) return Promise.resolve()
  app.closed = true
  return new Promise((resolve) => app.tracer.close(() => resolve()))
}

/** Span ids of `traceId` in the Jaeger at `queryUrl` (duplicates kept). */
async function spanIds(traceId: string, queryUrl: string): Promise<string[]> {
  return ((await getTrace(traceId, queryUrl))?.spans ?? []).map((s) => s.spanID)
}

test('migration jaeger_thrift → otlp_proto: senders switch one by one under our forwarder, then Jaeger\'s ingester takes over its consumer group; every span in exactly one Jaeger, none lost', async () => {
  const topic = uniqueTopic('migrate-spans')
  const groupId = `${topic}-readers`
  await createTopics([{ topic, partitions: 3 }])
  const logger = captureLogger()
  const forwarder = createForwarder({ brokers: KAFKA_BROKERS, topic, groupId, collectorUrl: JAEGER_COLLECTOR_URL, otlpEndpoint: JAEGER_OTLP_URL, logger, clientLogLevel: 'nothing' })
  await forwarder.start()
  const apps: App[] = []
  let ingester: Awaited<ReturnType<typeof startIngester>> | undefined
  try {
    // Before: both services on jaeger_thrift.
    const [serviceA, serviceB] = [uniqueTopic('svc-a'), uniqueTopic('svc-b')]
    const thriftA = await startApp(topic, serviceA, 'jaeger_thrift')
    const thriftB = await startApp(topic, serviceB, 'jaeger_thrift')
    apps.push(thriftA, thriftB)
    makeTraces(thriftA, TRACES_PER_STEP)
    makeTraces(thriftB, TRACES_PER_STEP)
    // Phase 1: B restarts on otlp_proto while A still sends thrift; then A.
    await stopApp(thriftB)
    const otlpB = await startApp(topic, serviceB, 'otlp_proto')
    apps.push(otlpB)
    makeTraces(thriftA, TRACES_PER_STEP)
    makeTraces(otlpB, TRACES_PER_STEP)
    await stopApp(thriftA) // its last thrift record is acked: the topic's end now lies past every thrift record
    const thriftEnd = await endOffsets(topic)
    const otlpA = await startApp(topic, serviceA, 'otlp_proto')
    apps.push(otlpA)
    makeTraces(otlpA, TRACES_PER_STEP)
    makeTraces(otlpB, TRACES_PER_STEP)
    // The switch point: the forwarder committed past the last thrift record
    // (and, for the counts below, forwarded phase 1's otlp_proto spans: they
    // leave the apps at the reporter's next flush).
    await waitUntilCommittedPast(groupId, topic, thriftEnd, 60_000)
    const phase1Otlp = 3 * TRACES_PER_STEP * SPANS_PER_TRACE
    await waitFor(() => (forwarder.metrics().spansForwardedByEncoding.otlp_proto ?? 0) >= phase1Otlp, 30_000, `the forwarder forwarded ${phase1Otlp} otlp_proto spans`)

    // Phase 2, while the apps keep sending otlp_proto.
    let sending = true
    const background = (async () => {
      while (sending) {
        makeTraces(otlpA, 1)
        makeTraces(otlpB, 1)
        await new Promise((r) => setTimeout(r, 20))
      }
    })()
    // The cut goes through the live stream: the forwarder has forwarded some of it.
    await waitFor(() => (forwarder.metrics().spansForwardedByEncoding.otlp_proto ?? 0) > phase1Otlp, 30_000, 'the forwarder forwarded phase 2 spans')
    await forwarder.stop() // commits what Jaeger accepted, leaves the group
    const handedOver = await committedOffsets(groupId, topic)
    for (const [partition, offset] of thriftEnd) assert.ok((handedOver.get(partition) ?? -1n) >= offset, `partition ${partition}: committed ${handedOver.get(partition)} ≥ ${offset} (past the last thrift record)`)
    ingester = await startIngester({ topic, encoding: 'otlp_proto', groupId })
    const ingesterUrl = ingester.metricsUrl
    await waitFor(async () => ((await metricSum(ingesterUrl, 'otelcol_receiver_accepted_spans_total')) ?? 0) > 0 || (await new Promise((r) => setTimeout(r, 100)), false), 30_000, 'the ingester accepted spans sent after the handover')
    sending = false
    await background
    await stopApp(otlpA)
    await stopApp(otlpB)
    for (const app of apps) assert.deepEqual(app.errors, [], 'the tracers logged no error')

    // The ingester commits in the same group: once it reached the end, all is stored (it commits after the write).
    const end = await waitUntilCommittedToEnd(groupId, topic, 60_000)
    const records = [...end.values()].reduce((n, o) => n + o, 0n)
    const thriftTraces = [...thriftA.traces, ...thriftB.traces]
    const otlpTraces = [...otlpA.traces, ...otlpB.traces]
    const all = [...thriftTraces, ...otlpTraces]
    assert.equal(new Set(all).size, all.length, 'distinct trace ids')

    const inMain = new Map<string, string[]>()
    const inIngester = new Map<string, string[]>()
    // The main Jaeger stores 100 ms after accepting (batch processor): read until every span is somewhere.
    const deadline = Date.now() + 30_000
    for (const id of all) {
      for (;;) {
        inMain.set(id, await spanIds(id, JAEGER_QUERY_URL))
        inIngester.set(id, await spanIds(id, ingester.queryUrl))
        if (inMain.get(id)!.length + inIngester.get(id)!.length >= SPANS_PER_TRACE || Date.now() > deadline) break
        await new Promise((r) => setTimeout(r, 200))
      }
    }
    const count = (m: Map<string, string[]>, ids: string[]) => ids.reduce((n, id) => n + m.get(id)!.length, 0)
    const produced = all.length * SPANS_PER_TRACE
    const mainSpans = count(inMain, all)
    const ingesterSpans = count(inIngester, all)
    assert.equal(mainSpans + ingesterSpans, produced, `main ${mainSpans} + ingester ${ingesterSpans} == ${produced} spans produced (${records} records)`)
    for (const id of all) {
      const both = inMain.get(id)!.filter((s) => inIngester.get(id)!.includes(s))
      assert.deepEqual(both, [], `no span of ${id} in both Jaegers`)
      assert.equal(new Set([...inMain.get(id)!, ...inIngester.get(id)!]).size, SPANS_PER_TRACE, `trace ${id}: each span once`)
    }
    assert.equal(count(inMain, thriftTraces), thriftTraces.length * SPANS_PER_TRACE, 'every thrift span went through the forwarder')
    assert.equal(count(inIngester, thriftTraces), 0)
    // Both readers carried otlp_proto spans: the forwarder before the handover, the ingester after.
    const forwarded = forwarder.metrics().spansForwardedByEncoding
    assert.equal((forwarded.jaeger_thrift ?? 0) + (forwarded.otlp_proto ?? 0), mainSpans, `the forwarder's counts ${JSON.stringify(forwarded)} == spans in the main Jaeger`)
    assert.equal(forwarded.jaeger_thrift, thriftTraces.length * SPANS_PER_TRACE)
    assert.ok((forwarded.otlp_proto ?? 0) > phase1Otlp, 'the forwarder read otlp_proto in phase 1 and after')
    assert.ok(ingesterSpans > 0, 'the ingester read the records after the handover')
    assert.equal(await metricSum(ingester.metricsUrl, UNMARSHAL_FAILED) ?? 0, 0, 'the ingester read no thrift record')
    assert.equal(await metricSum(ingester.metricsUrl, 'otelcol_receiver_accepted_spans_total'), ingesterSpans, 'the ingester accepted exactly the spans it stored')
  } finally {
    await forwarder.stop()
    for (const app of apps) await stopApp(app)
    await ingester?.stop()
  }
}, { timeout: 180_000 })

test('rollback otlp_proto: Jaeger\'s ingester stops, our forwarder starts with its consumer group and resumes at the ingester\'s commits; every span in exactly one Jaeger', async () => {
  const topic = uniqueTopic('rollback-spans')
  const groupId = `${topic}-readers`
  await createTopics([{ topic, partitions: 2 }])
  const service = uniqueTopic('svc-rollback')
  const apps: App[] = []
  const ingester = await startIngester({ topic, encoding: 'otlp_proto', groupId })
  const forwarder = createForwarder({ brokers: KAFKA_BROKERS, topic, groupId, collectorUrl: JAEGER_COLLECTOR_URL, otlpEndpoint: JAEGER_OTLP_URL, logger: captureLogger(), clientLogLevel: 'nothing' })
  try {
    const before = await startApp(topic, service, 'otlp_proto')
    apps.push(before)
    makeTraces(before, 2 * TRACES_PER_STEP)
    await stopApp(before)
    await waitUntilCommittedToEnd(groupId, topic, 60_000) // the ingester's commits (it commits after the write)
    const ingesterAccepted = await metricSum(ingester.metricsUrl, 'otelcol_receiver_accepted_spans_total')
    for (const id of before.traces) assert.equal((await spanIds(id, ingester.queryUrl)).length, SPANS_PER_TRACE, `trace ${id} in the ingester's Jaeger`)
    await ingester.stop()
    const after = await startApp(topic, service, 'otlp_proto')
    apps.push(after)
    makeTraces(after, TRACES_PER_STEP)
    await stopApp(after)
    await forwarder.start()
    await waitUntilCommittedToEnd(groupId, topic, 60_000)
    await forwarder.stop()

    assert.equal(ingesterAccepted, before.traces.length * SPANS_PER_TRACE, 'the ingester accepted every span sent before the rollback')
    assert.deepEqual(forwarder.metrics().spansForwardedByEncoding, { otlp_proto: after.traces.length * SPANS_PER_TRACE }, 'the forwarder forwarded only what came after the ingester\'s last commit')
    for (const id of after.traces) {
      const trace = await waitForTrace(id, SPANS_PER_TRACE, 30_000, JAEGER_QUERY_URL)
      assert.equal(trace.spans.length, SPANS_PER_TRACE, `trace ${id} once in the main Jaeger`)
    }
    for (const id of before.traces) assert.deepEqual(await spanIds(id, JAEGER_QUERY_URL), [], `trace ${id} (read by the ingester) not forwarded again`)
  } finally {
    await forwarder.stop()
    for (const app of apps) await stopApp(app)
    await ingester.stop()
  }
}, { timeout: 120_000 })
