// SPDX-License-Identifier: Apache-2.0
// `npx jaeger-kafka` in the checkout runs the built CLI (package.json "bin").
// tsc writes files without the execute bit; scripts/build.mjs sets it, else
// npx fails with "Permission denied". Node only: it needs the dist/ build,
// which `npm test` makes before this tier.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { test } from '../support/harness.ts'

const ROOT = resolve(import.meta.dirname ?? '.', '../..')
const BINS = ['dist/esm/cli/bin.js', 'dist/cjs/cli/bin.js']

test('after a build, the CLI entry files are executable', () => {
  const present = BINS.filter((file) => existsSync(join(ROOT, file)))
  assert.ok(present.includes('dist/esm/cli/bin.js'), 'dist/esm/cli/bin.js exists (run `npm run build` first)')
  for (const file of present) {
    const mode = statSync(join(ROOT, file)).mode
    assert.equal(mode & 0o111, 0o111, `${file} has its execute bits (mode ${(mode & 0o777).toString(8)})`)
  }
})

test('`npx jaeger-kafka --help` in the checkout prints the commands', () => {
  // npx resolves the checkout's own "bin" and executes the file directly.
  const out = execFileSync('npx', ['--no-install', 'jaeger-kafka', '--help'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  assert.match(out, /^Usage: jaeger-kafka <command> \[flags\]/m)
  assert.match(out, /^\s+forward\s+drain the span topic into the Jaeger collector/m)
  assert.match(out, /^\s+inspect\s+print the spans held in the records of a span topic/m)
})
