#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// The one test command (`npm test`):
//   1. type check        tsc --noEmit
//   2. build             dist/esm + dist/cjs (the package test needs them)
//   3. unit tests        tap on Node
//   4. real peers        Kafka + Jaeger started if not running
//   5. integration       tap on Node (test/integration, test/node)
//   6. runtime suite     the same unit + integration files on Deno and on Bun
//   7. peers this run started are stopped again
// Flags: --skip-deno, --skip-bun, --unit-only, --keep-peers
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { DEFAULT_PEERS, reset, start, status, stop } from './peers.mjs'

const args = new Set(process.argv.slice(2))
// Tests that stop or kill the shared peers (outages, crashes) run because every
// suite here runs its files one at a time.
process.env.JAEGER_KAFKA_OUTAGE_TESTS ??= '1'
const require = createRequire(import.meta.url)
/** Absolute path of a package's bin script, read from its package.json. */
function bin(pkg, name = pkg) {
  const manifest = require.resolve(`${pkg}/package.json`)
  const { bin: bins } = require(manifest)
  return join(dirname(manifest), typeof bins === 'string' ? bins : bins[name])
}
const results = []

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
  for (const dir of dirs) walk(dir)
  return found.sort()
}

function step(name, cmd, argv, env = {}) {
  const began = Date.now()
  process.stderr.write(`\n[test] ${name}: ${cmd} ${argv.join(' ')}\n`)
  const r = spawnSync(cmd, argv, { stdio: 'inherit', env: { ...process.env, ...env } })
  const ok = r.status === 0
  results.push({ name, ok, seconds: (Date.now() - began) / 1000 })
  process.stderr.write(`[test] ${name}: ${ok ? 'ok' : `FAILED (exit ${r.status ?? r.signal})`} in ${((Date.now() - began) / 1000).toFixed(1)} s\n`)
  return ok
}

const node = process.execPath
const tap = bin('tap')
const deno = bin('deno')
const bun = bin('bun')

let startedPeers = []
try {
  step('typecheck', node, [bin('typescript', 'tsc'), '-p', 'tsconfig.json'])
  step('build', node, ['scripts/build.mjs'])
  // tap compiles its configured plugin set (TS via tsx instead of its ts-node)
  // on first use; build it up front so a fresh install runs the tests, not a rebuild.
  step('tap plugins', node, [tap, 'build'])
  step('unit (node)', node, [tap, '--reporter=base', ...testFiles('test/unit')])
  if (!args.has('--unit-only')) {
    // Peers this run starts get a fresh data directory, so topics left by
    // earlier runs do not pile up; peers someone else runs are left alone.
    const before = await status()
    reset(Object.keys(before).filter((name) => !before[name].running))
    // kafka-secure keeps its data (CA, users) between runs: certificates take seconds to make.
    startedPeers = await start([...DEFAULT_PEERS, 'kafka-secure'])
    step('integration (node)', node, [tap, '--reporter=base', ...testFiles('test/integration', 'test/node')])
  }
  const suites = args.has('--unit-only') ? ['test/unit'] : ['test/unit', 'test/integration']
  if (!args.has('--skip-deno')) step('runtime suite (deno)', node, [deno, 'test', '-A', '--no-check', ...suites])
  if (!args.has('--skip-bun')) step('runtime suite (bun)', bun, ['test', '--timeout', '120000', ...suites.map((s) => `./${s}/`)])
} finally {
  if (startedPeers.length && !args.has('--keep-peers')) await stop(startedPeers)
}

process.stderr.write('\n[test] summary\n')
for (const r of results) process.stderr.write(`  ${r.ok ? 'ok    ' : 'FAILED'} ${r.name} (${r.seconds.toFixed(1)} s)\n`)
const failed = results.filter((r) => !r.ok).length
process.exitCode = failed ? 1 : 0
