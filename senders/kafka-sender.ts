// SPDX-License-Identifier: Apache-2.0
/**
 * `KafkaSender`: jaeger-client's Sender contract (`setProcess`, `append`,
 * `flush`, `close`, callbacks `(numSpans, error?)`) over Kafka.
 *
 * Spans are encoded once when appended and packed into jaeger.thrift
 * `Batch` records whose exact encoded size stays within `maxMessageBytes`.
 * A record counts as sent only once the broker acknowledged it; until then it
 * waits in a byte-bounded buffer and is retried with capped, jittered backoff.
 * Every appended span ends up delivered or counted as dropped with a reason.
 *
 * `encoding` (default `jaeger_thrift`) picks the record format; the
 * protobuf encodings (`otlp_proto`, `jaeger_proto`) write per-trace records
 * keyed by trace id instead (see `batch-sealer.ts`, `trace-records.ts`).
 *
 * Thrift record key: `<random sender id>-<seqNo>`. A batch mixes many traces, so no
 * trace id describes it (keying by its first span's trace would only pretend
 * to co-locate traces). A per-batch key still spreads records over partitions,
 * keeps a retried record on the partition of its first attempt (which is what
 * lets the idempotent producer recognise a retry of a record the broker did
 * write), and gives consumers a stable id to drop duplicates by.
 * @module
 */
import { describeError } from '../src/errors.ts'
import { createKafkajsProducer } from '../src/kafka/kafkajs.ts'
import type { KafkajsProducerOptions } from '../src/kafka/kafkajs.ts'
import { nullLogger, safeLog, throttledLog } from '../src/kafka/logger.ts'
import type { Logger, ThrottledLog } from '../src/kafka/logger.ts'
import { isKafkaProducer } from '../src/kafka/types.ts'
import type { KafkaProducer } from '../src/kafka/types.ts'
import { DEFAULT_SPAN_TOPIC, parseSpanEncoding } from '../src/kafka/span-record.ts'
import type { SpanEncoding } from '../src/kafka/span-record.ts'
import { encodeJaegerClientSpan, fromJaegerClientProcess, fromJaegerClientSpan } from '../src/codec/thrift/from-jaeger-client.ts'
import { encodeProcess, encodeSpan } from '../src/codec/thrift/jaeger-encode.ts'
import { decodeProcess, decodeSpan } from '../src/codec/thrift/jaeger-decode.ts'
import type { ThriftBatchParts } from '../src/codec/thrift/jaeger-decode.ts'
import type { ClientStats, JaegerProcess, JaegerSpan } from '../src/codec/thrift/jaeger-types.ts'
import { resolveRetry, SENDER_RETRY_DEFAULTS } from '../src/retry.ts'
import { integerAtLeast, nonNegativeNumber } from '../src/option-checks.ts'
import type { RetryOptions } from '../src/retry.ts'
import { BatchSealer, MIN_MAX_MESSAGE_BYTES } from './batch-sealer.ts'
import { SENDER_BRAND, brandedInstanceOf } from './brand.ts'
import type { Batch, BatchReport } from './batch-sealer.ts'
import { DeliveryQueue } from './delivery-queue.ts'
import type { Settlement } from './delivery-queue.ts'
import { FlushWaiters } from './flush-waiters.ts'
import type { FlushWaiter } from './flush-waiters.ts'
import { reporterMetrics } from './metrics.ts'
import type { MetricsFactory, ReporterMetrics } from './metrics.ts'
import { DROP_REASONS } from './sender-types.ts'
import type { BatchOutcome, CloseResult, DropReason, FlushResult, KafkaSenderStats, SenderCallback, SpanDrop } from './sender-types.ts'
import { encodeSpanPart, encodeTraceSpan } from './trace-records.ts'
import type { EncodedSpan, TraceEncoding } from './trace-records.ts'
import { trimSpan } from './trim-span.ts'
import { spoolSenderProducer } from './spool/sender-spool.ts'
import type { SenderSpoolOptions } from './spool/sender-spool.ts'
import type { SpoolingProducer } from './spool/spooling-producer.ts'

/**
 * Default record size limit: the broker's `message.max.bytes` is 1048588 and
 * librdkafka's client-side `message.max.bytes` is 1000000; 16 KiB below the
 * smaller leaves room for the record batch header, record framing and headers.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_000_000 - 16_384
/** Default cap on undelivered bytes held while Kafka is unreachable (64 MiB). */
export const DEFAULT_MAX_BUFFERED_BYTES = 64 * 1024 * 1024
export { MIN_MAX_MESSAGE_BYTES } from './batch-sealer.ts'

/** Options of `new KafkaSender()`. Give `producer` or `kafka`. */
export interface KafkaSenderOptions {
  /** Any `KafkaProducer` (e.g. `createKafkajsProducer()`, `createRdkafkaProducer()`, a test double). */
  producer?: KafkaProducer
  /** Build a kafkajs producer from these options (e.g. `{ brokers: ['127.0.0.1:9092'] }`). */
  kafka?: KafkajsProducerOptions
  /** Span topic (default `jaeger-spans`). */
  topic?: string
  /**
   * Record format: `jaeger_thrift` (default; Batch records for our forwarder),
   * `otlp_proto` (one `TracesData` per trace per flush) or `jaeger_proto`
   * (one `model.Span` per record); the protobuf ones are keyed by trace id and
   * read by Jaeger's Kafka ingester.
   */
  encoding?: SpanEncoding
  /** Largest record value in bytes (exact encoded Batch size; default 983616). */
  maxMessageBytes?: number
  /** Most undelivered bytes held while Kafka is unreachable; the oldest batch is dropped beyond it (default 64 MiB). */
  maxBufferedBytes?: number
  /** Records handed to the producer at once (default: what the producer says is safe, e.g. 1 for idempotent kafkajs, else 4). */
  maxInFlightBatches?: number
  /** Backoff between retries of a failed send. */
  retry?: RetryOptions
  /** Longest a `flush()` callback waits for acknowledgements before reporting 0 and leaving the rest buffered (default 5000). */
  flushTimeoutMs?: number
  /** Longest `close()` waits for acknowledgements before dropping what is left (default 10000). */
  closeTimeoutMs?: number
  /** Disconnect the producer on close (default: only a producer the sender's adapter built). */
  disconnectOnClose?: boolean
  /** jaeger-client style logger (`{ info, error }`); default silent. */
  logger?: Logger
  /**
   * The tracer's metrics factory. Only outcomes no callback reports (see
   * docs/sender.md) are counted here, so `RemoteReporter` never double counts.
   */
  metrics?: MetricsFactory
  /** Called for every drop (after the counters are updated). */
  onDrop?: (drop: SpanDrop) => void
  /**
   * A directory for the disk spool (Node, Deno, Bun: needs `node:fs`): batches
   * Kafka cannot take are written there and replayed in order when it is back,
   * also after a restart with the same directory. A batch then counts as
   * delivered once it is on the broker or in the spool (see docs/sender.md, "Spool").
   */
  spoolDir?: string
  /** Tuning of the spool in `spoolDir`. */
  spool?: SenderSpoolOptions
}

const LOG_INTERVAL_MS = 10_000

/** Count spans dropped before they reached a record: (reason, spans, bytes, error, operationName?). */
type DropFn = (reason: DropReason, spans: number, bytes: number, error: string, operationName?: string) => void

function unref(timer: ReturnType<typeof setTimeout>): void {
  ;(timer as { unref?: () => void }).unref?.()
}

/** Call a caller's callback; what it throws is logged, never propagated into our delivery loop. */
function safeCallback(callback: SenderCallback | undefined, numSpans: number, error?: string, logger?: Logger): void {
  if (!callback) return
  try {
    if (error === undefined) callback(numSpans)
    else callback(numSpans, error)
  } catch (thrown) {
    if (logger) safeLog(logger, 'error', `jaeger-kafka: a sender callback threw: ${describeError(thrown)}`)
  }
}

function operationNameOf(span: unknown): string | undefined {
  const name = (span as { operationName?: unknown } | null)?.operationName
  return typeof name === 'string' ? name : undefined
}

/**
 * jaeger-client Sender that produces jaeger.thrift Batches to Kafka.
 *
 * @example
 * ```ts
 * import { initTracer, RemoteReporter } from 'jaeger-client'
 * const sender = new KafkaSender({ kafka: { brokers: ['127.0.0.1:9092'] } })
 * const tracer = initTracer({ serviceName: 'orders' }, { reporter: new RemoteReporter(sender) })
 * // at shutdown: tracer.close(() => process.exit(0))
 * ```
 */
export class KafkaSender {
  /** Brand: `instanceof` and `isKafkaSender()` work across ESM/CJS copies of the package. */
  readonly [SENDER_BRAND] = true
  private readonly producer: KafkaProducer
  /** The producer wrapped with the spool (`spoolDir`). */
  private readonly spooling: SpoolingProducer | undefined
  private readonly drainOnCloseMs: number
  private readonly topic: string
  private readonly logger: Logger
  private readonly metrics: ReporterMetrics
  private readonly onDrop: ((drop: SpanDrop) => void) | undefined
  private readonly flushTimeoutMs: number
  private readonly closeTimeoutMs: number
  private readonly disconnectOnClose: boolean
  private readonly queue: DeliveryQueue<BatchReport>
  private readonly sealer: BatchSealer
  private readonly waiters: FlushWaiters
  private closed = false
  private closing: Promise<CloseResult> | undefined
  /** Logs at most once per LOG_INTERVAL_MS per key, counting what was suppressed. */
  private readonly log: ThrottledLog
  private readonly counts = {
    appended: 0,
    delivered: 0,
    trimmed: 0,
    batchesDelivered: 0,
    bytesDelivered: 0,
    dropped: { too_large: 0, buffer_full: 0, closed: 0, encode_error: 0 } as Record<DropReason, number>,
  }

  constructor(options: KafkaSenderOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('KafkaSender needs an options object')
    this.logger = options.logger ?? nullLogger
    this.log = throttledLog(this.logger, LOG_INTERVAL_MS)
    if (options.producer !== undefined) {
      if (!isKafkaProducer(options.producer)) throw new TypeError('`producer` must implement connect(), send() and disconnect()')
      this.producer = options.producer
    } else if (options.kafka !== undefined) {
      this.producer = createKafkajsProducer({ logger: this.logger, ...options.kafka })
    } else {
      throw new TypeError('KafkaSender needs `producer` (a KafkaProducer) or `kafka` (kafkajs options such as `{ brokers }`)')
    }
    if (options.spoolDir !== undefined) {
      this.spooling = spoolSenderProducer(this.producer, options.spoolDir, options.spool ?? {}, this.logger, options.retry)
      this.producer = this.spooling
    }
    this.topic = options.topic ?? DEFAULT_SPAN_TOPIC
    if (typeof this.topic !== 'string' || this.topic.length === 0) throw new TypeError('`topic` must be a non-empty string')
    const maxMessageBytes = integerAtLeast(options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES, 'maxMessageBytes', MIN_MAX_MESSAGE_BYTES)
    const maxBufferedBytes = integerAtLeast(options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES, 'maxBufferedBytes', 1)
    if (maxBufferedBytes < maxMessageBytes) throw new RangeError('`maxBufferedBytes` must be at least `maxMessageBytes`')
    const maxInFlight = integerAtLeast(options.maxInFlightBatches ?? this.producer.maxInFlight ?? 4, 'maxInFlightBatches')
    this.flushTimeoutMs = nonNegativeNumber(options.flushTimeoutMs ?? 5_000, 'flushTimeoutMs')
    this.closeTimeoutMs = nonNegativeNumber(options.closeTimeoutMs ?? 10_000, 'closeTimeoutMs')
    this.drainOnCloseMs = nonNegativeNumber(options.spool?.drainOnCloseMs ?? this.closeTimeoutMs, 'spool.drainOnCloseMs')
    this.disconnectOnClose = options.disconnectOnClose ?? this.producer.ownsClient ?? false
    this.metrics = reporterMetrics(options.metrics)
    this.onDrop = options.onDrop
    const encoding = parseSpanEncoding(options.encoding ?? 'jaeger_thrift', '`encoding`')
    this.sealer = new BatchSealer(maxMessageBytes, () => this.clientStats(), encoding, (drop) => this.dropNew(undefined, drop.reason, drop.bytes, drop.error, drop.span.operationName))
    this.queue = new DeliveryQueue<BatchReport>({
      producer: this.producer,
      topic: this.topic,
      maxInFlight,
      maxBufferedBytes,
      backoff: resolveRetry(options.retry, SENDER_RETRY_DEFAULTS),
      onSettled: (batch, result) => this.settled(batch, result),
      onTooLarge: (batch) => this.split(batch),
      onSendFailed: (error, first, retryInMs) => {
        const message = `jaeger-kafka: cannot produce to topic "${this.topic}": ${describeError(error)}; ${this.queue.bufferedSpans} spans buffered (${this.queue.bufferedBytes} bytes), retrying in ${retryInMs} ms`
        if (first) this.log('send-failed-first', 'error', message, 0)
        else this.log('send-failed', 'error', message)
      },
      onRecovered: (failures) => safeLog(this.logger, 'info', `jaeger-kafka: producing to topic "${this.topic}" again after ${failures} failed attempts`),
    })
    this.waiters = new FlushWaiters({
      minUnsettledSeqNo: () => this.queue.minUnsettledSeqNo(),
      invoke: (callback, numSpans, error) => this.invoke(callback, numSpans, error),
      reportOutcome: (callback, delivered, dropped, error) => this.reportOutcome('flush', callback, delivered, dropped, error),
    })
    // Connect early so a broken setup shows in the logs at startup, not at the first flush.
    queueMicrotask(() => {
      if (this.closed) return
      attempt(() => this.producer.connect()).catch((error: unknown) => {
        this.log('send-failed', 'error', `jaeger-kafka: cannot connect to Kafka yet: ${describeError(error)}; spans are buffered and retried`)
      })
    })
  }

  /** The record format this sender writes (the `encoding` option). */
  get encoding(): SpanEncoding {
    return this.sealer.encoding
  }

  /** jaeger-client Sender: the process (service name and tags) every Batch carries. */
  setProcess(process: unknown): void {
    try {
      this.setJaegerProcessUnchecked(fromJaegerClientProcess(process))
    } catch (error) {
      safeLog(this.logger, 'error', `jaeger-kafka: cannot encode the process: ${describeError(error)}`)
    }
  }

  /** Like setProcess(), from a `JaegerProcess` (for callers that are not jaeger-client). */
  setJaegerProcess(process: JaegerProcess): void {
    try {
      this.setJaegerProcessUnchecked(process)
    } catch (error) {
      safeLog(this.logger, 'error', `jaeger-kafka: cannot encode the process: ${describeError(error)}`)
    }
  }

  /**
   * jaeger-client Sender: add one span (the object `RemoteReporter` passes).
   * The callback runs once: `(0)` at once when the span joined the open
   * batch; `(n)` after the broker acknowledged the batch this call sealed
   * (n spans); `(n, error)` when those spans, or this span (`(1, error)`),
   * were dropped. Never throws.
   */
  append(span: unknown, callback?: SenderCallback): void {
    try {
      this.counts.appended++
      if (this.closed) return this.dropNew(callback, 'closed', 0, 'Cannot append: the sender is closed', operationNameOf(span))
      const encoding = this.sealer.traceEncoding
      if (encoding !== undefined) {
        let structured: JaegerSpan
        try {
          structured = fromJaegerClientSpan(span)
        } catch (error) {
          return this.dropNew(callback, 'encode_error', 0, `Cannot encode span: ${describeError(error)}`, operationNameOf(span))
        }
        return this.addTraceSpan(encoding, structured, callback)
      }
      let bytes: Uint8Array
      try {
        bytes = encodeJaegerClientSpan(span)
      } catch (error) {
        return this.dropNew(callback, 'encode_error', 0, `Cannot encode span: ${describeError(error)}`, operationNameOf(span))
      }
      this.addEncoded(bytes, () => fromJaegerClientSpan(span), callback)
    } catch (error) {
      this.internalError(error, callback)
    }
  }

  /** Like append(), from a `JaegerSpan` (for callers that are not jaeger-client). */
  appendSpan(span: JaegerSpan, callback?: SenderCallback): void {
    try {
      this.counts.appended++
      if (this.closed) return this.dropNew(callback, 'closed', 0, 'Cannot append: the sender is closed', operationNameOf(span))
      const encoding = this.sealer.traceEncoding
      if (encoding !== undefined) return this.addTraceSpan(encoding, span, callback)
      let bytes: Uint8Array
      try {
        bytes = encodeSpan(span)
      } catch (error) {
        return this.dropNew(callback, 'encode_error', 0, `Cannot encode span: ${describeError(error)}`, operationNameOf(span))
      }
      this.addEncoded(bytes, () => span, callback)
    } catch (error) {
      this.internalError(error, callback)
    }
  }

  /**
   * Count one span the caller could not even turn into a `JaegerSpan` (an
   * OTel span with an invalid id, say) as dropped, reason `encode_error`,
   * exactly as append() counts a span it cannot encode: the counters,
   * `onDrop`, the throttled log, and `callback(1, error)`. Never throws.
   */
  dropUnconvertible(error: string, operationName?: string, callback?: SenderCallback): void {
    try {
      this.counts.appended++
      this.dropNew(callback, 'encode_error', 0, error, operationName)
    } catch (thrown) {
      this.internalError(thrown, callback)
    }
  }

  /**
   * Send the spans of one received Batch (what the agent gets in a UDP
   * datagram or an HTTP body) under their own `process`, not the sender's.
   * The open batch of other appends is sealed first (under its process); these
   * spans go into their own record(s), several only beyond `maxMessageBytes`.
   * Resolves once every record they went into settled: `delivered` the spans
   * the broker acknowledged (or a spooling producer holds), `dropped` the rest,
   * each counted by reason like append() (counters, `onDrop`, log). A span
   * that cannot be encoded is dropped alone (`encode_error`); an invalid
   * process drops the batch. Never rejects, never throws.
   */
  sendBatch(process: JaegerProcess, spans: readonly JaegerSpan[]): Promise<BatchOutcome> {
    const count = Array.isArray(spans) ? spans.length : 0
    return this.deliverBatch(
      count,
      () => ({ bytes: encodeProcess(process), format: this.sealer.formatFor(process) }),
      (report, drop) => {
        const encode = this.batchSpanEncoder()
        for (const span of spans) this.addBatchSpan(span, encode, report, drop)
      },
    )
  }

  /**
   * sendBatch() for a batch received in Thrift binary and already validated
   * (`sliceEmitBatch()`, `sliceBatch()`): with `jaeger_thrift` records its
   * Process and Span structs go into the record as they are — no decode into
   * objects, no re-encode (a span over the record limit is decoded to be
   * trimmed). Other encodings decode them first. Same outcome and counting as
   * sendBatch(); never rejects, never throws.
   */
  sendThriftBatch(parts: ThriftBatchParts): Promise<BatchOutcome> {
    const spans = Array.isArray(parts?.spans) ? parts.spans : []
    if (this.sealer.traceEncoding !== undefined) {
      // Per-trace protobuf records are built from structured spans.
      return this.deliverBatch(
        spans.length,
        () => {
          const process = decodeProcess(parts.process)
          return { bytes: encodeProcess(process), format: this.sealer.formatFor(process) }
        },
        (report, drop) => {
          const encode = this.batchSpanEncoder()
          for (const bytes of spans) {
            let span: JaegerSpan
            try {
              span = decodeSpan(bytes)
            } catch (error) {
              drop('encode_error', 1, bytes.length, `Cannot decode span: ${describeError(error)}`)
              continue
            }
            this.addBatchSpan(span, encode, report, drop)
          }
        },
      )
    }
    return this.deliverBatch(
      spans.length,
      () => {
        if (!(parts.process instanceof Uint8Array) || parts.process.length === 0) throw new TypeError('`process` must be the bytes of a Thrift Process struct')
        return { bytes: parts.process, format: undefined }
      },
      (report, drop) => {
        for (const bytes of spans) this.addSpanBytes(bytes, report, drop)
      },
    )
  }

  /**
   * The engine of sendBatch() and sendThriftBatch(): `prepare` gives the
   * batch's encoded process (a throw drops the batch), `addSpans` adds its
   * `total` spans to the sealer under that process.
   */
  private deliverBatch(total: number, prepare: () => { bytes: Uint8Array; format: ReturnType<BatchSealer['formatFor']> }, addSpans: (report: BatchReport, drop: DropFn) => void): Promise<BatchOutcome> {
    return new Promise<BatchOutcome>((resolve) => {
      let firstError: string | undefined
      const dropSpan = (reason: DropReason, spanCount: number, bytes: number, error: string, operationName?: string): void => {
        firstError ??= error
        this.countDrop(reason, spanCount, bytes, error, operationName)
      }
      try {
        this.counts.appended += total
        if (total === 0) return resolve({ delivered: 0, dropped: 0 })
        if (this.closed) {
          dropSpan('closed', total, 0, 'Cannot send: the sender is closed')
          return resolve({ delivered: 0, dropped: total, error: firstError as string })
        }
        let process: ReturnType<typeof prepare>
        try {
          process = prepare()
        } catch (error) {
          dropSpan('encode_error', total, 0, `Cannot encode the batch's process: ${describeError(error)}`)
          return resolve({ delivered: 0, dropped: total, error: firstError as string })
        }
        // Other appends' spans belong to the sender's process: sealed (or, without a process yet, set aside) first.
        this.seal({ kind: 'none', pending: 0, delivered: 0, dropped: 0 })
        const others = this.sealer.detach()
        // pending starts at 1 while spans are still being added, so the report cannot complete early
        // (a batch can be dropped synchronously while it is enqueued, e.g. buffer_full).
        const report: BatchReport = { kind: 'none', pending: 1, delivered: 0, dropped: 0 }
        const complete = (): void => {
          const dropped = total - report.delivered
          resolve(dropped === 0 ? { delivered: report.delivered, dropped: 0 } : { delivered: report.delivered, dropped, error: report.error ?? firstError ?? 'Cannot deliver: spans were dropped' })
        }
        report.onComplete = complete
        try {
          this.sealer.setProcess(process.bytes, process.format)
          addSpans(report, dropSpan)
          this.seal(report)
        } finally {
          this.sealer.reattach(others)
        }
        report.pending--
        if (report.pending === 0) complete()
      } catch (error) {
        safeLog(this.logger, 'error', `jaeger-kafka: sendBatch failed unexpectedly: ${describeError(error)}`)
        resolve({ delivered: 0, dropped: total, error: `Unexpected sender error: ${describeError(error)}` })
      }
    })
  }

  /**
   * jaeger-client Sender: seal the open batch and wait until it and every
   * earlier batch settled (or `flushTimeoutMs` passed). The callback gets the
   * spans of the batch this call sealed: `(n)` delivered or `(n, error)`
   * dropped; `(0)` if there was nothing to seal or the timeout came first
   * (those spans stay buffered; their outcome is then counted in `metrics`).
   * Also returns a Promise of the same result; never rejects.
   */
  flush(callback?: SenderCallback): Promise<FlushResult> {
    return new Promise<FlushResult>((resolve) => {
      try {
        if (this.sealer.openCount > 0 && !this.sealer.hasProcess) {
          const error = 'Cannot flush: setProcess() was not called yet; spans stay buffered'
          this.invoke(callback, 0, error)
          resolve({ spans: 0, error, timedOut: false })
          return
        }
        // onComplete is set before sealing: the batch may be dropped (buffer full) while it is enqueued.
        let report: BatchReport | undefined = { kind: 'flush', pending: 0, delivered: 0, dropped: 0, onComplete: () => this.waiters.check() }
        if (!this.seal(report)) report = undefined
        const waiter: FlushWaiter = { untilSeqNo: this.sealer.seqNo, callback, resolve, done: false }
        if (report) waiter.report = report
        this.waiters.add(waiter, this.flushTimeoutMs)
      } catch (error) {
        safeLog(this.logger, 'error', `jaeger-kafka: flush failed unexpectedly: ${describeError(error)}`)
        this.invoke(callback, 0, `Cannot flush: ${describeError(error)}`)
        resolve({ spans: 0, error: describeError(error), timedOut: false })
      }
    })
  }

  /**
   * Stop accepting spans, send what is buffered and wait up to
   * `closeTimeoutMs` for acknowledgements; then drop what is left (reason
   * `closed`) and disconnect a producer the sender built. The callback gets
   * `(undelivered, error?)` over the sender's lifetime; the Promise resolves
   * to the full account and never rejects.
   */
  close(callback?: SenderCallback): Promise<CloseResult> {
    this.closing ??= this.shutdown()
    return this.closing.then((result) => {
      if (result.undelivered === 0) this.invoke(callback, 0)
      else this.invoke(callback, result.undelivered, `${result.undelivered} spans were not delivered (${this.describeDrops(result.dropped)})`)
      return result
    })
  }

  /** A snapshot of the counters. */
  stats(): KafkaSenderStats {
    return {
      spansAppended: this.counts.appended,
      spansDelivered: this.counts.delivered,
      spansTrimmed: this.counts.trimmed,
      spansDropped: { ...this.counts.dropped },
      batchesSealed: this.sealer.seqNo,
      batchesDelivered: this.counts.batchesDelivered,
      bytesDelivered: this.counts.bytesDelivered,
      sendAttempts: this.queue.attempts,
      sendFailures: this.queue.failures,
      bufferedSpans: this.sealer.openCount + this.queue.bufferedSpans,
      bufferedBytes: this.sealer.openByteCount + this.queue.bufferedBytes,
      bufferedBatches: this.queue.size,
      inFlightBatches: this.queue.inFlightCount,
      maxMessageBytes: this.sealer.maxMessageBytes,
      ...(this.spooling && { spool: this.spooling.spoolStats() }),
    }
  }

  static [Symbol.hasInstance](value: unknown): boolean {
    return brandedInstanceOf(this, KafkaSender, value, SENDER_BRAND)
  }

  // ------------------------------------------------------------- internals

  private invoke(callback: SenderCallback | undefined, numSpans: number, error?: string): void {
    safeCallback(callback, numSpans, error, this.logger)
  }

  private setJaegerProcessUnchecked(process: JaegerProcess): void {
    const bytes = encodeProcess(process)
    const format = this.sealer.formatFor(process)
    // Spans appended so far belong to the old process.
    if (this.sealer.processChanges(bytes)) this.seal({ kind: 'none', pending: 0, delivered: 0, dropped: 0 })
    this.sealer.setProcess(bytes, format)
  }

  /** How sendBatch() encodes a span for this sender's records (made once per batch, not per span). */
  private batchSpanEncoder(): (span: JaegerSpan) => Uint8Array {
    const encoding = this.sealer.traceEncoding
    return encoding === undefined ? encodeSpan : (span) => encodeSpanPart(encoding, span)
  }

  /** sendBatch(): encode one span of the batch with `encode` (trimmed if too large) and add it to the open batch, sealing into `report` when full. */
  private addBatchSpan(span: JaegerSpan, encode: (span: JaegerSpan) => Uint8Array, report: BatchReport, drop: DropFn): void {
    const encoding = this.sealer.traceEncoding
    let bytes: Uint8Array
    try {
      bytes = encode(span)
    } catch (error) {
      return drop('encode_error', 1, 0, `Cannot encode span: ${describeError(error)}`, operationNameOf(span))
    }
    let structured = span
    if (bytes.length > this.sealer.maxSpanBytes()) {
      const trimmed = this.trim(bytes.length, () => span, drop, encode)
      if (!trimmed) return
      bytes = trimmed.bytes
      structured = trimmed.span
    }
    const encoded = encoding === undefined ? undefined : encodeTraceSpan(encoding, structured, bytes)
    const length = encoded ? encoded.bytes.length : bytes.length
    if (this.sealer.wouldOverflow(length)) this.seal(report)
    if (encoded) this.sealer.addSpan(encoded)
    else this.sealer.add(bytes)
  }

  /** sendThriftBatch() with jaeger_thrift records: add one span's Thrift bytes as they are (trimmed if too large), sealing into `report` when full. */
  private addSpanBytes(bytes: Uint8Array, report: BatchReport, drop: DropFn): void {
    if (!(bytes instanceof Uint8Array)) return drop('encode_error', 1, 0, 'Cannot send span: expected the bytes of a Thrift Span struct')
    if (bytes.length > this.sealer.maxSpanBytes()) {
      const trimmed = this.trim(bytes.length, () => decodeSpan(bytes), drop)
      if (!trimmed) return
      bytes = trimmed.bytes
    }
    if (this.sealer.wouldOverflow(bytes.length)) this.seal(report)
    this.sealer.add(bytes)
  }

  /** Protobuf encodings: encode `span` once, in the records' encoding, and add it (trimmed if it is too large). */
  private addTraceSpan(encoding: TraceEncoding, span: JaegerSpan, callback: SenderCallback | undefined): void {
    let bytes: Uint8Array
    try {
      bytes = encodeSpanPart(encoding, span)
    } catch (error) {
      return this.dropNew(callback, 'encode_error', 0, `Cannot encode span: ${describeError(error)}`, operationNameOf(span))
    }
    let encoded: EncodedSpan
    if (bytes.length <= this.sealer.maxSpanBytes()) {
      encoded = encodeTraceSpan(encoding, span, bytes)
    } else {
      const trimmed = this.trim(bytes.length, () => span, this.dropFor(callback), (s) => encodeSpanPart(encoding, s))
      if (!trimmed) return
      encoded = encodeTraceSpan(encoding, trimmed.span, trimmed.bytes)
    }
    const sealed = this.makeRoom(encoded.bytes.length, callback)
    this.sealer.addSpan(encoded)
    if (!sealed) this.invoke(callback, 0)
  }

  private addEncoded(bytes: Uint8Array, structured: () => JaegerSpan, callback: SenderCallback | undefined): void {
    if (bytes.length > this.sealer.maxSpanBytes()) {
      const trimmed = this.trim(bytes.length, structured, this.dropFor(callback))
      if (!trimmed) return
      bytes = trimmed.bytes
    }
    const sealed = this.makeRoom(bytes.length, callback)
    this.sealer.add(bytes)
    if (!sealed) this.invoke(callback, 0)
  }

  /**
   * The span of `original` bytes (over maxSpanBytes()) trimmed and encoded
   * with `encode` (default: Thrift), or undefined after counting the drop.
   */
  private trim(original: number, structured: () => JaegerSpan, drop: DropFn, encode?: (span: JaegerSpan) => Uint8Array): { bytes: Uint8Array; span: JaegerSpan } | undefined {
    const maxSpan = this.sealer.maxSpanBytes()
    let trimmed: ReturnType<typeof trimSpan>
    let operationName: string | undefined
    try {
      const span = structured()
      operationName = span.operationName
      trimmed = trimSpan(span, maxSpan, encode)
    } catch {
      trimmed = undefined
    }
    if (!trimmed) {
      drop('too_large', 1, original, `Cannot send span "${operationName ?? '?'}": ${original} bytes exceed the ${maxSpan}-byte limit even without logs and tags`, operationName)
      return undefined
    }
    this.counts.trimmed++
    this.log('trimmed', 'info', `jaeger-kafka: span "${operationName}" was ${original} bytes (limit ${maxSpan}); sent without ${trimmed.removedLogs} logs and ${trimmed.removedTags} tags, tagged jaeger.truncated=true`)
    return trimmed
  }

  /**
   * Seal the open batch if `length` more bytes would overflow it. Like
   * jaeger-client's UDPSender, the call that fills a batch reports it: true
   * when `callback` now belongs to the sealed batch.
   */
  private makeRoom(length: number, callback: SenderCallback | undefined): boolean {
    if (!this.sealer.wouldOverflow(length)) return false
    this.seal({ kind: 'append', callback, pending: 0, delivered: 0, dropped: 0 })
    return true
  }

  /** Seal the open spans into batch(es) owned by `report` and queue them. False when nothing was sealed. */
  private seal(report: BatchReport): boolean {
    const batches = this.sealer.seal(report)
    if (batches.length === 0) {
      // Protobuf encodings: every span sealed was dropped (counted); the appending call still gets its one callback.
      if (report.kind === 'append') this.invoke(report.callback, 0)
      return false
    }
    for (const batch of batches) this.queue.enqueue(batch)
    this.metrics.reporterQueueLength.update(this.sealer.openCount + this.queue.bufferedSpans)
    return true
  }

  /** Batch.stats: cumulative drops so far (jaeger.thrift ClientStats). */
  private clientStats(): ClientStats {
    const d = this.counts.dropped
    return {
      fullQueueDroppedSpans: BigInt(d.buffer_full),
      tooLargeDroppedSpans: BigInt(d.too_large),
      failedToEmitSpans: BigInt(d.closed + d.encode_error),
    }
  }

  /** The broker refused `batch` as too large: split it in two and lower the limit. */
  private split(batch: Batch): Batch[] | undefined {
    return this.sealer.split(batch, (from, to) => {
      safeLog(this.logger, 'error', `jaeger-kafka: the broker rejected a ${batch.size}-byte record as too large; lowering maxMessageBytes from ${from} to ${to} (check the topic's max.message.bytes)`)
    })
  }

  private settled(batch: Batch, result: Settlement): void {
    const report = batch.report
    if (result.delivered) {
      this.counts.delivered += batch.spanCount
      this.counts.batchesDelivered += batch.records?.length ?? 1
      this.counts.bytesDelivered += batch.size
      report.delivered += batch.spanCount
    } else {
      this.counts.dropped[result.reason] += batch.spanCount
      report.dropped += batch.spanCount
      report.error ??= result.error
      this.notifyDrop({ reason: result.reason, spans: batch.spanCount, bytes: batch.size, seqNo: batch.seqNo }, `jaeger-kafka: dropped batch ${batch.seqNo} (${batch.spanCount} spans, ${batch.size} bytes): ${result.error}`)
    }
    report.pending--
    if (report.pending === 0) {
      if (report.onComplete) report.onComplete()
      else this.reportOutcome(report.kind, report.callback, report.delivered, report.dropped, report.error)
    }
    this.metrics.reporterQueueLength.update(this.sealer.openCount + this.queue.bufferedSpans)
    this.waiters.check()
  }

  /**
   * Report an outcome exactly once: through the caller's callback when there
   * is one, else straight to the `jaeger:reporter_spans` counters (with the
   * result RemoteReporter would have used for that callback).
   */
  private reportOutcome(kind: BatchReport['kind'], callback: SenderCallback | undefined, delivered: number, dropped: number, error: string | undefined): void {
    if (callback && dropped === 0) return this.invoke(callback, delivered)
    if (callback && delivered === 0) return this.invoke(callback, dropped, error)
    if (callback) this.invoke(callback, delivered)
    else if (delivered > 0) this.metrics.reporterSuccess.increment(delivered)
    if (dropped > 0) (kind === 'flush' ? this.metrics.reporterFailure : this.metrics.reporterDropped).increment(dropped)
  }

  private dropNew(callback: SenderCallback | undefined, reason: DropReason, bytes: number, error: string, operationName: string | undefined): void {
    this.countDrop(reason, 1, bytes, error, operationName)
    this.reportOutcome('append', callback, 0, 1, error)
  }

  /** A DropFn that reports one span's drop to `callback` (append's way). */
  private dropFor(callback: SenderCallback | undefined): DropFn {
    return (reason, _spans, bytes, error, operationName) => this.dropNew(callback, reason, bytes, error, operationName)
  }

  /** Count `spans` spans never sealed into a record as dropped: counters, onDrop, throttled log. */
  private countDrop(reason: DropReason, spans: number, bytes: number, error: string, operationName?: string): void {
    this.counts.dropped[reason] += spans
    const drop: SpanDrop = { reason, spans, bytes }
    if (operationName !== undefined) drop.operationName = operationName
    this.notifyDrop(drop, spans === 1 ? `jaeger-kafka: dropped span: ${error}` : `jaeger-kafka: dropped ${spans} spans: ${error}`)
  }

  private notifyDrop(drop: SpanDrop, message: string): void {
    this.log(`drop-${drop.reason}`, 'error', message)
    if (!this.onDrop) return
    try {
      this.onDrop(drop)
    } catch {
      // A throwing hook must not affect delivery.
    }
  }

  private async shutdown(): Promise<CloseResult> {
    this.closed = true
    let timedOut = false
    try {
      this.seal({ kind: 'none', pending: 0, delivered: 0, dropped: 0 })
      if (this.sealer.openCount > 0) {
        // No process was ever set: these spans cannot form a Batch.
        const { count, bytes } = this.sealer.discardOpen()
        this.counts.dropped.closed += count
        this.notifyDrop({ reason: 'closed', spans: count, bytes }, `jaeger-kafka: dropped ${count} spans at close: setProcess() was never called`)
        this.metrics.reporterDropped.increment(count)
      }
      if (this.queue.size > 0) {
        const producer = this.producer
        if (producer.flush) attempt(() => (producer.flush as (ms: number) => Promise<void>)(this.closeTimeoutMs)).catch(() => {})
        // The one timer that may hold the process: close() was asked to wait this long.
        timedOut = !(await withTimeout(this.queue.whenIdle(), this.closeTimeoutMs, true))
        if (timedOut) this.queue.dropAll('closed', `Cannot deliver: close() timed out after ${this.closeTimeoutMs} ms`)
      }
    } catch (error) {
      safeLog(this.logger, 'error', `jaeger-kafka: close failed unexpectedly: ${describeError(error)}`)
      this.queue.dropAll('closed', `Cannot deliver: close() failed: ${describeError(error)}`)
    }
    this.queue.stop()
    this.waiters.check()
    // Spooled batches are safe on disk: replay gets drainOnCloseMs while Kafka takes them, the rest waits for the next start.
    if (this.spooling) await this.spooling.close({ drainTimeoutMs: this.drainOnCloseMs })
    if (this.disconnectOnClose) {
      const disconnected = await withTimeout(
        attempt(() => this.producer.disconnect()).catch((error: unknown) => safeLog(this.logger, 'error', `jaeger-kafka: disconnect failed: ${describeError(error)}`)),
        5_000,
      )
      if (!disconnected) safeLog(this.logger, 'error', 'jaeger-kafka: the producer did not disconnect within 5000 ms')
    }
    const dropped = { ...this.counts.dropped }
    const undelivered = DROP_REASONS.reduce((sum, reason) => sum + dropped[reason], 0)
    if (undelivered > 0) safeLog(this.logger, 'error', `jaeger-kafka: closed; ${this.counts.delivered} spans delivered, ${undelivered} not (${this.describeDrops(dropped)})`)
    return { delivered: this.counts.delivered, undelivered, dropped, timedOut }
  }

  private describeDrops(dropped: Record<DropReason, number>): string {
    return DROP_REASONS.filter((reason) => dropped[reason] > 0)
      .map((reason) => `${reason}: ${dropped[reason]}`)
      .join(', ')
  }

  private internalError(error: unknown, callback: SenderCallback | undefined): void {
    safeLog(this.logger, 'error', `jaeger-kafka: unexpected sender error: ${describeError(error)}`)
    this.invoke(callback, 0, `Unexpected sender error: ${describeError(error)}`)
  }

}

/** Call a producer method; a synchronous throw becomes a rejection. */
function attempt(fn: () => Promise<void>): Promise<void> {
  try {
    return Promise.resolve(fn())
  } catch (error) {
    return Promise.reject(error)
  }
}

/** Resolve true if `promise` settles within `ms`, false otherwise (timer unref'd unless `keepAlive`). */
function withTimeout(promise: Promise<unknown>, ms: number, keepAlive = false): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), ms)
    if (!keepAlive) unref(timer)
    promise.then(
      () => {
        clearTimeout(timer)
        resolve(true)
      },
      () => {
        clearTimeout(timer)
        resolve(true)
      },
    )
  })
}
