// SPDX-License-Identifier: Apache-2.0
/**
 * `KafkaReporter`: a jaeger-client Reporter that feeds `KafkaSender`
 * directly. Same contract and counters as jaeger-client's `RemoteReporter`
 * (pluggable the same way: `initTracer(config, { reporter })`), but it skips
 * `ThriftUtils.spanToThrift()` (which builds five value fields per tag and a
 * node-int64 per timestamp), and its flush timer is unref'd, so it never
 * keeps the process alive.
 * @module
 */
import { REPORTER_BRAND, brandedInstanceOf } from './brand.ts'
import { describeError } from '../src/errors.ts'
import { nullLogger, safeLog } from '../src/kafka/logger.ts'
import type { Logger } from '../src/kafka/logger.ts'
import type { KafkaSender } from './kafka-sender.ts'
import { reporterMetrics } from './metrics.ts'
import type { MetricsFactory, ReporterMetrics } from './metrics.ts'
import type { SenderCallback } from './sender-types.ts'
import { clientSpanFromTracerSpan, clientTagsFromTracerTags, jaegerSpanFromTracerSpan } from './tracer-span.ts'
import type { JaegerSpan } from '../src/codec/thrift/jaeger-types.ts'

/** Options of `new KafkaReporter()`. */
export interface KafkaReporterOptions {
  /** How often the open batch is sealed and sent (default 1000 ms, like RemoteReporter). */
  flushIntervalMs?: number
  logger?: Logger
  /** The tracer's metrics factory, for `jaeger:reporter_spans{result}`. */
  metrics?: MetricsFactory
}

/**
 * jaeger-client Reporter over a `KafkaSender`.
 *
 * @example
 * ```ts
 * const reporter = new KafkaReporter(new KafkaSender({ kafka: { brokers } }), { metrics })
 * const tracer = jaeger.initTracer(config, { reporter, metrics })
 * ```
 */
export class KafkaReporter {
  /** Brand: `instanceof` and `isKafkaReporter()` work across ESM/CJS copies of the package. */
  readonly [REPORTER_BRAND] = true
  private readonly kafkaSender: KafkaSender
  private readonly logger: Logger
  private readonly metrics: ReporterMetrics
  private readonly interval: ReturnType<typeof setInterval>
  private readonly appendCallback: SenderCallback
  private processSet = false

  constructor(sender: KafkaSender, options: KafkaReporterOptions = {}) {
    if (!sender || typeof (sender as { append?: unknown }).append !== 'function') throw new TypeError('KafkaReporter needs a KafkaSender')
    const flushIntervalMs = options.flushIntervalMs ?? 1_000
    if (!(flushIntervalMs > 0)) throw new RangeError('`flushIntervalMs` must be > 0')
    this.kafkaSender = sender
    this.logger = options.logger ?? nullLogger
    this.metrics = reporterMetrics(options.metrics)
    this.appendCallback = (numSpans, error) => {
      if (error) {
        safeLog(this.logger, 'error', `Failed to append spans in reporter: ${error}`)
        this.metrics.reporterDropped.increment(numSpans)
      } else {
        this.metrics.reporterSuccess.increment(numSpans)
      }
    }
    this.interval = setInterval(() => this.flush(), flushIntervalMs)
    ;(this.interval as { unref?: () => void }).unref?.()
  }

  /** The sender behind this reporter (e.g. for `stats()`). */
  get sender(): KafkaSender {
    return this.kafkaSender
  }

  name(): string {
    return 'KafkaReporter'
  }

  toString(): string {
    return this.name()
  }

  /** Called by the tracer for every finished, sampled span. Never throws. */
  static [Symbol.hasInstance](value: unknown): boolean {
    return brandedInstanceOf(this, KafkaReporter, value, REPORTER_BRAND)
  }

  report(span: unknown): void {
    if (this.kafkaSender.encoding !== 'jaeger_thrift') {
      // The protobuf encodings encode from a JaegerSpan: build it directly.
      let jaegerSpan: JaegerSpan
      try {
        jaegerSpan = jaegerSpanFromTracerSpan(span)
      } catch (error) {
        safeLog(this.logger, 'error', `jaeger-kafka: cannot read span: ${describeError(error)}`)
        return this.kafkaSender.append(null, this.appendCallback) // the sender counts it as encode_error
      }
      return this.kafkaSender.appendSpan(jaegerSpan, this.appendCallback)
    }
    let clientSpan: unknown
    try {
      clientSpan = clientSpanFromTracerSpan(span)
    } catch (error) {
      safeLog(this.logger, 'error', `jaeger-kafka: cannot read span: ${describeError(error)}`)
      clientSpan = null // the sender counts it as encode_error
    }
    this.kafkaSender.append(clientSpan, this.appendCallback)
  }

  /** Called by the tracer's constructor with its service name and process tags. */
  setProcess(serviceName: string, tags: readonly { key: string; value: unknown }[]): void {
    try {
      this.kafkaSender.setProcess({ serviceName, tags: clientTagsFromTracerTags(tags ?? []) })
      this.processSet = true
    } catch (error) {
      safeLog(this.logger, 'error', `jaeger-kafka: cannot set process: ${describeError(error)}`)
    }
  }

  /** Send the open batch; `callback` runs once it (and everything before) settled. */
  flush(callback?: () => void): void {
    if (!this.processSet) {
      safeLog(this.logger, 'error', 'Failed to flush since process is not set.')
      callback?.()
      return
    }
    void this.kafkaSender.flush((numSpans, error) => {
      if (error) {
        safeLog(this.logger, 'error', `Failed to flush spans in reporter: ${error}`)
        this.metrics.reporterFailure.increment(numSpans)
      } else {
        this.metrics.reporterSuccess.increment(numSpans)
      }
      try {
        callback?.()
      } catch {
        // The caller's callback threw.
      }
    })
  }

  /** Flush, close the sender (waiting for acknowledgements), then call `callback`. */
  close(callback?: () => void): void {
    clearInterval(this.interval)
    this.flush(() => {
      void this.kafkaSender.close().then(() => {
        try {
          callback?.()
        } catch {
          // The caller's callback threw.
        }
      })
    })
  }
}
