// SPDX-License-Identifier: Apache-2.0
/**
 * `extractContext()`: the span context of a consumed message, or `null`.
 * @module
 */
import { FORMAT_TEXT_MAP } from 'opentracing'
import { KafkaConsumerCarrier, type ConsumerCarrierOptions } from './consumer-carrier.ts'
import type { ConsumerSource } from './types.ts'

/** Options of {@link extractContext}. */
export interface ExtractOptions extends ConsumerCarrierOptions {
  /** OpenTracing format passed to `tracer.extract`. Default `FORMAT_TEXT_MAP`. */
  format?: string
  /**
   * Also return jaeger-client's context "containers": no trace, but a
   * `jaeger-debug-id` or `jaeger-baggage`. Use them only as `childOf`, where
   * they make jaeger-client start a new (debug) trace carrying that baggage.
   * Default false.
   */
  allowContainer?: boolean
}

/** The part of a tracer `extractContext` needs. */
export interface ExtractingTracer<C> {
  extract(format: string, carrier: unknown): C | null
}

interface ContextProbe {
  isValid?: unknown
  debugId?: unknown
  baggage?: unknown
  toTraceId?: unknown
}

/** True for a container (jaeger-client): invalid, but carrying a debug ID or baggage. */
function isContainer(probe: ContextProbe): boolean {
  if (typeof probe.debugId === 'string' && probe.debugId !== '') return true
  const baggage = probe.baggage
  return typeof baggage === 'object' && baggage !== null && Object.keys(baggage).length > 0
}

/**
 * Keep `context` only when it names a real trace: jaeger-client's `isValid`
 * when present, else a non-zero `toTraceId()`.
 */
export function usableContext<C>(context: C | null | undefined, allowContainer = false): C | null {
  if (context === null || context === undefined || typeof context !== 'object') return null
  const probe = context as ContextProbe
  const isValid = probe.isValid
  if (typeof isValid === 'boolean') return isValid || (allowContainer && isContainer(probe)) ? context : null
  if (typeof probe.toTraceId === 'function') {
    const id: unknown = (probe.toTraceId as () => unknown).call(context)
    if (typeof id !== 'string' || id === '' || /^0+$/.test(id)) return null
  }
  return context
}

/**
 * Extract the span context of a consumed Kafka message with `tracer`
 * (through a {@link KafkaConsumerCarrier}). Returns `null` when the message
 * carries no valid context. Never throws, whatever the message or the tracer
 * does.
 *
 * @example
 * const parent = extractContext(tracer, message) // SpanContext | null
 * const span = tracer.startSpan('work', parent ? { references: [followsFrom(parent)] } : {})
 */
export function extractContext<C>(tracer: ExtractingTracer<C>, source: ConsumerSource | KafkaConsumerCarrier | unknown, options: ExtractOptions = {}): C | null {
  return extractWith(tracer, source, options, options.allowContainer === true)
}

/** `extractContext` with `allowContainer` passed apart (no per-message options spread). */
export function extractWith<C>(tracer: ExtractingTracer<C>, source: unknown, options: ExtractOptions, allowContainer: boolean): C | null {
  try {
    const carrier = source instanceof KafkaConsumerCarrier ? source : new KafkaConsumerCarrier(source, options)
    return usableContext(tracer.extract(options.format ?? FORMAT_TEXT_MAP, carrier), allowContainer)
  } catch {
    return null
  }
}
