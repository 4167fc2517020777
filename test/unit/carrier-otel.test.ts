// SPDX-License-Identifier: Apache-2.0
// Mixed fleets: OTel's real W3CTraceContextPropagator (@opentelemetry/core)
// as the peer of jaeger-client through our carriers, in both directions, and
// OTel's shim-opentracing tracer driving the span helpers.
import assert from 'node:assert/strict'
import { Buffer } from 'node:buffer'
import jaeger from 'jaeger-client'
import * as opentracing from 'opentracing'
import { ROOT_CONTEXT, TraceFlags, defaultTextMapGetter, defaultTextMapSetter, trace } from '@opentelemetry/api'
import { CompositePropagator, TraceState, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { TracerShim } from '@opentelemetry/shim-opentracing'
import { test } from '../support/harness.ts'
import {
  KafkaConsumerCarrier, KafkaProducerCarrier, extractContext, injectHeaders, kafkaHeadersGetter, kafkaHeadersSetter,
  startConsumerSpan, startProducerSpan,
} from '../../carriers/index.ts'
import type { KafkajsHeaders, KafkajsMessage, RdkafkaHeaders } from '../../carriers/index.ts'

interface JaegerModule {
  initTracer: typeof jaeger.initTracer
  InMemoryReporter: new () => { spans: Array<opentracing.Span & { _references: opentracing.Reference[] }>; clear(): void }
}
const { initTracer, InMemoryReporter } = jaeger as unknown as JaegerModule
const reporter = new InMemoryReporter()
const tracer = initTracer({ serviceName: 'otel-test', sampler: { type: 'const', param: 1 } }, { reporter: reporter as never, logger: { info() {}, error() {} } })
const w3c = new W3CTraceContextPropagator()

function otel(): { shim: opentracing.Tracer; exporter: InMemorySpanExporter } {
  const exporter = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
  const propagator = new CompositePropagator({ propagators: [w3c, new W3CBaggagePropagator()] })
  return { shim: new TracerShim(provider.getTracer('otel-test'), { textMapPropagator: propagator }) as unknown as opentracing.Tracer, exporter }
}

function asConsumed(headers: KafkajsHeaders | undefined): { value: Buffer; offset: string; headers: KafkajsHeaders } {
  const out: KafkajsHeaders = {}
  for (const [k, v] of Object.entries(headers ?? {})) out[k] = Buffer.from(String(v))
  return { value: Buffer.from('v'), offset: '1', headers: out }
}

const pad = (id: string, width: number): string => id.padStart(width, '0')

test('jaeger-client → OTel: formats w3c lets W3CTraceContextPropagator continue our trace (kafkaHeadersGetter)', () => {
  const span = tracer.startSpan('produce')
  const message = injectHeaders(tracer, span, { value: 'v' } as KafkajsMessage, { formats: ['w3c'] })
  const ctx = trace.getSpanContext(w3c.extract(ROOT_CONTEXT, asConsumed(message.headers), kafkaHeadersGetter))
  assert.ok(ctx)
  assert.equal(ctx.traceId, pad(span.context().toTraceId(), 32))
  assert.equal(ctx.spanId, pad(span.context().toSpanId(), 16))
  assert.equal(ctx.traceFlags, TraceFlags.SAMPLED)
  assert.equal(ctx.isRemote, true)
})

test('jaeger-client → OTel: W3CTraceContextPropagator reads our consumer carrier with its default getter', () => {
  const span = tracer.startSpan('produce')
  const headers: RdkafkaHeaders = []
  tracer.inject(span, opentracing.FORMAT_TEXT_MAP, new KafkaProducerCarrier(headers, { formats: ['w3c'] }))
  const wire = headers.map((h) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Buffer.from(String(v))])))
  const ctx = trace.getSpanContext(w3c.extract(ROOT_CONTEXT, new KafkaConsumerCarrier(wire), defaultTextMapGetter))
  assert.equal(ctx?.traceId, pad(span.context().toTraceId(), 32))
  assert.equal(ctx?.spanId, pad(span.context().toSpanId(), 16))
})

test('OTel → jaeger-client: a traceparent written by W3CTraceContextPropagator is continued by jaeger-client', () => {
  const traceState = new TraceState('vendor=opaque')
  const parent = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED, traceState }
  const message: KafkajsMessage = { value: 'v' }
  w3c.inject(trace.setSpanContext(ROOT_CONTEXT, parent), message, kafkaHeadersSetter)
  assert.deepEqual(Object.keys(message.headers ?? {}).sort(), ['traceparent', 'tracestate'])
  const ctx = extractContext(tracer, asConsumed(message.headers))
  assert.ok(ctx)
  assert.equal(ctx.toTraceId(), parent.traceId)
  assert.equal(ctx.toSpanId(), parent.spanId)
  const child = tracer.startSpan('consume', { references: [opentracing.followsFrom(ctx)] })
  assert.equal(child.context().toTraceId(), parent.traceId)
  // …and back: our producer carrier keeps OTel's tracestate when OTel writes it.
  const back: KafkajsHeaders = {}
  w3c.inject(trace.setSpanContext(ROOT_CONTEXT, parent), new KafkaProducerCarrier(back), defaultTextMapSetter)
  assert.equal(back.tracestate, 'vendor=opaque')
  assert.equal(trace.getSpanContext(w3c.extract(ROOT_CONTEXT, asConsumed(back), kafkaHeadersGetter))?.traceState?.get('vendor'), 'opaque')
})

test('OTel → jaeger-client: an unsampled W3C parent stays unsampled in jaeger-client', () => {
  const message: KafkajsMessage = { value: 'v' }
  w3c.inject(trace.setSpanContext(ROOT_CONTEXT, { traceId: '1'.repeat(32), spanId: '2'.repeat(16), traceFlags: TraceFlags.NONE }), message, kafkaHeadersSetter)
  const ctx = extractContext(tracer, asConsumed(message.headers)) as unknown as { isSampled(): boolean }
  assert.equal(ctx.isSampled(), false)
})

test('OTel shim tracer drives the span helpers: consumer span is a child of the producer span, with a link', () => {
  const { shim, exporter } = otel()
  const message: KafkajsMessage = { value: 'v' }
  const producer = startProducerSpan(shim, { topic: 'orders', message })
  producer.finish()
  const consumer = startConsumerSpan(shim, { topic: 'orders', partition: 0, message: asConsumed(message.headers) })
  consumer.finish()
  const [p, c] = exporter.getFinishedSpans()
  assert.equal(p?.name, 'To_orders')
  assert.equal(c?.name, 'From_orders')
  assert.equal(c?.spanContext().traceId, p?.spanContext().traceId)
  assert.equal(c?.parentSpanContext?.spanId, p?.spanContext().spanId)
  assert.equal(c?.links[0]?.context.spanId, p?.spanContext().spanId)
  assert.equal(c?.attributes['span.kind'], 'consumer')
  assert.equal(c?.attributes['message_bus.destination'], 'orders')
})

test('mixed fleet: OTel shim producer → jaeger-client consumer span FOLLOWS_FROM it in the same 128-bit trace', () => {
  const { shim } = otel()
  const message: KafkajsMessage = { value: 'v' }
  const producer = startProducerSpan(shim, { topic: 'orders', message })
  reporter.clear()
  startConsumerSpan(tracer, { topic: 'orders', partition: 0, message: asConsumed(message.headers) }).finish()
  const [consumer] = reporter.spans
  assert.ok(consumer)
  assert.equal(consumer.context().toTraceId(), producer.context().toTraceId())
  const [ref] = consumer._references
  assert.equal(ref?.type(), opentracing.REFERENCE_FOLLOWS_FROM)
  assert.equal(ref?.referencedContext().toSpanId(), producer.context().toSpanId())
})

test('mixed fleet: jaeger-client producer (formats w3c) → OTel shim consumer in the same trace', () => {
  const { shim, exporter } = otel()
  const producer = tracer.startSpan('produce')
  const message = injectHeaders(tracer, producer, { value: 'v' } as KafkajsMessage, { formats: ['w3c'] })
  startConsumerSpan(shim, { topic: 'orders', partition: 0, message: asConsumed(message.headers) }).finish()
  const [consumer] = exporter.getFinishedSpans()
  assert.equal(consumer?.spanContext().traceId, pad(producer.context().toTraceId(), 32))
  assert.equal(consumer?.parentSpanContext?.spanId, pad(producer.context().toSpanId(), 16))
})

test('kafkaHeadersGetter reads either client shape; kafkaHeadersSetter replaces only the key it sets', () => {
  const rdkafka = [{ 'Uber-Trace-Id': Buffer.from('a:b:0:1') }, { traceparent: Buffer.from('x') }, { TraceParent: Buffer.from('y') }]
  assert.deepEqual(kafkaHeadersGetter.keys(rdkafka).sort(), ['TraceParent', 'Uber-Trace-Id'])
  assert.equal(kafkaHeadersGetter.get(rdkafka, 'traceparent'), 'y')
  assert.equal(kafkaHeadersGetter.get({ value: null, offset: '1', headers: { k: [Buffer.from('1'), Buffer.from('2')] } }, 'K'), '2')
  assert.equal(kafkaHeadersGetter.get(null, 'k'), undefined)
  const target: RdkafkaHeaders = [{ 'uber-trace-id': 'keep:1:0:1' }]
  kafkaHeadersSetter.set(target, 'traceparent', 'tp')
  kafkaHeadersSetter.set(target, 'tracestate', 'a=b')
  kafkaHeadersSetter.set(target, 'TraceParent', 'tp2')
  assert.deepEqual(target, [{ 'uber-trace-id': 'keep:1:0:1' }, { tracestate: 'a=b' }, { TraceParent: 'tp2' }])
  assert.doesNotThrow(() => kafkaHeadersSetter.set(undefined, 'k', 'v'))
})
