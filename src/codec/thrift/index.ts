// SPDX-License-Identifier: Apache-2.0
/**
 * jaeger.thrift over TBinaryProtocol, in plain TypeScript: encode spans and
 * batches (also straight from jaeger-client's span objects), assemble batches
 * from encoded spans, and decode or summarise batches; decode the agent's
 * `emitBatch` datagrams (TBinaryProtocol or TCompactProtocol).
 * @module
 */
export { encodeProcess, encodeSpan, encodeBatch, assembleBatch, batchEncodedSize, batchParts } from './jaeger-encode.ts'
export { decodeBatch, decodeProcess, decodeSpan, sliceBatch, summarizeBatch, traceIdHex } from './jaeger-decode.ts'
export type { BatchSummary, ThriftBatchParts } from './jaeger-decode.ts'
export { decodeEmitBatch, sliceEmitBatch } from './agent-decode.ts'
export type { AgentProtocol } from './agent-decode.ts'
export { encodeJaegerClientSpan, fromJaegerClientSpan, fromJaegerClientProcess } from './from-jaeger-client.ts'
export { TagType, SpanRefType } from './jaeger-types.ts'
export type {
  ClientStats,
  JaegerBatch,
  JaegerLog,
  JaegerProcess,
  JaegerSpan,
  JaegerSpanRef,
  JaegerTag,
} from './jaeger-types.ts'
