// SPDX-License-Identifier: Apache-2.0
/**
 * `injectHeaders()`: write a span's context into a Kafka message, in place or
 * into a copy.
 * @module
 */
import { FORMAT_TEXT_MAP } from 'opentracing'
import type { PropagationFormat } from '../src/context/trace-context.ts'
import { KafkaProducerCarrier, completeFormats, looksLikeMessage, readOnlyError, readOnlyReason } from './producer-carrier.ts'
import type { ProducerTarget, TargetKind } from './types.ts'

/** Options of {@link injectHeaders}. */
export interface InjectOptions {
  /** OpenTracing format passed to `tracer.inject`. Default `FORMAT_TEXT_MAP`. */
  format?: string
  /**
   * Formats written beside the tracer's own, e.g. `['w3c']` adds
   * `traceparent` to jaeger-client's `uber-trace-id`. Default none.
   */
  formats?: readonly PropagationFormat[]
  /**
   * `true` (default): write into `target` and return it. `false`: leave
   * `target` untouched (it may be frozen) and return a traced shallow copy
   * (the message object and its headers container are new; values shared).
   */
  mutate?: boolean
  /** How to read an ambiguous target. Default `'auto'`. */
  kind?: TargetKind
}

/** The part of a tracer `injectHeaders` needs. */
export interface InjectingTracer {
  inject(spanContext: unknown, format: string, carrier: unknown): void
}

/**
 * A shallow copy of a message or headers container that a carrier may write
 * into without touching the original.
 */
export function copyTarget<T extends ProducerTarget>(target: T, kind: TargetKind = 'auto'): T {
  if (Array.isArray(target)) return target.slice() as T
  if (typeof target !== 'object' || target === null) return target
  const record = target as Record<string, unknown>
  const headers = record.headers
  const isMessage = kind === 'message' || (kind === 'auto' && looksLikeMessage(record))
  if (!isMessage) return { ...record } as T
  const copy: Record<string, unknown> = { ...record }
  if (Array.isArray(headers)) copy.headers = headers.slice()
  else if (typeof headers === 'object' && headers !== null) copy.headers = { ...headers }
  return copy as T
}

/**
 * Inject `spanOrContext` into a Kafka message with `tracer`, through a
 * {@link KafkaProducerCarrier}: a kafkajs message, a kafkajs headers object
 * or a node-rdkafka headers array. Returns the target (or, with
 * `mutate: false`, a traced copy). Injecting twice leaves one set of tracing
 * headers. A `null` span leaves the target as is.
 *
 * Throws `JaegerKafkaError` `READ_ONLY_CARRIER` for a frozen target unless
 * `mutate: false`, and `TypeError` for a target that is not a message or
 * headers; errors thrown by the tracer itself are passed on.
 *
 * @example
 * await producer.send({ topic, messages: [injectHeaders(tracer, span, { value: 'hi' })] })
 * const traced = injectHeaders(tracer, span, Object.freeze(message), { mutate: false, formats: ['w3c'] })
 */
export function injectHeaders<T extends ProducerTarget>(tracer: InjectingTracer, spanOrContext: unknown, target: T, options: InjectOptions = {}): T {
  const kind = options.kind ?? 'auto'
  const out = options.mutate === false ? copyTarget(target, kind) : target
  const carrier = new KafkaProducerCarrier(out, { formats: options.formats, kind })
  failIfReadOnly(carrier)
  if (spanOrContext === null || spanOrContext === undefined) return out
  tracer.inject(contextOf(spanOrContext), options.format ?? FORMAT_TEXT_MAP, carrier)
  completeFormats(carrier)
  failIfReadOnly(carrier)
  return out
}

/** The carrier itself never throws (it runs inside tracers); this explicit call does. */
function failIfReadOnly(carrier: KafkaProducerCarrier): void {
  const what = readOnlyReason(carrier)
  if (what !== null) throw readOnlyError(what)
}

/** A span's context, or the value itself when it is not a span. */
export function contextOf(spanOrContext: unknown): unknown {
  const candidate = spanOrContext as { context?: unknown }
  return typeof candidate === 'object' && candidate !== null && typeof candidate.context === 'function'
    ? (candidate.context as () => unknown).call(candidate)
    : spanOrContext
}
