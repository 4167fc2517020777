// SPDX-License-Identifier: Apache-2.0
// A jaeger-ingester peer of a test's own (scripts/peers.mjs with its own run
// dir, topic, consumer group and ports): an outage test can stop or kill it
// without touching the shared one, and its memory store starts empty.
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { peersAsync } from './faults.ts'

/** A port nobody listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

export interface PrivateIngester {
  readonly topic: string
  readonly groupId: string
  readonly queryUrl: string
  readonly metricsUrl: string
  /** Start (idempotent; resolves once its query API answers). */
  start(): Promise<void>
  /** SIGTERM (a clean shutdown), SIGKILL after 20 s. */
  stop(): Promise<void>
  /** SIGKILL: a crash. */
  kill(): Promise<void>
  /** Stop it and remove its run dir. */
  close(): Promise<void>
  /** Sum of a Prometheus counter's samples whose labels contain `labelText` (0 while absent). */
  counter(name: string, labelText?: string): Promise<number>
}

/** A private Jaeger Kafka ingester reading `topic` (`encoding`) from the kafka peer; not started yet. */
export async function privateIngester(topic: string, encoding: 'otlp_proto' | 'jaeger_proto'): Promise<PrivateIngester> {
  const runDir = mkdtempSync(join(tmpdir(), 'jaeger-kafka-ingester-'))
  const [queryPort, grpcPort, metricsPort] = [await freePort(), await freePort(), await freePort()]
  const groupId = `${topic}-ingester`
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
  return {
    topic,
    groupId,
    queryUrl: `http://127.0.0.1:${queryPort}`,
    metricsUrl,
    start: () => peersAsync('start', 'jaeger-ingester', env),
    stop: () => peersAsync('stop', 'jaeger-ingester', env),
    kill: () => peersAsync('kill', 'jaeger-ingester', env),
    close: async () => {
      await peersAsync('stop', 'jaeger-ingester', env)
      rmSync(runDir, { recursive: true, force: true })
    },
    counter: async (name, labelText = '') => {
      const res = await fetch(metricsUrl, { signal: AbortSignal.timeout(5000) })
      if (res.status !== 200) throw new Error(`GET ${metricsUrl} answered ${res.status}`)
      let sum = 0
      for (const line of (await res.text()).split('\n')) {
        if ((line.startsWith(`${name}{`) || line.startsWith(`${name} `)) && line.includes(labelText)) sum += Number(line.slice(line.lastIndexOf(' ') + 1))
      }
      return sum
    },
  }
}
