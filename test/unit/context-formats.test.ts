// SPDX-License-Identifier: Apache-2.0
// The pure trace-context formats in src/context/: uber-trace-id, W3C, B3,
// baggage encoding. Golden vectors follow what each client writes (cited
// per table).
import assert from 'node:assert/strict'
import { test } from '../support/harness.ts'
import { formatB3Headers, parseB3, parseB3Single } from '../../src/context/b3.ts'
import {
  hasNoControlChars, isSafeHeaderKey,
} from '../../src/context/baggage.ts'
import { normalizeHexId, type TraceContext } from '../../src/context/trace-context.ts'
import {
  decodeUberTraceId, formatUberTraceId, isValidUberTraceId, parseUberTraceId,
} from '../../src/context/uber-trace-id.ts'
import { acceptTracestate, formatTraceparent, parseTraceparent } from '../../src/context/w3c.ts'

const T64 = '3c89fed99bbf57c5'
const T128 = '0af7651916cd43dd8448eb211c80319c'
const S = 'b7ad6b7169203331'

// Vectors: what each client puts on the wire.
// - jaeger-client-node strips leading zeros (util.removeLeadingZeros), flags `toString(16)`.
// - jaeger-client-java / -go / -python: `%x` of the 64-bit halves, 128-bit as `%x%016x`.
// - OTel JaegerPropagator: 32-digit trace ID, parent `0`, 2-digit flags, value URI-encoded on some paths.
// - Old Java/Spring HTTP paths URL-encoded the whole value (`%3A`).
const validUberTraceIds: Array<[string, string, TraceContext]> = [
  ['jaeger-client-node, 64-bit, no parent', `${T64}:${T64}:0:1`, { traceId: T64, spanId: T64, parentId: '', flags: 1 }],
  ['jaeger-client-node, leading zeros stripped', 'abc:de:f:1', { traceId: 'abc', spanId: 'de', parentId: 'f', flags: 1 }],
  ['jaeger-client-go, 128-bit (%x%016x)', `${T128}:${S}:0:1`, { traceId: T128, spanId: S, parentId: '', flags: 1 }],
  ['jaeger-client-java, 128-bit high part without padding', `af7651916cd43dd8448eb211c80319c:${S}:0:3`, { traceId: 'af7651916cd43dd8448eb211c80319c', spanId: S, parentId: '', flags: 3 }],
  ['jaeger-client-python, debug + sampled', `${T64}:${S}:${T64}:3`, { traceId: T64, spanId: S, parentId: T64, flags: 3 }],
  ['OTel JaegerPropagator, 2-digit flags', `${T128}:${S}:0:01`, { traceId: T128, spanId: S, parentId: '', flags: 1 }],
  ['URL-encoded (%3A)', `${T64}%3A${S}%3A0%3A1`, { traceId: T64, spanId: S, parentId: '', flags: 1 }],
  ['URL-encoded, lower-case escapes (%3a)', `${T64}%3a${S}%3a0%3a1`, { traceId: T64, spanId: S, parentId: '', flags: 1 }],
  ['zero-padded 64-bit trace ID', `0000000000abc123:${S}:0:1`, { traceId: '0000000000abc123', spanId: S, parentId: '', flags: 1 }],
  ['more leading zeros than 32 digits', `0000${T128}:${S}:0:1`, { traceId: `0000${T128}`, spanId: S, parentId: '', flags: 1 }],
  ['upper-case hex kept as received', `${T64.toUpperCase()}:${S}:0:1`, { traceId: T64.toUpperCase(), spanId: S, parentId: '', flags: 1 }],
  ['surrounding whitespace', ` ${T64}:${S}:0:1 `, { traceId: T64, spanId: S, parentId: '', flags: 1 }],
  ['firehose flag', `${T64}:${S}:0:9`, { traceId: T64, spanId: S, parentId: '', flags: 9 }],
  ['unsampled', `${T64}:${S}:0:0`, { traceId: T64, spanId: S, parentId: '', flags: 0 }],
  ['parent written as zeros', `${T64}:${S}:0000000000000000:1`, { traceId: T64, spanId: S, parentId: '', flags: 1 }],
]

for (const [name, value, expected] of validUberTraceIds) {
  test(`parseUberTraceId() accepts ${name}`, () => {
    assert.deepEqual(parseUberTraceId(value), expected)
    assert.equal(isValidUberTraceId(value), true)
  })
}

const invalidUberTraceIds: Array<[string, unknown]> = [
  ['three parts', `${T64}:${S}:1`],
  ['five parts', `${T64}:${S}:0:1:1`],
  ['an empty field', `${T64}::0:1`],
  ['empty flags', `${T64}:${S}:0:`],
  ['a zero trace ID', `0:${S}:0:1`],
  ['an all-zero 128-bit trace ID', `00000000000000000000000000000000:${S}:0:1`],
  ['a zero span ID', `${T64}:0:0:1`],
  ['non-hex characters', `${T64}:xyz:0:1`],
  ['a 33-digit trace ID', `1${T128}:${S}:0:1`],
  ['a 17-digit span ID', `${T64}:1${S}:0:1`],
  ['9-digit flags', `${T64}:${S}:0:123456789`],
  ['a broken escape', `${T64}%3${S}%3A0%3A1`],
  ['the empty string', ''],
  ['a 300-character value', 'a'.repeat(300)],
  ['a number', 12345],
  ['null', null],
  ['an object', { toString: () => `${T64}:${S}:0:1` }],
  ['a negative sign', `-${T64}:${S}:0:1`],
  ['a hex prefix', `0x${T64}:${S}:0:1`],
]

for (const [name, value] of invalidUberTraceIds) {
  test(`parseUberTraceId() returns null for ${name}`, () => {
    assert.equal(parseUberTraceId(value), null)
    assert.equal(isValidUberTraceId(value), false)
  })
}

test('formatUberTraceId() re-emits IDs exactly as received (64- and 128-bit, leading zeros)', () => {
  for (const value of [`${T64}:${S}:0:1`, `${T128}:${S}:${T64}:3`, `0000000000abc123:00000000000000de:0:1`, 'abc:de:f:1']) {
    const parsed = parseUberTraceId(value)
    assert.ok(parsed)
    assert.equal(formatUberTraceId(parsed), value)
  }
})

test('decodeUberTraceId() leaves plain and undecodable values alone', () => {
  assert.equal(decodeUberTraceId('a:b:0:1'), 'a:b:0:1')
  assert.equal(decodeUberTraceId('a%3Ab%3A0%3A1'), 'a:b:0:1')
  assert.equal(decodeUberTraceId('a%ZZ'), 'a%ZZ')
})

// W3C Trace Context, level 1 (https://www.w3.org/TR/trace-context/#traceparent-header),
// following OTel's W3CTraceContextPropagator parsing rules.
const validTraceparents: Array<[string, string, TraceContext]> = [
  ['the spec example, sampled', `00-${T128}-${S}-01`, { traceId: T128, spanId: S, parentId: '', flags: 1 }],
  ['unsampled', `00-${T128}-${S}-00`, { traceId: T128, spanId: S, parentId: '', flags: 0 }],
  ['unknown flag bits (only sampled kept)', `00-${T128}-${S}-ff`, { traceId: T128, spanId: S, parentId: '', flags: 1 }],
  ['a future version with extra fields', `01-${T128}-${S}-01-what-ever`, { traceId: T128, spanId: S, parentId: '', flags: 1 }],
  ['one surrounding space', ` 00-${T128}-${S}-01 `, { traceId: T128, spanId: S, parentId: '', flags: 1 }],
]
for (const [name, value, expected] of validTraceparents) {
  test(`parseTraceparent() accepts ${name}`, () => assert.deepEqual(parseTraceparent(value), expected))
}

const invalidTraceparents: Array<[string, unknown]> = [
  ['version ff', `ff-${T128}-${S}-01`],
  ['version 00 with extra fields', `00-${T128}-${S}-01-extra`],
  ['upper-case hex', `00-${T128.toUpperCase()}-${S}-01`],
  ['a zero trace ID', `00-${'0'.repeat(32)}-${S}-01`],
  ['a zero parent ID', `00-${T128}-${'0'.repeat(16)}-01`],
  ['a 64-bit trace ID', `00-${T64}-${S}-01`],
  ['a short span ID', `00-${T128}-${S.slice(1)}-01`],
  ['one-digit flags', `00-${T128}-${S}-1`],
  ['an uber-trace-id', `${T64}:${S}:0:1`],
  ['a non-string', 1],
]
for (const [name, value] of invalidTraceparents) {
  test(`parseTraceparent() returns null for ${name}`, () => assert.equal(parseTraceparent(value), null))
}

test('formatTraceparent() zero-pads 64-bit jaeger IDs and lower-cases them', () => {
  assert.equal(formatTraceparent({ traceId: 'ABC', spanId: '1', parentId: '', flags: 1 }), `00-${'0'.repeat(29)}abc-${'0'.repeat(15)}1-01`)
  assert.equal(formatTraceparent({ traceId: T128, spanId: S, parentId: T64, flags: 0 }), `00-${T128}-${S}-00`)
  assert.equal(formatTraceparent({ traceId: T64, spanId: S, parentId: '', flags: 2 }), `00-0000000000000000${T64}-${S}-01`)
  assert.equal(formatTraceparent({ traceId: `0000${T128}`, spanId: S, parentId: '', flags: 1 }), `00-${T128}-${S}-01`)
})

test('formatTraceparent() refuses IDs that do not fit', () => {
  assert.equal(formatTraceparent({ traceId: `1${T128}`, spanId: S, parentId: '', flags: 1 }), null)
  assert.equal(formatTraceparent({ traceId: T128, spanId: '0', parentId: '', flags: 1 }), null)
})

test('acceptTracestate() passes printable values and refuses control characters and oversize', () => {
  assert.equal(acceptTracestate('congo=t61rcWkgMzE,rojo=00f067aa0ba902b7'), 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7')
  assert.equal(acceptTracestate('a=b\r\nx: y'), undefined)
  assert.equal(acceptTracestate('a'.repeat(513)), undefined)
  assert.equal(acceptTracestate(7), undefined)
})

function lookup(headers: Record<string, string>): { get(key: string): string | undefined } {
  return { get: (key) => headers[key] }
}

// B3 (https://github.com/openzipkin/b3-propagation); sampling as jaeger-client's ZipkinB3TextMapCodec.
const b3Cases: Array<[string, Record<string, string>, TraceContext | null]> = [
  ['64-bit, sampled', { 'x-b3-traceid': T64, 'x-b3-spanid': S, 'x-b3-sampled': '1' }, { traceId: T64, spanId: S, parentId: '', flags: 1 }],
  ['128-bit with parent', { 'x-b3-traceid': T128, 'x-b3-spanid': S, 'x-b3-parentspanid': T64, 'x-b3-sampled': 'true' }, { traceId: T128, spanId: S, parentId: T64, flags: 1 }],
  ['debug flag implies sampled', { 'x-b3-traceid': T64, 'x-b3-spanid': S, 'x-b3-flags': '1' }, { traceId: T64, spanId: S, parentId: '', flags: 3 }],
  ['not sampled', { 'x-b3-traceid': T64, 'x-b3-spanid': S, 'x-b3-sampled': '0' }, { traceId: T64, spanId: S, parentId: '', flags: 0 }],
  ['no sampling decision', { 'x-b3-traceid': T64, 'x-b3-spanid': S }, { traceId: T64, spanId: S, parentId: '', flags: 0 }],
  ['single header, sampled with parent', { b3: `${T128}-${S}-1-${T64}` }, { traceId: T128, spanId: S, parentId: T64, flags: 1 }],
  ['single header, debug', { b3: `${T64}-${S}-d` }, { traceId: T64, spanId: S, parentId: '', flags: 3 }],
  ['single header, no sampling field', { b3: `${T64}-${S}` }, { traceId: T64, spanId: S, parentId: '', flags: 0 }],
  ['single header, sampling only', { b3: '1' }, null],
  ['missing span ID', { 'x-b3-traceid': T64 }, null],
  ['a zero trace ID', { 'x-b3-traceid': '0', 'x-b3-spanid': S }, null],
  ['a non-hex parent', { 'x-b3-traceid': T64, 'x-b3-spanid': S, 'x-b3-parentspanid': 'nope' }, null],
  ['a 33-digit trace ID', { 'x-b3-traceid': `1${T128}`, 'x-b3-spanid': S }, null],
  ['nothing', {}, null],
]
for (const [name, headers, expected] of b3Cases) {
  test(`parseB3() handles ${name}`, () => assert.deepEqual(parseB3(lookup(headers)), expected))
}

test('parseB3Single() rejects too many fields', () => {
  assert.equal(parseB3Single(`${T64}-${S}-1-${T64}-extra`), null)
})

test('formatB3Headers() writes 16 or 32 trace digits, sampled always, flags only for debug', () => {
  assert.deepEqual(formatB3Headers({ traceId: 'abc', spanId: 'de', parentId: 'f', flags: 1 }), {
    'x-b3-traceid': '0000000000000abc', 'x-b3-spanid': '00000000000000de', 'x-b3-parentspanid': '000000000000000f', 'x-b3-sampled': '1',
  })
  assert.deepEqual(formatB3Headers({ traceId: T128, spanId: S, parentId: '', flags: 3 }), {
    'x-b3-traceid': T128, 'x-b3-spanid': S, 'x-b3-sampled': '1', 'x-b3-flags': '1',
  })
  assert.deepEqual(formatB3Headers({ traceId: T64, spanId: S, parentId: '', flags: 0 }), {
    'x-b3-traceid': T64, 'x-b3-spanid': S, 'x-b3-sampled': '0',
  })
})

test('normalizeHexId() pads, strips extra zeros and refuses overflow', () => {
  assert.equal(normalizeHexId('ABC', 8), '00000abc')
  assert.equal(normalizeHexId('0000000000abc', 8), '00000abc')
  assert.equal(normalizeHexId('123456789', 8), null)
})

const headerKeys: Array<[string, boolean]> = [
  ['uberctx-tenant', true],
  ['X-B3-TraceId', true],
  ["a!#$%&'*+-.^_`|~z", true],
  ['with space', false],
  ['with:colon', false],
  ['crlf\r\ninjected', false],
  ['ünïcode', false],
  ['', false],
  ['k'.repeat(257), false],
]
for (const [key, safe] of headerKeys) {
  test(`isSafeHeaderKey() says ${safe} for ${JSON.stringify(key.length > 20 ? `${key.slice(0, 10)}…(${key.length})` : key)}`, () => {
    assert.equal(isSafeHeaderKey(key), safe)
  })
}
