// SPDX-License-Identifier: Apache-2.0
/**
 * The Kafka part of a tracer configuration (`config.reporter.kafka`), the
 * `JAEGER_KAFKA_*` environment variables that fill it, and how it becomes
 * `KafkaSender` options. Pure functions: the environment and a file reader
 * are passed in.
 * @module
 */
import type { KafkaSaslOptions, KafkaTlsOptions } from '../src/kafka/types.ts'
import type { KafkaCompression, KafkaProducer } from '../src/kafka/types.ts'
import { KAFKA_COMPRESSIONS, isKafkaProducer } from '../src/kafka/types.ts'
import { parseSpanEncoding } from '../src/kafka/span-record.ts'
import type { SpanEncoding } from '../src/kafka/span-record.ts'
import type { RetryOptions } from '../src/retry.ts'
import { CONFLUENT_INSTALL_HINT, CONFLUENT_PACKAGE, checkConfluentModule, createConfluentProducer } from '../src/kafka/confluent.ts'
import { requireOptional } from './runtime-require.ts'
import type { ConfluentModuleLike } from '../src/kafka/confluent.ts'
import type { Logger } from '../src/kafka/logger.ts'
import type { KafkaSenderOptions } from './kafka-sender.ts'
import type { SenderSpoolOptions } from './spool/sender-spool.ts'

/** Which reporter `initTracer()` puts in front of the sender. */
export type KafkaReporterKind = 'remote' | 'kafka'

/**
 * Which Kafka client the drop-in builds its producer with: `kafkajs`
 * (default, every runtime) or `confluent` (`@confluentinc/kafka-javascript`,
 * an optional peer; Node only). node-rdkafka: pass `producer: createRdkafkaProducer(…)`.
 */
export type KafkaClientKind = 'kafkajs' | 'confluent'

/** Every `KafkaClientKind`, for validation. */
export const KAFKA_CLIENT_KINDS: readonly KafkaClientKind[] = ['kafkajs', 'confluent']

/** Check a client name from config or env; throws `RangeError` naming `where`. */
export function parseKafkaClientKind(client: unknown, where: string): KafkaClientKind {
  if (typeof client === 'string' && (KAFKA_CLIENT_KINDS as readonly string[]).includes(client)) return client as KafkaClientKind
  throw new RangeError(`${where} must be one of ${KAFKA_CLIENT_KINDS.join(', ')}, got "${String(client)}"`)
}

/** `config.reporter.kafka`: where and how spans go to Kafka. */
export interface KafkaReporterConfig {
  /** Bootstrap brokers: an array or a comma-separated string. */
  brokers?: string[] | string
  /** Span topic (default `jaeger-spans`). */
  topic?: string
  /** Record format: `jaeger_thrift` (default), `otlp_proto` or `jaeger_proto` (see `KafkaSenderOptions.encoding`). */
  encoding?: SpanEncoding
  clientId?: string
  /** Kafka client for the producer the drop-in builds: `kafkajs` (default) or `confluent` (Node only). Ignored with `producer`. */
  client?: KafkaClientKind
  /** `none` (default) or `gzip` with kafkajs; more with `client: 'confluent'` or the node-rdkafka adapter. */
  compression?: KafkaCompression
  ssl?: boolean | KafkaTlsOptions
  sasl?: KafkaSaslOptions
  /** A ready producer (e.g. `createRdkafkaProducer()`), used instead of building a kafkajs one. */
  producer?: KafkaProducer
  maxMessageBytes?: number
  maxBufferedBytes?: number
  maxInFlightBatches?: number
  flushTimeoutMs?: number
  closeTimeoutMs?: number
  retry?: RetryOptions
  /** Disk spool directory (see `KafkaSenderOptions.spoolDir`; needs `node:fs`). */
  spoolDir?: string
  /** Spool tuning (see `KafkaSenderOptions.spool`). */
  spool?: SenderSpoolOptions
  /**
   * `kafka` (default): KafkaReporter, same contract and counters as
   * RemoteReporter, ~2 µs/span cheaper, flush timer unref'd; `remote`:
   * jaeger-client's own RemoteReporter in front of the KafkaSender.
   */
  reporter?: KafkaReporterKind
}

/** Environment variables read by `kafkaConfigFromEnv()` (documented in docs/sender.md). */
export const KAFKA_ENV = {
  BROKERS: 'JAEGER_KAFKA_BROKERS',
  TOPIC: 'JAEGER_KAFKA_TOPIC',
  ENCODING: 'JAEGER_KAFKA_ENCODING',
  CLIENT: 'JAEGER_KAFKA_CLIENT',
  CLIENT_ID: 'JAEGER_KAFKA_CLIENT_ID',
  COMPRESSION: 'JAEGER_KAFKA_COMPRESSION',
  SSL: 'JAEGER_KAFKA_SSL',
  SSL_CA: 'JAEGER_KAFKA_SSL_CA',
  SSL_CERT: 'JAEGER_KAFKA_SSL_CERT',
  SSL_KEY: 'JAEGER_KAFKA_SSL_KEY',
  SSL_KEY_PASSWORD: 'JAEGER_KAFKA_SSL_KEY_PASSWORD',
  SSL_REJECT_UNAUTHORIZED: 'JAEGER_KAFKA_SSL_REJECT_UNAUTHORIZED',
  SASL_MECHANISM: 'JAEGER_KAFKA_SASL_MECHANISM',
  SASL_USERNAME: 'JAEGER_KAFKA_SASL_USERNAME',
  SASL_PASSWORD: 'JAEGER_KAFKA_SASL_PASSWORD',
  MAX_MESSAGE_BYTES: 'JAEGER_KAFKA_MAX_MESSAGE_BYTES',
  MAX_BUFFERED_BYTES: 'JAEGER_KAFKA_MAX_BUFFERED_BYTES',
  FLUSH_TIMEOUT: 'JAEGER_KAFKA_FLUSH_TIMEOUT',
  CLOSE_TIMEOUT: 'JAEGER_KAFKA_CLOSE_TIMEOUT',
  REPORTER: 'JAEGER_KAFKA_REPORTER',
  SPOOL_DIR: 'JAEGER_KAFKA_SPOOL_DIR',
  SPOOL_MAX_BYTES: 'JAEGER_KAFKA_SPOOL_MAX_BYTES',
  SPOOL_FSYNC: 'JAEGER_KAFKA_SPOOL_FSYNC',
} as const

export type Env = Readonly<Record<string, string | undefined>>

const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const

function value(env: Env, name: string): string | undefined {
  const raw = env[name]
  if (raw === undefined) return undefined
  const trimmed = raw.trim()
  return trimmed === '' ? undefined : trimmed
}

function bool(env: Env, name: string): boolean | undefined {
  const raw = value(env, name)
  if (raw === undefined) return undefined
  const lower = raw.toLowerCase()
  if (lower === 'true' || lower === '1' || lower === 'yes') return true
  if (lower === 'false' || lower === '0' || lower === 'no') return false
  throw new RangeError(`${name} must be true or false, got "${raw}"`)
}

function integer(env: Env, name: string): number | undefined {
  const raw = value(env, name)
  if (raw === undefined) return undefined
  const parsed = Number(raw)
  if (!Number.isInteger(parsed) || parsed < 0) throw new RangeError(`${name} must be a non-negative integer, got "${raw}"`)
  return parsed
}

/** PEM from `NAME` (contents) or `NAME_FILE` (a path read with `readFile`). Never echoes contents. */
function pem(env: Env, name: string, readFile: (path: string, variable: string) => string): string | undefined {
  const inline = value(env, name)
  const file = value(env, `${name}_FILE`)
  if (inline !== undefined && file !== undefined) throw new TypeError(`Set ${name} or ${name}_FILE, not both`)
  if (file !== undefined) return readFile(file, `${name}_FILE`)
  if (inline === undefined) return undefined
  if (!inline.includes('-----BEGIN')) {
    throw new TypeError(`${name} must hold PEM contents ("-----BEGIN ..."); for a file path use ${name}_FILE`)
  }
  // Allow single-line values with literal "\n" (common in container env files).
  return inline.replace(/\\n/g, '\n')
}

/** Split a broker list: an array, or a comma/whitespace-separated string. */
export function parseBrokers(brokers: string[] | string): string[] {
  const list = Array.isArray(brokers) ? brokers : brokers.split(/[\s,]+/)
  const cleaned = list.map((b) => b.trim()).filter((b) => b.length > 0)
  if (cleaned.length === 0) throw new TypeError('Kafka brokers must name at least one "host:port"')
  return cleaned
}

/**
 * Read `JAEGER_KAFKA_*` into a `KafkaReporterConfig`, or `undefined` when
 * `JAEGER_KAFKA_BROKERS` is unset (Kafka not configured). Throws
 * `TypeError`/`RangeError` naming the bad variable (never its secret value).
 */
export function kafkaConfigFromEnv(env: Env, readFile: (path: string, variable: string) => string): KafkaReporterConfig | undefined {
  const brokers = value(env, KAFKA_ENV.BROKERS)
  if (brokers === undefined) return undefined
  const config: KafkaReporterConfig = { brokers: parseBrokers(brokers) }
  const topic = value(env, KAFKA_ENV.TOPIC)
  if (topic !== undefined) config.topic = topic
  const encoding = value(env, KAFKA_ENV.ENCODING)?.toLowerCase()
  if (encoding !== undefined) config.encoding = parseSpanEncoding(encoding, KAFKA_ENV.ENCODING)
  const client = value(env, KAFKA_ENV.CLIENT)?.toLowerCase()
  if (client !== undefined) config.client = parseKafkaClientKind(client, KAFKA_ENV.CLIENT)
  const clientId = value(env, KAFKA_ENV.CLIENT_ID)
  if (clientId !== undefined) config.clientId = clientId
  const compression = value(env, KAFKA_ENV.COMPRESSION)?.toLowerCase()
  if (compression !== undefined) {
    if (!KAFKA_COMPRESSIONS.includes(compression as KafkaCompression)) {
      throw new RangeError(`${KAFKA_ENV.COMPRESSION} must be one of ${KAFKA_COMPRESSIONS.join(', ')}, got "${compression}"`)
    }
    config.compression = compression as KafkaCompression
  }

  const tls: KafkaTlsOptions = {}
  const ca = pem(env, KAFKA_ENV.SSL_CA, readFile)
  if (ca !== undefined) tls.ca = ca
  const cert = pem(env, KAFKA_ENV.SSL_CERT, readFile)
  if (cert !== undefined) tls.cert = cert
  const key = pem(env, KAFKA_ENV.SSL_KEY, readFile)
  if (key !== undefined) tls.key = key
  const passphrase = value(env, KAFKA_ENV.SSL_KEY_PASSWORD)
  if (passphrase !== undefined) tls.passphrase = passphrase
  const rejectUnauthorized = bool(env, KAFKA_ENV.SSL_REJECT_UNAUTHORIZED)
  if (rejectUnauthorized !== undefined) tls.rejectUnauthorized = rejectUnauthorized
  const ssl = bool(env, KAFKA_ENV.SSL)
  const hasTlsDetails = Object.keys(tls).length > 0
  if (ssl === false && hasTlsDetails) throw new TypeError(`${KAFKA_ENV.SSL}=false contradicts the other ${KAFKA_ENV.SSL}_* variables`)
  if (hasTlsDetails) config.ssl = tls
  else if (ssl !== undefined) config.ssl = ssl

  const mechanism = value(env, KAFKA_ENV.SASL_MECHANISM)?.toLowerCase()
  const username = value(env, KAFKA_ENV.SASL_USERNAME)
  const password = env[KAFKA_ENV.SASL_PASSWORD] // passwords may have meaningful spaces
  if (mechanism !== undefined || username !== undefined || password !== undefined) {
    if (mechanism === undefined || !(SASL_MECHANISMS as readonly string[]).includes(mechanism)) {
      throw new RangeError(`${KAFKA_ENV.SASL_MECHANISM} must be one of ${SASL_MECHANISMS.join(', ')} when SASL is configured`)
    }
    if (username === undefined || password === undefined || password === '') {
      throw new TypeError(`${KAFKA_ENV.SASL_USERNAME} and ${KAFKA_ENV.SASL_PASSWORD} are both required with ${KAFKA_ENV.SASL_MECHANISM}`)
    }
    config.sasl = { mechanism: mechanism as KafkaSaslOptions['mechanism'], username, password }
  }

  const maxMessageBytes = integer(env, KAFKA_ENV.MAX_MESSAGE_BYTES)
  if (maxMessageBytes !== undefined) config.maxMessageBytes = maxMessageBytes
  const maxBufferedBytes = integer(env, KAFKA_ENV.MAX_BUFFERED_BYTES)
  if (maxBufferedBytes !== undefined) config.maxBufferedBytes = maxBufferedBytes
  const flushTimeoutMs = integer(env, KAFKA_ENV.FLUSH_TIMEOUT)
  if (flushTimeoutMs !== undefined) config.flushTimeoutMs = flushTimeoutMs
  const closeTimeoutMs = integer(env, KAFKA_ENV.CLOSE_TIMEOUT)
  if (closeTimeoutMs !== undefined) config.closeTimeoutMs = closeTimeoutMs
  const spoolDir = value(env, KAFKA_ENV.SPOOL_DIR)
  if (spoolDir !== undefined) config.spoolDir = spoolDir
  const spoolMaxBytes = integer(env, KAFKA_ENV.SPOOL_MAX_BYTES)
  const spoolFsync = value(env, KAFKA_ENV.SPOOL_FSYNC)?.toLowerCase()
  if (spoolFsync !== undefined && spoolFsync !== 'always' && spoolFsync !== 'interval' && spoolFsync !== 'never') {
    throw new RangeError(`${KAFKA_ENV.SPOOL_FSYNC} must be always, interval or never, got "${spoolFsync}"`)
  }
  if (spoolMaxBytes !== undefined || spoolFsync !== undefined) {
    config.spool = {}
    if (spoolMaxBytes !== undefined) config.spool.maxBytes = spoolMaxBytes
    if (spoolFsync !== undefined) config.spool.fsync = spoolFsync
  }
  const reporter = value(env, KAFKA_ENV.REPORTER)?.toLowerCase()
  if (reporter !== undefined) {
    if (reporter !== 'remote' && reporter !== 'kafka') throw new RangeError(`${KAFKA_ENV.REPORTER} must be remote or kafka, got "${reporter}"`)
    config.reporter = reporter
  }
  return config
}

/** True when `config` says where to send spans (brokers or a producer). */
export function isKafkaConfigured(config: KafkaReporterConfig | undefined): config is KafkaReporterConfig {
  if (!config || typeof config !== 'object') return false
  if (config.producer !== undefined) return true
  if (Array.isArray(config.brokers)) return config.brokers.length > 0
  return typeof config.brokers === 'string' && config.brokers.trim().length > 0
}

// Loaded only when selected: an optional peer, and a native addon only Node loads.
function loadConfluentSync(): ConfluentModuleLike {
  return requireOptional<ConfluentModuleLike>(CONFLUENT_PACKAGE, `config.reporter.kafka.client (JAEGER_KAFKA_CLIENT) is "confluent". ${CONFLUENT_INSTALL_HINT}`)
}

/** What `senderOptionsFromConfig()` needs to build a non-default client. */
export interface ClientLoaders {
  /** Loads `@confluentinc/kafka-javascript` synchronously (initTracer is synchronous); default `requireOptional()`. */
  confluent?: () => ConfluentModuleLike
  /** Receives the client's log lines. */
  logger?: Logger
}

/** `KafkaSender` options for a Kafka reporter config (logger and metrics come from the tracer options). */
export function senderOptionsFromConfig(config: KafkaReporterConfig, loaders: ClientLoaders = {}): KafkaSenderOptions {
  const options: KafkaSenderOptions = {}
  const client = config.client === undefined ? 'kafkajs' : parseKafkaClientKind(config.client, 'config.reporter.kafka.client')
  if (config.producer !== undefined) {
    if (!isKafkaProducer(config.producer)) throw new TypeError('config.reporter.kafka.producer must implement connect(), send() and disconnect()')
    options.producer = config.producer
  } else if (client === 'confluent') {
    const confluent = (loaders.confluent ?? loadConfluentSync)()
    checkConfluentModule(confluent, config.compression)
    const brokers = parseBrokers(config.brokers ?? [])
    options.producer = createConfluentProducer({
      brokers,
      confluent,
      ...(config.clientId !== undefined && { clientId: config.clientId }),
      ...(config.compression !== undefined && { compression: config.compression }),
      ...(config.ssl !== undefined && { ssl: config.ssl }),
      ...(config.sasl !== undefined && { sasl: config.sasl }),
      ...(loaders.logger !== undefined && { logger: loaders.logger }),
    })
  } else {
    options.kafka = { brokers: parseBrokers(config.brokers ?? []) }
    if (config.clientId !== undefined) options.kafka.clientId = config.clientId
    if (config.compression !== undefined) options.kafka.compression = config.compression
    if (config.ssl !== undefined) options.kafka.ssl = config.ssl
    if (config.sasl !== undefined) options.kafka.sasl = config.sasl
  }
  if (config.topic !== undefined) options.topic = config.topic
  if (config.encoding !== undefined) options.encoding = parseSpanEncoding(config.encoding, 'config.reporter.kafka.encoding')
  if (config.maxMessageBytes !== undefined) options.maxMessageBytes = config.maxMessageBytes
  if (config.maxBufferedBytes !== undefined) options.maxBufferedBytes = config.maxBufferedBytes
  if (config.maxInFlightBatches !== undefined) options.maxInFlightBatches = config.maxInFlightBatches
  if (config.flushTimeoutMs !== undefined) options.flushTimeoutMs = config.flushTimeoutMs
  if (config.closeTimeoutMs !== undefined) options.closeTimeoutMs = config.closeTimeoutMs
  if (config.retry !== undefined) options.retry = config.retry
  if (config.spoolDir !== undefined) options.spoolDir = config.spoolDir
  if (config.spool !== undefined) options.spool = config.spool
  return options
}
