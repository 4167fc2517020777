// SPDX-License-Identifier: Apache-2.0
/**
 * Tracing must never break the business path: a tracer whose `startSpan`,
 * `inject`, `setTag` or `finish` throws is logged, and the message is still
 * sent / the handler still runs (untraced, with a no-op span).
 * @module
 */
import { Span as NoopSpan } from 'opentracing'

/** Where the span helpers report a tracer failure. Default: `console`. */
export interface TracingLogger {
  error(message: string): void
}

/** Log one tracer failure; a logger that throws is ignored too. */
export function reportTracingError(logger: TracingLogger | undefined, what: string, error: unknown): void {
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
  try {
    ;(logger ?? console).error(`jaeger-kafka: ${what} failed (${reason}); the message goes on without this tracing`)
  } catch {
    // Nothing left to tell.
  }
}

/** Run a tracer call; a throw is reported, not passed on. */
export function guarded(logger: TracingLogger | undefined, what: string, call: () => void): void {
  try {
    call()
  } catch (error) {
    reportTracingError(logger, what, error)
  }
}

/**
 * opentracing's no-op span, standing in when the tracer could not start one,
 * so handlers that receive a span keep working.
 */
export function noopSpan<S>(): S {
  return new NoopSpan() as unknown as S
}
