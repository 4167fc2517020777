// SPDX-License-Identifier: Apache-2.0
// The peers' `jaeger` binary run as a plain OpenTelemetry Collector with a
// config the caller wrote, on 127.0.0.1, plus a reader for Prometheus
// metrics and a free-port finder. No test runner here: benchmarks import it
// too (test/support/jaeger-process.ts re-exports it for the tests).
import { spawn } from 'node:child_process'
import { mkdtempSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { jaegerBinary } from '../../scripts/peers.mjs'

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

/** True once GET `url` answers 200 (2 s timeout per try). */
export async function answers(url: string): Promise<boolean> {
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
