// SPDX-License-Identifier: Apache-2.0
/**
 * What the carriers accept (Kafka messages and headers of either client, from
 * the Kafka port in `src/kafka/types.ts`) and the minimal structural types of
 * the OpenTracing tracers they work with. Copied, never imported: the package
 * must not require a Kafka client (or a particular opentracing copy) to
 * type-check or run.
 * @module
 */
import type { KafkajsConsumedMessage, KafkajsHeaders, KafkajsMessage, RdkafkaHeaders, RdkafkaMessage } from '../src/kafka/types.ts'

// The client shapes are defined once, in the Kafka port; carriers re-export the ones they accept.
export type {
  BufferJson, KafkaHeaderValue, KafkajsConsumedMessage, KafkajsHeaders, KafkajsMessage, RdkafkaHeader, RdkafkaHeaders, RdkafkaMessage,
} from '../src/kafka/types.ts'

/**
 * What a producer carrier writes into: a kafkajs message (headers created if
 * absent), a kafkajs headers object, a node-rdkafka headers array, or a
 * message-like object holding a node-rdkafka headers array.
 */
export type ProducerTarget = KafkajsMessage | KafkajsHeaders | RdkafkaHeaders | RdkafkaMessage

/**
 * What a consumer carrier reads from: a consumed kafkajs or node-rdkafka
 * message, or raw headers of either shape. Anything else reads as "no headers".
 */
export type ConsumerSource = KafkajsConsumedMessage | RdkafkaMessage | KafkajsHeaders | RdkafkaHeaders | null | undefined

/**
 * How to read an ambiguous object: `'message'` (it has a `headers` property),
 * `'headers'` (it is the headers), or `'auto'` (default): an object with a
 * `value` property or a `headers` object/array is a message, anything else is
 * headers. Arrays are always node-rdkafka headers.
 */
export type TargetKind = 'auto' | 'message' | 'headers'

/** The part of an OpenTracing span the helpers use. */
export interface SpanLike {
  context(): unknown
  setTag(key: string, value: unknown): unknown
  log(fields: Record<string, unknown>, timestamp?: number): unknown
  finish(finishTime?: number): void
}

/** The `startSpan` options the helpers pass. */
export interface SpanOptionsLike {
  childOf?: unknown
  references?: unknown[]
  tags?: Record<string, unknown>
  startTime?: number
}

/**
 * The part of an OpenTracing tracer the helpers use: jaeger-client's tracer,
 * `@opentelemetry/shim-opentracing`'s `TracerShim`, opentracing's `Tracer`
 * subclasses.
 */
export interface TracerLike<S extends SpanLike = SpanLike, C = unknown> {
  startSpan(name: string, options?: SpanOptionsLike): S
  inject(spanContext: unknown, format: string, carrier: unknown): void
  extract(format: string, carrier: unknown): C | null
}
