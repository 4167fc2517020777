// SPDX-License-Identifier: Apache-2.0
// The protobuf codecs (src/codec/protobuf, otlp, jaeger-proto): wire
// primitives, golden fixtures whose bytes the Go reference read (see
// scripts/make-protobuf-fixtures.ts), random round trips, and malformed input
// (only JaegerKafkaError PROTOBUF_DECODE may come out, never a hang).
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from '../support/harness.ts'
import { prng } from '../support/prng.ts'
import { ErrorCodes, describeError, isJaegerKafkaError } from '../../src/errors.ts'
import { MAX_DEPTH, ProtoReader, ProtoWriter, WireType } from '../../src/codec/protobuf/index.ts'
import { SpanKind, StatusCode, decodeOtlpTraces, encodeOtlpTraces } from '../../src/codec/otlp/index.ts'
import type { OtlpTracesData } from '../../src/codec/otlp/index.ts'
import { decodeJaegerProtoSpan, encodeJaegerProtoSpan, encodeJaegerProtoSpans, traceIdKey } from '../../src/codec/jaeger-proto/index.ts'
import { TagType } from '../../src/codec/thrift/jaeger-types.ts'
import type { JaegerProcess, JaegerSpan, JaegerTag } from '../../src/codec/thrift/jaeger-types.ts'
import {
  bytesToHex,
  fixtureReviver,
  goFloatsToNumbers,
  hexToBytes,
  jaegerView,
  normalizeOtlp,
  otlpJson,
  randomProcess,
  randomTrace,
  refsWithParent,
} from '../support/protobuf-views.ts'

const FIXTURES = ['jaeger-client', 'edge-cases', 'no-tags']

function fixture<T>(dir: string, name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/${dir}/${name}.json`, import.meta.url), 'utf8'), fixtureReviver) as T
}

interface OtlpFixture { process: JaegerProcess; spans: JaegerSpan[]; hex: string; reference: { otlp: unknown } }
interface JaegerProtoFixture { process: JaegerProcess; spans: JaegerSpan[]; records: { key: string; hex: string; reference: { spans: unknown[] }[] }[] }

function written(write: (writer: ProtoWriter) => void): string {
  const writer = new ProtoWriter(4)
  write(writer)
  return bytesToHex(writer.view())
}

/** Run a decoder: success, or a PROTOBUF_DECODE error; anything else fails the test. */
function attempt(decode: () => unknown, label: string): { ok: boolean; message: string } {
  try {
    decode()
    return { ok: true, message: '' }
  } catch (error) {
    if (isJaegerKafkaError(error) && error.code === ErrorCodes.PROTOBUF_DECODE) return { ok: false, message: error.message }
    throw new Error(`${label}: expected PROTOBUF_DECODE, got ${describeError(error)}`, { cause: error })
  }
}

function assertRejected(bytes: Uint8Array, pattern: RegExp, decode: (bytes: Uint8Array) => unknown = decodeOtlpTraces): void {
  const outcome = attempt(() => decode(bytes), bytesToHex(bytes).slice(0, 80))
  assert.equal(outcome.ok, false, `decoded malformed ${bytesToHex(bytes).slice(0, 80)}`)
  assert.match(outcome.message, pattern)
}

test('protobuf writer: varints, fixed values, ids and back-patched lengths are canonical', () => {
  assert.equal(written((w) => w.varint32(0)), '00')
  assert.equal(written((w) => w.varint32(127)), '7f')
  assert.equal(written((w) => w.varint32(128)), '8001')
  assert.equal(written((w) => w.varint32(300)), 'ac02')
  assert.equal(written((w) => w.varint32(2 ** 32 - 1)), 'ffffffff0f')
  assert.equal(written((w) => w.varint64(-1n)), 'ffffffffffffffffff01')
  assert.equal(written((w) => w.varint64(2n ** 63n)), '80808080808080808001')
  assert.equal(written((w) => w.varint64(2n ** 35n)), '8080808080' + '01')
  assert.equal(written((w) => w.key(16, WireType.FIXED32)), '8501')
  assert.equal(written((w) => w.fixed64(1n)), '0100000000000000')
  assert.equal(written((w) => w.fixed64Number(2 ** 40 + 3)), '0300000000010000')
  assert.equal(written((w) => w.double(1.5)), '000000000000f83f')
  assert.equal(written((w) => w.id64(-2n)), 'fffffffffffffffe')
  assert.equal(written((w) => w.string('é')), '02c3a9')
  // Lengths of 127, 128, 16383 and 16384 bytes: 1, 2, 2 and 3 length bytes, body moved intact.
  for (const size of [0, 127, 128, 16_383, 16_384, 70_000]) {
    const body = Uint8Array.from({ length: size }, (_, i) => i % 251)
    const writer = new ProtoWriter(8)
    const mark = writer.begin(1)
    writer.raw(body)
    writer.end(mark)
    writer.string('z'.repeat(size))
    const reader = new ProtoReader(writer.view())
    assert.equal(reader.key(), (1 << 3) | WireType.LEN)
    assert.deepEqual(reader.message('body').bytes.subarray(reader.pos - size, reader.pos), body)
    assert.equal(reader.string(), 'z'.repeat(size))
    assert.equal(reader.more(), false)
  }
})

test('protobuf reader: varints of every size round trip through the writer', () => {
  const rand = prng(10)
  for (let i = 0; i < 2000; i++) {
    const value = BigInt.asUintN(64, (BigInt(Math.floor(rand() * 2 ** 32)) << BigInt(Math.floor(rand() * 33))) ^ BigInt(Math.floor(rand() * 2 ** 32)))
    const writer = new ProtoWriter(1)
    writer.varint64(value)
    writer.fixed64(value)
    const reader = new ProtoReader(writer.view())
    assert.equal(reader.varint64(), value)
    assert.equal(reader.fixed64(), value)
  }
})

test('OTLP golden fixtures: same bytes, and our decoder reads what the Go reference (pdata) read', () => {
  for (const name of FIXTURES) {
    const { process, spans, hex, reference } = fixture<OtlpFixture>('otlp', name)
    assert.equal(bytesToHex(encodeOtlpTraces(process, spans)), hex, `${name}: bytes changed`)
    const decoded = decodeOtlpTraces(hexToBytes(hex))
    assert.deepEqual(normalizeOtlp(otlpJson(decoded)), normalizeOtlp(reference.otlp), name)
  }
})

test('jaeger_proto golden fixtures: same bytes and key, decoded as jaeger-idl decoded them', () => {
  for (const name of FIXTURES) {
    const { process, spans, records } = fixture<JaegerProtoFixture>('jaeger-proto', name)
    spans.forEach((span, i) => {
      const record = records[i]!
      assert.equal(bytesToHex(encodeJaegerProtoSpan(process, span)), record.hex, `${name} span ${i}: bytes changed`)
      assert.equal(traceIdKey(span), record.key)
      const decoded = decodeJaegerProtoSpan(hexToBytes(record.hex))
      assert.deepEqual(jaegerView(decoded.process, decoded.span), goFloatsToNumbers(record.reference[0]!.spans[0]), `${name} span ${i}`)
    })
  }
})

test('trace id key: 16 hex digits for a 64-bit id, 32 for 128-bit, unsigned', () => {
  assert.equal(traceIdKey({ traceIdHigh: 0n, traceIdLow: 0xabcn }), '0000000000000abc')
  assert.equal(traceIdKey({ traceIdHigh: -1n, traceIdLow: -2n }), 'fffffffffffffffffffffffffffffffe')
  assert.equal(traceIdKey({ traceIdHigh: 1n, traceIdLow: 0n }), '00000000000000010000000000000000')
})

/** The tag as the decoder returns it: only the value field its type names, canonical values. */
function canonicalTag(tag: JaegerTag): JaegerTag {
  switch (tag.vType) {
    case TagType.STRING: return { key: tag.key, vType: tag.vType, vStr: tag.vStr! }
    case TagType.BOOL: return { key: tag.key, vType: tag.vType, vBool: tag.vBool! }
    case TagType.LONG: return { key: tag.key, vType: tag.vType, vLong: BigInt.asIntN(64, tag.vLong!) }
    case TagType.DOUBLE: return { key: tag.key, vType: tag.vType, vDouble: tag.vDouble! }
    default: return { key: tag.key, vType: tag.vType, vBinary: tag.vBinary! }
  }
}

test('jaeger_proto random round trips: decode(encode(span)) is the span (ids unsigned, parent as a CHILD_OF ref)', () => {
  const rand = prng(20)
  const u = (v: bigint) => BigInt.asUintN(64, v)
  for (let i = 0; i < 300; i++) {
    const process = randomProcess(rand)
    for (const span of randomTrace(rand, 1 + Math.floor(rand() * 4))) {
      const { process: p, span: s } = decodeJaegerProtoSpan(encodeJaegerProtoSpan(process, span))
      assert.deepEqual(p, { serviceName: process.serviceName, tags: (process.tags ?? []).map(canonicalTag) })
      const refs = refsWithParent(span).map((ref) => ({ refType: ref.refType, traceIdHigh: u(ref.traceIdHigh), traceIdLow: u(ref.traceIdLow), spanId: u(ref.spanId) }))
      const parent = refs.find((ref) => ref.refType === 0 && ref.traceIdHigh === u(span.traceIdHigh) && ref.traceIdLow === u(span.traceIdLow))
      assert.deepEqual(s, {
        traceIdLow: u(span.traceIdLow),
        traceIdHigh: u(span.traceIdHigh),
        spanId: u(span.spanId),
        parentSpanId: parent?.spanId ?? 0n,
        operationName: span.operationName,
        references: refs,
        flags: span.flags,
        startTime: span.startTime,
        duration: span.duration,
        tags: (span.tags ?? []).map(canonicalTag),
        logs: (span.logs ?? []).map((log) => ({ timestamp: log.timestamp, fields: log.fields.map(canonicalTag) })),
      })
    }
  }
})

test('jaeger_proto: encodeJaegerProtoSpans (process encoded once) writes the same records as encodeJaegerProtoSpan', () => {
  const rand = prng(25)
  for (let i = 0; i < 50; i++) {
    const process = randomProcess(rand)
    const spans = randomTrace(rand, 1 + Math.floor(rand() * 4))
    assert.deepEqual(encodeJaegerProtoSpans(process, spans).map(bytesToHex), spans.map((span) => bytesToHex(encodeJaegerProtoSpan(process, span))))
  }
  assert.throws(() => encodeJaegerProtoSpans({ serviceName: 7 } as never, []), (error: unknown) => isJaegerKafkaError(error) && error.code === ErrorCodes.PROTOBUF_ENCODE)
})

test('jaeger_proto times: negative and sub-second Timestamps and Durations round trip', () => {
  for (const [startTime, duration] of [[0n, 0n], [-1n, -1n], [-1_500_001n, -2_000_001n], [999_999n, 1_000_000n], [2n ** 62n, 2n ** 40n]] as const) {
    const span: JaegerSpan = { traceIdHigh: 0n, traceIdLow: 1n, spanId: 2n, parentSpanId: 0n, operationName: 'x', flags: 0, startTime, duration, logs: [{ timestamp: startTime, fields: [] }] }
    const { span: decoded } = decodeJaegerProtoSpan(encodeJaegerProtoSpan({ serviceName: 's' }, span))
    assert.equal(decoded.startTime, startTime)
    assert.equal(decoded.duration, duration)
    assert.equal(decoded.logs![0]!.timestamp, startTime)
  }
})

const MAPPED = new Set(['span.kind', 'otel.status_code'])

test('OTLP random round trips: ids, parent, name, times, attributes with types, events, links, kind, status, resource', () => {
  const rand = prng(30)
  const hex16 = (high: bigint, low: bigint) => BigInt.asUintN(64, high).toString(16).padStart(16, '0') + BigInt.asUintN(64, low).toString(16).padStart(16, '0')
  for (let i = 0; i < 300; i++) {
    const process = randomProcess(rand)
    const spans = randomTrace(rand, 1 + Math.floor(rand() * 5))
    const data: OtlpTracesData = decodeOtlpTraces(encodeOtlpTraces(process, spans))
    assert.equal(data.resourceSpans.length, 1)
    const [resourceSpans] = data.resourceSpans
    const resourceKeys = resourceSpans!.resource!.attributes.map((kv) => kv.key)
    assert.equal(resourceKeys[0], 'service.name')
    assert.equal(resourceKeys.length, 1 + (process.tags ?? []).length)
    assert.equal(resourceSpans!.scopeSpans.length, 1)
    const decoded = resourceSpans!.scopeSpans[0]!.spans
    assert.equal(decoded.length, spans.length)
    spans.forEach((span, s) => {
      const out = decoded[s]!
      assert.equal(bytesToHex(out.traceId), hex16(span.traceIdHigh, span.traceIdLow))
      assert.equal(bytesToHex(out.spanId), BigInt.asUintN(64, span.spanId).toString(16).padStart(16, '0'))
      if (span.parentSpanId !== 0n) assert.equal(bytesToHex(out.parentSpanId), BigInt.asUintN(64, span.parentSpanId).toString(16).padStart(16, '0'))
      assert.equal(out.name, span.operationName)
      assert.equal(out.startTimeUnixNano, span.startTime * 1000n)
      assert.equal(out.endTimeUnixNano, (span.startTime + span.duration) * 1000n)
      assert.equal(out.flags, span.flags & 1)
      const kindTag = span.tags!.find((tag) => tag.key === 'span.kind')
      const kinds: Record<string, number> = { client: SpanKind.CLIENT, server: SpanKind.SERVER, producer: SpanKind.PRODUCER, consumer: SpanKind.CONSUMER, internal: SpanKind.INTERNAL }
      assert.equal(out.kind, kindTag === undefined ? 0 : kinds[kindTag.vStr!] ?? 0)
      const errorTrue = span.tags!.some((tag) => tag.key === 'error' && tag.vType === TagType.BOOL && tag.vBool === true)
      if (errorTrue) assert.equal(out.status?.code, StatusCode.ERROR)
      // Every tag not consumed by kind/status is an attribute of the same type and value.
      const types = ['string', 'double', 'bool', 'int', 'bytes']
      for (const tag of span.tags!) {
        const attribute = out.attributes.find((kv) => kv.key === tag.key)
        if (MAPPED.has(tag.key) || (tag.key === 'error' && errorTrue) || (tag.key === 'otel.status_description' && out.status !== undefined && out.status.message === tag.vStr)) continue
        assert.ok(attribute, `tag ${tag.key} missing`)
        assert.equal(attribute.value.type, types[tag.vType])
        const expected = [tag.vStr, tag.vDouble, tag.vBool, tag.vLong === undefined ? undefined : BigInt.asIntN(64, tag.vLong), tag.vBinary][tag.vType]
        assert.deepEqual((attribute.value as { value: unknown }).value, expected)
      }
      assert.equal(out.events.length, span.logs!.length)
      span.logs!.forEach((log, l) => {
        const event = out.events[l]!
        assert.equal(event.timeUnixNano, log.timestamp * 1000n)
        const nameField = log.fields.find((field) => field.key === 'event')
        assert.equal(event.name, nameField?.vType === TagType.STRING ? nameField.vStr : '')
        assert.equal(event.attributes.length, log.fields.length - (nameField ? 1 : 0))
      })
      for (const link of out.links) {
        const refType = link.attributes.find((kv) => kv.key === 'opentracing.ref_type')
        assert.ok(refType && refType.value.type === 'string' && ['child_of', 'follows_from'].includes(refType.value.value))
      }
      assert.ok(out.links.length <= (span.references ?? []).length)
    })
  }
})

test('encoders: values of the wrong type are PROTOBUF_ENCODE errors', () => {
  const good: JaegerSpan = { traceIdHigh: 0n, traceIdLow: 1n, spanId: 2n, parentSpanId: 0n, operationName: 'x', flags: 0, startTime: 0n, duration: 0n }
  const bad: unknown[] = [
    { ...good, traceIdLow: 1 },
    { ...good, operationName: 7 },
    { ...good, startTime: 5 },
    { ...good, tags: [{ key: 'k', vType: 9, vStr: 'v' }] },
    { ...good, tags: [{ key: 'k', vType: TagType.LONG, vLong: 5 }] },
    { ...good, tags: [{ key: 'k', vType: TagType.BINARY, vBinary: 'no' }] },
    { ...good, references: [{ refType: 5, traceIdHigh: 0n, traceIdLow: 1n, spanId: 3n }] },
  ]
  for (const span of bad) {
    for (const encode of [() => encodeOtlpTraces({ serviceName: 's' }, [span as JaegerSpan]), () => encodeJaegerProtoSpan({ serviceName: 's' }, span as JaegerSpan)]) {
      assert.throws(encode, (error: unknown) => isJaegerKafkaError(error) && error.code === ErrorCodes.PROTOBUF_ENCODE, JSON.stringify(span, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)))
    }
  }
})

test('malformed input: truncated varints and lengths, wrong wire types, bad ids, depth, groups', () => {
  assertRejected(Uint8Array.of(0x0a), /truncated varint/)
  assertRejected(Uint8Array.of(0x0a, 0x80), /truncated varint/)
  assertRejected(Uint8Array.of(0x0a, 0x05, 0x00), /runs past the end/)
  assertRejected(Uint8Array.of(0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f), /runs past the end/)
  assertRejected(Uint8Array.of(0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01), /longer than 10 bytes/)
  assertRejected(Uint8Array.of(0x0a, 0xff, 0xff, 0xff, 0xff, 0x7f), /does not fit in 32 bits/)
  assertRejected(Uint8Array.of(0x08, 0x01), /resource_spans.*wire type 0/)
  assertRejected(Uint8Array.of(0x0b), /unsupported wire type 3/)
  assertRejected(Uint8Array.of(0x00), /field number 0/)
  assertRejected(Uint8Array.of(0x11, 0x01, 0x02), /truncated fixed64/)
  // A span whose trace_id is 3 bytes: TracesData{1: ResourceSpans{2: ScopeSpans{2: Span{1: 3 bytes}}}}
  assertRejected(Uint8Array.of(0x0a, 0x09, 0x12, 0x07, 0x12, 0x05, 0x0a, 0x03, 1, 2, 3), /trace_id is 3 bytes/)
  // An attribute value nested deeper than MAX_DEPTH arrays.
  const writer = new ProtoWriter()
  const marks = [writer.begin(1), writer.begin(1), writer.begin(1)] // TracesData → ResourceSpans.resource → Resource.attributes
  marks.push(writer.begin(2)) // KeyValue.value
  for (let i = 0; i < MAX_DEPTH + 5; i++) marks.push(writer.begin(5), writer.begin(1)) // AnyValue.array_value → ArrayValue.values
  while (marks.length > 0) writer.end(marks.pop()!)
  assertRejected(writer.view().slice(), /nested deeper than 32/)
  assertRejected(Uint8Array.of(0x0a, 0x03, 0x0a, 0x01, 0xff), /truncated varint at offset 4/)
  // jaeger_proto: bad ref type, bad value type, short span id, invalid UTF-8.
  assertRejected(Uint8Array.of(0x12, 0x02, 1, 2), /span_id is 2 bytes/, decodeJaegerProtoSpan)
  assertRejected(Uint8Array.of(0x42, 0x02, 0x10, 0x09), /unknown v_type 9/, decodeJaegerProtoSpan)
  assertRejected(Uint8Array.of(0x22, 0x02, 0x18, 0x07), /unknown SpanRef.ref_type 7/, decodeJaegerProtoSpan)
  assertRejected(Uint8Array.of(0x1a, 0x02, 0xc3, 0x28), /invalid UTF-8/, decodeJaegerProtoSpan)
  assertRejected(Uint8Array.of(0x32, 0x02, 0x10, 0x80), /truncated varint/, decodeJaegerProtoSpan)
})

test('malformed input fuzz: random bytes, truncations and bit flips of real records never throw anything but PROTOBUF_DECODE', () => {
  const rand = prng(40)
  const valid: Uint8Array[] = []
  for (let i = 0; i < 40; i++) {
    const process = randomProcess(rand)
    const spans = randomTrace(rand, 1 + Math.floor(rand() * 3))
    valid.push(encodeOtlpTraces(process, spans), encodeJaegerProtoSpan(process, spans[0]!))
  }
  let rejected = 0
  for (let i = 0; i < 4000; i++) {
    let bytes: Uint8Array
    const base = valid[Math.floor(rand() * valid.length)]!
    switch (i % 3) {
      case 0: bytes = Uint8Array.from({ length: Math.floor(rand() * 64) }, () => Math.floor(rand() * 256)); break
      case 1: bytes = base.subarray(0, Math.floor(rand() * base.length)); break
      default: {
        bytes = base.slice()
        for (let f = 0; f < 1 + Math.floor(rand() * 4); f++) {
          const at = Math.floor(rand() * bytes.length)
          bytes[at] = bytes[at]! ^ (1 << Math.floor(rand() * 8))
        }
      }
    }
    for (const decode of [decodeOtlpTraces, decodeJaegerProtoSpan]) {
      if (!attempt(() => decode(bytes), `fuzz ${i}`).ok) rejected++
    }
  }
  assert.ok(rejected > 1000, `only ${rejected} of 8000 malformed inputs rejected`)
})

test('decoders do not alias the input: bytes values are copies', () => {
  const span: JaegerSpan = { traceIdHigh: 0n, traceIdLow: 1n, spanId: 2n, parentSpanId: 0n, operationName: 'x', flags: 0, startTime: 0n, duration: 0n, tags: [{ key: 'b', vType: TagType.BINARY, vBinary: Uint8Array.of(1, 2, 3) }] }
  const bytes = encodeJaegerProtoSpan({ serviceName: 's' }, span)
  const decoded = decodeJaegerProtoSpan(bytes)
  bytes.fill(0)
  assert.deepEqual(decoded.span.tags![0]!.vBinary, Uint8Array.of(1, 2, 3))
})

test('OTLP decoder: array, kvlist and empty AnyValues, scope, unknown fields (shapes other writers use)', () => {
  const writer = new ProtoWriter()
  const resourceSpans = writer.begin(1)
  const scopeSpans = writer.begin(2)
  const scope = writer.begin(1)
  writer.key(1, WireType.LEN)
  writer.string('my.lib')
  writer.key(2, WireType.LEN)
  writer.string('1.2.3')
  writer.end(scope)
  const span = writer.begin(2)
  writer.key(99, WireType.FIXED32) // an unknown field: skipped
  writer.fixed32(7)
  const attribute = writer.begin(9)
  writer.key(1, WireType.LEN)
  writer.string('list')
  const value = writer.begin(2)
  const array = writer.begin(5)
  const first = writer.begin(1)
  writer.key(3, WireType.VARINT)
  writer.varint64(-3n)
  writer.end(first)
  const second = writer.begin(1)
  const kvlist = writer.begin(6)
  const kv = writer.begin(1)
  writer.key(1, WireType.LEN)
  writer.string('inner')
  writer.end(writer.begin(2)) // an empty AnyValue
  writer.end(kv)
  writer.end(kvlist)
  writer.end(second)
  writer.end(array)
  writer.end(value)
  writer.end(attribute)
  writer.end(span)
  writer.end(scopeSpans)
  writer.end(resourceSpans)
  const data = decodeOtlpTraces(writer.view().slice())
  const scopeSpan = data.resourceSpans[0]!.scopeSpans[0]!
  assert.deepEqual(scopeSpan.scope, { name: 'my.lib', version: '1.2.3', attributes: [], droppedAttributesCount: 0 })
  assert.deepEqual(scopeSpan.spans[0]!.attributes, [
    { key: 'list', value: { type: 'array', value: [{ type: 'int', value: -3n }, { type: 'kvlist', value: [{ key: 'inner', value: { type: 'empty' } }] }] } },
  ])
  assert.equal(scopeSpan.spans[0]!.status, undefined)
})
