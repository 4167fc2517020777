// SPDX-License-Identifier: Apache-2.0
// Extra processes of the peers' `jaeger` binary for one test: a second
// `jaeger-ingester` peer (own run dir, ports, topic, group), stopped by the
// test in a finally; and (re-exported from collector-process.ts) the binary
// run as a plain OpenTelemetry Collector, a Prometheus reader, a free port.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, metricSum } from './collector-process.ts'
import type { JaegerProcess } from './collector-process.ts'
import { peersAsync } from './faults.ts'

export { answers, freePort, metricSum, startCollector } from './collector-process.ts'
export type { JaegerProcess } from './collector-process.ts'

export interface PrivateIngester {
  readonly topic: string
  readonly groupId: string
  readonly queryUrl: string
  readonly metricsUrl: string
  /** Where its output goes. */
  readonly logFile: string
  /** Start (idempotent; resolves once its query API answers). */
  start(): Promise<void>
  /** SIGTERM (a clean shutdown), SIGKILL after 20 s. */
  stop(): Promise<void>
  /** SIGKILL: a crash. */
  kill(): Promise<void>
  /** Stop it and remove its run dir (idempotent). */
  close(): Promise<void>
  /** Sum of a Prometheus counter's samples whose labels contain `labelText` (0 while absent). */
  counter(name: string, labelText?: string): Promise<number>
}

/**
 * A `jaeger-ingester` peer (`scripts/peers.mjs … jaeger-ingester`) of a test's
 * own: kafka receiver (topic, encoding, group, default `<topic>-ingester`) →
 * memory store → its own query API, on free ports, in a fresh run dir, reading
 * the kafka peer. An outage test can stop or kill it without touching the
 * shared one, and its store starts empty. Not started yet.
 */
export async function privateIngester(topic: string, encoding: 'otlp_proto' | 'jaeger_proto', groupId = `${topic}-ingester`): Promise<PrivateIngester> {
  const runDir = mkdtempSync(join(tmpdir(), 'jaeger-kafka-ingester-'))
  const [queryPort, grpcPort, metricsPort] = [await freePort(), await freePort(), await freePort()]
  const env = {
    JAEGER_KAFKA_RUN_DIR: runDir,
    JAEGER_INGESTER_ENCODING: encoding,
    JAEGER_INGESTER_TOPIC: topic,
    JAEGER_INGESTER_GROUP_ID: groupId,
    JAEGER_INGESTER_QUERY_PORT: String(queryPort),
    JAEGER_INGESTER_QUERY_GRPC_PORT: String(grpcPort),
    JAEGER_INGESTER_METRICS_PORT: String(metricsPort),
  }
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`
  let closed = false
  return {
    topic,
    groupId,
    queryUrl: `http://127.0.0.1:${queryPort}`,
    metricsUrl,
    logFile: join(runDir, 'jaeger-ingester', 'output.log'),
    start: () => peersAsync('start', 'jaeger-ingester', env),
    stop: () => peersAsync('stop', 'jaeger-ingester', env),
    kill: () => peersAsync('kill', 'jaeger-ingester', env),
    close: async () => {
      if (closed) return
      closed = true
      try {
        await peersAsync('stop', 'jaeger-ingester', env)
      } finally {
        rmSync(runDir, { recursive: true, force: true })
      }
    },
    counter: async (name, labelText = '') => (await metricSum(metricsUrl, name, labelText)) ?? 0,
  }
}

/** A started private ingester (see privateIngester()); stop() also removes its run dir. */
export async function startIngester(options: { topic: string; encoding: 'otlp_proto' | 'jaeger_proto'; groupId: string }): Promise<JaegerProcess> {
  const ingester = await privateIngester(options.topic, options.encoding, options.groupId)
  try {
    await ingester.start()
  } catch (error) {
    await ingester.close()
    throw error
  }
  return { queryUrl: ingester.queryUrl, metricsUrl: ingester.metricsUrl, logFile: ingester.logFile, stop: ingester.close }
}
