// SPDX-License-Identifier: Apache-2.0
// Node-only: the Go reference decoder (scripts/jaeger-peer/refdecode), built on
// demand into ~/.cache/jaeger-kafka/refdecode with the exact module versions of
// our Jaeger build (scripts/jaeger-peer/go.mod), -trimpath like that build so
// the Go build cache is shared. No Go toolchain → a clear failure, never a skip.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const PEER_MODULE = join(dirname(fileURLToPath(import.meta.url)), '../../scripts/jaeger-peer')
const SOURCE = join(PEER_MODULE, 'refdecode/main.go')
export const REFDECODE_BINARY = join(process.env.JAEGER_KAFKA_CACHE ?? join(homedir(), '.cache/jaeger-kafka'), 'refdecode')

export type RefEncoding = 'otlp_proto' | 'jaeger_proto' | 'jaeger_thrift'

/** Build the reference tool unless an up-to-date binary is there. */
export function ensureRefdecode(): string {
  const fresh = existsSync(REFDECODE_BINARY) && statSync(REFDECODE_BINARY).mtimeMs >= statSync(SOURCE).mtimeMs
  if (fresh) return REFDECODE_BINARY
  mkdirSync(dirname(REFDECODE_BINARY), { recursive: true })
  const build = spawnSync('go', ['build', '-trimpath', '-o', REFDECODE_BINARY, './refdecode'], {
    cwd: PEER_MODULE,
    env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=readonly' },
    encoding: 'utf8',
    timeout: 15 * 60_000,
  })
  if (build.error || build.status !== 0) {
    throw new Error(`Building the Go reference decoder failed (needs Go, as the Jaeger peer does): ${build.error?.message ?? build.stderr}`)
  }
  return REFDECODE_BINARY
}

/** Decode records with the reference tool: one parsed JSON result per record, in order. */
export function refdecode(records: readonly { encoding: RefEncoding; bytes: Uint8Array }[]): Record<string, unknown>[] {
  const binary = ensureRefdecode()
  const input = records.map((record) => `${record.encoding} ${Buffer.from(record.bytes).toString('base64')}\n`).join('')
  const run = spawnSync(binary, [], { input, encoding: 'utf8', maxBuffer: 512 << 20, timeout: 120_000 })
  if (run.error || run.status !== 0) throw new Error(`refdecode failed: ${run.error?.message ?? run.stderr}`)
  const lines = run.stdout.trim().split('\n')
  if (lines.length !== records.length) throw new Error(`refdecode answered ${lines.length} lines for ${records.length} records`)
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>)
}
