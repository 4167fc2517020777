// SPDX-License-Identifier: Apache-2.0
/**
 * The one Kafka port: every Kafka shape the package touches, defined once.
 *
 * - `KafkaProducer` (with `KafkaRecord`, `ProduceRequest`): the producer port
 *   the sender and the forwarder's dead-letter producer talk to; adapters
 *   (`kafkajs.ts` for every runtime, `rdkafka.node.ts` for Node) map it onto a
 *   real client. A test or a custom client implements the same methods.
 * - The structural shapes of the clients themselves (kafkajs `Kafka`,
 *   producer, consumer, admin, messages; node-rdkafka messages; header
 *   shapes of both), so a caller's client (or a test fake) fits without this
 *   package importing any client's types. Types only: no runtime dependency
 *   on any Kafka client.
 * @module
 */

// --- header shapes, as the clients hand them over

/** One header value as the clients hand it over. */
export type KafkaHeaderValue = string | Uint8Array | BufferJson | null | undefined

/** What `JSON.stringify(buffer)` turns a Node Buffer into. */
export interface BufferJson {
  type: 'Buffer'
  data: number[]
}

/**
 * kafkajs headers (`IHeaders`): an array value is a repeated key. Also the
 * headers of @confluentinc/kafka-javascript's KafkaJS API (consumed values are
 * Buffers, repeated keys arrive as arrays, `headers` is undefined when none).
 */
export interface KafkajsHeaders {
  [key: string]: KafkaHeaderValue | KafkaHeaderValue[]
}

/** One node-rdkafka header: a single-key object (`MessageHeader`). */
export interface RdkafkaHeader {
  [key: string]: string | Uint8Array | BufferJson | null | undefined
}

/** node-rdkafka headers (and @confluentinc/kafka-javascript's node-rdkafka API): one-key objects in wire order. */
export type RdkafkaHeaders = RdkafkaHeader[]

/** Headers of either client shape. */
export type AnyKafkaHeaders = KafkajsHeaders | RdkafkaHeaders

/** Header values of a consumed record (kafkajs: Buffers; repeated keys: arrays). */
export type RecordHeaderValue = Uint8Array | string | readonly (Uint8Array | string)[] | undefined

// --- the producer port

/**
 * Header values of a record to produce: UTF-8 text or raw bytes; an array is
 * a repeated key (the forwarder's dead letters keep the original headers).
 */
export type KafkaHeaders = Readonly<Record<string, RecordHeaderValue>>

/** One Kafka record to produce. Never mutated by adapters. */
export interface KafkaRecord {
  /** Partition key; `undefined`/`null` lets the client's partitioner choose. */
  readonly key?: Uint8Array | string | null
  /** The value; `null` only for a dead-lettered tombstone (the sender always has bytes). */
  readonly value: Uint8Array | null
  readonly headers: KafkaHeaders
}

/** A produce call: records for one topic. */
export interface ProduceRequest {
  readonly topic: string
  readonly messages: readonly KafkaRecord[]
}

/** TLS settings (PEM strings, never file paths: core code does not read files). */
export interface KafkaTlsOptions {
  ca?: string | string[]
  cert?: string
  key?: string
  passphrase?: string
  servername?: string
  rejectUnauthorized?: boolean
}

/** SASL settings for the mechanisms both adapters support. */
export interface KafkaSaslOptions {
  mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'
  username: string
  password: string
}

/** Connection settings every client adapter takes (`createKafkajsProducer()`, `createRdkafkaProducer()`). */
export interface KafkaClientOptions {
  /** Bootstrap brokers, e.g. `['127.0.0.1:9092']`; the adapter builds its own client. */
  brokers?: string[]
  /** Client id (default `jaeger-kafka`). */
  clientId?: string
  /** `true` for TLS with the runtime's CA store, or explicit PEM material. */
  ssl?: boolean | KafkaTlsOptions
  sasl?: KafkaSaslOptions
  /** Compression codec (default `none`); which ones work depends on the client. */
  compression?: KafkaCompression
  /** Idempotent producer for clients the adapter builds (default true; implies acks=all). */
  idempotent?: boolean
}

/** Compression codecs a producer may be asked for. Which ones work depends on the client. */
export type KafkaCompression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd'

/** Every codec name `KafkaCompression` allows, for validation. */
export const KAFKA_COMPRESSIONS: readonly KafkaCompression[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd']

/**
 * A connected-on-demand Kafka producer.
 *
 * Contract:
 * - `send()` resolves only after the broker acknowledged every record (the
 *   adapters use `acks=all`); it rejects otherwise. A rejection that is a
 *   `JaegerKafkaError` with `code === 'MESSAGE_TOO_LARGE'` means retrying the
 *   same bytes cannot succeed; any other rejection is treated as transient.
 * - `send()` connects lazily when needed, so a broker that is down at start
 *   only delays delivery.
 * - `flush()` (optional) waits until every record already handed to `send()`
 *   has been acknowledged or has failed; clients whose delivery reports need
 *   polling use it to keep the process alive while `close()` drains.
 * - `disconnect()` never rejects for an already-disconnected producer.
 */
export interface KafkaProducer {
  /** Connect now instead of on the first `send()`. */
  connect(): Promise<void>
  /** Produce the records; resolves after the broker's acknowledgement. */
  send(request: ProduceRequest): Promise<void>
  /** Wait for records already handed to `send()` (optional). */
  flush?(timeoutMs: number): Promise<void>
  /** Release the client's connections. */
  disconnect(): Promise<void>
  /**
   * How many `send()` calls may safely be in flight at once. The kafkajs
   * adapter says 1 when idempotent: kafkajs rolls a partition's sequence
   * number back when a request fails, so a different record sent next could
   * reuse it and be discarded by the broker as a duplicate if the failed one
   * had in fact been written. Retrying the same record first avoids that.
   */
  readonly maxInFlight?: number
  /** Whether `disconnect()` should be called when the sender closes (the adapter built the client). */
  readonly ownsClient?: boolean
  /** Short name for logs, e.g. `kafkajs` or `node-rdkafka`. */
  readonly name?: string
}

/** True for an object with the `KafkaProducer` methods. */
export function isKafkaProducer(value: unknown): value is KafkaProducer {
  if (typeof value !== 'object' || value === null) return false
  const candidate = value as Record<string, unknown>
  return typeof candidate.send === 'function' && typeof candidate.connect === 'function' && typeof candidate.disconnect === 'function'
}

// --- kafkajs (2.x), structurally: the calls this package makes

/** A kafkajs message to produce (`Message`); also what the producer carrier writes into. */
export interface KafkajsMessage {
  key?: unknown
  value: unknown
  partition?: number
  timestamp?: string
  headers?: KafkajsHeaders
}

/**
 * A kafkajs message as `eachMessage`/`eachBatch` hand it over (`KafkaMessage`):
 * byte fields are Node `Buffer`s (or `null`) at runtime. Typed loosely so
 * the carriers also accept hand-built and JSON-revived messages.
 */
export interface KafkajsConsumedMessage {
  key?: unknown
  value: unknown
  offset: string
  timestamp?: string
  headers?: KafkajsHeaders
}

/** The `batch` of an `eachBatch` call. */
export interface KafkajsBatch {
  topic: string
  partition: number
  highWatermark: string
  messages: KafkajsConsumedMessage[]
  /** Offset of the last record in the batch, control records included. */
  lastOffset(): string
}

/** What kafkajs passes to `eachBatch`. */
export interface KafkajsEachBatchPayload {
  batch: KafkajsBatch
  resolveOffset(offset: string): void
  heartbeat(): Promise<void>
  isRunning(): boolean
  isStale(): boolean
}

/** Topic-partitions for `pause()` / `resume()`. */
export type KafkajsTopicPartitions = { topic: string; partitions?: number[] }[]

/** A kafkajs `Consumer`: the calls the forwarder makes. */
export interface KafkajsConsumerLike {
  connect(): Promise<void>
  disconnect(): Promise<void>
  subscribe(subscription: { topics: string[]; fromBeginning?: boolean }): Promise<void>
  run(config: {
    autoCommit?: boolean
    eachBatchAutoResolve?: boolean
    partitionsConsumedConcurrently?: number
    eachBatch: (payload: KafkajsEachBatchPayload) => Promise<void>
  }): Promise<void>
  commitOffsets(offsets: { topic: string; partition: number; offset: string }[]): Promise<void>
  pause(topics: KafkajsTopicPartitions): void
  resume(topics: KafkajsTopicPartitions): void
  on(event: string, listener: (event: { payload: unknown }) => void): unknown
  readonly events: { readonly GROUP_JOIN: string; readonly CRASH: string }
}

/** A kafkajs `Producer`: the calls the kafkajs adapter makes. */
export interface KafkajsProducerLike {
  connect(): Promise<void>
  disconnect(): Promise<void>
  send(record: {
    topic: string
    messages: KafkajsMessage[]
    acks?: number
    timeout?: number
    compression?: number
  }): Promise<unknown>
}

/** A kafkajs `Admin`: the calls the forwarder makes (lag metrics). */
export interface KafkajsAdminLike {
  connect(): Promise<void>
  disconnect(): Promise<void>
  fetchTopicOffsets(topic: string): Promise<{ partition: number; offset: string; high?: string; low?: string }[]>
  fetchOffsets(options: { groupId: string; topics: string[] }): Promise<{ topic: string; partitions: { partition: number; offset: string }[] }[]>
}

/** A kafkajs `Kafka` instance (or anything shaped like one). */
export interface KafkajsLike {
  consumer(config: Record<string, unknown>): KafkajsConsumerLike
  producer(config?: Record<string, unknown>): KafkajsProducerLike
  admin(config?: Record<string, unknown>): KafkajsAdminLike
}

// --- node-rdkafka, structurally

/** A node-rdkafka message (`Message`), consumed or about to be produced. */
export interface RdkafkaMessage {
  value: unknown
  topic?: string
  partition?: number
  offset?: number
  key?: unknown
  headers?: RdkafkaHeaders
}
