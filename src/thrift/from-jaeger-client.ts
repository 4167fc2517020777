// SPDX-License-Identifier: Apache-2.0
/**
 * jaeger-client 3.x span and process objects → jaeger.thrift.
 *
 * `Sender.append(span)` receives `ThriftUtils.spanToThrift(span)`: i64 fields
 * are 8-byte big-endian Buffers (node-int64), `traceIdHigh`/`parentSpanId`
 * are 8 zero bytes when absent, `vType`/`refType` are enum names, and every
 * tag carries all five value fields. `Sender.setProcess(process)` receives
 * `{ serviceName, tags }` with tags in the same shape. i64 fields may also be
 * a bigint or a number (truncated toward zero, as node-int64 and thriftrw do).
 * Only the tag value field that `vType` names is encoded.
 * @module
 */
import { BinaryWriter, TType, encodeToPooledBytes } from './binary-writer.ts'
import {
  checkBinary,
  checkBool,
  checkDouble,
  checkI32,
  checkI64,
  checkObject,
  checkString,
  encodeError,
  optionalList,
} from './jaeger-encode.ts'
import { SpanRefType, TagType } from './jaeger-types.ts'
import type { JaegerLog, JaegerProcess, JaegerSpan, JaegerSpanRef, JaegerTag } from './jaeger-types.ts'

/** The fields this module reads; values are untrusted and checked on use. */
interface ClientTag {
  key: unknown
  vType: unknown
  vStr: unknown
  vDouble: unknown
  vBool: unknown
  vLong: unknown
  vBinary: unknown
}
interface ClientLog {
  timestamp: unknown
  fields: unknown
}
interface ClientSpanRef {
  refType: unknown
  traceIdLow: unknown
  traceIdHigh: unknown
  spanId: unknown
}
interface ClientSpan {
  traceIdLow: unknown
  traceIdHigh: unknown
  spanId: unknown
  parentSpanId: unknown
  operationName: unknown
  references: readonly ClientSpanRef[] | null | undefined
  flags: unknown
  startTime: unknown
  duration: unknown
  tags: readonly ClientTag[] | null | undefined
  logs: readonly ClientLog[] | null | undefined
}
interface ClientProcess {
  serviceName: unknown
  tags: readonly ClientTag[] | null | undefined
}

const TWO_POW_63 = 2 ** 63

/** An i64 given as a number: finite, truncated toward zero, in [-2^63, 2^63). */
function checkI64Number(value: number, what: string, tagKey?: string): number {
  const integer = Math.trunc(value)
  if (!(integer >= -TWO_POW_63 && integer < TWO_POW_63)) encodeError(what, `${value} is not a 64-bit integer`, tagKey)
  return integer
}

/** An i64 given as 8 big-endian bytes. */
function checkI64Bytes(value: Uint8Array, what: string, tagKey?: string): Uint8Array {
  if (value.length !== 8) encodeError(what, `expected 8 bytes, got ${value.length}`, tagKey)
  return value
}

function writeI64(writer: BinaryWriter, value: unknown, what: string, tagKey?: string): void {
  if (value instanceof Uint8Array) writer.i64Bytes(checkI64Bytes(value, what, tagKey))
  else if (typeof value === 'number') writer.i64Number(checkI64Number(value, what, tagKey))
  else writer.i64(checkI64(value, what, tagKey))
}

function toI64(value: unknown, what: string, tagKey?: string): bigint {
  if (value instanceof Uint8Array) {
    checkI64Bytes(value, what, tagKey)
    return new DataView(value.buffer, value.byteOffset, 8).getBigInt64(0)
  }
  if (typeof value === 'number') return BigInt(checkI64Number(value, what, tagKey))
  return BigInt.asIntN(64, checkI64(value, what, tagKey))
}

function tagType(vType: unknown, key: string): TagType {
  switch (vType) {
    case 'STRING':
      return TagType.STRING
    case 'DOUBLE':
      return TagType.DOUBLE
    case 'BOOL':
      return TagType.BOOL
    case 'LONG':
      return TagType.LONG
    case 'BINARY':
      return TagType.BINARY
    default:
      return encodeError(`Tag "${key}"`, `unknown vType ${String(vType)}`)
  }
}

function spanRefType(refType: unknown): SpanRefType {
  if (refType === 'CHILD_OF') return SpanRefType.CHILD_OF
  if (refType === 'FOLLOWS_FROM') return SpanRefType.FOLLOWS_FROM
  return encodeError('SpanRef.refType', `unknown SpanRefType ${String(refType)}`)
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
function writeClientTag(writer: BinaryWriter, tag: ClientTag): void {
  checkObject(tag, 'Tag')
  const key = checkString(tag.key, 'Tag.key')
  const vType = tagType(tag.vType, key)
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
      writeI64(writer, tag.vLong, 'vLong', key)
      break
    case TagType.BINARY:
      writer.fieldHeader(TType.STRING, 7)
      writer.binary(checkBinary(tag.vBinary, 'vBinary', key))
      break
  }
  writer.stop()
}

function writeClientTags(writer: BinaryWriter, tags: readonly ClientTag[]): void {
  writer.listHeader(TType.STRUCT, tags.length)
  for (const tag of tags) writeClientTag(writer, tag)
}

/**
 * struct Log {
 *   1: required i64       timestamp
 *   2: required list<Tag> fields
 * }
 */
function writeClientLog(writer: BinaryWriter, log: ClientLog): void {
  checkObject(log, 'Log')
  writer.fieldHeader(TType.I64, 1)
  writeI64(writer, log.timestamp, 'Log.timestamp')
  if (!Array.isArray(log.fields)) encodeError('Log.fields', 'expected an array')
  writer.fieldHeader(TType.LIST, 2)
  writeClientTags(writer, log.fields)
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
function writeClientSpanRef(writer: BinaryWriter, ref: ClientSpanRef): void {
  checkObject(ref, 'SpanRef')
  writer.fieldHeader(TType.I32, 1)
  writer.i32(spanRefType(ref.refType))
  writer.fieldHeader(TType.I64, 2)
  writeI64(writer, ref.traceIdLow, 'SpanRef.traceIdLow')
  writer.fieldHeader(TType.I64, 3)
  writeI64(writer, ref.traceIdHigh, 'SpanRef.traceIdHigh')
  writer.fieldHeader(TType.I64, 4)
  writeI64(writer, ref.spanId, 'SpanRef.spanId')
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
function writeClientSpan(writer: BinaryWriter, span: ClientSpan): void {
  checkObject(span, 'Span')
  writer.fieldHeader(TType.I64, 1)
  writeI64(writer, span.traceIdLow, 'Span.traceIdLow')
  writer.fieldHeader(TType.I64, 2)
  writeI64(writer, span.traceIdHigh, 'Span.traceIdHigh')
  writer.fieldHeader(TType.I64, 3)
  writeI64(writer, span.spanId, 'Span.spanId')
  writer.fieldHeader(TType.I64, 4)
  writeI64(writer, span.parentSpanId, 'Span.parentSpanId')
  writer.fieldHeader(TType.STRING, 5)
  writer.string(checkString(span.operationName, 'Span.operationName'))
  const references = optionalList(span.references, 'Span.references')
  if (references !== undefined) {
    writer.fieldHeader(TType.LIST, 6)
    writer.listHeader(TType.STRUCT, references.length)
    for (const ref of references) writeClientSpanRef(writer, ref)
  }
  writer.fieldHeader(TType.I32, 7)
  writer.i32(checkI32(span.flags, 'Span.flags'))
  writer.fieldHeader(TType.I64, 8)
  writeI64(writer, span.startTime, 'Span.startTime')
  writer.fieldHeader(TType.I64, 9)
  writeI64(writer, span.duration, 'Span.duration')
  const tags = optionalList(span.tags, 'Span.tags')
  if (tags !== undefined) {
    writer.fieldHeader(TType.LIST, 10)
    writeClientTags(writer, tags)
  }
  const logs = optionalList(span.logs, 'Span.logs')
  if (logs !== undefined) {
    writer.fieldHeader(TType.LIST, 11)
    writer.listHeader(TType.STRUCT, logs.length)
    for (const log of logs) writeClientLog(writer, log)
  }
  writer.stop()
}

/**
 * Encode the span jaeger-client hands to `Sender.append(span)` straight into
 * a complete `Span` struct, without building intermediate objects. Equals
 * `encodeSpan(fromJaegerClientSpan(span))` byte for byte and, like it, may
 * be a view into a shared slab (mind `byteOffset` when taking `.buffer`). Throws
 * `JaegerKafkaError` `THRIFT_ENCODE` for a value that cannot be encoded.
 */
export function encodeJaegerClientSpan(span: unknown): Uint8Array<ArrayBuffer> {
  return encodeToPooledBytes(span as ClientSpan, writeClientSpan)
}

function fromClientTag(tag: ClientTag): JaegerTag {
  checkObject(tag, 'Tag')
  const key = checkString(tag.key, 'Tag.key')
  switch (tagType(tag.vType, key)) {
    case TagType.STRING:
      return { key, vType: TagType.STRING, vStr: checkString(tag.vStr, 'vStr', key) }
    case TagType.DOUBLE:
      return { key, vType: TagType.DOUBLE, vDouble: checkDouble(tag.vDouble, 'vDouble', key) }
    case TagType.BOOL:
      return { key, vType: TagType.BOOL, vBool: checkBool(tag.vBool, 'vBool', key) }
    case TagType.LONG:
      return { key, vType: TagType.LONG, vLong: toI64(tag.vLong, 'vLong', key) }
    case TagType.BINARY:
      return { key, vType: TagType.BINARY, vBinary: checkBinary(tag.vBinary, 'vBinary', key) }
  }
}

function fromClientLog(log: ClientLog): JaegerLog {
  checkObject(log, 'Log')
  if (!Array.isArray(log.fields)) encodeError('Log.fields', 'expected an array')
  return { timestamp: toI64(log.timestamp, 'Log.timestamp'), fields: log.fields.map(fromClientTag) }
}

function fromClientSpanRef(ref: ClientSpanRef): JaegerSpanRef {
  checkObject(ref, 'SpanRef')
  return {
    refType: spanRefType(ref.refType),
    traceIdLow: toI64(ref.traceIdLow, 'SpanRef.traceIdLow'),
    traceIdHigh: toI64(ref.traceIdHigh, 'SpanRef.traceIdHigh'),
    spanId: toI64(ref.spanId, 'SpanRef.spanId'),
  }
}

/**
 * Convert the span jaeger-client hands to `Sender.append(span)` into a
 * `JaegerSpan`, keeping only the tag value field each `vType` names (binary
 * values by reference, not copied). Throws `JaegerKafkaError` `THRIFT_ENCODE`
 * for a value that cannot be encoded.
 */
export function fromJaegerClientSpan(span: unknown): JaegerSpan {
  const client = span as ClientSpan
  checkObject(client, 'Span')
  const references = optionalList(client.references, 'Span.references')
  const tags = optionalList(client.tags, 'Span.tags')
  const logs = optionalList(client.logs, 'Span.logs')
  const result: JaegerSpan = {
    traceIdLow: toI64(client.traceIdLow, 'Span.traceIdLow'),
    traceIdHigh: toI64(client.traceIdHigh, 'Span.traceIdHigh'),
    spanId: toI64(client.spanId, 'Span.spanId'),
    parentSpanId: toI64(client.parentSpanId, 'Span.parentSpanId'),
    operationName: checkString(client.operationName, 'Span.operationName'),
    flags: checkI32(client.flags, 'Span.flags'),
    startTime: toI64(client.startTime, 'Span.startTime'),
    duration: toI64(client.duration, 'Span.duration'),
  }
  if (references !== undefined) result.references = references.map(fromClientSpanRef)
  if (tags !== undefined) result.tags = tags.map(fromClientTag)
  if (logs !== undefined) result.logs = logs.map(fromClientLog)
  return result
}

/**
 * Convert the process jaeger-client hands to `Sender.setProcess(process)`
 * (`{ serviceName, tags }`, tags as in spans) into a `JaegerProcess`. Throws
 * `JaegerKafkaError` `THRIFT_ENCODE` for a value that cannot be encoded.
 */
export function fromJaegerClientProcess(process: unknown): JaegerProcess {
  const client = process as ClientProcess
  checkObject(client, 'Process')
  const result: JaegerProcess = { serviceName: checkString(client.serviceName, 'Process.serviceName') }
  const tags = optionalList(client.tags, 'Process.tags')
  if (tags !== undefined) result.tags = tags.map(fromClientTag)
  return result
}
