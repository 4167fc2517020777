// SPDX-License-Identifier: Apache-2.0
// The conditions line every bench/results/ table starts with: runtime and its
// version, Kafka and Jaeger versions of the peers, machine load (`uptime`'s
// 1/5/15-minute load averages, at the start and the end of the run), CPU model
// and date. Works on Node, Deno and Bun (node: built-ins only).
import { existsSync, readFileSync } from 'node:fs'
import { cpus, homedir, loadavg } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'

export type RuntimeName = 'node' | 'deno' | 'bun'

const globals = globalThis as { Deno?: { version: { deno: string; v8: string } }; Bun?: { version: string } }

/** Which runtime runs this file. */
export const RUNTIME: RuntimeName = globals.Deno ? 'deno' : globals.Bun ? 'bun' : 'node'

/** "node v20.20.2", "deno 2.9.1 (V8 …)", "bun 1.4.0" — Deno's and Bun's `process.version` is their Node-compat level, not their own. */
export function runtimeVersion(): string {
  if (globals.Deno) return `deno ${globals.Deno.version.deno} (V8 ${globals.Deno.version.v8})`
  if (globals.Bun) return `bun ${globals.Bun.version}`
  return `node ${process.version}`
}

/** `uptime`'s load averages, "1.23 / 0.98 / 0.50" (1 / 5 / 15 min). */
export function loadNow(): string {
  return loadavg()
    .map((n) => n.toFixed(2))
    .join(' / ')
}

/** The command line of a peer started by scripts/peers.mjs (Linux /proc), or undefined. */
function peerCommandLine(name: 'kafka' | 'jaeger'): string | undefined {
  const runDir = process.env.JAEGER_KAFKA_RUN_DIR ?? join(homedir(), '.cache', 'jaeger-kafka', 'run')
  try {
    const pid = readFileSync(join(runDir, name, 'pid'), 'utf8').trim()
    const file = `/proc/${pid}/cmdline`
    return existsSync(file) ? readFileSync(file, 'utf8').replaceAll('\u0000', ' ') : undefined
  } catch {
    return undefined
  }
}

/** Kafka version of the running peer (from its classpath), e.g. "Kafka 3.9.2". */
export function kafkaVersion(): string {
  const v = peerCommandLine('kafka')?.match(/kafka-(\d+\.\d+\.\d+)\//)?.[1] ?? process.env.KAFKA_VERSION
  return v ? `Kafka ${v}` : 'Kafka (version unknown)'
}

/** Jaeger version of the running peer (from its binary name), e.g. "Jaeger v1.76.0 module (= v2.13.0)". */
export function jaegerVersion(): string {
  const v = peerCommandLine('jaeger')?.match(/jaeger-(v\d+\.\d+\.\d+)/)?.[1]
  return v ? `Jaeger ${v} module (Jaeger v2 binary, memory store)` : 'Jaeger (version unknown)'
}

/** Captures the load at the start of a run; `line()` gives the header line at the end. */
export function startConditions(uses: { kafka?: boolean; jaeger?: boolean } = {}): { line(): string } {
  const loadStart = loadNow()
  const started = new Date()
  return {
    line() {
      const parts = [started.toISOString().slice(0, 16).replace('T', ' ') + ' UTC', runtimeVersion()]
      if (uses.kafka) parts.push(kafkaVersion())
      if (uses.jaeger) parts.push(jaegerVersion())
      parts.push(`${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}`)
      parts.push(`load (uptime 1/5/15 min) at start ${loadStart}, at end ${loadNow()}`)
      const note = process.env.BENCH_LOAD_NOTE
      return `Conditions: ${parts.join('; ')}.${note ? ` **${note}**` : ''}`
    },
  }
}
