// SPDX-License-Identifier: Apache-2.0
// Sustained append rate of the disk spool (senders/spool/file-spool.node.ts)
// on this machine's disk, per fsync policy: what the agent and KafkaSender can
// absorb while Kafka is away. Realistic records: one send() call = one
// jaeger_thrift record of BENCH_BATCH_SPANS reference spans (the span-topic
// headers the sender writes, a trace-id key), encoded once and appended
// again and again. BENCH_IN_FLIGHT appends are kept in flight (the agent
// spools batches from many datagrams at once; 1 = one after the other).
// Each run opens a fresh spool directory under BENCH_SPOOL_PARENT (default:
// the OS temp dir — say which disk that is), appends for BENCH_SECONDS or
// BENCH_MB, whichever comes first, then close() (its final sync is timed as
// part of the run), and deletes the directory. Rounds interleave the policies.
//
//   npm run bench:spool
// env: BENCH_ROUNDS (3), BENCH_SECONDS (5), BENCH_MB (512), BENCH_BATCH_SPANS (100),
//      BENCH_IN_FLIGHT (1,16: comma-separated, each is a variant), BENCH_FSYNC (always,interval,never),
//      BENCH_SPOOL_PARENT, BENCH_LOAD_NOTE, BENCH_OUT (bench/results/spool-node.md).
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { openFileSpool } from '../senders/spool/file-spool.node.ts'
import type { SpoolFsync } from '../senders/spool/file-spool.node.ts'
import { encodeBatch } from '../src/codec/thrift/jaeger-encode.ts'
import { spanRecordHeaders } from '../src/kafka/span-record.ts'
import type { ProduceRequest } from '../src/kafka/types.ts'
import { median } from './cpu-rate.ts'
import { startConditions } from './header.ts'
import { referenceProcess, referenceSpans } from './reference-spans.ts'

const env = process.env
const ROUNDS = Number(env.BENCH_ROUNDS ?? 3)
const SECONDS = Number(env.BENCH_SECONDS ?? 5)
const MAX_BYTES = Number(env.BENCH_MB ?? 512) * 1024 * 1024
const BATCH_SPANS = Number(env.BENCH_BATCH_SPANS ?? 100)
const IN_FLIGHT = (env.BENCH_IN_FLIGHT ?? '1,16').split(',').map(Number)
const POLICIES = (env.BENCH_FSYNC ?? 'always,interval,never').split(',') as SpoolFsync[]
const PARENT = env.BENCH_SPOOL_PARENT ?? tmpdir()
const OUT = env.BENCH_OUT ?? new URL('results/spool-node.md', import.meta.url).pathname
const conditions = startConditions()
const log = (m: string): void => void process.stderr.write(`[bench:spool] ${m}\n`)

const value = encodeBatch({ process: referenceProcess, spans: referenceSpans(BATCH_SPANS) })
const request: ProduceRequest = {
  topic: 'jaeger-spans',
  messages: [{ key: '1f2e3d4c5b6a7988', value, headers: spanRecordHeaders(BATCH_SPANS) }],
}

interface Run {
  fsync: SpoolFsync
  inFlight: number
  appends: number
  diskBytes: number
  seconds: number
}

async function oneRun(fsync: SpoolFsync, inFlight: number): Promise<Run> {
  const dir = mkdtempSync(join(PARENT, 'bench-spool-'))
  try {
    // A cap above what a run writes: the rate of appending, not of dropping the oldest.
    const spool = await openFileSpool({ dir, fsync, maxBytes: 2 * MAX_BYTES + 256 * 1024 * 1024 })
    const t0 = performance.now()
    const until = t0 + SECONDS * 1000
    let appends = 0
    let bytes = 0
    // inFlight workers, each appending one after the other: inFlight appends outstanding at any time.
    const worker = async (): Promise<void> => {
      while (performance.now() < until && bytes < MAX_BYTES) {
        bytes += value.length
        await spool.append(request)
        appends++
      }
    }
    await Promise.all(Array.from({ length: inFlight }, worker))
    const diskBytes = spool.stats().diskBytes
    await spool.close()
    return { fsync, inFlight, appends, diskBytes, seconds: (performance.now() - t0) / 1000 }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const fmt = (n: number, digits = 1): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

/** The filesystem under PARENT (df), for the header. */
function diskOf(path: string): string {
  const r = spawnSync('df', ['-hT', path], { encoding: 'utf8' })
  const f = r.stdout?.trim().split('\n')[1]?.split(/\s+/)
  return f ? `${f[0]} (${f[1]}, ${f[2]}, ${f[4]} free), mounted on ${f[6]}` : 'unknown'
}

const results: Run[] = []
for (let round = 1; round <= ROUNDS; round++) {
  const order = round % 2 ? POLICIES : [...POLICIES].reverse()
  for (const inFlight of IN_FLIGHT) {
    for (const fsync of order) {
      const r = await oneRun(fsync, inFlight)
      results.push(r)
      log(`round ${round} fsync ${fsync}, ${inFlight} in flight: ${r.appends} appends, ${fmt(r.diskBytes / r.seconds / 1e6)} MB/s, ${fmt((r.appends * BATCH_SPANS) / r.seconds / 1000)}k spans/s`)
    }
  }
}

const rows: string[] = []
for (const inFlight of IN_FLIGHT) {
  for (const fsync of POLICIES) {
    const rs = results.filter((r) => r.fsync === fsync && r.inFlight === inFlight)
    const mbs = rs.map((r) => r.diskBytes / r.seconds / 1e6)
    const spans = rs.map((r) => (r.appends * BATCH_SPANS) / r.seconds)
    const perAppend = rs.map((r) => (r.seconds * 1e6) / r.appends)
    rows.push(`| ${fsync} | ${inFlight} | ${fmt(median(mbs))} [${fmt(Math.min(...mbs))}–${fmt(Math.max(...mbs))}] | ${fmt(median(spans) / 1000)}k [${fmt(Math.min(...spans) / 1000)}k–${fmt(Math.max(...spans) / 1000)}k] | ${fmt(median(perAppend), 0)} | ${rs.map((r) => fmt(r.diskBytes / 1e6, 0)).join(', ')} |`)
  }
}

writeFileSync(OUT, `# Disk spool sustained append rate (node)

${conditions.line()}

Reproduce: \`npm run bench:spool\` (env: BENCH_ROUNDS=${ROUNDS}, BENCH_SECONDS=${SECONDS}, BENCH_MB=${MAX_BYTES / 1024 / 1024}, BENCH_BATCH_SPANS=${BATCH_SPANS}, BENCH_IN_FLIGHT=${IN_FLIGHT.join(',')}).
Disk: ${diskOf(PARENT)}; spool directories under ${PARENT}, fresh per run, default 64 MiB segments.
Each append = one send() call of one jaeger_thrift record of ${BATCH_SPANS} reference spans (${value.length.toLocaleString('en-US')} B value, span-topic headers, key), framed (length + CRC-32C) by the spool.
Each run appends for ${SECONDS} s or ${MAX_BYTES / 1024 / 1024} MiB, whichever comes first, then close() (final sync included in the time). ${ROUNDS} rounds, policies interleaved (order alternating per round); median [min–max].

| fsync | appends in flight | MB/s on disk | spans/s | µs per append (wall ÷ appends) | MB written per run |
|---|---|---|---|---|---|
${rows.join('\n')}

- \`always\`: append() resolves after fdatasync; appends that arrive meanwhile are written and synced together (so more in flight = fewer syncs per append).
- \`interval\`: the default — written to the page cache at once, data synced every 1000 ms. \`never\`: the OS writes back when it likes.
- MB/s: the spool's diskBytes (segment files, frame headers included) ÷ wall time of the run; spans/s: appended spans ÷ the same time.
- A page-cache-speed number (interval, never) says what a burst costs while Kafka is away; \`always\` says what the disk itself sustains with a flush per group.
`)
log(`wrote ${OUT}`)
