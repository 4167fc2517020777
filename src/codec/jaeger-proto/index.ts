// SPDX-License-Identifier: Apache-2.0
/**
 * The jaeger_proto codec: one api_v2 `model.Span` with its process embedded
 * per record, keyed by trace id.
 * @module
 */
export { assembleJaegerProtoSpan, encodeJaegerProtoProcess, encodeJaegerProtoSpan, encodeJaegerProtoSpanFields, encodeJaegerProtoSpans, traceIdKey, writeJaegerProtoSpan } from './jaeger-proto-encode.ts'
export { decodeJaegerProtoSpan } from './jaeger-proto-decode.ts'
export type { JaegerProtoSpan } from './jaeger-proto-decode.ts'
