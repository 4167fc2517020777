// SPDX-License-Identifier: Apache-2.0
/**
 * What `inspect` prints of one span record, whatever its encoding: the
 * services, and per span its trace id (as Jaeger writes it), ids, operation
 * and duration. The encoding comes from the `jaeger-kafka-encoding` header,
 * else from `--encoding`, else it is sniffed (`sniffEncoding`).
 * @module
 */
import { decodeJaegerProtoSpan } from '../src/codec/jaeger-proto/index.ts'
import { decodeOtlpTraces } from '../src/codec/otlp/index.ts'
import type { OtlpSpan } from '../src/codec/otlp/index.ts'
import { decodeBatch, traceIdHex } from '../src/codec/thrift/index.ts'
import type { ClientStats, JaegerSpan } from '../src/codec/thrift/index.ts'
import type { SpanEncoding } from '../src/kafka/span-record.ts'

/** One span as inspect shows it. */
export interface SpanView {
  traceId: string
  spanId: bigint
  parentSpanId: bigint
  operationName: string
  /** Microseconds. */
  duration: bigint
}

/** One decoded record. */
export interface RecordView {
  encoding: SpanEncoding
  services: string[]
  spans: SpanView[]
  seqNo?: bigint
  stats?: ClientStats
}

function fromJaegerSpan(span: JaegerSpan): SpanView {
  return { traceId: traceIdHex(span.traceIdHigh, span.traceIdLow), spanId: span.spanId, parentSpanId: span.parentSpanId, operationName: span.operationName, duration: span.duration }
}

function u64(bytes: Uint8Array, offset: number): bigint {
  if (bytes.length < offset + 8) return 0n
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(offset)
}

function fromOtlpSpan(span: OtlpSpan): SpanView {
  return {
    traceId: traceIdHex(u64(span.traceId, 0), u64(span.traceId, 8)),
    spanId: u64(span.spanId, 0),
    parentSpanId: u64(span.parentSpanId, 0),
    operationName: span.name,
    duration: span.endTimeUnixNano > span.startTimeUnixNano ? (span.endTimeUnixNano - span.startTimeUnixNano) / 1000n : 0n,
  }
}

/** Decode `bytes` as `encoding`; throws the decoder's error. */
export function decodeRecordView(bytes: Uint8Array, encoding: SpanEncoding): RecordView {
  if (encoding === 'jaeger_thrift') {
    const batch = decodeBatch(bytes)
    const view: RecordView = { encoding, services: [batch.process.serviceName], spans: batch.spans.map(fromJaegerSpan) }
    if (batch.seqNo !== undefined) view.seqNo = batch.seqNo
    if (batch.stats !== undefined) view.stats = batch.stats
    return view
  }
  if (encoding === 'jaeger_proto') {
    const { process, span } = decodeJaegerProtoSpan(bytes)
    return { encoding, services: [process.serviceName], spans: [fromJaegerSpan(span)] }
  }
  const services = new Set<string>()
  const spans: SpanView[] = []
  for (const resourceSpans of decodeOtlpTraces(bytes).resourceSpans) {
    const name = resourceSpans.resource?.attributes.find((a) => a.key === 'service.name')?.value
    services.add(name?.type === 'string' ? name.value : '')
    for (const scope of resourceSpans.scopeSpans) for (const span of scope.spans) spans.push(fromOtlpSpan(span))
  }
  return { encoding, services: [...services], spans }
}

/**
 * The encoding of a record without a header: a Thrift Batch if it decodes as
 * one; `jaeger_proto` if it starts like a `model.Span` (field 1 a 16-byte
 * trace id, then field 2 an 8-byte span id); else `otlp_proto`.
 */
export function sniffEncoding(bytes: Uint8Array): SpanEncoding {
  try {
    decodeBatch(bytes)
    return 'jaeger_thrift'
  } catch {
    // not Thrift
  }
  if (bytes[0] === 0x0a && bytes[1] === 0x10 && bytes[18] === 0x12 && bytes[19] === 0x08) return 'jaeger_proto'
  return 'otlp_proto'
}
