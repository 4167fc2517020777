// SPDX-License-Identifier: Apache-2.0
/**
 * How the protobuf encodings cut flushed spans into records, with trace
 * affinity: every record holds spans of ONE trace and is keyed by its trace id
 * (lower-case hex, as Jaeger's Kafka exporter writes it), so a trace lands in
 * one partition.
 * - `otlp_proto`: one `TracesData` per trace per flush, or several when the
 *   trace's spans are over `maxBytes` together (filled in append order).
 * - `jaeger_proto`: one `model.Span` (process embedded) per record.
 *
 * Each span is encoded ONCE, when appended (`encodeTraceSpan()`: its OTLP span
 * field, or its `model.Span` fields without the process), and the process
 * once per `setProcess` (`traceRecordFormat()`); a record is then assembled by
 * concatenation, its exact size known from the lengths alone. The codecs own
 * the bytes (`assembleOtlpTraces()`, `assembleJaegerProtoSpan()`); this file
 * only decides which spans go together. A span whose one-span record is over
 * `maxBytes` (the limit was lowered after it was appended) is returned as a
 * drop, for the sender to count.
 * @module
 */
import { assembleJaegerProtoSpan, encodeJaegerProtoProcess, encodeJaegerProtoSpanFields, traceIdKey } from '../src/codec/jaeger-proto/index.ts'
import { assembleOtlpTraces, encodeOtlpResourceField, encodeOtlpSpanField, otlpTracesSize } from '../src/codec/otlp/index.ts'
import type { JaegerProcess, JaegerSpan } from '../src/codec/thrift/jaeger-types.ts'
import type { SpanEncoding } from '../src/kafka/span-record.ts'

/** The encodings with per-trace records. */
export type TraceEncoding = Exclude<SpanEncoding, 'jaeger_thrift'>

/** A span encoded once for its records. */
export interface EncodedSpan {
  /** Its trace id as the record key. */
  readonly key: string
  /** `otlp_proto`: a ScopeSpans span field; `jaeger_proto`: the `model.Span` fields but the process. */
  readonly bytes: Uint8Array
  /** For drop reports. */
  readonly operationName: string
}

/** The process of the records sealed from now on, encoded once. */
export interface TraceRecordFormat {
  readonly encoding: TraceEncoding
  /** `otlp_proto`: the ResourceSpans resource field; `jaeger_proto`: the `model.Span` process field. */
  readonly process: Uint8Array
}

/** One record's worth of spans of one trace. */
export interface TraceRecord {
  key: string
  value: Uint8Array
  spans: EncodedSpan[]
}

/** A span that fits in no record. */
export interface TraceRecordDrop {
  reason: 'too_large'
  span: EncodedSpan
  bytes: number
  error: string
}

/** The process, encoded for `encoding`. Throws PROTOBUF_ENCODE for an invalid value. */
export function traceRecordFormat(encoding: TraceEncoding, process: JaegerProcess): TraceRecordFormat {
  return { encoding, process: encoding === 'otlp_proto' ? encodeOtlpResourceField(process) : encodeJaegerProtoProcess(process) }
}

/** The bytes `span` adds to a record of `encoding` (the trimming check encodes through this). Throws PROTOBUF_ENCODE. */
export function encodeSpanPart(encoding: TraceEncoding, span: JaegerSpan): Uint8Array {
  return encoding === 'otlp_proto' ? encodeOtlpSpanField(span) : encodeJaegerProtoSpanFields(span)
}

// Spans of one trace usually arrive together: their key is formatted once.
let lastHigh = 0n
let lastLow = 0n
let lastKey = ''

function keyOf(span: JaegerSpan): string {
  if (lastKey !== '' && span.traceIdLow === lastLow && span.traceIdHigh === lastHigh) return lastKey
  lastKey = traceIdKey(span)
  lastHigh = span.traceIdHigh
  lastLow = span.traceIdLow
  return lastKey
}

/** Encode `span` once for records of `encoding`, with `bytes` when the caller has them already (a trimmed span). Throws PROTOBUF_ENCODE. */
export function encodeTraceSpan(encoding: TraceEncoding, span: JaegerSpan, bytes: Uint8Array = encodeSpanPart(encoding, span)): EncodedSpan {
  return { key: keyOf(span), bytes, operationName: span.operationName }
}

/** Bytes of a record of `format` holding span parts of `spansLength` bytes in total. */
export function traceRecordSize(format: TraceRecordFormat, spansLength: number): number {
  return format.encoding === 'otlp_proto' ? otlpTracesSize(format.process.length, spansLength) : spansLength + format.process.length
}

/** The largest span part whose one-span record of `format` is within `maxBytes` (may be negative). */
export function maxSpanPartBytes(format: TraceRecordFormat, maxBytes: number): number {
  let bytes = maxBytes - format.process.length
  while (bytes > 0 && traceRecordSize(format, bytes) > maxBytes) bytes--
  return bytes
}

/** The record of `spans` (one span for `jaeger_proto`), `spansLength` bytes of parts in total. */
export function assembleTraceRecord(format: TraceRecordFormat, spans: readonly EncodedSpan[], spansLength: number): Uint8Array {
  if (format.encoding === 'jaeger_proto') return assembleJaegerProtoSpan((spans[0] as EncodedSpan).bytes, format.process)
  return assembleOtlpTraces(
    format.process,
    spans.map((span) => span.bytes),
    spansLength,
  )
}

/** The spans of each trace, in first-seen order of the traces and append order within one. */
export function groupByTrace<T extends { readonly key: string }>(spans: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>()
  for (const span of spans) {
    const group = groups.get(span.key)
    if (group) group.push(span)
    else groups.set(span.key, [span])
  }
  return groups
}

function tooLarge(format: TraceRecordFormat, span: EncodedSpan, maxBytes: number): TraceRecordDrop {
  const bytes = traceRecordSize(format, span.bytes.length)
  return { reason: 'too_large', span, bytes, error: `Cannot send span "${span.operationName}": its ${format.encoding} record is ${bytes} bytes, over the ${maxBytes}-byte limit` }
}

/** Cut `spans` into per-trace records of `format`, each within `maxBytes`. */
export function traceRecords(format: TraceRecordFormat, spans: readonly EncodedSpan[], maxBytes: number): { records: TraceRecord[]; drops: TraceRecordDrop[] } {
  const records: TraceRecord[] = []
  const drops: TraceRecordDrop[] = []
  if (format.encoding === 'jaeger_proto') {
    for (const span of spans) {
      if (traceRecordSize(format, span.bytes.length) > maxBytes) drops.push(tooLarge(format, span, maxBytes))
      else records.push({ key: span.key, value: assembleTraceRecord(format, [span], span.bytes.length), spans: [span] })
    }
    return { records, drops }
  }
  for (const [key, group] of groupByTrace(spans)) {
    let total = 0
    for (const span of group) total += span.bytes.length
    if (traceRecordSize(format, total) <= maxBytes) {
      // The common case: the whole trace in one record.
      records.push({ key, value: assembleTraceRecord(format, group, total), spans: group })
      continue
    }
    // Fill records in append order; a span that alone is over the limit is dropped.
    let open: EncodedSpan[] = []
    let openBytes = 0
    const close = (): void => {
      if (open.length > 0) records.push({ key, value: assembleTraceRecord(format, open, openBytes), spans: open })
      open = []
      openBytes = 0
    }
    for (const span of group) {
      const length = span.bytes.length
      if (traceRecordSize(format, length) > maxBytes) {
        drops.push(tooLarge(format, span, maxBytes))
        continue
      }
      if (traceRecordSize(format, openBytes + length) > maxBytes) close()
      open.push(span)
      openBytes += length
    }
    close()
  }
  return { records, drops }
}
