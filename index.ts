// SPDX-License-Identifier: Apache-2.0
/**
 * jaeger-kafka: OpenTracing carriers over Kafka message headers, a Kafka
 * sender (and drop-in `initTracer`) for jaeger-client, a forwarder from the
 * span topic to the Jaeger collector, and the jaeger.thrift codec they share.
 *
 * Subpaths carry the full surface of each part: `jaeger-kafka/carriers`,
 * `jaeger-kafka/senders`, `jaeger-kafka/forwarder`, and the Node-only
 * adapters in `jaeger-kafka/node`.
 *
 * @example
 * ```js
 * // One line moves a jaeger-client app off the UDP agent (plus JAEGER_KAFKA_BROKERS):
 * const { initTracerFromEnv } = require('jaeger-kafka')
 * const tracer = initTracerFromEnv({ serviceName: 'orders' })
 * ```
 * @module
 */

// --- errors
export { ErrorCodes, JaegerKafkaError, isJaegerKafkaError, describeError } from './src/errors.ts'
export type { ErrorCode, JaegerKafkaErrorOptions } from './src/errors.ts'

// --- carriers (propagation over Kafka headers)
export {
  KafkaProducerCarrier,
  KafkaConsumerCarrier,
  injectHeaders,
  extractContext,
  startProducerSpan,
  startConsumerSpan,
  finishProducerSpan,
  markSpanError,
  tracedSend,
  traceEachMessage,
  traceEachBatch,
  kafkaHeadersGetter,
  kafkaHeadersSetter,
  HEADER_LIMITS,
  decodeHeaderValue,
  getHeader,
} from './carriers/index.ts'
export type {
  ProducerCarrierOptions,
  ConsumerCarrierOptions,
  InjectOptions,
  ExtractOptions,
  ProducerSpanOptions,
  ConsumerSpanOptions,
  TracedSendOptions,
  BatchOptions,
  BatchTracing,
  PropagationFormat,
  ProducerTarget,
  ConsumerSource,
  KafkaHeaderValue,
} from './carriers/index.ts'

// --- senders (spans to a Kafka topic)
export {
  KafkaSender,
  KafkaReporter,
  isKafkaSender,
  isKafkaReporter,
  initTracer,
  initTracerFromEnv,
  getKafkaSender,
  provideModule,
  kafkaConfigFromEnv,
  KAFKA_ENV,
  DROP_REASONS,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_MAX_BUFFERED_BYTES,
  TRUNCATED_TAG_KEY,
  createKafkajsProducer,
  SPAN_ENCODING_HEADER,
  SPAN_ENCODING_THRIFT_BATCH,
  SPAN_SCHEMA_VERSION_HEADER,
  SPAN_SCHEMA_VERSION,
  SPAN_COUNT_HEADER,
  DEFAULT_SPAN_TOPIC,
} from './senders/index.ts'
export type {
  KafkaSenderOptions,
  KafkaReporterOptions,
  KafkaTracingConfig,
  KafkaTracingOptions,
  KafkaReporterConfig,
  KafkaSenderStats,
  SenderCallback,
  DropReason,
  SpanDrop,
  FlushResult,
  CloseResult,
  BatchOutcome,
  KafkaProducer,
  KafkaRecord,
  KafkajsProducerOptions,
  KafkaTlsOptions,
  KafkaSaslOptions,
  KafkaCompression,
} from './senders/index.ts'

// --- forwarder (span topic to the Jaeger collector)
export { createForwarder, DEFAULT_GROUP_ID, DEAD_LETTER_HEADERS, createForwarderHttpHandler, DEFAULT_COLLECTOR_URL } from './forwarder/index.ts'
export type { Forwarder, ForwarderOptions, ForwarderMetricsSnapshot, ForwarderLogger, CollectorAuth } from './forwarder/index.ts'

// --- jaeger.thrift codec
export {
  encodeBatch,
  encodeSpan,
  encodeProcess,
  assembleBatch,
  batchEncodedSize,
  decodeBatch,
  decodeSpan,
  decodeProcess,
  sliceBatch,
  summarizeBatch,
  traceIdHex,
  decodeEmitBatch,
  sliceEmitBatch,
  encodeJaegerClientSpan,
  fromJaegerClientSpan,
  fromJaegerClientProcess,
  TagType,
  SpanRefType,
} from './src/codec/thrift/index.ts'
export type {
  AgentProtocol,
  BatchSummary,
  ThriftBatchParts,
  ClientStats,
  JaegerBatch,
  JaegerLog,
  JaegerProcess,
  JaegerSpan,
  JaegerSpanRef,
  JaegerTag,
} from './src/codec/thrift/index.ts'
