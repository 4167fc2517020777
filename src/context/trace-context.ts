// SPDX-License-Identifier: Apache-2.0
/**
 * The one shape every trace-context format parses into and formats from.
 * IDs are hex strings kept exactly as received (case, leading zeros), so a
 * context read from `uber-trace-id` is written back byte for byte; formats
 * with fixed widths (W3C, B3) normalise with {@link normalizeHexId}.
 * @module
 */

/** A parsed trace context, independent of the header format it came from. */
export interface TraceContext {
  /** Trace ID, 1–32 hex digits as received (64- or 128-bit). */
  readonly traceId: string
  /** Span ID, 1–16 hex digits as received. */
  readonly spanId: string
  /** Parent span ID as received, or `''` for none (`0` in uber-trace-id). */
  readonly parentId: string
  /** Jaeger flag bits: {@link FLAG_SAMPLED}, {@link FLAG_DEBUG}, {@link FLAG_FIREHOSE}. */
  readonly flags: number
}

/** The trace was sampled. */
export const FLAG_SAMPLED = 0x1
/** Debug trace (implies sampled). */
export const FLAG_DEBUG = 0x2
/** Firehose span (jaeger-client). */
export const FLAG_FIREHOSE = 0x8

/** The trace-context formats this package reads and writes. */
export type PropagationFormat = 'jaeger' | 'w3c' | 'b3'

/** Every format, in the default extract order. */
export const PROPAGATION_FORMATS: readonly PropagationFormat[] = ['jaeger', 'w3c', 'b3']

const HEX = /^[0-9a-fA-F]+$/
const ZERO = /^0+$/

/** True for a non-empty string of hex digits. */
export function isHex(value: string): boolean {
  return HEX.test(value)
}

/** True when every digit is `0`. */
export function isZeroHex(value: string): boolean {
  return ZERO.test(value)
}

/**
 * Lower-case a hex ID and fit it to `width` digits: extra leading zeros are
 * dropped, short IDs are zero-padded on the left. Returns `null` when the
 * significant digits do not fit.
 * @example
 * normalizeHexId('00abc', 16) // '0000000000000abc'
 */
export function normalizeHexId(id: string, width: number): string | null {
  let start = 0
  while (id.length - start > width && id.charCodeAt(start) === 0x30) start++
  const digits = id.length - start > width ? null : id.slice(start).toLowerCase()
  return digits === null ? null : digits.padStart(width, '0')
}

/**
 * Accept a hex ID of at most `maxDigits` significant digits (extra leading
 * zeros are tolerated) that is not all zeros. Returns it as received, or null.
 */
export function acceptHexId(id: string, maxDigits: number, allowZero = false): string | null {
  if (id.length === 0 || id.length > 64 || !HEX.test(id)) return null
  if (!allowZero && ZERO.test(id)) return null
  return normalizeHexId(id, maxDigits) === null ? null : id
}
