// SPDX-License-Identifier: Apache-2.0
/**
 * Jaeger's `uber-trace-id` header: `{traceId}:{spanId}:{parentId|0}:{flags}`,
 * hex. Trace IDs are 64- or 128-bit; jaeger-client for Node strips leading
 * zeros, other clients do not, so both are accepted and kept as received.
 * OTel's JaegerPropagator and old Java clients send the value URL-encoded
 * (`%3A` for `:`); that form is accepted too.
 * @module
 */
import { FLAG_DEBUG, FLAG_SAMPLED, isZeroHex, type TraceContext } from './trace-context.ts'

/** The header that carries the span context. */
export const UBER_TRACE_ID = 'uber-trace-id'
/** Prefix of the per-item baggage headers. */
export const UBER_BAGGAGE_PREFIX = 'uberctx-'
/** Asks jaeger-client to force-sample a new trace, tagged with this ID. */
export const JAEGER_DEBUG_ID = 'jaeger-debug-id'
/** Baggage as `k=v, k2=v2` (jaeger-client reads it when there is no span context). */
export const JAEGER_BAGGAGE = 'jaeger-baggage'

// Longest sensible value: 32 + 16 + 16 + 8 digits, three separators each
// possibly `%3A`, padding zeros and whitespace to spare.
const MAX_LENGTH = 256

/**
 * Undo URL-encoding of an `uber-trace-id` value (`%3A` → `:`); values without
 * `%` are returned unchanged; undecodable values too.
 * @example
 * decodeUberTraceId('abc%3A1%3A0%3A1') // 'abc:1:0:1'
 */
export function decodeUberTraceId(value: string): string {
  if (value.indexOf('%') === -1) return value
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}

/** Hex digit value of a char code, or -1. */
function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  const lower = c | 0x20
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1
}

/**
 * Check one `:`-separated hex field of `text[start, end)`: at most
 * `maxDigits` significant digits (extra leading zeros tolerated); unless
 * `allowZero`, not all zeros.
 */
function validField(text: string, start: number, end: number, maxDigits: number, allowZero: boolean): boolean {
  if (end <= start || end - start > 64) return false
  let significant = -1
  for (let i = start; i < end; i++) {
    const d = hexDigit(text.charCodeAt(i))
    if (d < 0) return false
    if (d !== 0 && significant < 0) significant = i
  }
  if (significant < 0) return allowZero
  return end - significant <= maxDigits
}

/** Positions of the three `:` separators, or null unless there are exactly three. */
function separators(text: string): [number, number, number] | null {
  const a = text.indexOf(':')
  if (a < 0) return null
  const b = text.indexOf(':', a + 1)
  if (b < 0) return null
  const c = text.indexOf(':', b + 1)
  if (c < 0 || text.indexOf(':', c + 1) >= 0) return null
  return [a, b, c]
}

function normalizeInput(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_LENGTH) return null
  let text = decodeUberTraceId(value)
  const first = text.charCodeAt(0)
  const last = text.charCodeAt(text.length - 1)
  if (first <= 0x20 || last <= 0x20) text = text.trim()
  return text
}

/**
 * True when `value` is an acceptable `uber-trace-id` (see
 * {@link parseUberTraceId}), without allocating the parsed context.
 */
export function isValidUberTraceId(value: unknown): boolean {
  const text = normalizeInput(value)
  if (text === null) return false
  const seps = separators(text)
  if (seps === null) return false
  const [a, b, c] = seps
  return validField(text, 0, a, 32, false) && validField(text, a + 1, b, 16, false) &&
    validField(text, b + 1, c, 16, true) && c + 1 < text.length && text.length - c - 1 <= 8 && validField(text, c + 1, text.length, 8, true)
}

/**
 * Parse an `uber-trace-id` value. Returns `null` unless it has exactly four
 * `:`-separated hex parts, a non-zero trace ID of ≤ 32 significant digits and
 * a non-zero span ID of ≤ 16 (extra leading zeros tolerated), and flags of
 * 1–8 hex digits. `%3A`-encoded values and surrounding whitespace are
 * accepted. IDs are kept exactly as received. Never throws.
 * @example
 * parseUberTraceId('6d2b1c:4f:0:1')
 * // { traceId: '6d2b1c', spanId: '4f', parentId: '', flags: 1 }
 */
export function parseUberTraceId(value: unknown): TraceContext | null {
  if (!isValidUberTraceId(value)) return null
  const text = normalizeInput(value) as string
  const [a, b, c] = separators(text) as [number, number, number]
  const parentId = text.slice(b + 1, c)
  return {
    traceId: text.slice(0, a),
    spanId: text.slice(a + 1, b),
    parentId: isZeroHex(parentId) ? '' : parentId,
    flags: parseInt(text.slice(c + 1), 16),
  }
}

/**
 * Format a context as an `uber-trace-id` value, IDs unchanged, flags as
 * lower-case hex without padding (as jaeger-client writes them).
 * @example
 * formatUberTraceId({ traceId: 'abc', spanId: '1', parentId: '', flags: 1 }) // 'abc:1:0:1'
 */
export function formatUberTraceId(context: TraceContext): string {
  return `${context.traceId}:${context.spanId}:${context.parentId || '0'}:${(context.flags >>> 0).toString(16)}`
}

/** True when the flags mark the trace sampled (debug implies sampled). */
export function isSampled(context: TraceContext): boolean {
  return (context.flags & (FLAG_SAMPLED | FLAG_DEBUG)) !== 0
}
