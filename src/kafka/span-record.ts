// SPDX-License-Identifier: Apache-2.0
/**
 * How a span record on the topic is marked. The value of every record
 * `KafkaSender` produces is one bare jaeger.thrift `Batch` in TBinaryProtocol,
 * the exact body the collector's `POST /api/traces` accepts; headers say so,
 * so a consumer can reject anything else without decoding it.
 * @module
 */

/** Header naming the payload encoding. */
export const SPAN_ENCODING_HEADER = 'jaeger-kafka-encoding'
/** The only encoding `KafkaSender` writes: a bare binary-protocol `Batch`. */
export const SPAN_ENCODING_THRIFT_BATCH = 'jaeger.thrift.binary.batch'
/** Header carrying the record layout version (this layout is version 1). */
export const SPAN_SCHEMA_VERSION_HEADER = 'jaeger-kafka-schema-version'
/** Current record layout version. */
export const SPAN_SCHEMA_VERSION = '1'
/** Header with the number of spans in the batch, so consumers can count without decoding. */
export const SPAN_COUNT_HEADER = 'jaeger-kafka-span-count'
/** Default span topic (also `JAEGER_KAFKA_TOPIC`'s default). */
export const DEFAULT_SPAN_TOPIC = 'jaeger-spans'

/** The headers of a span record holding `spanCount` spans. */
export function spanRecordHeaders(spanCount: number): Record<string, string> {
  return {
    [SPAN_ENCODING_HEADER]: SPAN_ENCODING_THRIFT_BATCH,
    [SPAN_SCHEMA_VERSION_HEADER]: SPAN_SCHEMA_VERSION,
    [SPAN_COUNT_HEADER]: String(spanCount),
  }
}
