// SPDX-License-Identifier: Apache-2.0
/**
 * The jaeger.thrift data model (jaegertracing/jaeger-idl `thrift/jaeger.thrift`)
 * as plain TypeScript types. i64 fields are `bigint` (signed, exact); ids keep
 * their full 64 bits.
 * @module
 */

/** enum TagType { STRING, DOUBLE, BOOL, LONG, BINARY } */
export const TagType = { STRING: 0, DOUBLE: 1, BOOL: 2, LONG: 3, BINARY: 4 } as const
export type TagType = (typeof TagType)[keyof typeof TagType]

/** enum SpanRefType { CHILD_OF, FOLLOWS_FROM } */
export const SpanRefType = { CHILD_OF: 0, FOLLOWS_FROM: 1 } as const
export type SpanRefType = (typeof SpanRefType)[keyof typeof SpanRefType]

/** Only the value field that `vType` names is meaningful (and written). */
export interface JaegerTag {
  key: string
  vType: TagType
  vStr?: string
  vDouble?: number
  vBool?: boolean
  vLong?: bigint
  vBinary?: Uint8Array
}

export interface JaegerLog {
  /** Microseconds since the epoch. */
  timestamp: bigint
  fields: JaegerTag[]
}

export interface JaegerSpanRef {
  refType: SpanRefType
  traceIdLow: bigint
  traceIdHigh: bigint
  spanId: bigint
}

export interface JaegerSpan {
  traceIdLow: bigint
  traceIdHigh: bigint
  spanId: bigint
  parentSpanId: bigint
  operationName: string
  references?: JaegerSpanRef[]
  flags: number
  /** Microseconds since the epoch. */
  startTime: bigint
  /** Microseconds. */
  duration: bigint
  tags?: JaegerTag[]
  logs?: JaegerLog[]
}

export interface JaegerProcess {
  serviceName: string
  tags?: JaegerTag[]
}

export interface ClientStats {
  fullQueueDroppedSpans: bigint
  tooLargeDroppedSpans: bigint
  failedToEmitSpans: bigint
}

export interface JaegerBatch {
  process: JaegerProcess
  spans: JaegerSpan[]
  seqNo?: bigint
  stats?: ClientStats
}
