// SPDX-License-Identifier: Apache-2.0
/**
 * Dead-letter records: the original key and value, unchanged, plus the
 * original headers and `x-jaeger-kafka-*` headers saying why the record was
 * not forwarded and where it came from, so it can be inspected and replayed.
 * @module
 */
import { createKafkajsProducer } from '../src/kafka/kafkajs.ts'
import type { KafkaProducer, KafkaRecord, KafkajsLike, RecordHeaderValue } from '../src/kafka/types.ts'
import type { InvalidReason, SpanRecord } from './record.ts'

/** Header names the forwarder adds to a dead-lettered record. */
export const DEAD_LETTER_HEADERS = {
  /** Reason code: `thrift-decode`, `otlp-decode`, `jaeger-proto-decode`, `unsupported-encoding`, `collector-rejected` or `retries-exhausted`. */
  error: 'x-jaeger-kafka-error',
  /** Human-readable detail (decoder message or the collector's answer), at most 500 characters. */
  message: 'x-jaeger-kafka-error-message',
  /** The collector's last HTTP status (absent when the record was never POSTed). */
  status: 'x-jaeger-kafka-status',
  /** POST attempts made (0 when the record was rejected before any POST). */
  attempts: 'x-jaeger-kafka-attempts',
  originalTopic: 'x-jaeger-kafka-original-topic',
  originalPartition: 'x-jaeger-kafka-original-partition',
  originalOffset: 'x-jaeger-kafka-original-offset',
  /** Original record timestamp (ms since the epoch), when known. */
  originalTimestamp: 'x-jaeger-kafka-original-timestamp',
} as const

/** Why a record went to the dead-letter topic. */
export type DeadLetterReason = InvalidReason | 'collector-rejected' | 'retries-exhausted'

/** What the forwarder knows about a record's failure. */
export interface DeadLetterInfo {
  reason: DeadLetterReason
  message: string
  /** Last HTTP status, if the record was POSTed and answered. */
  status?: number
  attempts: number
}

/** A record ready to produce to the dead-letter topic (a `KafkaRecord` of the producer port). */
export interface DeadLetterMessage extends KafkaRecord {
  readonly key: Uint8Array | null
  readonly value: Uint8Array | null
  readonly headers: Record<string, RecordHeaderValue>
}

const MAX_MESSAGE = 500

/** The `x-jaeger-kafka-*` headers for a dead-lettered record. */
export function deadLetterHeaders(record: SpanRecord, info: DeadLetterInfo): Record<string, string> {
  const headers: Record<string, string> = {
    [DEAD_LETTER_HEADERS.error]: info.reason,
    [DEAD_LETTER_HEADERS.message]: info.message.length > MAX_MESSAGE ? `${info.message.slice(0, MAX_MESSAGE - 1)}…` : info.message,
    [DEAD_LETTER_HEADERS.attempts]: String(info.attempts),
    [DEAD_LETTER_HEADERS.originalTopic]: record.topic,
    [DEAD_LETTER_HEADERS.originalPartition]: String(record.partition),
    [DEAD_LETTER_HEADERS.originalOffset]: record.offset.toString(),
  }
  if (info.status !== undefined && info.status > 0) headers[DEAD_LETTER_HEADERS.status] = String(info.status)
  if (record.timestamp !== undefined) headers[DEAD_LETTER_HEADERS.originalTimestamp] = record.timestamp
  return headers
}

/**
 * The dead-letter message for `record`: original key, value and headers
 * (same objects, not copies), with the forwarder's headers added on top.
 * The record itself is not modified.
 */
export function deadLetterMessage(record: SpanRecord, info: DeadLetterInfo): DeadLetterMessage {
  return { key: record.key, value: record.value, headers: { ...record.headers, ...deadLetterHeaders(record, info) } }
}

/**
 * The dead-letter producer: the kafkajs adapter of the Kafka port over the
 * forwarder's client (acks=all, not idempotent, three client retries; the
 * forwarder retries a failed dead letter itself with its backoff).
 */
export function createDeadLetterProducer(kafka: Pick<KafkajsLike, 'producer'>): KafkaProducer {
  return createKafkajsProducer({ kafka, idempotent: false, retries: 3, ackTimeoutMs: 30_000 })
}
