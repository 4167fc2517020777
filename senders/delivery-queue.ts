// SPDX-License-Identifier: Apache-2.0
/**
 * Bounded, retrying delivery of sealed batches to a `KafkaProducer`.
 *
 * Batches wait in FIFO order; at most `maxInFlight` are handed to the
 * producer at once. A failed send goes back to the front and the whole queue
 * pauses for a capped, jittered backoff (the broker is usually down for
 * everyone, not for one batch); it is retried before any other batch. When
 * queued plus in-flight bytes exceed `maxBufferedBytes` the oldest batch not
 * yet handed to the producer is dropped (one that failed may be on the broker
 * after all and is kept for its retry). Every batch settles exactly once:
 * delivered, or dropped with a reason.
 * @module
 */
import { ErrorCodes, isJaegerKafkaError } from '../src/errors.ts'
import type { KafkaProducer } from '../src/kafka/types.ts'
import { spanRecordHeaders } from '../src/kafka/span-record.ts'
import type { SpanEncoding } from '../src/kafka/span-record.ts'
import type { ClientStats } from '../src/codec/thrift/jaeger-types.ts'
import { backoffDelay } from '../src/retry.ts'
import type { ResolvedRetry } from '../src/retry.ts'
import { Deque } from './deque.ts'
import type { DropReason } from './sender-types.ts'
import type { EncodedSpan, TraceRecordFormat } from './trace-records.ts'

/** A Kafka record's worth of spans, encoded once and kept until it settles. */
export interface SealedBatch<R = unknown> {
  /** `Batch.seqNo` (split halves keep their parent's). */
  readonly seqNo: number
  /** The bare Batch bytes: the record value. */
  readonly value: Uint8Array
  readonly spanCount: number
  /** Encoded length of each span, in order (to split without decoding). */
  readonly spanLengths: readonly number[]
  /** Encoded length of the Process struct at the start of `value`. */
  readonly processLength: number
  /** The ClientStats written into `value`. */
  readonly stats: ClientStats
  /** Record key: stable across retries (same partition); unique per batch for Thrift, the trace id for protobuf encodings. */
  readonly key: string
  /** Payload encoding (absent: `jaeger_thrift`). */
  readonly encoding?: SpanEncoding
  /** The encoded spans of a protobuf record (to split it without decoding); absent for Thrift. */
  readonly spans?: readonly EncodedSpan[]
  /** The process of a protobuf record, encoded (to reassemble a split half); absent for Thrift. */
  readonly format?: TraceRecordFormat
  /**
   * Protobuf encodings: the records sent together in one produce call (each
   * with its own trace-id key); `value` is then unused and `size` their total.
   * Absent for Thrift: the one record is `key` + `value`.
   */
  readonly records?: readonly SealedRecord[]
  /** Bytes this batch holds (`value.length`, or the records' total). */
  readonly size: number
  /** Owner bookkeeping; opaque to the queue. */
  readonly report: R
  attempts: number
  state: 'queued' | 'inflight' | 'settled'
}

/** One record of a multi-record batch. */
export interface SealedRecord {
  readonly key: string
  readonly value: Uint8Array
  readonly spans: readonly EncodedSpan[]
}

/** The produce messages of `batch`: its one record, or each of its records. */
function messagesOf(batch: SealedBatch): { key: string; value: Uint8Array; headers: Record<string, string> }[] {
  if (!batch.records) return [{ key: batch.key, value: batch.value, headers: spanRecordHeaders(batch.spanCount, batch.encoding) }]
  return batch.records.map((record) => ({ key: record.key, value: record.value, headers: spanRecordHeaders(record.spans.length, batch.encoding) }))
}

/** How a batch ended. */
export type Settlement = { delivered: true } | { delivered: false; reason: DropReason; error: string }

/** Queue wiring. */
export interface DeliveryQueueOptions<R> {
  producer: KafkaProducer
  topic: string
  maxInFlight: number
  maxBufferedBytes: number
  backoff: ResolvedRetry
  random?: () => number
  /** Called exactly once per batch. */
  onSettled(batch: SealedBatch<R>, result: Settlement): void
  /** The broker refused `batch` as too large: return smaller replacements, or nothing to drop it. */
  onTooLarge(batch: SealedBatch<R>, error: unknown): SealedBatch<R>[] | undefined
  /** A send failed; `firstOfStreak` is true for the first failure after a success. */
  onSendFailed(error: unknown, firstOfStreak: boolean, retryInMs: number): void
  /** A send succeeded after `failures` failed attempts. */
  onRecovered(failures: number): void
}

type Timer = ReturnType<typeof setTimeout>

function isTooLarge(error: unknown): boolean {
  return isJaegerKafkaError(error) && error.code === ErrorCodes.MESSAGE_TOO_LARGE
}

/** The delivery loop behind `KafkaSender`. */
export class DeliveryQueue<R> {
  private readonly options: DeliveryQueueOptions<R>
  /** Batches that failed and wait for a retry, sorted by seqNo (oldest first). */
  private readonly retry: SealedBatch<R>[] = []
  private readonly waiting = new Deque<SealedBatch<R>>()
  private readonly inFlight = new Set<SealedBatch<R>>()
  private bytes = 0
  private spans = 0
  private backoffTimer: Timer | undefined
  private failureStreak = 0
  private failuresSinceSuccess = 0
  private pumpScheduled = false
  private stopped = false
  private idleWaiters: (() => void)[] = []
  /** produce calls started / failed. */
  attempts = 0
  failures = 0

  constructor(options: DeliveryQueueOptions<R>) {
    this.options = options
  }

  /** Queued plus in-flight record bytes. */
  get bufferedBytes(): number {
    return this.bytes
  }

  /** Spans in queued plus in-flight batches. */
  get bufferedSpans(): number {
    return this.spans
  }

  /** Queued plus in-flight batches. */
  get size(): number {
    return this.retry.length + this.waiting.size + this.inFlight.size
  }

  /** Batches handed to the producer and not settled. */
  get inFlightCount(): number {
    return this.inFlight.size
  }

  /** The smallest seqNo not yet settled (`Infinity` when everything settled). */
  minUnsettledSeqNo(): number {
    let min = Infinity
    const first = this.retry[0]
    if (first) min = first.seqNo
    const head = this.waiting.peek()
    if (head && head.seqNo < min) min = head.seqNo
    for (const batch of this.inFlight) if (batch.seqNo < min) min = batch.seqNo
    return min
  }

  /** Add a sealed batch, dropping the oldest waiting batches if over the byte cap. */
  enqueue(batch: SealedBatch<R>): void {
    batch.state = 'queued'
    this.waiting.push(batch)
    this.bytes += batch.size
    this.spans += batch.spanCount
    this.enforceCapacity()
    this.schedulePump()
  }

  /** Resolves when no batch is queued or in flight. */
  whenIdle(): Promise<void> {
    if (this.size === 0) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  /** Settle every remaining batch as dropped (in-flight results arriving later are ignored). */
  dropAll(reason: DropReason, error: string): void {
    const all = [...this.retry, ...this.waiting, ...this.inFlight]
    this.retry.length = 0
    while (this.waiting.shift()) {
      // emptied
    }
    this.inFlight.clear()
    for (const batch of all) this.settle(batch, { delivered: false, reason, error })
  }

  /** Stop sending and cancel the backoff timer. */
  stop(): void {
    this.stopped = true
    if (this.backoffTimer !== undefined) clearTimeout(this.backoffTimer)
    this.backoffTimer = undefined
  }

  private enforceCapacity(): void {
    while (this.bytes > this.options.maxBufferedBytes) {
      // The oldest batch never handed to the producer goes first. A batch that
      // failed may in fact be on the broker; it must be retried before anything
      // else can safely take its place (see KafkaProducer.maxInFlight).
      const victim = this.waiting.shift() ?? this.retry.shift()
      if (!victim) return // only in-flight batches left; they settle on their own
      this.settle(victim, {
        delivered: false,
        reason: 'buffer_full',
        error: `Cannot buffer spans: undelivered batches exceed maxBufferedBytes (${this.options.maxBufferedBytes}): Kafka is unreachable or slower than span production; dropped the oldest waiting batch`,
      })
    }
  }

  private schedulePump(): void {
    if (this.pumpScheduled || this.stopped) return
    this.pumpScheduled = true
    // Never produce inside the application's span.finish() call stack.
    queueMicrotask(() => {
      this.pumpScheduled = false
      this.pump()
    })
  }

  private pump(): void {
    if (this.stopped || this.backoffTimer !== undefined) return
    while (this.inFlight.size < this.options.maxInFlight) {
      const batch = this.retry.shift() ?? this.waiting.shift()
      if (!batch) return
      this.start(batch)
    }
  }

  private start(batch: SealedBatch<R>): void {
    batch.state = 'inflight'
    batch.attempts++
    this.attempts++
    this.inFlight.add(batch)
    let sending: Promise<void>
    try {
      sending = this.options.producer.send({
        topic: this.options.topic,
        messages: messagesOf(batch),
      })
    } catch (error) {
      sending = Promise.reject(error)
    }
    sending.then(
      () => this.succeeded(batch),
      (error: unknown) => this.failed(batch, error),
    )
  }

  private succeeded(batch: SealedBatch<R>): void {
    if (batch.state === 'settled') return
    this.inFlight.delete(batch)
    if (this.failuresSinceSuccess > 0) {
      const failures = this.failuresSinceSuccess
      this.failuresSinceSuccess = 0
      this.failureStreak = 0
      this.options.onRecovered(failures)
    }
    this.settle(batch, { delivered: true })
    this.schedulePump()
  }

  private failed(batch: SealedBatch<R>, error: unknown): void {
    if (batch.state === 'settled') return
    this.inFlight.delete(batch)
    this.failures++
    if (isTooLarge(error)) {
      let parts: SealedBatch<R>[] | undefined
      try {
        parts = this.options.onTooLarge(batch, error)
      } catch {
        parts = undefined
      }
      if (!parts || parts.length === 0) {
        this.settle(batch, { delivered: false, reason: 'too_large', error: `Cannot send span: the broker rejected a ${batch.size}-byte record as too large` })
      } else {
        this.bytes -= batch.size
        this.spans -= batch.spanCount
        batch.state = 'settled'
        for (let i = parts.length - 1; i >= 0; i--) {
          const part = parts[i] as SealedBatch<R>
          part.state = 'queued'
          this.bytes += part.size
          this.spans += part.spanCount
          this.retry.unshift(part)
        }
      }
      this.schedulePump()
      return
    }
    this.failuresSinceSuccess++
    batch.state = 'queued'
    this.insertRetry(batch)
    if (this.backoffTimer === undefined && !this.stopped) {
      this.failureStreak++
      const delay = backoffDelay(this.failureStreak, this.options.backoff, this.options.random)
      this.backoffTimer = setTimeout(() => {
        this.backoffTimer = undefined
        this.pump()
      }, delay)
      ;(this.backoffTimer as { unref?: () => void }).unref?.()
      this.options.onSendFailed(error, this.failureStreak === 1, delay)
    }
  }

  private insertRetry(batch: SealedBatch<R>): void {
    let i = this.retry.length
    while (i > 0 && (this.retry[i - 1] as SealedBatch<R>).seqNo > batch.seqNo) i--
    this.retry.splice(i, 0, batch)
  }

  private settle(batch: SealedBatch<R>, result: Settlement): void {
    if (batch.state !== 'settled') {
      this.bytes -= batch.size
      this.spans -= batch.spanCount
    }
    batch.state = 'settled'
    this.options.onSettled(batch, result)
    if (this.size === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters
      this.idleWaiters = []
      for (const resolve of waiters) resolve()
    }
  }
}
