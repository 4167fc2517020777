// SPDX-License-Identifier: Apache-2.0
/**
 * jaeger.thrift encoder (TBinaryProtocol): the one set of writers for Tag,
 * Log, SpanRef, Span, Process and Batch. They read a span source through a
 * `SpanFieldReader` (the `JaegerSpan` types of `jaeger-types.ts` here,
 * jaeger-client's span objects in `from-jaeger-client.ts`). Fields are
 * written in field-id order, optional fields only when present, and a Tag
 * carries only the value field its `vType` names, so the bytes equal
 * thriftrw's for the same values.
 * @module
 */
import { ErrorCodes, JaegerKafkaError } from '../../errors.ts'
import { BinaryWriter, TType, encodeToBytes, encodeToPooledBytes } from './binary-writer.ts'
import { SpanRefType, TagType } from './jaeger-types.ts'
import type { ClientStats, JaegerBatch, JaegerProcess, JaegerSpan } from './jaeger-types.ts'

const MIN_I64 = -(2n ** 63n)
const MAX_U64 = 2n ** 64n - 1n

// Batch framing around the process and span bytes: field 1 header (3) + field 2
// header and list header (3 + 5) + STOP (1); seqNo: header + i64; stats: header +
// 3 × (header + i64) + STOP.
const BATCH_FRAMING = 12
const SEQ_NO_BYTES = 11
const STATS_BYTES = 37

/**
 * Throw the encode error every invalid value ends in. `what` names the field;
 * for a tag value field, `tagKey` adds the tag's key (the message is only built
 * on failure, so checks cost nothing on the hot path).
 */
export function encodeError(what: string, reason: string, tagKey?: string): never {
  const subject = tagKey === undefined ? what : `Tag "${tagKey}" ${what}`
  throw new JaegerKafkaError(ErrorCodes.THRIFT_ENCODE, `Cannot encode ${subject}: ${reason}`)
}

/** An i64 as bigint: signed [-2^63, 2^63) or unsigned [2^63, 2^64) (written with the same 64 bits). */
export function checkI64(value: unknown, what: string, tagKey?: string): bigint {
  if (typeof value !== 'bigint') encodeError(what, `expected a bigint, got ${typeof value}`, tagKey)
  if (value < MIN_I64 || value > MAX_U64) encodeError(what, `${value} does not fit in 64 bits`, tagKey)
  return value
}

/** An i32: an integer in [-2^31, 2^31). */
export function checkI32(value: unknown, what: string): number {
  if (typeof value !== 'number' || (value | 0) !== value) encodeError(what, `expected a 32-bit integer, got ${String(value)}`)
  return value
}

/** A string field. */
export function checkString(value: unknown, what: string, tagKey?: string): string {
  if (typeof value !== 'string') encodeError(what, `expected a string, got ${typeof value}`, tagKey)
  return value
}

/** A double field. */
export function checkDouble(value: unknown, what: string, tagKey?: string): number {
  if (typeof value !== 'number') encodeError(what, `expected a number, got ${typeof value}`, tagKey)
  return value
}

/** A bool field. */
export function checkBool(value: unknown, what: string, tagKey?: string): boolean {
  if (typeof value !== 'boolean') encodeError(what, `expected a boolean, got ${typeof value}`, tagKey)
  return value
}

/** A binary field. */
export function checkBinary(value: unknown, what: string, tagKey?: string): Uint8Array {
  if (!(value instanceof Uint8Array)) encodeError(what, 'expected a Uint8Array', tagKey)
  return value
}

/** A struct value: a non-null object. */
export function checkObject(value: unknown, what: string): void {
  if (typeof value !== 'object' || value === null) encodeError(what, `expected an object, got ${value === null ? 'null' : typeof value}`)
}

/** An optional list field: absent (`undefined`/`null`) or an array. */
export function optionalList<T>(value: readonly T[] | null | undefined, what: string): readonly T[] | undefined {
  if (value == null) return undefined
  if (!Array.isArray(value)) encodeError(what, 'expected an array')
  return value
}

/**
 * A span source's spelling of the fields whose representation differs
 * between sources: i64s (bigint for `JaegerSpan`; node-int64 bytes, numbers
 * or bigints from jaeger-client) and the two enums (numbers for `JaegerSpan`,
 * names from jaeger-client). The writers below are written once and read
 * every other field the same way from any source.
 */
export interface SpanFieldReader {
  /** Check and write an i64 field value. */
  i64(writer: BinaryWriter, value: unknown, what: string, tagKey?: string): void
  /** The `TagType` a tag's `vType` names (throws `THRIFT_ENCODE` for an unknown one). */
  tagType(vType: unknown, key: string): TagType
  /** The `SpanRefType` a ref's `refType` names (throws `THRIFT_ENCODE` for an unknown one). */
  refType(refType: unknown): SpanRefType
}

/** The fields the writers read; values are untrusted and checked on use. */
export interface TagFields {
  key?: unknown
  vType?: unknown
  vStr?: unknown
  vDouble?: unknown
  vBool?: unknown
  vLong?: unknown
  vBinary?: unknown
}
export interface LogFields {
  timestamp?: unknown
  fields?: unknown
}
export interface SpanRefFields {
  refType?: unknown
  traceIdLow?: unknown
  traceIdHigh?: unknown
  spanId?: unknown
}
export interface SpanFields {
  traceIdLow?: unknown
  traceIdHigh?: unknown
  spanId?: unknown
  parentSpanId?: unknown
  operationName?: unknown
  references?: readonly SpanRefFields[] | null
  flags?: unknown
  startTime?: unknown
  duration?: unknown
  tags?: readonly TagFields[] | null
  logs?: readonly LogFields[] | null
}
export interface ProcessFields {
  serviceName?: unknown
  tags?: readonly TagFields[] | null
}

/** `JaegerSpan` objects: bigint i64s, numeric enums. */
export const JAEGER_SPAN_FIELDS: SpanFieldReader = {
  i64(writer, value, what, tagKey) {
    writer.i64(checkI64(value, what, tagKey))
  },
  tagType(vType, key) {
    if (vType === TagType.STRING || vType === TagType.DOUBLE || vType === TagType.BOOL || vType === TagType.LONG || vType === TagType.BINARY) return vType
    return encodeError(`Tag "${key}"`, `unknown vType ${String(vType)}`)
  },
  refType(refType) {
    if (refType === SpanRefType.CHILD_OF || refType === SpanRefType.FOLLOWS_FROM) return refType
    return encodeError('SpanRef.refType', `unknown SpanRefType ${String(refType)}`)
  },
}

/**
 * struct Tag {
 *   1: required string  key
 *   2: required TagType vType
 *   3: optional string  vStr
 *   4: optional double  vDouble
 *   5: optional bool    vBool
 *   6: optional i64     vLong
 *   7: optional binary  vBinary
 * }
 */
function writeTag(writer: BinaryWriter, tag: TagFields, read: SpanFieldReader): void {
  checkObject(tag, 'Tag')
  const key = checkString(tag.key, 'Tag.key')
  const vType = read.tagType(tag.vType, key)
  writer.fieldHeader(TType.STRING, 1)
  writer.string(key)
  writer.fieldHeader(TType.I32, 2)
  writer.i32(vType)
  switch (vType) {
    case TagType.STRING:
      writer.fieldHeader(TType.STRING, 3)
      writer.string(checkString(tag.vStr, 'vStr', key))
      break
    case TagType.DOUBLE:
      writer.fieldHeader(TType.DOUBLE, 4)
      writer.double(checkDouble(tag.vDouble, 'vDouble', key))
      break
    case TagType.BOOL:
      writer.fieldHeader(TType.BOOL, 5)
      writer.bool(checkBool(tag.vBool, 'vBool', key))
      break
    case TagType.LONG:
      writer.fieldHeader(TType.I64, 6)
      read.i64(writer, tag.vLong, 'vLong', key)
      break
    case TagType.BINARY:
      writer.fieldHeader(TType.STRING, 7)
      writer.binary(checkBinary(tag.vBinary, 'vBinary', key))
      break
  }
  writer.stop()
}

function writeTags(writer: BinaryWriter, tags: readonly TagFields[], read: SpanFieldReader): void {
  writer.listHeader(TType.STRUCT, tags.length)
  for (const tag of tags) writeTag(writer, tag, read)
}

/**
 * struct Log {
 *   1: required i64       timestamp
 *   2: required list<Tag> fields
 * }
 */
function writeLog(writer: BinaryWriter, log: LogFields, read: SpanFieldReader): void {
  checkObject(log, 'Log')
  writer.fieldHeader(TType.I64, 1)
  read.i64(writer, log.timestamp, 'Log.timestamp')
  if (!Array.isArray(log.fields)) encodeError('Log.fields', 'expected an array')
  writer.fieldHeader(TType.LIST, 2)
  writeTags(writer, log.fields, read)
  writer.stop()
}

/**
 * struct SpanRef {
 *   1: required SpanRefType refType
 *   2: required i64         traceIdLow
 *   3: required i64         traceIdHigh
 *   4: required i64         spanId
 * }
 */
function writeSpanRef(writer: BinaryWriter, ref: SpanRefFields, read: SpanFieldReader): void {
  checkObject(ref, 'SpanRef')
  writer.fieldHeader(TType.I32, 1)
  writer.i32(read.refType(ref.refType))
  writer.fieldHeader(TType.I64, 2)
  read.i64(writer, ref.traceIdLow, 'SpanRef.traceIdLow')
  writer.fieldHeader(TType.I64, 3)
  read.i64(writer, ref.traceIdHigh, 'SpanRef.traceIdHigh')
  writer.fieldHeader(TType.I64, 4)
  read.i64(writer, ref.spanId, 'SpanRef.spanId')
  writer.stop()
}

/**
 * struct Span {
 *   1:  required i64           traceIdLow
 *   2:  required i64           traceIdHigh
 *   3:  required i64           spanId
 *   4:  required i64           parentSpanId
 *   5:  required string        operationName
 *   6:  optional list<SpanRef> references
 *   7:  required i32           flags
 *   8:  required i64           startTime
 *   9:  required i64           duration
 *   10: optional list<Tag>     tags
 *   11: optional list<Log>     logs
 * }
 */
export function writeSpan(writer: BinaryWriter, span: SpanFields, read: SpanFieldReader): void {
  checkObject(span, 'Span')
  writer.fieldHeader(TType.I64, 1)
  read.i64(writer, span.traceIdLow, 'Span.traceIdLow')
  writer.fieldHeader(TType.I64, 2)
  read.i64(writer, span.traceIdHigh, 'Span.traceIdHigh')
  writer.fieldHeader(TType.I64, 3)
  read.i64(writer, span.spanId, 'Span.spanId')
  writer.fieldHeader(TType.I64, 4)
  read.i64(writer, span.parentSpanId, 'Span.parentSpanId')
  writer.fieldHeader(TType.STRING, 5)
  writer.string(checkString(span.operationName, 'Span.operationName'))
  const references = optionalList(span.references, 'Span.references')
  if (references !== undefined) {
    writer.fieldHeader(TType.LIST, 6)
    writer.listHeader(TType.STRUCT, references.length)
    for (const ref of references) writeSpanRef(writer, ref, read)
  }
  writer.fieldHeader(TType.I32, 7)
  writer.i32(checkI32(span.flags, 'Span.flags'))
  writer.fieldHeader(TType.I64, 8)
  read.i64(writer, span.startTime, 'Span.startTime')
  writer.fieldHeader(TType.I64, 9)
  read.i64(writer, span.duration, 'Span.duration')
  const tags = optionalList(span.tags, 'Span.tags')
  if (tags !== undefined) {
    writer.fieldHeader(TType.LIST, 10)
    writeTags(writer, tags, read)
  }
  const logs = optionalList(span.logs, 'Span.logs')
  if (logs !== undefined) {
    writer.fieldHeader(TType.LIST, 11)
    writer.listHeader(TType.STRUCT, logs.length)
    for (const log of logs) writeLog(writer, log, read)
  }
  writer.stop()
}

/**
 * struct Process {
 *   1: required string    serviceName
 *   2: optional list<Tag> tags
 * }
 */
export function writeProcess(writer: BinaryWriter, process: ProcessFields, read: SpanFieldReader): void {
  checkObject(process, 'Process')
  writer.fieldHeader(TType.STRING, 1)
  writer.string(checkString(process.serviceName, 'Process.serviceName'))
  const tags = optionalList(process.tags, 'Process.tags')
  if (tags !== undefined) {
    writer.fieldHeader(TType.LIST, 2)
    writeTags(writer, tags, read)
  }
  writer.stop()
}

/**
 * struct ClientStats {
 *   1: required i64 fullQueueDroppedSpans
 *   2: required i64 tooLargeDroppedSpans
 *   3: required i64 failedToEmitSpans
 * }
 */
function writeClientStats(writer: BinaryWriter, stats: ClientStats): void {
  checkObject(stats, 'ClientStats')
  writer.fieldHeader(TType.I64, 1)
  writer.i64(checkI64(stats.fullQueueDroppedSpans, 'ClientStats.fullQueueDroppedSpans'))
  writer.fieldHeader(TType.I64, 2)
  writer.i64(checkI64(stats.tooLargeDroppedSpans, 'ClientStats.tooLargeDroppedSpans'))
  writer.fieldHeader(TType.I64, 3)
  writer.i64(checkI64(stats.failedToEmitSpans, 'ClientStats.failedToEmitSpans'))
  writer.stop()
}

/**
 * struct Batch {
 *   1: required Process     process
 *   2: required list<Span>  spans
 *   3: optional i64         seqNo
 *   4: optional ClientStats stats
 * }
 */
function writeBatch(writer: BinaryWriter, batch: JaegerBatch): void {
  checkObject(batch, 'Batch')
  if (!Array.isArray(batch.spans)) encodeError('Batch.spans', 'expected an array')
  writer.fieldHeader(TType.STRUCT, 1)
  writeProcess(writer, batch.process, JAEGER_SPAN_FIELDS)
  writer.fieldHeader(TType.LIST, 2)
  writer.listHeader(TType.STRUCT, batch.spans.length)
  for (const span of batch.spans) writeSpan(writer, span, JAEGER_SPAN_FIELDS)
  writeBatchTail(writer, batch.seqNo, batch.stats)
}

/** Batch fields 3 and 4 (when given) and the STOP byte. */
function writeBatchTail(writer: BinaryWriter, seqNo: bigint | undefined, stats: ClientStats | undefined): void {
  if (seqNo !== undefined) {
    writer.fieldHeader(TType.I64, 3)
    writer.i64(checkI64(seqNo, 'Batch.seqNo'))
  }
  if (stats !== undefined) {
    writer.fieldHeader(TType.STRUCT, 4)
    writeClientStats(writer, stats)
  }
  writer.stop()
}

/** Encode a complete `Process` struct (ending in STOP). Throws `THRIFT_ENCODE` for an invalid value. */
export function encodeProcess(process: JaegerProcess): Uint8Array<ArrayBuffer> {
  return encodeToBytes(process, writeJaegerProcess)
}

const writeJaegerProcess = (writer: BinaryWriter, process: JaegerProcess): void => writeProcess(writer, process, JAEGER_SPAN_FIELDS)
const writeJaegerSpan = (writer: BinaryWriter, span: JaegerSpan): void => writeSpan(writer, span, JAEGER_SPAN_FIELDS)

/**
 * Encode a complete `Span` struct. The result may be a view into a shared
 * slab (mind `byteOffset` when taking its `.buffer`). Throws `THRIFT_ENCODE`
 * for an invalid value.
 */
export function encodeSpan(span: JaegerSpan): Uint8Array<ArrayBuffer> {
  return encodeToPooledBytes(span, writeJaegerSpan)
}

/**
 * Encode a bare `Batch` struct: the body `POST /api/traces` takes with
 * `Content-Type: application/x-thrift`. Throws `THRIFT_ENCODE` for an invalid value.
 */
export function encodeBatch(batch: JaegerBatch): Uint8Array<ArrayBuffer> {
  return encodeToBytes(batch, writeBatch)
}

/**
 * Assemble a `Batch` from an encoded `Process` and encoded `Span`s (from
 * encodeProcess(), encodeSpan() or encodeJaegerClientSpan()) without
 * re-encoding them. The result equals encodeBatch() of the same values byte
 * for byte and is exactly batchEncodedSize() long.
 */
export function assembleBatch(parts: {
  process: Uint8Array
  spans: readonly Uint8Array[]
  seqNo?: bigint
  stats?: ClientStats
}): Uint8Array<ArrayBuffer> {
  const { process, spans, seqNo, stats } = parts
  let spanBytes = 0
  for (const span of spans) spanBytes += span.length
  const size = batchEncodedSize(process.length, spanBytes, seqNo !== undefined, stats !== undefined)
  const writer = new BinaryWriter(size)
  writer.fieldHeader(TType.STRUCT, 1)
  writer.raw(process)
  writer.fieldHeader(TType.LIST, 2)
  writer.listHeader(TType.STRUCT, spans.length)
  for (const span of spans) writer.raw(span)
  writeBatchTail(writer, seqNo, stats)
  return writer.view()
}

/**
 * The encoded `Process` and `Span`s inside a Batch that assembleBatch() built,
 * as views into `batch` (no copies), given the process length and the span
 * lengths it was assembled from: what a sender needs to re-assemble the
 * same spans into smaller batches.
 */
export function batchParts(batch: Uint8Array, processLength: number, spanLengths: readonly number[]): { process: Uint8Array; spans: Uint8Array[] } {
  // Field 1 header (3 bytes), the Process, field 2 header (3) and list header (5), then the spans.
  const process = batch.subarray(3, 3 + processLength)
  let offset = 3 + processLength + 8
  const spans: Uint8Array[] = []
  for (const length of spanLengths) {
    spans.push(batch.subarray(offset, offset + length))
    offset += length
  }
  return { process, spans }
}

/**
 * The exact size of the Batch assembleBatch() builds from a process of
 * `processBytes` and spans totalling `spanBytesTotal`, with or without
 * `seqNo` and `stats`.
 */
export function batchEncodedSize(processBytes: number, spanBytesTotal: number, withSeqNo: boolean, withStats: boolean): number {
  return BATCH_FRAMING + processBytes + spanBytesTotal + (withSeqNo ? SEQ_NO_BYTES : 0) + (withStats ? STATS_BYTES : 0)
}
