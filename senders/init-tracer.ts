// SPDX-License-Identifier: Apache-2.0
/**
 * Drop-in `initTracer()` / `initTracerFromEnv()` with jaeger-client's
 * signatures. When Kafka is configured (`config.reporter.kafka`, or
 * `JAEGER_KAFKA_BROKERS` for the env variant) the tracer reports through a
 * `KafkaSender`; otherwise the call goes to jaeger-client unchanged. Moving an
 * app off the UDP agent is one changed `require` line plus one variable:
 *
 * ```js
 * const { initTracerFromEnv } = require('jaeger-kafka') // was: require('jaeger-client')
 * // JAEGER_KAFKA_BROKERS=kafka-1:9092,kafka-2:9092
 * ```
 *
 * jaeger-client stays an optional peer: it is loaded on the first call,
 * synchronously (see runtime-require.ts), because its initTracer is
 * synchronous and so must ours be.
 * @module
 */
import type { Tracer } from 'opentracing'
import { hasKafkajsCodec } from '../src/kafka/kafkajs.ts'
import { CONFLUENT_PACKAGE } from '../src/kafka/confluent.ts'
import type { Logger } from '../src/kafka/logger.ts'
import { safeLog } from '../src/kafka/logger.ts'
import { DEFAULT_SPAN_TOPIC } from '../src/kafka/span-record.ts'
import type { Env, KafkaReporterConfig } from './kafka-config.ts'
import { isKafkaConfigured, KAFKA_ENV, kafkaConfigFromEnv, parseBrokers, senderOptionsFromConfig } from './kafka-config.ts'
import { KafkaReporter } from './kafka-reporter.ts'
import { KafkaSender } from './kafka-sender.ts'
import { reporterMetrics } from './metrics.ts'
import type { MetricsFactory } from './metrics.ts'
import { readTextFileSync, requireOptional } from './runtime-require.ts'

/** jaeger-client's tracer config, plus `reporter.kafka`. */
export interface KafkaTracingConfig {
  serviceName?: string
  disable?: boolean
  sampler?: Record<string, unknown>
  reporter?: {
    logSpans?: boolean
    agentHost?: string
    agentPort?: number
    agentSocketType?: unknown
    collectorEndpoint?: string
    username?: string
    password?: string
    flushIntervalMs?: number
    timeoutMs?: number
    /** Report to Kafka instead of the agent/collector. */
    kafka?: KafkaReporterConfig
  }
  [key: string]: unknown
}

/** jaeger-client's tracer options. */
export interface KafkaTracingOptions {
  reporter?: unknown
  metrics?: MetricsFactory
  logger?: Logger
  tags?: Record<string, unknown>
  [key: string]: unknown
}

/** The tracer jaeger-client returns (an OpenTracing Tracer with `close()`). */
export type JaegerTracer = Tracer & { close(callback?: () => void): void }

interface JaegerClientModule {
  initTracer(config: unknown, options?: unknown): JaegerTracer
  initTracerFromEnv(config: unknown, options?: unknown): JaegerTracer
  RemoteReporter: new (sender: unknown, options?: Record<string, unknown>) => unknown
  CompositeReporter: new (reporters: unknown[]) => unknown
  LoggingReporter: new (logger?: Logger) => unknown
}

function jaegerClient(): JaegerClientModule {
  return requireOptional<JaegerClientModule>('jaeger-client', 'Install it (npm install jaeger-client), or call provideModule("jaeger-client", require("jaeger-client")) first.')
}

function processEnv(): Env {
  return (globalThis as { process?: { env?: Env } }).process?.env ?? {}
}

// kafkajs has only gzip built in; fail at startup rather than at every send.
function checkKafkajsCompression(kafka: KafkaReporterConfig): void {
  const compression = kafka.compression
  if (kafka.producer !== undefined || (kafka.client !== undefined && kafka.client !== 'kafkajs') || compression === undefined || compression === 'none' || compression === 'gzip') return
  const kafkajs = requireOptional<{ CompressionTypes: Record<string, number>; CompressionCodecs: Record<number, unknown> }>('kafkajs', 'Install it (npm install kafkajs).')
  const code = { snappy: kafkajs.CompressionTypes.Snappy, lz4: kafkajs.CompressionTypes.LZ4, zstd: kafkajs.CompressionTypes.ZSTD }[compression]
  if (code === undefined || !hasKafkajsCodec(kafkajs.CompressionCodecs, code)) {
    throw new RangeError(
      `Cannot use Kafka compression "${compression}": kafkajs has only gzip built in. Register a codec in kafkajs CompressionCodecs before initTracer(), use gzip, or set config.reporter.kafka.client to "confluent" (JAEGER_KAFKA_CLIENT=confluent), or pass a node-rdkafka producer (config.reporter.kafka.producer)`,
    )
  }
}

function describeTarget(kafka: KafkaReporterConfig): string {
  const topic = kafka.topic ?? DEFAULT_SPAN_TOPIC
  if (kafka.producer !== undefined) return `topic "${topic}" via the given producer`
  const via = kafka.client === 'confluent' ? ` with ${CONFLUENT_PACKAGE}` : ''
  return `topic "${topic}" on ${parseBrokers(kafka.brokers ?? []).join(',')}${via}`
}

interface BuildInput {
  kafka: KafkaReporterConfig
  options: KafkaTracingOptions
  flushIntervalMs: number | undefined
  logSpans: boolean
  /** Agent/collector settings that Kafka overrides, for the one log line. */
  overridden: string[]
}

function buildReporter(jaeger: JaegerClientModule, input: BuildInput): { reporter: unknown; sender: KafkaSender } {
  const { kafka, options } = input
  checkKafkajsCompression(kafka)
  const logger = options.logger
  const senderOptions = senderOptionsFromConfig(kafka, logger ? { logger } : {})
  if (logger) senderOptions.logger = logger
  if (options.metrics) senderOptions.metrics = options.metrics
  if (logger) {
    const ignored = input.overridden.length > 0 ? `; ignoring ${input.overridden.join(', ')} (Kafka wins)` : ''
    safeLog(logger, 'info', `jaeger-kafka: reporting spans to Kafka ${describeTarget(kafka)}${ignored}`)
  }
  const sender = new KafkaSender(senderOptions)
  let reporter: unknown
  if (kafka.reporter !== 'remote') {
    const reporterOptions: ConstructorParameters<typeof KafkaReporter>[1] = {}
    if (input.flushIntervalMs) reporterOptions.flushIntervalMs = input.flushIntervalMs
    if (logger) reporterOptions.logger = logger
    if (options.metrics) reporterOptions.metrics = options.metrics
    reporter = new KafkaReporter(sender, reporterOptions)
  } else {
    const reporterOptions: Record<string, unknown> = {}
    if (input.flushIntervalMs) reporterOptions.bufferFlushInterval = input.flushIntervalMs
    if (logger) reporterOptions.logger = logger
    if (options.metrics) reporterOptions.metrics = reporterMetrics(options.metrics)
    reporter = new jaeger.RemoteReporter(sender, reporterOptions)
  }
  // Same as jaeger-client: logSpans adds a LoggingReporter in front.
  if (input.logSpans) reporter = new jaeger.CompositeReporter([new jaeger.LoggingReporter(logger), reporter])
  return { reporter, sender }
}

function initWith(jaeger: JaegerClientModule, init: (options: KafkaTracingOptions) => JaegerTracer, input: BuildInput): JaegerTracer {
  const { reporter, sender } = buildReporter(jaeger, input)
  try {
    return init({ ...input.options, reporter })
  } catch (error) {
    // jaeger-client rejected the rest of the config: do not leave a producer running.
    void sender.close()
    throw error
  }
}

/**
 * The `KafkaSender` behind a tracer from `initTracer()` /
 * `initTracerFromEnv()` (through KafkaReporter, RemoteReporter or a
 * logSpans CompositeReporter), e.g. for `stats()`; `undefined` otherwise.
 * Call it before `tracer.close()`, which swaps the tracer's reporter out.
 */
export function getKafkaSender(tracer: unknown): KafkaSender | undefined {
  const visit = (reporter: unknown, depth: number): KafkaSender | undefined => {
    if (!reporter || typeof reporter !== 'object' || depth > 3) return undefined
    if (reporter instanceof KafkaReporter) return reporter.sender
    const r = reporter as { _sender?: unknown; _reporters?: unknown[] }
    if (r._sender instanceof KafkaSender) return r._sender
    for (const inner of r._reporters ?? []) {
      const found = visit(inner, depth + 1)
      if (found) return found
    }
    return undefined
  }
  return visit((tracer as { _reporter?: unknown } | null)?._reporter, 0)
}

function overriddenFromConfig(config: KafkaTracingConfig): string[] {
  const reporter = config.reporter ?? {}
  const names: string[] = []
  if (reporter.agentHost !== undefined) names.push('config.reporter.agentHost')
  if (reporter.agentPort !== undefined) names.push('config.reporter.agentPort')
  if (reporter.collectorEndpoint !== undefined) names.push('config.reporter.collectorEndpoint')
  return names
}

// initTracer(config) reads no variables, like jaeger-client's initTracer ignores
// JAEGER_*. Someone who set JAEGER_KAFKA_BROKERS and called it would otherwise
// get UDP reporting without a word: say so, once per call.
function warnIgnoredEnv(logger: Logger): void {
  const brokers = processEnv()[KAFKA_ENV.BROKERS]
  if (brokers === undefined || brokers === '') return
  safeLog(logger, 'error', `jaeger-kafka: ${KAFKA_ENV.BROKERS} is set but initTracer(config) ignores JAEGER_KAFKA_* variables (as jaeger-client's initTracer ignores JAEGER_*); spans go to the agent/collector, not Kafka. Call initTracerFromEnv() to use the variables, or set config.reporter.kafka.`)
}

/**
 * jaeger-client's `initTracer(config, options)`, reporting to Kafka when
 * `config.reporter.kafka` names brokers or a producer. Without it (or with
 * `config.disable`, or your own `options.reporter`) jaeger-client's
 * initTracer runs unchanged. Like jaeger-client's, it reads no environment
 * variables: with `JAEGER_KAFKA_BROKERS` set but no `config.reporter.kafka` it
 * logs one line (to `options.logger`) pointing at `initTracerFromEnv()`.
 *
 * @example
 * ```ts
 * const tracer = initTracer(
 *   { serviceName: 'orders', sampler: { type: 'const', param: 1 }, reporter: { kafka: { brokers: ['kafka:9092'] } } },
 *   { logger: console },
 * )
 * ```
 */
export function initTracer(config: KafkaTracingConfig, options: KafkaTracingOptions = {}): JaegerTracer {
  const jaeger = jaegerClient()
  const kafka = config?.reporter?.kafka
  if (!isKafkaConfigured(kafka) || config.disable || !config.serviceName || options?.reporter) {
    if (isKafkaConfigured(kafka) && options?.reporter && options.logger) {
      safeLog(options.logger, 'info', 'jaeger-kafka: options.reporter was given; config.reporter.kafka is ignored')
    }
    if (!isKafkaConfigured(kafka) && !options?.reporter && !config?.disable && options?.logger) warnIgnoredEnv(options.logger)
    return jaeger.initTracer(config, options)
  }
  return initWith(jaeger, (opts) => jaeger.initTracer(config, opts), {
    kafka,
    options,
    flushIntervalMs: config.reporter?.flushIntervalMs,
    logSpans: Boolean(config.reporter?.logSpans),
    overridden: overriddenFromConfig(config),
  })
}

/**
 * jaeger-client's `initTracerFromEnv(config, options)`, reporting to Kafka
 * when `JAEGER_KAFKA_BROKERS` is set (or `config.reporter.kafka` is given;
 * config values win over variables, as in jaeger-client). Otherwise
 * jaeger-client's initTracerFromEnv runs unchanged.
 */
export function initTracerFromEnv(config: KafkaTracingConfig = {}, options: KafkaTracingOptions = {}): JaegerTracer {
  const jaeger = jaegerClient()
  const env = processEnv()
  const fromEnv = kafkaConfigFromEnv(env, readTextFileSync)
  const fromConfig = config?.reporter?.kafka
  const kafka = fromEnv || fromConfig ? { ...fromEnv, ...fromConfig } : undefined
  const disabled = config?.disable || env.JAEGER_DISABLED === 'true' || env.JAEGER_DISABLE === 'true'
  const serviceName = config?.serviceName || env.JAEGER_SERVICE_NAME
  if (!isKafkaConfigured(kafka) || disabled || !serviceName || options?.reporter) {
    if (isKafkaConfigured(kafka) && options?.reporter && options.logger) {
      safeLog(options.logger, 'info', 'jaeger-kafka: options.reporter was given; Kafka settings are ignored')
    }
    return jaeger.initTracerFromEnv(config, options)
  }
  const overridden = overriddenFromConfig(config)
  for (const name of ['JAEGER_AGENT_HOST', 'JAEGER_AGENT_PORT', 'JAEGER_ENDPOINT', 'JAEGER_REPORTER_AGENT_HOST', 'JAEGER_REPORTER_ENDPOINT']) {
    if (env[name]) overridden.push(name)
  }
  const envFlush = Number(env.JAEGER_REPORTER_FLUSH_INTERVAL)
  return initWith(jaeger, (opts) => jaeger.initTracerFromEnv(config, opts), {
    kafka,
    options,
    flushIntervalMs: config.reporter?.flushIntervalMs ?? (envFlush > 0 ? envFlush : undefined),
    logSpans: config.reporter?.logSpans ?? env.JAEGER_REPORTER_LOG_SPANS === 'true',
    overridden,
  })
}
