// SPDX-License-Identifier: Apache-2.0
/**
 * Public types of `KafkaSender`: the jaeger-client callback, drop reasons,
 * statistics and the results of `flush()` and `close()`.
 * @module
 */
import type { SpoolingStats } from './spool/spooling-producer.ts'

/**
 * jaeger-client's sender callback: `numSpans` spans were delivered (no
 * `error`) or not delivered (`error` says why). Called once per call.
 */
export type SenderCallback = (numSpans: number, error?: string) => void

/**
 * Why spans were not delivered.
 * - `too_large`: one span exceeded `maxMessageBytes` even after trimming, or
 *   the broker rejected a one-span record as too large.
 * - `buffer_full`: Kafka was unreachable and the buffer hit `maxBufferedBytes`;
 *   the oldest batch was dropped to make room.
 * - `closed`: appended after `close()`, or still undelivered when the close
 *   timeout ran out.
 * - `encode_error`: the span object could not be encoded (e.g. a missing
 *   operation name); only that span is dropped.
 */
export type DropReason = 'too_large' | 'buffer_full' | 'closed' | 'encode_error'

/** Every drop reason, for iteration. */
export const DROP_REASONS: readonly DropReason[] = ['too_large', 'buffer_full', 'closed', 'encode_error']

/** What `onDrop` receives (no span contents beyond the operation name). */
export interface SpanDrop {
  reason: DropReason
  spans: number
  /** Encoded bytes dropped. */
  bytes: number
  /** The operation name, for a single dropped span when known. */
  operationName?: string
  /** The batch sequence number, for dropped batches. */
  seqNo?: number
}

/** A snapshot of the sender's counters (all cumulative except the buffered/in-flight gauges). */
export interface KafkaSenderStats {
  /** Spans passed to append() / appendSpan(). */
  spansAppended: number
  /** Spans in batches the broker acknowledged. */
  spansDelivered: number
  /** Spans sent with logs/tags removed to fit. */
  spansTrimmed: number
  /** Spans not delivered, by reason. */
  spansDropped: Record<DropReason, number>
  /** Batches sealed so far (Thrift: one Kafka record each; protobuf encodings: one produce call of per-trace records); also the last `Batch.seqNo`. */
  batchesSealed: number
  /** Kafka records the broker acknowledged. */
  batchesDelivered: number
  /** Record value bytes the broker acknowledged. */
  bytesDelivered: number
  /** produce calls made (first tries and retries). */
  sendAttempts: number
  /** produce calls that failed. */
  sendFailures: number
  /** Spans waiting: in the open batch, queued, or in flight. */
  bufferedSpans: number
  /** Bytes waiting: the open batch's spans plus queued and in-flight records. */
  bufferedBytes: number
  /** Sealed batches queued or in flight. */
  bufferedBatches: number
  /** Batches handed to the producer and not yet settled. */
  inFlightBatches: number
  /** The record size limit in use (lowered if the broker rejected a record as too large). */
  maxMessageBytes: number
  /** The disk spool's counters, with `spoolDir` (spooled, replayed, pending on disk, drops by reason). */
  spool?: SpoolingStats
}

/** What `sendBatch()` resolves to (it never rejects). */
export interface BatchOutcome {
  /** Spans of the batch the broker acknowledged (or, with a spool, the spool holds). */
  delivered: number
  /** Spans of the batch not delivered, each counted in `spansDropped` by reason. */
  dropped: number
  /** Why spans were dropped (the first reason seen), when `dropped` > 0. */
  error?: string
}

/** What `flush()` resolves to. */
export interface FlushResult {
  /** Spans reported through this flush's callback (delivered, or dropped when `error` is set). */
  spans: number
  error?: string
  /** True when `flushTimeoutMs` ran out first; the spans stay buffered and are retried. */
  timedOut: boolean
}

/** What `close()` resolves to (it never rejects). */
export interface CloseResult {
  /** Spans delivered over the sender's lifetime. */
  delivered: number
  /** Spans not delivered over the sender's lifetime (sum of `dropped`). */
  undelivered: number
  /** Undelivered spans by reason. */
  dropped: Record<DropReason, number>
  /** True when `closeTimeoutMs` ran out before every batch settled. */
  timedOut: boolean
}
