// SPDX-License-Identifier: Apache-2.0
// Extra processes of the peers' `jaeger` binary for one test: a second
// `jaeger-ingester` peer (own run dir, ports, topic, group), or the binary run
// as a plain OpenTelemetry Collector with a config the test wrote. Both on
// 127.0.0.1, stopped by the test in a finally, plus a reader for their
// Prometheus metrics.
import { spawn } from 'node:child_process'
import { mkdtempSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { jaegerBinary } from '../../scripts/peers.mjs'
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

export interface JaegerProcess {
  /** Query API base URL (ingester only). */
  readonly queryUrl: string
  /** Prometheus text endpoint of the collector's own metrics. */
  readonly metricsUrl: string
  /** Where its output went. */
  readonly logFile: string
  /** Idempotent. */
  stop(): Promise<void>
}

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

/**
 * Run the peers' `jaeger` binary with `config` (YAML) as an OpenTelemetry
 * Collector; ready once `metricsUrl` (the config's own Prometheus reader)
 * answers. stop() sends SIGTERM and waits for the exit.
 */
export async function startCollector(config: string, metricsUrl: string): Promise<JaegerProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'jaeger-kafka-collector-'))
  const configFile = join(dir, 'config.yaml')
  const logFile = join(dir, 'output.log')
  writeFileSync(configFile, config)
  const out = openSync(logFile, 'a')
  // Jaeger traces itself over OTLP to localhost:4317 unless told not to.
  const child = spawn(jaegerBinary(), ['--config', configFile], { stdio: ['ignore', out, out], env: { ...process.env, OTEL_TRACES_EXPORTER: 'none', OTEL_SDK_DISABLED: 'true' } })
  closeSync(out)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  let alive = true
  void exited.then(() => (alive = false))
  const deadline = Date.now() + 60_000
  while (!(await answers(metricsUrl))) {
    if (!alive || Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`the collector (${jaegerBinary()}) did not answer on ${metricsUrl}; see ${logFile}`)
    }
    await new Promise((r) => setTimeout(r, 300))
  }
  return {
    queryUrl: '',
    metricsUrl,
    logFile,
    stop: async () => {
      if (alive) child.kill('SIGTERM')
      await exited
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) })
    await res.arrayBuffer()
    return res.status === 200
  } catch {
    return false
  }
}

/**
 * The sum of every sample of Prometheus metric `name` whose labels contain
 * `labelText` (default: all label sets), or undefined when the endpoint shows
 * no such sample (a counter not yet touched).
 */
export async function metricSum(metricsUrl: string, name: string, labelText = ''): Promise<number | undefined> {
  const res = await fetch(metricsUrl, { signal: AbortSignal.timeout(5000) })
  const text = await res.text()
  if (res.status !== 200) throw new Error(`GET ${metricsUrl} answered ${res.status}`)
  let sum: number | undefined
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)/.exec(line)
    if (m && m[1] === name && (m[2] ?? '').includes(labelText)) sum = (sum ?? 0) + Number(m[3])
  }
  return sum
}
