// SPDX-License-Identifier: Apache-2.0
/**
 * jaeger-kafka/otel: `KafkaSpanExporter`, an OpenTelemetry JS SDK
 * `SpanExporter` that writes spans to the Kafka span topic (`otlp_proto` by
 * default, `jaeger_thrift` or `jaeger_proto` on request) through the same
 * delivery engine as `KafkaSender`. Typed structurally: `@opentelemetry/*`
 * are optional peers, never loaded by this package.
 *
 * @example
 * ```js
 * const { BasicTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base')
 * const { KafkaSpanExporter } = require('jaeger-kafka/otel')
 * // JAEGER_KAFKA_BROKERS=kafka-1:9092, OTEL_SERVICE_NAME=orders
 * const exporter = new KafkaSpanExporter()
 * const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] })
 * // at exit: BatchSpanProcessor skips exporter.shutdown() when its last export failed, so call both
 * await provider.shutdown().catch(() => {})
 * await exporter.shutdown()
 * ```
 * See docs/otel-exporter.md for when `export()` reports SUCCESS and where spans wait.
 * @module
 */
export { KafkaSpanExporter, ExportResultCode, DEFAULT_EXPORT_TIMEOUT_MS } from './senders/kafka-span-exporter.ts'
export type { KafkaSpanExporterOptions, KafkaSpanExporterStats, ExportResult } from './senders/kafka-span-exporter.ts'
export { fromOtelSpan, fromOtelResource, attributeTag, NO_SERVICE_NAME } from './src/codec/otel/from-otel-span.ts'
export type { OtelReadableSpan, OtelResource, OtelSpanContext, OtelAttributes, OtelHrTime } from './src/codec/otel/from-otel-span.ts'
export { DROP_REASONS } from './senders/sender-types.ts'
export type { DropReason, SpanDrop, KafkaSenderStats } from './senders/sender-types.ts'
export type { SpanEncoding } from './src/kafka/span-record.ts'
