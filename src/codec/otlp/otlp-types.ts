// SPDX-License-Identifier: Apache-2.0
/**
 * The OTLP trace data model (opentelemetry-proto `trace/v1`, `common/v1`,
 * `resource/v1`) as plain TypeScript types: what the OTLP decoder returns.
 * fixed64 times are `bigint` nanoseconds; ids are their raw bytes (16 for a
 * trace id, 8 for a span id; empty when absent).
 * @module
 */

/** enum Span.SpanKind */
export const SpanKind = { UNSPECIFIED: 0, INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const
export type SpanKind = (typeof SpanKind)[keyof typeof SpanKind]

/** enum Status.StatusCode */
export const StatusCode = { UNSET: 0, OK: 1, ERROR: 2 } as const
export type StatusCode = (typeof StatusCode)[keyof typeof StatusCode]

/** AnyValue: the oneof `value` (`empty` when none is set). */
export type OtlpAnyValue =
  | { type: 'string'; value: string }
  | { type: 'bool'; value: boolean }
  | { type: 'int'; value: bigint }
  | { type: 'double'; value: number }
  | { type: 'bytes'; value: Uint8Array }
  | { type: 'array'; value: OtlpAnyValue[] }
  | { type: 'kvlist'; value: OtlpKeyValue[] }
  | { type: 'empty' }

export interface OtlpKeyValue {
  key: string
  value: OtlpAnyValue
}

export interface OtlpStatus {
  message: string
  code: number
}

export interface OtlpEvent {
  timeUnixNano: bigint
  name: string
  attributes: OtlpKeyValue[]
  droppedAttributesCount: number
}

export interface OtlpLink {
  traceId: Uint8Array
  spanId: Uint8Array
  traceState: string
  attributes: OtlpKeyValue[]
  droppedAttributesCount: number
  flags: number
}

export interface OtlpSpan {
  traceId: Uint8Array
  spanId: Uint8Array
  traceState: string
  parentSpanId: Uint8Array
  flags: number
  name: string
  /** A SpanKind value (unknown values are kept as read). */
  kind: number
  startTimeUnixNano: bigint
  endTimeUnixNano: bigint
  attributes: OtlpKeyValue[]
  droppedAttributesCount: number
  events: OtlpEvent[]
  droppedEventsCount: number
  links: OtlpLink[]
  droppedLinksCount: number
  /** Absent when the span has no status field. */
  status?: OtlpStatus
}

export interface OtlpScope {
  name: string
  version: string
  attributes: OtlpKeyValue[]
  droppedAttributesCount: number
}

export interface OtlpScopeSpans {
  scope?: OtlpScope
  spans: OtlpSpan[]
  schemaUrl: string
}

export interface OtlpResource {
  attributes: OtlpKeyValue[]
  droppedAttributesCount: number
}

export interface OtlpResourceSpans {
  resource?: OtlpResource
  scopeSpans: OtlpScopeSpans[]
  schemaUrl: string
}

/** TracesData, wire-identical to ExportTraceServiceRequest. */
export interface OtlpTracesData {
  resourceSpans: OtlpResourceSpans[]
}
