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
 * Only the tag value field that `vType` names is encoded. The bytes come from
 * the one set of writers in `jaeger-encode.ts`, read through
 * `JAEGER_CLIENT_FIELDS`.
 * @module
 */
import { encodeToPooledBytes } from './binary-writer.ts'
import type { BinaryWriter } from './binary-writer.ts'
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
  writeSpan,
} from './jaeger-encode.ts'
import type { LogFields, ProcessFields, SpanFieldReader, SpanFields, SpanRefFields, TagFields } from './jaeger-encode.ts'
import { SpanRefType, TagType } from './jaeger-types.ts'
import type { JaegerLog, JaegerProcess, JaegerSpan, JaegerSpanRef, JaegerTag } from './jaeger-types.ts'

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

// One view reused for every 8-byte id (a DataView per id was the conversion's largest cost).
const I64_SCRATCH = new Uint8Array(8)
const I64_VIEW = new DataView(I64_SCRATCH.buffer)

/**
 * An i64 in jaeger-client's spellings (8 big-endian bytes, a number truncated
 * toward zero, a bigint) as a signed bigint. Throws THRIFT_ENCODE naming `what`.
 */
export function toI64(value: unknown, what: string, tagKey?: string): bigint {
  if (value instanceof Uint8Array) {
    I64_SCRATCH.set(checkI64Bytes(value, what, tagKey))
    return I64_VIEW.getBigInt64(0)
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

/** jaeger-client's spelling: i64s as node-int64 bytes, numbers or bigints; enums by name. */
export const JAEGER_CLIENT_FIELDS: SpanFieldReader = {
  i64(writer, value, what, tagKey) {
    if (value instanceof Uint8Array) writer.i64Bytes(checkI64Bytes(value, what, tagKey))
    else if (typeof value === 'number') writer.i64Number(checkI64Number(value, what, tagKey))
    else writer.i64(checkI64(value, what, tagKey))
  },
  tagType,
  refType: spanRefType,
}

const writeClientSpan = (writer: BinaryWriter, span: SpanFields): void => writeSpan(writer, span, JAEGER_CLIENT_FIELDS)

/**
 * Encode the span jaeger-client hands to `Sender.append(span)` straight into
 * a complete `Span` struct, without building intermediate objects. Equals
 * `encodeSpan(fromJaegerClientSpan(span))` byte for byte and, like it, may
 * be a view into a shared slab (mind `byteOffset` when taking `.buffer`). Throws
 * `JaegerKafkaError` `THRIFT_ENCODE` for a value that cannot be encoded.
 */
export function encodeJaegerClientSpan(span: unknown): Uint8Array<ArrayBuffer> {
  return encodeToPooledBytes(span as SpanFields, writeClientSpan)
}

function fromClientTag(tag: TagFields): JaegerTag {
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

function fromClientLog(log: LogFields): JaegerLog {
  checkObject(log, 'Log')
  if (!Array.isArray(log.fields)) encodeError('Log.fields', 'expected an array')
  return { timestamp: toI64(log.timestamp, 'Log.timestamp'), fields: log.fields.map(fromClientTag) }
}

function fromClientSpanRef(ref: SpanRefFields): JaegerSpanRef {
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
  const client = span as SpanFields
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
  const client = process as ProcessFields
  checkObject(client, 'Process')
  const result: JaegerProcess = { serviceName: checkString(client.serviceName, 'Process.serviceName') }
  const tags = optionalList(client.tags, 'Process.tags')
  if (tags !== undefined) result.tags = tags.map(fromClientTag)
  return result
}
