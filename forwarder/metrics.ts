// SPDX-License-Identifier: Apache-2.0
/**
 * The forwarder's own metrics (`jaeger_kafka_forwarder_*`): records and spans
 * consumed and forwarded, POSTs by status with a latency histogram, retries,
 * dead-lettered records, commits, and per partition the committed offset,
 * high watermark and lag. Rendered as Prometheus text or read as a snapshot.
 * @module
 */
import { createMetricsRegistry } from './metrics-registry.ts'
import type { HistogramSnapshot, MetricsRegistry } from './metrics-registry.ts'

/** Live state of one assigned partition. */
export interface PartitionState {
  topic: string
  partition: number
  /** Records fetched but not started yet. */
  queued: number
  /** Records being POSTed or dead-lettered right now. */
  inFlight: number
  /** True while the partition waits out a backoff. */
  retrying: boolean
  /** True while fetching is paused for this partition (backpressure or stop). */
  paused: boolean
}

/** One partition in a metrics snapshot. */
export interface PartitionSnapshot extends PartitionState {
  /** Next offset the group will read (what was committed), as a decimal string. */
  committedOffset?: string
  /** Log end offset last seen, as a decimal string. */
  highWatermark?: string
  /** highWatermark − committedOffset, when both are known. */
  lag?: number
}

/** Everything `metrics()` reports. */
export interface ForwarderMetricsSnapshot {
  recordsConsumed: number
  spansConsumed: number
  recordsForwarded: number
  spansForwarded: number
  /** Spans forwarded, by record encoding (`jaeger_thrift`, `otlp_proto`, `jaeger_proto`). */
  spansForwardedByEncoding: Record<string, number>
  /** Spans an OTLP receiver accepted the request without (partial success), counted as dropped. */
  spansRejected: number
  /** POSTs by outcome label: HTTP status (`"202"`), `"timeout"`, `"network"`, `"aborted"`. */
  posts: Record<string, number>
  /** POSTs (any outcome) by the encoding of the records they carried; one POST may carry several records. */
  postsByEncoding: Record<string, number>
  retries: number
  /** Dead-lettered records by reason. */
  deadLettered: Record<string, number>
  deadLetterErrors: number
  commits: number
  commitErrors: number
  postLatencySeconds: HistogramSnapshot
  partitions: PartitionSnapshot[]
}

/** The forwarder's metric instruments. */
export interface ForwarderMetrics {
  readonly registry: MetricsRegistry
  /** Records fetched (`spans` 0) or spans of a validated record (`records` 0, with its encoding). */
  consumed(topic: string, partition: number, records: number, spans: number, encoding?: string): void
  /** A record was accepted; `encoding` defaults to `jaeger_thrift`. */
  forwarded(topic: string, partition: number, spans: number, encoding?: string): void
  /** Spans the OTLP receiver rejected in a 2xx answer (partial success), by encoding. */
  rejected(encoding: string, spans: number): void
  /** One POST's outcome; `encoding` (default `jaeger_thrift`) is that of the records it carried. */
  post(label: string, seconds: number, encoding?: string): void
  retry(label: string): void
  deadLettered(reason: string): void
  deadLetterError(): void
  commit(ok: boolean): void
  committed(topic: string, partition: number, offset: bigint): void
  highWatermark(topic: string, partition: number, offset: bigint): void
  /** Forget a partition that is no longer assigned. */
  forget(topic: string, partition: number): void
  /** Where render()/snapshot() read the live partition states from. */
  setPartitionSource(source: () => PartitionState[]): void
  setUp(up: boolean): void
  render(): string
  snapshot(): ForwarderMetricsSnapshot
}

/** Upper bounds (seconds) of the POST latency histogram. */
export const POST_LATENCY_BUCKETS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

const P = 'jaeger_kafka_forwarder_'

/** Fresh forwarder metrics in their own registry. */
export function createForwarderMetrics(): ForwarderMetrics {
  const registry = createMetricsRegistry()
  const tp = ['topic', 'partition'] as const
  const recordsConsumed = registry.counter(`${P}records_consumed_total`, 'Span-topic records fetched from Kafka.', tp)
  const tpe = ['topic', 'partition', 'encoding'] as const
  const spansConsumed = registry.counter(`${P}spans_consumed_total`, 'Spans in fetched records that our decoder accepted, by record encoding (counted when a record is validated, just before its first POST).', tpe)
  const recordsForwarded = registry.counter(`${P}records_forwarded_total`, 'Records the collector or OTLP receiver accepted (2xx), by record encoding.', tpe)
  const spansForwarded = registry.counter(`${P}spans_forwarded_total`, 'Spans in records the collector or OTLP receiver accepted (2xx), by record encoding; without the spans an OTLP partial success rejected.', tpe)
  const spansRejected = registry.counter(`${P}spans_rejected_total`, 'Spans an OTLP receiver answered 2xx for but rejected (partial success): dropped, not retried.', ['encoding'])
  const posts = registry.counter(`${P}posts_total`, 'POSTs to the collector by outcome: HTTP status, timeout, network or aborted.', ['status'])
  const postsByEncoding = registry.counter(`${P}posts_by_encoding_total`, 'POSTs to the collector or OTLP receiver (any outcome) by the encoding of the records they carried; one POST may carry several joined records.', ['encoding'])
  const latency = registry.histogram(`${P}post_duration_seconds`, 'Duration of POSTs to the collector.', POST_LATENCY_BUCKETS)
  const retries = registry.counter(`${P}retries_total`, 'Backoff steps taken after a retryable failure, by the failure (status, timeout, network, dead-letter).', ['cause'])
  const deadLettered = registry.counter(`${P}dead_lettered_total`, 'Records written to the dead-letter topic, by reason.', ['reason'])
  const deadLetterErrors = registry.counter(`${P}dead_letter_errors_total`, 'Failed produce calls to the dead-letter topic (retried).')
  const commits = registry.counter(`${P}commits_total`, 'Successful offset commits.')
  const commitErrors = registry.counter(`${P}commit_errors_total`, 'Failed offset commits (retried).')
  const committedGauge = registry.gauge(`${P}committed_offset`, 'Committed offset (next offset to read) per partition.', tp)
  const watermarkGauge = registry.gauge(`${P}high_watermark`, 'Log end offset per partition, as last seen.', tp)
  const lagGauge = registry.gauge(`${P}lag_records`, 'Records not yet committed: high watermark minus committed offset.', tp)
  const queuedGauge = registry.gauge(`${P}queued_records`, 'Fetched records waiting to be POSTed, per partition.', tp)
  const inFlightGauge = registry.gauge(`${P}in_flight_records`, 'Records being POSTed or dead-lettered, per partition.', tp)
  const retryingGauge = registry.gauge(`${P}partition_retrying`, '1 while the partition waits out a backoff.', tp)
  const up = registry.gauge(`${P}up`, '1 while the forwarder is running.')
  up.set({}, 0)

  const committed = new Map<string, { topic: string; partition: number; offset: bigint }>()
  const watermarks = new Map<string, bigint>()
  const key = (topic: string, partition: number): string => `${topic}\u0000${partition}`
  const labels = (topic: string, partition: number) => ({ topic, partition: String(partition) })
  let source: () => PartitionState[] = () => []
  let spanTotals = { consumed: 0, forwarded: 0, records: 0, recordsForwarded: 0 }
  const byLabel: Record<string, number> = {}
  const byEncoding: Record<string, number> = {}
  const dlqByReason: Record<string, number> = {}
  const forwardedByEncoding: Record<string, number> = {}
  let rejectedTotal = 0
  const totals = { retries: 0, deadLetterErrors: 0, commits: 0, commitErrors: 0 }

  const partitions = (): PartitionSnapshot[] => {
    const live = source()
    return live.map((state) => {
      const k = key(state.topic, state.partition)
      const snap: PartitionSnapshot = { ...state }
      const c = committed.get(k)?.offset
      const hw = watermarks.get(k)
      if (c !== undefined) snap.committedOffset = c.toString()
      if (hw !== undefined) snap.highWatermark = hw.toString()
      if (c !== undefined && hw !== undefined) snap.lag = Math.max(0, Number(hw - c))
      return snap
    })
  }

  return {
    registry,
    consumed(topic, partition, records, spans, encoding = 'jaeger_thrift') {
      if (records > 0) recordsConsumed.inc(labels(topic, partition), records)
      if (spans > 0) spansConsumed.inc({ ...labels(topic, partition), encoding }, spans)
      spanTotals.records += records
      spanTotals.consumed += spans
    },
    forwarded(topic, partition, spans, encoding = 'jaeger_thrift') {
      const l = { ...labels(topic, partition), encoding }
      recordsForwarded.inc(l)
      spansForwarded.inc(l, spans)
      forwardedByEncoding[encoding] = (forwardedByEncoding[encoding] ?? 0) + spans
      spanTotals.recordsForwarded++
      spanTotals.forwarded += spans
    },
    rejected(encoding, spans) {
      spansRejected.inc({ encoding }, spans)
      rejectedTotal += spans
    },
    post(label, seconds, encoding = 'jaeger_thrift') {
      posts.inc({ status: label })
      postsByEncoding.inc({ encoding })
      byLabel[label] = (byLabel[label] ?? 0) + 1
      byEncoding[encoding] = (byEncoding[encoding] ?? 0) + 1
      if (label !== 'aborted') latency.observe(seconds)
    },
    retry(label) {
      retries.inc({ cause: label })
      totals.retries++
    },
    deadLettered(reason) {
      deadLettered.inc({ reason })
      dlqByReason[reason] = (dlqByReason[reason] ?? 0) + 1
    },
    deadLetterError() {
      deadLetterErrors.inc()
      totals.deadLetterErrors++
    },
    commit(ok) {
      if (ok) {
        commits.inc()
        totals.commits++
      } else {
        commitErrors.inc()
        totals.commitErrors++
      }
    },
    committed(topic, partition, offset) {
      committed.set(key(topic, partition), { topic, partition, offset })
    },
    highWatermark(topic, partition, offset) {
      const k = key(topic, partition)
      const previous = watermarks.get(k)
      if (previous === undefined || offset > previous) watermarks.set(k, offset)
    },
    forget(topic, partition) {
      const k = key(topic, partition)
      committed.delete(k)
      watermarks.delete(k)
      for (const g of [committedGauge, watermarkGauge, lagGauge, queuedGauge, inFlightGauge, retryingGauge]) g.remove(labels(topic, partition))
    },
    setPartitionSource(next) {
      source = next
    },
    setUp(value) {
      up.set({}, value ? 1 : 0)
    },
    render() {
      for (const p of partitions()) {
        const l = labels(p.topic, p.partition)
        queuedGauge.set(l, p.queued)
        inFlightGauge.set(l, p.inFlight)
        retryingGauge.set(l, p.retrying ? 1 : 0)
        if (p.committedOffset !== undefined) committedGauge.set(l, Number(p.committedOffset))
        if (p.highWatermark !== undefined) watermarkGauge.set(l, Number(p.highWatermark))
        if (p.lag !== undefined) lagGauge.set(l, p.lag)
      }
      return registry.render()
    },
    snapshot() {
      return {
        recordsConsumed: spanTotals.records,
        spansConsumed: spanTotals.consumed,
        recordsForwarded: spanTotals.recordsForwarded,
        spansForwarded: spanTotals.forwarded,
        spansForwardedByEncoding: { ...forwardedByEncoding },
        spansRejected: rejectedTotal,
        posts: { ...byLabel },
        postsByEncoding: { ...byEncoding },
        retries: totals.retries,
        deadLettered: { ...dlqByReason },
        deadLetterErrors: totals.deadLetterErrors,
        commits: totals.commits,
        commitErrors: totals.commitErrors,
        postLatencySeconds: latency.snapshot(),
        partitions: partitions(),
      }
    },
  }
}
