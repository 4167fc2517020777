// SPDX-License-Identifier: Apache-2.0
/**
 * The one Kafka producer port. `KafkaSender` talks only to this interface;
 * adapters (`kafkajs.ts` for every runtime, `rdkafka.node.ts` for Node) map
 * it onto a real client. A test or a custom client implements the same three
 * methods.
 * @module
 */

/** Header values: UTF-8 text or raw bytes. One value per key. */
export type KafkaHeaders = Readonly<Record<string, string | Uint8Array>>

/** One Kafka record as the sender builds it. Never mutated by adapters. */
export interface KafkaRecord {
  /** Partition key; `undefined`/`null` lets the client's partitioner choose. */
  readonly key?: Uint8Array | string | null
  readonly value: Uint8Array
  readonly headers: KafkaHeaders
}

/** A produce call: records for one topic. */
export interface ProduceRequest {
  readonly topic: string
  readonly messages: readonly KafkaRecord[]
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
