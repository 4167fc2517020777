// SPDX-License-Identifier: Apache-2.0
// Compare a thriftrw-decoded Span with jaeger-client's own spanToThrift() of
// the span the app recorded: the fields that must survive the trip, as plain values.
import { Buffer } from 'node:buffer'

/** A Buffer field as hex, anything else as text. */
export function hex(value: unknown): string {
  return Buffer.isBuffer(value) ? value.toString('hex') : String(value)
}

/** The fields of a thriftrw Span / spanToThrift() object that must match, as comparable values. */
export function normalizeThriftSpan(span: Record<string, unknown>): unknown {
  const tags = (list: unknown): unknown =>
    ((list as Record<string, unknown>[] | null) ?? []).map((t) => {
      const field = { STRING: 'vStr', DOUBLE: 'vDouble', BOOL: 'vBool', LONG: 'vLong', BINARY: 'vBinary' }[t.vType as string] as string
      return [t.key, t.vType, hex(t[field])]
    })
  return {
    ids: ['traceIdLow', 'traceIdHigh', 'spanId', 'parentSpanId', 'startTime', 'duration'].map((k) => hex(span[k])),
    operationName: span.operationName,
    flags: span.flags,
    references: ((span.references as Record<string, unknown>[] | null) ?? []).map((r) => [r.refType, hex(r.traceIdLow), hex(r.spanId)]),
    tags: tags(span.tags),
    logs: ((span.logs as Record<string, unknown>[] | null) ?? []).map((l) => [hex(l.timestamp), tags(l.fields)]),
  }
}
