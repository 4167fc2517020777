// SPDX-License-Identifier: Apache-2.0
/**
 * W3C Trace Context: `traceparent: {version}-{traceId:32}-{parentId:16}-{flags:2}`
 * and the opaque `tracestate`. Parsing follows OTel's W3CTraceContextPropagator
 * (lower-case hex only, version `ff` invalid, version `00` has exactly four
 * fields, later versions may append fields).
 * @module
 */
import { FLAG_SAMPLED, normalizeHexId, type TraceContext } from './trace-context.ts'
import { isSampled } from './uber-trace-id.ts'

/** The header carrying the W3C span context. */
export const TRACEPARENT = 'traceparent'
/** The header carrying vendor-specific W3C trace state. */
export const TRACESTATE = 'tracestate'

const TRACEPARENT_RE = /^\s?([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?\s?$/
const ZERO_TRACE = '00000000000000000000000000000000'
const ZERO_SPAN = '0000000000000000'
// Printable ASCII without `=`-less junk checks: W3C list members are
// `key=value` separated by commas; we only guard size and control characters.
const TRACESTATE_RE = /^[\x20-\x7e]*$/

/**
 * Parse a `traceparent` value into a context (W3C `sampled` → Jaeger flag 1;
 * no parent). `null` when malformed. Never throws.
 * @example
 * parseTraceparent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')
 * // { traceId: '0af7…319c', spanId: 'b7ad6b7169203331', parentId: '', flags: 1 }
 */
export function parseTraceparent(value: unknown): TraceContext | null {
  if (typeof value !== 'string' || value.length > 512) return null
  const match = TRACEPARENT_RE.exec(value)
  if (match === null) return null
  const [, version, traceId, spanId, flags, rest] = match as unknown as [string, string, string, string, string, string | undefined]
  if (version === 'ff' || (version === '00' && rest !== undefined)) return null
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return null
  return { traceId, spanId, parentId: '', flags: parseInt(flags, 16) & FLAG_SAMPLED }
}

/**
 * Format a context as a version-00 `traceparent`: IDs lower-cased and
 * zero-padded to 32/16 digits, flags `01` when sampled (or debug).
 * `null` when an ID does not fit.
 * @example
 * formatTraceparent({ traceId: 'abc', spanId: '1', parentId: '', flags: 1 })
 * // '00-00000000000000000000000000000abc-0000000000000001-01'
 */
export function formatTraceparent(context: TraceContext): string | null {
  const traceId = normalizeHexId(context.traceId, 32)
  const spanId = normalizeHexId(context.spanId, 16)
  if (traceId === null || spanId === null || traceId === ZERO_TRACE || spanId === ZERO_SPAN) return null
  return `00-${traceId}-${spanId}-${isSampled(context) ? '01' : '00'}`
}

/**
 * Accept a `tracestate` value to pass on: printable ASCII of at most
 * `maxLength` characters, else `undefined`.
 */
export function acceptTracestate(value: unknown, maxLength = 512): string | undefined {
  if (typeof value !== 'string' || value.length > maxLength || !TRACESTATE_RE.test(value)) return undefined
  return value
}
