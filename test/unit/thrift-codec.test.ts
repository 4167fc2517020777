// SPDX-License-Identifier: Apache-2.0
// The jaeger.thrift codec against thriftrw (the encoder jaeger-client uses):
// golden bytes, seeded random round trips both ways, and real jaeger-client spans.
import assert from 'node:assert/strict'
import { Buffer } from 'node:buffer'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { test } from '../support/harness.ts'
import { prng } from '../support/prng.ts'
import { ErrorCodes, isJaegerKafkaError } from '../../src/errors.ts'
import {
  SpanRefType,
  TagType,
  assembleBatch,
  batchParts,
  decodeBatch,
  decodeSpan,
  encodeBatch,
  encodeJaegerClientSpan,
  encodeProcess,
  encodeSpan,
  fromJaegerClientProcess,
  fromJaegerClientSpan,
  summarizeBatch,
  traceIdHex,
} from '../../src/codec/thrift/index.ts'
import type { JaegerBatch, JaegerLog, JaegerProcess, JaegerSpan, JaegerSpanRef, JaegerTag } from '../../src/codec/thrift/index.ts'

const require = createRequire(import.meta.url)

// ---------------------------------------------------------------- thriftrw --

type Loose = Record<string, any> // thriftrw values are untyped
interface ThriftrwType {
  new (value: Loose): Loose
  rw: {
    toBuffer(value: Loose): { err: Error | null; value: Buffer }
    fromBuffer(bytes: Buffer): { err: Error | null; value: Loose }
  }
}
type StructName = 'Batch' | 'Span' | 'Process'
type ThriftrwModule = Record<StructName, ThriftrwType>

const { Thrift } = require('thriftrw') as { Thrift: new (options: { source: string; allowOptionalArguments: boolean }) => ThriftrwModule }
const clientIdlPath = require.resolve('jaeger-client/dist/src/jaeger-idl/thrift/jaeger.thrift')
const thriftrwClient = new Thrift({ source: readFileSync(clientIdlPath, 'ascii'), allowOptionalArguments: true })
const thriftrwV2 = new Thrift({ source: fixtureText('jaeger-batch-v2.thrift'), allowOptionalArguments: true })
const IDLS = { 'jaeger-client': thriftrwClient, 'jaeger-batch-v2': thriftrwV2 }

const TAG_TYPE_NAMES = ['STRING', 'DOUBLE', 'BOOL', 'LONG', 'BINARY'] as const
const REF_TYPE_NAMES = ['CHILD_OF', 'FOLLOWS_FROM'] as const

function i64Buffer(value: bigint): Buffer {
  const buffer = Buffer.alloc(8)
  buffer.writeBigInt64BE(BigInt.asIntN(64, value))
  return buffer
}

function tagToThriftrw(tag: JaegerTag): Loose {
  return {
    key: tag.key,
    vType: TAG_TYPE_NAMES[tag.vType],
    vStr: tag.vStr,
    vDouble: tag.vDouble,
    vBool: tag.vBool,
    vLong: tag.vLong === undefined ? undefined : i64Buffer(tag.vLong),
    vBinary: tag.vBinary === undefined ? undefined : Buffer.from(tag.vBinary),
  }
}

function spanToThriftrw(span: JaegerSpan): Loose {
  return {
    traceIdLow: i64Buffer(span.traceIdLow),
    traceIdHigh: i64Buffer(span.traceIdHigh),
    spanId: i64Buffer(span.spanId),
    parentSpanId: i64Buffer(span.parentSpanId),
    operationName: span.operationName,
    references: span.references?.map((ref) => ({
      refType: REF_TYPE_NAMES[ref.refType],
      traceIdLow: i64Buffer(ref.traceIdLow),
      traceIdHigh: i64Buffer(ref.traceIdHigh),
      spanId: i64Buffer(ref.spanId),
    })),
    flags: span.flags,
    startTime: i64Buffer(span.startTime),
    duration: i64Buffer(span.duration),
    tags: span.tags?.map(tagToThriftrw),
    logs: span.logs?.map((log) => ({ timestamp: i64Buffer(log.timestamp), fields: log.fields.map(tagToThriftrw) })),
  }
}

function processToThriftrw(process: JaegerProcess): Loose {
  return { serviceName: process.serviceName, tags: process.tags?.map(tagToThriftrw) }
}

function batchToThriftrw(batch: JaegerBatch): Loose {
  return {
    process: processToThriftrw(batch.process),
    spans: batch.spans.map(spanToThriftrw),
    seqNo: batch.seqNo === undefined ? undefined : i64Buffer(batch.seqNo),
    stats: batch.stats && {
      fullQueueDroppedSpans: i64Buffer(batch.stats.fullQueueDroppedSpans),
      tooLargeDroppedSpans: i64Buffer(batch.stats.tooLargeDroppedSpans),
      failedToEmitSpans: i64Buffer(batch.stats.failedToEmitSpans),
    },
  }
}

const i64From = (value: Buffer): bigint => value.readBigInt64BE(0)

function tagFromThriftrw(value: Loose): JaegerTag {
  const tag: JaegerTag = { key: value.key, vType: TagType[value.vType as keyof typeof TagType] }
  if (value.vStr != null) tag.vStr = value.vStr
  if (value.vDouble != null) tag.vDouble = value.vDouble
  if (value.vBool != null) tag.vBool = value.vBool
  if (value.vLong != null) tag.vLong = i64From(value.vLong)
  if (value.vBinary != null) tag.vBinary = new Uint8Array(value.vBinary)
  return tag
}

function refFromThriftrw(value: Loose): JaegerSpanRef {
  return {
    refType: SpanRefType[value.refType as keyof typeof SpanRefType],
    traceIdLow: i64From(value.traceIdLow),
    traceIdHigh: i64From(value.traceIdHigh),
    spanId: i64From(value.spanId),
  }
}

function logFromThriftrw(value: Loose): JaegerLog {
  return { timestamp: i64From(value.timestamp), fields: value.fields.map(tagFromThriftrw) }
}

function spanFromThriftrw(value: Loose): JaegerSpan {
  const span: JaegerSpan = {
    traceIdLow: i64From(value.traceIdLow),
    traceIdHigh: i64From(value.traceIdHigh),
    spanId: i64From(value.spanId),
    parentSpanId: i64From(value.parentSpanId),
    operationName: value.operationName,
    flags: value.flags,
    startTime: i64From(value.startTime),
    duration: i64From(value.duration),
  }
  if (value.references != null) span.references = value.references.map(refFromThriftrw)
  if (value.tags != null) span.tags = value.tags.map(tagFromThriftrw)
  if (value.logs != null) span.logs = value.logs.map(logFromThriftrw)
  return span
}

function processFromThriftrw(value: Loose): JaegerProcess {
  const process: JaegerProcess = { serviceName: value.serviceName }
  if (value.tags != null) process.tags = value.tags.map(tagFromThriftrw)
  return process
}

function batchFromThriftrw(value: Loose): JaegerBatch {
  const batch: JaegerBatch = { process: processFromThriftrw(value.process), spans: value.spans.map(spanFromThriftrw) }
  if (value.seqNo != null) batch.seqNo = i64From(value.seqNo)
  if (value.stats != null) {
    batch.stats = {
      fullQueueDroppedSpans: i64From(value.stats.fullQueueDroppedSpans),
      tooLargeDroppedSpans: i64From(value.stats.tooLargeDroppedSpans),
      failedToEmitSpans: i64From(value.stats.failedToEmitSpans),
    }
  }
  return batch
}

const TO_THRIFTRW = { Batch: batchToThriftrw, Span: spanToThriftrw, Process: processToThriftrw } as const
const FROM_THRIFTRW = { Batch: batchFromThriftrw, Span: spanFromThriftrw, Process: processFromThriftrw } as const

function thriftrwEncode(thrift: ThriftrwModule, struct: StructName, value: Loose): Uint8Array {
  const type = thrift[struct]
  const result = type.rw.toBuffer(new type(value))
  if (result.err) throw result.err
  return new Uint8Array(result.value)
}

function thriftrwDecodeRaw(thrift: ThriftrwModule, struct: StructName, bytes: Uint8Array): Loose {
  const result = thrift[struct].rw.fromBuffer(Buffer.from(bytes))
  if (result.err) throw result.err
  return result.value
}

function thriftrwDecode<S extends StructName>(thrift: ThriftrwModule, struct: S, bytes: Uint8Array): ReturnType<(typeof FROM_THRIFTRW)[S]> {
  return FROM_THRIFTRW[struct](thriftrwDecodeRaw(thrift, struct, bytes)) as ReturnType<(typeof FROM_THRIFTRW)[S]>
}

// --------------------------------------------------------------- fixtures --

interface Fixture {
  description: string
  idl: keyof typeof IDLS
  struct: StructName
  canonical: boolean
  hex: string
  value: JaegerBatch | JaegerSpan | JaegerProcess
}

function fixtureText(name: string): string {
  return readFileSync(new URL(`../fixtures/thrift/${name}`, import.meta.url), 'utf8')
}

function hexToBytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16))
}

function bytesToHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
}

// The tagged JSON values of scripts/make-thrift-fixtures.mjs.
function reviveFixture(_key: string, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.keys(value).length !== 1) return value
  const tagged = value as { i64?: unknown; binary?: unknown; double?: unknown }
  if (typeof tagged.i64 === 'string') return BigInt(tagged.i64)
  if (typeof tagged.binary === 'string') return hexToBytes(tagged.binary)
  if (typeof tagged.double === 'string') return Number(tagged.double)
  return value
}

function loadFixture(name: string): Fixture {
  return JSON.parse(fixtureText(name), reviveFixture) as Fixture
}

const FIXTURES = [
  'batch-jaeger-client.json',
  'batch-edge-cases.json',
  'batch-v2-seqno-stats.json',
  'batch-empty.json',
  'span.json',
  'process.json',
]

/** A tag as our encoder writes it: only the value field that vType names. */
function namedValueOnly(tag: JaegerTag): JaegerTag {
  const field = (['vStr', 'vDouble', 'vBool', 'vLong', 'vBinary'] as const)[tag.vType]
  return { key: tag.key, vType: tag.vType, [field]: tag[field] }
}

function withNamedValuesOnly(batch: JaegerBatch): JaegerBatch {
  const span = (s: JaegerSpan): JaegerSpan => ({
    ...s,
    ...(s.tags && { tags: s.tags.map(namedValueOnly) }),
    ...(s.logs && { logs: s.logs.map((log) => ({ timestamp: log.timestamp, fields: log.fields.map(namedValueOnly) })) }),
  })
  return {
    ...batch,
    process: { ...batch.process, ...(batch.process.tags && { tags: batch.process.tags.map(namedValueOnly) }) },
    spans: batch.spans.map(span),
  }
}

function encodeOurs(struct: StructName, value: Fixture['value']): Uint8Array {
  if (struct === 'Batch') return encodeBatch(value as JaegerBatch)
  if (struct === 'Span') return encodeSpan(value as JaegerSpan)
  return encodeProcess(value as JaegerProcess)
}

function assertThrowsCode(fn: () => unknown, code: string, pattern?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(isJaegerKafkaError(error), `expected a JaegerKafkaError, got ${String(error)}`)
    assert.equal(error.code, code)
    if (pattern) assert.match(error.message, pattern)
    return true
  })
}

for (const name of FIXTURES) {
  const fixture = loadFixture(name)
  const thrift = IDLS[fixture.idl]
  const bytes = hexToBytes(fixture.hex)

  test(`fixture ${name}: thriftrw still writes the stored bytes for the stored values`, () => {
    assert.equal(bytesToHex(thriftrwEncode(thrift, fixture.struct, TO_THRIFTRW[fixture.struct](fixture.value as never))), fixture.hex)
  })

  if (fixture.struct === 'Batch') {
    test(`fixture ${name}: decodeBatch() reads thriftrw's bytes as the stored values`, () => {
      const batch = fixture.value as JaegerBatch
      assert.deepEqual(decodeBatch(bytes), batch)
      assert.deepEqual(summarizeBatch(bytes), {
        serviceName: batch.process.serviceName,
        spanCount: batch.spans.length,
        traceIds: [...new Set(batch.spans.map((span) => traceIdHex(span.traceIdHigh, span.traceIdLow)))],
      })
    })
  }
  if (fixture.struct === 'Span') {
    test(`fixture ${name}: decodeSpan() reads thriftrw's bytes as the stored values`, () => {
      assert.deepEqual(decodeSpan(bytes), fixture.value)
    })
  }

  if (fixture.canonical) {
    test(`fixture ${name}: our encoder writes exactly thriftrw's bytes`, () => {
      assert.equal(bytesToHex(encodeOurs(fixture.struct, fixture.value)), fixture.hex)
    })
  } else {
    test(`fixture ${name}: our encoding drops the unset tag value fields and thriftrw reads it back`, () => {
      const ours = encodeBatch(fixture.value as JaegerBatch)
      assert.deepEqual(thriftrwDecode(thrift, 'Batch', ours), withNamedValuesOnly(fixture.value as JaegerBatch))
      assert.ok(ours.length < bytes.length, `${ours.length} B should be smaller than thriftrw's ${bytes.length} B`)
    })
  }
}

test('seqNo and stats round-trip through thriftrw with the newer Batch IDL', () => {
  const batch: JaegerBatch = {
    process: { serviceName: 'users-api' },
    spans: [],
    seqNo: -(2n ** 63n),
    stats: { fullQueueDroppedSpans: 3n, tooLargeDroppedSpans: 2n ** 63n - 1n, failedToEmitSpans: 0n },
  }
  assert.deepEqual(thriftrwDecode(thriftrwV2, 'Batch', encodeBatch(batch)), batch)
  assert.deepEqual(decodeBatch(thriftrwEncode(thriftrwV2, 'Batch', batchToThriftrw(batch))), batch)
})

// ------------------------------------------------------ random round trips --

function randomBatches(seed: number) {
  const random = prng(seed)
  const int = (below: number): number => Math.floor(random() * below)
  const chance = (p: number): boolean => random() < p
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!

  const I64_EDGES = [0n, 1n, -1n, -(2n ** 63n), 2n ** 63n - 1n, 2n ** 53n, -(2n ** 32n)]
  const i64 = (): bigint =>
    chance(0.3) ? pick(I64_EDGES) : BigInt.asIntN(64, (BigInt(int(2 ** 32)) << 32n) | BigInt(int(2 ** 32)))
  const DOUBLE_EDGES = [NaN, Infinity, -Infinity, -0, 0, 5e-324, Number.MAX_VALUE, -Number.MIN_VALUE]
  const double = (): number => (chance(0.3) ? pick(DOUBLE_EDGES) : (random() - 0.5) * 10 ** int(20))
  // Code points from several UTF-8 length classes; no lone surrogates (they encode as U+FFFD).
  const CODE_POINT_RANGES: readonly [number, number][] = [
    [0x20, 0x7f], [0x20, 0x7f], [0x20, 0x7f], [0x00, 0x20], [0x80, 0x800], [0x4e00, 0xa000], [0xfeff, 0xff00], [0x1f300, 0x1f650],
  ]
  const string = (): string => {
    const length = chance(0.1) ? int(300) : int(16)
    let text = ''
    for (let i = 0; i < length; i++) {
      const [from, to] = chance(0.8) ? CODE_POINT_RANGES[0]! : pick(CODE_POINT_RANGES)
      text += String.fromCodePoint(from + int(to - from))
    }
    return text
  }
  const bytes = (): Uint8Array => Uint8Array.from({ length: int(20) }, () => int(256))
  const list = <T>(make: () => T, max: number): T[] => Array.from({ length: int(max + 1) }, make)
  const maybe = <T>(make: () => T): T | undefined => (chance(0.25) ? undefined : make())

  const tag = (): JaegerTag => {
    const key = string()
    switch (int(5)) {
      case 0:
        return { key, vType: TagType.STRING, vStr: string() }
      case 1:
        return { key, vType: TagType.DOUBLE, vDouble: double() }
      case 2:
        return { key, vType: TagType.BOOL, vBool: chance(0.5) }
      case 3:
        return { key, vType: TagType.LONG, vLong: i64() }
      default:
        return { key, vType: TagType.BINARY, vBinary: bytes() }
    }
  }
  const span = (): JaegerSpan => {
    const value: JaegerSpan = {
      traceIdLow: i64(),
      traceIdHigh: chance(0.5) ? 0n : i64(),
      spanId: i64(),
      parentSpanId: i64(),
      operationName: string(),
      flags: chance(0.5) ? int(4) : int(2 ** 32) | 0,
      startTime: i64(),
      duration: i64(),
    }
    const references = maybe(() =>
      list(() => ({ refType: pick([SpanRefType.CHILD_OF, SpanRefType.FOLLOWS_FROM]), traceIdLow: i64(), traceIdHigh: i64(), spanId: i64() }), 2),
    )
    const tags = maybe(() => list(tag, 6))
    const logs = maybe(() => list(() => ({ timestamp: i64(), fields: list(tag, 3) }), 2))
    if (references) value.references = references
    if (tags) value.tags = tags
    if (logs) value.logs = logs
    return value
  }
  return function batch(): JaegerBatch {
    const process: JaegerProcess = { serviceName: string() }
    const processTags = maybe(() => list(tag, 3))
    if (processTags) process.tags = processTags
    const value: JaegerBatch = { process, spans: list(span, 4) }
    if (chance(0.3)) value.seqNo = i64()
    if (chance(0.3)) value.stats = { fullQueueDroppedSpans: i64(), tooLargeDroppedSpans: i64(), failedToEmitSpans: i64() }
    return value
  }
}

const RANDOM_BATCHES = 2000

test(`${RANDOM_BATCHES} seeded random batches: our bytes equal thriftrw's and every encoder/decoder pair round-trips`, () => {
  const next = randomBatches(0x5eed)
  for (let i = 0; i < RANDOM_BATCHES; i++) {
    const batch = next()
    // jaeger-client's IDL has no seqNo/stats; batches with them need the newer one.
    const thrift = batch.seqNo === undefined && batch.stats === undefined ? thriftrwClient : thriftrwV2
    const ours = encodeBatch(batch)
    const theirs = thriftrwEncode(thrift, 'Batch', batchToThriftrw(batch))
    assert.equal(bytesToHex(ours), bytesToHex(theirs), `batch ${i}: bytes differ`)
    assert.deepEqual(thriftrwDecode(thrift, 'Batch', ours), batch, `batch ${i}: thriftrw decode`)
    assert.deepEqual(decodeBatch(theirs), batch, `batch ${i}: our decode of thriftrw bytes`)
    assert.deepEqual(decodeBatch(ours), batch, `batch ${i}: our round trip`)
  }
})

test('assembleBatch() of encoded parts equals encodeBatch() for random batches', () => {
  const next = randomBatches(0xa55e)
  for (let i = 0; i < 300; i++) {
    const batch = next()
    const assembled = assembleBatch({
      process: encodeProcess(batch.process),
      spans: batch.spans.map(encodeSpan),
      ...(batch.seqNo !== undefined && { seqNo: batch.seqNo }),
      ...(batch.stats !== undefined && { stats: batch.stats }),
    })
    assert.equal(bytesToHex(assembled), bytesToHex(encodeBatch(batch)), `batch ${i}`)
  }
})

test('batchParts() gives back exactly the process and span bytes assembleBatch() was given', () => {
  const next = randomBatches(0xba7c)
  for (let i = 0; i < 100; i++) {
    const batch = next()
    const process = encodeProcess(batch.process)
    const spans = batch.spans.map((span) => encodeSpan(span).slice())
    const assembled = assembleBatch({ process, spans, seqNo: BigInt(i), ...(batch.stats !== undefined && { stats: batch.stats }) })
    const parts = batchParts(assembled, process.length, spans.map((span) => span.length))
    assert.equal(bytesToHex(parts.process), bytesToHex(process), `batch ${i} process`)
    assert.deepEqual(parts.spans.map(bytesToHex), spans.map(bytesToHex), `batch ${i} spans`)
  }
})

// ------------------------------------------------------------ jaeger-client --

interface JaegerClientModule {
  initTracer(config: Loose, options: Loose): JaegerClientTracer
  RemoteReporter: new (sender: Loose, options?: Loose) => Loose
  opentracing: { childOf(context: unknown): unknown; followsFrom(context: unknown): unknown }
}
interface JaegerClientSpan {
  setTag(key: string, value: unknown): this
  log(fields: Loose): this
  context(): unknown
  finish(): void
}
interface JaegerClientTracer {
  startSpan(name: string, options?: Loose): JaegerClientSpan
  close(callback: () => void): void
}

const jaeger = require('jaeger-client') as JaegerClientModule

/** A real jaeger-client tracer whose sender records what setProcess() and append() receive. */
async function recordSpans(build: (tracer: JaegerClientTracer) => void, traceId128bit = false): Promise<{ process: unknown; spans: unknown[] }> {
  const recorded: { process: unknown; spans: unknown[] } = { process: undefined, spans: [] }
  const sender = {
    setProcess(process: unknown) {
      recorded.process = process
    },
    append(span: unknown, callback?: (numSpans: number, error?: string) => void) {
      recorded.spans.push(span)
      callback?.(0)
    },
    flush(callback?: (numSpans: number, error?: string) => void) {
      callback?.(0)
    },
    close(callback?: () => void) {
      callback?.()
    },
  }
  const silent = { info() {}, error() {} }
  const tracer = jaeger.initTracer(
    { serviceName: 'users-api', sampler: { type: 'const', param: 1 } },
    { reporter: new jaeger.RemoteReporter(sender, { logger: silent }), logger: silent, traceId128bit },
  )
  try {
    build(tracer)
  } finally {
    await new Promise<void>((resolve) => tracer.close(resolve))
  }
  return recorded
}

/** The reference span of docs baseline.md: 6 tags, 1 log with 2 fields, a childOf reference. */
function referenceSpan(tracer: JaegerClientTracer, parent: JaegerClientSpan): void {
  tracer
    .startSpan('GET /api/v1/users/:id', { references: [jaeger.opentracing.childOf(parent.context())] })
    .setTag('span.kind', 'server')
    .setTag('http.method', 'GET')
    .setTag('http.url', 'http://users/api/v1/users/42')
    .setTag('http.status_code', 200)
    .setTag('db.latency_ms', 12.5)
    .setTag('cache.hit', true)
    .log({ event: 'cache.lookup', 'user.id': '42' })
    .finish()
}

function variedSpans(tracer: JaegerClientTracer): void {
  const root = tracer.startSpan('root') // carries the sampler.type / sampler.param tags
  referenceSpan(tracer, root)
  tracer
    .startSpan('consume users', { references: [jaeger.opentracing.followsFrom(root.context())] })
    .setTag('payload', Buffer.from([0, 1, 2, 255]))
    .setTag('object', { nested: [1, 'two'] })
    .setTag('undefined', undefined)
    .setTag('unicode', 'żółw 🐢')
    .setTag('error', false)
    .log({ event: 'error', 'error.object': 'boom', stack: 'line 1\nline 2' })
    .log({})
    .finish()
  tracer.startSpan('child of', { childOf: root }).finish()
  root.finish()
}

/** thriftrw's own decoding of jaeger-client's span, minus the tag value fields vType does not name. */
function expectedFromThriftrw(span: unknown): JaegerSpan {
  const theirs = thriftrwEncode(thriftrwClient, 'Span', span as Loose)
  const decoded = thriftrwDecode(thriftrwClient, 'Span', theirs)
  return withNamedValuesOnly({ process: { serviceName: '' }, spans: [decoded] }).spans[0]!
}

for (const traceId128bit of [false, true]) {
  test(`encodeJaegerClientSpan() of real jaeger-client spans (${traceId128bit ? 128 : 64}-bit trace ids) decodes in thriftrw like thriftrw's own encoding`, async () => {
    const { spans } = await recordSpans(variedSpans, traceId128bit)
    assert.equal(spans.length, 4)
    for (const span of spans) {
      const ours = encodeJaegerClientSpan(span)
      assert.deepEqual(thriftrwDecode(thriftrwClient, 'Span', ours), expectedFromThriftrw(span))
      assert.deepEqual(ours, encodeSpan(fromJaegerClientSpan(span)))
      assert.deepEqual(encodeSpan(decodeSpan(ours)), ours)
    }
    if (traceId128bit) assert.notEqual(fromJaegerClientSpan(spans[0]).traceIdHigh, 0n)
  })
}

test("fromJaegerClientProcess() keeps the tracer's process tags with only their named value field", async () => {
  const { process } = await recordSpans(() => {})
  const ours = encodeProcess(fromJaegerClientProcess(process))
  const expected = thriftrwDecode(thriftrwClient, 'Process', thriftrwEncode(thriftrwClient, 'Process', process as Loose))
  assert.deepEqual(thriftrwDecode(thriftrwClient, 'Process', ours), withNamedValuesOnly({ process: expected, spans: [] }).process)
  assert.equal(fromJaegerClientProcess(process).serviceName, 'users-api')
  assert.ok(fromJaegerClientProcess(process).tags?.some((tag) => tag.key === 'jaeger.version'))
})

test('the baseline reference span shrinks from ~820 B (thriftrw) to at most 500 B', async () => {
  const { spans } = await recordSpans((tracer) => {
    const parent = tracer.startSpan('parent')
    referenceSpan(tracer, parent)
    parent.finish()
  })
  const span = spans[0]
  const theirs = thriftrwEncode(thriftrwClient, 'Span', span as Loose).length
  const ours = encodeJaegerClientSpan(span).length
  assert.ok(theirs >= 800 && theirs <= 840, `thriftrw: ${theirs} B`)
  assert.ok(ours <= 500, `ours: ${ours} B`)
})

test('a Batch assembled from jaeger-client spans decodes in thriftrw with the process and every span', async () => {
  const { process, spans } = await recordSpans(variedSpans)
  const batch = assembleBatch({ process: encodeProcess(fromJaegerClientProcess(process)), spans: spans.map(encodeJaegerClientSpan) })
  const decoded = thriftrwDecode(thriftrwClient, 'Batch', batch)
  assert.equal(decoded.process.serviceName, 'users-api')
  assert.deepEqual(decoded.spans, spans.map(expectedFromThriftrw))
})

test('jaeger-client i64 fields may also be numbers or bigints', () => {
  const buffers = { traceIdLow: i64Buffer(-5n), traceIdHigh: i64Buffer(0n), spanId: i64Buffer(2n ** 62n), parentSpanId: i64Buffer(0n) }
  const base = { ...buffers, operationName: 'op', flags: 1, startTime: i64Buffer(1_700_000_000_123n), duration: i64Buffer(7n), references: [], tags: [], logs: [] }
  const numeric = { ...base, traceIdLow: -5, spanId: 2n ** 62n, startTime: 1_700_000_000_123.75, duration: 7n }
  assert.deepEqual(encodeJaegerClientSpan(numeric), encodeJaegerClientSpan(base))
  assert.deepEqual(fromJaegerClientSpan(numeric), fromJaegerClientSpan(base))
  assert.equal(fromJaegerClientSpan({ ...base, spanId: 2n ** 64n - 1n }).spanId, -1n)
})

// ------------------------------------------------------------ validation --

const validSpan: JaegerSpan = {
  traceIdLow: 1n,
  traceIdHigh: 0n,
  spanId: 2n,
  parentSpanId: 0n,
  operationName: 'op',
  flags: 1,
  startTime: 3n,
  duration: 4n,
}

test('encodeSpan() rejects invalid required fields with THRIFT_ENCODE', () => {
  const cases: [Loose, RegExp][] = [
    [{ operationName: undefined }, /Span\.operationName: expected a string/],
    [{ operationName: 42 }, /Span\.operationName/],
    [{ spanId: 2 }, /Span\.spanId: expected a bigint, got number/],
    [{ traceIdLow: 2n ** 64n }, /Span\.traceIdLow: .* does not fit in 64 bits/],
    [{ startTime: -(2n ** 63n) - 1n }, /Span\.startTime/],
    [{ flags: 1.5 }, /Span\.flags: expected a 32-bit integer/],
    [{ flags: 2 ** 31 }, /Span\.flags/],
    [{ tags: {} }, /Span\.tags: expected an array/],
    [{ tags: [null] }, /Tag: expected an object, got null/],
    [{ tags: [{ key: 'k', vType: TagType.STRING }] }, /Tag "k" vStr: expected a string/],
    [{ tags: [{ key: 'k', vType: TagType.LONG, vLong: 1 }] }, /Tag "k" vLong: expected a bigint/],
    [{ tags: [{ key: 'k', vType: TagType.BINARY, vBinary: [1] }] }, /Tag "k" vBinary: expected a Uint8Array/],
    [{ tags: [{ key: 'k', vType: 9 }] }, /Tag "k": unknown vType 9/],
    [{ tags: [{ key: 1, vType: TagType.BOOL, vBool: true }] }, /Tag\.key/],
    [{ references: [{ refType: 2, traceIdLow: 1n, traceIdHigh: 0n, spanId: 1n }] }, /SpanRef\.refType/],
    [{ logs: [{ timestamp: 1n }] }, /Log\.fields: expected an array/],
  ]
  for (const [override, message] of cases) {
    assertThrowsCode(() => encodeSpan({ ...validSpan, ...override } as JaegerSpan), ErrorCodes.THRIFT_ENCODE, message)
  }
})

test('encodeProcess() and encodeBatch() reject invalid values with THRIFT_ENCODE', () => {
  assertThrowsCode(() => encodeProcess({ serviceName: 7 } as never), ErrorCodes.THRIFT_ENCODE, /Process\.serviceName/)
  assertThrowsCode(() => encodeProcess(null as never), ErrorCodes.THRIFT_ENCODE, /Process: expected an object/)
  assertThrowsCode(() => encodeBatch({ process: { serviceName: 's' } } as never), ErrorCodes.THRIFT_ENCODE, /Batch\.spans/)
  assertThrowsCode(() => encodeBatch({ process: { serviceName: 's' }, spans: [], seqNo: 1 } as never), ErrorCodes.THRIFT_ENCODE, /Batch\.seqNo/)
  assertThrowsCode(
    () => encodeBatch({ process: { serviceName: 's' }, spans: [], stats: { fullQueueDroppedSpans: 0n } } as never),
    ErrorCodes.THRIFT_ENCODE,
    /ClientStats\.tooLargeDroppedSpans/,
  )
})

test('encodeJaegerClientSpan() rejects malformed jaeger-client values with THRIFT_ENCODE', () => {
  const base = {
    traceIdLow: i64Buffer(1n),
    traceIdHigh: i64Buffer(0n),
    spanId: i64Buffer(2n),
    parentSpanId: i64Buffer(0n),
    operationName: 'op',
    flags: 1,
    startTime: i64Buffer(3n),
    duration: i64Buffer(4n),
    references: [],
    tags: [],
    logs: [],
  }
  const cases: [Loose, RegExp][] = [
    [{ spanId: new Uint8Array(7) }, /Span\.spanId: expected 8 bytes, got 7/],
    [{ startTime: NaN }, /Span\.startTime: NaN is not a 64-bit integer/],
    [{ duration: 2 ** 63 }, /Span\.duration/],
    [{ traceIdLow: '1' }, /Span\.traceIdLow: expected a bigint, got string/],
    [{ operationName: null }, /Span\.operationName/],
    [{ tags: [{ key: 'k', vType: 'TEXT' }] }, /Tag "k": unknown vType TEXT/],
    [{ tags: [{ key: 'k', vType: 'DOUBLE', vDouble: '1' }] }, /Tag "k" vDouble: expected a number/],
    [{ tags: [{ key: 'k', vType: 'BOOL', vBool: 1 }] }, /Tag "k" vBool/],
    [{ references: [{ refType: 'PARENT', traceIdLow: 1n, traceIdHigh: 0n, spanId: 1n }] }, /unknown SpanRefType PARENT/],
  ]
  for (const [override, message] of cases) {
    const span = { ...base, ...override }
    assertThrowsCode(() => encodeJaegerClientSpan(span), ErrorCodes.THRIFT_ENCODE, message)
    assertThrowsCode(() => fromJaegerClientSpan(span), ErrorCodes.THRIFT_ENCODE, message)
  }
  assertThrowsCode(() => encodeJaegerClientSpan(undefined), ErrorCodes.THRIFT_ENCODE, /Span: expected an object/)
  assertThrowsCode(() => fromJaegerClientProcess({ serviceName: 's', tags: 'x' }), ErrorCodes.THRIFT_ENCODE, /Process\.tags/)
})

// --------------------------------------------------------------- helpers --

test('traceIdHex() prints unsigned lowercase hex, 16 digits for 64-bit ids and 32 for 128-bit ones', () => {
  assert.equal(traceIdHex(0n, 1n), '0000000000000001')
  assert.equal(traceIdHex(0n, -1n), 'ffffffffffffffff')
  assert.equal(traceIdHex(0n, 0x5b0947e33e186603n), '5b0947e33e186603')
  assert.equal(traceIdHex(1n, 0n), '00000000000000010000000000000000')
  assert.equal(traceIdHex(-(2n ** 63n), 0xabcn), '80000000000000000000000000000abc')
})

test('summarizeBatch() lists each trace id once, in order of first appearance', () => {
  const span = (traceIdLow: bigint, traceIdHigh = 0n): JaegerSpan => ({ ...validSpan, traceIdLow, traceIdHigh, tags: [{ key: 'k', vType: TagType.STRING, vStr: 'v' }] })
  const bytes = encodeBatch({ process: { serviceName: 'svc' }, spans: [span(2n), span(1n), span(2n), span(1n, 1n)] })
  assert.deepEqual(summarizeBatch(bytes), {
    serviceName: 'svc',
    spanCount: 4,
    traceIds: ['0000000000000002', '0000000000000001', '00000000000000010000000000000001'],
  })
})

test('strings survive a BOM, NUL and astral characters; lone surrogates become U+FFFD', () => {
  const names = ['\ufeff', '\ufeffx', 'a\u0000b', '🐢'.repeat(40), 'x'.repeat(64) + 'é', 'é' + 'x'.repeat(100)]
  for (const operationName of names) assert.equal(decodeSpan(encodeSpan({ ...validSpan, operationName })).operationName, operationName)
  assert.equal(decodeSpan(encodeSpan({ ...validSpan, operationName: 'a\ud800b\udc00' })).operationName, 'a\ufffdb\ufffd')
})

test('encoding a Buffer-backed binary tag or decoding from a Buffer slice yields plain Uint8Arrays', () => {
  const pool = Buffer.from([9, 9, 9, ...encodeSpan({ ...validSpan, tags: [{ key: 'b', vType: TagType.BINARY, vBinary: Buffer.from([1, 2]) }] })])
  const span = decodeSpan(pool.subarray(3))
  assert.deepEqual(span.tags?.[0]?.vBinary, new Uint8Array([1, 2]))
  assert.equal(Object.getPrototypeOf(span.tags?.[0]?.vBinary), Uint8Array.prototype)
})

test('encoded spans stay intact across slab changes, a huge span, a failed encode and a re-entrant encode', () => {
  const small = Array.from({ length: 300 }, (_, i) => ({ ...validSpan, spanId: BigInt(i), operationName: `op ${i}` }))
  const huge: JaegerSpan = { ...validSpan, operationName: 'huge', tags: [{ key: 'blob', vType: TagType.BINARY, vBinary: new Uint8Array(100_000).fill(7) }] }
  const reentrant = { ...validSpan, operationName: 'outer' }
  let inner: Uint8Array | undefined
  Object.defineProperty(reentrant, 'flags', { get: () => ((inner = encodeSpan({ ...validSpan, operationName: 'inner' })), 1) })

  const encoded: Uint8Array[] = []
  for (const [i, span] of small.entries()) {
    encoded.push(encodeSpan(span))
    if (i === 100) encoded.push(encodeSpan(huge))
    if (i === 200) assertThrowsCode(() => encodeSpan({ ...span, tags: [{ key: 'k', vType: TagType.STRING }] } as JaegerSpan), ErrorCodes.THRIFT_ENCODE)
  }
  encoded.push(encodeSpan(reentrant))
  const expected = [...small.slice(0, 101), huge, ...small.slice(101), { ...validSpan, operationName: 'outer' }]
  assert.deepEqual(encoded.map((bytes) => decodeSpan(bytes)), expected)
  assert.equal(decodeSpan(inner!).operationName, 'inner')
  const hugeBytes = encoded[101]!
  assert.equal(hugeBytes.buffer.byteLength, hugeBytes.length, 'a span that outgrows the slab gets its own buffer')
})
