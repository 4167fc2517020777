// SPDX-License-Identifier: Apache-2.0
/**
 * Zipkin B3 propagation: the multi-header form (`x-b3-traceid`, `x-b3-spanid`,
 * `x-b3-parentspanid`, `x-b3-sampled`, `x-b3-flags`; any case, zipkin-js
 * writes `X-B3-TraceId`) and the single `b3` header
 * (`{traceId}-{spanId}[-{sampling}[-{parentSpanId}]]`). Sampling follows
 * jaeger-client's B3 codec: `1`/`true` sampled, `x-b3-flags: 1` debug,
 * absent means not sampled.
 * @module
 */
import { FLAG_DEBUG, FLAG_SAMPLED, acceptHexId, isZeroHex, normalizeHexId, type TraceContext } from './trace-context.ts'
import { isSampled } from './uber-trace-id.ts'

export const B3_TRACE_ID = 'x-b3-traceid'
export const B3_SPAN_ID = 'x-b3-spanid'
export const B3_PARENT_SPAN_ID = 'x-b3-parentspanid'
export const B3_SAMPLED = 'x-b3-sampled'
export const B3_FLAGS = 'x-b3-flags'
/** The single-header form. */
export const B3_SINGLE = 'b3'

/** Every B3 header key (lower case). */
export const B3_KEYS: readonly string[] = [B3_TRACE_ID, B3_SPAN_ID, B3_PARENT_SPAN_ID, B3_SAMPLED, B3_FLAGS, B3_SINGLE]

/** Reads one header by lower-case key; `undefined` when absent. */
export interface HeaderLookup {
  get(lowerKey: string): string | undefined
}

function sampledFlags(sampled: string | undefined, debug: string | undefined): number {
  let flags = 0
  if (sampled === '1' || sampled === 'true' || sampled === 'd') flags |= FLAG_SAMPLED
  if (sampled === 'd' || debug === '1') flags |= FLAG_SAMPLED | FLAG_DEBUG
  return flags
}

function build(trace: string | undefined, span: string | undefined, parent: string | undefined, flags: number): TraceContext | null {
  if (trace === undefined || span === undefined) return null
  const traceId = acceptHexId(trace, 32)
  const spanId = acceptHexId(span, 16)
  if (traceId === null || spanId === null) return null
  let parentId = ''
  if (parent !== undefined && parent !== '') {
    const accepted = acceptHexId(parent, 16, true)
    if (accepted === null) return null
    parentId = isZeroHex(accepted) ? '' : accepted
  }
  return { traceId, spanId, parentId, flags }
}

/**
 * Parse B3 from the multi-header form, else from the single `b3` header.
 * `null` when neither carries a valid trace and span ID. Never throws.
 * @example
 * parseB3(new Map([['x-b3-traceid', 'a1'], ['x-b3-spanid', 'b2'], ['x-b3-sampled', '1']]))
 * // { traceId: 'a1', spanId: 'b2', parentId: '', flags: 1 }
 */
export function parseB3(lookup: HeaderLookup): TraceContext | null {
  const trace = lookup.get(B3_TRACE_ID)
  if (trace !== undefined) {
    return build(trace.trim(), lookup.get(B3_SPAN_ID)?.trim(), lookup.get(B3_PARENT_SPAN_ID)?.trim(),
      sampledFlags(lookup.get(B3_SAMPLED)?.trim(), lookup.get(B3_FLAGS)?.trim()))
  }
  const single = lookup.get(B3_SINGLE)
  return single === undefined ? null : parseB3Single(single)
}

/**
 * Parse the single `b3` header. A sampling-only value (`0`, `1`, `d`)
 * carries no context and gives `null`.
 */
export function parseB3Single(value: string): TraceContext | null {
  if (value.length > 256) return null
  const parts = value.trim().split('-')
  if (parts.length < 2 || parts.length > 4) return null
  return build(parts[0], parts[1], parts[3], sampledFlags(parts[2], undefined))
}

/**
 * Format a context as B3 multi-headers (lower-case keys): trace ID padded to
 * 16 or 32 digits, span IDs to 16, `x-b3-sampled` always, `x-b3-flags: 1` for
 * debug. `null` when an ID does not fit.
 */
export function formatB3Headers(context: TraceContext): Record<string, string> | null {
  const traceId = normalizeHexId(context.traceId, normalizeHexId(context.traceId, 16) === null ? 32 : 16)
  const spanId = normalizeHexId(context.spanId, 16)
  if (traceId === null || spanId === null) return null
  const headers: Record<string, string> = {
    [B3_TRACE_ID]: traceId,
    [B3_SPAN_ID]: spanId,
  }
  if (context.parentId !== '') {
    const parentId = normalizeHexId(context.parentId, 16)
    if (parentId !== null) headers[B3_PARENT_SPAN_ID] = parentId
  }
  headers[B3_SAMPLED] = isSampled(context) ? '1' : '0'
  if ((context.flags & FLAG_DEBUG) !== 0) headers[B3_FLAGS] = '1'
  return headers
}
