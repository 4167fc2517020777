// SPDX-License-Identifier: Apache-2.0
/**
 * The parts of kafkajs (2.x) the forwarder calls, as structural types, so a
 * caller's `Kafka` instance (or a test fake) fits without importing kafkajs
 * types. Byte fields are Node `Buffer`s at runtime, typed as `Uint8Array`.
 * @module
 */

/** kafkajs header values: one value, or an array for repeated keys. */
export type KafkajsHeaderValue = Uint8Array | string | readonly (Uint8Array | string)[] | undefined

/** A consumed message. */
export interface KafkajsMessage {
  offset: string
  key: Uint8Array | null
  value: Uint8Array | null
  headers?: Record<string, KafkajsHeaderValue>
  timestamp: string
}

/** The `batch` of an `eachBatch` call. */
export interface KafkajsBatch {
  topic: string
  partition: number
  highWatermark: string
  messages: KafkajsMessage[]
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

/** The consumer calls the forwarder makes. */
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

/** A message for `producer.send()`. */
export interface KafkajsProducerMessage {
  key: Uint8Array | string | null
  value: Uint8Array | string | null
  headers?: Record<string, KafkajsHeaderValue>
}

/** The producer calls the forwarder makes (dead-letter topic). */
export interface KafkajsProducerLike {
  connect(): Promise<void>
  disconnect(): Promise<void>
  send(record: { topic: string; messages: KafkajsProducerMessage[]; acks?: number; timeout?: number }): Promise<unknown>
}

/** The admin calls the forwarder makes (lag metrics). */
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
