#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// Builds the npm package: ESM (dist/esm) and CommonJS (dist/cjs) JavaScript
// with .d.ts, from the same erasable TypeScript sources Deno and Bun run directly.
import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc')
rmSync('dist', { recursive: true, force: true })
for (const project of ['tsconfig.build.json', 'tsconfig.cjs.json']) {
  const r = spawnSync(process.execPath, [tsc, '-p', project], { stdio: 'inherit' })
  if (r.status !== 0) process.exit(r.status ?? 1)
}
// Inside a "type": "module" package, .js files are ESM unless told otherwise.
mkdirSync('dist/cjs', { recursive: true })
writeFileSync('dist/cjs/package.json', '{ "type": "commonjs" }\n')
// tsc writes files without the execute bit; `npx jaeger-kafka` (package.json
// "bin") runs the file directly, so without it: "Permission denied".
for (const binFile of ['dist/esm/cli/bin.js', 'dist/cjs/cli/bin.js']) {
  if (existsSync(binFile)) chmodSync(binFile, 0o755)
}
