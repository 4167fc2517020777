// SPDX-License-Identifier: Apache-2.0
// decodeEmitBatch() and, for binary, sliceEmitBatch(): the agent's UDP datagrams, `Agent.emitBatch` in
// TCompactProtocol (6831) and TBinaryProtocol (6832). Golden bytes come from
// independent writers: Apache Thrift's Node library (`thrift`, its protocol
// writers driven field by field) for both protocols, and jaeger-client Node's
// own UDPSender (thriftrw) over a real loopback socket for binary.
import assert from 'node:assert/strict'
import { Buffer } from 'node:buffer'
import { createSocket } from 'node:dgram'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { test } from '../support/harness.ts'
import { prng } from '../support/prng.ts'
import { concat } from '../support/bytes.ts'
import { hex, normalizeThriftSpan, recordSpans } from '../support/thrift-compare.ts'
import { loadJaegerThrift, thriftrwDecode } from '../support/thriftrw.ts'
import { MessageType, T, apacheEmitBatch, apacheWrite } from '../support/apache-thrift.ts'
import type { ApacheProtocol, ExtraFields, Protocol } from '../support/apache-thrift.ts'
import { ErrorCodes, describeError, isJaegerKafkaError } from '../../src/errors.ts'
import { SpanRefType, TagType, decodeBatch, decodeEmitBatch, decodeProcess, decodeSpan, sliceBatch, sliceEmitBatch } from '../../src/codec/thrift/index.ts'
import type { AgentProtocol, JaegerBatch, ThriftBatchParts, JaegerSpan, JaegerTag, SpanRefType as SpanRefTypeId, TagType as TagTypeId } from '../../src/codec/thrift/index.ts'

const require = createRequire(import.meta.url)
const PROTOCOLS: readonly AgentProtocol[] = ['compact', 'binary']
const I64_MIN = -(2n ** 63n)
const I64_MAX = 2n ** 63n - 1n

// ------------------------------------------------------------ the values --

const allBytes = Uint8Array.from({ length: 256 }, (_, i) => i)
const longUnicode = 'Grüße aus Köln — 支払いサービス 🚀 '.repeat(3)

/** One tag of every TagType, with edge values. */
const everyTag: JaegerTag[] = [
  { key: 'str', vType: TagType.STRING, vStr: 'plain ascii' },
  { key: 'unicode ✓ 支付', vType: TagType.STRING, vStr: longUnicode },
  { key: '', vType: TagType.STRING, vStr: '' },
  { key: 'bom', vType: TagType.STRING, vStr: '\uFEFFleading BOM kept' },
  { key: 'double', vType: TagType.DOUBLE, vDouble: 12.5 },
  { key: 'double.small', vType: TagType.DOUBLE, vDouble: -2.5e-300 },
  { key: 'double.max', vType: TagType.DOUBLE, vDouble: Number.MAX_VALUE },
  { key: 'double.inf', vType: TagType.DOUBLE, vDouble: -Infinity },
  { key: 'double.nan', vType: TagType.DOUBLE, vDouble: Number.NaN },
  { key: 'bool.true', vType: TagType.BOOL, vBool: true },
  { key: 'bool.false', vType: TagType.BOOL, vBool: false },
  { key: 'long', vType: TagType.LONG, vLong: 42n },
  { key: 'long.negative', vType: TagType.LONG, vLong: -1n },
  { key: 'long.min', vType: TagType.LONG, vLong: I64_MIN },
  { key: 'long.max', vType: TagType.LONG, vLong: I64_MAX },
  { key: 'long.2^53+1', vType: TagType.LONG, vLong: 2n ** 53n + 1n },
  { key: 'binary', vType: TagType.BINARY, vBinary: allBytes },
  { key: 'binary.empty', vType: TagType.BINARY, vBinary: new Uint8Array(0) },
]

const fullSpan: JaegerSpan = {
  traceIdLow: -0x0123456789abcdefn,
  traceIdHigh: 0x7edcba9876543210n,
  spanId: I64_MIN,
  parentSpanId: I64_MAX,
  operationName: 'POST /zahlungen/:id ✓',
  references: [
    { refType: SpanRefType.CHILD_OF, traceIdLow: -2n, traceIdHigh: 0n, spanId: 1n },
    { refType: SpanRefType.FOLLOWS_FROM, traceIdLow: I64_MAX, traceIdHigh: I64_MIN, spanId: -12345678901234567n },
  ],
  flags: -1,
  startTime: 1_763_802_000_123_456n,
  duration: 0n,
  tags: everyTag,
  logs: [
    { timestamp: 1_763_802_000_123_999n, fields: [{ key: 'event', vType: TagType.STRING, vStr: 'cache.lookup' }, ...everyTag.slice(9, 13)] },
    { timestamp: -1n, fields: [] },
  ],
}

const minimalSpan: JaegerSpan = {
  traceIdLow: 1n,
  traceIdHigh: 0n,
  spanId: 2n,
  parentSpanId: 0n,
  operationName: '',
  flags: 0,
  startTime: 0n,
  duration: 1n,
}

const emptyListsSpan: JaegerSpan = { ...minimalSpan, spanId: 3n, references: [], tags: [], logs: [] }

/** Every field of Batch, Process, Span, Log, Tag, SpanRef and ClientStats, with lists past the short-form size (14). */
const fullBatch: JaegerBatch = {
  process: { serviceName: 'zahlungs-dienst ✓ 支付', tags: everyTag },
  spans: [fullSpan, minimalSpan, emptyListsSpan, ...Array.from({ length: 17 }, (_, i) => ({ ...minimalSpan, spanId: BigInt(100 + i), operationName: `op-${i}` }))],
  seqNo: I64_MAX,
  stats: { fullQueueDroppedSpans: 0n, tooLargeDroppedSpans: I64_MAX, failedToEmitSpans: I64_MIN },
}

const emptyBatch: JaegerBatch = { process: { serviceName: 'svc', tags: [] }, spans: [] }
const smallBatch: JaegerBatch = { process: { serviceName: 'svc' }, spans: [{ ...minimalSpan, tags: [everyTag[0]!, everyTag[9]!] }] }

// ------------------------------------------------------------ the checks --

type Outcome = { ok: true; value: JaegerBatch } | { ok: false; message: string }

/** decodeEmitBatch(); anything but success or a THRIFT_DECODE JaegerKafkaError fails the test. */
function attempt(bytes: Uint8Array, protocol: AgentProtocol, label: string): Outcome {
  const outcome = attemptWith(() => decodeEmitBatch(bytes, protocol), label)
  // The binary port's pass-through (sliceEmitBatch) must accept and refuse exactly the same datagrams.
  if (protocol === 'binary') {
    const sliced = attemptWith(() => sliceEmitBatch(bytes), `${label} (sliceEmitBatch)`)
    assert.equal(sliced.ok, outcome.ok, `${label}: sliceEmitBatch ${sliced.ok ? 'accepted' : 'refused'} what decodeEmitBatch ${outcome.ok ? 'accepted' : 'refused'}`)
    if (!sliced.ok && !outcome.ok) assert.equal(sliced.message, outcome.message, label)
    if (sliced.ok && outcome.ok) assertSlicesDecodeTo(sliced.value, outcome.value, label)
  }
  return outcome
}

function attemptWith<T>(decode: () => T, label: string): { ok: true; value: T } | { ok: false; message: string } {
  try {
    return { ok: true, value: decode() }
  } catch (error) {
    if (isJaegerKafkaError(error) && error.code === ErrorCodes.THRIFT_DECODE) return { ok: false, message: error.message }
    throw new Error(`${label}: expected THRIFT_DECODE, got ${describeError(error)}`, { cause: error })
  }
}

/** The structs sliceEmitBatch() returned decode on their own to the Batch decodeEmitBatch() read. */
function assertSlicesDecodeTo(parts: ThriftBatchParts, batch: JaegerBatch, label: string): void {
  assert.deepEqual(decodeProcess(parts.process), batch.process, label)
  assert.deepEqual(parts.spans.map(decodeSpan), batch.spans, label)
}

function assertRejected(bytes: Uint8Array, protocol: AgentProtocol, pattern: RegExp, label = `${protocol}`): void {
  const outcome = attempt(bytes, protocol, label)
  assert.equal(outcome.ok, false, `${label}: decoded malformed input`)
  if (!outcome.ok) assert.match(outcome.message, pattern, label)
}

/** Raw bytes into Apache's output (for malformed values inside otherwise well-written structs). */
function raw(out: Protocol, bytes: readonly number[]): void {
  ;(out as unknown as { trans: { write(b: Uint8Array): void } }).trans.write(Buffer.from(bytes))
}

/** An emitBatch of smallBatch whose Span gets `extra` fields (possibly malformed) before its STOP. */
function withSpanExtra(protocol: ApacheProtocol, extra: (out: Protocol) => void): Uint8Array {
  return apacheEmitBatch(protocol, smallBatch, { extra: (out, struct) => struct === 'Span' && extra(out) })
}

// ----------------------------------------------------------- golden bytes --

for (const protocol of PROTOCOLS) {
  test(`decodeEmitBatch() reads every field of an Apache Thrift ${protocol} emitBatch exactly`, () => {
    for (const batch of [fullBatch, emptyBatch, smallBatch]) {
      const bytes = apacheEmitBatch(protocol, batch)
      assert.deepEqual(decodeEmitBatch(bytes, protocol), batch)
    }
  })

  test(`decodeEmitBatch() takes ${protocol} fields in any order (reverse order: compact long-form field ids)`, () => {
    const bytes = apacheEmitBatch(protocol, fullBatch, { reverse: true })
    assert.deepEqual(decodeEmitBatch(bytes, protocol), fullBatch)
  })

  test(`decodeEmitBatch() accepts ${protocol} ONEWAY (Java, Node) and CALL (jaeger-client-go) with any seqid`, () => {
    for (const [type, seqId] of [[MessageType.ONEWAY, 0], [MessageType.CALL, 1], [MessageType.CALL, 0x7fffffff], [MessageType.ONEWAY, -1]] as const) {
      assert.deepEqual(decodeEmitBatch(apacheEmitBatch(protocol, smallBatch, { type, seqId }), protocol), smallBatch, `type ${type} seqid ${seqId}`)
    }
  })

  test(`decodeEmitBatch() skips unknown ${protocol} fields of every type in every struct`, () => {
    const unknown: ExtraFields = (out, struct) => {
      const uuid = '00112233-4455-6677-8899-aabbccddeeff'
      const at = (id: number, type: number, write: () => void) => {
        out.writeFieldBegin('unknown', type, id)
        write()
        out.writeFieldEnd()
      }
      at(20, T.BOOL, () => out.writeBool(true))
      at(21, T.BOOL, () => out.writeBool(false))
      at(22, T.BYTE, () => out.writeByte(-7))
      at(23, T.I16, () => out.writeI16(-32768))
      at(24, T.I32, () => out.writeI32(-2147483648))
      at(25, T.I64, () => out.writeI64(-1))
      at(26, T.DOUBLE, () => out.writeDouble(1.25))
      at(27, T.STRING, () => out.writeString('unbekannt ✓'))
      at(28, T.STRUCT, () => {
        out.writeStructBegin('nested')
        at(1, T.BOOL, () => out.writeBool(true))
        at(300, T.LIST, () => {
          out.writeListBegin(T.BOOL, 3)
          for (const value of [true, false, true]) out.writeBool(value)
          out.writeListEnd()
        })
        out.writeFieldStop()
        out.writeStructEnd()
      })
      at(29, T.LIST, () => {
        out.writeListBegin(T.I32, 20)
        for (let i = 0; i < 20; i++) out.writeI32(i * 1000)
        out.writeListEnd()
      })
      at(30, T.SET, () => {
        out.writeSetBegin(T.STRING, 2)
        out.writeString('a')
        out.writeString('b')
        out.writeSetEnd()
      })
      at(31, T.MAP, () => {
        out.writeMapBegin(T.STRING, T.I64, 2)
        out.writeString('k1')
        out.writeI64(1)
        out.writeString('k2')
        out.writeI64(-2)
        out.writeMapEnd()
      })
      at(32, T.MAP, () => {
        out.writeMapBegin(T.I32, T.DOUBLE, 0)
        out.writeMapEnd()
      })
      // UUID (compact type 13) is in the compact spec; thriftrw's binary reader, like ours, has no type 16.
      if (protocol === 'compact') at(33, T.UUID, () => out.writeUuid(uuid))
      at(-3, T.LIST, () => {
        out.writeListBegin(T.LIST, 1)
        out.writeListBegin(T.STRUCT, 1)
        out.writeStructBegin('deep')
        out.writeFieldStop()
        out.writeStructEnd()
        out.writeListEnd()
        out.writeListEnd()
      })
      at(32767, T.STRING, () => out.writeString(struct))
    }
    assert.deepEqual(decodeEmitBatch(apacheEmitBatch(protocol, fullBatch, { extra: unknown }), protocol), fullBatch)
    assert.deepEqual(decodeEmitBatch(apacheEmitBatch(protocol, fullBatch, { extra: unknown, reverse: true }), protocol), fullBatch)
  })
}

/** A seeded random Batch: i64s of every magnitude and sign, ASCII and non-ASCII strings, lists of 0-20. */
function randomBatch(random: () => number): JaegerBatch {
  const int = (below: number): number => Math.floor(random() * below)
  const i64 = (): bigint => {
    switch (int(4)) {
      case 0:
        return BigInt(int(256)) - 128n
      case 1:
        return BigInt(int(2 ** 30)) * BigInt(int(2 ** 23)) - 2n ** 52n
      default:
        return BigInt.asIntN(64, (BigInt(int(2 ** 32)) << 32n) | BigInt(int(2 ** 32)))
    }
  }
  const ALPHABET = ['a', 'Z', '0', ' ', '/', 'ä', 'ß', '✓', '支', '🚀', '\u0000']
  const text = (): string => Array.from({ length: int(40) }, () => ALPHABET[int(random() < 0.7 ? 5 : ALPHABET.length)]!).join('')
  const list = <V>(make: () => V): V[] => Array.from({ length: int(random() < 0.2 ? 21 : 4) }, make)
  const tag = (): JaegerTag => {
    const vType = int(5) as TagTypeId
    const key = text()
    if (vType === TagType.STRING) return { key, vType, vStr: text() }
    if (vType === TagType.DOUBLE) return { key, vType, vDouble: (random() - 0.5) * 10 ** int(40) }
    if (vType === TagType.BOOL) return { key, vType, vBool: random() < 0.5 }
    if (vType === TagType.LONG) return { key, vType, vLong: i64() }
    return { key, vType, vBinary: Uint8Array.from({ length: int(20) }, () => int(256)) }
  }
  const span = (): JaegerSpan => {
    const value: JaegerSpan = { traceIdLow: i64(), traceIdHigh: i64(), spanId: i64(), parentSpanId: i64(), operationName: text(), flags: Number(i64() % 2n ** 31n), startTime: i64(), duration: i64() }
    if (random() < 0.7) value.references = list(() => ({ refType: int(2) as SpanRefTypeId, traceIdLow: i64(), traceIdHigh: i64(), spanId: i64() }))
    if (random() < 0.7) value.tags = list(tag)
    if (random() < 0.7) value.logs = list(() => ({ timestamp: i64(), fields: list(tag) }))
    return value
  }
  const batch: JaegerBatch = { process: { serviceName: text() }, spans: list(span) }
  if (random() < 0.5) batch.process.tags = list(tag)
  if (random() < 0.3) batch.seqNo = i64()
  if (random() < 0.3) batch.stats = { fullQueueDroppedSpans: i64(), tooLargeDroppedSpans: i64(), failedToEmitSpans: i64() }
  return batch
}

for (const protocol of PROTOCOLS) {
  test(`300 seeded random batches written by Apache Thrift ${protocol} decode to exactly their values`, () => {
    const random = prng(protocol === 'compact' ? 13 : 31)
    for (let i = 0; i < 300; i++) {
      const batch = randomBatch(random)
      const bytes = apacheEmitBatch(protocol, batch, { reverse: i % 2 === 1, seqId: i })
      assert.deepEqual(decodeEmitBatch(bytes, protocol), batch, `random batch ${i}`)
    }
  })
}

/** The values scripts/agent-fixture/AgentDatagram.java writes (jaeger-client-java 1.8.1: no seqNo/stats in its IDL). */
const javaTags: JaegerTag[] = [
  { key: 'str', vType: TagType.STRING, vStr: 'plain ascii' },
  { key: 'unicode ✓ 支付', vType: TagType.STRING, vStr: 'Grüße 🚀' },
  { key: 'double', vType: TagType.DOUBLE, vDouble: -2.5e-300 },
  { key: 'bool.true', vType: TagType.BOOL, vBool: true },
  { key: 'bool.false', vType: TagType.BOOL, vBool: false },
  { key: 'long.min', vType: TagType.LONG, vLong: I64_MIN },
  { key: 'long.max', vType: TagType.LONG, vLong: I64_MAX },
  { key: 'binary', vType: TagType.BINARY, vBinary: Uint8Array.of(0, 1, 0x7f, 0x80, 0xff) },
]
const javaBatch: JaegerBatch = {
  process: { serviceName: 'zahlungs-dienst ✓ 支付', tags: javaTags },
  spans: [
    // The same ids, references, times and flags as fullSpan; its own tags and logs.
    {
      ...fullSpan,
      tags: javaTags,
      logs: [
        { timestamp: 1_763_802_000_123_999n, fields: [{ key: 'event', vType: TagType.STRING, vStr: 'cache.lookup' }] },
        { timestamp: -1n, fields: [] },
      ],
    },
    minimalSpan,
    emptyListsSpan,
  ],
}

/** The datagram of test/fixtures/thrift/agent-java-1.8.1.json (scripts/make-agent-fixtures.mjs). */
function javaDatagram(protocol: AgentProtocol): Uint8Array {
  const fixture = JSON.parse(readFileSync(new URL('../fixtures/thrift/agent-java-1.8.1.json', import.meta.url), 'utf8')) as Record<AgentProtocol, string>
  return Uint8Array.from(fixture[protocol].match(/../g) ?? [], (pair) => parseInt(pair, 16))
}

for (const protocol of PROTOCOLS) {
  test(`a ${protocol} emitBatch written by jaeger-client-java 1.8.1 (fixture from its Agent.Client) decodes exactly`, () => {
    const bytes = javaDatagram(protocol)
    assert.deepEqual(decodeEmitBatch(bytes, protocol), javaBatch)
    // Java's client writes ONEWAY (sendBaseOneway) with seqid 1 (its first call).
    const envelope = protocol === 'compact' ? [...bytes.subarray(0, 3)] : [...bytes.subarray(0, 4), ...bytes.subarray(4 + 4 + 9, 4 + 4 + 9 + 4)]
    assert.deepEqual(envelope, protocol === 'compact' ? [0x82, (MessageType.ONEWAY << 5) | 1, 1] : [0x80, 0x01, 0x00, MessageType.ONEWAY, 0, 0, 0, 1])
  })
}

test('a binary emitBatch holds the same Batch that decodeBatch() reads from its inner struct', () => {
  const bytes = apacheEmitBatch('binary', fullBatch)
  // Envelope: version word 4 + name 4+9 + seqid 4; then the args field header (3); the args STOP last.
  const inner = bytes.subarray(4 + 4 + 'emitBatch'.length + 4 + 3, -1)
  assert.deepEqual(decodeBatch(inner), decodeEmitBatch(bytes, 'binary'))
})

test('sliceEmitBatch() and sliceBatch() return the Process and Span structs as bytes that decode alone to the Batch', () => {
  const cases: [string, Uint8Array][] = [
    ['full', apacheEmitBatch('binary', fullBatch)],
    ['empty', apacheEmitBatch('binary', emptyBatch)],
    ['small, CALL', apacheEmitBatch('binary', smallBatch, { type: MessageType.CALL, seqId: 77 })],
    ['fields in reverse order', apacheEmitBatch('binary', fullBatch, { reverse: true })],
    ['jaeger-client-java 1.8.1', javaDatagram('binary')],
  ]
  for (const [label, bytes] of cases) {
    const parts = sliceEmitBatch(bytes)
    const batch = decodeEmitBatch(bytes, 'binary')
    assert.equal(parts.spans.length, batch.spans.length, label)
    assertSlicesDecodeTo(parts, batch, label)
    // Views of the datagram: nothing copied until a record is assembled.
    for (const part of [parts.process, ...parts.spans]) assert.equal(part.buffer, bytes.buffer, label)
  }
  const inner = apacheEmitBatch('binary', fullBatch).subarray(4 + 4 + 'emitBatch'.length + 4 + 3, -1)
  assertSlicesDecodeTo(sliceBatch(inner), decodeBatch(inner), 'bare Batch')
  assert.throws(() => sliceBatch(concat(inner, [0])), /1 trailing bytes after the Batch/)
  assert.throws(() => sliceEmitBatch(apacheEmitBatch('compact', smallBatch)), /not a strict binary-protocol message/)
})

/** Our span in the shape normalizeThriftSpan() gives a thriftrw span (ids as 8-byte hex, enums by name). */
function normalizeOurSpan(span: JaegerSpan): unknown {
  const i64 = (value: bigint) => BigInt.asUintN(64, value).toString(16).padStart(16, '0')
  const TAG_NAMES = ['STRING', 'DOUBLE', 'BOOL', 'LONG', 'BINARY']
  const tags = (list: JaegerTag[] | undefined) =>
    (list ?? []).map((t) => {
      const value = [t.vStr, t.vDouble, t.vBool, t.vLong === undefined ? undefined : i64(t.vLong), t.vBinary && hex(Buffer.from(t.vBinary))][t.vType]
      return [t.key, TAG_NAMES[t.vType], String(value)]
    })
  return {
    ids: [span.traceIdLow, span.traceIdHigh, span.spanId, span.parentSpanId, span.startTime, span.duration].map(i64),
    operationName: span.operationName,
    flags: span.flags,
    references: (span.references ?? []).map((r) => [['CHILD_OF', 'FOLLOWS_FROM'][r.refType], i64(r.traceIdLow), i64(r.spanId)]),
    tags: tags(span.tags),
    logs: (span.logs ?? []).map((l) => [i64(l.timestamp), tags(l.fields)]),
  }
}

test('jaeger-client Node UDPSender datagrams (thriftrw, real loopback socket) decode to the spans the app recorded', async () => {
  const jaeger = require('jaeger-client')
  const UDPSender = require('jaeger-client/dist/src/reporters/udp_sender.js').default
  const ThriftUtils = require('jaeger-client/dist/src/thrift.js').default as { spanToThrift(span: unknown): Record<string, unknown> }
  const socket = createSocket('udp4')
  const datagrams: Uint8Array[] = []
  socket.on('message', (message: Uint8Array) => datagrams.push(new Uint8Array(message)))
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  try {
    const sender = new UDPSender({ host: '127.0.0.1', port: socket.address().port })
    const silent = { info() {}, error() {} }
    const tracer = jaeger.initTracer(
      { serviceName: 'udp-app ✓', sampler: { type: 'const', param: 1 } },
      { reporter: new jaeger.RemoteReporter(sender, { logger: silent }), logger: silent, tags: { 'deploy.zone': 'eu-1' } },
    )
    // Enough spans for UDPSender to split them over several datagrams (65000-byte cap).
    const recorded = recordSpans(tracer, 400)
    const expectedSpans = recorded.length
    const receivedSpans = () => datagrams.reduce((sum, bytes) => sum + decodeEmitBatch(bytes, 'binary').spans.length, 0)
    // UDPSender re-queues the span that overflowed a datagram only in that datagram's send
    // callback: closing before those callbacks ran would lose it (jaeger-client's doing, not
    // the decoder's). So wait until every span is either received or queued again.
    const queued = () => (sender as { _batch: { spans: unknown[] } })._batch.spans.length
    for (let waited = 0; receivedSpans() + queued() < expectedSpans && waited < 400; waited++) await new Promise((resolve) => setTimeout(resolve, 10))
    await new Promise<void>((resolve) => tracer.close(resolve))
    for (let waited = 0; receivedSpans() < expectedSpans && waited < 400; waited++) await new Promise((resolve) => setTimeout(resolve, 10))
    assert.ok(datagrams.length > 1, `${datagrams.length} datagram(s)`)
    const decoded = datagrams.map((bytes) => decodeEmitBatch(bytes, 'binary'))
    // The pass-through's view of the same datagrams: thriftrw (jaeger-client's own codec) reads each span struct alone.
    const thrift = loadJaegerThrift()
    for (const bytes of datagrams) {
      const parts = sliceEmitBatch(bytes)
      const reference = parts.spans.map((part) => thriftrwDecode(thrift.Span, Buffer.from(part)))
      assert.deepEqual(reference.map((span) => normalizeThriftSpan(span)), decodeEmitBatch(bytes, 'binary').spans.map(normalizeOurSpan))
      assert.equal((thriftrwDecode(thrift.Process, Buffer.from(parts.process)) as { serviceName: string }).serviceName, 'udp-app ✓')
    }
    for (const batch of decoded) {
      assert.equal(batch.process.serviceName, 'udp-app ✓')
      assert.ok(batch.process.tags?.some((t) => t.key === 'deploy.zone' && t.vStr === 'eu-1'))
    }
    const spans = decoded.flatMap((batch) => batch.spans)
    assert.equal(spans.length, expectedSpans)
    const bySpanId = new Map(spans.map((span) => [BigInt.asUintN(64, span.spanId).toString(16).padStart(16, '0'), span]))
    assert.equal(bySpanId.size, expectedSpans)
    for (const span of recorded) {
      const expected = ThriftUtils.spanToThrift(span)
      const actual = bySpanId.get(hex(expected.spanId))
      assert.ok(actual, `span ${hex(expected.spanId)} missing`)
      assert.deepEqual(normalizeOurSpan(actual), normalizeThriftSpan(expected))
    }
  } finally {
    socket.close()
  }
})

// ------------------------------------------------------ truncation, random --

const malformedSeeds = (protocol: AgentProtocol): Uint8Array[] => [
  javaDatagram(protocol),
  apacheEmitBatch(protocol, fullBatch, { reverse: true }),
  apacheEmitBatch(protocol, smallBatch, { type: MessageType.CALL, seqId: 77 }),
]

for (const protocol of PROTOCOLS) {
  test(`every truncation of valid ${protocol} emitBatch datagrams fails with THRIFT_DECODE`, () => {
    for (const bytes of malformedSeeds(protocol)) {
      assert.ok(attempt(bytes, protocol, 'whole').ok)
      for (let length = 0; length < bytes.length; length++) {
        assertRejected(bytes.subarray(0, length), protocol, /truncated|claims|missing required/, `${protocol} cut at ${length} of ${bytes.length}`)
      }
    }
  })

  test(`seeded random bytes into the ${protocol} decoder decode or fail with THRIFT_DECODE only`, () => {
    const random = prng(protocol === 'compact' ? 6831 : 6832)
    const int = (below: number): number => Math.floor(random() * below)
    const envelope = apacheWrite(protocol, (out) => out.writeMessageBegin('emitBatch', MessageType.ONEWAY, 0))
    let pastEnvelope = 0
    for (let i = 0; i < 6000; i++) {
      const body = Uint8Array.from({ length: int(160) }, () => int(256))
      // Half the cases start with a valid envelope, so the struct decoding gets the random bytes.
      const bytes = i % 2 === 0 ? body : concat(envelope, body)
      const outcome = attempt(bytes, protocol, `random case ${i}`)
      if (!outcome.ok && !/message|protocol/.test(outcome.message)) pastEnvelope++
    }
    assert.ok(pastEnvelope > 1000, `${pastEnvelope} random cases reached the struct decoder`)
  })

  test(`seeded mutations of valid ${protocol} datagrams decode or fail with THRIFT_DECODE only`, () => {
    const random = prng(protocol === 'compact' ? 0xc0ffee : 0xbeef)
    const int = (below: number): number => Math.floor(random() * below)
    const seeds = malformedSeeds(protocol)
    const HOSTILE = [0xff, 0x7f, 0x80, 0x0f, 0xf0, 0x00, 0x01]
    let decoded = 0
    const cases = 4000
    for (let i = 0; i < cases; i++) {
      const bytes = Uint8Array.from(seeds[i % seeds.length]!)
      for (let m = 1 + int(3); m > 0; m--) {
        const at = int(bytes.length)
        bytes[at] = random() < 0.5 ? int(256) : HOSTILE[int(HOSTILE.length)]!
      }
      if (attempt(bytes, protocol, `mutation case ${i}`).ok) decoded++
    }
    // Some mutations only change values (an id, a character), so both outcomes occur.
    assert.ok(decoded > 0 && decoded < cases, `${decoded} of ${cases} mutations decoded`)
  })
}

// ------------------------------------------------------ envelope failures --

test('a datagram in the other protocol is refused with a reason naming it', () => {
  assertRejected(apacheEmitBatch('binary', smallBatch), 'compact', /not a compact-protocol message: protocol id 0x80 \(binary protocol\?\)/)
  assertRejected(apacheEmitBatch('compact', smallBatch), 'binary', /not a strict binary-protocol message: starts with 0x8281 \(compact protocol\?\)/)
})

test('the old unversioned binary envelope and other compact versions are refused', () => {
  // Non-strict binary: name first (length 9, "emitBatch"), type byte, seqid.
  const unversioned = concat([0, 0, 0, 9], new TextEncoder().encode('emitBatch'), [4, 0, 0, 0, 0], apacheEmitBatch('binary', smallBatch).subarray(21))
  assertRejected(unversioned, 'binary', /not a strict binary-protocol message: starts with 0x0000/)
  const compact = apacheEmitBatch('compact', smallBatch)
  assertRejected(concat([0x82, (4 << 5) | 2], compact.subarray(2)), 'compact', /compact protocol version 2, expected 1/)
  const binary = apacheEmitBatch('binary', smallBatch)
  assertRejected(concat([0x80, 0x02], binary.subarray(2)), 'binary', /starts with 0x8002/)
})

for (const protocol of PROTOCOLS) {
  test(`${protocol}: a method other than emitBatch is refused`, () => {
    for (const name of ['emitZipkinBatch', 'EmitBatch', 'Agent:emitBatch', '']) {
      assertRejected(apacheEmitBatch(protocol, smallBatch, { name }), protocol, new RegExp(`call of "${name}", expected "emitBatch"`), name)
    }
  })

  test(`${protocol}: REPLY, EXCEPTION and unknown message types are refused`, () => {
    assertRejected(apacheEmitBatch(protocol, smallBatch, { type: MessageType.REPLY }), protocol, /has type REPLY, expected ONEWAY or CALL/)
    assertRejected(apacheEmitBatch(protocol, smallBatch, { type: MessageType.EXCEPTION }), protocol, /has type EXCEPTION/)
    assertRejected(apacheEmitBatch(protocol, smallBatch, { type: 7 }), protocol, /has type 7/)
  })

  test(`${protocol}: trailing bytes, a missing batch or a batch of the wrong type are refused`, () => {
    const bytes = apacheEmitBatch(protocol, smallBatch)
    assertRejected(concat(bytes, [0]), protocol, /1 trailing bytes after the emitBatch message/)
    assertRejected(concat(bytes, bytes), protocol, /trailing bytes/)
    const noBatch = apacheWrite(protocol, (out) => {
      out.writeMessageBegin('emitBatch', MessageType.ONEWAY, 0)
      out.writeStructBegin('args')
      out.writeFieldBegin('other', T.I32, 2)
      out.writeI32(5)
      out.writeFieldEnd()
      out.writeFieldStop()
      out.writeStructEnd()
    })
    assertRejected(noBatch, protocol, /emitBatch_args is missing required field 1 \(batch\)/)
    const wrongType = apacheWrite(protocol, (out) => {
      out.writeMessageBegin('emitBatch', MessageType.ONEWAY, 0)
      out.writeStructBegin('args')
      out.writeFieldBegin('batch', T.LIST, 1)
      out.writeListBegin(T.STRUCT, 0)
      out.writeListEnd()
      out.writeFieldEnd()
      out.writeFieldStop()
      out.writeStructEnd()
    })
    assertRejected(wrongType, protocol, /emitBatch_args field 1 \(batch\) is LIST, expected STRUCT/)
  })

  test(`${protocol}: the jaeger.thrift rules apply (required fields, known field types, enums)`, () => {
    // A Span without its required fields: an empty struct in the list.
    const emptySpan = apacheEmitBatch(protocol, { ...smallBatch, spans: [] }, {
      extra: (out, struct) => {
        if (struct !== 'Batch') return
        out.writeFieldBegin('spans', T.LIST, 2)
        out.writeListBegin(T.STRUCT, 1)
        out.writeStructBegin('Span')
        out.writeFieldStop()
        out.writeStructEnd()
        out.writeListEnd()
        out.writeFieldEnd()
      },
    })
    assertRejected(emptySpan, protocol, /Span is missing required fields 1 \(traceIdLow\)/)
    const flagsAsI64 = withSpanExtra(protocol, (out) => {
      out.writeFieldBegin('flags', T.I64, 7)
      out.writeI64(1)
    })
    assertRejected(flagsAsI64, protocol, /Span field 7 \(flags\) is I64, expected I32/)
    const badTagType = withSpanExtra(protocol, (out) => {
      out.writeFieldBegin('tags', T.LIST, 10)
      out.writeListBegin(T.STRUCT, 1)
      out.writeStructBegin('Tag')
      out.writeFieldBegin('key', T.STRING, 1)
      out.writeString('k')
      out.writeFieldBegin('vType', T.I32, 2)
      out.writeI32(5)
      out.writeFieldStop()
      out.writeStructEnd()
      out.writeListEnd()
    })
    assertRejected(badTagType, protocol, /Tag vType 5 is not a TagType/)
    const tagsOfI32 = withSpanExtra(protocol, (out) => {
      out.writeFieldBegin('tags', T.LIST, 10)
      out.writeListBegin(T.I32, 1)
      out.writeI32(1)
      out.writeListEnd()
    })
    assertRejected(tagsOfI32, protocol, /Span.tags is a list of I32, expected STRUCT/)
  })
}

// ------------------------------------------------- hostile compact input --

test('compact: huge declared sizes fail before any allocation or loop', () => {
  const cases: [readonly number[], RegExp][] = [
    // A list<i32> unknown field claiming 2^31-1 elements (long-form size).
    [[0x09, 0x50, 0xf5, 0xff, 0xff, 0xff, 0xff, 0x07], /claims 2147483647 elements/],
    // A string claiming 2^31-1 bytes.
    [[0x08, 0x50, 0xff, 0xff, 0xff, 0xff, 0x07, 0x61], /truncated .* need 2147483647 bytes/],
    // A string length above 2^31-1 (negative as i32).
    [[0x08, 0x50, 0xff, 0xff, 0xff, 0xff, 0x0f], /negative length -1/],
    // A map claiming 2^31-1 entries of <string, string>.
    [[0x0b, 0x50, 0xff, 0xff, 0xff, 0xff, 0x07, 0x88, 0x00], /map claims 2147483647 elements/],
    // A set of 100000 doubles (8 bytes each) in a few bytes.
    [[0x0a, 0x50, 0xf7, 0xa0, 0x8d, 0x06, 0x00], /collection claims 100000 elements/],
    // A list size above 2^31-1.
    [[0x09, 0x50, 0xf5, 0xff, 0xff, 0xff, 0xff, 0x0f], /collection has negative size -1/],
  ]
  for (const [field, pattern] of cases) {
    // Each case is one unknown field (long form, id 40 = zigzag 0x50) inside the Span.
    assertRejected(withSpanExtra('compact', (out) => raw(out, field)), 'compact', pattern, `bytes ${Buffer.from(field).toString('hex')}`)
  }
  // Batch.spans claiming 2^31-1 spans.
  const hugeSpans = apacheEmitBatch('compact', { ...smallBatch, spans: [] }, {
    extra: (out, struct) => {
      if (struct !== 'Batch') return
      out.writeFieldBegin('spans', T.LIST, 2)
      raw(out, [0xfc, 0xff, 0xff, 0xff, 0xff, 0x07])
    },
  })
  assertRejected(hugeSpans, 'compact', /Batch.spans claims 2147483647 elements/)
})

test('binary: huge declared sizes fail before any allocation or loop', () => {
  const hugeSpans = apacheEmitBatch('binary', { ...smallBatch, spans: [] }, {
    extra: (out, struct) => {
      if (struct !== 'Batch') return
      out.writeFieldBegin('spans', T.LIST, 2)
      raw(out, [T.STRUCT, 0x7f, 0xff, 0xff, 0xff])
    },
  })
  assertRejected(hugeSpans, 'binary', /Batch.spans claims 2147483647 elements/)
  const hugeName = concat([0x80, 0x01, 0x00, 0x04, 0x7f, 0xff, 0xff, 0xff], [0x61])
  assertRejected(hugeName, 'binary', /truncated at byte 8: need 2147483647 bytes/)
})

test('compact: overlong varints are refused, wherever they are', () => {
  const i32 = (bytes: readonly number[]) => withSpanExtra('compact', (out) => raw(out, [0x05, 0x50, ...bytes]))
  const flags = (bytes: readonly number[]) => withSpanExtra('compact', (out) => raw(out, [0x05, 0x0e, ...bytes]))
  const i64 = (bytes: readonly number[]) => withSpanExtra('compact', (out) => raw(out, [0x06, 0x50, ...bytes]))
  const startTime = (bytes: readonly number[]) => withSpanExtra('compact', (out) => raw(out, [0x06, 0x10, ...bytes]))
  for (const make of [i32, flags]) {
    // Six bytes; a fifth byte with more than 4 bits.
    assertRejected(make([0x80, 0x80, 0x80, 0x80, 0x80, 0x00]), 'compact', /longer than 32 bits/)
    assertRejected(make([0xff, 0xff, 0xff, 0xff, 0x10]), 'compact', /longer than 32 bits/)
    // The largest five-byte varint is fine (zigzag 0xffffffff = -2^31).
    assert.ok(attempt(make([0xff, 0xff, 0xff, 0xff, 0x0f]), 'compact', 'max i32').ok)
  }
  for (const make of [i64, startTime]) {
    assertRejected(make([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]), 'compact', /longer than 64 bits/)
    assertRejected(make([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02]), 'compact', /longer than 64 bits/)
    assert.ok(attempt(make([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), 'compact', 'max i64').ok)
  }
  // The seqid varint of the envelope, and a string length varint.
  const compact = apacheEmitBatch('compact', smallBatch)
  assertRejected(concat([0x82, 0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], compact.subarray(3)), 'compact', /longer than 32 bits/)
  assertRejected(withSpanExtra('compact', (out) => raw(out, [0x08, 0x50, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00])), 'compact', /longer than 32 bits/)
  // startTime in 10 bytes decodes to the i64 it carries.
  const big = withSpanExtra('compact', (out) => raw(out, [0x06, 0x10, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))
  assert.equal(decodeEmitBatch(big, 'compact').spans[0]!.startTime, I64_MAX)
})

test('compact: malformed field and collection headers are refused', () => {
  // Type 0 with a delta (only the whole byte 0 is STOP); types 14 and 15 do not exist.
  assertRejected(withSpanExtra('compact', (out) => raw(out, [0x10])), 'compact', /field header 0x10 .* type 0 \(STOP\) with a delta/)
  assertRejected(withSpanExtra('compact', (out) => raw(out, [0x1e])), 'compact', /unknown type 14/)
  assertRejected(withSpanExtra('compact', (out) => raw(out, [0x0f, 0x50])), 'compact', /unknown type 15/)
  // A long-form field id beyond i16, and a delta past 32767.
  assertRejected(withSpanExtra('compact', (out) => raw(out, [0x05, 0x80, 0x80, 0x04, 0x00])), 'compact', /i16 varint .* out of range/)
  assertRejected(withSpanExtra('compact', (out) => raw(out, [0x05, 0xfe, 0xff, 0x03, 0x00, 0x15, 0x00])), 'compact', /field id 32768 .* beyond i16/)
  // A list whose element type is 0 or 14.
  assertRejected(withSpanExtra('compact', (out) => raw(out, [0x09, 0x50, 0x10])), 'compact', /element type 0 .* not a compact type/)
  assertRejected(withSpanExtra('compact', (out) => raw(out, [0x09, 0x50, 0x1e])), 'compact', /element type 14/)
  // A map with an invalid key type.
  assertRejected(withSpanExtra('compact', (out) => raw(out, [0x0b, 0x50, 0x01, 0xe5])), 'compact', /element type 14/)
  // Bool list element types 1 and 2 are both accepted (writers differ).
  for (const elementType of [1, 2]) {
    assert.ok(attempt(withSpanExtra('compact', (out) => raw(out, [0x09, 0x50, 0x20 | elementType, 0x01, 0x02])), 'compact', 'bool list').ok)
  }
})

for (const protocol of PROTOCOLS) {
  test(`${protocol}: unknown fields nested past the depth limit are refused, just under it they are skipped`, () => {
    const nested = (depth: number) =>
      withSpanExtra(protocol, (out) => {
        out.writeFieldBegin('deep', T.LIST, 40)
        for (let i = 1; i < depth; i++) out.writeListBegin(T.LIST, 1)
        out.writeListBegin(T.I32, 0)
        for (let i = 0; i < depth; i++) out.writeListEnd()
      })
    assert.deepEqual(decodeEmitBatch(nested(64), protocol), smallBatch)
    assertRejected(nested(65), protocol, /nest deeper than 64/)
    assertRejected(nested(5000), protocol, /nest deeper than 64/)
    const structs = (depth: number) =>
      withSpanExtra(protocol, (out) => {
        out.writeFieldBegin('deep', T.STRUCT, 40)
        for (let i = 1; i < depth; i++) {
          out.writeStructBegin('s')
          out.writeFieldBegin('s', T.STRUCT, 1)
        }
        out.writeStructBegin('s')
        for (let i = 0; i < depth; i++) {
          out.writeFieldStop()
          out.writeStructEnd()
        }
      })
    assert.deepEqual(decodeEmitBatch(structs(64), protocol), smallBatch)
    assertRejected(structs(65), protocol, /nest deeper than 64/)
  })
}

test('decodeEmitBatch() takes only a Uint8Array and a known protocol (TypeError otherwise)', () => {
  const bytes = apacheEmitBatch('compact', smallBatch)
  assert.throws(() => decodeEmitBatch(bytes, 'json' as AgentProtocol), TypeError)
  assert.throws(() => decodeEmitBatch([...bytes] as unknown as Uint8Array, 'compact'), TypeError)
  // A Buffer (what node:dgram delivers) is a Uint8Array: fine.
  assert.deepEqual(decodeEmitBatch(Buffer.from(bytes), 'compact'), smallBatch)
})
