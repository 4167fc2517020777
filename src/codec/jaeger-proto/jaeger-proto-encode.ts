// SPDX-License-Identifier: Apache-2.0
/**
 * api_v2 `model.Span` writer (jaeger-idl `proto/api_v2/model.proto`): one span
 * with its `Process` embedded (field 10), the record Jaeger's Kafka receiver
 * reads as `jaeger_proto`, and the record key Jaeger's exporter writes.
 *
 * Mapping from the jaeger.thrift types (as Jaeger's own thrift → model
 * converter does): parentSpanId becomes a leading CHILD_OF reference unless a
 * reference to that span of the same trace exists (`model.MaybeAddParentSpanID`);
 * the tag types map one to one (LONG → INT64, DOUBLE → FLOAT64); times are
 * google.protobuf Timestamp / Duration; `process_id` and `warnings` are not written.
 * @module
 */
import { ErrorCodes, JaegerKafkaError, describeError } from '../../errors.ts'
import { ProtoWriter, WireType, encodeProto, encodeProtoPooled } from '../protobuf/proto-writer.ts'
import { traceIdHex } from '../thrift/jaeger-decode.ts'
import { SpanRefType, TagType } from '../thrift/jaeger-types.ts'
import type { JaegerLog, JaegerProcess, JaegerSpan, JaegerSpanRef, JaegerTag } from '../thrift/jaeger-types.ts'

/** api_v2 `ValueType` for each thrift `TagType` (indexed by TagType). */
const VALUE_TYPE = [/* STRING */ 0, /* DOUBLE → FLOAT64 */ 3, /* BOOL */ 1, /* LONG → INT64 */ 2, /* BINARY */ 4]
const MICROS_PER_SECOND = 1_000_000n

function encodeError(what: string, reason: string): never {
  throw new JaegerKafkaError(ErrorCodes.PROTOBUF_ENCODE, `Cannot encode ${what} as jaeger_proto: ${reason}`)
}

/**
 * message KeyValue {
 *   string key = 1;         // LEN
 *   ValueType v_type = 2;   // VARINT: STRING 0, BOOL 1, INT64 2, FLOAT64 3, BINARY 4
 *   string v_str = 3;       // LEN
 *   bool v_bool = 4;        // VARINT
 *   int64 v_int64 = 5;      // VARINT
 *   double v_float64 = 6;   // I64
 *   bytes v_binary = 7;     // LEN
 * }
 * proto3: zero values are not written (an empty string, false, 0).
 */
function writeKeyValue(writer: ProtoWriter, field: number, tag: JaegerTag): void {
  const mark = writer.begin(field)
  if (tag.key !== '') {
    writer.key(1, WireType.LEN)
    writer.string(tag.key)
  }
  const valueType = VALUE_TYPE[tag.vType]
  if (valueType === undefined) encodeError(`tag "${tag.key}"`, `unknown vType ${String(tag.vType)}`)
  if (valueType !== 0) {
    writer.key(2, WireType.VARINT)
    writer.varint32(valueType)
  }
  switch (tag.vType) {
    case TagType.STRING:
      if (typeof tag.vStr !== 'string') encodeError(`tag "${tag.key}"`, 'vStr is not a string')
      if (tag.vStr !== '') {
        writer.key(3, WireType.LEN)
        writer.string(tag.vStr)
      }
      break
    case TagType.BOOL:
      if (typeof tag.vBool !== 'boolean') encodeError(`tag "${tag.key}"`, 'vBool is not a boolean')
      if (tag.vBool) {
        writer.key(4, WireType.VARINT)
        writer.varint32(1)
      }
      break
    case TagType.LONG:
      if (typeof tag.vLong !== 'bigint') encodeError(`tag "${tag.key}"`, 'vLong is not a bigint')
      if (tag.vLong !== 0n) {
        writer.key(5, WireType.VARINT)
        writer.varint64(tag.vLong)
      }
      break
    case TagType.DOUBLE:
      if (typeof tag.vDouble !== 'number') encodeError(`tag "${tag.key}"`, 'vDouble is not a number')
      // -0 is not the zero value bit-wise; proto3 writers keep it.
      if (tag.vDouble !== 0 || Object.is(tag.vDouble, -0)) {
        writer.key(6, WireType.FIXED64)
        writer.double(tag.vDouble)
      }
      break
    case TagType.BINARY:
      if (!(tag.vBinary instanceof Uint8Array)) encodeError(`tag "${tag.key}"`, 'vBinary is not a Uint8Array')
      if (tag.vBinary.length !== 0) {
        writer.key(7, WireType.LEN)
        writer.bytesField(tag.vBinary)
      }
      break
  }
  writer.end(mark)
}

/**
 * message google.protobuf.Timestamp { int64 seconds = 1; int32 nanos = 2; }  // nanos in [0, 1e9)
 * From microseconds since the epoch. Written even when zero (gogoproto non-nullable, as Jaeger does).
 */
function writeTimestamp(writer: ProtoWriter, field: number, micros: bigint): void {
  const mark = writer.begin(field)
  let seconds = micros / MICROS_PER_SECOND
  let rest = micros % MICROS_PER_SECOND
  if (rest < 0n) {
    seconds -= 1n
    rest += MICROS_PER_SECOND
  }
  if (seconds !== 0n) {
    writer.key(1, WireType.VARINT)
    writer.varint64(seconds)
  }
  if (rest !== 0n) {
    writer.key(2, WireType.VARINT)
    writer.varint32(Number(rest) * 1000)
  }
  writer.end(mark)
}

/**
 * message google.protobuf.Duration { int64 seconds = 1; int32 nanos = 2; }  // same sign
 * From microseconds.
 */
function writeDuration(writer: ProtoWriter, field: number, micros: bigint): void {
  const mark = writer.begin(field)
  const seconds = micros / MICROS_PER_SECOND
  const nanos = Number(micros % MICROS_PER_SECOND) * 1000
  if (seconds !== 0n) {
    writer.key(1, WireType.VARINT)
    writer.varint64(seconds)
  }
  if (nanos !== 0) {
    writer.key(2, WireType.VARINT)
    writer.varint64(BigInt(nanos))
  }
  writer.end(mark)
}

/** trace_id: 16 bytes, high then low half big-endian (jaeger-idl `TraceID.MarshalTo`). */
function writeTraceId(writer: ProtoWriter, high: bigint, low: bigint): void {
  writer.id128Field(1, high, low)
}

function writeSpanId(writer: ProtoWriter, id: bigint): void {
  writer.id64Field(2, id)
}

/**
 * message SpanRef {
 *   bytes trace_id = 1;        // LEN, 16 bytes
 *   bytes span_id = 2;         // LEN, 8 bytes
 *   SpanRefType ref_type = 3;  // VARINT: CHILD_OF 0, FOLLOWS_FROM 1
 * }
 */
function writeRef(writer: ProtoWriter, ref: JaegerSpanRef): void {
  if (ref.refType !== SpanRefType.CHILD_OF && ref.refType !== SpanRefType.FOLLOWS_FROM) encodeError('span reference', `unknown refType ${String(ref.refType)}`)
  const mark = writer.begin(4)
  writeTraceId(writer, ref.traceIdHigh, ref.traceIdLow)
  writeSpanId(writer, ref.spanId)
  if (ref.refType !== SpanRefType.CHILD_OF) {
    writer.key(3, WireType.VARINT)
    writer.varint32(ref.refType)
  }
  writer.end(mark)
}

/** message Log { google.protobuf.Timestamp timestamp = 1; repeated KeyValue fields = 2; } */
function writeLog(writer: ProtoWriter, log: JaegerLog): void {
  const mark = writer.begin(9)
  writeTimestamp(writer, 1, log.timestamp)
  for (const field of log.fields ?? []) writeKeyValue(writer, 2, field)
  writer.end(mark)
}

/** message Process { string service_name = 1; repeated KeyValue tags = 2; } */
function writeProcess(writer: ProtoWriter, process: JaegerProcess): void {
  const mark = writer.begin(10)
  if (typeof process.serviceName !== 'string') encodeError('process serviceName', 'not a string')
  if (process.serviceName !== '') {
    writer.key(1, WireType.LEN)
    writer.string(process.serviceName)
  }
  for (const tag of process.tags ?? []) writeKeyValue(writer, 2, tag)
  writer.end(mark)
}

/** True when `refs` already has a reference to span `parent` of this trace. */
function hasParentRef(span: JaegerSpan, parent: bigint): boolean {
  const high = BigInt.asUintN(64, span.traceIdHigh)
  const low = BigInt.asUintN(64, span.traceIdLow)
  for (const ref of span.references ?? []) {
    if (BigInt.asUintN(64, ref.spanId) === parent && BigInt.asUintN(64, ref.traceIdHigh) === high && BigInt.asUintN(64, ref.traceIdLow) === low) return true
  }
  return false
}

/**
 * `process` may be the Process field already encoded (key and length included: see encodeJaegerProtoSpans).
 *
 * message Span {
 *   bytes trace_id = 1;                          // LEN, 16 bytes
 *   bytes span_id = 2;                           // LEN, 8 bytes
 *   string operation_name = 3;                   // LEN
 *   repeated SpanRef references = 4;             // LEN
 *   uint32 flags = 5;                            // VARINT
 *   google.protobuf.Timestamp start_time = 6;    // LEN
 *   google.protobuf.Duration duration = 7;       // LEN
 *   repeated KeyValue tags = 8;                  // LEN
 *   repeated Log logs = 9;                       // LEN
 *   Process process = 10;                        // LEN
 *   string process_id = 11;                      // not written (ignored with an embedded process)
 *   repeated string warnings = 12;               // not written
 * }
 */
export function writeJaegerProtoSpan(writer: ProtoWriter, process: JaegerProcess | Uint8Array, span: JaegerSpan): void {
  writeSpanFields(writer, span)
  try {
    if (process instanceof Uint8Array) writer.raw(process)
    else writeProcess(writer, process)
  } catch (error) {
    if (error instanceof JaegerKafkaError) throw error
    throw new JaegerKafkaError(ErrorCodes.PROTOBUF_ENCODE, `Cannot encode span as jaeger_proto: ${describeError(error)}`, { cause: error })
  }
}

/** Fields 1–9 of a `model.Span` (all but the process). */
function writeSpanFields(writer: ProtoWriter, span: JaegerSpan): void {
  try {
    writeTraceId(writer, span.traceIdHigh, span.traceIdLow)
    writeSpanId(writer, span.spanId)
    if (typeof span.operationName !== 'string') encodeError('span operationName', 'not a string')
    if (span.operationName !== '') {
      writer.key(3, WireType.LEN)
      writer.string(span.operationName)
    }
    const parent = BigInt.asUintN(64, span.parentSpanId)
    if (parent !== 0n && !hasParentRef(span, parent)) {
      writeRef(writer, { refType: SpanRefType.CHILD_OF, traceIdHigh: span.traceIdHigh, traceIdLow: span.traceIdLow, spanId: parent })
    }
    for (const ref of span.references ?? []) writeRef(writer, ref)
    const flags = span.flags >>> 0
    if (flags !== 0) {
      writer.key(5, WireType.VARINT)
      writer.varint32(flags)
    }
    writeTimestamp(writer, 6, span.startTime)
    writeDuration(writer, 7, span.duration)
    for (const tag of span.tags ?? []) writeKeyValue(writer, 8, tag)
    for (const log of span.logs ?? []) writeLog(writer, log)
  } catch (error) {
    if (error instanceof JaegerKafkaError) throw error
    throw new JaegerKafkaError(ErrorCodes.PROTOBUF_ENCODE, `Cannot encode span as jaeger_proto: ${describeError(error)}`, { cause: error })
  }
}

/**
 * One api_v2 `model.Span` with `process` embedded: a `JaegerProcess`, or its
 * field already encoded by {@link encodeJaegerProtoProcess} (encode it once
 * for many spans). Throws PROTOBUF_ENCODE for an invalid value.
 */
export function encodeJaegerProtoSpan(process: JaegerProcess | Uint8Array, span: JaegerSpan): Uint8Array<ArrayBuffer> {
  return encodeProto({ process, span }, (writer, value) => writeJaegerProtoSpan(writer, value.process, value.span))
}

/**
 * The `process` field (10) of a `model.Span`, encoded once so that every
 * record of a batch can copy it. Throws PROTOBUF_ENCODE for an invalid value.
 */
export function encodeJaegerProtoProcess(process: JaegerProcess): Uint8Array<ArrayBuffer> {
  return encodeProto(process, (writer, value) => {
    try {
      writeProcess(writer, value)
    } catch (error) {
      if (error instanceof JaegerKafkaError) throw error
      throw new JaegerKafkaError(ErrorCodes.PROTOBUF_ENCODE, `Cannot encode process as jaeger_proto: ${describeError(error)}`, { cause: error })
    }
  })
}

/**
 * A `model.Span` without its process (fields 1–9): a record is these bytes
 * followed by the process field (encodeJaegerProtoProcess()), so a sender can
 * encode each span once and size its record exactly. Usually a view into a
 * shared slab. Throws PROTOBUF_ENCODE
 * for an invalid value.
 */
export function encodeJaegerProtoSpanFields(span: JaegerSpan): Uint8Array<ArrayBuffer> {
  return encodeProtoPooled(span, writeSpanFields)
}

/** The record of a span from its fields (encodeJaegerProtoSpanFields()) and the process field: one copy. */
export function assembleJaegerProtoSpan(spanFields: Uint8Array, processField: Uint8Array): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(spanFields.length + processField.length)
  bytes.set(spanFields)
  bytes.set(processField, spanFields.length)
  return bytes
}

/**
 * One record per span, each with `process` embedded: the process field is
 * encoded once and copied into every record. Throws PROTOBUF_ENCODE for an
 * invalid value.
 */
export function encodeJaegerProtoSpans(process: JaegerProcess, spans: readonly JaegerSpan[]): Uint8Array<ArrayBuffer>[] {
  const processField = encodeJaegerProtoProcess(process)
  return spans.map((span) => encodeProto(span, (writer, value) => writeJaegerProtoSpan(writer, processField, value)))
}

/**
 * The Kafka record key for a span's records: its trace id as Jaeger's
 * `TraceID.String()` writes it (lower-case hex, 16 digits when the high half
 * is 0, else 32), so all spans of a trace land in one partition.
 */
export function traceIdKey(span: Pick<JaegerSpan, 'traceIdHigh' | 'traceIdLow'>): string {
  return traceIdHex(span.traceIdHigh, span.traceIdLow)
}
