// SPDX-License-Identifier: Apache-2.0
/**
 * jaeger-client's metrics factory interface and the reporter counters under
 * jaeger-client's own names, so the sender's numbers land next to the
 * tracer's in the same Prometheus (or other) backend.
 * @module
 */

/** A counter as jaeger-client's metrics factories create them. */
export interface Counter {
  increment(delta?: number): void
}

/** A gauge as jaeger-client's metrics factories create them. */
export interface Gauge {
  update(value: number): void
}

/** jaeger-client's `MetricsFactory` (e.g. its `PrometheusMetricsFactory`). */
export interface MetricsFactory {
  createCounter(name: string, tags?: Record<string, string>): Counter
  createGauge(name: string, tags?: Record<string, string>): Gauge
}

/** The counters `RemoteReporter` reads (`jaeger:reporter_spans{result}`, queue length gauge). */
export interface ReporterMetrics {
  reporterSuccess: Counter
  reporterFailure: Counter
  reporterDropped: Counter
  reporterQueueLength: Gauge
}

const noopCounter: Counter = { increment() {} }
const noopGauge: Gauge = { update() {} }

/** Build jaeger-client's reporter metrics from a factory (no-ops without one). */
export function reporterMetrics(factory?: MetricsFactory): ReporterMetrics {
  if (!factory) return { reporterSuccess: noopCounter, reporterFailure: noopCounter, reporterDropped: noopCounter, reporterQueueLength: noopGauge }
  return {
    reporterSuccess: factory.createCounter('jaeger:reporter_spans', { result: 'ok' }),
    reporterFailure: factory.createCounter('jaeger:reporter_spans', { result: 'err' }),
    reporterDropped: factory.createCounter('jaeger:reporter_spans', { result: 'dropped' }),
    reporterQueueLength: factory.createGauge('jaeger:reporter_queue_length'),
  }
}
