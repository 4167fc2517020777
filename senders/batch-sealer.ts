// SPDX-License-Identifier: Apache-2.0
/**
 * The open batch and its sealing: encoded spans collect here until they would
 * overflow `maxMessageBytes` (exact encoded Batch size) or a flush/close seals
 * them into `SealedBatch`es for the delivery queue. Also splits a batch the
 * broker refused as too large. The Batch byte layout is the codec's
 * (`assembleBatch()`, `batchParts()`); this file only decides which spans go
 * together.
 *
 * The encoding decides what sealing makes: `jaeger_thrift` one Batch of the
 * open spans (record key `<senderId>-<seqNo>`); `otlp_proto` and
 * `jaeger_proto` per-trace records keyed by trace id (`trace-records.ts`),
 * assembled from each span's bytes in that encoding (encoded once, when
 * appended; they also size the open batch), and sent up to
 * `maxMessageBytes` of records per produce call (one record per call made
 * jaeger_proto ~45× slower on kafkajs).
 * @module
 */
import { assembleBatch, batchEncodedSize, batchParts } from '../src/codec/thrift/jaeger-encode.ts'
import type { ClientStats, JaegerProcess } from '../src/codec/thrift/jaeger-types.ts'
import type { SpanEncoding } from '../src/kafka/span-record.ts'
import type { SealedBatch, SealedRecord } from './delivery-queue.ts'
import type { SenderCallback } from './sender-types.ts'
import { assembleTraceRecord, maxSpanPartBytes, traceRecordFormat, traceRecords, traceRecordSize } from './trace-records.ts'
import type { EncodedSpan, TraceEncoding, TraceRecordDrop, TraceRecordFormat } from './trace-records.ts'

/** Smallest accepted `maxMessageBytes`. */
export const MIN_MAX_MESSAGE_BYTES = 1024

/** Bookkeeping shared by the batch(es) one append/flush/close sealed. */
export interface BatchReport {
  kind: 'append' | 'flush' | 'none'
  callback?: SenderCallback
  pending: number
  delivered: number
  dropped: number
  error?: string
  /** Set while a flush() call waits on this report. */
  onComplete?: () => void
}

/**
 * Bytes one record adds to a produce request besides its value: key (≤ 32),
 * the three headers (~90) and record framing, rounded up. Several records go
 * in one call only while their sum stays within maxMessageBytes, because the
 * broker limits the whole record batch (`message.max.bytes`).
 */
const RECORD_OVERHEAD_BYTES = 256
/**
 * Most records per produce call. Measured with kafkajs, 20k one-span
 * jaeger_proto records: 100 per call 11.6k spans/s, 1000 per call 16.4k.
 */
const MAX_RECORDS_PER_CALL = 1000

/** A sealed batch of the sender. */
export type Batch = SealedBatch<BatchReport>

/** A sealer's process and open spans, set aside by detach() while another process's spans are sealed. */
export interface DetachedState {
  processBytes: Uint8Array | undefined
  format: TraceRecordFormat | undefined
  openParts: Uint8Array[]
  openSpans: EncodedSpan[]
  openBytes: number
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** 16 hex digits from the web-standard random source. */
function randomId(): string {
  const bytes = new Uint8Array(8)
  crypto.getRandomValues(bytes)
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

/** The open batch of one sender, and the sealing of it into records. */
export class BatchSealer {
  /** Largest record value; lowered when the broker refuses a record as too large. */
  maxMessageBytes: number
  /** Batches sealed so far (the last `Batch.seqNo`). */
  seqNo = 0
  readonly encoding: SpanEncoding
  private processBytes: Uint8Array | undefined
  /** The process encoded for the records (protobuf encodings only). */
  private format: TraceRecordFormat | undefined
  /** The open spans of the protobuf encodings (instead of `openParts`). */
  private openSpans: EncodedSpan[] = []
  private maxSpanFor: { limit: number; format: TraceRecordFormat | undefined; bytes: number } = { limit: 0, format: undefined, bytes: 0 }
  /** batchEncodedSize(process, 0 spans, seqNo, stats): bytes a record needs besides its spans. */
  private overhead = batchEncodedSize(0, 0, true, true)
  private openParts: Uint8Array[] = []
  private openBytes = 0
  /** Random per-sender id: record keys are `<senderId>-<seqNo>`. */
  private readonly senderId = randomId()
  private readonly clientStats: () => ClientStats
  private readonly onDrop: (drop: TraceRecordDrop) => void

  /** `onDrop` counts a span sealing could not fit in any record (protobuf encodings). */
  constructor(maxMessageBytes: number, clientStats: () => ClientStats, encoding: SpanEncoding = 'jaeger_thrift', onDrop: (drop: TraceRecordDrop) => void = () => {}) {
    this.maxMessageBytes = maxMessageBytes
    this.clientStats = clientStats
    this.encoding = encoding
    this.onDrop = onDrop
  }

  /** The per-trace encoding, or undefined for `jaeger_thrift` (spans go to add(), not addSpan()). */
  get traceEncoding(): TraceEncoding | undefined {
    return this.encoding === 'jaeger_thrift' ? undefined : this.encoding
  }

  /** Spans in the open batch. */
  get openCount(): number {
    return this.openParts.length + this.openSpans.length
  }

  /** Encoded bytes of the spans in the open batch. */
  get openByteCount(): number {
    return this.openBytes
  }

  /** Whether a process was set (a Batch cannot be built without one). */
  get hasProcess(): boolean {
    return this.processBytes !== undefined
  }

  /** Whether the open spans were encoded for a process other than `bytes` (seal them first). */
  processChanges(bytes: Uint8Array): boolean {
    return this.processBytes !== undefined && this.openCount > 0 && !sameBytes(this.processBytes, bytes)
  }

  /** The record format of `process` (protobuf encodings; undefined for Thrift). Throws PROTOBUF_ENCODE for an invalid process. */
  formatFor(process: JaegerProcess): TraceRecordFormat | undefined {
    const encoding = this.traceEncoding
    return encoding === undefined ? undefined : traceRecordFormat(encoding, process)
  }

  /** Use `bytes` (an encoded Process) and its record `format` (formatFor()) for the batches sealed from now on. */
  setProcess(bytes: Uint8Array, format?: TraceRecordFormat): void {
    this.processBytes = bytes
    this.format = format
    this.overhead = batchEncodedSize(bytes.length, 0, true, true)
  }

  /** Set the process and the open spans aside (the sealer is then empty, without a process); reattach() puts them back. */
  detach(): DetachedState {
    const state: DetachedState = { processBytes: this.processBytes, format: this.format, openParts: this.openParts, openSpans: this.openSpans, openBytes: this.openBytes }
    this.processBytes = undefined
    this.format = undefined
    this.openParts = []
    this.openSpans = []
    this.openBytes = 0
    return state
  }

  /** Put back what detach() set aside; what is open now (nothing after a seal) is discarded. */
  reattach(state: DetachedState): void {
    this.openParts = state.openParts
    this.openSpans = state.openSpans
    this.openBytes = state.openBytes
    this.format = state.format
    this.processBytes = state.processBytes
    this.overhead = batchEncodedSize(state.processBytes?.length ?? 0, 0, true, true)
  }

  /** Largest encoded span that fits in a record on its own. */
  maxSpanBytes(): number {
    const encoding = this.traceEncoding
    if (encoding === undefined) return this.maxMessageBytes - this.overhead
    // Cached: asked once per span; the limit and the format change rarely.
    if (this.maxSpanFor.limit !== this.maxMessageBytes || this.maxSpanFor.format !== this.format) {
      this.maxSpanFor = { limit: this.maxMessageBytes, format: this.format, bytes: maxSpanPartBytes(this.format ?? { encoding, process: new Uint8Array(0) }, this.maxMessageBytes) }
    }
    return this.maxSpanFor.bytes
  }

  /** Whether adding `length` more span bytes would overflow the open batch (which is not empty). */
  wouldOverflow(length: number): boolean {
    if (this.openCount === 0 || this.processBytes === undefined) return false
    if (this.format) return traceRecordSize(this.format, this.openBytes + length) > this.maxMessageBytes
    return this.overhead + this.openBytes + length > this.maxMessageBytes
  }

  /** Add an encoded span (jaeger_thrift) to the open batch. */
  add(bytes: Uint8Array): void {
    this.openParts.push(bytes)
    this.openBytes += bytes.length
  }

  /** Add a span encoded for its records (protobuf encodings) to the open batch. */
  addSpan(span: EncodedSpan): void {
    this.openSpans.push(span)
    this.openBytes += span.bytes.length
  }

  /** Empty the open batch, returning what it held (spans that can never be sealed). */
  discardOpen(): { count: number; bytes: number } {
    const result = { count: this.openCount, bytes: this.openBytes }
    this.openParts = []
    this.openSpans = []
    this.openBytes = 0
    return result
  }

  /** Turn the open spans into sealed batch(es) owned by `report`; empty when nothing could be sealed. */
  seal(report: BatchReport): Batch[] {
    const process = this.processBytes
    if (this.openCount === 0 || !process) return []
    if (this.encoding !== 'jaeger_thrift') return this.sealTraces(report)
    const parts = this.openParts
    this.openParts = []
    this.openBytes = 0
    // One batch, except when spans were added before setProcess() or the limit dropped.
    let start = 0
    let bytes = 0
    const groups: Uint8Array[][] = []
    for (let i = 0; i < parts.length; i++) {
      const length = (parts[i] as Uint8Array).length
      if (i > start && this.overhead + bytes + length > this.maxMessageBytes) {
        groups.push(parts.slice(start, i))
        start = i
        bytes = 0
      }
      bytes += length
    }
    groups.push(start === 0 ? parts : parts.slice(start))
    report.pending += groups.length
    return groups.map((group) => this.build(process, group, ++this.seqNo, report))
  }

  /**
   * The broker refused `batch` as too large: lower the limit to half its size
   * (`onLowered` is told) and return its spans in two halves, or nothing for
   * a batch of one span.
   */
  split(batch: Batch, onLowered: (from: number, to: number) => void): Batch[] | undefined {
    const records = batch.records
    if (records && records.length > 1 && batch.format) {
      // Several records refused together: which one (or their sum) was too
      // large is unknown, so keep the limit and send them in two halves; a
      // single record refused later lowers it.
      const half = Math.ceil(records.length / 2)
      batch.report.pending += 1
      return [this.unit(batch.format, records.slice(0, half), batch.seqNo, batch.report), this.unit(batch.format, records.slice(half), batch.seqNo, batch.report)]
    }
    const lowered = Math.max(MIN_MAX_MESSAGE_BYTES, Math.min(this.maxMessageBytes, Math.floor(batch.size / 2)))
    if (lowered < this.maxMessageBytes) {
      onLowered(this.maxMessageBytes, lowered)
      this.maxMessageBytes = lowered
    }
    if (batch.spanCount < 2) return undefined
    if (batch.spans && batch.format) {
      const spans = batch.spans
      const half = Math.ceil(spans.length / 2)
      batch.report.pending += 1
      return [this.buildTrace(batch.format, batch.key, spans.slice(0, half), batch.seqNo, batch.report), this.buildTrace(batch.format, batch.key, spans.slice(half), batch.seqNo, batch.report)]
    }
    const { process, spans } = batchParts(batch.value, batch.processLength, batch.spanLengths)
    const half = Math.ceil(spans.length / 2)
    batch.report.pending += 1
    return [
      this.build(process, spans.slice(0, half), batch.seqNo, batch.report, batch.stats),
      this.build(process, spans.slice(half), batch.seqNo, batch.report, batch.stats),
    ]
  }

  /** Protobuf encodings: per-trace records of the open spans; spans no record can hold go to `onDrop`. */
  private sealTraces(report: BatchReport): Batch[] {
    const spans = this.openSpans
    this.openParts = []
    this.openSpans = []
    this.openBytes = 0
    const format = this.format as TraceRecordFormat
    const { records, drops } = traceRecords(format, spans, this.maxMessageBytes)
    for (const drop of drops) this.onDrop(drop)
    // One produce call per up to maxMessageBytes of records (with their keys,
    // headers and framing) and MAX_RECORDS_PER_CALL records, not one per record.
    const units: SealedRecord[][] = []
    let bytes = 0
    for (const record of records) {
      const last = units[units.length - 1]
      const size = record.value.length + RECORD_OVERHEAD_BYTES
      if (last && last.length < MAX_RECORDS_PER_CALL && bytes + size <= this.maxMessageBytes) {
        last.push(record)
        bytes += size
      } else {
        units.push([record])
        bytes = size
      }
    }
    report.pending += units.length
    return units.map((unit) => this.unit(format, unit, ++this.seqNo, report))
  }

  /** A batch of `records` sent in one produce call (a single record is sent as itself). */
  private unit(format: TraceRecordFormat, records: readonly SealedRecord[], seqNo: number, report: BatchReport): Batch {
    const only = records[0] as SealedRecord
    if (records.length === 1) return this.traceBatch(format, only.key, only.value, only.spans, seqNo, report)
    const spans = records.flatMap((record) => record.spans)
    const size = records.reduce((sum, record) => sum + record.value.length, 0)
    return { seqNo, key: only.key, value: only.value, size, spanCount: spans.length, spanLengths: [], processLength: 0, stats: this.clientStats(), report, attempts: 0, state: 'queued', encoding: this.encoding, spans, format, records }
  }

  /** The record of `spans` of one trace (a half of a record the broker refused), by concatenation. */
  private buildTrace(format: TraceRecordFormat, key: string, spans: readonly EncodedSpan[], seqNo: number, report: BatchReport): Batch {
    const value = assembleTraceRecord(format, spans, spans.reduce((sum, span) => sum + span.bytes.length, 0))
    return this.traceBatch(format, key, value, spans, seqNo, report)
  }

  private traceBatch(format: TraceRecordFormat, key: string, value: Uint8Array, spans: readonly EncodedSpan[], seqNo: number, report: BatchReport): Batch {
    return { seqNo, key, value, size: value.length, spanCount: spans.length, spanLengths: [], processLength: 0, stats: this.clientStats(), report, attempts: 0, state: 'queued', encoding: this.encoding, spans, format }
  }

  private build(process: Uint8Array, spans: Uint8Array[], seqNo: number, report: BatchReport, stats: ClientStats = this.clientStats()): Batch {
    const value = assembleBatch({ process, spans, seqNo: BigInt(seqNo), stats })
    return {
      seqNo,
      key: `${this.senderId}-${seqNo}`,
      value,
      size: value.length,
      spanCount: spans.length,
      spanLengths: spans.map((span) => span.length),
      processLength: process.length,
      stats,
      report,
      attempts: 0,
      state: 'queued',
    }
  }
}
