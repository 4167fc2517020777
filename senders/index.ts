// SPDX-License-Identifier: Apache-2.0
/**
 * Kafka sender for jaeger-client: `KafkaSender` (jaeger-client's Sender
 * contract), the faster `KafkaReporter`, and drop-in `initTracer()` /
 * `initTracerFromEnv()`.
 * @module
 */
export { KafkaSender, DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_BUFFERED_BYTES } from './kafka-sender.ts'
export type { KafkaSenderOptions } from './kafka-sender.ts'
export { KafkaReporter } from './kafka-reporter.ts'
export { isKafkaSender, isKafkaReporter } from './brand.ts'
export type { KafkaReporterOptions } from './kafka-reporter.ts'
export { initTracer, initTracerFromEnv, getKafkaSender } from './init-tracer.ts'
export type { KafkaTracingConfig, KafkaTracingOptions, JaegerTracer } from './init-tracer.ts'
export { kafkaConfigFromEnv, KAFKA_ENV } from './kafka-config.ts'
export type { KafkaReporterConfig, KafkaReporterKind } from './kafka-config.ts'
export { provideModule } from './runtime-require.ts'
export { DROP_REASONS } from './sender-types.ts'
export type { SenderCallback, DropReason, SpanDrop, KafkaSenderStats, FlushResult, CloseResult, BatchOutcome } from './sender-types.ts'
export type { MetricsFactory, Counter, Gauge } from './metrics.ts'
export type { RetryOptions } from '../src/retry.ts'
/** @deprecated The same shape as `RetryOptions` (the name before 0.2). */
export type { RetryOptions as BackoffOptions } from '../src/retry.ts'
export { TRUNCATED_TAG_KEY } from './trim-span.ts'
export { createKafkajsProducer } from '../src/kafka/kafkajs.ts'
export type { KafkajsProducerOptions } from '../src/kafka/kafkajs.ts'
export type { KafkaClientOptions, KafkaTlsOptions, KafkaSaslOptions } from '../src/kafka/types.ts'
export type { KafkaProducer, KafkaRecord, ProduceRequest, KafkaCompression, KafkaHeaders } from '../src/kafka/types.ts'
export {
  SPAN_ENCODING_HEADER,
  SPAN_ENCODING_THRIFT_BATCH,
  SPAN_SCHEMA_VERSION_HEADER,
  SPAN_SCHEMA_VERSION,
  SPAN_COUNT_HEADER,
  DEFAULT_SPAN_TOPIC,
} from '../src/kafka/span-record.ts'
export { createSpoolingProducer, DEFAULT_REPLAY_MAX_BYTES, DEFAULT_REPLAY_MAX_FRAMES } from './spool/spooling-producer.ts'
export type { SpoolingProducer, SpoolingProducerOptions, SpoolingStats, SpoolingMode } from './spool/spooling-producer.ts'
export { SPOOL_DROP_REASONS } from './spool/span-spool.ts'
export type { SpanSpool, SpoolEntry, SpoolStats, SpoolCount, SpoolDropReason } from './spool/span-spool.ts'
