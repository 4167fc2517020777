// SPDX-License-Identifier: Apache-2.0
/**
 * Which header keys are "tracing" keys, and conversions between the formats
 * a carrier can write beside the tracer's own.
 * @module
 */
import { B3_KEYS, B3_SINGLE, formatB3Headers, parseB3, parseB3Single, type HeaderLookup } from '../src/context/b3.ts'
import type { PropagationFormat, TraceContext } from '../src/context/trace-context.ts'
import {
  JAEGER_BAGGAGE, UBER_BAGGAGE_PREFIX, UBER_TRACE_ID, formatUberTraceId, parseUberTraceId,
} from '../src/context/uber-trace-id.ts'
import { TRACEPARENT, TRACESTATE, formatTraceparent, parseTraceparent } from '../src/context/w3c.ts'

/** Prefix java-kafka-client ≤ 0.1.2 put before the consumer span's re-injected headers. */
export const LEGACY_SECOND_SPAN_PREFIX = 'second_span_'

/**
 * True for a lower-case key that belongs to a trace-context format: it is
 * replaced, not duplicated, when a carrier injects.
 */
export function isTracingKey(lower: string): boolean {
  return lower === UBER_TRACE_ID ||
    lower.startsWith(UBER_BAGGAGE_PREFIX) ||
    lower === JAEGER_BAGGAGE ||
    lower === TRACEPARENT ||
    lower === TRACESTATE ||
    lower === B3_SINGLE ||
    lower.startsWith('x-b3-') ||
    lower.startsWith(LEGACY_SECOND_SPAN_PREFIX)
}

/** The format a single header carries the whole context in, if any. */
export function formatOfContextKey(lower: string): PropagationFormat | null {
  if (lower === UBER_TRACE_ID) return 'jaeger'
  if (lower === TRACEPARENT) return 'w3c'
  if (lower === B3_SINGLE) return 'b3'
  return null
}

/** Parse the context of one format from a lower-case-key lookup. */
export function readFormat(format: PropagationFormat, lookup: HeaderLookup): TraceContext | null {
  switch (format) {
    case 'jaeger': return parseUberTraceId(lookup.get(UBER_TRACE_ID))
    case 'w3c': return parseTraceparent(lookup.get(TRACEPARENT))
    case 'b3': return parseB3(lookup)
  }
}

/** Parse a single-header context value of the given format. */
export function parseContextValue(format: PropagationFormat, value: string): TraceContext | null {
  switch (format) {
    case 'jaeger': return parseUberTraceId(value)
    case 'w3c': return parseTraceparent(value)
    case 'b3': return parseB3Single(value)
  }
}

/**
 * The headers (lower-case keys) that carry `context` in `format`, or null if
 * the IDs do not fit that format.
 */
export function formatHeaders(format: PropagationFormat, context: TraceContext): Record<string, string> | null {
  switch (format) {
    case 'jaeger': return { [UBER_TRACE_ID]: formatUberTraceId(context) }
    case 'w3c': {
      const traceparent = formatTraceparent(context)
      return traceparent === null ? null : { [TRACEPARENT]: traceparent }
    }
    case 'b3': return formatB3Headers(context)
  }
}

/** The key whose presence means "this format is on the message". */
export function primaryKey(format: PropagationFormat): string {
  switch (format) {
    case 'jaeger': return UBER_TRACE_ID
    case 'w3c': return TRACEPARENT
    case 'b3': return 'x-b3-traceid'
  }
}

/** The keys that carry a format's span context (not its baggage or state). */
export function contextKeys(format: PropagationFormat): readonly string[] {
  switch (format) {
    case 'jaeger': return [UBER_TRACE_ID]
    case 'w3c': return [TRACEPARENT]
    case 'b3': return B3_KEYS
  }
}

const FORMATS = new Set<string>(['jaeger', 'w3c', 'b3'])

/** Validate a `formats` option: a list of known formats, or a TypeError. */
export function checkFormats(formats: unknown, option: string): readonly PropagationFormat[] | undefined {
  if (formats === undefined) return undefined
  if (!Array.isArray(formats) || !formats.every((f) => FORMATS.has(f as string))) {
    throw new TypeError(`Cannot use ${option}: expected an array of 'jaeger', 'w3c', 'b3', got ${JSON.stringify(formats)}`)
  }
  return formats as PropagationFormat[]
}
