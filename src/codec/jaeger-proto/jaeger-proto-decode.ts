// SPDX-License-Identifier: Apache-2.0
/**
 * api_v2 `model.Span` decoder (for `inspect` and the forwarder): the span and
 * its embedded process as the jaeger.thrift types. Field numbers are in the
 * comments of `jaeger-proto-encode.ts`. `parentSpanId` is the first CHILD_OF
 * reference of the same trace (jaeger-idl `Span.ParentSpanID()`); references
 * are kept as they are. Malformed bytes are a PROTOBUF_DECODE error.
 * @module
 */
import { WireType } from '../protobuf/proto-writer.ts'
import { ProtoReader, decodeProto, protoDecodeError } from '../protobuf/proto-reader.ts'
import { SpanRefType, TagType } from '../thrift/jaeger-types.ts'
import type { JaegerLog, JaegerProcess, JaegerSpan, JaegerSpanRef, JaegerTag } from '../thrift/jaeger-types.ts'

/** thrift `TagType` for each api_v2 `ValueType` (STRING, BOOL, INT64, FLOAT64, BINARY). */
const TAG_TYPE: readonly TagType[] = [TagType.STRING, TagType.BOOL, TagType.LONG, TagType.DOUBLE, TagType.BINARY]
const EMPTY = new Uint8Array(0)

/** A decoded `jaeger_proto` record: one span and the process embedded in it. */
export interface JaegerProtoSpan {
  process: JaegerProcess
  span: JaegerSpan
}

function readKeyValue(reader: ProtoReader): JaegerTag {
  let key = ''
  let valueType = 0
  let vStr = ''
  let vBool = false
  let vLong = 0n
  let vDouble = 0
  let vBinary: Uint8Array = EMPTY
  while (reader.more()) {
    const fieldKey = reader.key()
    switch (fieldKey >>> 3) {
      case 1: reader.expect(fieldKey, WireType.LEN, 'KeyValue.key'); key = reader.string(); break
      case 2: reader.expect(fieldKey, WireType.VARINT, 'KeyValue.v_type'); valueType = reader.varint32(); break
      case 3: reader.expect(fieldKey, WireType.LEN, 'KeyValue.v_str'); vStr = reader.string(); break
      case 4: reader.expect(fieldKey, WireType.VARINT, 'KeyValue.v_bool'); vBool = reader.bool(); break
      case 5: reader.expect(fieldKey, WireType.VARINT, 'KeyValue.v_int64'); vLong = reader.int64(); break
      case 6: reader.expect(fieldKey, WireType.FIXED64, 'KeyValue.v_float64'); vDouble = reader.double(); break
      case 7: reader.expect(fieldKey, WireType.LEN, 'KeyValue.v_binary'); vBinary = reader.bytesField(); break
      default: reader.skip(fieldKey)
    }
  }
  const vType = TAG_TYPE[valueType]
  if (vType === undefined) throw protoDecodeError(`KeyValue "${key}" has unknown v_type ${valueType}`)
  switch (vType) {
    case TagType.STRING: return { key, vType, vStr }
    case TagType.BOOL: return { key, vType, vBool }
    case TagType.LONG: return { key, vType, vLong }
    case TagType.DOUBLE: return { key, vType, vDouble }
    default: return { key, vType, vBinary }
  }
}

/** Timestamp or Duration `{ int64 seconds = 1; int32 nanos = 2; }` as microseconds (nanos floored). */
function readMicros(reader: ProtoReader, what: string): bigint {
  let seconds = 0n
  let nanos = 0n
  while (reader.more()) {
    const key = reader.key()
    switch (key >>> 3) {
      case 1: reader.expect(key, WireType.VARINT, `${what}.seconds`); seconds = reader.int64(); break
      case 2: reader.expect(key, WireType.VARINT, `${what}.nanos`); nanos = BigInt.asIntN(32, reader.varint64()); break
      default: reader.skip(key)
    }
  }
  if (nanos <= -1_000_000_000n || nanos >= 1_000_000_000n) throw protoDecodeError(`${what}.nanos ${nanos} out of range`)
  const micros = seconds * 1_000_000n + nanos / 1000n
  return nanos < 0n && nanos % 1000n !== 0n ? micros - 1n : micros
}

function readTraceId(reader: ProtoReader, key: number, what: string): [bigint, bigint] {
  reader.expect(key, WireType.LEN, what)
  const bytes = reader.fixedBytes(16, what)
  const view = new DataView(bytes.buffer, bytes.byteOffset, 16)
  return [view.getBigUint64(0), view.getBigUint64(8)]
}

function readSpanId(reader: ProtoReader, key: number, what: string): bigint {
  reader.expect(key, WireType.LEN, what)
  const bytes = reader.fixedBytes(8, what)
  return new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0)
}

function readRef(reader: ProtoReader): JaegerSpanRef {
  const ref: JaegerSpanRef = { refType: SpanRefType.CHILD_OF, traceIdHigh: 0n, traceIdLow: 0n, spanId: 0n }
  while (reader.more()) {
    const key = reader.key()
    switch (key >>> 3) {
      case 1: [ref.traceIdHigh, ref.traceIdLow] = readTraceId(reader, key, 'SpanRef.trace_id'); break
      case 2: ref.spanId = readSpanId(reader, key, 'SpanRef.span_id'); break
      case 3: {
        reader.expect(key, WireType.VARINT, 'SpanRef.ref_type')
        const refType = reader.varint32()
        if (refType !== SpanRefType.CHILD_OF && refType !== SpanRefType.FOLLOWS_FROM) throw protoDecodeError(`unknown SpanRef.ref_type ${refType}`)
        ref.refType = refType
        break
      }
      default: reader.skip(key)
    }
  }
  return ref
}

function readLog(reader: ProtoReader): JaegerLog {
  const log: JaegerLog = { timestamp: 0n, fields: [] }
  while (reader.more()) {
    const key = reader.key()
    switch (key >>> 3) {
      case 1: reader.expect(key, WireType.LEN, 'Log.timestamp'); log.timestamp = readMicros(reader.message('Timestamp'), 'Log.timestamp'); break
      case 2: reader.expect(key, WireType.LEN, 'Log.fields'); log.fields.push(readKeyValue(reader.message('KeyValue'))); break
      default: reader.skip(key)
    }
  }
  return log
}

function readProcess(reader: ProtoReader): JaegerProcess {
  const process: JaegerProcess = { serviceName: '', tags: [] }
  while (reader.more()) {
    const key = reader.key()
    switch (key >>> 3) {
      case 1: reader.expect(key, WireType.LEN, 'Process.service_name'); process.serviceName = reader.string(); break
      case 2: reader.expect(key, WireType.LEN, 'Process.tags'); process.tags!.push(readKeyValue(reader.message('KeyValue'))); break
      default: reader.skip(key)
    }
  }
  return process
}

/** Decode one `jaeger_proto` record. A span without an embedded process gets an empty one. */
export function decodeJaegerProtoSpan(bytes: Uint8Array): JaegerProtoSpan {
  return decodeProto(bytes, 'jaeger_proto Span', (reader) => {
    const span: JaegerSpan = {
      traceIdLow: 0n, traceIdHigh: 0n, spanId: 0n, parentSpanId: 0n, operationName: '',
      references: [], flags: 0, startTime: 0n, duration: 0n, tags: [], logs: [],
    }
    let process: JaegerProcess = { serviceName: '', tags: [] }
    while (reader.more()) {
      const key = reader.key()
      switch (key >>> 3) {
        case 1: [span.traceIdHigh, span.traceIdLow] = readTraceId(reader, key, 'Span.trace_id'); break
        case 2: span.spanId = readSpanId(reader, key, 'Span.span_id'); break
        case 3: reader.expect(key, WireType.LEN, 'Span.operation_name'); span.operationName = reader.string(); break
        case 4: reader.expect(key, WireType.LEN, 'Span.references'); span.references!.push(readRef(reader.message('SpanRef'))); break
        case 5: reader.expect(key, WireType.VARINT, 'Span.flags'); span.flags = reader.varint32() | 0; break
        case 6: reader.expect(key, WireType.LEN, 'Span.start_time'); span.startTime = readMicros(reader.message('Timestamp'), 'Span.start_time'); break
        case 7: reader.expect(key, WireType.LEN, 'Span.duration'); span.duration = readMicros(reader.message('Duration'), 'Span.duration'); break
        case 8: reader.expect(key, WireType.LEN, 'Span.tags'); span.tags!.push(readKeyValue(reader.message('KeyValue'))); break
        case 9: reader.expect(key, WireType.LEN, 'Span.logs'); span.logs!.push(readLog(reader.message('Log'))); break
        case 10: reader.expect(key, WireType.LEN, 'Span.process'); process = readProcess(reader.message('Process')); break
        default: reader.skip(key)
      }
    }
    for (const ref of span.references!) {
      if (ref.refType === SpanRefType.CHILD_OF && ref.traceIdHigh === span.traceIdHigh && ref.traceIdLow === span.traceIdLow) {
        span.parentSpanId = ref.spanId
        break
      }
    }
    return { process, span }
  })
}
