// SPDX-License-Identifier: Apache-2.0
// The drop-in app (initTracerFromEnv, a real jaeger-client tracer) with
// JAEGER_KAFKA_ENCODING=otlp_proto / jaeger_proto → the span topic → Jaeger
// v2's own Kafka ingester (the `jaeger-ingester` peer) → its query API: every
// span there exactly once with its fields, and every record on the topic keyed
// by its trace id, holding one trace (jaeger_proto: one span).
// otlp_proto uses the peer started by `peers.mjs start jaeger-ingester`;
// jaeger_proto starts a second ingester of its own (own run dir, topic, group
// and ports) and stops it in a finally. The same app with jaeger_thrift through
// our forwarder into the main jaeger must show the same fields.
import assert from 'node:assert/strict'
import kafkajs from 'kafkajs'
import * as opentracing from 'opentracing'
import { test } from '../support/harness.ts'
import { withEnv } from '../support/env.ts'
import { JAEGER_COLLECTOR_URL, JAEGER_INGESTER_QUERY_URL, JAEGER_INGESTER_TOPIC, JAEGER_QUERY_URL, KAFKA_BROKERS, uniqueTopic, waitForTrace } from '../support/peers.ts'
import type { JaegerQuerySpan, JaegerQueryTrace } from '../support/peers.ts'
import { createTopic } from '../support/span-topic.ts'
import { startIngester } from '../support/jaeger-process.ts'
import { SPAN_COUNT_HEADER, SPAN_ENCODING_HEADER } from '../../src/kafka/span-record.ts'
import type { SpanEncoding } from '../../src/kafka/span-record.ts'
import { decodeRecordView } from '../../cli/record-view.ts'
import { KAFKA_ENV } from '../../senders/kafka-config.ts'
import { initTracerFromEnv } from '../../senders/init-tracer.ts'
import type { JaegerTracer } from '../../senders/init-tracer.ts'
import { createForwarder } from '../../forwarder/forwarder.ts'

const kafka = new kafkajs.Kafka({ clientId: 'ingester-encodings-test', brokers: KAFKA_BROKERS, logLevel: kafkajs.logLevel.NOTHING })
const TRACES_PER_TRACER = 2
const SPANS_PER_TRACE = 3

/** A trace the app made: its id as Jaeger writes it (16 or 32 hex digits). */
interface SentTrace {
  traceId: string
  wide: boolean
}

/** Jaeger's TraceID.String(): 16 hex digits when the high half is 0, else 32. */
function jaegerTraceId(id: string): string {
  return id.length <= 16 ? id.padStart(16, '0') : id.padStart(32, '0')
}

function closeTracer(tracer: JaegerTracer): Promise<void> {
  return new Promise((resolve) => tracer.close(() => resolve()))
}

/** One trace: a server root (every tag type, a log, error), a client child, a follower with CHILD_OF + FOLLOWS_FROM. */
function makeTrace(tracer: JaegerTracer, n: number): string {
  const root = tracer.startSpan('GET /orders', { startTime: 1_700_000_000_000 + n })
  root.setTag('span.kind', 'server')
  root.setTag('http.method', 'GET')
  root.setTag('http.status_code', 503)
  root.setTag('retry.ratio', 0.25)
  root.setTag('cache.hit', false)
  root.setTag('error', true)
  root.setTag('payload', Buffer.from([1, 2, 3]))
  root.log({ event: 'cache miss', 'cache.key': 'orders:42', attempt: 2 }, 1_700_000_000_001 + n)
  const child = tracer.startSpan('SELECT orders', { childOf: root, startTime: 1_700_000_000_002 + n })
  child.setTag('span.kind', 'client')
  child.finish(1_700_000_000_005 + n)
  const follower = tracer.startSpan('orders publish', {
    references: [opentracing.childOf(root.context()), opentracing.followsFrom(child.context())],
    startTime: 1_700_000_000_006 + n,
  })
  follower.setTag('span.kind', 'producer')
  follower.finish(1_700_000_000_008 + n)
  root.finish(1_700_000_000_010 + n)
  return root.context().toTraceId()
}

/** The drop-in app: two env-configured tracers (64- and 128-bit trace ids) each making TRACES_PER_TRACER traces. */
async function runApp(service: string, topic: string, encoding: SpanEncoding): Promise<SentTrace[]> {
  const errors: string[] = []
  const logger = { info: () => {}, error: (message: string) => errors.push(message) }
  const env = {
    [KAFKA_ENV.BROKERS]: KAFKA_BROKERS.join(','),
    [KAFKA_ENV.TOPIC]: topic,
    [KAFKA_ENV.ENCODING]: encoding,
    JAEGER_SERVICE_NAME: service,
    JAEGER_SAMPLER_TYPE: 'const',
    JAEGER_SAMPLER_PARAM: '1',
    JAEGER_TAGS: 'deployment.canary=true',
  }
  const sent: SentTrace[] = []
  await withEnv(env, async () => {
    const narrow = initTracerFromEnv({}, { logger })
    const wide = initTracerFromEnv({}, { logger, traceId128bit: true } as Parameters<typeof initTracerFromEnv>[1])
    for (let i = 0; i < TRACES_PER_TRACER; i++) {
      sent.push({ traceId: jaegerTraceId(makeTrace(narrow, 2 * i)), wide: false })
      sent.push({ traceId: jaegerTraceId(makeTrace(wide, 2 * i + 1)), wide: true })
    }
    await closeTracer(narrow)
    await closeTracer(wide)
  })
  assert.deepEqual(errors, [], 'the tracers logged no error')
  assert.equal(sent.filter((t) => t.wide).length, TRACES_PER_TRACER)
  for (const t of sent) assert.equal(t.traceId.length, t.wide ? 32 : 16, t.traceId)
  return sent
}

/** Records on `topic` holding spans of `traces`, read until `spans` of them arrived. */
async function recordsOf(topic: string, traces: ReadonlySet<string>, spans: number, encoding: SpanEncoding): Promise<{ key: string; partition: number; traceIds: string[]; countHeader: string }[]> {
  const consumer = kafka.consumer({ groupId: uniqueTopic('ingester-encodings-reader') })
  const found: { key: string; partition: number; traceIds: string[]; countHeader: string }[] = []
  await consumer.connect()
  try {
    await consumer.subscribe({ topic, fromBeginning: true })
    let seen = 0
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${seen} of ${spans} spans found on ${topic} after 30 s`)), 30_000)
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            if (String(message.headers?.[SPAN_ENCODING_HEADER]) !== encoding) return // other tests' records
            const view = decodeRecordView(message.value ?? new Uint8Array(), encoding)
            const traceIds = view.spans.map((s) => s.traceId)
            if (!traceIds.some((id) => traces.has(id))) return
            found.push({ key: String(message.key), partition, traceIds, countHeader: String(message.headers?.[SPAN_COUNT_HEADER]) })
            seen += traceIds.length
            if (seen >= spans) {
              clearTimeout(timer)
              resolve()
            }
          },
        })
        .catch(reject)
    })
  } finally {
    await consumer.disconnect()
  }
  return found
}

const tagMap = (span: JaegerQuerySpan) => Object.fromEntries(span.tags.map((t) => [t.key, [t.type, t.value]]))

function byName(trace: JaegerQueryTrace, name: string): JaegerQuerySpan {
  const span = trace.spans.find((s) => s.operationName === name)
  assert.ok(span, `span '${name}' in ${trace.spans.map((s) => s.operationName).join(', ')}`)
  return span
}

/** The fields of one app trace as the ingester's query API shows them. */
function assertTrace(trace: JaegerQueryTrace, sent: SentTrace, service: string): void {
  assert.equal(trace.traceID, sent.traceId)
  assert.equal(trace.spans.length, SPANS_PER_TRACE, `exactly ${SPANS_PER_TRACE} spans in ${sent.traceId}`)
  const root = byName(trace, 'GET /orders')
  const child = byName(trace, 'SELECT orders')
  const follower = byName(trace, 'orders publish')
  assert.equal(child.duration, 3000)
  assert.equal(root.duration, 10_000)
  assert.equal(child.startTime - root.startTime, 2000)
  const rootTags = tagMap(root)
  assert.deepEqual(rootTags['http.method'], ['string', 'GET'])
  assert.deepEqual(rootTags['http.status_code'], ['float64', 503])
  assert.deepEqual(rootTags['retry.ratio'], ['float64', 0.25])
  assert.deepEqual(rootTags['cache.hit'], ['bool', false])
  assert.deepEqual(rootTags.error, ['bool', true])
  assert.deepEqual(rootTags['span.kind'], ['string', 'server'])
  assert.deepEqual(rootTags.payload, ['binary', 'AQID'], 'bytes as base64, as Jaeger shows a binary tag')
  assert.deepEqual(tagMap(child)['span.kind'], ['string', 'client'])
  assert.deepEqual(tagMap(follower)['span.kind'], ['string', 'producer'])
  assert.equal(tagMap(child).error, undefined)
  assert.equal(root.logs.length, 1)
  assert.equal(root.logs[0]!.timestamp - root.startTime, 1000)
  assert.deepEqual(
    Object.fromEntries(root.logs[0]!.fields.map((f) => [f.key, [f.type, f.value]])),
    { event: ['string', 'cache miss'], 'cache.key': ['string', 'orders:42'], attempt: ['float64', 2] },
  )
  assert.deepEqual(root.references, [])
  assert.deepEqual(child.references, [{ refType: 'CHILD_OF', traceID: sent.traceId, spanID: root.spanID }])
  assert.deepEqual(follower.references, [
    { refType: 'CHILD_OF', traceID: sent.traceId, spanID: root.spanID },
    { refType: 'FOLLOWS_FROM', traceID: sent.traceId, spanID: child.spanID },
  ])
  const proc = trace.processes[root.processID]
  assert.ok(proc, `process ${root.processID}`)
  assert.equal(proc.serviceName, service)
  const procTags = Object.fromEntries(proc.tags.map((t) => [t.key, t.value]))
  assert.equal(procTags['deployment.canary'], 'true')
  // Jaeger v2 stores OTLP: its translator shows jaeger-client's hostname as
  // host.name and jaeger.version as opencensus.exporterversion (all three
  // encodings: the Thrift path through the collector shows the same).
  assert.equal(typeof procTags['host.name'], 'string')
  assert.equal(typeof procTags['client-uuid'], 'string')
  assert.match(String(procTags['opencensus.exporterversion']), /^Jaeger-Node-/)
}

/** Send with the app, then check the topic and the ingester's query API. */
async function endToEnd(topic: string, encoding: Exclude<SpanEncoding, 'jaeger_thrift'>, queryUrl: string): Promise<void> {
  const service = uniqueTopic(`app-${encoding}`)
  const sent = await runApp(service, topic, encoding)
  const total = sent.length * SPANS_PER_TRACE
  const records = await recordsOf(topic, new Set(sent.map((t) => t.traceId)), total, encoding)
  assert.equal(records.reduce((n, r) => n + r.traceIds.length, 0), total, 'every span on the topic exactly once')
  const partitionOf = new Map<string, number>()
  for (const record of records) {
    assert.deepEqual(new Set(record.traceIds), new Set([record.key]), 'one trace per record, keyed by its id')
    assert.equal(record.countHeader, String(record.traceIds.length))
    if (encoding === 'jaeger_proto') assert.equal(record.traceIds.length, 1)
    const partition = partitionOf.get(record.key) ?? record.partition
    assert.equal(record.partition, partition, 'a trace stays in one partition')
    partitionOf.set(record.key, partition)
  }
  for (const trace of sent) assertTrace(await waitForTrace(trace.traceId, SPANS_PER_TRACE, 30_000, queryUrl), trace, service)
}

test('otlp_proto: the drop-in app → topic → Jaeger\'s Kafka ingester shows every span with its fields; one trace per record, keyed by trace id', async () => {
  await endToEnd(JAEGER_INGESTER_TOPIC, 'otlp_proto', JAEGER_INGESTER_QUERY_URL)
})

test('jaeger_proto: the drop-in app → topic → a second Jaeger ingester (jaeger_proto) shows every span; one span per record, keyed by trace id', async () => {
  const topic = uniqueTopic('spans-jaeger-proto')
  await createTopic(topic, 3)
  const ingester = await startIngester({ topic, encoding: 'jaeger_proto', groupId: `${topic}-ingester` })
  try {
    await endToEnd(topic, 'jaeger_proto', ingester.queryUrl)
  } finally {
    await ingester.stop()
  }
})

test('jaeger_thrift: the same app → our forwarder → the main Jaeger shows the same fields as the ingester does', async () => {
  const topic = uniqueTopic('spans-thrift')
  await createTopic(topic, 3)
  const service = uniqueTopic('app-jaeger_thrift')
  const sent = await runApp(service, topic, 'jaeger_thrift')
  const forwarder = createForwarder({ brokers: KAFKA_BROKERS, topic, groupId: `${topic}-fwd`, collectorUrl: JAEGER_COLLECTOR_URL, logger: { info: () => {}, error: () => {} } })
  await forwarder.start()
  try {
    for (const trace of sent) assertTrace(await waitForTrace(trace.traceId, SPANS_PER_TRACE, 30_000, JAEGER_QUERY_URL), trace, service)
  } finally {
    await forwarder.stop()
  }
})
