// SPDX-License-Identifier: Apache-2.0
// An OTel SDK app (BasicTracerProvider + BatchSpanProcessor + KafkaSpanExporter)
// → the real Kafka → (a) Jaeger v2's own Kafka ingester (otlp_proto) and
// (b) our forwarder → the real Jaeger (otlp_proto → OTLP/HTTP, jaeger_thrift →
// /api/traces). Each query API shows every span exactly once with the same
// fields: attributes of each type, events, links, kind, status, scope,
// resource attributes, 128-bit ids.
import assert from 'node:assert/strict'
import { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { test } from '../support/harness.ts'
import { APP_LINKED, APP_RESOURCE, APP_SCOPE, APP_SPAN_NAMES, recordAppTrace } from '../support/otel-app.ts'
import type { AppTrace } from '../support/otel-app.ts'
import { captureLogger } from '../support/forwarder-fakes.ts'
import { createTopics, endOffsets, waitUntilCommittedToEnd } from '../support/forwarder-kafka.ts'
import type { JaegerQuerySpan, JaegerQueryTrace } from '../support/peers.ts'
import { JAEGER_COLLECTOR_URL, JAEGER_INGESTER_QUERY_URL, JAEGER_INGESTER_TOPIC, JAEGER_OTLP_URL, JAEGER_QUERY_URL, KAFKA_BROKERS, getTrace, uniqueTopic, waitForTrace } from '../support/peers.ts'
import { createForwarder } from '../../forwarder/forwarder.ts'
import { ExportResultCode, KafkaSpanExporter } from '../../otel.ts'
import type { ExportResult } from '../../otel.ts'
import type { SpanEncoding } from '../../src/kafka/span-record.ts'

const TRACES = 3

interface AppRun {
  traces: AppTrace[]
  exporter: KafkaSpanExporter
}

/** The app: `TRACES` app traces through BatchSpanProcessor into KafkaSpanExporter, then provider.shutdown(). */
async function runApp(topic: string, encoding: SpanEncoding): Promise<AppRun> {
  const exporter = new KafkaSpanExporter({ brokers: KAFKA_BROKERS, topic, encoding, env: {} })
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(APP_RESOURCE),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 100 })],
  })
  const tracer = provider.getTracer(APP_SCOPE.name, APP_SCOPE.version)
  const traces = Array.from({ length: TRACES }, (_, i) => recordAppTrace(tracer, Date.now() - 60_000 + i * 100))
  await provider.forceFlush()
  await provider.shutdown()
  const stats = exporter.stats()
  assert.equal(stats.spansDelivered, TRACES * APP_SPAN_NAMES.length, 'every span acked by Kafka')
  assert.equal(stats.exportsFailed, 0)
  return { traces, exporter }
}

type Tags = Record<string, [string, unknown]>
const tags = (span: JaegerQuerySpan): Tags => Object.fromEntries(span.tags.map((t) => [t.key, [t.type, t.value]]))

function byName(trace: JaegerQueryTrace, name: string): JaegerQuerySpan {
  const matches = trace.spans.filter((s) => s.operationName === name)
  assert.equal(matches.length, 1, `span '${name}' exactly once in ${trace.spans.map((s) => s.operationName).join(', ')}`)
  return matches[0]!
}

/** Every field of the app trace as the Jaeger query API shows it (the same for every path). */
function assertJaegerShows(trace: JaegerQueryTrace, sent: AppTrace, path: string): void {
  assert.equal(trace.traceID, sent.traceId, `${path}: 128-bit trace id`)
  assert.notEqual(sent.traceId.slice(0, 16), '0000000000000000')
  assert.equal(trace.spans.length, APP_SPAN_NAMES.length, `${path}: exactly ${APP_SPAN_NAMES.length} spans`)
  for (const name of APP_SPAN_NAMES) assert.equal(byName(trace, name).spanID, sent.spanIds[name], `${path}: span id of ${name}`)
  const root = byName(trace, 'checkout')
  assert.deepEqual([root.startTime, root.duration], [sent.startMs * 1000, 10_000], `${path}: µs times`)
  assert.deepEqual(tags(root), {
    'http.method': ['string', 'POST'],
    'order.paid': ['bool', false],
    'order.items': ['int64', 3],
    'order.total': ['float64', 19.99],
    'order.tags': ['string', '["gift","express"]'],
    'order.sizes': ['string', '[1,2]'],
    'order.flags': ['string', '[true,false]'],
    'otel.scope.name': ['string', APP_SCOPE.name],
    'otel.scope.version': ['string', APP_SCOPE.version],
    'span.kind': ['string', 'server'],
    'otel.status_code': ['string', 'ERROR'],
    error: ['bool', true],
    'otel.status_description': ['string', 'payment declined'],
  }, `${path}: root tags`)
  const charge = byName(trace, 'charge card')
  assert.deepEqual(tags(charge), {
    'peer.service': ['string', 'payments'],
    'otel.scope.name': ['string', APP_SCOPE.name],
    'otel.scope.version': ['string', APP_SCOPE.version],
    'span.kind': ['string', 'client'],
    'otel.status_code': ['string', 'OK'],
  }, `${path}: charge card tags`)
  assert.deepEqual(['publish order', 'consume order', 'audit'].map((n) => tags(byName(trace, n))['span.kind']?.[1]), ['producer', 'consumer', 'internal'])
  const sortedFields = (fields: { key: string; type: string; value: unknown }[]) => [...fields].sort((a, b) => a.key.localeCompare(b.key))
  assert.equal(root.logs.length, 1)
  assert.equal(root.logs[0]!.timestamp, (sent.startMs + 1) * 1000)
  assert.deepEqual(sortedFields(root.logs[0]!.fields), [
    { key: 'event', type: 'string', value: 'validated' },
    { key: 'rule.count', type: 'int64', value: 7 },
    { key: 'rule.set', type: 'string', value: 'default' },
  ], `${path}: event → log`)
  assert.deepEqual(root.references, [])
  assert.deepEqual(charge.references, [
    { refType: 'CHILD_OF', traceID: sent.traceId, spanID: root.spanID },
    { refType: 'FOLLOWS_FROM', traceID: APP_LINKED.traceId, spanID: APP_LINKED.spanId },
  ], `${path}: parent and link`)
  assert.deepEqual(byName(trace, 'consume order').references, [
    { refType: 'CHILD_OF', traceID: sent.traceId, spanID: root.spanID },
    { refType: 'FOLLOWS_FROM', traceID: sent.traceId, spanID: sent.spanIds['publish order'] },
  ])
  assert.equal(new Set(trace.spans.map((s) => s.processID)).size, 1)
  const proc = trace.processes[root.processID]!
  assert.equal(proc.serviceName, APP_RESOURCE['service.name'])
  assert.deepEqual([...proc.tags].sort((a, b) => a.key.localeCompare(b.key)), [
    { key: 'app.ratio', type: 'float64', value: 0.5 },
    { key: 'deployment.canary', type: 'bool', value: true },
    { key: 'host.name', type: 'string', value: 'app-host' },
    { key: 'process.pid', type: 'int64', value: 4242 },
  ], `${path}: resource → process tags`)
}

async function assertAllShown(run: AppRun, queryUrl: string, path: string): Promise<void> {
  for (const sent of run.traces) await waitForTrace(sent.traceId, APP_SPAN_NAMES.length, 30_000, queryUrl)
  for (const sent of run.traces) assertJaegerShows((await getTrace(sent.traceId, queryUrl))!, sent, path)
}

test('OTel SDK app → KafkaSpanExporter (otlp_proto) → Jaeger v2\'s Kafka ingester: every span, every field', async () => {
  const run = await runApp(JAEGER_INGESTER_TOPIC, 'otlp_proto')
  await assertAllShown(run, JAEGER_INGESTER_QUERY_URL, 'ingester')
}, { timeout: 120_000 })

for (const encoding of ['otlp_proto', 'jaeger_thrift'] as const) {
  test(`OTel SDK app → KafkaSpanExporter (${encoding}) → our forwarder → Jaeger: every span once, the same fields`, async () => {
    const topic = uniqueTopic(`otel-exp-${encoding}`)
    const groupId = `${topic}-group`
    await createTopics([{ topic, partitions: 1 }])
    const run = await runApp(topic, encoding)
    const forwarder = createForwarder({
      brokers: KAFKA_BROKERS,
      topic,
      groupId,
      collectorUrl: JAEGER_COLLECTOR_URL,
      otlpEndpoint: JAEGER_OTLP_URL,
      logger: captureLogger(),
      clientLogLevel: 'nothing',
    })
    let forwarded: number | undefined
    try {
      await forwarder.start()
      assert.deepEqual(await waitUntilCommittedToEnd(groupId, topic, 30_000), await endOffsets(topic))
      forwarded = forwarder.metrics().spansForwardedByEncoding[encoding]
    } finally {
      await forwarder.stop()
    }
    assert.equal(forwarded, TRACES * APP_SPAN_NAMES.length, 'the forwarder counted every span')
    await assertAllShown(run, JAEGER_QUERY_URL, `forwarder ${encoding}`)
  }, { timeout: 120_000 })
}

test('bad OTel spans through the real Kafka and Jaeger\'s ingester: invalid ones counted as dropped, lone surrogates shown as U+FFFD, a huge attribute trimmed; the app sees no throw', async () => {
  const memory = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes(APP_RESOURCE), spanProcessors: [new SimpleSpanProcessor(memory)] })
  const sent = recordAppTrace(provider.getTracer(APP_SCOPE.name, APP_SCOPE.version))
  const spans = memory.getFinishedSpans()
  const audit = spans.find((s) => s.name === 'audit')!
  const ctx = audit.spanContext()
  const variant = (overrides: Record<string, unknown>) => Object.assign(Object.create(audit) as object, overrides) as unknown as ReadableSpan
  const bad = [
    variant({ spanContext: () => ({ ...ctx, traceId: 'not-a-trace-id' }) }),
    variant({ spanContext: () => ({ ...ctx, spanId: '0000000000000000' }) }),
    variant({ name: undefined }),
    variant({ endTime: undefined }),
  ]
  const surrogate = variant({ name: 'lone \uD800 name', attributes: { text: 'x\uDFFFy' }, spanContext: () => ({ ...ctx, spanId: '1111111111111111' }) })
  const huge = variant({ name: 'huge', attributes: { blob: 'b'.repeat(300_000), kept: true }, spanContext: () => ({ ...ctx, spanId: '2222222222222222' }) })
  const exporter = new KafkaSpanExporter({ brokers: KAFKA_BROKERS, topic: JAEGER_INGESTER_TOPIC, maxMessageBytes: 128 * 1024, env: {} })
  const keepAlive = setInterval(() => {}, 1000)
  let result: ExportResult
  try {
    result = await new Promise<ExportResult>((resolve) => {
      assert.doesNotThrow(() => exporter.export([...spans, ...bad, surrogate, huge], resolve))
    })
    await exporter.shutdown()
  } finally {
    clearInterval(keepAlive)
  }
  assert.equal(result.code, ExportResultCode.FAILED)
  assert.match(result.error!.message, /Cannot convert span/)
  const stats = exporter.stats()
  assert.equal(stats.spansDropped.encode_error, bad.length)
  assert.deepEqual([stats.spansDelivered, stats.spansTrimmed], [spans.length + 2, 1])
  const trace = await waitForTrace(sent.traceId, spans.length + 2, 30_000, JAEGER_INGESTER_QUERY_URL)
  assert.equal(trace.spans.length, spans.length + 2, 'exactly the valid spans, once each')
  const lone = byName(trace, 'lone \uFFFD name')
  assert.deepEqual(tags(lone).text, ['string', 'x\uFFFDy'])
  const trimmed = tags(byName(trace, 'huge'))
  assert.deepEqual(trimmed['jaeger.truncated'], ['bool', true])
  assert.equal(trimmed.blob, undefined)
}, { timeout: 120_000 })
