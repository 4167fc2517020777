// SPDX-License-Identifier: Apache-2.0
// Baggage through the carriers, per OpenTracing format, exactly as
// jaeger-client (Node and Java) encodes it: FORMAT_TEXT_MAP raw both ways
// (what Java's opentracing-kafka-client reads), FORMAT_HTTP_HEADERS
// encodeURIComponent on inject and decoded on extract. The carriers add no
// encoding of their own (issue 9 §1); the Java tier checks the same against
// the Java libraries on a real broker.
import assert from 'node:assert/strict'
import { Buffer } from 'node:buffer'
import jaeger from 'jaeger-client'
import * as opentracing from 'opentracing'
import { test } from '../support/harness.ts'
import { KafkaConsumerCarrier, KafkaProducerCarrier, extractContext, injectHeaders } from '../../carriers/index.ts'
import type { KafkajsHeaders, RdkafkaHeaders } from '../../carriers/index.ts'

interface JaegerModule {
  initTracer(config: object, options: object): opentracing.Tracer
  InMemoryReporter: new () => object
}
const { initTracer, InMemoryReporter } = jaeger as unknown as JaegerModule
const tracer = initTracer({ serviceName: 'carrier-baggage', sampler: { type: 'const', param: 1 } }, { reporter: new InMemoryReporter(), logger: { info() {}, error() {} } })

const values: Array<[string, string]> = [
  ['plain', 'acme'],
  ['spaces', 'hello world'],
  ['commas', 'a, b,c'],
  ['=', 'k=v=w'],
  ['% (not an escape)', '100% sure'],
  ['% (a valid escape, literally)', 'a%41b %2C'],
  [';', 'x; y;z'],
  ['non-ASCII', 'wörld ✓ 日本 🚀'],
  ['all of them', 'hello wörld, a=b; 100%'],
  ['the empty string', ''],
]

const formats = [
  { name: 'FORMAT_TEXT_MAP', format: opentracing.FORMAT_TEXT_MAP, wire: (v: string): string => v },
  { name: 'FORMAT_HTTP_HEADERS', format: opentracing.FORMAT_HTTP_HEADERS, wire: (v: string): string => encodeURIComponent(v) },
]

/** What kafkajs and node-rdkafka consumers hand over: Buffers. */
const asKafkajsConsumed = (headers: KafkajsHeaders): Record<string, Buffer> =>
  Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(String(v), 'utf8')]))
const asRdkafkaConsumed = (headers: RdkafkaHeaders): Record<string, Buffer>[] =>
  headers.map((h) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Buffer.from(String(v), 'utf8')])))

for (const { name: formatName, format, wire } of formats) {
  for (const [name, value] of values) {
    test(`${formatName}: baggage with ${name} is written as jaeger-client encodes it and read back exactly (kafkajs, node-rdkafka)`, () => {
      const span = tracer.startSpan('produce')
      span.setBaggageItem('tenant', value)

      const message: { value: string; headers?: KafkajsHeaders } = { value: 'v' }
      tracer.inject(span.context(), format, new KafkaProducerCarrier(message))
      assert.equal(message.headers?.['uberctx-tenant'], wire(value), 'kafkajs header value on the wire')

      const array: RdkafkaHeaders = []
      tracer.inject(span.context(), format, new KafkaProducerCarrier(array))
      assert.deepEqual(array.filter((h) => 'uberctx-tenant' in h), [{ 'uberctx-tenant': wire(value) }], 'node-rdkafka header value')

      // jaeger-client's own codec on the same headers (no carrier on the way in).
      const plain: Record<string, string> = {}
      tracer.inject(span.context(), format, plain)
      assert.equal(plain['uberctx-tenant'], message.headers?.['uberctx-tenant'], 'the carrier writes what jaeger-client writes into a plain object')

      for (const consumed of [asKafkajsConsumed(message.headers ?? {}), asRdkafkaConsumed(array)]) {
        const context = tracer.extract(format, new KafkaConsumerCarrier(consumed))
        assert.ok(context)
        assert.equal(context.toTraceId(), span.context().toTraceId())
        assert.equal(tracer.startSpan('consume', { childOf: context }).getBaggageItem('tenant'), value)
      }
      span.finish()
    })
  }
}

test('FORMAT_TEXT_MAP: raw values from a Java producer are read exactly, never URL-decoded', () => {
  // What Java opentracing-kafka-client + jaeger-client write (TEXT_MAP, raw UTF-8).
  const headers = {
    'uber-trace-id': Buffer.from('00000000000000aa:00000000000000bb:0:1'),
    'uberctx-escape': Buffer.from('a%41b %2C'),
    'uberctx-mixed': Buffer.from('hello wörld, a=b; 100%'),
  }
  const context = extractContext(tracer, headers)
  assert.ok(context)
  const span = tracer.startSpan('consume', { childOf: context })
  assert.equal(span.getBaggageItem('escape'), 'a%41b %2C')
  assert.equal(span.getBaggageItem('mixed'), 'hello wörld, a=b; 100%')
  // The carrier shows the wire value; decoding is the tracer's job for its format.
  assert.equal(new KafkaConsumerCarrier(headers).get('uberctx-escape'), 'a%41b %2C')
})

test('FORMAT_HTTP_HEADERS: a literal %XX in a value is not decoded twice', () => {
  const span = tracer.startSpan('produce')
  span.setBaggageItem('code', '%41')
  const message: { value: string; headers?: KafkajsHeaders } = { value: 'v' }
  injectHeaders(tracer, span, message, { format: opentracing.FORMAT_HTTP_HEADERS })
  assert.equal(message.headers?.['uberctx-code'], '%2541')
  const context = extractContext(tracer, asKafkajsConsumed(message.headers ?? {}), { format: opentracing.FORMAT_HTTP_HEADERS })
  assert.ok(context)
  assert.equal(tracer.startSpan('consume', { childOf: context }).getBaggageItem('code'), '%41')
})
