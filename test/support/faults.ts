// SPDX-License-Identifier: Apache-2.0
// Shared plumbing of the fault suite (test/integration/faults-*.test.ts):
// the switches (JAEGER_KAFKA_OUTAGE_TESTS, JAEGER_KAFKA_FAULTS_LONG), the one
// result line each scenario prints (`FAULT-RESULT {json}`, also appended to
// $JAEGER_KAFKA_FAULTS_RESULTS for scripts/test-faults.mjs), child processes
// run with the current runtime, and checking traces in the real Jaeger.
import { appendFileSync, readFileSync } from 'node:fs'
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import process from 'node:process'
import { runtime } from './harness.ts'
import { getTrace } from './peers.ts'

/** Fault tests stop/kill the shared peers: only with JAEGER_KAFKA_OUTAGE_TESTS=1 (files run serially). */
export const FAULTS_ENABLED = process.env.JAEGER_KAFKA_OUTAGE_TESTS === '1'
/** Long variants (minutes) with JAEGER_KAFKA_FAULTS_LONG=1. */
export const FAULTS_LONG = process.env.JAEGER_KAFKA_FAULTS_LONG === '1'
export const FAULTS_SKIP: string | false = FAULTS_ENABLED ? false : 'set JAEGER_KAFKA_OUTAGE_TESTS=1 (stops or kills the shared peers)'

/** One scenario's numbers, for bench/results/faults.md. */
export interface FaultResult {
  scenario: string
  load: string
  faults: string
  sent: number
  delivered: number
  duplicated: number
  droppedCounted: number
  drainSeconds: number | null
  notes?: string
}

/** Print the result line (and append it to $JAEGER_KAFKA_FAULTS_RESULTS when set). */
export function reportFault(result: FaultResult): void {
  const line = `FAULT-RESULT ${JSON.stringify({ runtime, long: FAULTS_LONG, ...result })}`
  console.log(line)
  const file = process.env.JAEGER_KAFKA_FAULTS_RESULTS
  if (file) appendFileSync(file, `${line}\n`)
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/**
 * `node scripts/peers.mjs <command> <peer>` without blocking the event loop;
 * `env` overrides (a private jaeger-ingester's run dir, topic and ports).
 */
export function peersAsync(command: 'start' | 'stop' | 'kill', name: 'kafka' | 'jaeger' | 'jaeger-ingester', env: Record<string, string> = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('node', ['scripts/peers.mjs', command, name], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...env } })
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`peers ${command} ${name} exited with ${code}`))))
  })
}

/** Start both peers (idempotent): every fault test ends with this in a finally block. */
export async function ensurePeersUp(): Promise<void> {
  await peersAsync('start', 'kafka')
  await peersAsync('start', 'jaeger')
}

/** The command that runs a TypeScript file with the current runtime. */
export function tsCommand(file: string, args: string[] = []): [string, string[]] {
  if (runtime === 'deno') return [process.execPath, ['run', '-A', file, ...args]]
  if (runtime === 'bun') return [process.execPath, [file, ...args]]
  return [process.execPath, ['--import', 'tsx', file, ...args]]
}

export interface Child {
  proc: ChildProcess
  /** Resolves when stdout contains `readyText`. */
  ready: Promise<void>
  exited: Promise<{ code: number | null; signal: string | null }>
  stdout: () => string
  stderr: () => string
}

/** Spawn a TypeScript file with the current runtime. */
export function startChild(file: string, env: Record<string, string>, args: string[] = [], readyText = 'ready'): Child {
  const [cmd, argv] = tsCommand(file, args)
  const proc = spawn(cmd, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  const ready = new Promise<void>((resolve, reject) => {
    proc.stdout!.on('data', (chunk: Uint8Array) => {
      out += new TextDecoder().decode(chunk)
      if (out.includes(readyText)) resolve()
    })
    proc.once('exit', (code) => reject(new Error(`child ${file} exited with ${code} before it was ready:\n${err}`)))
  })
  ready.catch(() => {})
  proc.stderr!.on('data', (chunk: Uint8Array) => {
    err += new TextDecoder().decode(chunk)
  })
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  )
  return { proc, ready, exited, stdout: () => out, stderr: () => err }
}

/** Send `signal`; SIGKILL after `graceMs`. Resolves with how the child ended. */
export async function stopChild(child: Child, signal: 'SIGTERM' | 'SIGKILL', graceMs = 15_000): Promise<{ code: number | null; signal: string | null }> {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return { code: child.proc.exitCode, signal: child.proc.signalCode }
  // process.kill, not child.proc.kill: Deno's child_process reports a child
  // that it signalled with .kill() as killed, even when the child exited 0.
  try {
    process.kill(child.proc.pid!, signal)
  } catch {
    // Exited in between.
  }
  const timer = setTimeout(() => child.proc.kill('SIGKILL'), graceMs)
  try {
    return await child.exited
  } finally {
    clearTimeout(timer)
  }
}

/** Resident set size of a process in bytes (Linux /proc), or undefined elsewhere. */
export function rssOf(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(status)
    return m ? Number(m[1]) * 1024 : undefined
  } catch {
    return undefined
  }
}

/**
 * Poll Jaeger's query API until every trace holds exactly `spans` spans
 * (`concurrency` GETs at a time). Resolves with the ids still incomplete at
 * the deadline; throws if a trace holds more spans than expected.
 */
export async function incompleteTraces(traceIds: readonly string[], spans: number | ((id: string) => number), timeoutMs = 60_000, concurrency = 16): Promise<string[]> {
  const expected = typeof spans === 'number' ? () => spans : spans
  let missing = [...traceIds]
  const deadline = Date.now() + timeoutMs
  while (missing.length > 0) {
    const still: string[] = []
    for (let i = 0; i < missing.length; i += concurrency) {
      const ids = missing.slice(i, i + concurrency)
      const traces = await Promise.all(ids.map((id) => getTrace(id).catch(() => undefined)))
      traces.forEach((trace, j) => {
        const id = ids[j]!
        const n = trace?.spans.length ?? 0
        if (n > expected(id)) throw new Error(`trace ${id} has ${n} spans in Jaeger, expected ${expected(id)}`)
        if (n < expected(id)) still.push(id)
      })
    }
    missing = still
    if (missing.length === 0 || Date.now() > deadline) break
    await sleep(500)
  }
  return missing
}
