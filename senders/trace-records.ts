// SPDX-License-Identifier: Apache-2.0
/**
 * How the protobuf encodings cut flushed spans into records, with trace
 * affinity: every record holds spans of ONE trace and is keyed by its trace id
 * (lower-case hex, as Jaeger's Kafka exporter writes it), so a trace lands in
 * one partition.
 * - `otlp_proto`: one `TracesData` per trace per flush, split in halves while
 *   it is over `maxBytes`.
 * - `jaeger_proto`: one `model.Span` (process embedded) per record.
 * A single span whose record is over `maxBytes` (or fails to encode) is
 * returned as a drop, for the sender to count.
 * @module
 */
import { describeError } from '../src/errors.ts'
import { encodeJaegerProtoProcess, encodeJaegerProtoSpan, traceIdKey } from '../src/codec/jaeger-proto/index.ts'
import { encodeOtlpTraces } from '../src/codec/otlp/index.ts'
import type { JaegerProcess, JaegerSpan } from '../src/codec/thrift/jaeger-types.ts'
import type { SpanEncoding } from '../src/kafka/span-record.ts'

/** One record's worth of spans of one trace. */
export interface TraceRecord {
  key: string
  value: Uint8Array
  spans: JaegerSpan[]
}

/** A span that fits in no record. */
export interface TraceRecordDrop {
  reason: 'too_large' | 'encode_error'
  span: JaegerSpan
  bytes: number
  error: string
}

/** The spans of each trace, in first-seen order of the traces and append order within one. */
export function groupByTrace(spans: readonly JaegerSpan[]): Map<string, JaegerSpan[]> {
  const groups = new Map<string, JaegerSpan[]>()
  for (const span of spans) {
    const key = traceIdKey(span)
    const group = groups.get(key)
    if (group) group.push(span)
    else groups.set(key, [span])
  }
  return groups
}

/**
 * The process as the records take it: `jaeger_proto` copies one encoded
 * process field into every record (encoded once per seal, not per span).
 */
type RecordProcess = { encoding: 'otlp_proto'; process: JaegerProcess } | { encoding: 'jaeger_proto'; process: JaegerProcess | Uint8Array }

function encodeRecord(target: RecordProcess, spans: readonly JaegerSpan[]): Uint8Array {
  return target.encoding === 'otlp_proto' ? encodeOtlpTraces(target.process, spans) : encodeJaegerProtoSpan(target.process, spans[0] as JaegerSpan)
}

/**
 * Records for `spans` of one trace (`key`): the whole group if it encodes
 * within `maxBytes`, else its halves, recursively.
 */
function cut(
  target: RecordProcess,
  key: string,
  spans: JaegerSpan[],
  maxBytes: number,
  records: TraceRecord[],
  drops: TraceRecordDrop[],
): void {
  let value: Uint8Array | undefined
  let failure: string | undefined
  try {
    value = encodeRecord(target, spans)
  } catch (error) {
    failure = describeError(error)
  }
  if (value !== undefined && value.length <= maxBytes) {
    records.push({ key, value, spans })
    return
  }
  if (spans.length > 1) {
    const half = Math.ceil(spans.length / 2)
    cut(target, key, spans.slice(0, half), maxBytes, records, drops)
    cut(target, key, spans.slice(half), maxBytes, records, drops)
    return
  }
  const span = spans[0] as JaegerSpan
  const encoding = target.encoding
  if (value === undefined) drops.push({ reason: 'encode_error', span, bytes: 0, error: `Cannot encode span "${span.operationName}" as ${encoding}: ${failure}` })
  else drops.push({ reason: 'too_large', span, bytes: value.length, error: `Cannot send span "${span.operationName}": its ${encoding} record is ${value.length} bytes, over the ${maxBytes}-byte limit` })
}

/** Cut `spans` into per-trace records of `encoding`, each within `maxBytes`. */
export function traceRecords(
  encoding: Exclude<SpanEncoding, 'jaeger_thrift'>,
  process: JaegerProcess,
  spans: readonly JaegerSpan[],
  maxBytes: number,
): { records: TraceRecord[]; drops: TraceRecordDrop[] } {
  const records: TraceRecord[] = []
  const drops: TraceRecordDrop[] = []
  if (encoding === 'jaeger_proto') {
    // An invalid process fails here once; each span then fails (and is counted) with the same error.
    let field: JaegerProcess | Uint8Array = process
    try {
      field = encodeJaegerProtoProcess(process)
    } catch {}
    const target: RecordProcess = { encoding, process: field }
    for (const span of spans) cut(target, traceIdKey(span), [span], maxBytes, records, drops)
  } else {
    const target: RecordProcess = { encoding, process }
    for (const [key, group] of groupByTrace(spans)) cut(target, key, group, maxBytes, records, drops)
  }
  return { records, drops }
}
