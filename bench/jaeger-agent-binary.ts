// SPDX-License-Identifier: Apache-2.0
// The benchmark's anchor: the real jaeger-agent, built with `go build` from the
// Go module proxy at v1.62.0, the newest jaeger module version the proxy serves
// that still has cmd/agent (the agent left Jaeger after it; v1.76.0 has none).
// Our module (bench/jaeger-agent/go.mod + go.sum) pins every dependency, as
// scripts/jaeger-peer does for the `jaeger` peer; the binary is cached in
// ~/.cache/jaeger-kafka/jaeger-agent/ like the peers' binaries. Bench-only.
//
//   npx tsx bench/jaeger-agent-binary.ts   (prints the binary's path, building it first if needed)
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, renameSync } from 'node:fs'
import { dirname, join } from 'node:path'
import process from 'node:process'
import { fileURLToPath } from 'node:url'
import { jaegerBinary } from '../scripts/peers.mjs'

export const JAEGER_AGENT_MODULE_VERSION = 'v1.62.0'
const HERE = dirname(fileURLToPath(import.meta.url))
// The peers' cache (~/.cache/jaeger-kafka or JAEGER_KAFKA_CACHE): where the `jaeger` binary's directory is.
const CACHE_DIR = dirname(dirname(jaegerBinary()))

export function jaegerAgentBinary(): string {
  return join(CACHE_DIR, 'jaeger-agent', `jaeger-agent-${JAEGER_AGENT_MODULE_VERSION}`)
}

/** Build the binary unless it is cached; returns its path. Minutes on a cold module cache, seconds on a warm one. */
export function provisionJaegerAgent(): string {
  const binary = jaegerAgentBinary()
  if (existsSync(binary)) return binary
  const buildDir = join(CACHE_DIR, 'jaeger-agent-build')
  mkdirSync(buildDir, { recursive: true })
  mkdirSync(dirname(binary), { recursive: true })
  for (const file of ['go.mod', 'go.sum']) copyFileSync(join(HERE, 'jaeger-agent', file), join(buildDir, file))
  process.stderr.write(`[jaeger-agent] building github.com/jaegertracing/jaeger/cmd/agent@${JAEGER_AGENT_MODULE_VERSION} from the Go module proxy\n`)
  // Our own partial file (pid in the name): two builds at once never rename each other's half-written binary.
  const partial = `${binary}.${process.pid}.tmp`
  const r = spawnSync('nice', ['-n', '10', 'go', 'build', '-trimpath', '-ldflags=-s -w', '-o', partial, 'github.com/jaegertracing/jaeger/cmd/agent'], {
    cwd: buildDir,
    stdio: 'inherit',
    env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=readonly' },
  })
  if (r.error) throw new Error(`go build failed to start (${r.error.message}); Go 1.23 or newer is needed`)
  if (r.status !== 0) throw new Error(`go build of jaeger-agent ${JAEGER_AGENT_MODULE_VERSION} exited with ${r.status}`)
  renameSync(partial, binary)
  return binary
}

/** `go version` of the toolchain on PATH (the one that built the binary), for result headers. */
export function goVersion(): string {
  const r = spawnSync('go', ['version'], { encoding: 'utf8' })
  return r.status === 0 ? r.stdout.trim().replace(/^go version /, '') : 'go (version unknown)'
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) console.log(provisionJaegerAgent())
