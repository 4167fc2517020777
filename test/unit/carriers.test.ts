// SPDX-License-Identifier: Apache-2.0
// KafkaProducerCarrier and KafkaConsumerCarrier, table-driven: every tracer
// (jaeger-client TEXT_MAP / HTTP_HEADERS / 128-bit, OTel shim-opentracing,
// a plain string-map tracer) × every producer target shape × every way the
// headers come back from a consumer (kafkajs Buffers, node-rdkafka array,
// Buffer JSON, Uint8Array, raw strings).
import assert from 'node:assert/strict'
import { Buffer } from 'node:buffer'
import jaeger from 'jaeger-client'
import * as opentracing from 'opentracing'
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { TracerShim } from '@opentelemetry/shim-opentracing'
import { test } from '../support/harness.ts'
import { ErrorCodes, isJaegerKafkaError } from '../../src/errors.ts'
import { HEADER_LIMITS } from '../../src/headers.ts'
import { KafkaConsumerCarrier, KafkaProducerCarrier, injectHeaders } from '../../carriers/index.ts'
import type { KafkajsHeaders, RdkafkaHeaders } from '../../carriers/index.ts'

// ---- tracers -------------------------------------------------------------

interface JaegerModule {
  initTracer: typeof jaeger.initTracer
  InMemoryReporter: new () => { spans: unknown[]; clear(): void }
}
const { initTracer, InMemoryReporter } = jaeger as unknown as JaegerModule
const quiet = { info() {}, error() {} }

function jaegerTracer(traceId128bit = false): opentracing.Tracer {
  return initTracer({ serviceName: 'carriers-test', sampler: { type: 'const', param: 1 }, traceId128bit }, { reporter: new InMemoryReporter() as never, logger: quiet })
}

function shimTracer(): opentracing.Tracer {
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new InMemorySpanExporter())] })
  const propagator = new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] })
  return new TracerShim(provider.getTracer('carriers-test'), { textMapPropagator: propagator, httpHeadersPropagator: propagator }) as unknown as opentracing.Tracer
}

/** A tracer that treats TEXT_MAP as a plain string map: exact keys, assignment, property reads. */
class MapContext extends opentracing.SpanContext {
  readonly traceId: string
  readonly spanId: string
  readonly baggage: Record<string, string>
  constructor(traceId: string, spanId: string, baggage: Record<string, string>) {
    super()
    this.traceId = traceId
    this.spanId = spanId
    this.baggage = baggage
  }
  override toTraceId(): string { return this.traceId }
  override toSpanId(): string { return this.spanId }
}
class MapSpan extends opentracing.Span {
  private readonly ctx: MapContext
  constructor(ctx: MapContext) {
    super()
    this.ctx = ctx
  }
  protected override _context(): MapContext { return this.ctx }
  protected override _setBaggageItem(key: string, value: string): void { this.ctx.baggage[key] = value }
  protected override _getBaggageItem(key: string): string | undefined { return this.ctx.baggage[key] }
}
let counter = 0
class MapTracer extends opentracing.Tracer {
  protected override _startSpan(_name: string, fields: opentracing.SpanOptions): MapSpan {
    const parent = fields.references?.[0]?.referencedContext() as MapContext | undefined
    counter++
    return new MapSpan(new MapContext(parent?.traceId ?? `trace${counter}`, `span${counter}`, { ...parent?.baggage }))
  }
  protected override _inject(context: MapContext, _format: string, carrier: Record<string, string>): void {
    carrier['x-map-trace'] = context.traceId
    carrier['x-map-span'] = context.spanId
    for (const key of Object.keys(context.baggage)) carrier[`x-map-bag-${key}`] = context.baggage[key] as string
  }
  protected override _extract(_format: string, carrier: Record<string, unknown>): MapContext | null {
    const traceId = carrier['x-map-trace']
    const spanId = carrier['x-map-span']
    if (typeof traceId !== 'string' || typeof spanId !== 'string') return null
    const baggage: Record<string, string> = {}
    for (const key of Object.keys(carrier)) if (key.startsWith('x-map-bag-')) baggage[key.slice(10)] = carrier[key] as string
    return new MapContext(traceId, spanId, baggage)
  }
}

interface Kit {
  name: string
  tracer: opentracing.Tracer
  format: string
  /** The header the tracer's context travels in (for the one-copy check). */
  contextKey: string
  /**
   * A baggage value that survives. jaeger-client's `uberctx-*` values and
   * OTel's W3C baggage keep CR/LF; a plain tracer's raw value with control
   * characters is refused by the carrier (not a baggage header), so it gets a
   * printable one (unicode is fine).
   */
  baggage: string
}

const kits: Kit[] = [
  { name: 'jaeger-client TEXT_MAP', tracer: jaegerTracer(), format: opentracing.FORMAT_TEXT_MAP, contextKey: 'uber-trace-id', baggage: 'a=b, 50% ✓ \r\n x' },
  { name: 'jaeger-client HTTP_HEADERS', tracer: jaegerTracer(), format: opentracing.FORMAT_HTTP_HEADERS, contextKey: 'uber-trace-id', baggage: 'a=b, 50% ✓ \r\n x' },
  { name: 'jaeger-client 128-bit', tracer: jaegerTracer(true), format: opentracing.FORMAT_TEXT_MAP, contextKey: 'uber-trace-id', baggage: 'a=b, 50% ✓ \r\n x' },
  { name: 'OTel shim-opentracing (W3C)', tracer: shimTracer(), format: opentracing.FORMAT_TEXT_MAP, contextKey: 'traceparent', baggage: 'a=b, 50% ✓ \r\n x' },
  { name: 'plain string-map tracer', tracer: new MapTracer(), format: opentracing.FORMAT_TEXT_MAP, contextKey: 'x-map-trace', baggage: 'a=b, 50% ✓' },
]

// ---- targets and wire forms ---------------------------------------------

type Entry = [string, string]

interface TargetCase {
  name: string
  make(): unknown
  /** The produced headers, in wire order. */
  entries(target: unknown): Entry[]
  /** Non-tracing headers that must survive the injection. */
  kept: Entry[]
}

function objectEntries(headers: KafkajsHeaders | undefined): Entry[] {
  const out: Entry[] = []
  for (const key of Object.keys(headers ?? {})) {
    const value = (headers as KafkajsHeaders)[key]
    for (const v of Array.isArray(value) ? value : [value]) out.push([key, String(v)])
  }
  return out
}
function arrayEntries(headers: RdkafkaHeaders): Entry[] {
  return headers.flatMap((h) => Object.keys(h).map((k): Entry => [k, String(h[k])]))
}

const STALE = 'deadbeefdeadbeef:deadbeefdeadbeef:0:1'
const targets: TargetCase[] = [
  { name: 'a kafkajs message without headers', make: () => ({ value: 'v' }), entries: (t) => objectEntries((t as { headers?: KafkajsHeaders }).headers), kept: [] },
  {
    name: 'a kafkajs message with stale tracing headers',
    make: () => ({ value: 'v', headers: { 'Uber-Trace-Id': STALE, 'uberctx-old': 'x', traceparent: `00-${'d'.repeat(32)}-${'e'.repeat(16)}-01`, 'X-B3-TraceId': 'dead', keep: 'me', many: ['a', 'b'] } }),
    entries: (t) => objectEntries((t as { headers?: KafkajsHeaders }).headers),
    kept: [['keep', 'me'], ['many', 'a'], ['many', 'b']],
  },
  { name: 'a kafkajs headers object', make: () => ({ keep: 'me' }), entries: (t) => objectEntries(t as KafkajsHeaders), kept: [['keep', 'me']] },
  { name: 'a node-rdkafka headers array', make: () => [{ keep: 'me' }, { 'UBER-TRACE-ID': STALE }], entries: (t) => arrayEntries(t as RdkafkaHeaders), kept: [['keep', 'me']] },
  { name: 'a message holding a node-rdkafka headers array', make: () => ({ value: 'v', headers: [{ keep: 'me' }] }), entries: (t) => arrayEntries((t as { headers: RdkafkaHeaders }).headers), kept: [['keep', 'me']] },
]

interface Wire {
  name: string
  consume(entries: Entry[]): unknown
}
function kafkajsConsumed(entries: Entry[], encode: (s: string) => unknown): Record<string, unknown> {
  const headers: Record<string, unknown> = {}
  for (const [k, v] of entries) {
    const value = encode(v)
    // kafkajs returns an array for a repeated key.
    headers[k] = k in headers ? ([] as unknown[]).concat(headers[k], value) : value
  }
  return headers
}
const wires: Wire[] = [
  { name: 'kafkajs eachMessage (Buffer values)', consume: (e) => ({ key: null, value: Buffer.from('v'), offset: '7', timestamp: '0', headers: kafkajsConsumed(e, (s) => Buffer.from(s)) }) },
  { name: 'node-rdkafka message (headers array of Buffers)', consume: (e) => ({ value: Buffer.from('v'), topic: 't', partition: 0, offset: 7, headers: e.map(([k, v]) => ({ [k]: Buffer.from(v) })) }) },
  { name: 'JSON-serialised kafkajs headers ({type:"Buffer",data})', consume: (e) => JSON.parse(JSON.stringify(kafkajsConsumed(e, (s) => Buffer.from(s)))) },
  { name: 'raw headers with Uint8Array values', consume: (e) => kafkajsConsumed(e, (s) => new TextEncoder().encode(s)) },
  { name: 'raw string headers', consume: (e) => kafkajsConsumed(e, (s) => s) },
]

for (const kit of kits) {
  for (const target of targets) {
    for (const wire of wires) {
      test(`${kit.name}: inject into ${target.name}, extract from ${wire.name}`, () => {
        const span = kit.tracer.startSpan('produce')
        span.setBaggageItem('tenant', kit.baggage)
        const produced = target.make()
        kit.tracer.inject(span.context(), kit.format, new KafkaProducerCarrier(produced as never))
        const entries = target.entries(produced)
        // One copy of the context, no stale tracing headers, other headers kept.
        const contextCopies = entries.filter(([k]) => k.toLowerCase() === kit.contextKey)
        assert.equal(contextCopies.length, 1, JSON.stringify(entries))
        assert.equal(entries.some(([, v]) => v === STALE || v === 'dead'), false)
        assert.equal(entries.some(([k]) => k === 'uberctx-old'), false)
        for (const kept of target.kept) assert.ok(entries.some(([k, v]) => k === kept[0] && v === kept[1]), `lost ${kept[0]}`)
        // Baggage on the wire exactly as the tracer encoded it for the format
        // (jaeger-client: TEXT_MAP raw, HTTP_HEADERS encodeURIComponent);
        // no control characters in any other header.
        for (const [k, v] of entries) {
          if (k === 'uberctx-tenant' && kit.contextKey === 'uber-trace-id') {
            assert.equal(v, kit.format === opentracing.FORMAT_HTTP_HEADERS ? encodeURIComponent(kit.baggage) : kit.baggage)
          } else {
            assert.doesNotMatch(v, /[\x00-\x1f\x7f]/)
          }
        }

        const extracted = kit.tracer.extract(kit.format, new KafkaConsumerCarrier(wire.consume(entries)))
        assert.ok(extracted)
        assert.equal(extracted.toTraceId(), span.context().toTraceId())
        assert.equal(extracted.toSpanId(), span.context().toSpanId())
        const child = kit.tracer.startSpan('consume', { childOf: extracted })
        assert.equal(child.getBaggageItem('tenant'), kit.baggage)
        child.finish()
        span.finish()
      })
    }
  }
}

// ---- producer carrier behaviour -----------------------------------------

const tracer = jaegerTracer()

function readOnlyError(error: unknown): boolean {
  return isJaegerKafkaError(error) && error.code === ErrorCodes.READ_ONLY_CARRIER && /frozen or read-only/.test(error.message)
}

test('KafkaProducerCarrier: injecting twice leaves one uber-trace-id in every shape', () => {
  const span = tracer.startSpan('x')
  const message: { value: string; headers?: KafkajsHeaders } = { value: 'v' }
  const rdkafka: RdkafkaHeaders = []
  for (let i = 0; i < 2; i++) {
    tracer.inject(span, opentracing.FORMAT_TEXT_MAP, new KafkaProducerCarrier(message))
    tracer.inject(span, opentracing.FORMAT_TEXT_MAP, new KafkaProducerCarrier(rdkafka))
  }
  assert.deepEqual(Object.keys(message.headers ?? {}), ['uber-trace-id'])
  assert.equal(rdkafka.length, 1)
  assert.deepEqual(Object.keys(rdkafka[0] ?? {}), ['uber-trace-id'])
})

test('KafkaProducerCarrier: a later inject of a different span replaces context and baggage', () => {
  const first = tracer.startSpan('first')
  first.setBaggageItem('only-first', '1')
  const second = tracer.startSpan('second')
  const message: { value: string; headers?: KafkajsHeaders } = { value: 'v' }
  tracer.inject(first, opentracing.FORMAT_TEXT_MAP, new KafkaProducerCarrier(message))
  tracer.inject(second, opentracing.FORMAT_TEXT_MAP, new KafkaProducerCarrier(message))
  assert.deepEqual(message.headers, { 'uber-trace-id': second.context().toString() })
})

test('KafkaProducerCarrier: replaces keys case-insensitively within one injection', () => {
  const headers: KafkajsHeaders = {}
  const carrier = new KafkaProducerCarrier(headers, { clearTracingHeaders: false })
  carrier.set('X-Custom', 'a')
  carrier.set('x-custom', 'b')
  assert.deepEqual(headers, { 'x-custom': 'b' })
  const list: RdkafkaHeaders = [{ 'X-Custom': 'a', other: 'o' }]
  const snapshot = list[0]
  new KafkaProducerCarrier(list).set('x-custom', 'b')
  assert.deepEqual(list, [{ other: 'o' }, { 'x-custom': 'b' }])
  assert.deepEqual(snapshot, { 'X-Custom': 'a', other: 'o' }, 'the caller\'s element object is not edited')
})

test('KafkaProducerCarrier: a frozen or sealed target refuses every write and never throws into the tracer', () => {
  const targets: unknown[] = [
    Object.freeze({ value: 'v' }),
    Object.freeze({ value: 'v', headers: {} }),
    { value: 'v', headers: Object.freeze({}) },
    Object.freeze([]),
    Object.seal({}),
    Object.preventExtensions({ value: 'v' }),
  ]
  for (const target of targets) {
    const before = JSON.stringify(target)
    const carrier = new KafkaProducerCarrier(target as never)
    tracer.inject(tracer.startSpan('x'), opentracing.FORMAT_TEXT_MAP, carrier)
    assert.equal(carrier.set('x-k', 'v'), false)
    assert.equal(JSON.stringify(target), before, 'target untouched')
    // The explicit API says why.
    assert.throws(() => injectHeaders(tracer, tracer.startSpan('x'), target as never), readOnlyError)
  }
})

test('KafkaProducerCarrier: a read-only header property stops the writes without throwing; injectHeaders reports it', () => {
  const headers = Object.defineProperty({}, 'uber-trace-id', { value: 'x', enumerable: true, writable: false, configurable: false }) as KafkajsHeaders
  const carrier = new KafkaProducerCarrier(headers)
  tracer.inject(tracer.startSpan('x'), opentracing.FORMAT_TEXT_MAP, carrier)
  assert.equal(headers['uber-trace-id'], 'x')
  assert.equal(carrier.set('x-k', 'v'), false)
  assert.throws(() => injectHeaders(tracer, tracer.startSpan('x'), headers), readOnlyError)
})

test('KafkaProducerCarrier: anything but a message or headers is a TypeError', () => {
  for (const bad of [null, undefined, 'headers', 42, new Uint8Array(1), { value: 'v', headers: 'nope' }]) {
    assert.throws(() => new KafkaProducerCarrier(bad as never), TypeError)
  }
  assert.throws(() => new KafkaProducerCarrier({}, { formats: ['zipkin' as never] }), TypeError)
})

test('KafkaProducerCarrier: formats writes W3C and B3 beside jaeger-client\'s uber-trace-id', () => {
  const span = tracer.startSpan('x')
  const message: { value: string; headers?: KafkajsHeaders } = { value: 'v' }
  tracer.inject(span, opentracing.FORMAT_TEXT_MAP, new KafkaProducerCarrier(message, { formats: ['w3c', 'b3'] }))
  const ctx = span.context()
  const trace = ctx.toTraceId().padStart(32, '0')
  const spanId = ctx.toSpanId().padStart(16, '0')
  assert.deepEqual(message.headers, {
    'uber-trace-id': ctx.toString(),
    traceparent: `00-${trace}-${spanId}-01`,
    'x-b3-traceid': ctx.toTraceId().padStart(16, '0'),
    'x-b3-spanid': spanId,
    'x-b3-sampled': '1',
  })
})

test('KafkaProducerCarrier: a re-derived B3 context drops the previous parent span ID', () => {
  const headers: KafkajsHeaders = {}
  const carrier = new KafkaProducerCarrier(headers, { formats: ['b3'] })
  carrier.set('uber-trace-id', 'abc:de:f:1')
  assert.equal(headers['x-b3-parentspanid'], '000000000000000f')
  carrier.set('uber-trace-id', 'abc:12:0:1')
  assert.deepEqual(Object.keys(headers).sort(), ['uber-trace-id', 'x-b3-sampled', 'x-b3-spanid', 'x-b3-traceid'])
})

test('KafkaProducerCarrier: formats derives uber-trace-id from an OTel tracer\'s traceparent', () => {
  const shim = shimTracer()
  const span = shim.startSpan('x')
  const headers: KafkajsHeaders = {}
  shim.inject(span.context(), opentracing.FORMAT_TEXT_MAP, new KafkaProducerCarrier(headers, { formats: ['jaeger'] }))
  assert.equal(headers['uber-trace-id'], `${span.context().toTraceId()}:${span.context().toSpanId()}:0:1`)
  const extracted = tracer.extract(opentracing.FORMAT_TEXT_MAP, new KafkaConsumerCarrier(headers))
  assert.equal(extracted?.toTraceId(), span.context().toTraceId())
})

test('KafkaProducerCarrier: a plain tracer\'s raw value with CR/LF is refused, the rest of its headers written', () => {
  const map = new MapTracer()
  const span = map.startSpan('x')
  span.setBaggageItem('evil', 'v\r\nuber-trace-id: 1:1:0:1')
  const headers: KafkajsHeaders = {}
  map.inject(span.context(), opentracing.FORMAT_TEXT_MAP, new KafkaProducerCarrier(headers))
  assert.deepEqual(Object.keys(headers).sort(), ['x-map-span', 'x-map-trace'])
})

test('KafkaProducerCarrier: header hygiene drops unsafe keys and control characters, writes baggage values as given', () => {
  const headers: KafkajsHeaders = {}
  const carrier = new KafkaProducerCarrier(headers)
  assert.equal(carrier.set('uberctx-bad key', 'x'), false)
  assert.equal(carrier.set('uberctx-crlf\r\nx-evil', 'x'), false)
  assert.equal(carrier.set('x-note', 'line1\r\nx-evil: 1'), false)
  assert.equal(carrier.set('x-nul', 'a\u0000b'), false)
  assert.equal(carrier.set('uberctx-ok', 'line1\r\nx-evil: 1'), true)
  assert.equal(carrier.set('tracestate', 'a=b\nc'), false)
  assert.equal(carrier.set('x-object', { not: 'text' }), false)
  // A Kafka header value cannot create another header: baggage is the tracer's own encoding.
  assert.deepEqual(headers, { 'uberctx-ok': 'line1\r\nx-evil: 1' })
})

test('KafkaProducerCarrier: baggage is capped by count, value length and total bytes', () => {
  const headers: KafkajsHeaders = {}
  const carrier = new KafkaProducerCarrier(headers)
  assert.equal(carrier.set('uberctx-long', 'x'.repeat(HEADER_LIMITS.maxBaggageValueLength + 1)), false)
  let written = 0
  for (let i = 0; i < HEADER_LIMITS.maxBaggageItems + 5; i++) if (carrier.set(`uberctx-k${i}`, 'v')) written++
  assert.equal(written, HEADER_LIMITS.maxBaggageItems)
  assert.equal(carrier.set('uberctx-k0', 'replaced'), true, 'replacing an item is not a new item')

  const big = new KafkaProducerCarrier({})
  let bytes = 0
  for (let i = 0; i < 10; i++) if (big.set(`uberctx-b${i}`, 'y'.repeat(2000))) bytes += 2000
  assert.ok(bytes <= HEADER_LIMITS.maxBaggageBytes && bytes > 0)
})

test('KafkaProducerCarrier: reads, keys, JSON and removal reflect the target', () => {
  const headers: KafkajsHeaders = { keep: 'me' }
  const carrier = new KafkaProducerCarrier(headers) as KafkaProducerCarrier & Record<string, unknown>
  carrier['Uber-Trace-Id'] = 'a:b:0:1'
  assert.equal(carrier.get('uber-trace-id'), 'a:b:0:1')
  assert.equal(carrier['uber-trace-id'], 'a:b:0:1')
  assert.ok('UBER-TRACE-ID' in carrier)
  assert.deepEqual(Object.keys(carrier).sort(), ['Uber-Trace-Id', 'keep'])
  assert.deepEqual(JSON.parse(JSON.stringify(carrier)), { keep: 'me', 'Uber-Trace-Id': 'a:b:0:1' })
  const seen: string[] = []
  carrier.forEachKey((k, v) => seen.push(`${k}=${v}`))
  assert.deepEqual(seen.sort(), ['Uber-Trace-Id=a:b:0:1', 'keep=me'])
  delete carrier['uber-trace-id']
  assert.deepEqual(headers, { keep: 'me' })
  assert.equal(carrier.target, headers)
  assert.ok(carrier instanceof KafkaProducerCarrier)
  Object.defineProperty(carrier, 'x-defined', { value: '1', enumerable: true, configurable: true, writable: true })
  assert.equal((headers as KafkajsHeaders)['x-defined'], '1')
})

test('KafkaProducerCarrier: a __proto__ header is written as data, not as a prototype', () => {
  const headers: KafkajsHeaders = {}
  new KafkaProducerCarrier(headers).set('__proto__', 'x')
  assert.equal(Object.getPrototypeOf(headers), Object.prototype)
  assert.deepEqual(Object.getOwnPropertyDescriptor(headers, '__proto__')?.value, 'x')
  const list: RdkafkaHeaders = []
  new KafkaProducerCarrier(list).set('__proto__', 'y')
  assert.equal(Object.getOwnPropertyDescriptor(list[0], '__proto__')?.value, 'y')
})

test('KafkaProducerCarrier: kind "headers" treats an object with a "value" header as headers', () => {
  const headers: KafkajsHeaders = { value: 'a header named value' }
  new KafkaProducerCarrier(headers, { kind: 'headers' }).set('x-k', '1')
  assert.deepEqual(headers, { value: 'a header named value', 'x-k': '1' })
})

// ---- consumer carrier behaviour -----------------------------------------

test('KafkaConsumerCarrier: exposes own enumerable string properties with wire case and a lower-case alias', () => {
  const carrier = new KafkaConsumerCarrier({ headers: { 'X-B3-TraceId': Buffer.from('abc'), other: Buffer.from('o') }, value: null, offset: '1' })
  const self = carrier as unknown as Record<string, unknown>
  const forIn: string[] = []
  for (const key in carrier) if (Object.prototype.hasOwnProperty.call(carrier, key)) forIn.push(key)
  assert.deepEqual(forIn.sort(), ['X-B3-TraceId', 'other'])
  assert.equal(self['x-b3-traceid'], 'abc')
  assert.equal(carrier.get('X-B3-TRACEID'), 'abc')
  assert.deepEqual(JSON.parse(JSON.stringify(carrier)), { 'X-B3-TraceId': 'abc', other: 'o' })
})

test('KafkaConsumerCarrier: the last occurrence of a repeated key wins (kafkajs arrays, rdkafka duplicates, case variants)', () => {
  const a = '1111111111111111:2222222222222222:0:1'
  const b = '3333333333333333:4444444444444444:0:1'
  for (const source of [
    { 'uber-trace-id': [Buffer.from(a), Buffer.from(b)] },
    [{ 'uber-trace-id': Buffer.from(a) }, { 'Uber-Trace-Id': Buffer.from(b) }],
    { 'Uber-Trace-Id': a, 'uber-trace-id': b },
  ]) {
    const carrier = new KafkaConsumerCarrier(source)
    assert.equal(carrier.get('uber-trace-id'), b)
    assert.equal(Object.keys(carrier).length, 1)
    assert.equal(tracer.extract(opentracing.FORMAT_TEXT_MAP, carrier)?.toString(), b)
  }
  assert.equal(new KafkaConsumerCarrier([{ k: 'x' }, { K: null }]).get('k'), undefined, 'a null last occurrence means absent')
})

test('KafkaConsumerCarrier: header names that collide with members stay out of the way but readable', () => {
  const carrier = new KafkaConsumerCarrier({ get: 'g', set: 's', constructor: 'c', __proto__: 'p', toString: 't', hasOwnProperty: 'h', GET: 'G' } as never)
  assert.equal(typeof carrier.get, 'function')
  assert.equal(typeof carrier.forEachKey, 'function')
  assert.equal(Object.getPrototypeOf(carrier), KafkaConsumerCarrier.prototype)
  assert.equal(carrier.get('set'), 's')
  assert.equal(carrier.get('get'), 'G', 'GET came after get: last occurrence wins')
  const seen: string[] = []
  carrier.forEachKey((k, v) => seen.push(`${k}=${v}`))
  assert.ok(seen.includes('set=s') && seen.includes('toString=t') && seen.includes('GET=G'))
  assert.doesNotThrow(() => tracer.extract(opentracing.FORMAT_TEXT_MAP, carrier))
})

test('KafkaConsumerCarrier: set() changes the carrier only, never the consumed message', () => {
  const message = Object.freeze({ value: null, offset: '1', headers: Object.freeze({ 'uber-trace-id': Buffer.from('a:b:0:1') }) })
  const carrier = new KafkaConsumerCarrier(message)
  carrier.set('Uber-Trace-Id', 'c:d:0:1')
  assert.equal(carrier.get('uber-trace-id'), 'c:d:0:1')
  assert.deepEqual(Object.keys(carrier), ['Uber-Trace-Id'])
  assert.equal(Buffer.from(message.headers['uber-trace-id']).toString(), 'a:b:0:1')
  carrier.set('uber-trace-id', null)
  assert.deepEqual(Object.keys(carrier), [])
})

test('KafkaConsumerCarrier: %3A-encoded uber-trace-id reaches jaeger-client decoded', () => {
  const value = '3c89fed99bbf57c5%3Ab7ad6b7169203331%3A0%3A1'
  assert.equal(tracer.extract(opentracing.FORMAT_TEXT_MAP, { 'uber-trace-id': value })?.toTraceId() ?? '', '', 'jaeger-client alone rejects it')
  const ctx = tracer.extract(opentracing.FORMAT_TEXT_MAP, new KafkaConsumerCarrier({ 'uber-trace-id': Buffer.from(value) }))
  assert.equal(ctx?.toString(), '3c89fed99bbf57c5:b7ad6b7169203331:0:1')
})

test('KafkaConsumerCarrier: 64- and 128-bit trace IDs come out of jaeger-client exactly as received', () => {
  for (const value of [
    '00000000000000000af7651916cd43dd:b7ad6b7169203331:0:1',
    '0af7651916cd43dd8448eb211c80319c:b7ad6b7169203331:0:1',
    'af7651916cd43dd:b7ad6b7169203331:0:1',
  ]) {
    const ctx = tracer.extract(opentracing.FORMAT_TEXT_MAP, new KafkaConsumerCarrier([{ 'uber-trace-id': Buffer.from(value) }]))
    assert.ok(ctx)
    const out: KafkajsHeaders = {}
    tracer.inject(ctx, opentracing.FORMAT_TEXT_MAP, new KafkaProducerCarrier(out))
    assert.equal(out['uber-trace-id'], value)
  }
})

const TRACE = '0af7651916cd43dd8448eb211c80319c'
const SPAN = 'b7ad6b7169203331'

test('KafkaConsumerCarrier: a malformed uber-trace-id gives jaeger-client an invalid context, not a throw', () => {
  for (const value of ['garbage', Buffer.from('1:2:3'), Buffer.from([0xff, 0xfe]), { type: 'Buffer', data: [58, 58, 58] }]) {
    const ctx = tracer.extract(opentracing.FORMAT_TEXT_MAP, new KafkaConsumerCarrier({ 'uber-trace-id': value } as never)) as unknown as { isValid: boolean }
    assert.equal(ctx.isValid, false)
  }
  // Without the carrier, jaeger-client throws on the Buffer kafkajs hands over.
  assert.throws(() => tracer.extract(opentracing.FORMAT_TEXT_MAP, { 'uber-trace-id': Buffer.from('a:b:0:1') }))
})

test('KafkaConsumerCarrier: without uber-trace-id, jaeger-client continues a W3C traceparent', () => {
  const ctx = tracer.extract(opentracing.FORMAT_TEXT_MAP, new KafkaConsumerCarrier({ traceparent: Buffer.from(`00-${TRACE}-${SPAN}-01`) }))
  assert.equal(ctx?.toTraceId(), TRACE)
  assert.equal(ctx?.toSpanId(), SPAN)
})

test('KafkaConsumerCarrier: without uber-trace-id, jaeger-client continues mixed-case B3 (zipkin-js)', () => {
  const ctx = tracer.extract(opentracing.FORMAT_TEXT_MAP, new KafkaConsumerCarrier({ 'X-B3-TraceId': TRACE, 'X-B3-SpanId': SPAN, 'X-B3-Sampled': '1' }))
  assert.equal(ctx?.toTraceId(), TRACE)
  const single = tracer.extract(opentracing.FORMAT_TEXT_MAP, new KafkaConsumerCarrier({ b3: `${TRACE}-${SPAN}-1` }))
  assert.equal(single?.toSpanId(), SPAN)
})

test('KafkaConsumerCarrier: a malformed uber-trace-id falls back to a valid traceparent', () => {
  const carrier = new KafkaConsumerCarrier({ 'uber-trace-id': 'garbage', traceparent: `00-${TRACE}-${SPAN}-00` })
  assert.deepEqual(carrier.traceContext(), { traceId: TRACE, spanId: SPAN, parentId: '', flags: 0 })
  const ctx = tracer.extract(opentracing.FORMAT_TEXT_MAP, carrier) as unknown as { toTraceId(): string; isSampled(): boolean }
  assert.equal(ctx.toTraceId(), TRACE)
  assert.equal(ctx.isSampled(), false, 'an unsampled W3C context stays unsampled')
})

test('KafkaConsumerCarrier: formats sets the priority when several contexts are present', () => {
  const headers = { 'uber-trace-id': '1111111111111111:2222222222222222:0:1', traceparent: `00-${TRACE}-${SPAN}-01` }
  assert.equal(tracer.extract(opentracing.FORMAT_TEXT_MAP, new KafkaConsumerCarrier(headers))?.toTraceId(), '1111111111111111')
  assert.equal(tracer.extract(opentracing.FORMAT_TEXT_MAP, new KafkaConsumerCarrier(headers, { formats: ['w3c', 'jaeger'] }))?.toTraceId(), TRACE)
  const none = new KafkaConsumerCarrier({ traceparent: `00-${TRACE}-${SPAN}-01` }, { formats: ['jaeger'] })
  assert.equal(none.traceContext(), null)
  assert.equal(none.get('uber-trace-id'), undefined)
})

test('KafkaConsumerCarrier: expose w3c lets an OTel tracer continue a jaeger-only message', () => {
  const shim = shimTracer()
  const jaegerOnly = { 'uber-trace-id': Buffer.from('3c89fed99bbf57c5:b7ad6b7169203331:0:1') }
  assert.equal(shim.extract(opentracing.FORMAT_TEXT_MAP, new KafkaConsumerCarrier(jaegerOnly)), null)
  const ctx = shim.extract(opentracing.FORMAT_TEXT_MAP, new KafkaConsumerCarrier(jaegerOnly, { expose: ['jaeger', 'w3c'] }))
  assert.equal(ctx?.toTraceId(), '00000000000000003c89fed99bbf57c5')
  assert.equal(ctx?.toSpanId(), 'b7ad6b7169203331')
})

test('KafkaConsumerCarrier: legacy second_span_ headers are read only on request', () => {
  const producer = '1111111111111111:2222222222222222:0:1'
  const consumer = '1111111111111111:3333333333333333:2222222222222222:1'
  const headers = [{ 'uber-trace-id': Buffer.from(producer) }, { 'second_span_uber-trace-id': Buffer.from(consumer) }, { 'second_span_uberctx-k': Buffer.from('v w, 100%') }]
  assert.equal(tracer.extract(opentracing.FORMAT_TEXT_MAP, new KafkaConsumerCarrier(headers))?.toString(), producer)
  const legacy = new KafkaConsumerCarrier(headers, { legacySecondSpan: true })
  assert.equal(legacy.get('uber-trace-id'), consumer)
  // 0.1.2 writes TEXT_MAP: raw values, read as they are.
  assert.equal(legacy.get('uberctx-k'), 'v w, 100%')
  assert.equal(tracer.extract(opentracing.FORMAT_TEXT_MAP, legacy)?.toString(), consumer)
})

test('KafkaConsumerCarrier: jaeger-debug-id and jaeger-baggage reach jaeger-client', () => {
  const ctx = tracer.extract(opentracing.FORMAT_TEXT_MAP, new KafkaConsumerCarrier({ 'jaeger-debug-id': Buffer.from('req-42'), 'jaeger-baggage': Buffer.from('k1=v1, k2=v2') })) as unknown as {
    isValid: boolean; debugId: string; baggage: Record<string, string>
  }
  assert.equal(ctx.isValid, false)
  assert.equal(ctx.debugId, 'req-42')
  assert.deepEqual(ctx.baggage, { k1: 'v1', k2: 'v2' })
})

test('KafkaConsumerCarrier: consecutive messages share no baggage', () => {
  const first = tracer.extract(opentracing.FORMAT_TEXT_MAP, new KafkaConsumerCarrier({ 'uber-trace-id': 'a:b:0:1', 'uberctx-user': 'alice' }))
  const second = tracer.extract(opentracing.FORMAT_TEXT_MAP, new KafkaConsumerCarrier({ 'uber-trace-id': 'c:d:0:1' }))
  const span1 = tracer.startSpan('1', { childOf: first ?? undefined })
  const span2 = tracer.startSpan('2', { childOf: second ?? undefined })
  assert.equal(span1.getBaggageItem('user'), 'alice')
  assert.equal(span2.getBaggageItem('user'), undefined)
})

test('KafkaConsumerCarrier: anything that is not a message or headers gives an empty carrier', () => {
  for (const source of [null, undefined, 42, 'uber-trace-id', Buffer.from('x'), { value: 'v' }, { value: 'v', headers: null }, [1, 2, 3]]) {
    const carrier = new KafkaConsumerCarrier(source)
    assert.deepEqual(Object.keys(carrier), [])
    assert.equal(carrier.traceContext(), null)
  }
})
