// SPDX-License-Identifier: Apache-2.0
// Malformed and hostile input to the jaeger.thrift decoder: only JaegerKafkaError
// THRIFT_DECODE may come out, never a RangeError/TypeError, a hang or a huge
// allocation. Also: unknown fields are skipped, and assembleBatch() is exact.
import assert from 'node:assert/strict'
import { Buffer } from 'node:buffer'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { concat } from '../support/bytes.ts'
import { test } from '../support/harness.ts'
import { ErrorCodes, describeError, isJaegerKafkaError } from '../../src/errors.ts'
import { BinaryWriter, TType } from '../../src/codec/thrift/binary-writer.ts'
import {
  TagType,
  assembleBatch,
  batchEncodedSize,
  decodeBatch,
  decodeSpan,
  encodeBatch,
  encodeProcess,
  encodeSpan,
  summarizeBatch,
} from '../../src/codec/thrift/index.ts'
import type { JaegerBatch, JaegerSpan } from '../../src/codec/thrift/index.ts'

const require = createRequire(import.meta.url)

function fixtureBytes(name: string): Uint8Array {
  const { hex } = JSON.parse(readFileSync(new URL(`../fixtures/thrift/${name}`, import.meta.url), 'utf8')) as { hex: string }
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16))
}

const BATCH_FIXTURES = ['batch-jaeger-client.json', 'batch-edge-cases.json', 'batch-v2-seqno-stats.json', 'batch-empty.json']

type Outcome<T> = { ok: true; value: T } | { ok: false; message: string }

/** Run a decoder; anything but success or a THRIFT_DECODE JaegerKafkaError fails the test. */
function attempt<T>(decode: () => T, label: string): Outcome<T> {
  try {
    return { ok: true, value: decode() }
  } catch (error) {
    if (isJaegerKafkaError(error) && error.code === ErrorCodes.THRIFT_DECODE) return { ok: false, message: error.message }
    throw new Error(`${label}: expected THRIFT_DECODE, got ${describeError(error)}`, { cause: error })
  }
}

function assertDecodeError(bytes: Uint8Array, pattern: RegExp, label = 'decodeBatch'): void {
  const outcome = attempt(() => decodeBatch(bytes), label)
  assert.equal(outcome.ok, false, `${label}: decoded malformed input`)
  if (!outcome.ok) assert.match(outcome.message, pattern)
  assert.equal(attempt(() => summarizeBatch(bytes), `summarizeBatch ${label}`).ok, false)
}

/** decodeBatch() and summarizeBatch() must agree: both fail, or both succeed with the same facts. */
function checkBatchDecoders(bytes: Uint8Array, label: string): void {
  const full = attempt(() => decodeBatch(bytes), label)
  const summary = attempt(() => summarizeBatch(bytes), label)
  assert.equal(summary.ok, full.ok, `${label}: summarizeBatch ${summary.ok ? 'accepted' : 'rejected'} what decodeBatch did not`)
  if (full.ok && summary.ok) {
    assert.equal(summary.value.serviceName, full.value.process.serviceName, label)
    assert.equal(summary.value.spanCount, full.value.spans.length, label)
  }
  attempt(() => decodeSpan(bytes), label)
}

/** Write a struct with `body`, then STOP. */
function struct(body: (writer: BinaryWriter) => void): Uint8Array {
  const writer = new BinaryWriter()
  body(writer)
  writer.stop()
  return writer.view()
}

/** Insert `fields` (complete field bytes) before the final STOP of `structBytes`. */
function insertFields(structBytes: Uint8Array, fields: Uint8Array): Uint8Array {
  return concat(structBytes.subarray(0, -1), fields, [TType.STOP])
}

const validSpan: JaegerSpan = {
  traceIdLow: 0x1234n,
  traceIdHigh: 0n,
  spanId: 0x5678n,
  parentSpanId: 0n,
  operationName: 'op',
  flags: 1,
  startTime: 1763802000000000n,
  duration: 250n,
  tags: [{ key: 'k', vType: TagType.STRING, vStr: 'v' }],
}
const validBatch: JaegerBatch = { process: { serviceName: 'svc' }, spans: [validSpan] }

/** A valid span whose only tag is `tag` (struct bytes, possibly malformed). */
function spanWithTag(tag: Uint8Array): Uint8Array {
  return insertFields(encodeSpan({ ...validSpan, tags: undefined }), concat([TType.LIST, 0, 10, TType.STRUCT, 0, 0, 0, 1], tag))
}

function batchWith(span: Uint8Array, process: Uint8Array = encodeProcess(validBatch.process)): Uint8Array {
  return assembleBatch({ process, spans: [span] })
}

// ------------------------------------------------------------ truncation --

for (const name of BATCH_FIXTURES) {
  test(`every truncation of ${name} fails with THRIFT_DECODE`, () => {
    const bytes = fixtureBytes(name)
    assert.ok(decodeBatch(bytes))
    for (let length = 0; length < bytes.length; length++) {
      assertDecodeError(bytes.subarray(0, length), /truncated|claims|missing required/, `${name} cut at ${length}`)
    }
  })
}

test('every truncation of a bare Span fails decodeSpan() with THRIFT_DECODE', () => {
  const bytes = fixtureBytes('span.json')
  assert.ok(decodeSpan(bytes))
  for (let length = 0; length < bytes.length; length++) {
    const outcome = attempt(() => decodeSpan(bytes.subarray(0, length)), `span cut at ${length}`)
    assert.equal(outcome.ok, false, `span cut at ${length} decoded`)
  }
})

test('bytes after the Batch or Span STOP are rejected', () => {
  const batch = encodeBatch(validBatch)
  assertDecodeError(concat(batch, [0]), /1 trailing bytes after the Batch/)
  assertDecodeError(concat(batch, batch), /trailing bytes after the Batch/)
  assert.equal(attempt(() => decodeSpan(concat(encodeSpan(validSpan), [0, 0])), 'span').ok, false)
})

// ---------------------------------------------------------- random input --

function seededRandom(seed: number): () => number {
  let state = seed | 0
  return () => {
    state = (state + 0x6d2b79f5) | 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const RANDOM_CASES = 10_000
const MUTATION_CASES = 12_000

test(`${RANDOM_CASES} seeded random byte strings decode or fail with THRIFT_DECODE only`, () => {
  const random = seededRandom(20_000)
  const int = (below: number): number => Math.floor(random() * below)
  // Mostly valid type ids, so the decoder gets past the first byte.
  const TYPES = [TType.BOOL, TType.BYTE, TType.DOUBLE, TType.I16, TType.I32, TType.I64, TType.STRING, TType.STRUCT, TType.MAP, TType.SET, TType.LIST]
  for (let i = 0; i < RANDOM_CASES; i++) {
    const bytes = Uint8Array.from({ length: int(96) }, (_, at) => (at % 3 === 0 && random() < 0.7 ? TYPES[int(TYPES.length)]! : int(256)))
    checkBatchDecoders(bytes, `random case ${i}`)
  }
})

test(`${MUTATION_CASES} seeded mutations of valid batches decode or fail with THRIFT_DECODE only`, () => {
  const random = seededRandom(0xbadf00d)
  const int = (below: number): number => Math.floor(random() * below)
  const seeds = [...BATCH_FIXTURES.map(fixtureBytes), encodeBatch(validBatch)]
  const HOSTILE_I32 = [0x7fffffff, -0x80000000, -1, 0, 1, 0x10000]
  let decoded = 0
  for (let i = 0; i < MUTATION_CASES; i++) {
    const bytes = Uint8Array.from(seeds[i % seeds.length]!)
    const mutations = 1 + int(4)
    for (let m = 0; m < mutations; m++) {
      const at = int(bytes.length)
      switch (int(3)) {
        case 0:
          bytes[at] = int(256)
          break
        case 1:
          bytes[at] = bytes[at]! ^ (1 << int(8))
          break
        default:
          if (at + 4 <= bytes.length) new DataView(bytes.buffer).setInt32(at, HOSTILE_I32[int(HOSTILE_I32.length)]!)
      }
    }
    checkBatchDecoders(bytes, `mutation case ${i}`)
    if (attempt(() => decodeBatch(bytes), `mutation case ${i}`).ok) decoded++
  }
  // Some mutations only change values (an id, a character), so both outcomes occur.
  assert.ok(decoded > 0 && decoded < MUTATION_CASES, `${decoded} of ${MUTATION_CASES} mutations decoded`)
})

// ------------------------------------------------------ hostile headers --

test('hostile string lengths fail before any allocation', () => {
  for (const length of [0x7fffffff, -1, -0x80000000, 100_000]) {
    const process = struct((w) => {
      w.fieldHeader(TType.STRING, 1)
      w.i32(length)
      w.raw(new Uint8Array(8))
    })
    assertDecodeError(batchWith(encodeSpan(validSpan), process), length < 0 ? /negative length/ : /truncated/, `length ${length}`)
  }
})

test('hostile list sizes and wrong element types fail with THRIFT_DECODE', () => {
  const processBytes = encodeProcess(validBatch.process)
  const batchWithSpansHeader = (elemType: number, size: number) =>
    struct((w) => {
      w.fieldHeader(TType.STRUCT, 1)
      w.raw(processBytes)
      w.fieldHeader(TType.LIST, 2)
      w.listHeader(elemType as TType, size)
      w.raw(new Uint8Array(16))
    })
  assertDecodeError(batchWithSpansHeader(TType.STRUCT, 0x7fffffff), /Batch\.spans claims 2147483647 elements/)
  assertDecodeError(batchWithSpansHeader(TType.STRUCT, -1), /Batch\.spans has negative size -1/)
  assertDecodeError(batchWithSpansHeader(TType.I64, 1), /Batch\.spans is a list of I64, expected STRUCT/)
  const spanWithTagsHeader = (size: number) =>
    struct((w) => {
      w.raw(encodeSpan({ ...validSpan, tags: undefined }).subarray(0, -1))
      w.fieldHeader(TType.LIST, 10)
      w.listHeader(TType.STRUCT, size)
    })
  assertDecodeError(batchWith(spanWithTagsHeader(0x40000000)), /Span\.tags claims/)
  assertDecodeError(batchWith(spanWithTagsHeader(-0x80000000)), /Span\.tags has negative size/)
})

test('hostile sizes inside unknown fields fail with THRIFT_DECODE', () => {
  const unknown = (body: (w: BinaryWriter) => void) =>
    struct((w) => {
      body(w)
      w.raw(new Uint8Array(8))
    }).subarray(0, -1)
  const cases: [Uint8Array, RegExp][] = [
    [unknown((w) => { w.fieldHeader(TType.LIST, 99); w.listHeader(TType.I64, 0x7fffffff) }), /collection claims/],
    [unknown((w) => { w.fieldHeader(TType.SET, 99); w.listHeader(TType.STRING, -5) }), /negative size/],
    [unknown((w) => { w.fieldHeader(TType.MAP, 99); w.raw(Uint8Array.of(TType.STRING, TType.STRUCT)); w.i32(0x7fffffff) }), /collection claims/],
    [unknown((w) => { w.fieldHeader(TType.MAP, 99); w.raw(Uint8Array.of(TType.STRING, 1)); w.i32(1) }), /map of unknown type 1 values/],
    [unknown((w) => { w.fieldHeader(TType.LIST, 99); w.listHeader(200 as TType, 1) }), /collection of unknown type 200/],
    [unknown((w) => { w.fieldHeader(TType.STRING, 99); w.i32(0x7fffffff) }), /truncated/],
  ]
  for (const [field, pattern] of cases) {
    assertDecodeError(batchWith(insertFields(encodeSpan(validSpan), field)), pattern)
    assertDecodeError(insertFields(encodeBatch(validBatch), field), pattern)
  }
})

test('invalid wire type ids fail with THRIFT_DECODE', () => {
  for (const type of [1, 5, 7, 9, 16, 0x80, 0xff]) {
    assertDecodeError(insertFields(encodeBatch(validBatch), Uint8Array.of(type, 0, 99, 0, 0, 0, 0)), /unknown type/, `type ${type}`)
  }
})

test('deeply nested unknown structs and lists fail with THRIFT_DECODE, not a stack overflow', () => {
  const depth = 100_000
  const nestedStructs = new Uint8Array(3 * depth + depth)
  for (let level = 0; level < depth; level++) nestedStructs.set([TType.STRUCT, 0, level === 0 ? 99 : 1], level * 3)
  assertDecodeError(insertFields(encodeBatch(validBatch), nestedStructs), /nest deeper than 64/)
  const nestedLists = new Uint8Array(3 + 5 * depth)
  nestedLists.set([TType.LIST, 0, 99])
  for (let level = 0; level < depth; level++) nestedLists.set([TType.LIST, 0, 0, 0, 1], 3 + level * 5)
  assertDecodeError(insertFields(encodeBatch(validBatch), nestedLists), /nest deeper than 64|claims/)
})

test('a known field id with the wrong wire type fails with THRIFT_DECODE', () => {
  const process = encodeProcess(validBatch.process)
  const span = encodeSpan(validSpan)
  assertDecodeError(struct((w) => { w.fieldHeader(TType.LIST, 1); w.listHeader(TType.STRUCT, 0) }), /Batch field 1 \(process\) is LIST, expected STRUCT/)
  assertDecodeError(insertFields(encodeBatch(validBatch), Uint8Array.of(TType.I32, 0, 3, 0, 0, 0, 1)), /Batch field 3 \(seqNo\) is I32, expected I64/)
  assertDecodeError(batchWith(span, insertFields(process, Uint8Array.of(TType.I32, 0, 1, 0, 0, 0, 1))), /Process field 1 \(serviceName\) is I32/)
  assertDecodeError(batchWith(insertFields(span, Uint8Array.of(TType.I32, 0, 5, 0, 0, 0, 1))), /Span field 5 \(operationName\) is I32, expected STRING/)
  const tagWithStringType = struct((w) => {
    w.fieldHeader(TType.STRING, 1)
    w.string('k')
    w.fieldHeader(TType.STRING, 2)
    w.string('STRING')
  })
  assertDecodeError(batchWith(spanWithTag(tagWithStringType)), /Tag field 2 \(vType\) is STRING, expected I32/)
})

test('missing required fields fail with THRIFT_DECODE naming the field', () => {
  const process = encodeProcess(validBatch.process)
  assertDecodeError(struct((w) => { w.fieldHeader(TType.STRUCT, 1); w.raw(process) }), /Batch is missing required field 2 \(spans\)/)
  assertDecodeError(struct((w) => { w.fieldHeader(TType.LIST, 2); w.listHeader(TType.STRUCT, 0) }), /Batch is missing required field 1 \(process\)/)
  assertDecodeError(batchWith(encodeSpan(validSpan), Uint8Array.of(TType.STOP)), /Process is missing required field 1 \(serviceName\)/)
  const spanWithout = (omit: number) =>
    struct((w) => {
      for (const id of [1, 2, 3, 4, 8, 9].filter((id) => id !== omit)) {
        w.fieldHeader(TType.I64, id)
        w.i64(1n)
      }
      if (omit !== 5) {
        w.fieldHeader(TType.STRING, 5)
        w.string('op')
      }
      if (omit !== 7) {
        w.fieldHeader(TType.I32, 7)
        w.i32(1)
      }
    })
  for (const [id, name] of [[1, 'traceIdLow'], [2, 'traceIdHigh'], [3, 'spanId'], [4, 'parentSpanId'], [5, 'operationName'], [7, 'flags'], [8, 'startTime'], [9, 'duration']] as const) {
    assertDecodeError(batchWith(spanWithout(id)), new RegExp(`Span is missing required field ${id} \\(${name}\\)`))
  }
  assert.ok(decodeBatch(batchWith(spanWithout(0))))
  const statsMissingField3 = struct((w) => {
    w.fieldHeader(TType.I64, 1)
    w.i64(0n)
    w.fieldHeader(TType.I64, 2)
    w.i64(0n)
  })
  assertDecodeError(insertFields(encodeBatch(validBatch), concat([TType.STRUCT, 0, 4], statsMissingField3)), /ClientStats is missing required field 3 \(failedToEmitSpans\)/)
  const tagWithoutType = struct((w) => {
    w.fieldHeader(TType.STRING, 1)
    w.string('k')
  })
  assertDecodeError(batchWith(spanWithTag(tagWithoutType)), /Tag is missing required field 2 \(vType\)/)
})

test('enum values outside the IDL fail with THRIFT_DECODE', () => {
  for (const vType of [5, -1, 0x7fffffff]) {
    const tag = struct((w) => {
      w.fieldHeader(TType.STRING, 1)
      w.string('k')
      w.fieldHeader(TType.I32, 2)
      w.i32(vType)
    })
    assertDecodeError(batchWith(spanWithTag(tag)), new RegExp(`Tag vType ${vType} is not a TagType`))
  }
  const ref = struct((w) => {
    w.fieldHeader(TType.I32, 1)
    w.i32(2)
  })
  const spanWithRef = insertFields(encodeSpan(validSpan), concat([TType.LIST, 0, 6, TType.STRUCT, 0, 0, 0, 1], ref))
  assertDecodeError(batchWith(spanWithRef), /SpanRef refType 2 is not a SpanRefType/)
})

test('invalid UTF-8 decodes with U+FFFD replacement', () => {
  const process = struct((w) => {
    w.fieldHeader(TType.STRING, 1)
    w.binary(Uint8Array.of(0xff, 0x41, 0xe2, 0x82, 0x42))
  })
  assert.equal(decodeBatch(batchWith(encodeSpan(validSpan), process)).process.serviceName, '\ufffdA\ufffdB')
})

test('decoders reject a non-Uint8Array argument with TypeError', () => {
  assert.throws(() => decodeBatch([1, 2] as never), TypeError)
  assert.throws(() => summarizeBatch('batch' as never), TypeError)
  assert.throws(() => decodeSpan(new ArrayBuffer(4) as never), TypeError)
})

// ----------------------------------------------------------- unknown fields --

/** One unknown field of every valid wire type, nested ones included, with ids jaeger.thrift does not use. */
const UNKNOWN_FIELDS = struct((w) => {
  w.fieldHeader(TType.BOOL, 100)
  w.bool(true)
  w.fieldHeader(TType.BYTE, 101)
  w.raw(Uint8Array.of(0xff))
  w.fieldHeader(TType.I16, 102)
  w.raw(Uint8Array.of(0x80, 0x00))
  w.fieldHeader(TType.I32, 103)
  w.i32(-1)
  w.fieldHeader(TType.I64, 104)
  w.i64(-1n)
  w.fieldHeader(TType.DOUBLE, 105)
  w.double(NaN)
  w.fieldHeader(TType.STRING, 106)
  w.string('unknown 🐢')
  w.fieldHeader(TType.STRUCT, 107)
  w.fieldHeader(TType.LIST, 1)
  w.listHeader(TType.STRUCT, 2)
  w.fieldHeader(TType.STRING, 1)
  w.string('a')
  w.stop()
  w.stop()
  w.fieldHeader(TType.MAP, 1)
  w.raw(Uint8Array.of(TType.STRING, TType.LIST))
  w.i32(1)
  w.string('key')
  w.listHeader(TType.I32, 2)
  w.i32(1)
  w.i32(2)
  w.stop()
  w.fieldHeader(TType.SET, 108)
  w.listHeader(TType.I64, 1)
  w.i64(7n)
  w.fieldHeader(TType.MAP, 109)
  w.raw(Uint8Array.of(TType.I32, TType.DOUBLE))
  w.i32(0)
  w.fieldHeader(TType.LIST, 110)
  w.listHeader(TType.BOOL, 3)
  w.raw(Uint8Array.of(1, 0, 1))
  w.fieldHeader(TType.I64, -5)
  w.i64(5n)
}).subarray(0, -1)

test('unknown fields of every type are skipped at every level, as thriftrw skips them', () => {
  const { Thrift } = require('thriftrw') as { Thrift: new (options: { source: string; allowOptionalArguments: boolean }) => Record<string, { rw: { fromBuffer(b: Buffer): { err: Error | null; value: { spans: unknown[] } } } }> }
  const idl = readFileSync(require.resolve('jaeger-client/dist/src/jaeger-idl/thrift/jaeger.thrift'), 'ascii')
  const thriftrw = new Thrift({ source: idl, allowOptionalArguments: true })

  const tag = struct((w) => {
    w.fieldHeader(TType.STRING, 1)
    w.string('k')
    w.fieldHeader(TType.I32, 2)
    w.i32(TagType.STRING)
    w.fieldHeader(TType.STRING, 3)
    w.string('v')
  })
  const span = spanWithTag(insertFields(tag, UNKNOWN_FIELDS))
  const process = insertFields(encodeProcess(validBatch.process), UNKNOWN_FIELDS)
  const bytes = insertFields(batchWith(insertFields(span, UNKNOWN_FIELDS), process), UNKNOWN_FIELDS)

  assert.deepEqual(decodeBatch(bytes), validBatch)
  assert.deepEqual(summarizeBatch(bytes), { serviceName: 'svc', spanCount: 1, traceIds: ['0000000000001234'] })
  const theirs = thriftrw.Batch!.rw.fromBuffer(Buffer.from(bytes))
  assert.equal(theirs.err, null)
  assert.equal(theirs.value.spans.length, 1)
})

// --------------------------------------------------------- assembleBatch --

test('assembleBatch() equals encodeBatch() byte for byte and batchEncodedSize() is exact', () => {
  const stats = { fullQueueDroppedSpans: 1n, tooLargeDroppedSpans: 2n, failedToEmitSpans: 3n }
  const spans = [validSpan, { ...validSpan, spanId: 9n, operationName: 'żółw', logs: [{ timestamp: 1n, fields: [] }] }]
  for (const spanCount of [0, 1, 2]) {
    for (const seqNo of [undefined, 0n, -(2n ** 63n)]) {
      for (const withStats of [false, true]) {
        const batch: JaegerBatch = { process: { serviceName: 'svc', tags: [{ key: 'ip', vType: TagType.STRING, vStr: '10.0.0.7' }] }, spans: spans.slice(0, spanCount) }
        if (seqNo !== undefined) batch.seqNo = seqNo
        if (withStats) batch.stats = stats
        const processBytes = encodeProcess(batch.process)
        const spanBytes = batch.spans.map(encodeSpan)
        const assembled = assembleBatch({ process: processBytes, spans: spanBytes, ...(seqNo !== undefined && { seqNo }), ...(withStats && { stats }) })
        const label = `${spanCount} spans, seqNo ${seqNo}, stats ${withStats}`
        assert.deepEqual(assembled, encodeBatch(batch), label)
        const spanTotal = spanBytes.reduce((sum, bytes) => sum + bytes.length, 0)
        assert.equal(batchEncodedSize(processBytes.length, spanTotal, seqNo !== undefined, withStats), assembled.length, label)
        assert.deepEqual(decodeBatch(assembled), batch, label)
      }
    }
  }
})
