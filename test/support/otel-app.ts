// SPDX-License-Identifier: Apache-2.0
// An OTel SDK "app" trace for the KafkaSpanExporter tests: five spans of one
// 128-bit trace covering every kind, attributes of each type (string, bool,
// int, double, arrays), an event, links (another trace, and a same-trace
// FOLLOWS_FROM), OK and ERROR statuses, recorded on any tracer.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api'
import type { Attributes, Tracer } from '@opentelemetry/api'

export const APP_RESOURCE: Attributes = { 'service.name': 'otel-exporter-app', 'host.name': 'app-host', 'process.pid': 4242, 'deployment.canary': true, 'app.ratio': 0.5 }
export const APP_SCOPE = { name: 'otel-exporter-test', version: '2.0.1' }
/** The span the first link points at (another trace). */
export const APP_LINKED = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' }
export const APP_SPAN_NAMES = ['checkout', 'charge card', 'publish order', 'consume order', 'audit'] as const

export interface AppTrace {
  traceId: string
  /** Span ids by name. */
  spanIds: Record<string, string>
  /** The root's start, epoch ms; the others start 1, 2, 3, 4 ms later and each lasts 1 ms (the root 10 ms). */
  startMs: number
}

/** Record the app trace on `tracer` (its spans are ended when this returns). */
export function recordAppTrace(tracer: Tracer, startMs = Date.now() - 5_000): AppTrace {
  const t0 = startMs
  const root = tracer.startSpan('checkout', {
    kind: SpanKind.SERVER,
    startTime: t0,
    attributes: {
      'http.method': 'POST',
      'order.paid': false,
      'order.items': 3,
      'order.total': 19.99,
      'order.tags': ['gift', 'express'],
      'order.sizes': [1, 2],
      'order.flags': [true, false],
    },
  })
  root.addEvent('validated', { 'rule.count': 7, 'rule.set': 'default' }, t0 + 1)
  root.setStatus({ code: SpanStatusCode.ERROR, message: 'payment declined' })
  const rootContext = trace.setSpan(ROOT_CONTEXT, root)
  const charge = tracer.startSpan('charge card', {
    kind: SpanKind.CLIENT,
    startTime: t0 + 1,
    attributes: { 'peer.service': 'payments' },
    links: [{ context: { ...APP_LINKED, traceFlags: TraceFlags.SAMPLED }, attributes: { 'link.reason': 'retry-of' } }],
  }, rootContext)
  charge.setStatus({ code: SpanStatusCode.OK })
  charge.end(t0 + 2)
  const publish = tracer.startSpan('publish order', { kind: SpanKind.PRODUCER, startTime: t0 + 2 }, rootContext)
  publish.end(t0 + 3)
  const consume = tracer.startSpan('consume order', {
    kind: SpanKind.CONSUMER,
    startTime: t0 + 3,
    links: [{ context: publish.spanContext() }],
  }, rootContext)
  consume.end(t0 + 4)
  const audit = tracer.startSpan('audit', { kind: SpanKind.INTERNAL, startTime: t0 + 4 }, rootContext)
  audit.end(t0 + 5)
  root.end(t0 + 10)
  const spanIds = Object.fromEntries([root, charge, publish, consume, audit].map((s, i) => [APP_SPAN_NAMES[i], s.spanContext().spanId]))
  return { traceId: root.spanContext().traceId, spanIds, startMs: t0 }
}
