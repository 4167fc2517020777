// SPDX-License-Identifier: Apache-2.0
/**
 * The OTLP trace codec: jaeger process + spans → `TracesData` bytes (Jaeger's
 * own mapping, see `otlp-encode.ts`), and a decoder for any OTLP trace payload.
 * @module
 */
export { assembleOtlpTraces, encodeOtlpResourceField, encodeOtlpSpanField, encodeOtlpTraces, otlpParentSpanId, otlpTracesSize, writeTracesData } from './otlp-encode.ts'
export { decodeOtlpTraces } from './otlp-decode.ts'
export { SpanKind, StatusCode } from './otlp-types.ts'
export type * from './otlp-types.ts'
