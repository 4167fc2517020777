// SPDX-License-Identifier: Apache-2.0
// The mixed-fleet recipe of docs/otel.md, piece by piece, with OTel's real
// propagators: JaegerPropagator (uber-trace-id + uberctx-* baggage) and
// W3CTraceContextPropagator in a CompositePropagator through
// propagation.inject/extract with kafkaHeadersGetter/Setter, the OTel consumer
// span (parent + a follows_from link), and shim-opentracing driving our
// carriers. Messages are read as kafkajs delivers them: header values are
// Buffers, which OTel's defaultTextMapGetter hands to the propagators as they
// are, so they see no context at all.
import assert from 'node:assert/strict'
import { Buffer } from 'node:buffer'
import jaeger from 'jaeger-client'
import * as opentracing from 'opentracing'
import {
  ROOT_CONTEXT, SpanKind, TraceFlags, defaultTextMapGetter, propagation, trace, type Context, type TextMapPropagator,
} from '@opentelemetry/api'
import { CompositePropagator, W3CTraceContextPropagator } from '@opentelemetry/core'
import { JaegerPropagator } from '@opentelemetry/propagator-jaeger'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { TracerShim } from '@opentelemetry/shim-opentracing'
import { test } from '../support/harness.ts'
import {
  KafkaConsumerCarrier, kafkaHeadersGetter, kafkaHeadersSetter, startConsumerSpan, startProducerSpan, withRawJaegerBaggage,
} from '../../carriers/index.ts'
import type { KafkajsHeaders, KafkajsMessage } from '../../carriers/index.ts'

interface JaegerSpan extends opentracing.Span {
  _references: opentracing.Reference[]
}
interface JaegerModule {
  initTracer: typeof jaeger.initTracer
  InMemoryReporter: new () => { spans: JaegerSpan[]; clear(): void }
}
const { initTracer, InMemoryReporter } = jaeger as unknown as JaegerModule
const reporter = new InMemoryReporter()
const jaegerTracer = initTracer({ serviceName: 'fleet-a', sampler: { type: 'const', param: 1 } }, { reporter: reporter as never, logger: { info() {}, error() {} } })

// The recipe's propagator: Jaeger for jaeger-client neighbours, W3C for OTel
// ones. Extraction runs in order and a later one wins: Jaeger last.
const fleetPropagator: TextMapPropagator = new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new JaegerPropagator()] })
propagation.setGlobalPropagator(fleetPropagator)

function otelSdk(): { tracer: ReturnType<BasicTracerProvider['getTracer']>; exporter: InMemorySpanExporter } {
  const exporter = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
  return { tracer: provider.getTracer('fleet-b'), exporter }
}

/** A message as kafkajs' consumer delivers it: every header value a Buffer. */
function consumed(headers: KafkajsHeaders | undefined): { key: null; value: Buffer; offset: string; headers: KafkajsHeaders } {
  const out: KafkajsHeaders = {}
  for (const [k, v] of Object.entries(headers ?? {})) out[k] = Buffer.from(String(v))
  return { key: null, value: Buffer.from('v'), offset: '7', headers: out }
}

/** jaeger-client service A: a producer span with baggage, injected into a fresh message. */
function fromJaegerClient(baggage: Record<string, string>, options: { format?: string } = {}): { message: KafkajsMessage; span: opentracing.Span } {
  const request = jaegerTracer.startSpan('request')
  for (const [k, v] of Object.entries(baggage)) request.setBaggageItem(k, v)
  const message: KafkajsMessage = { value: 'order' }
  const span = startProducerSpan(jaegerTracer as never, { topic: 'orders', message, childOf: request, format: options.format })
  return { message, span: span as opentracing.Span }
}

const pad = (id: string, width: number): string => id.padStart(width, '0')

/**
 * The recipe's consumer span: the producer's context as parent (same trace id)
 * and a link to it marked `opentracing.ref_type=follows_from`, which Jaeger's
 * translator folds into one FOLLOWS_FROM reference, as jaeger-client's helpers write.
 */
function startOtelConsumerSpan(tracer: ReturnType<BasicTracerProvider['getTracer']>, extracted: Context): ReturnType<typeof tracer.startSpan> {
  const producer = trace.getSpanContext(extracted)
  const links = producer === undefined ? [] : [{ context: producer, attributes: { 'opentracing.ref_type': 'follows_from' } }]
  return tracer.startSpan('From_orders', { kind: SpanKind.CONSUMER, links }, extracted)
}

test('kafkajs Buffer headers: the default getter loses the jaeger-client trace (baggage alone survives), kafkaHeadersGetter keeps both', () => {
  const { message, span } = fromJaegerClient({ customer: 'c-42' })
  const delivered = consumed(message.headers)
  const broken = propagation.extract(ROOT_CONTEXT, delivered.headers, defaultTextMapGetter)
  assert.equal(trace.getSpanContext(broken), undefined)
  // JaegerPropagator needs a string uber-trace-id; baggage goes through
  // decodeURIComponent, which turns the Buffer into a string by accident.
  assert.equal(propagation.getBaggage(broken)?.getEntry('customer')?.value, 'c-42')
  const { tracer, exporter } = otelSdk()
  tracer.startSpan('From_orders', { kind: SpanKind.CONSUMER }, broken).end()
  assert.notEqual(exporter.getFinishedSpans()[0]?.spanContext().traceId, pad(span.context().toTraceId(), 32), 'a new trace: the default getter broke it')

  const ours = propagation.extract(ROOT_CONTEXT, delivered, kafkaHeadersGetter)
  const ctx = trace.getSpanContext(ours)
  assert.equal(ctx?.traceId, pad(span.context().toTraceId(), 32))
  assert.equal(ctx?.spanId, pad(span.context().toSpanId(), 16))
  assert.equal(ctx?.traceFlags, TraceFlags.SAMPLED)
  assert.equal(ctx?.isRemote, true)
  assert.equal(propagation.getBaggage(ours)?.getEntry('customer')?.value, 'c-42')
})

test('kafkajs Buffer headers: W3CTraceContextPropagator alone also needs kafkaHeadersGetter (traceparent from formats: w3c)', () => {
  const request = jaegerTracer.startSpan('request')
  const message: KafkajsMessage = { value: 'order' }
  startProducerSpan(jaegerTracer as never, { topic: 'orders', message, childOf: request, formats: ['w3c'] })
  const w3c = new W3CTraceContextPropagator()
  const delivered = consumed(message.headers)
  assert.equal(trace.getSpanContext(w3c.extract(ROOT_CONTEXT, delivered.headers, defaultTextMapGetter)), undefined)
  assert.equal(trace.getSpanContext(w3c.extract(ROOT_CONTEXT, delivered, kafkaHeadersGetter))?.traceId, pad(request.context().toTraceId(), 32))
})

test('OTel consumer span: child of the producer context with a follows_from link to it, baggage carried on to what it sends', () => {
  const { message, span } = fromJaegerClient({ customer: 'c-42' })
  const { tracer, exporter } = otelSdk()
  const extracted = propagation.extract(ROOT_CONTEXT, consumed(message.headers), kafkaHeadersGetter)
  const consumer = startOtelConsumerSpan(tracer, extracted)
  // What the handler sends: a producer span, child of the consumer span, in the extracted context (keeps its baggage).
  const sendCtx = trace.setSpan(extracted, consumer)
  const producer = tracer.startSpan('To_enriched', { kind: SpanKind.PRODUCER }, sendCtx)
  const out: KafkajsMessage = { value: 'enriched' }
  propagation.inject(trace.setSpan(sendCtx, producer), out, kafkaHeadersSetter)
  producer.end()
  consumer.end()

  const [p, c] = exporter.getFinishedSpans()
  const producerId = pad(span.context().toSpanId(), 16)
  assert.equal(c?.spanContext().traceId, pad(span.context().toTraceId(), 32))
  assert.equal(c?.parentSpanContext?.spanId, producerId)
  assert.deepEqual(c?.links.map((l) => [l.context.spanId, l.attributes?.['opentracing.ref_type']]), [[producerId, 'follows_from']])
  assert.equal(c?.kind, SpanKind.CONSUMER)
  assert.equal(p?.parentSpanContext?.spanId, c?.spanContext().spanId)
  // Both formats are on the outgoing message, for the same span, and the baggage.
  const headers = out.headers ?? {}
  assert.deepEqual(Object.keys(headers).sort(), ['traceparent', 'uber-trace-id', 'uberctx-customer'])
  assert.equal(headers['uber-trace-id'], `${p?.spanContext().traceId}:${p?.spanContext().spanId}:0:01`)
  assert.equal(headers.traceparent, `00-${p?.spanContext().traceId}-${p?.spanContext().spanId}-01`)
  assert.equal(headers['uberctx-customer'], 'c-42')
})

test('OTel producer → jaeger-client consumer: FOLLOWS_FROM the OTel span in the same trace, baggage read', () => {
  const { tracer } = otelSdk()
  const root = tracer.startSpan('request')
  const ctx = propagation.setBaggage(trace.setSpan(ROOT_CONTEXT, root), propagation.createBaggage({ customer: { value: 'c-42' } }))
  const producer = tracer.startSpan('To_orders', { kind: SpanKind.PRODUCER }, ctx)
  const message: KafkajsMessage = { value: 'order' }
  propagation.inject(trace.setSpan(ctx, producer), message, kafkaHeadersSetter)
  reporter.clear()
  const consumer = startConsumerSpan(jaegerTracer as never, { topic: 'orders', partition: 0, message: consumed(message.headers) }) as unknown as JaegerSpan
  consumer.finish()
  assert.equal(consumer.context().toTraceId(), producer.spanContext().traceId)
  assert.deepEqual(consumer._references.map((r) => [r.type(), r.referencedContext().toSpanId()]), [[opentracing.REFERENCE_FOLLOWS_FROM, producer.spanContext().spanId]])
  assert.equal(consumer.getBaggageItem('customer'), 'c-42')
  assert.equal(reporter.spans.length, 1)
})

test('shim-opentracing with JaegerPropagator drives our carriers: consumer of a jaeger-client message keeps trace and baggage, and passes them on', () => {
  const { message, span } = fromJaegerClient({ customer: 'c-42' })
  const exporter = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
  const shim = new TracerShim(provider.getTracer('fleet-c'), { textMapPropagator: fleetPropagator }) as unknown as opentracing.Tracer
  // The shim extracts with OTel's default getter, which reads our consumer carrier (decoded strings).
  const consumer = startConsumerSpan(shim, { topic: 'orders', partition: 0, message: consumed(message.headers) })
  assert.equal(consumer.getBaggageItem('customer'), 'c-42')
  const out: KafkajsMessage = { value: 'next' }
  const producer = startProducerSpan(shim, { topic: 'next', message: out, childOf: consumer })
  producer.finish()
  consumer.finish()
  const [p, c] = exporter.getFinishedSpans()
  const producerId = pad(span.context().toSpanId(), 16)
  assert.equal(c?.spanContext().traceId, pad(span.context().toTraceId(), 32))
  assert.equal(c?.parentSpanContext?.spanId, producerId)
  // The shim turns our FOLLOWS_FROM reference into a link (no opentracing.ref_type:
  // Jaeger's translator reads a link without it as FOLLOWS_FROM too).
  assert.deepEqual(c?.links.map((l) => l.context.spanId), [producerId])
  assert.equal(p?.parentSpanContext?.spanId, c?.spanContext().spanId)
  // Downstream jaeger-client reads the shim's headers: same trace, baggage intact.
  reporter.clear()
  const last = startConsumerSpan(jaegerTracer as never, { topic: 'next', partition: 0, message: consumed(out.headers) }) as unknown as JaegerSpan
  assert.equal(pad(last.context().toTraceId(), 32), c?.spanContext().traceId)
  assert.equal(last._references[0]?.referencedContext().toSpanId(), p?.spanContext().spanId)
  assert.equal(last.getBaggageItem('customer'), 'c-42')
})

test('baggage encoding across the two worlds: JaegerPropagator URL-encodes, so jaeger-client must use FORMAT_HTTP_HEADERS for values that are not URL-safe', () => {
  const value = 'hello wörld, a=b; 100%'
  // jaeger-client TEXT_MAP writes the raw value: JaegerPropagator decodes it and fails on the lone '%' (the entry is dropped).
  const raw = fromJaegerClient({ note: value })
  assert.equal(raw.message.headers?.['uberctx-note'], value)
  assert.equal(propagation.getBaggage(propagation.extract(ROOT_CONTEXT, consumed(raw.message.headers), kafkaHeadersGetter))?.getEntry('note'), undefined)
  // FORMAT_HTTP_HEADERS URL-encodes it: JaegerPropagator reads it back exactly…
  const encoded = fromJaegerClient({ note: value }, { format: opentracing.FORMAT_HTTP_HEADERS })
  const extracted = propagation.extract(ROOT_CONTEXT, consumed(encoded.message.headers), kafkaHeadersGetter)
  assert.equal(propagation.getBaggage(extracted)?.getEntry('note')?.value, value)
  // …and what JaegerPropagator writes (URL-encoded) jaeger-client decodes with FORMAT_HTTP_HEADERS, not with TEXT_MAP.
  const back: KafkajsMessage = { value: 'v' }
  propagation.inject(extracted, back, kafkaHeadersSetter)
  const delivered = consumed(back.headers)
  const http = jaegerTracer.extract(opentracing.FORMAT_HTTP_HEADERS, new KafkaConsumerCarrier(delivered))
  const textMap = jaegerTracer.extract(opentracing.FORMAT_TEXT_MAP, new KafkaConsumerCarrier(delivered))
  assert.equal((http as unknown as { _baggage: Record<string, string> })._baggage.note, value)
  assert.equal((textMap as unknown as { _baggage: Record<string, string> })._baggage.note, encodeURIComponent(value))
})

const awkward = 'hello wörld, a=b; 100% %41'

test('withRawJaegerBaggage: OTel ↔ jaeger-client TEXT_MAP baggage is exact both ways, raw on the wire, for values that are not URL-safe', () => {
  const raw = withRawJaegerBaggage(fleetPropagator)
  // jaeger-client (TEXT_MAP, raw) → OTel
  const { message } = fromJaegerClient({ note: awkward })
  assert.equal(message.headers?.['uberctx-note'], awkward)
  const extracted = raw.extract(ROOT_CONTEXT, consumed(message.headers), kafkaHeadersGetter)
  assert.equal(propagation.getBaggage(extracted)?.getEntry('note')?.value, awkward)
  assert.ok(trace.getSpanContext(extracted), 'the trace context passes untouched')
  // OTel → jaeger-client (TEXT_MAP): raw on the wire, exact for the consumer.
  const out: KafkajsMessage = { value: 'v' }
  raw.inject(extracted, out, kafkaHeadersSetter)
  assert.equal(out.headers?.['uberctx-note'], awkward)
  const ctx = trace.getSpanContext(extracted)
  assert.equal(out.headers?.['uber-trace-id'], `${ctx?.traceId}:${ctx?.spanId}:0:01`)
  reporter.clear()
  const consumer = startConsumerSpan(jaegerTracer as never, { topic: 'orders', partition: 0, message: consumed(out.headers) }) as unknown as opentracing.Span
  assert.equal(consumer.getBaggageItem('note'), awkward)
  // OTel → OTel, both wrapped: exact; a value that is not valid URI-encoding is written as given.
  assert.equal(propagation.getBaggage(raw.extract(ROOT_CONTEXT, consumed(out.headers), kafkaHeadersGetter))?.getEntry('note')?.value, awkward)
  const odd: KafkajsMessage = { value: 'v' }
  const writesOdd = { inject: (_: unknown, carrier: unknown, setter: { set(c: unknown, k: string, v: string): void }) => { setter.set(carrier, 'uberctx-odd', '%zz'); setter.set(carrier, 'x-other', 'a%20b') }, extract: (c: unknown) => c, fields: () => ['x'] }
  withRawJaegerBaggage(writesOdd).inject(ROOT_CONTEXT, odd, kafkaHeadersSetter)
  assert.deepEqual(odd.headers, { 'uberctx-odd': '%zz', 'x-other': 'a%20b' })
  assert.deepEqual(raw.fields(), fleetPropagator.fields())
})

test('withRawJaegerBaggage on the shim: OpenTracing code on OTel hands jaeger-client TEXT_MAP services the exact baggage, and reads theirs', () => {
  const exporter = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
  const shim = new TracerShim(provider.getTracer('fleet-c'), { textMapPropagator: withRawJaegerBaggage(fleetPropagator) }) as unknown as opentracing.Tracer
  const { message } = fromJaegerClient({ note: awkward })
  const consumer = startConsumerSpan(shim, { topic: 'orders', partition: 0, message: consumed(message.headers) })
  assert.equal(consumer.getBaggageItem('note'), awkward)
  const out: KafkajsMessage = { value: 'next' }
  startProducerSpan(shim, { topic: 'next', message: out, childOf: consumer }).finish()
  assert.equal(out.headers?.['uberctx-note'], awkward)
  const last = startConsumerSpan(jaegerTracer as never, { topic: 'next', partition: 0, message: consumed(out.headers) }) as unknown as opentracing.Span
  assert.equal(last.getBaggageItem('note'), awkward)
})
