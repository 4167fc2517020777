// SPDX-License-Identifier: Apache-2.0
// One small OTel trace recorded by the OpenTelemetry JS SDK and serialized by
// its own OTLP encoder (@opentelemetry/otlp-transformer ProtobufTraceSerializer):
// an independent reference for what an `otlp_proto` record / OTLP/HTTP body
// holds. Three spans of one 128-bit trace: a SERVER root with an ERROR status,
// attributes of every type and an event; a CLIENT child with a link; a
// PRODUCER grandchild.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api'
import type { Attributes } from '@opentelemetry/api'
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'

export const OTEL_SERVICE = 'otlp-ref-service'
export const OTEL_RESOURCE_ATTRIBUTES: Attributes = { 'service.name': OTEL_SERVICE, 'host.name': 'ref-host', 'process.pid': 4242, 'deployment.canary': true }
/** The span a link in the trace points at (another trace). */
export const LINKED = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' }

export interface OtelTrace {
  /** 32 lower-case hex characters. */
  traceId: string
  /** ExportTraceServiceRequest bytes (= one TracesData). */
  bytes: Uint8Array
  spans: ReadableSpan[]
  /** The root's start, epoch milliseconds (children start 2 and 3 ms later). */
  startMs: number
}

export function otelTrace(): OtelTrace {
  const exporter = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
  const tracer = provider.getTracer('jaeger-kafka-test', '1.0.0')
  const t0 = Date.now() - 5_000
  const root = tracer.startSpan('GET /orders', {
    kind: SpanKind.SERVER,
    startTime: t0,
    attributes: { 'http.method': 'GET', 'http.status_code': 503, 'retry.ratio': 0.25, 'cache.hit': false, 'order.ids': ['a', 'b'] },
  })
  root.addEvent('cache miss', { 'cache.key': 'orders:42', attempt: 2 }, t0 + 1)
  root.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream unavailable' })
  const rootContext = trace.setSpan(ROOT_CONTEXT, root)
  const child = tracer.startSpan('SELECT orders', {
    kind: SpanKind.CLIENT,
    startTime: t0 + 2,
    attributes: { 'db.system': 'postgresql' },
    links: [{ context: { ...LINKED, traceFlags: TraceFlags.SAMPLED }, attributes: { 'link.reason': 'retry-of' } }],
  }, rootContext)
  const producer = tracer.startSpan('orders publish', { kind: SpanKind.PRODUCER, startTime: t0 + 3 }, trace.setSpan(ROOT_CONTEXT, child))
  producer.end(t0 + 4)
  child.end(t0 + 5)
  root.end(t0 + 10)
  const resource = { attributes: OTEL_RESOURCE_ATTRIBUTES }
  // The serializer reads only `resource.attributes`/`schemaUrl`; a view per span
  // (prototype = the SDK's span) sets our resource without touching the SDK's objects.
  const spans = exporter.getFinishedSpans().map((span) => Object.create(span, { resource: { value: resource } }) as ReadableSpan)
  const bytes = ProtobufTraceSerializer.serializeRequest(spans)
  if (!bytes) throw new Error('ProtobufTraceSerializer returned nothing')
  return { traceId: root.spanContext().traceId, bytes, spans, startMs: t0 }
}
