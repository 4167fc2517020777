#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// The one test command (`npm test`):
//   1. type check        tsc --noEmit
//   2. build             dist/esm + dist/cjs (the package and CLI tests need them)
//   3. unit tiers        test/unit on Node (tap), Deno and Bun
//   4. real peers        Kafka 3.9 + Kafka 4.x + Jaeger (+ kafka-secure, jaeger-ingester) started if not running
//   5. peer tiers        test/integration on Node, Deno and Bun; test/node (Node only);
//                        the smoke/sender/forwarder/outage files against Kafka 4.x;
//                        test/java (Java interop, tap on Node)
//   6. peers this run started are stopped again
//
// Every tier reports how many tests passed, failed and were skipped, and FAILS
// when fewer tests passed than its floor (FLOORS below): a tier cannot quietly
// run fewer tests than it should. Skipped tests count as not run.
// The last line is `N passed, N failed` (the whole run), which CI reads.
//
// Flags: --unit-only (tiers without peers), --skip-deno, --skip-bun,
//        --only=<words> (comma-separated; tiers whose name contains one, e.g.
//        --only=unit, --only=deno, --only=kafka4), --keep-peers
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { config as peersConfig, DEFAULT_PEERS, reset, start, status, stop } from './peers.mjs'

// Floors: the number of tests each tier must pass. Set to the counts of a full
// run; raise them when tests are added, never lower one to make a run pass.
export const FLOORS = {
  // tap's summary counts 2 more tests than Deno and Bun run: it counts
  // two test names with escaped characters (context-formats) twice.
  'unit (node)': 724,
  'unit (deno)': 722,
  'unit (bun)': 722,
  'integration (node)': 88,
  'node-only (node)': 37,
  'integration kafka4 (node)': 11,
  'java (node)': 9,
  'integration (deno)': 88,
  'integration (bun)': 88,
}

// What also runs against the Kafka 4.x broker: produce/consume smoke, the
// drop-in sender, sender → topic → forwarder → Jaeger, and a broker outage.
const KAFKA4_FILES = [
  'test/integration/smoke.test.ts',
  'test/integration/sender-kafka.test.ts',
  'test/integration/pipeline-jaeger.test.ts',
  'test/integration/sender-outage.test.ts',
]

const argv = process.argv.slice(2)
const args = new Set(argv)
const only = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',').filter(Boolean)
// Tests that stop or kill the peers (outages, crashes) always run here, whatever
// the environment says: every tier runs its files one at a time.
process.env.JAEGER_KAFKA_OUTAGE_TESTS = '1'
const inCI = Boolean(process.env.CI) && process.env.CI !== 'false'
const require = createRequire(import.meta.url)
/** Absolute path of a package's bin script, read from its package.json. */
function bin(pkg, name = pkg) {
  const manifest = require.resolve(`${pkg}/package.json`)
  const { bin: bins } = require(manifest)
  return join(dirname(manifest), typeof bins === 'string' ? bins : bins[name])
}

/** *.test.ts files below the given folders (tap needs explicit files for .ts). */
function testFiles(...dirs) {
  const found = []
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.name.endsWith('.test.ts')) found.push(path)
    }
  }
  for (const dir of dirs) if (existsSync(dir)) walk(dir)
  return found.sort()
}

// ---------------------------------------------------------------- summaries
// Each runner's own closing summary, read from its output (colours stripped).

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g
const num = (text, re) => {
  const m = re.exec(text)
  return m ? Number(m[1]) : 0
}

/** tap: the closing `# { total: 13, pass: 12, fail: 1, skip: 2, todo: 0 }` line. */
function tapCounts(out) {
  const lines = [...out.matchAll(/^# \{ total: \d+[^}\n]*\}$/gm)]
  if (!lines.length) return undefined
  const line = lines[lines.length - 1][0]
  return { passed: num(line, /\bpass: (\d+)/), failed: num(line, /\bfail: (\d+)/), skipped: num(line, /\bskip: (\d+)/) + num(line, /\btodo: (\d+)/) }
}

/** deno test: `ok | 10 passed | 0 failed | 2 ignored (3s)` (FAILED instead of ok on failure). */
function denoCounts(out) {
  const lines = [...out.matchAll(/^(?:ok|FAILED) \| \d+ passed.*$/gm)]
  if (!lines.length) return undefined
  const line = lines[lines.length - 1][0]
  return { passed: num(line, /(\d+) passed/), failed: num(line, /(\d+) failed/), skipped: num(line, /(\d+) ignored/) }
}

/** bun test: ` 10 pass`, ` 2 skip`, ` 0 fail` and `Ran 12 tests across 3 files.` */
function bunCounts(out) {
  if (!/^Ran \d+ tests? across/m.test(out)) return undefined
  return { passed: num(out, /^\s*(\d+) pass$/m), failed: num(out, /^\s*(\d+) fail$/m), skipped: num(out, /^\s*(\d+) skip$/m) + num(out, /^\s*(\d+) todo$/m) }
}

// ---------------------------------------------------------------- running

/** Run a command, streaming its output as it comes while keeping a copy. */
function runCapturing(cmd, argvList, env) {
  return new Promise((resolveRun) => {
    const child = spawn(cmd, argvList, { stdio: ['inherit', 'pipe', 'pipe'], env: { ...process.env, ...env } })
    let out = ''
    child.stdout.on('data', (chunk) => { process.stdout.write(chunk); out += chunk })
    child.stderr.on('data', (chunk) => { process.stderr.write(chunk); out += chunk })
    child.on('error', (error) => resolveRun({ code: null, signal: error.message, out }))
    child.on('close', (code, signal) => resolveRun({ code, signal, out }))
  })
}

const steps = []
const tiers = []

function step(name, cmd, argvList) {
  const began = Date.now()
  process.stderr.write(`\n[test] ${name}: ${cmd} ${argvList.join(' ')}\n`)
  const r = spawnSync(cmd, argvList, { stdio: 'inherit' })
  const ok = r.status === 0
  steps.push({ name, ok, seconds: (Date.now() - began) / 1000 })
  process.stderr.write(`[test] ${name}: ${ok ? 'ok' : `FAILED (exit ${r.status ?? r.signal})`}\n`)
}

const node = process.execPath
const tap = bin('tap')
const deno = bin('deno')
const bun = bin('bun')

/** The command line that runs `files`/`dirs` on a runner, and the parser for its summary. */
const RUNNERS = {
  tap: { counts: tapCounts, command: (t) => [node, [tap, '--reporter=base', ...(t.files ?? testFiles(t.dir))]] },
  deno: { counts: denoCounts, command: (t) => [node, [deno, 'test', '-A', '--no-check', t.dir]] },
  bun: { counts: bunCounts, command: (t) => [bun, ['test', '--timeout', '120000', `./${t.dir}/`]] },
}

async function runTier(t) {
  const floor = FLOORS[t.name]
  const record = { name: t.name, floor, passed: 0, failed: 0, skipped: 0, seconds: 0, ok: false, note: '' }
  tiers.push(record)
  const files = t.files ?? testFiles(t.dir)
  const missing = t.files ? t.files.filter((f) => !existsSync(f)) : files.length ? [] : [`${t.dir}/*.test.ts`]
  if (missing.length) {
    // A tier without its tests would pass with zero: in CI that is a failure.
    record.note = `no tests: ${missing.join(', ')} missing`
    record.missing = true
    record.ok = !inCI
    if (!inCI) record.note += ' (fails in CI)'
    process.stderr.write(`\n[test] ${t.name}: ${record.note}\n`)
    return
  }
  const [cmd, cmdArgs] = RUNNERS[t.runner].command(t)
  process.stderr.write(`\n[test] ${t.name}: ${cmd} ${cmdArgs.join(' ')}\n`)
  const began = Date.now()
  const r = await runCapturing(cmd, cmdArgs, t.env ?? {})
  record.seconds = (Date.now() - began) / 1000
  const counts = RUNNERS[t.runner].counts(r.out.replace(ANSI, '').replace(/\r/g, '\n'))
  const problems = []
  if (counts) Object.assign(record, counts)
  else problems.push('no test summary in its output')
  if (r.code !== 0) problems.push(`exit ${r.code ?? r.signal}`)
  if (record.failed > 0) problems.push(`${record.failed} failed`)
  if (floor === undefined) problems.push('no floor in scripts/test.mjs FLOORS')
  else if (record.passed < floor) problems.push(`${record.passed} passed, below the floor of ${floor}`)
  record.ok = problems.length === 0
  record.note = problems.join('; ')
  process.stderr.write(`[test] ${t.name}: ${record.ok ? 'ok' : `FAILED (${record.note})`}: ${record.passed} passed, ${record.failed} failed, ${record.skipped} skipped, floor ${floor}\n`)
}

// kafka-secure keeps its data (CA, users) between runs: certificates take seconds to make.
// jaeger-ingester reads from the kafka peer, so it starts after it.
const ALL_KAFKA_3 = [...DEFAULT_PEERS, 'kafka-secure', 'jaeger-ingester']
const TIERS = [
  { name: 'unit (node)', runner: 'tap', dir: 'test/unit' },
  { name: 'unit (deno)', runner: 'deno', dir: 'test/unit' },
  { name: 'unit (bun)', runner: 'bun', dir: 'test/unit' },
  { name: 'integration (node)', runner: 'tap', dir: 'test/integration', peers: ALL_KAFKA_3 },
  { name: 'node-only (node)', runner: 'tap', dir: 'test/node', peers: DEFAULT_PEERS },
  {
    name: 'integration kafka4 (node)',
    runner: 'tap',
    files: KAFKA4_FILES,
    peers: ['kafka4', 'jaeger'],
    env: { KAFKA_BROKERS: `127.0.0.1:${peersConfig.kafka4Port}`, JAEGER_KAFKA_BROKER_PEER: 'kafka4' },
  },
  { name: 'java (node)', runner: 'tap', dir: 'test/java', peers: DEFAULT_PEERS },
  { name: 'integration (deno)', runner: 'deno', dir: 'test/integration', peers: ALL_KAFKA_3 },
  { name: 'integration (bun)', runner: 'bun', dir: 'test/integration', peers: ALL_KAFKA_3 },
]

/** Why a tier does not run in this invocation (a flag), or undefined. */
function deselected(t) {
  if (only && !only.some((word) => t.name.includes(word))) return `not in --only=${only.join(',')}`
  if (args.has('--unit-only') && t.peers) return '--unit-only'
  if (args.has('--skip-deno') && t.runner === 'deno') return '--skip-deno'
  if (args.has('--skip-bun') && t.runner === 'bun') return '--skip-bun'
  return undefined
}

const selected = TIERS.filter((t) => deselected(t) === undefined)
const peersNeeded = [...new Set(selected.flatMap((t) => t.peers ?? []))]
let startedPeers = []
try {
  step('typecheck', node, [bin('typescript', 'tsc'), '-p', 'tsconfig.json'])
  step('build', node, ['scripts/build.mjs'])
  // tap compiles its configured plugin set (TS via tsx instead of its ts-node)
  // on first use; build it up front so a fresh install runs the tests, not a rebuild.
  step('tap plugins', node, [tap, 'build'])
  for (const t of selected.filter((x) => !x.peers)) await runTier(t)
  if (peersNeeded.length) {
    // Peers this run starts get a fresh data directory, so topics left by
    // earlier runs do not pile up; peers someone else runs are left alone.
    const before = await status(peersNeeded)
    reset(Object.keys(before).filter((name) => name !== 'kafka-secure' && !before[name].running))
    startedPeers = await start(peersNeeded)
    for (const t of selected.filter((x) => x.peers)) await runTier(t)
  }
} finally {
  if (startedPeers.length && !args.has('--keep-peers')) await stop(startedPeers)
}

const out = (line) => process.stderr.write(`${line}\n`)
out('\n[test] summary')
for (const s of steps) out(`  ${s.ok ? 'ok    ' : 'FAILED'} ${s.name} (${s.seconds.toFixed(1)} s)`)
out(`  ${'tier'.padEnd(27)} ${'passed'.padStart(6)} ${'failed'.padStart(6)} ${'skipped'.padStart(7)} ${'floor'.padStart(5)}`)
for (const t of tiers) {
  const cols = `${String(t.passed).padStart(6)} ${String(t.failed).padStart(6)} ${String(t.skipped).padStart(7)} ${String(t.floor ?? '-').padStart(5)}`
  out(`  ${t.name.padEnd(27)} ${cols}  ${t.ok ? (t.missing ? 'MISSING' : 'ok') : 'FAILED'}${t.note ? ` (${t.note})` : ''} ${t.seconds ? `${t.seconds.toFixed(1)} s` : ''}`)
}
for (const t of TIERS) {
  const why = deselected(t)
  if (why) out(`  ${t.name.padEnd(27)} not run (${why})`)
}
const passed = tiers.reduce((n, t) => n + t.passed, 0)
const failed = tiers.reduce((n, t) => n + t.failed, 0)
const anyFailed = steps.some((s) => !s.ok) || tiers.some((t) => !t.ok)
// The plain totals line, alone and last: CI reads it.
console.log(`${passed} passed, ${failed} failed`)
process.exitCode = anyFailed ? 1 : 0
