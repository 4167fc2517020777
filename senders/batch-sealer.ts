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
 * built from the structured spans kept next to their Thrift bytes (which
 * still size the open batch and drive trimming), and sent up to
 * `maxMessageBytes` of records per produce call (one record per call made
 * jaeger_proto ~45× slower on kafkajs).
 * @module
 */
import { assembleBatch, batchEncodedSize, batchParts } from '../src/codec/thrift/jaeger-encode.ts'
import type { ClientStats, JaegerProcess, JaegerSpan } from '../src/codec/thrift/jaeger-types.ts'
import type { SpanEncoding } from '../src/kafka/span-record.ts'
import type { SealedBatch, SealedRecord } from './delivery-queue.ts'
import type { SenderCallback } from './sender-types.ts'
import { traceRecords } from './trace-records.ts'
import type { TraceRecordDrop } from './trace-records.ts'

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
  /** The structured process (protobuf encodings only). */
  private process: JaegerProcess | undefined
  /** The structured open spans, parallel to `openParts` (protobuf encodings only). */
  private openSpans: JaegerSpan[] = []
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

  /** Whether add() needs the structured span too. */
  get needsStructured(): boolean {
    return this.encoding !== 'jaeger_thrift'
  }

  /** Spans in the open batch. */
  get openCount(): number {
    return this.openParts.length
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
    return this.processBytes !== undefined && this.openParts.length > 0 && !sameBytes(this.processBytes, bytes)
  }

  /** Use `bytes` (an encoded Process) for the batches sealed from now on. */
  setProcess(bytes: Uint8Array, process?: JaegerProcess): void {
    this.processBytes = bytes
    this.process = process
    this.overhead = batchEncodedSize(bytes.length, 0, true, true)
  }

  /** Largest encoded span that fits in a record on its own. */
  maxSpanBytes(): number {
    return this.maxMessageBytes - this.overhead
  }

  /** Whether adding `length` more span bytes would overflow the open batch (which is not empty). */
  wouldOverflow(length: number): boolean {
    return this.openParts.length > 0 && this.processBytes !== undefined && this.overhead + this.openBytes + length > this.maxMessageBytes
  }

  /** Add an encoded span (and, for protobuf encodings, the span itself) to the open batch. */
  add(bytes: Uint8Array, span?: JaegerSpan): void {
    this.openParts.push(bytes)
    this.openBytes += bytes.length
    if (span) this.openSpans.push(span)
  }

  /** Empty the open batch, returning what it held (spans that can never be sealed). */
  discardOpen(): { count: number; bytes: number } {
    const result = { count: this.openParts.length, bytes: this.openBytes }
    this.openParts = []
    this.openSpans = []
    this.openBytes = 0
    return result
  }

  /** Turn the open spans into sealed batch(es) owned by `report`; empty when nothing could be sealed. */
  seal(report: BatchReport): Batch[] {
    const process = this.processBytes
    if (this.openParts.length === 0 || !process) return []
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
    if (records && records.length > 1) {
      // Several records refused together: which one (or their sum) was too
      // large is unknown, so keep the limit and send them in two halves; a
      // single record refused later lowers it.
      const half = Math.ceil(records.length / 2)
      batch.report.pending += 1
      return [this.unit(records.slice(0, half), batch.seqNo, batch.report), this.unit(records.slice(half), batch.seqNo, batch.report)]
    }
    const lowered = Math.max(MIN_MAX_MESSAGE_BYTES, Math.min(this.maxMessageBytes, Math.floor(batch.size / 2)))
    if (lowered < this.maxMessageBytes) {
      onLowered(this.maxMessageBytes, lowered)
      this.maxMessageBytes = lowered
    }
    if (batch.spanCount < 2) return undefined
    if (batch.spans) {
      const spans = batch.spans
      const half = Math.ceil(spans.length / 2)
      batch.report.pending += 1
      return [this.buildTrace(batch.key, spans.slice(0, half), batch.seqNo, batch.report), this.buildTrace(batch.key, spans.slice(half), batch.seqNo, batch.report)]
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
    const { records, drops } = traceRecords(this.encoding as Exclude<SpanEncoding, 'jaeger_thrift'>, this.process as JaegerProcess, spans, this.maxMessageBytes)
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
    return units.map((unit) => this.unit(unit, ++this.seqNo, report))
  }

  /** A batch of `records` sent in one produce call (a single record is sent as itself). */
  private unit(records: readonly SealedRecord[], seqNo: number, report: BatchReport): Batch {
    const only = records[0] as SealedRecord
    if (records.length === 1) return this.traceBatch(only.key, only.value, only.spans, seqNo, report)
    const spans = records.flatMap((record) => record.spans)
    const size = records.reduce((sum, record) => sum + record.value.length, 0)
    return { seqNo, key: only.key, value: only.value, size, spanCount: spans.length, spanLengths: [], processLength: 0, stats: this.clientStats(), report, attempts: 0, state: 'queued', encoding: this.encoding, spans, records }
  }

  /** Re-encode `spans` of one trace (a half of a record the broker refused). */
  private buildTrace(key: string, spans: readonly JaegerSpan[], seqNo: number, report: BatchReport): Batch {
    const { records } = traceRecords(this.encoding as Exclude<SpanEncoding, 'jaeger_thrift'>, this.process as JaegerProcess, spans, Number.MAX_SAFE_INTEGER)
    const record = records[0]
    if (records.length !== 1 || !record) throw new Error(`re-encoding ${spans.length} spans of trace ${key} failed`)
    return this.traceBatch(key, record.value, record.spans, seqNo, report)
  }

  private traceBatch(key: string, value: Uint8Array, spans: readonly JaegerSpan[], seqNo: number, report: BatchReport): Batch {
    return { seqNo, key, value, size: value.length, spanCount: spans.length, spanLengths: [], processLength: 0, stats: this.clientStats(), report, attempts: 0, state: 'queued', encoding: this.encoding, spans }
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
