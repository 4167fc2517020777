// SPDX-License-Identifier: Apache-2.0
/**
 * A finished jaeger-client span → the span object jaeger-client's
 * `ThriftUtils.spanToThrift()` would build, minus its overhead: i64 ids stay
 * the context's own 8-byte views, times stay numbers (truncated to integer
 * microseconds by the encoder, as node-int64 does), and each tag carries only
 * its set value field. `encodeJaegerClientSpan()` of the result equals that of
 * `spanToThrift(span)` byte for byte. For the protobuf encodings, the same
 * span straight into a `JaegerSpan` (same tag type rules).
 * @module
 */
import { toI64 } from '../src/codec/thrift/from-jaeger-client.ts'
import { checkI32, checkString } from '../src/codec/thrift/jaeger-encode.ts'
import { SpanRefType, TagType } from '../src/codec/thrift/jaeger-types.ts'
import type { JaegerLog, JaegerSpan, JaegerSpanRef, JaegerTag } from '../src/codec/thrift/jaeger-types.ts'

const ZERO_I64 = new Uint8Array(8)

interface LiveTag {
  key: string
  value: unknown
}

interface LiveContext {
  traceId: Uint8Array | null | undefined
  spanId: Uint8Array
  parentId: Uint8Array | null | undefined
  flags: number
}

interface LiveReference {
  type(): string
  referencedContext(): LiveContext
}

/** The private fields of a jaeger-client 3.x `Span` this module reads. */
interface LiveSpan {
  _spanContext: LiveContext
  _operationName: string
  _startTime: number
  _duration: number
  _tags: LiveTag[]
  _logs: { timestamp: number; fields: LiveTag[] }[]
  _references: LiveReference[]
}

type BufferLike = { isBuffer(value: unknown): boolean }
const NodeBuffer = (globalThis as { Buffer?: BufferLike }).Buffer

function traceIdLow(traceId: Uint8Array | null | undefined): Uint8Array {
  if (traceId == null) return ZERO_I64
  // 64-bit ids (the common case) need no view: Buffer#subarray is not free.
  return traceId.length === 8 ? traceId : traceId.subarray(traceId.length - 8)
}

function traceIdHigh(traceId: Uint8Array | null | undefined): Uint8Array {
  return traceId != null && traceId.length > 8 ? traceId.subarray(traceId.length - 16, traceId.length - 8) : ZERO_I64
}

/** A tag value's type: the rules of ThriftUtils.getThriftTags() (numbers are doubles, Buffers binary, anything else a string). */
function tagTypeOf(value: unknown): TagType {
  switch (typeof value) {
    case 'number':
      return TagType.DOUBLE
    case 'boolean':
      return TagType.BOOL
    case 'object':
      return NodeBuffer?.isBuffer(value) ? TagType.BINARY : TagType.STRING
    default:
      return TagType.STRING
  }
}

/** A STRING tag's text: objects (null included) as JSON, the rest through String(). */
function tagString(value: unknown): string {
  if (typeof value === 'string') return value
  return typeof value === 'object' ? JSON.stringify(value) : String(value)
}

function clientTag(tag: LiveTag): Record<string, unknown> {
  const value = tag.value
  switch (tagTypeOf(value)) {
    case TagType.DOUBLE:
      return { key: tag.key, vType: 'DOUBLE', vDouble: value }
    case TagType.BOOL:
      return { key: tag.key, vType: 'BOOL', vBool: value }
    case TagType.BINARY:
      return { key: tag.key, vType: 'BINARY', vBinary: value }
    default:
      return { key: tag.key, vType: 'STRING', vStr: tagString(value) }
  }
}

function jaegerTag(tag: LiveTag): JaegerTag {
  const key = checkString(tag.key, 'Tag.key')
  const value = tag.value
  switch (tagTypeOf(value)) {
    case TagType.DOUBLE:
      return { key, vType: TagType.DOUBLE, vDouble: value as number }
    case TagType.BOOL:
      return { key, vType: TagType.BOOL, vBool: value as boolean }
    case TagType.BINARY:
      return { key, vType: TagType.BINARY, vBinary: value as Uint8Array }
    default:
      return { key, vType: TagType.STRING, vStr: tagString(value) }
  }
}

function jaegerTags(tags: readonly LiveTag[]): JaegerTag[] {
  const out = new Array<JaegerTag>(tags.length)
  for (let i = 0; i < tags.length; i++) out[i] = jaegerTag(tags[i] as LiveTag)
  return out
}

function clientTags(tags: readonly LiveTag[]): Record<string, unknown>[] {
  const out = new Array<Record<string, unknown>>(tags.length)
  for (let i = 0; i < tags.length; i++) out[i] = clientTag(tags[i] as LiveTag)
  return out
}

/**
 * Convert a finished jaeger-client `Span` into the object `Sender.append()`
 * receives from `RemoteReporter`, cheaply. Reads jaeger-client 3.x internals
 * (`_spanContext`, `_tags`, …), exactly as `spanToThrift()` does.
 */
export function clientSpanFromTracerSpan(span: unknown): Record<string, unknown> {
  const live = span as LiveSpan
  const context = live._spanContext
  const references: Record<string, unknown>[] = []
  for (const ref of live._references) {
    const type = ref.type()
    const refType = type === 'child_of' ? 'CHILD_OF' : type === 'follows_from' ? 'FOLLOWS_FROM' : undefined
    if (!refType) continue
    const referenced = ref.referencedContext()
    references.push({ refType, traceIdLow: traceIdLow(referenced.traceId), traceIdHigh: traceIdHigh(referenced.traceId), spanId: referenced.spanId })
  }
  const logs = new Array<Record<string, unknown>>(live._logs.length)
  for (let i = 0; i < live._logs.length; i++) {
    const log = live._logs[i] as { timestamp: number; fields: LiveTag[] }
    logs[i] = { timestamp: log.timestamp * 1000, fields: clientTags(log.fields) }
  }
  return {
    traceIdLow: traceIdLow(context.traceId),
    traceIdHigh: traceIdHigh(context.traceId),
    spanId: context.spanId,
    parentSpanId: context.parentId || ZERO_I64,
    operationName: live._operationName,
    references,
    flags: context.flags,
    startTime: live._startTime * 1000,
    duration: live._duration * 1000,
    tags: clientTags(live._tags),
    logs,
  }
}

/** An 8-byte id as a bigint; our own zero constant (the high half of every 64-bit trace id, a root's parent) without a conversion. */
function idOf(bytes: Uint8Array, what: string): bigint {
  return bytes === ZERO_I64 ? 0n : toI64(bytes, what)
}

/**
 * Convert a finished jaeger-client `Span` straight into a `JaegerSpan` (for
 * the protobuf encodings, which encode from it): equal to
 * `fromJaegerClientSpan(clientSpanFromTracerSpan(span))`, without the
 * intermediate object. Throws `JaegerKafkaError` `THRIFT_ENCODE` for a value
 * that cannot be encoded (a NaN time, say).
 */
export function jaegerSpanFromTracerSpan(span: unknown): JaegerSpan {
  const live = span as LiveSpan
  const context = live._spanContext
  const references: JaegerSpanRef[] = []
  for (const ref of live._references) {
    const type = ref.type()
    const refType = type === 'child_of' ? SpanRefType.CHILD_OF : type === 'follows_from' ? SpanRefType.FOLLOWS_FROM : undefined
    if (refType === undefined) continue
    const referenced = ref.referencedContext()
    references.push({
      refType,
      traceIdLow: idOf(traceIdLow(referenced.traceId), 'SpanRef.traceIdLow'),
      traceIdHigh: idOf(traceIdHigh(referenced.traceId), 'SpanRef.traceIdHigh'),
      spanId: toI64(referenced.spanId, 'SpanRef.spanId'),
    })
  }
  const logs = new Array<JaegerLog>(live._logs.length)
  for (let i = 0; i < live._logs.length; i++) {
    const log = live._logs[i] as { timestamp: number; fields: LiveTag[] }
    logs[i] = { timestamp: toI64(log.timestamp * 1000, 'Log.timestamp'), fields: jaegerTags(log.fields) }
  }
  return {
    traceIdLow: idOf(traceIdLow(context.traceId), 'Span.traceIdLow'),
    traceIdHigh: idOf(traceIdHigh(context.traceId), 'Span.traceIdHigh'),
    spanId: toI64(context.spanId, 'Span.spanId'),
    parentSpanId: idOf(context.parentId || ZERO_I64, 'Span.parentSpanId'),
    operationName: checkString(live._operationName, 'Span.operationName'),
    flags: checkI32(context.flags, 'Span.flags'),
    startTime: toI64(live._startTime * 1000, 'Span.startTime'),
    duration: toI64(live._duration * 1000, 'Span.duration'),
    references,
    tags: jaegerTags(live._tags),
    logs,
  }
}

/** Convert jaeger-client process tags (`[{ key, value }]`) the way `RemoteReporter.setProcess()` does. */
export function clientTagsFromTracerTags(tags: readonly LiveTag[]): Record<string, unknown>[] {
  return clientTags(tags)
}
