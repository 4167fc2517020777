// SPDX-License-Identifier: Apache-2.0
/**
 * A minimal metrics registry (counters, gauges, histograms with labels) that
 * renders the Prometheus text exposition format 0.0.4. Web-standard code
 * only; no client library needed.
 * @module
 */

/** Label values by label name. */
export type Labels = Readonly<Record<string, string>>

/** A monotonically increasing value per label set. */
export interface Counter {
  inc(labels?: Labels, value?: number): void
  get(labels?: Labels): number
}

/** A value that goes up and down per label set. */
export interface Gauge {
  set(labels: Labels, value: number): void
  remove(labels: Labels): void
  get(labels: Labels): number | undefined
}

/** Cumulative bucket counts of a histogram. */
export interface HistogramSnapshot {
  count: number
  sum: number
  /** Cumulative counts per upper bound, `+Inf` last. */
  buckets: { le: number; count: number }[]
}

/** Observations sorted into fixed buckets. */
export interface Histogram {
  observe(value: number, labels?: Labels): void
  snapshot(labels?: Labels): HistogramSnapshot
}

/** Where metrics are declared and rendered. */
export interface MetricsRegistry {
  counter(name: string, help: string, labelNames?: readonly string[]): Counter
  gauge(name: string, help: string, labelNames?: readonly string[]): Gauge
  histogram(name: string, help: string, buckets: readonly number[], labelNames?: readonly string[]): Histogram
  /** Every metric in the Prometheus text format (ends with a newline). */
  render(): string
}

/** `Content-Type` of `render()`'s output. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/

/** A sample value as Prometheus writes it. */
export function formatValue(value: number): string {
  if (value === Infinity) return '+Inf'
  if (value === -Infinity) return '-Inf'
  if (Number.isNaN(value)) return 'NaN'
  return String(value)
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')
}

interface Series<T> {
  labels: Labels
  value: T
}

function labelKey(labelNames: readonly string[], labels: Labels | undefined): string {
  return labelNames.map((n) => labels?.[n] ?? '').join('\u0000')
}

function renderLabels(labels: Labels, extra?: [string, string]): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`)
  if (extra) parts.push(`${extra[0]}="${escapeLabel(extra[1])}"`)
  return parts.length === 0 ? '' : `{${parts.join(',')}}`
}

function pick(labelNames: readonly string[], labels: Labels | undefined): Labels {
  const out: Record<string, string> = {}
  for (const name of labelNames) out[name] = labels?.[name] ?? ''
  return out
}

/** An empty registry. */
export function createMetricsRegistry(): MetricsRegistry {
  const renderers: (() => string)[] = []
  const names = new Set<string>()

  const declare = (name: string, labelNames: readonly string[]): void => {
    if (!NAME.test(name)) throw new TypeError(`Cannot declare metric ${name}: invalid name`)
    if (names.has(name)) throw new TypeError(`Cannot declare metric ${name}: already declared`)
    for (const label of labelNames) if (!LABEL.test(label) || label === 'le') throw new TypeError(`Cannot declare metric ${name}: invalid label name ${label}`)
    names.add(name)
  }
  const header = (name: string, help: string, type: string): string => `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`

  return {
    counter(name, help, labelNames = []) {
      declare(name, labelNames)
      const series = new Map<string, Series<number>>()
      renderers.push(() => {
        let out = header(name, help, 'counter')
        // A label-less counter is always shown, starting at 0.
        if (labelNames.length === 0 && series.size === 0) out += `${name} 0\n`
        for (const s of series.values()) out += `${name}${renderLabels(s.labels)} ${formatValue(s.value)}\n`
        return out
      })
      return {
        inc(labels, value = 1) {
          if (!(value >= 0)) throw new RangeError(`Cannot increase counter ${name} by ${value}`)
          const key = labelKey(labelNames, labels)
          const s = series.get(key)
          if (s) s.value += value
          else series.set(key, { labels: pick(labelNames, labels), value })
        },
        get(labels) {
          return series.get(labelKey(labelNames, labels))?.value ?? 0
        },
      }
    },
    gauge(name, help, labelNames = []) {
      declare(name, labelNames)
      const series = new Map<string, Series<number>>()
      renderers.push(() => {
        let out = header(name, help, 'gauge')
        for (const s of series.values()) out += `${name}${renderLabels(s.labels)} ${formatValue(s.value)}\n`
        return out
      })
      return {
        set(labels, value) {
          const key = labelKey(labelNames, labels)
          const s = series.get(key)
          if (s) s.value = value
          else series.set(key, { labels: pick(labelNames, labels), value })
        },
        remove(labels) {
          series.delete(labelKey(labelNames, labels))
        },
        get(labels) {
          return series.get(labelKey(labelNames, labels))?.value
        },
      }
    },
    histogram(name, help, buckets, labelNames = []) {
      declare(name, labelNames)
      const bounds = [...buckets].sort((a, b) => a - b)
      if (bounds.some((b) => !Number.isFinite(b))) throw new TypeError(`Cannot declare histogram ${name}: bucket bounds must be finite`)
      const series = new Map<string, Series<{ counts: number[]; count: number; sum: number }>>()
      const get = (labels: Labels | undefined) => {
        const key = labelKey(labelNames, labels)
        let s = series.get(key)
        if (!s) {
          s = { labels: pick(labelNames, labels), value: { counts: bounds.map(() => 0), count: 0, sum: 0 } }
          series.set(key, s)
        }
        return s
      }
      const snapshotOf = (value: { counts: number[]; count: number; sum: number }): HistogramSnapshot => ({
        count: value.count,
        sum: value.sum,
        buckets: [...bounds.map((le, i) => ({ le, count: value.counts[i]! })), { le: Infinity, count: value.count }],
      })
      if (labelNames.length === 0) get(undefined)
      renderers.push(() => {
        let out = header(name, help, 'histogram')
        for (const s of series.values()) {
          const snap = snapshotOf(s.value)
          for (const b of snap.buckets) out += `${name}_bucket${renderLabels(s.labels, ['le', formatValue(b.le)])} ${b.count}\n`
          out += `${name}_sum${renderLabels(s.labels)} ${formatValue(snap.sum)}\n`
          out += `${name}_count${renderLabels(s.labels)} ${snap.count}\n`
        }
        return out
      })
      return {
        observe(value, labels) {
          const s = get(labels).value
          s.count++
          s.sum += value
          // Cumulative: every bucket whose bound the value does not exceed.
          for (let i = 0; i < bounds.length; i++) if (value <= bounds[i]!) s.counts[i]!++
        },
        snapshot(labels) {
          return snapshotOf(get(labels).value)
        },
      }
    },
    render() {
      return renderers.map((r) => r()).join('')
    },
  }
}
