// SPDX-License-Identifier: Apache-2.0
// KafkaSpanExporter against a fake producer (no Kafka): the OTel SDK's spans
// → our records, checked against the SDK's own OTLP serializer; the
// SpanExporter contract (SUCCESS after ack, FAILED on timeout with the spans
// left buffered, shutdown); resource switches; env config; bad input.
import assert from 'node:assert/strict'
import type { SpanExporter } from '@opentelemetry/sdk-trace-base'
import { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources'
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer'
import { withEnv } from '../support/env.ts'
import { test } from '../support/harness.ts'
import { APP_LINKED, APP_RESOURCE, APP_SCOPE, APP_SPAN_NAMES, recordAppTrace } from '../support/otel-app.ts'
import { bytesToHex } from '../support/protobuf-views.ts'
import { ErrorCodes, JaegerKafkaError } from '../../src/errors.ts'
import type { KafkaHeaders, KafkaProducer, ProduceRequest } from '../../src/kafka/types.ts'
import { SPAN_ENCODING_HEADER } from '../../src/kafka/span-record.ts'
import { decodeOtlpTraces } from '../../src/codec/otlp/index.ts'
import type { OtlpAnyValue, OtlpKeyValue, OtlpSpan, OtlpTracesData } from '../../src/codec/otlp/index.ts'
import { decodeBatch } from '../../src/codec/thrift/jaeger-decode.ts'
import { decodeJaegerProtoSpan } from '../../src/codec/jaeger-proto/index.ts'
import { fromOtelSpan } from '../../src/codec/otel/from-otel-span.ts'
import { ExportResultCode, KafkaSpanExporter } from '../../otel.ts'
import type { ExportResult, KafkaSpanExporterOptions } from '../../otel.ts'
import type { SpanDrop } from '../../senders/sender-types.ts'

/** Acks at once, or holds every send until release() ('hold'). */
class FakeProducer implements KafkaProducer {
  mode: 'ack' | 'hold' = 'ack'
  brokerMaxBytes = Infinity
  readonly acked: { key: unknown; value: Uint8Array; headers: KafkaHeaders }[] = []
  private readonly held: { request: ProduceRequest; resolve: () => void }[] = []
  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {}
  send(request: ProduceRequest): Promise<void> {
    if (request.messages.some((m) => m.value!.length > this.brokerMaxBytes)) return Promise.reject(new JaegerKafkaError(ErrorCodes.MESSAGE_TOO_LARGE, 'Cannot produce: too large'))
    if (this.mode === 'hold') return new Promise((resolve) => this.held.push({ request, resolve }))
    this.record(request)
    return Promise.resolve()
  }
  get heldCount(): number {
    return this.held.length
  }
  release(): void {
    this.mode = 'ack'
    for (const h of this.held.splice(0)) {
      this.record(h.request)
      h.resolve()
    }
  }
  private record(request: ProduceRequest): void {
    for (const m of request.messages) this.acked.push({ key: m.key, value: m.value!, headers: { ...m.headers } })
  }
  /** Every OTLP span acked, with its resource's service.name. */
  otlpSpans(): { span: OtlpSpan; service: string; data: OtlpTracesData }[] {
    return this.acked.flatMap((r) => {
      const data = decodeOtlpTraces(r.value)
      return data.resourceSpans.flatMap((rs) => {
        const service = rs.resource?.attributes.find((a) => a.key === 'service.name')?.value
        return rs.scopeSpans.flatMap((ss) => ss.spans.map((span) => ({ span, service: service?.type === 'string' ? service.value : '', data })))
      })
    })
  }
}

function newExporter(producer: KafkaProducer, options: KafkaSpanExporterOptions = {}): KafkaSpanExporter {
  return new KafkaSpanExporter({ producer, env: {}, retry: { initialDelayMs: 1, maxDelayMs: 4 }, ...options })
}

/** The SDK's finished spans of the app trace (a real BasicTracerProvider, resource and scope). */
function sdkSpans(resource = APP_RESOURCE): { spans: ReadableSpan[]; traceId: string } {
  const memory = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes(resource), spanProcessors: [new SimpleSpanProcessor(memory)] })
  const app = recordAppTrace(provider.getTracer(APP_SCOPE.name, APP_SCOPE.version))
  return { spans: memory.getFinishedSpans(), traceId: app.traceId }
}

/** Export and wait for the result (a ref'd timer keeps the runtime up: the exporter's own timers are unref'd). */
async function exportOnce(exporter: KafkaSpanExporter, spans: readonly unknown[]): Promise<ExportResult> {
  const keepAlive = setInterval(() => {}, 1000)
  try {
    return await new Promise((resolve) => exporter.export(spans as ReadableSpan[], resolve))
  } finally {
    clearInterval(keepAlive)
  }
}

/** An attribute value as Jaeger shows it: arrays (and maps) as their JSON text. */
function plain(value: OtlpAnyValue): unknown {
  switch (value.type) {
    case 'array':
      return JSON.stringify(value.value.map(plain))
    case 'int':
      return Number(value.value)
    case 'empty':
      return null
    case 'kvlist':
      return JSON.stringify(Object.fromEntries(value.value.map((kv) => [kv.key, plain(kv.value)])))
    default:
      return value.value
  }
}

function attrs(kvs: readonly OtlpKeyValue[]): Record<string, unknown> {
  return Object.fromEntries(kvs.map((kv) => [kv.key, plain(kv.value)]))
}

/** What both models hold of a span, for comparing our records with the SDK serializer's. */
function view(span: OtlpSpan) {
  return {
    traceId: bytesToHex(span.traceId),
    spanId: bytesToHex(span.spanId),
    parentSpanId: bytesToHex(span.parentSpanId),
    name: span.name,
    kind: span.kind,
    start: span.startTimeUnixNano,
    end: span.endTimeUnixNano,
    sampled: span.flags & 1,
    // An UNSET status with no message is the same as no status.
    status: span.status && (span.status.code !== 0 || span.status.message !== '') ? { code: span.status.code, message: span.status.message } : undefined,
    events: span.events.map((e) => ({ name: e.name, time: e.timeUnixNano, attributes: attrs(e.attributes) })),
    links: span.links.map((l) => ({ traceId: bytesToHex(l.traceId), spanId: bytesToHex(l.spanId) })),
  }
}

test('KafkaSpanExporter otlp_proto records match the OTel SDK\'s own serializer wherever the jaeger model holds the field', async () => {
  const { spans, traceId } = sdkSpans()
  const producer = new FakeProducer()
  const exporter = newExporter(producer)
  assert.equal(exporter.encoding, 'otlp_proto')
  const result = await exportOnce(exporter, spans)
  assert.deepEqual(result, { code: ExportResultCode.SUCCESS })
  assert.ok(producer.acked.every((r) => r.key === traceId && r.headers[SPAN_ENCODING_HEADER] === 'otlp_proto'), 'trace-keyed otlp_proto records')

  const reference = decodeOtlpTraces(ProtobufTraceSerializer.serializeRequest(spans)!)
  const sdkScope = reference.resourceSpans[0]!.scopeSpans[0]!
  assert.deepEqual({ name: sdkScope.scope?.name, version: sdkScope.scope?.version }, APP_SCOPE)
  const theirs = new Map(sdkScope.spans.map((s) => [s.name, s]))
  const ours = producer.otlpSpans()
  assert.deepEqual(ours.map((o) => o.span.name).sort(), [...APP_SPAN_NAMES].sort())
  for (const { span, data } of ours) {
    const sdk = theirs.get(span.name)!
    assert.deepEqual(view(span), view(sdk), `span ${span.name}`)
    // Attributes: the same, plus the scope (the jaeger model keeps it as tags).
    assert.deepEqual(attrs(span.attributes), { ...attrs(sdk.attributes), 'otel.scope.name': APP_SCOPE.name, 'otel.scope.version': APP_SCOPE.version }, `attributes of ${span.name}`)
    // Links: the ids match; their attributes become the ref type.
    for (const link of span.links) assert.deepEqual(attrs(link.attributes), { 'opentracing.ref_type': 'follows_from' })
    assert.deepEqual(attrs(data.resourceSpans[0]!.resource!.attributes), attrs(reference.resourceSpans[0]!.resource!.attributes))
  }
  const charge = theirs.get('charge card')!
  assert.deepEqual(attrs(charge.links[0]!.attributes), { 'link.reason': 'retry-of' }, 'the SDK keeps link attributes (we do not)')
  assert.equal(bytesToHex(charge.links[0]!.traceId), APP_LINKED.traceId)
  assert.deepEqual(exporter.stats().spansDelivered, 5)
  await exporter.shutdown()
})

test('fromOtelSpan() maps kind, status, scope, events, links and dropped counts like Jaeger\'s traces→jaeger translator', () => {
  const { spans } = sdkSpans()
  const byName = new Map(spans.map((s) => [s.name, fromOtelSpan(s)]))
  const tags = (name: string) => Object.fromEntries((byName.get(name)!.tags ?? []).map((t) => [t.key, t.vStr ?? t.vBool ?? t.vLong ?? t.vDouble]))
  assert.deepEqual(tags('checkout'), {
    'otel.scope.name': APP_SCOPE.name,
    'otel.scope.version': APP_SCOPE.version,
    'http.method': 'POST',
    'order.paid': false,
    'order.items': 3n,
    'order.total': 19.99,
    'order.tags': '["gift","express"]',
    'order.sizes': '[1,2]',
    'order.flags': '[true,false]',
    'span.kind': 'server',
    'otel.status_code': 'ERROR',
    error: true,
    'otel.status_description': 'payment declined',
  })
  assert.deepEqual(byName.get('checkout')!.tags!.slice(-4).map((t) => t.key), ['span.kind', 'otel.status_code', 'error', 'otel.status_description'], 'the translator\'s tag order')
  assert.equal(tags('charge card')['otel.status_code'], 'OK')
  assert.equal(tags('charge card').error, undefined)
  assert.equal(tags('audit')['span.kind'], 'internal')
  assert.equal(tags('consume order')['span.kind'], 'consumer')
  const root = byName.get('checkout')!
  assert.deepEqual(root.logs, [{ timestamp: root.startTime + 1000n, fields: [
    { key: 'event', vType: 0, vStr: 'validated' },
    { key: 'rule.count', vType: 3, vLong: 7n },
    { key: 'rule.set', vType: 0, vStr: 'default' },
  ] }])
  assert.equal(root.references, undefined)
  assert.equal(root.duration, 10_000n)
  const consume = byName.get('consume order')!
  const publish = byName.get('publish order')!
  assert.equal(consume.parentSpanId, root.spanId)
  assert.deepEqual(consume.references!.map((r) => [r.refType, r.spanId]), [[0, root.spanId], [1, publish.spanId]], 'parent CHILD_OF first, the link FOLLOWS_FROM')
  assert.equal(consume.flags, 1)
  // Dropped counts, trace state, an invalid link, and a link to the parent marked child_of.
  const sdk = spans.find((s) => s.name === 'charge card')!
  const ctx = sdk.spanContext()
  const odd = fromOtelSpan({
    ...sdk,
    name: sdk.name,
    kind: sdk.kind,
    spanContext: () => ({ ...ctx, traceState: { serialize: () => 'vendor=x' } }),
    links: [{ context: { traceId: 'nothex', spanId: '00f067aa0ba902b7' } }, { context: sdk.parentSpanContext!, attributes: { 'opentracing.ref_type': 'child_of' } }],
    droppedAttributesCount: 2,
    droppedEventsCount: 1,
    droppedLinksCount: 3,
  } as unknown as ReadableSpan)
  const oddTags = Object.fromEntries(odd.tags!.map((t) => [t.key, t.vStr ?? t.vLong]))
  assert.equal(oddTags['w3c.tracestate'], 'vendor=x')
  assert.deepEqual([oddTags['otel.dropped_attributes_count'], oddTags['otel.dropped_events_count'], oddTags['otel.dropped_links_count']], [2n, 1n, 4n], 'the invalid link counts as dropped')
  assert.deepEqual(odd.references!.map((r) => r.refType), [0], 'a child_of link to the parent is the parent reference')
})

test('fromOtelSpan() gives each span its own ids when spans of two traces alternate, and writes arrays as their JSON text', () => {
  const a = sdkSpans().spans
  const b = sdkSpans().spans
  // a0 b0 a1 b1 …: the trace id and parent id parsed last never leak into the next span.
  const mixed = a.flatMap((span, i) => [span, b[i]!])
  for (const span of mixed) {
    const converted = fromOtelSpan(span)
    const ctx = span.spanContext()
    const hex = (value: bigint): string => BigInt.asUintN(64, value).toString(16).padStart(16, '0')
    assert.equal(`${hex(converted.traceIdHigh)}${hex(converted.traceIdLow)}`, ctx.traceId)
    assert.equal(hex(converted.spanId), ctx.spanId)
    assert.equal(converted.parentSpanId === 0n ? undefined : hex(converted.parentSpanId), span.parentSpanContext?.spanId)
  }
  // An empty trace id is still an error after a valid span was converted.
  assert.throws(() => fromOtelSpan({ ...a[0]!, name: 'empty', spanContext: () => ({ traceId: '', spanId: '00f067aa0ba902b7', traceFlags: 1 }) } as unknown as ReadableSpan), /Cannot convert span "empty": trace id "" is not 32 hex digits/)
  const arrays = fromOtelSpan({ ...a[0]!, name: 'arrays', spanContext: a[0]!.spanContext, attributes: {
    flat: ['a', 'b"c', 1.5, true, null],
    bytes: [new Uint8Array([1, 2])],
    big: [10n],
    nested: [['x'], { k: 'v' }],
  } } as unknown as ReadableSpan)
  const text = Object.fromEntries(arrays.tags!.filter((t) => !t.key.startsWith('otel.') && t.key !== 'span.kind').map((t) => [t.key, t.vStr]))
  assert.deepEqual(text, { flat: '["a","b\\"c",1.5,true,null]', bytes: '[[1,2]]', big: '["10"]', nested: '[["x"],{"k":"v"}]' })
})

test('export() reports SUCCESS only after the broker acked; on timeout FAILED with the spans left buffered, later exports do not wait, and every span is delivered', async () => {
  const producer = new FakeProducer()
  producer.mode = 'hold'
  const exporter = newExporter(producer, { exportTimeoutMs: 20 })
  const first = await exportOnce(exporter, sdkSpans().spans)
  assert.equal(first.code, ExportResultCode.FAILED)
  assert.match(first.error!.message, /did not acknowledge within 20 ms; the spans stay buffered in the exporter and will be delivered or counted as dropped/)
  assert.ok(producer.heldCount > 0)
  // While those wait, an export reports at once (no waiting on the held send).
  const second = await exportOnce(exporter, sdkSpans().spans)
  assert.equal(second.code, ExportResultCode.FAILED)
  assert.match(second.error!.message, /wait in the exporter's buffer/)
  assert.equal(exporter.stats().bufferedSpans, 10)
  producer.release()
  await exporter.forceFlush()
  assert.equal(exporter.stats().spansDelivered, 10)
  assert.equal(producer.otlpSpans().length, 10)
  // Kafka is back: exports wait for the ack again and succeed.
  assert.deepEqual(await exportOnce(exporter, sdkSpans().spans), { code: ExportResultCode.SUCCESS })
  const stats = exporter.stats()
  assert.deepEqual([stats.spansDelivered, stats.exportsSucceeded, stats.exportsFailed], [15, 1, 2])
  await exporter.shutdown()
})

test('spans of another resource switch the process: each record carries its own resource', async () => {
  const producer = new FakeProducer()
  const exporter = newExporter(producer)
  const a = sdkSpans({ 'service.name': 'svc-a', 'zone': 'a' }).spans
  const b = sdkSpans({ 'service.name': 'svc-b' }).spans
  const result = await exportOnce(exporter, [a[0], b[0], a[1], ...b.slice(1)])
  assert.equal(result.code, ExportResultCode.SUCCESS)
  const seen = producer.otlpSpans()
  assert.equal(seen.length, 7)
  for (const { span, service } of seen) {
    const expected = a.some((s) => s.spanContext().spanId === bytesToHex(span.spanId)) ? 'svc-a' : 'svc-b'
    assert.equal(service, expected, `span ${span.name}`)
  }
  const zones = seen.filter((s) => s.service === 'svc-a').map((s) => attrs(s.data.resourceSpans[0]!.resource!.attributes).zone)
  assert.deepEqual(zones, ['a', 'a'])
  await exporter.shutdown()
})

test('KafkaSpanExporter reads JAEGER_KAFKA_* (options win) and jaeger_thrift writes Batches our forwarder reads', async () => {
  assert.throws(() => new KafkaSpanExporter({ env: {} }), /needs Kafka brokers/)
  assert.throws(() => new KafkaSpanExporter({ env: { JAEGER_KAFKA_BROKERS: '127.0.0.1:1', JAEGER_KAFKA_ENCODING: 'zipkin' } }), /JAEGER_KAFKA_ENCODING/)
  const producer = new FakeProducer()
  const exporter = new KafkaSpanExporter({ producer, env: { JAEGER_KAFKA_BROKERS: '127.0.0.1:1', JAEGER_KAFKA_ENCODING: 'jaeger_thrift', JAEGER_KAFKA_TOPIC: 'from-env', JAEGER_KAFKA_FLUSH_TIMEOUT: '1234' } })
  assert.deepEqual([exporter.encoding, exporter.exportTimeoutMs], ['jaeger_thrift', 1234])
  const { spans } = sdkSpans()
  assert.deepEqual(await exportOnce(exporter, spans), { code: ExportResultCode.SUCCESS })
  const batch = decodeBatch(producer.acked[0]!.value)
  assert.equal(batch.process.serviceName, APP_RESOURCE['service.name'])
  assert.deepEqual(batch.spans.map((s) => s.operationName).sort(), [...APP_SPAN_NAMES].sort())
  await exporter.shutdown()
  const protoProducer = new FakeProducer()
  const overridden = newExporter(protoProducer, { env: { JAEGER_KAFKA_BROKERS: 'x:1', JAEGER_KAFKA_ENCODING: 'jaeger_thrift' }, encoding: 'jaeger_proto' })
  assert.equal(overridden.encoding, 'jaeger_proto')
  assert.deepEqual(await exportOnce(overridden, spans), { code: ExportResultCode.SUCCESS })
  const protoSpans = protoProducer.acked.map((r) => decodeJaegerProtoSpan(r.value))
  assert.deepEqual(protoSpans.map((p) => p.span.operationName).sort(), [...APP_SPAN_NAMES].sort(), 'one model.Span per record')
  assert.ok(protoSpans.every((p) => p.process.serviceName === APP_RESOURCE['service.name']))
  await overridden.shutdown()
})

test('OTEL_SERVICE_NAME reaches the process through the SDK\'s resource (env detector), as in any OTel app', async () => {
  const producer = new FakeProducer()
  const exporter = newExporter(producer, { encoding: 'jaeger_thrift' })
  await withEnv({ OTEL_SERVICE_NAME: 'from-otel-env', OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=test' }, async () => {
    const resource = detectResources({ detectors: [envDetector] })
    const memory = new InMemorySpanExporter()
    const provider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(memory)] })
    provider.getTracer('env').startSpan('env-span').end()
    assert.deepEqual(await exportOnce(exporter, memory.getFinishedSpans()), { code: ExportResultCode.SUCCESS })
  })
  const batch = decodeBatch(producer.acked[0]!.value)
  assert.equal(batch.process.serviceName, 'from-otel-env')
  assert.deepEqual(batch.process.tags?.map((t) => [t.key, t.vStr]), [['deployment.environment', 'test']])
  await exporter.shutdown()
})

test('bad spans: invalid ids and missing fields are counted drops, lone surrogates become U+FFFD, huge attributes are trimmed; export never throws', async () => {
  const producer = new FakeProducer()
  const drops: SpanDrop[] = []
  const exporter = newExporter(producer, { maxMessageBytes: 64 * 1024, maxBufferedBytes: 1024 * 1024, onDrop: (d) => drops.push(d) })
  const { spans } = sdkSpans()
  const good = spans[0]!
  const ctx = good.spanContext()
  const variant = (overrides: Record<string, unknown>) => Object.assign(Object.create(good) as object, overrides)
  const bad = [
    variant({ spanContext: () => ({ ...ctx, traceId: 'zz'.repeat(16) }) }),
    variant({ spanContext: () => ({ ...ctx, spanId: '0000000000000000' }) }),
    variant({ name: undefined }),
    variant({ startTime: undefined }),
    variant({ parentSpanContext: { ...ctx, spanId: 'short' } }),
    null,
  ]
  const surrogate = variant({ name: 'lone \uD800 surrogate', attributes: { text: 'bad \uDC00 end' }, spanContext: () => ({ ...ctx, spanId: '1111111111111111' }) })
  const huge = variant({ name: 'huge', attributes: { blob: 'x'.repeat(200_000), keep: 1 }, spanContext: () => ({ ...ctx, spanId: '2222222222222222' }) })
  let result: ExportResult | undefined
  assert.doesNotThrow(() => exporter.export([...bad, surrogate, huge] as unknown as ReadableSpan[], (r) => { result = r }))
  await exporter.forceFlush()
  await new Promise((r) => setTimeout(r, 0))
  assert.equal(result?.code, ExportResultCode.FAILED)
  assert.match(result!.error!.message, /Cannot convert span/)
  const stats = exporter.stats()
  assert.equal(stats.spansDropped.encode_error, bad.length)
  assert.deepEqual(drops.map((d) => d.reason), Array(bad.length).fill('encode_error'))
  assert.deepEqual([stats.spansAppended, stats.spansDelivered, stats.spansTrimmed], [bad.length + 2, 2, 1])
  const delivered = new Map(producer.otlpSpans().map(({ span }) => [span.name, span]))
  assert.ok(delivered.has('lone \uFFFD surrogate'))
  assert.deepEqual(attrs(delivered.get('lone \uFFFD surrogate')!.attributes).text, 'bad \uFFFD end')
  assert.equal(attrs(delivered.get('huge')!.attributes)['jaeger.truncated'], true)
  // A throwing result callback and a non-array do not reach the app either.
  assert.doesNotThrow(() => exporter.export(spans, () => { throw new Error('callback bug') }))
  assert.doesNotThrow(() => exporter.export(undefined as unknown as ReadableSpan[], () => {}))
  await exporter.shutdown()
})

test('shutdown() delivers what is buffered and is idempotent; spans exported after it are counted as dropped (closed)', async () => {
  const producer = new FakeProducer()
  producer.mode = 'hold'
  const exporter = newExporter(producer, { exportTimeoutMs: 10 })
  assert.equal((await exportOnce(exporter, sdkSpans().spans)).code, ExportResultCode.FAILED)
  const closing = exporter.shutdown()
  assert.equal(exporter.shutdown(), closing)
  producer.release()
  await closing
  assert.equal(exporter.stats().spansDelivered, 5)
  const after = await exportOnce(exporter, sdkSpans().spans)
  assert.equal(after.code, ExportResultCode.FAILED)
  assert.equal(exporter.stats().spansDropped.closed, 5)
})

test('with Kafka not acking, BatchSpanProcessor\'s provider.shutdown() rejects with our error and skips exporter.shutdown(); calling it afterwards delivers everything', async () => {
  const producer = new FakeProducer()
  producer.mode = 'hold'
  const exporter = newExporter(producer, { exportTimeoutMs: 10 })
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes(APP_RESOURCE), spanProcessors: [new BatchSpanProcessor(exporter)] })
  recordAppTrace(provider.getTracer(APP_SCOPE.name))
  const keepAlive = setInterval(() => {}, 1000)
  try {
    await assert.rejects(provider.shutdown(), /the spans stay buffered in the exporter/)
    assert.equal(exporter.stats().bufferedSpans, 5, 'the spans wait in the exporter, not lost')
    const closing = exporter.shutdown()
    producer.release()
    await closing
  } finally {
    clearInterval(keepAlive)
  }
  const stats = exporter.stats()
  assert.deepEqual([stats.spansDelivered, stats.bufferedSpans, stats.spansDropped.closed], [5, 0, 0])
  assert.equal(producer.otlpSpans().length, 5)
})

test('KafkaSpanExporter is an OTel SpanExporter (structural typing, no @opentelemetry import at runtime)', () => {
  const exporter: SpanExporter = new KafkaSpanExporter({ producer: new FakeProducer(), env: {} })
  assert.equal(typeof exporter.export, 'function')
  assert.equal(typeof exporter.forceFlush, 'function')
  return exporter.shutdown()
})
