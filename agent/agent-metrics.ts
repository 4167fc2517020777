// SPDX-License-Identifier: Apache-2.0
/**
 * The agent's metrics (`jaeger_kafka_agent_*`) in the forwarder's registry
 * (Prometheus text): what arrived on each transport, what was refused and
 * why, what the kernel dropped before we could read it, and the delivery
 * engine's (KafkaSender's) counters, read from its stats at render time.
 * @module
 */
import { createMetricsRegistry } from '../forwarder/metrics-registry.ts'
import type { Counter, Labels, MetricsRegistry } from '../forwarder/metrics-registry.ts'
import type { KafkaSenderStats } from '../senders/sender-types.ts'

/** Where a batch came in: the UDP protocols or HTTP `/api/traces`. */
export type AgentTransport = 'compact' | 'binary' | 'http'

/** Counts per UDP protocol, for `stats()`. */
export interface DatagramCounts {
  received: number
  /** Datagrams that were not a valid `emitBatch`, by reason. */
  malformed: Record<string, number>
  /** Datagrams over the max packet size, dropped unread. */
  tooLarge: number
  /** Datagrams the kernel dropped on our socket (Linux `/proc/net/udp*` drops), when known. */
  kernelDrops?: number
}

/** A snapshot of the agent's own counters. */
export interface AgentMetricsSnapshot {
  datagrams: { compact: DatagramCounts; binary: DatagramCounts }
  /** Batches and spans decoded, by transport. */
  batches: Record<AgentTransport, number>
  spans: Record<AgentTransport, number>
  /** `/api/traces` responses by status code. */
  httpResponses: Record<string, number>
  /** Sampling requests by status code. */
  samplingResponses: Record<string, number>
}

/** The agent's instruments. */
export interface AgentMetrics {
  readonly registry: MetricsRegistry
  datagram(protocol: 'compact' | 'binary'): void
  malformed(protocol: 'compact' | 'binary', reason: string): void
  tooLarge(protocol: 'compact' | 'binary'): void
  batch(transport: AgentTransport, spans: number): void
  httpResponse(status: number): void
  samplingResponse(status: number): void
  /** The sampling provider's cumulative reloads and failed reloads of the strategies file. */
  samplingReloads(reloads: number, failures: number): void
  /** The receive buffer the kernel granted a UDP socket. */
  receiveBuffer(protocol: 'compact' | 'binary', bytes: number): void
  /** The kernel's cumulative drop count for a UDP socket. */
  kernelDrops(protocol: 'compact' | 'binary', drops: number): void
  setUp(up: boolean): void
  /** Prometheus text, with the sender's counters as of now (and its spool's, when it has one). */
  render(sender: Omit<KafkaSenderStats, 'spool'> & { spool?: object }): string
  snapshot(): AgentMetricsSnapshot
}

const P = 'jaeger_kafka_agent_'

function emptyDatagrams(): DatagramCounts {
  return { received: 0, malformed: {}, tooLarge: 0 }
}

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
}

/** Fresh agent metrics in their own registry. */
export function createAgentMetrics(): AgentMetrics {
  const registry = createMetricsRegistry()
  const datagrams = registry.counter(`${P}datagrams_received_total`, 'UDP datagrams read from the socket, valid or not, by protocol (compact 6831, binary 6832).', ['protocol'])
  const malformed = registry.counter(`${P}datagrams_malformed_total`, 'UDP datagrams that were not a valid Agent.emitBatch message, by protocol and reason; dropped.', ['protocol', 'reason'])
  const tooLarge = registry.counter(`${P}datagrams_too_large_total`, 'UDP datagrams over the max packet size (--processor.*.server-max-packet-size, default 65507 bytes), by protocol; dropped unread.', ['protocol'])
  const kernel = registry.counter(`${P}udp_kernel_drops_total`, 'Datagrams the kernel dropped on our UDP socket because its receive buffer was full (Linux /proc/net/udp drops column), by protocol.', ['protocol'])
  const buffer = registry.gauge(`${P}udp_receive_buffer_bytes`, 'Receive buffer the kernel granted each UDP socket (capped by net.core.rmem_max), by protocol.', ['protocol'])
  const batches = registry.counter(`${P}batches_received_total`, 'jaeger.thrift Batches decoded, by transport (compact, binary, http).', ['transport'])
  const spans = registry.counter(`${P}spans_received_total`, 'Spans in decoded Batches, by transport; each is then delivered or dropped (see spans_delivered_total, spans_dropped_total).', ['transport'])
  const http = registry.counter(`${P}http_responses_total`, 'POST /api/traces responses by status (202 safe in Kafka or the spool, 400 malformed, 413 too large, 503 not safe).', ['status'])
  const sampling = registry.counter(`${P}sampling_responses_total`, 'Sampling strategy requests by status.', ['status'])
  const samplingReloads = registry.counter(`${P}sampling_reloads_total`, 'Reloads of a changed sampling strategies file.')
  const samplingReloadFailures = registry.counter(`${P}sampling_reload_failures_total`, 'Changed sampling strategies files that could not be loaded; the last good strategies are still served.')
  const delivered = registry.counter(`${P}spans_delivered_total`, 'Spans the broker acknowledged, or (spool on) written to the spool, which replays them to Kafka.')
  const dropped = registry.counter(`${P}spans_dropped_total`, 'Spans not delivered, by reason (buffer_full, too_large, closed, encode_error).', ['reason'])
  const records = registry.counter(`${P}records_delivered_total`, 'Kafka records the broker acknowledged.')
  const failures = registry.counter(`${P}send_failures_total`, 'Produce calls that failed (retried with backoff).')
  const bufferedSpans = registry.gauge(`${P}buffered_spans`, 'Spans waiting for a broker acknowledgement (queued or in flight).')
  const bufferedBytes = registry.gauge(`${P}buffered_bytes`, 'Record bytes waiting for a broker acknowledgement (capped by JAEGER_KAFKA_MAX_BUFFERED_BYTES).')
  const spool = registry.gauge(`${P}spool`, 'Spool statistics when the spool is on, by stat (spooled, replayed, pending records/spans/bytes, dropped spans by reason, corrupt bytes, segments).', ['stat'])
  const up = registry.gauge(`${P}up`, '1 while the agent is running.')
  up.set({}, 0)

  const snap: AgentMetricsSnapshot = {
    datagrams: { compact: emptyDatagrams(), binary: emptyDatagrams() },
    batches: { compact: 0, binary: 0, http: 0 },
    spans: { compact: 0, binary: 0, http: 0 },
    httpResponses: {},
    samplingResponses: {},
  }
  // Counters that mirror cumulative values read elsewhere: increase by what is new.
  const last = new Map<Counter, Map<string, number>>()
  const mirror = (counter: Counter, labels: Labels, value: number): void => {
    let seen = last.get(counter)
    if (!seen) last.set(counter, (seen = new Map()))
    const key = JSON.stringify(labels)
    const delta = value - (seen.get(key) ?? 0)
    if (delta > 0) counter.inc(labels, delta)
    seen.set(key, Math.max(value, seen.get(key) ?? 0))
  }
  const flatten = (prefix: string, value: unknown, out: [string, number][]): void => {
    if (typeof value === 'number') out.push([prefix, value])
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) flatten(prefix ? `${prefix}_${snake(k)}` : snake(k), v, out)
  }

  return {
    registry,
    datagram(protocol) {
      datagrams.inc({ protocol })
      snap.datagrams[protocol].received++
    },
    malformed(protocol, reason) {
      malformed.inc({ protocol, reason })
      const counts = snap.datagrams[protocol].malformed
      counts[reason] = (counts[reason] ?? 0) + 1
    },
    tooLarge(protocol) {
      tooLarge.inc({ protocol })
      snap.datagrams[protocol].tooLarge++
    },
    batch(transport, count) {
      batches.inc({ transport })
      spans.inc({ transport }, count)
      snap.batches[transport]++
      snap.spans[transport] += count
    },
    httpResponse(status) {
      http.inc({ status: String(status) })
      snap.httpResponses[status] = (snap.httpResponses[status] ?? 0) + 1
    },
    samplingResponse(status) {
      sampling.inc({ status: String(status) })
      snap.samplingResponses[status] = (snap.samplingResponses[status] ?? 0) + 1
    },
    samplingReloads(reloads, failures) {
      mirror(samplingReloads, {}, reloads)
      mirror(samplingReloadFailures, {}, failures)
    },
    receiveBuffer(protocol, bytes) {
      buffer.set({ protocol }, bytes)
    },
    kernelDrops(protocol, drops) {
      mirror(kernel, { protocol }, drops)
      snap.datagrams[protocol].kernelDrops = drops
    },
    setUp(value) {
      up.set({}, value ? 1 : 0)
    },
    render(sender) {
      mirror(delivered, {}, sender.spansDelivered)
      for (const [reason, count] of Object.entries(sender.spansDropped)) mirror(dropped, { reason }, count)
      mirror(records, {}, sender.batchesDelivered)
      mirror(failures, {}, sender.sendFailures)
      bufferedSpans.set({}, sender.bufferedSpans)
      bufferedBytes.set({}, sender.bufferedBytes)
      if (sender.spool) {
        const stats: [string, number][] = []
        flatten('', sender.spool, stats)
        for (const [stat, value] of stats) spool.set({ stat }, value)
      }
      return registry.render()
    },
    snapshot() {
      return structuredClone(snap)
    },
  }
}
