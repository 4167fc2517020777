// SPDX-License-Identifier: Apache-2.0
/**
 * Options of `createForwarder()`, their defaults and validation (`TypeError`
 * / `RangeError` for values that cannot work, at construction time).
 * @module
 */
import type { KafkaSaslOptions, KafkaTlsOptions } from '../src/kafka/types.ts'
import { DEFAULT_SPAN_TOPIC } from '../src/kafka/span-record.ts'
import { resolveForwarderRetry } from './retry-policy.ts'
import type { ForwarderRetryOptions, ResolvedForwarderRetry } from './retry-policy.ts'
import { DEFAULT_PERMANENT_STATUSES } from './classify.ts'
import { DEFAULT_COLLECTOR_URL } from './collector-client.ts'
import type { CollectorAuth, FetchLike } from './collector-client.ts'
import type { KafkajsLike } from '../src/kafka/types.ts'
import { consoleLogger } from './logger.ts'
import type { ForwarderLogger } from './logger.ts'

/** kafkajs log levels the forwarder can route to its logger. */
export type ClientLogLevel = 'nothing' | 'error' | 'warn' | 'info' | 'debug'

/** Options of `createForwarder()`. Give `kafka` or `brokers`. */
export interface ForwarderOptions {
  // --- Kafka ---
  /** An existing kafkajs `Kafka` instance (the forwarder creates its consumer, producer and admin from it). */
  kafka?: KafkajsLike
  /** Bootstrap brokers (`host:port`); the forwarder builds its own kafkajs client. */
  brokers?: string[]
  /** Client the forwarder builds from `brokers`: `kafkajs` (default) or `confluent` (@confluentinc/kafka-javascript, Node only, an optional peer). */
  client?: 'kafkajs' | 'confluent'
  /** kafkajs `clientId` (default `jaeger-kafka-forwarder`). */
  clientId?: string
  /** `true` for TLS with the runtime's CA store, or PEM material. */
  ssl?: boolean | KafkaTlsOptions
  sasl?: KafkaSaslOptions
  /** kafkajs connection timeout in ms (default 3000). */
  connectionTimeoutMs?: number
  /** Span topic (default `jaeger-spans`). */
  topic?: string
  /** Consumer group (default `jaeger-kafka-forwarder`). */
  groupId?: string
  /** Where a group without committed offsets starts: true = earliest (default), false = latest. */
  fromBeginning?: boolean
  /** Dead-letter topic (default `<topic>.dlq`). */
  deadLetterTopic?: string
  /**
   * Group session timeout in ms (default 10000): how long the broker waits for
   * heartbeats before it declares a crashed forwarder dead and hands its
   * partitions to the others. At least the broker's
   * `group.min.session.timeout.ms` (6000 by default).
   */
  sessionTimeoutMs?: number
  /** Heartbeat interval in ms (default 3000, or a third of a shorter session timeout; must be lower than it). */
  heartbeatIntervalMs?: number
  /** How long a rebalance waits for every member to rejoin, in ms (default 60000, as kafkajs). */
  rebalanceTimeoutMs?: number
  /** Extra kafkajs consumer settings (`maxBytesPerPartition`, `maxWaitTimeInMs` (default here 200), …); they win over the options above. */
  consumerConfig?: Record<string, unknown>

  // --- Collector ---
  /** Collector endpoint (default `http://127.0.0.1:14268/api/traces`). */
  collectorUrl?: string
  /**
   * OTLP/HTTP traces endpoint for `otlp_proto` records (default: the
   * collector URL's scheme, credentials and host with port 4318 and path
   * `/v1/traces`, where Jaeger's OTLP receiver listens). `auth`, `headers`,
   * timeouts and statuses apply to it as to the collector.
   */
  otlpEndpoint?: string
  /** `{ username, password }` (Basic) or `{ token }` (Bearer). Never logged. */
  auth?: CollectorAuth
  /** Extra request headers for the collector (values never logged). */
  headers?: Record<string, string>
  /** Per-POST timeout in ms (default 10000). */
  requestTimeoutMs?: number
  /** Statuses that dead-letter a record (default 400, 413, 415). */
  permanentStatuses?: number[]
  /** HTTP client (default the global `fetch`). */
  fetch?: FetchLike

  // --- Flow ---
  /**
   * POSTs in flight per partition (default 4). They start in offset order;
   * commits stay contiguous. 1 forwards strictly one record after another.
   */
  maxInFlightPerPartition?: number
  /**
   * Body bytes one POST may carry when it joins consecutive `otlp_proto`
   * records, or `jaeger_proto` records of one process (default 1 MiB; Jaeger's
   * receivers refuse bodies above 20 MiB). A single larger record is still
   * POSTed, alone. `jaeger_thrift` records are never joined.
   */
  maxPostBytes?: number
  /** Records one joined POST may carry (default 1000; 1 = one POST per record, as before joining). */
  maxPostRecords?: number
  /** Fetching of a partition pauses while this many of its records are not committable yet (default 1000). */
  maxPendingPerPartition?: number
  /** kafkajs `partitionsConsumedConcurrently` (default 1: the batch handler only queues records). */
  partitionsConsumedConcurrently?: number
  /** Backoff for retryable failures and dead-letter produce failures. */
  retry?: ForwarderRetryOptions
  /** Commits are coalesced: at most one per this many ms (default 100). */
  commitIntervalMs?: number
  /** How long stop() lets in-flight POSTs finish before aborting them (default 10000). */
  drainTimeoutMs?: number
  /**
   * How long stop() waits for the final commit, and then for leaving the group
   * and disconnecting, in ms (default 5000 each). So stop() ends within
   * `drainTimeoutMs` + 2 × `closeTimeoutMs` whatever the broker does.
   */
  closeTimeoutMs?: number

  // --- Observability ---
  /** Log sink (default `console`); never receives secrets. */
  logger?: ForwarderLogger
  /** kafkajs log lines routed to `logger` at or above this level (default `error`). */
  clientLogLevel?: ClientLogLevel
  /** How often lag metrics re-read high watermarks via the admin client, at most (default 5000 ms). */
  watermarkRefreshMs?: number
  /** Random source for backoff jitter (tests). */
  random?: () => number
}

/** Options with defaults filled in. */
export interface ResolvedForwarderOptions {
  kafka?: KafkajsLike
  brokers?: string[]
  client: 'kafkajs' | 'confluent'
  clientId: string
  ssl?: boolean | KafkaTlsOptions
  sasl?: KafkaSaslOptions
  connectionTimeoutMs: number
  topic: string
  groupId: string
  fromBeginning: boolean
  deadLetterTopic: string
  sessionTimeoutMs: number
  heartbeatIntervalMs: number
  rebalanceTimeoutMs: number
  consumerConfig: Record<string, unknown>
  collectorUrl: string
  otlpEndpoint: string
  auth?: CollectorAuth
  headers: Record<string, string>
  requestTimeoutMs: number
  permanentStatuses: number[]
  fetch?: FetchLike
  maxInFlightPerPartition: number
  maxPostBytes: number
  maxPostRecords: number
  maxPendingPerPartition: number
  partitionsConsumedConcurrently: number
  retry: ResolvedForwarderRetry
  commitIntervalMs: number
  drainTimeoutMs: number
  closeTimeoutMs: number
  logger: ForwarderLogger
  clientLogLevel: ClientLogLevel
  watermarkRefreshMs: number
  random: () => number
}

/** Default consumer group. */
export const DEFAULT_GROUP_ID = 'jaeger-kafka-forwarder'

/**
 * Group timing defaults. A SIGKILLed forwarder's partitions move after the
 * session timeout: kafkajs's 30 s was most of a restart's downtime. 10 s
 * (Kafka's own client default since 3.0 is 45 s, librdkafka's 45 s) stays well
 * above the broker's 6 s minimum and tolerates two missed heartbeats at 3 s;
 * the batch handler returns at once, so heartbeats are never starved by work.
 */
export const DEFAULT_SESSION_TIMEOUT_MS = 10_000
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 3_000
export const DEFAULT_REBALANCE_TIMEOUT_MS = 60_000

/**
 * Joined POSTs: at most 1 MiB and 1000 records. Jaeger's OTLP/HTTP and
 * thrift_http receivers (confighttp `max_request_body_size`, collector
 * v0.140) refuse bodies above 20 MiB. 1 MiB is also what kafkajs fetches per
 * partition by default (`maxBytesPerPartition`), and a POST joins only
 * queued records: in the 1M-span drain 4 MiB made no fewer POSTs (313) and
 * 64 KiB cost ~15% more forwarder CPU per span
 * (bench/results/drain-post-bytes-node.md).
 */
export const DEFAULT_MAX_POST_BYTES = 1024 * 1024
export const DEFAULT_MAX_POST_RECORDS = 1000

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`Cannot use ${name} ${value}: must be an integer >= 1`)
  return value
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new RangeError(`Cannot use ${name} ${value}: must be a finite number >= 0`)
  return value
}

function nonEmptyString(name: string, value: string | undefined, fallback: string): string {
  if (value === undefined) return fallback
  if (typeof value !== 'string' || value === '') throw new TypeError(`Cannot use ${name}: must be a non-empty string`)
  return value
}

/** Jaeger's OTLP/HTTP receiver next to a collector: same scheme, credentials and host, port 4318, `/v1/traces`. */
export function defaultOtlpEndpoint(collectorUrl: string): string {
  let url: URL
  try {
    url = new URL(collectorUrl)
  } catch {
    throw new TypeError('Cannot use collectorUrl: not an absolute URL')
  }
  url.port = '4318'
  url.pathname = '/v1/traces'
  url.search = ''
  url.hash = ''
  return url.toString()
}

/** Fill defaults and validate. */
export function resolveForwarderOptions(options: ForwarderOptions): ResolvedForwarderOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('createForwarder() needs an options object')
  if ((options.kafka === undefined) === (options.brokers === undefined)) {
    throw new TypeError('createForwarder() needs exactly one of `kafka` (a kafkajs Kafka instance) or `brokers`')
  }
  if (options.brokers !== undefined && (!Array.isArray(options.brokers) || options.brokers.length === 0 || !options.brokers.every((b) => typeof b === 'string' && b !== ''))) {
    throw new TypeError('Cannot use brokers: must be a non-empty array of "host:port" strings')
  }
  if (options.kafka !== undefined && (typeof options.kafka !== 'object' || typeof options.kafka.consumer !== 'function')) {
    throw new TypeError('Cannot use kafka: expected a kafkajs Kafka instance')
  }
  const topic = nonEmptyString('topic', options.topic, DEFAULT_SPAN_TOPIC)
  const deadLetterTopic = nonEmptyString('deadLetterTopic', options.deadLetterTopic, `${topic}.dlq`)
  if (deadLetterTopic === topic) throw new TypeError('Cannot use deadLetterTopic: it must differ from the span topic')
  const permanentStatuses = options.permanentStatuses ?? [...DEFAULT_PERMANENT_STATUSES]
  for (const status of permanentStatuses) {
    if (!Number.isInteger(status) || status < 400 || status > 499) throw new RangeError(`Cannot use permanent status ${status}: only 4xx statuses can be permanent`)
  }
  if (options.logger !== undefined && (typeof options.logger.info !== 'function' || typeof options.logger.error !== 'function')) {
    throw new TypeError('Cannot use logger: needs info() and error() methods')
  }
  const level = options.clientLogLevel ?? 'error'
  if (!['nothing', 'error', 'warn', 'info', 'debug'].includes(level)) throw new RangeError(`Cannot use clientLogLevel ${String(level)}`)
  const sessionTimeoutMs = positiveInt('sessionTimeoutMs', options.sessionTimeoutMs, DEFAULT_SESSION_TIMEOUT_MS)
  const heartbeatIntervalMs = positiveInt('heartbeatIntervalMs', options.heartbeatIntervalMs, Math.min(DEFAULT_HEARTBEAT_INTERVAL_MS, Math.floor(sessionTimeoutMs / 3)))
  if (heartbeatIntervalMs >= sessionTimeoutMs) {
    throw new RangeError(`Cannot use heartbeatIntervalMs ${heartbeatIntervalMs}: must be lower than sessionTimeoutMs ${sessionTimeoutMs} (about a third of it)`)
  }
  const collectorUrl = nonEmptyString('collectorUrl', options.collectorUrl, DEFAULT_COLLECTOR_URL)
  if (options.client !== undefined && options.client !== 'kafkajs' && options.client !== 'confluent') {
    throw new RangeError(`Cannot use client "${String(options.client)}": expected kafkajs or confluent`)
  }
  const resolved: ResolvedForwarderOptions = {
    client: options.client ?? 'kafkajs',
    clientId: nonEmptyString('clientId', options.clientId, 'jaeger-kafka-forwarder'),
    connectionTimeoutMs: positiveInt('connectionTimeoutMs', options.connectionTimeoutMs, 3_000),
    topic,
    groupId: nonEmptyString('groupId', options.groupId, DEFAULT_GROUP_ID),
    fromBeginning: options.fromBeginning ?? true,
    deadLetterTopic,
    sessionTimeoutMs,
    heartbeatIntervalMs,
    rebalanceTimeoutMs: positiveInt('rebalanceTimeoutMs', options.rebalanceTimeoutMs, DEFAULT_REBALANCE_TIMEOUT_MS),
    consumerConfig: { ...options.consumerConfig },
    collectorUrl,
    otlpEndpoint: options.otlpEndpoint === undefined ? defaultOtlpEndpoint(collectorUrl) : nonEmptyString('otlpEndpoint', options.otlpEndpoint, ''),
    headers: { ...options.headers },
    requestTimeoutMs: positiveInt('requestTimeoutMs', options.requestTimeoutMs, 10_000),
    permanentStatuses,
    maxInFlightPerPartition: positiveInt('maxInFlightPerPartition', options.maxInFlightPerPartition, 4),
    maxPostBytes: positiveInt('maxPostBytes', options.maxPostBytes, DEFAULT_MAX_POST_BYTES),
    maxPostRecords: positiveInt('maxPostRecords', options.maxPostRecords, DEFAULT_MAX_POST_RECORDS),
    maxPendingPerPartition: positiveInt('maxPendingPerPartition', options.maxPendingPerPartition, 1000),
    partitionsConsumedConcurrently: positiveInt('partitionsConsumedConcurrently', options.partitionsConsumedConcurrently, 1),
    retry: resolveForwarderRetry(options.retry),
    commitIntervalMs: nonNegative('commitIntervalMs', options.commitIntervalMs, 100),
    drainTimeoutMs: nonNegative('drainTimeoutMs', options.drainTimeoutMs, 10_000),
    closeTimeoutMs: nonNegative('closeTimeoutMs', options.closeTimeoutMs, 5_000),
    logger: options.logger ?? consoleLogger,
    clientLogLevel: level,
    watermarkRefreshMs: nonNegative('watermarkRefreshMs', options.watermarkRefreshMs, 5_000),
    random: options.random ?? Math.random,
  }
  if (options.kafka !== undefined) resolved.kafka = options.kafka
  if (options.brokers !== undefined) resolved.brokers = [...options.brokers]
  if (options.ssl !== undefined) resolved.ssl = options.ssl
  if (options.sasl !== undefined) resolved.sasl = options.sasl
  if (options.auth !== undefined) resolved.auth = options.auth
  if (options.fetch !== undefined) resolved.fetch = options.fetch
  return resolved
}
