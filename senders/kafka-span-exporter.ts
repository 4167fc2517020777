// SPDX-License-Identifier: Apache-2.0
/**
 * `KafkaSpanExporter`: the OpenTelemetry JS SDK's `SpanExporter` contract
 * (`export(spans, resultCallback)`, `shutdown()`, `forceFlush()`) over the
 * same delivery engine as jaeger-client apps use, `KafkaSender`: acks=all,
 * idempotent, a byte-capped buffer while Kafka is unreachable, every span
 * delivered or counted as dropped with a reason, never a throw into the app.
 *
 * Spans are converted to the jaeger model once (`from-otel-span.ts`, Jaeger's
 * own traces→jaeger mapping) and written as `otlp_proto` by default (one
 * `TracesData` per trace, keyed by trace id: what Jaeger v2's Kafka ingester
 * and the OTel Collector read), or `jaeger_thrift` (our forwarder's Batches,
 * like the jaeger-client neighbours) or `jaeger_proto` on request.
 *
 * When `export()` reports SUCCESS, and where spans wait (docs/otel-exporter.md):
 * - SUCCESS only once the broker acknowledged every span of the call.
 * - FAILED when a span of the call was dropped (the error names the reasons;
 *   each drop is also in `stats()` and `onDrop`), or when the acknowledgement
 *   did not come within `exportTimeoutMs` (default 5000, as `JAEGER_KAFKA_FLUSH_TIMEOUT`; below
 *   BatchSpanProcessor's 30000 `exportTimeoutMillis`). Then the spans stay in
 *   this exporter's buffer (`maxBufferedBytes`) and are retried: delivered
 *   later, or counted as dropped (`buffer_full`, `closed`), never lost silently.
 * - While such a timed-out export is still unacknowledged, later exports do
 *   not wait: they buffer their spans and report FAILED at once, so
 *   BatchSpanProcessor keeps draining its queue (whose overflow it drops
 *   without a count) into ours (whose overflow is counted). The first flush
 *   that completes in time ends this mode.
 * - BatchSpanProcessor skips `exporter.shutdown()` when its last export
 *   reported FAILED (`provider.shutdown()` rejects): call `shutdown()` here
 *   after `provider.shutdown()` settles, else the Kafka client stays connected.
 *
 * The OTLP bytes differ from the SDK's own OTLP serializer only where the
 * jaeger model has no field (see docs/otel-exporter.md): the scope becomes
 * `otel.scope.name`/`otel.scope.version` attributes; array attributes become
 * their JSON string; link attributes are replaced by `opentracing.ref_type`;
 * dropped counts become `otel.dropped_*_count` attributes; times are
 * truncated to microseconds; trace state becomes a `w3c.tracestate` attribute.
 * @module
 */
import { describeError } from '../src/errors.ts'
import type { Logger } from '../src/kafka/logger.ts'
import { nullLogger, safeLog } from '../src/kafka/logger.ts'
import { parseSpanEncoding } from '../src/kafka/span-record.ts'
import type { SpanEncoding } from '../src/kafka/span-record.ts'
import { fromOtelResource, fromOtelSpan } from '../src/codec/otel/from-otel-span.ts'
import type { OtelReadableSpan, OtelResource } from '../src/codec/otel/from-otel-span.ts'
import type { Env, KafkaReporterConfig } from './kafka-config.ts'
import { isKafkaConfigured, kafkaConfigFromEnv, senderOptionsFromConfig } from './kafka-config.ts'
import { KafkaSender } from './kafka-sender.ts'
import type { KafkaSenderStats, SenderCallback, SpanDrop } from './sender-types.ts'
import { readTextFileSync } from './runtime-require.ts'

/** OTel's `ExportResultCode`: SUCCESS 0, FAILED 1. */
export const ExportResultCode = { SUCCESS: 0, FAILED: 1 } as const
export type ExportResultCode = (typeof ExportResultCode)[keyof typeof ExportResultCode]

/** OTel's `ExportResult`. */
export interface ExportResult {
  code: ExportResultCode
  error?: Error
}

/** Default longest wait of one `export()` for the broker's acknowledgements (below BatchSpanProcessor's 30 s `exportTimeoutMillis`). */
export const DEFAULT_EXPORT_TIMEOUT_MS = 5_000

/**
 * Options of `new KafkaSpanExporter()`: the `JAEGER_KAFKA_*` settings
 * (`brokers`, `topic`, `encoding`, `ssl`, `sasl`, `maxBufferedBytes`, …, or a
 * ready `producer`), which win over the variables, plus the exporter's own.
 */
export interface KafkaSpanExporterOptions extends Omit<KafkaReporterConfig, 'reporter'> {
  /** Record format; default `otlp_proto` (env `JAEGER_KAFKA_ENCODING`). */
  encoding?: SpanEncoding
  /**
   * Longest one `export()` waits for acknowledgements before reporting FAILED
   * with its spans left buffered (default 5000; env `JAEGER_KAFKA_FLUSH_TIMEOUT`).
   * Keep it below BatchSpanProcessor's `exportTimeoutMillis`.
   */
  exportTimeoutMs?: number
  /** `{ info, error }`; default silent. */
  logger?: Logger
  /** Called for every drop, with its reason (after the counters are updated). */
  onDrop?: (drop: SpanDrop) => void
  /** Where `JAEGER_KAFKA_*` are read from (default `process.env`; `{}` reads none). */
  env?: Env
}

/** `stats()`: the sender's counters (spans handed to `export()` count as appended) plus export outcomes. */
export interface KafkaSpanExporterStats extends KafkaSenderStats {
  /** export() calls that reported SUCCESS. */
  exportsSucceeded: number
  /** export() calls that reported FAILED (a drop, a timeout, or while waiting for Kafka). */
  exportsFailed: number
}

function processEnv(): Env {
  return (globalThis as { process?: { env?: Env } }).process?.env ?? {}
}

/**
 * An OpenTelemetry `SpanExporter` that writes spans to a Kafka topic.
 *
 * @example
 * ```ts
 * import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base'
 * import { KafkaSpanExporter } from 'jaeger-kafka/otel'
 * // JAEGER_KAFKA_BROKERS=kafka-1:9092 (and OTEL_SERVICE_NAME=orders, read by the SDK's resource)
 * const exporter = new KafkaSpanExporter()
 * const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] })
 * // at exit (provider.shutdown() rejects if its last export is still unacknowledged):
 * await provider.shutdown().catch(() => {})
 * await exporter.shutdown()
 * ```
 */
export class KafkaSpanExporter {
  /** The delivery engine (the same class jaeger-client apps report through). */
  readonly sender: KafkaSender
  readonly encoding: SpanEncoding
  /** Longest one export() waits for acknowledgements. */
  readonly exportTimeoutMs: number
  private readonly logger: Logger
  private lastResource: OtelResource | undefined
  private processSet = false
  private exportsSucceeded = 0
  private exportsFailed = 0
  /** A flush timed out and its spans are still unacknowledged: exports do not wait (see the module doc). */
  private waitingForKafka = false
  private shuttingDown: Promise<void> | undefined

  /**
   * Reads `JAEGER_KAFKA_*` (as `initTracerFromEnv` does; options win). Throws
   * a `TypeError`/`RangeError` naming the setting when no brokers or producer
   * are given or a value is invalid, at startup, never later.
   */
  constructor(options: KafkaSpanExporterOptions = {}) {
    const { exportTimeoutMs, logger, onDrop, env, ...kafkaOptions } = options
    const fromEnv = kafkaConfigFromEnv(env ?? processEnv(), readTextFileSync)
    const config: KafkaReporterConfig = { ...fromEnv }
    for (const [key, value] of Object.entries(kafkaOptions)) if (value !== undefined) (config as Record<string, unknown>)[key] = value
    if (!isKafkaConfigured(config)) throw new TypeError('KafkaSpanExporter needs Kafka brokers: set `brokers` (or `producer`), or JAEGER_KAFKA_BROKERS')
    this.encoding = parseSpanEncoding(config.encoding ?? 'otlp_proto', '`encoding`')
    const senderOptions = senderOptionsFromConfig(config)
    senderOptions.encoding = this.encoding
    this.exportTimeoutMs = exportTimeoutMs ?? config.flushTimeoutMs ?? DEFAULT_EXPORT_TIMEOUT_MS
    senderOptions.flushTimeoutMs = this.exportTimeoutMs
    this.logger = logger ?? nullLogger
    if (logger) senderOptions.logger = logger
    if (onDrop) senderOptions.onDrop = onDrop
    this.sender = new KafkaSender(senderOptions)
  }

  /**
   * OTel `SpanExporter.export`: convert and buffer `spans`, then wait for the
   * broker's acknowledgement (see the module doc for SUCCESS and FAILED).
   * `resultCallback` runs exactly once; nothing is thrown.
   */
  export(spans: readonly OtelReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    let reported = false
    const report = (result: ExportResult): void => {
      if (reported) return
      reported = true
      if (result.code === ExportResultCode.SUCCESS) this.exportsSucceeded++
      else this.exportsFailed++
      try {
        resultCallback(result)
      } catch (error) {
        safeLog(this.logger, 'error', `jaeger-kafka: the export result callback threw: ${describeError(error)}`)
      }
    }
    try {
      const drops: string[] = []
      const onAppend: SenderCallback = (numSpans, error) => {
        if (error !== undefined && numSpans > 0) drops.push(error)
      }
      const list = Array.isArray(spans) ? spans : []
      for (const span of list) this.append(span, onAppend)
      if (this.waitingForKafka) {
        void this.sender.flush().then((result) => this.flushSettled(result.timedOut))
        drops.push(`Kafka has not acknowledged earlier spans yet; these ${list.length} spans wait in the exporter's buffer (maxBufferedBytes) and will be delivered or counted as dropped`)
        report(this.failed(drops))
        return
      }
      void this.sender.flush().then((result) => {
        this.flushSettled(result.timedOut)
        if (result.timedOut) {
          drops.push(`Kafka did not acknowledge within ${this.exportTimeoutMs} ms; the spans stay buffered in the exporter and will be delivered or counted as dropped`)
        } else if (result.error !== undefined && result.spans > 0) {
          drops.push(result.error)
        }
        report(drops.length === 0 ? { code: ExportResultCode.SUCCESS } : this.failed(drops))
      })
    } catch (error) {
      safeLog(this.logger, 'error', `jaeger-kafka: export failed unexpectedly: ${describeError(error)}`)
      report({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(describeError(error)) })
    }
  }

  /** OTel `SpanExporter.forceFlush`: send what is buffered and wait (up to `exportTimeoutMs`) for acknowledgements. Never rejects. */
  async forceFlush(): Promise<void> {
    try {
      const result = await this.sender.flush()
      this.flushSettled(result.timedOut)
    } catch (error) {
      safeLog(this.logger, 'error', `jaeger-kafka: forceFlush failed unexpectedly: ${describeError(error)}`)
    }
  }

  /**
   * OTel `SpanExporter.shutdown`: stop accepting spans, deliver what is
   * buffered (up to `closeTimeoutMs`, then the rest is counted as dropped,
   * reason `closed`) and disconnect a producer the exporter built. Idempotent;
   * never rejects. Spans exported afterwards are counted as dropped (`closed`).
   */
  shutdown(): Promise<void> {
    this.shuttingDown ??= this.sender.close().then(
      () => undefined,
      (error: unknown) => safeLog(this.logger, 'error', `jaeger-kafka: shutdown failed unexpectedly: ${describeError(error)}`),
    )
    return this.shuttingDown
  }

  /** A snapshot of the counters: delivered, dropped by reason, buffered, and export outcomes. */
  stats(): KafkaSpanExporterStats {
    const stats = this.sender.stats()
    return { ...stats, exportsSucceeded: this.exportsSucceeded, exportsFailed: this.exportsFailed }
  }

  // ------------------------------------------------------------- internals

  private append(span: OtelReadableSpan, onAppend: SenderCallback): void {
    let converted
    try {
      converted = fromOtelSpan(span)
      const resource = span.resource
      // One process per sender: a span of another resource switches it (the sender seals what came before).
      if (!this.processSet || resource !== this.lastResource) {
        this.sender.setJaegerProcess(fromOtelResource(resource))
        this.lastResource = resource
        this.processSet = true
      }
    } catch (error) {
      // Counted where every other drop is: the sender's counters, onDrop, throttled log, onAppend(1, error).
      const name = (span as { name?: unknown } | null | undefined)?.name
      this.sender.dropUnconvertible(describeError(error), typeof name === 'string' ? name : undefined, onAppend)
      return
    }
    this.sender.appendSpan(converted, onAppend)
  }

  private flushSettled(timedOut: boolean): void {
    this.waitingForKafka = timedOut
  }

  private failed(reasons: string[]): ExportResult {
    const unique = [...new Set(reasons)]
    const more = unique.length > 3 ? ` (and ${unique.length - 3} more)` : ''
    return { code: ExportResultCode.FAILED, error: new Error(`KafkaSpanExporter: ${unique.slice(0, 3).join('; ')}${more}`) }
  }

}
