// SPDX-License-Identifier: Apache-2.0
/**
 * Kafka header carriers and span helpers for OpenTracing tracers
 * (jaeger-client, OTel's shim-opentracing, any TEXT_MAP tracer), for kafkajs
 * and node-rdkafka messages. No Kafka client is required: only structural
 * types are used. See docs/carriers.md.
 * @module
 */
export { KafkaProducerCarrier } from './producer-carrier.ts'
export type { ProducerCarrierOptions } from './producer-carrier.ts'
export { KafkaConsumerCarrier } from './consumer-carrier.ts'
export type { ConsumerCarrierOptions } from './consumer-carrier.ts'
export { injectHeaders } from './inject.ts'
export type { InjectOptions, InjectingTracer } from './inject.ts'
export { extractContext } from './extract.ts'
export type { ExtractOptions, ExtractingTracer } from './extract.ts'
export { COMPONENT, finishProducerSpan, markSpanError, startConsumerSpan, startProducerSpan } from './spans.ts'
export type {
  ConsumerSpanCommonOptions, ConsumerSpanOptions, OperationName, ProducerSpanOptions, ReferenceType, SpanCommonOptions,
} from './spans.ts'
export { traceEachBatch, traceEachMessage, tracedSend } from './span-helpers.ts'
export type {
  BatchOptions, BatchTracing, EachBatchPayloadLike, EachMessagePayloadLike, KafkajsRecord, KafkajsSender, TracedSendOptions,
} from './span-helpers.ts'
export { kafkaHeadersGetter, kafkaHeadersSetter, withRawJaegerBaggage } from './otel.ts'
export type { KafkaHeadersGetter, KafkaHeadersSetter, TextMapGetterLike, TextMapPropagatorLike } from './otel.ts'
export type { TracingLogger } from './tracing-guard.ts'
export { HEADER_LIMITS, decodeHeaderValue, getHeader } from '../src/headers.ts'
export type { PropagationFormat, TraceContext } from '../src/context/trace-context.ts'
export type {
  BufferJson, ConsumerSource, KafkaHeaderValue, KafkajsConsumedMessage, KafkajsHeaders, KafkajsMessage, ProducerTarget,
  RdkafkaHeader, RdkafkaHeaders, RdkafkaMessage, SpanLike, SpanOptionsLike, TargetKind, TracerLike,
} from './types.ts'
