// SPDX-License-Identifier: Apache-2.0
/**
 * OTLP `TracesData` writer (wire-identical to `ExportTraceServiceRequest`)
 * for one jaeger `Process` and its spans.
 *
 * The mapping is Jaeger's own, collector-contrib v0.140.1
 * `pkg/translator/jaeger/jaegerthrift_to_traces.go` (what Jaeger v2 applies to
 * the jaeger.thrift Batches our forwarder posts), so a span reaches Jaeger's
 * storage the same whether it went as jaeger_thrift or otlp_proto:
 *
 * | jaeger                                   | OTLP                                                        |
 * |------------------------------------------|-------------------------------------------------------------|
 * | process serviceName, tags                | resource `service.name` + attributes; `hostname` → `host.name`, `jaeger.version` → `opencensus.exporterversion` = `Jaeger-<v>` (moved last, as the translator does) |
 * | (none)                                   | one ScopeSpans, no scope                                    |
 * | traceIdHigh/Low, spanId                  | trace_id 16 bytes big-endian (high half 0 for 64-bit ids), span_id 8 bytes |
 * | parentSpanId, else first same-trace CHILD_OF ref, else first same-trace FOLLOWS_FROM ref | parent_span_id |
 * | other refs                               | links with attribute `opentracing.ref_type` = `child_of` / `follows_from` |
 * | tag `span.kind` (client, server, producer, consumer, internal) | kind (tag removed; other values → UNSPECIFIED) |
 * | tag `error` = bool true                  | status ERROR (tag removed), message from `otel.status_description`, else `http.status_message` |
 * | tag `otel.status_code` OK / ERROR        | status code (tag removed; ignored when `error` = true)      |
 * | tag `http.status_code` (no status above) | status ERROR for ≥ 400 (4xx: CLIENT only) or < 100; tag kept |
 * | tags (string, bool, long, double, binary)| attributes (string, bool, int, double, bytes), in order     |
 * | logs: timestamp, fields                  | events: time, name = the `event` field (removed), attributes |
 * | startTime, duration (µs)                 | start/end_time_unix_nano (×1000)                            |
 * | flags                                    | flags = the W3C sampled bit (flags & 1); Jaeger's translator reads no OTLP flags |
 *
 * Not mirrored: the translator keeps one attribute per key (a later duplicate
 * wins) and removes with a swap, so its attribute order can differ; we write
 * tags in order, duplicates included. An unknown tag type is an encode error.
 * @module
 */
import { ErrorCodes, JaegerKafkaError, describeError } from '../../errors.ts'
import { ProtoWriter, WireType, encodeProto, encodeProtoPooled } from '../protobuf/proto-writer.ts'
import { SpanRefType, TagType } from '../thrift/jaeger-types.ts'
import type { JaegerLog, JaegerProcess, JaegerSpan, JaegerSpanRef, JaegerTag } from '../thrift/jaeger-types.ts'
import { SpanKind, StatusCode } from './otlp-types.ts'

const U64 = 64
// One-byte field keys: (field << 3) | wire type.
const KEY_1_LEN = (1 << 3) | WireType.LEN
const KEY_2_LEN = (2 << 3) | WireType.LEN
const KEY_2_VARINT = (2 << 3) | WireType.VARINT
const KEY_3_VARINT = (3 << 3) | WireType.VARINT
const KEY_4_FIXED64 = (4 << 3) | WireType.FIXED64
const KEY_7_LEN = (7 << 3) | WireType.LEN

function encodeError(what: string, reason: string): never {
  throw new JaegerKafkaError(ErrorCodes.PROTOBUF_ENCODE, `Cannot encode ${what} as OTLP: ${reason}`)
}

/**
 * message AnyValue { oneof value {
 *   string string_value = 1;  // LEN
 *   bool bool_value = 2;      // VARINT
 *   int64 int_value = 3;      // VARINT
 *   double double_value = 4;  // I64
 *   ArrayValue array_value = 5; KeyValueList kvlist_value = 6;  // not written
 *   bytes bytes_value = 7;    // LEN
 * } }
 * message KeyValue { string key = 1; AnyValue value = 2; }
 */
function writeKeyValue(writer: ProtoWriter, field: number, tag: JaegerTag): void {
  const kv = writer.begin(field)
  writer.byte(KEY_1_LEN)
  writer.string(tag.key)
  writer.byte(KEY_2_LEN)
  // AnyValue: a string's length is back-patched; the others have a known length.
  switch (tag.vType) {
    case TagType.STRING: {
      if (typeof tag.vStr !== 'string') encodeError(`tag "${tag.key}"`, 'vStr is not a string')
      writer.byte(0)
      const value = writer.length
      writer.byte(KEY_1_LEN)
      writer.string(tag.vStr)
      writer.end(value)
      break
    }
    case TagType.BOOL:
      if (typeof tag.vBool !== 'boolean') encodeError(`tag "${tag.key}"`, 'vBool is not a boolean')
      writer.byte(2)
      writer.byte(KEY_2_VARINT)
      writer.byte(tag.vBool ? 1 : 0)
      break
    case TagType.LONG: {
      if (typeof tag.vLong !== 'bigint') encodeError(`tag "${tag.key}"`, 'vLong is not a bigint')
      writer.byte(0)
      const value = writer.length
      writer.byte(KEY_3_VARINT)
      writer.varint64(tag.vLong)
      writer.end(value)
      break
    }
    case TagType.DOUBLE:
      if (typeof tag.vDouble !== 'number') encodeError(`tag "${tag.key}"`, 'vDouble is not a number')
      writer.byte(9)
      writer.byte(KEY_4_FIXED64)
      writer.double(tag.vDouble)
      break
    case TagType.BINARY: {
      if (!(tag.vBinary instanceof Uint8Array)) encodeError(`tag "${tag.key}"`, 'vBinary is not a Uint8Array')
      writer.byte(0)
      const value = writer.length
      writer.byte(KEY_7_LEN)
      writer.bytesField(tag.vBinary)
      writer.end(value)
      break
    }
    default:
      encodeError(`tag "${tag.key}"`, `unknown vType ${String(tag.vType)}`)
  }
  writer.end(kv)
}

/** A KeyValue with a string value (the translator's own attributes). */
function writeStringKeyValue(writer: ProtoWriter, field: number, key: string, value: string): void {
  const kv = writer.begin(field)
  writer.key(1, WireType.LEN)
  writer.string(key)
  const any = writer.begin(2)
  writer.key(1, WireType.LEN)
  writer.string(value)
  writer.end(any)
  writer.end(kv)
}

/** pcommon `Value.Str()`: the string of a string value, else "". */
function str(tag: JaegerTag): string {
  return tag.vType === TagType.STRING && typeof tag.vStr === 'string' ? tag.vStr : ''
}

/** Trace id bytes: field key, length 16, high then low half big-endian (high 0 for a 64-bit id). */
function writeTraceId(writer: ProtoWriter, field: number, high: bigint, low: bigint): void {
  writer.id128Field(field, high, low)
}

function writeSpanId(writer: ProtoWriter, field: number, id: bigint): void {
  writer.id64Field(field, id)
}

/**
 * message Resource {
 *   repeated KeyValue attributes = 1;       // LEN
 *   uint32 dropped_attributes_count = 2;    // not written
 * }
 */
function writeResource(writer: ProtoWriter, process: JaegerProcess): void {
  const resource = writer.begin(1)
  const tags = process.tags ?? []
  if (process.serviceName !== '' || process.tags != null) {
    if (process.serviceName !== '') writeStringKeyValue(writer, 1, 'service.name', process.serviceName)
    let hostname: JaegerTag | undefined
    let version: JaegerTag | undefined
    let hasHostName = false
    let hasExporterVersion = false
    for (const tag of tags) {
      if (tag.key === 'hostname') hostname ??= tag
      else if (tag.key === 'jaeger.version') version ??= tag
      else if (tag.key === 'host.name') hasHostName = true
      else if (tag.key === 'opencensus.exporterversion') hasExporterVersion = true
    }
    if (hasHostName) hostname = undefined
    if (hasExporterVersion) version = undefined
    for (const tag of tags) {
      if (tag !== hostname && tag !== version) writeKeyValue(writer, 1, tag)
    }
    if (hostname !== undefined) writeKeyValue(writer, 1, { ...hostname, key: 'host.name' })
    if (version !== undefined) writeStringKeyValue(writer, 1, 'opencensus.exporterversion', `Jaeger-${str(version)}`)
  }
  writer.end(resource)
}

function sameTrace(span: JaegerSpan, ref: JaegerSpanRef): boolean {
  return BigInt.asUintN(U64, ref.traceIdHigh) === BigInt.asUintN(U64, span.traceIdHigh) && BigInt.asUintN(U64, ref.traceIdLow) === BigInt.asUintN(U64, span.traceIdLow)
}

/** The translator's parent: parentSpanId, else the first same-trace CHILD_OF ref, else the first same-trace FOLLOWS_FROM ref (unsigned; 0 = none). */
export function otlpParentSpanId(span: JaegerSpan): bigint {
  const parent = BigInt.asUintN(U64, span.parentSpanId)
  if (parent !== 0n) return parent
  let followsFrom: JaegerSpanRef | undefined
  for (const ref of span.references ?? []) {
    if (!sameTrace(span, ref)) continue
    if (ref.refType === SpanRefType.CHILD_OF) return BigInt.asUintN(U64, ref.spanId)
    if (followsFrom === undefined && ref.refType === SpanRefType.FOLLOWS_FROM) followsFrom = ref
  }
  return followsFrom === undefined ? 0n : BigInt.asUintN(U64, followsFrom.spanId)
}

const KINDS: Record<string, SpanKind> = {
  client: SpanKind.CLIENT,
  server: SpanKind.SERVER,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
  internal: SpanKind.INTERNAL,
}

const INT64_DECIMAL = /^[+-]?[0-9]+$/
const MIN_I64 = -(2n ** 63n)
const MAX_I64 = 2n ** 63n - 1n

/** The translator's `codeFromAttr`: a long tag, or a string tag holding a base-10 int64; else undefined. */
function httpCode(tag: JaegerTag): bigint | undefined {
  if (tag.vType === TagType.LONG && typeof tag.vLong === 'bigint') return BigInt.asIntN(U64, tag.vLong)
  if (tag.vType !== TagType.STRING || typeof tag.vStr !== 'string' || !INT64_DECIMAL.test(tag.vStr)) return undefined
  const code = BigInt(tag.vStr)
  return code < MIN_I64 || code > MAX_I64 ? undefined : code
}

/** What the span-level tags turn into: kind, status, and the tags that stay attributes. */
interface SpanTagMapping {
  kind: number
  /** -1: no status field. */
  statusCode: number
  statusMessage: string
  /** Tags consumed by kind/status (not written as attributes): at most span.kind, error, otel.status_code, otel.status_description. */
  removed: (JaegerTag | undefined)[]
  removedCount: number
}

// One mapping object reused span after span (allocation-free hot path); writeSpan reads it before anything else calls mapSpanTags.
const mapping: SpanTagMapping = { kind: 0, statusCode: -1, statusMessage: '', removed: [undefined, undefined, undefined, undefined], removedCount: 0 }

function remove(tag: JaegerTag): void {
  mapping.removed[mapping.removedCount++] = tag
}

/** True when `tag` was consumed by the mapping (a few identity checks, no allocation). */
function isRemoved(tag: JaegerTag): boolean {
  const removed = mapping.removed
  for (let i = 0; i < mapping.removedCount; i++) if (removed[i] === tag) return true
  return false
}

/** `span.kind` → kind and the translator's `setInternalSpanStatus`. */
function mapSpanTags(tags: readonly JaegerTag[]): void {
  let kindTag: JaegerTag | undefined
  let errorTag: JaegerTag | undefined
  let codeTag: JaegerTag | undefined
  let descTag: JaegerTag | undefined
  let httpCodeTag: JaegerTag | undefined
  let httpMessageTag: JaegerTag | undefined
  for (const tag of tags) {
    switch (tag.key) {
      case 'span.kind': kindTag ??= tag; break
      case 'error': errorTag ??= tag; break
      case 'otel.status_code': codeTag ??= tag; break
      case 'otel.status_description': descTag ??= tag; break
      case 'http.status_code': httpCodeTag ??= tag; break
      case 'http.status_message': httpMessageTag ??= tag; break
    }
  }
  mapping.kind = SpanKind.UNSPECIFIED
  mapping.statusCode = -1
  mapping.statusMessage = ''
  mapping.removed.fill(undefined)
  mapping.removedCount = 0
  if (kindTag === undefined && errorTag === undefined && codeTag === undefined && httpCodeTag === undefined) return
  if (kindTag !== undefined) {
    mapping.kind = KINDS[str(kindTag)] ?? SpanKind.UNSPECIFIED
    remove(kindTag)
  }
  let exists = false
  if (errorTag !== undefined && errorTag.vType === TagType.BOOL && errorTag.vBool === true) {
    exists = true
    mapping.statusCode = StatusCode.ERROR
    remove(errorTag)
    if (descTag !== undefined) {
      mapping.statusMessage = str(descTag)
      remove(descTag)
    } else if (httpMessageTag !== undefined) {
      mapping.statusMessage = str(httpMessageTag)
    }
  }
  if (codeTag !== undefined) {
    if (!exists) {
      exists = true
      const code = str(codeTag).toUpperCase()
      mapping.statusCode = code === 'OK' ? StatusCode.OK : code === 'ERROR' ? StatusCode.ERROR : StatusCode.UNSET
      if (descTag !== undefined) {
        mapping.statusMessage = str(descTag)
        remove(descTag)
      }
    }
    remove(codeTag)
  } else if (httpCodeTag !== undefined && !exists) {
    const code = httpCode(httpCodeTag)
    if (code !== undefined) {
      let status: number
      if (code >= 400n && code < 500n && mapping.kind === SpanKind.CLIENT) status = StatusCode.ERROR
      else if (code >= 400n && code < 500n && mapping.kind === SpanKind.SERVER) status = StatusCode.UNSET
      else status = code >= 100n && code < 399n ? StatusCode.UNSET : StatusCode.ERROR
      if (status !== StatusCode.UNSET) mapping.statusCode = status
      if (httpMessageTag !== undefined) mapping.statusMessage = str(httpMessageTag)
    }
  }
}

/**
 * message Span.Event {
 *   fixed64 time_unix_nano = 1;           // I64
 *   string name = 2;                      // LEN
 *   repeated KeyValue attributes = 3;     // LEN
 *   uint32 dropped_attributes_count = 4;  // not written
 * }
 */
function writeEvent(writer: ProtoWriter, log: JaegerLog): void {
  const event = writer.begin(11)
  writer.key(1, WireType.FIXED64)
  writer.fixed64MicrosAsNanos(log.timestamp)
  const fields = log.fields ?? []
  let nameTag: JaegerTag | undefined
  for (const field of fields) {
    if (field.key === 'event') {
      nameTag = field
      break
    }
  }
  if (nameTag !== undefined && str(nameTag) !== '') {
    writer.key(2, WireType.LEN)
    writer.string(str(nameTag))
  }
  for (const field of fields) {
    if (field !== nameTag) writeKeyValue(writer, 3, field)
  }
  writer.end(event)
}

/**
 * message Span.Link {
 *   bytes trace_id = 1;                   // LEN, 16 bytes
 *   bytes span_id = 2;                    // LEN, 8 bytes
 *   string trace_state = 3;               // not written
 *   repeated KeyValue attributes = 4;     // LEN: opentracing.ref_type
 *   uint32 dropped_attributes_count = 5;  // not written
 *   fixed32 flags = 6;                    // not written
 * }
 */
function writeLink(writer: ProtoWriter, ref: JaegerSpanRef): void {
  const link = writer.begin(13)
  writeTraceId(writer, 1, ref.traceIdHigh, ref.traceIdLow)
  writeSpanId(writer, 2, ref.spanId)
  writeStringKeyValue(writer, 4, 'opentracing.ref_type', ref.refType === SpanRefType.CHILD_OF ? 'child_of' : 'follows_from')
  writer.end(link)
}

/**
 * message Span {
 *   bytes trace_id = 1;                   // LEN, 16 bytes
 *   bytes span_id = 2;                    // LEN, 8 bytes
 *   string trace_state = 3;               // not written
 *   bytes parent_span_id = 4;             // LEN, 8 bytes; absent for a root span
 *   fixed32 flags = 16;                   // I32
 *   string name = 5;                      // LEN
 *   SpanKind kind = 6;                    // VARINT
 *   fixed64 start_time_unix_nano = 7;     // I64
 *   fixed64 end_time_unix_nano = 8;       // I64
 *   repeated KeyValue attributes = 9;     // LEN
 *   uint32 dropped_attributes_count = 10; // not written
 *   repeated Event events = 11;           // LEN
 *   uint32 dropped_events_count = 12;     // not written
 *   repeated Link links = 13;             // LEN
 *   uint32 dropped_links_count = 14;      // not written
 *   Status status = 15;                   // LEN
 * }
 * message Status { reserved 1; string message = 2; StatusCode code = 3; }
 */
function writeSpan(writer: ProtoWriter, span: JaegerSpan): void {
  const mark = writer.begin(2)
  writeTraceId(writer, 1, span.traceIdHigh, span.traceIdLow)
  writeSpanId(writer, 2, span.spanId)
  const parent = otlpParentSpanId(span)
  if (parent !== 0n) writeSpanId(writer, 4, parent)
  if (typeof span.operationName !== 'string') encodeError('span operationName', 'not a string')
  if (span.operationName !== '') {
    writer.key(5, WireType.LEN)
    writer.string(span.operationName)
  }
  const tags = span.tags ?? []
  mapSpanTags(tags)
  if (mapping.kind !== SpanKind.UNSPECIFIED) {
    writer.key(6, WireType.VARINT)
    writer.varint32(mapping.kind)
  }
  writer.key(7, WireType.FIXED64)
  writer.fixed64MicrosAsNanos(span.startTime)
  writer.key(8, WireType.FIXED64)
  writer.fixed64MicrosAsNanos(span.startTime + span.duration)
  if (mapping.removedCount === 0) {
    for (const tag of tags) writeKeyValue(writer, 9, tag)
  } else {
    for (const tag of tags) if (!isRemoved(tag)) writeKeyValue(writer, 9, tag)
  }
  const statusCode = mapping.statusCode
  const statusMessage = mapping.statusMessage
  for (const log of span.logs ?? []) writeEvent(writer, log)
  const refs = span.references ?? []
  for (const ref of refs) {
    if (ref.refType === SpanRefType.CHILD_OF && (ref.spanId >= 0n ? ref.spanId : BigInt.asUintN(U64, ref.spanId)) === parent) continue
    if (ref.refType !== SpanRefType.CHILD_OF && ref.refType !== SpanRefType.FOLLOWS_FROM) encodeError('span reference', `unknown refType ${String(ref.refType)}`)
    writeLink(writer, ref)
  }
  if (statusCode !== -1) {
    const status = writer.begin(15)
    if (statusMessage !== '') {
      writer.key(2, WireType.LEN)
      writer.string(statusMessage)
    }
    if (statusCode !== StatusCode.UNSET) {
      writer.key(3, WireType.VARINT)
      writer.varint32(statusCode)
    }
    writer.end(status)
  }
  if ((span.flags & 1) !== 0) {
    writer.key(16, WireType.FIXED32)
    writer.fixed32(1)
  }
  writer.end(mark)
}

/**
 * message TracesData { repeated ResourceSpans resource_spans = 1; }   // LEN
 * message ResourceSpans {
 *   Resource resource = 1;                // LEN
 *   repeated ScopeSpans scope_spans = 2;  // LEN: one
 *   string schema_url = 3;                // not written
 * }
 * message ScopeSpans {
 *   InstrumentationScope scope = 1;       // not written
 *   repeated Span spans = 2;              // LEN
 *   string schema_url = 3;                // not written
 * }
 */
export function writeTracesData(writer: ProtoWriter, process: JaegerProcess, spans: readonly JaegerSpan[]): void {
  const start = writer.length
  try {
    const resourceSpans = writer.begin(1)
    writeResource(writer, process)
    const scopeSpans = writer.begin(2)
    for (const span of spans) writeSpan(writer, span)
    writer.end(scopeSpans)
    writer.end(resourceSpans)
  } catch (error) {
    if (error instanceof JaegerKafkaError) throw error
    // A value of the wrong type (a number for a bigint id, say) fails inside the writer.
    throw new JaegerKafkaError(ErrorCodes.PROTOBUF_ENCODE, `Cannot encode spans as OTLP: ${describeError(error)} (at byte ${writer.length - start})`, { cause: error })
  }
}

/** One OTLP `TracesData` (= `ExportTraceServiceRequest`) holding `spans` of `process`. Throws PROTOBUF_ENCODE for an invalid value. */
export function encodeOtlpTraces(process: JaegerProcess, spans: readonly JaegerSpan[]): Uint8Array<ArrayBuffer> {
  return encodeProto({ process, spans }, (writer, value) => writeTracesData(writer, value.process, value.spans))
}

/** Run `write` (pooled bytes); a value of the wrong type (a number for a bigint id, say) becomes a PROTOBUF_ENCODE error naming `what`. */
function encodeChecked<T>(what: string, value: T, write: (writer: ProtoWriter, value: T) => void): Uint8Array<ArrayBuffer> {
  return encodeProtoPooled(value, (writer, v) => {
    try {
      write(writer, v)
    } catch (error) {
      if (error instanceof JaegerKafkaError) throw error
      throw new JaegerKafkaError(ErrorCodes.PROTOBUF_ENCODE, `Cannot encode ${what} as OTLP: ${describeError(error)}`, { cause: error })
    }
  })
}

/*
 * The pieces of a TracesData, for a sender that encodes each span once and
 * assembles per-trace records later by concatenation (the bytes equal
 * encodeOtlpTraces() of the same process and spans):
 *   TracesData = 0x0A len(RS) RS
 *   RS (ResourceSpans) = <resource field> 0x12 len(SS) SS
 *   SS (ScopeSpans) = <span field> <span field> …
 */

/** A ResourceSpans `resource` field (key and length included) for `process`. Throws PROTOBUF_ENCODE for an invalid value. */
export function encodeOtlpResourceField(process: JaegerProcess): Uint8Array<ArrayBuffer> {
  return encodeChecked('process', process, writeResource)
}

/** A ScopeSpans `spans` field (key and length included) holding `span`, usually a view into a shared slab. Throws PROTOBUF_ENCODE for an invalid value. */
export function encodeOtlpSpanField(span: JaegerSpan): Uint8Array<ArrayBuffer> {
  return encodeChecked('span', span, writeSpan)
}

function varintSize(value: number): number {
  let size = 1
  while (value >= 0x80) {
    value = Math.floor(value / 128)
    size++
  }
  return size
}

/** Bytes of the TracesData assembled from a resource field of `resourceLength` and span fields of `spansLength` in total. */
export function otlpTracesSize(resourceLength: number, spansLength: number): number {
  const resourceSpans = resourceLength + 1 + varintSize(spansLength) + spansLength
  return 1 + varintSize(resourceSpans) + resourceSpans
}

function putVarint(bytes: Uint8Array, pos: number, value: number): number {
  while (value >= 0x80) {
    bytes[pos++] = (value & 0x7f) | 0x80
    value >>>= 7
  }
  bytes[pos++] = value
  return pos
}

/**
 * The TracesData of one resource and its spans, from their encoded fields
 * (encodeOtlpResourceField(), encodeOtlpSpanField()): a single copy, sizes
 * known up front. `spansLength` is the sum of the span fields' lengths.
 */
export function assembleOtlpTraces(resource: Uint8Array, spans: readonly Uint8Array[], spansLength: number): Uint8Array<ArrayBuffer> {
  const resourceSpans = resource.length + 1 + varintSize(spansLength) + spansLength
  const bytes = new Uint8Array(1 + varintSize(resourceSpans) + resourceSpans)
  bytes[0] = KEY_1_LEN
  let pos = putVarint(bytes, 1, resourceSpans)
  bytes.set(resource, pos)
  pos += resource.length
  bytes[pos++] = KEY_2_LEN
  pos = putVarint(bytes, pos, spansLength)
  for (const span of spans) {
    bytes.set(span, pos)
    pos += span.length
  }
  if (pos !== bytes.length) throw new RangeError(`Cannot assemble TracesData: span fields hold ${pos - bytes.length + spansLength} bytes, not ${spansLength}`)
  return bytes
}
