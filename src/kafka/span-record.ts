// SPDX-License-Identifier: Apache-2.0
/**
 * How a span record on the topic is marked. A record's value is in one of the
 * span encodings below, named by the `jaeger-kafka-encoding` header so a
 * consumer can route or reject it without decoding it:
 * - `jaeger_thrift` (default): one bare jaeger.thrift `Batch` in TBinaryProtocol,
 *   the exact body the collector's `POST /api/traces` accepts. Its header value
 *   stays `jaeger.thrift.binary.batch`, what every earlier version wrote and
 *   every earlier forwarder accepts (a rolling upgrade must not dead-letter it);
 *   readers accept `jaeger_thrift` as a synonym.
 * - `otlp_proto`: one OTLP `TracesData` (wire-identical to `ExportTraceServiceRequest`).
 * - `jaeger_proto`: one api_v2 `model.Span` with its `Process` embedded.
 * The names are spelled as Jaeger's and the OpenTelemetry Collector's Kafka
 * receiver spell its `encoding:` values.
 * @module
 */

/** Header naming the payload encoding. */
export const SPAN_ENCODING_HEADER = 'jaeger-kafka-encoding'
/** Header value of `jaeger_thrift` records: a bare binary-protocol `Batch`. */
export const SPAN_ENCODING_THRIFT_BATCH = 'jaeger.thrift.binary.batch'

/** The span encodings, spelled like the Kafka receiver's `encoding:` values. */
export const SPAN_ENCODINGS = ['jaeger_thrift', 'otlp_proto', 'jaeger_proto'] as const
/** One of {@link SPAN_ENCODINGS}. */
export type SpanEncoding = (typeof SPAN_ENCODINGS)[number]

/** The `jaeger-kafka-encoding` header value a record in `encoding` carries. */
export function encodingHeaderValue(encoding: SpanEncoding): string {
  return encoding === 'jaeger_thrift' ? SPAN_ENCODING_THRIFT_BATCH : encoding
}

/** `value` as a span encoding; throws a RangeError naming the allowed values (`name` says where it came from). */
export function parseSpanEncoding(value: unknown, name: string): SpanEncoding {
  if (typeof value === 'string' && (SPAN_ENCODINGS as readonly string[]).includes(value)) return value as SpanEncoding
  throw new RangeError(`${name} must be one of ${SPAN_ENCODINGS.join(', ')}, got ${JSON.stringify(value)}`)
}

/** The encoding a `jaeger-kafka-encoding` header value names, or undefined for an unknown one. */
export function encodingFromHeader(value: string): SpanEncoding | undefined {
  if (value === SPAN_ENCODING_THRIFT_BATCH || value === 'jaeger_thrift') return 'jaeger_thrift'
  return value === 'otlp_proto' || value === 'jaeger_proto' ? value : undefined
}
/** Header carrying the record layout version (this layout is version 1). */
export const SPAN_SCHEMA_VERSION_HEADER = 'jaeger-kafka-schema-version'
/** Current record layout version. */
export const SPAN_SCHEMA_VERSION = '1'
/** Header with the number of spans in the batch, so consumers can count without decoding. */
export const SPAN_COUNT_HEADER = 'jaeger-kafka-span-count'
/** Default span topic (also `JAEGER_KAFKA_TOPIC`'s default). */
export const DEFAULT_SPAN_TOPIC = 'jaeger-spans'

/** The headers of a span record holding `spanCount` spans in `encoding` (default `jaeger_thrift`). */
export function spanRecordHeaders(spanCount: number, encoding: SpanEncoding = 'jaeger_thrift'): Record<string, string> {
  return {
    [SPAN_ENCODING_HEADER]: encodingHeaderValue(encoding),
    [SPAN_SCHEMA_VERSION_HEADER]: SPAN_SCHEMA_VERSION,
    [SPAN_COUNT_HEADER]: String(spanCount),
  }
}
