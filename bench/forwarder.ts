// SPDX-License-Identifier: Apache-2.0
// Forwarder drain rate: spans/s from a pre-filled topic into the real Jaeger
// collector, side by side in one run with a plain loop that POSTs batches of
// the same shape straight to the same Jaeger (no Kafka, no validation, no
// commits). Variants interleave; median [min–max] over BENCH_RUNS runs.
//
//   npx tsx bench/forwarder.ts    npx deno run -A bench/forwarder.ts    npx bun bench/forwarder.ts
// env: BENCH_RUNS (5), BENCH_RECORDS (2000), BENCH_SPANS_PER_RECORD (50),
//      KAFKA_BROKERS, JAEGER_COLLECTOR_URL, BENCH_LOAD_NOTE (a note on parallel work, printed in the header); --runs N overrides BENCH_RUNS.
//
// Every batch is a new trace (distinct ids per variant and run), so Jaeger
// stores each span once; keep records × runs × variants well under the
// memory store's max_traces (200000 in scripts/peers.mjs), and mind its memory:
// ~1.5 KB per stored span measured (3 rounds of the default 2000-record
// variants hold ~2.4M spans, ~3.6 GB); restart the Jaeger peer between runs.
// Writes bench/results/forwarder-<runtime>.md (--out NAME: NAME-<runtime>.md). Kafka clients side by side:
//   --only direct-12,fwd-3p-4,fwd-3p-4-confluent --out forwarder-clients (Node).
import { Buffer } from 'node:buffer'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import kafkajs from 'kafkajs'
import type { FetchLike } from '../forwarder/collector-client.ts'
import { createForwarder } from '../forwarder/forwarder.ts'
import { silentLogger } from '../forwarder/logger.ts'
import { encodeBatch } from '../src/codec/thrift/jaeger-encode.ts'
import type { JaegerSpan } from '../src/codec/thrift/jaeger-types.ts'
import { RUNTIME, startConditions } from './header.ts'

const argRuns = process.argv.indexOf('--runs')
const RUNS = Number(argRuns > 0 ? process.argv[argRuns + 1] : (process.env.BENCH_RUNS ?? 5))
// 2000 records: more than maxPendingPerPartition (1000), so backpressure (pause/resume) is part of the run, as in a real backlog.
const RECORDS = Number(process.env.BENCH_RECORDS ?? 2000)
const SPANS_PER_RECORD = Number(process.env.BENCH_SPANS_PER_RECORD ?? 50)
const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',')
const COLLECTOR = process.env.JAEGER_COLLECTOR_URL ?? 'http://127.0.0.1:14268/api/traces'
const STAMP = Date.now().toString(36)
const TOTAL_SPANS = RECORDS * SPANS_PER_RECORD
const conditions = startConditions({ kafka: true, jaeger: true })

interface Variant {
  id: string
  label: string
  kind: 'direct' | 'forwarder'
  /** Concurrent POSTs (direct) or maxInFlightPerPartition (forwarder). */
  concurrency: number
  partitions?: number
  /** The direct loop with the same client and the same number of POSTs in flight (the headline ratio). */
  baseline?: string
  /** The forwarder's HTTP client: the global fetch, createNodeHttpFetch(), or none (an in-process 202). */
  transport: 'fetch' | 'node-http' | 'none'
  /** Not like for like (another client): shown below the headline table. */
  extra?: boolean
  /** Kafka client of the forwarder (default kafkajs). */
  kafkaClient?: 'confluent'
}

// The client `jaeger-kafka forward` uses on this runtime (cli/bin.ts): node:http on Node, fetch on Deno and Bun.
const CLIENT: Variant['transport'] = RUNTIME === 'node' ? 'node-http' : 'fetch'
const CLIENT_NAME = CLIENT === 'node-http' ? 'createNodeHttpFetch' : 'fetch'

const VARIANTS: Variant[] = [
  { id: 'direct-1', label: `direct loop (${CLIENT_NAME}), 1 POST in flight`, kind: 'direct', concurrency: 1, transport: CLIENT },
  { id: 'fwd-1p-1', label: `forwarder (${CLIENT_NAME}), 1 partition × 1 in flight`, kind: 'forwarder', concurrency: 1, partitions: 1, baseline: 'direct-1', transport: CLIENT },
  { id: 'direct-4', label: `direct loop (${CLIENT_NAME}), 4 POSTs in flight`, kind: 'direct', concurrency: 4, transport: CLIENT },
  { id: 'fwd-1p-4', label: `forwarder (${CLIENT_NAME}), 1 partition × 4 in flight (default)`, kind: 'forwarder', concurrency: 4, partitions: 1, baseline: 'direct-4', transport: CLIENT },
  { id: 'direct-3', label: `direct loop (${CLIENT_NAME}), 3 POSTs in flight`, kind: 'direct', concurrency: 3, transport: CLIENT },
  { id: 'fwd-3p-1', label: `forwarder (${CLIENT_NAME}), 3 partitions × 1 in flight`, kind: 'forwarder', concurrency: 1, partitions: 3, baseline: 'direct-3', transport: CLIENT },
  { id: 'direct-12', label: `direct loop (${CLIENT_NAME}), 12 POSTs in flight`, kind: 'direct', concurrency: 12, transport: CLIENT },
  { id: 'fwd-3p-4', label: `forwarder (${CLIENT_NAME}), 3 partitions × 4 in flight (default)`, kind: 'forwarder', concurrency: 4, partitions: 3, baseline: 'direct-12', transport: CLIENT },
  ...(RUNTIME === 'node'
    ? ([{ id: 'fwd-3p-4-confluent', label: `forwarder (${CLIENT_NAME}, consumer @confluentinc/kafka-javascript), 3 partitions × 4 in flight`, kind: 'forwarder', concurrency: 4, partitions: 3, baseline: 'direct-12', transport: CLIENT, kafkaClient: 'confluent' }] as Variant[])
    : []),
  // Node's built-in fetch (undici) costs several times the CPU of node:http per request: these rows are
  // across clients (the old "1.34×" was fwd-3p-4 over node:http ÷ a direct loop over fetch).
  ...(RUNTIME === 'node'
    ? ([{ id: 'direct-4-fetch', label: 'direct loop (global fetch), 4 POSTs in flight', kind: 'direct', concurrency: 4, transport: 'fetch', extra: true }] as Variant[])
    : []),
  { id: 'fwd-ceiling', label: 'ceiling: forwarder, 3 partitions × 4, collector replaced by an in-process 202 (no HTTP, no Jaeger)', kind: 'forwarder', concurrency: 4, partitions: 3, transport: 'none', extra: true },
]
// --only id,id: a subset (for profiling); the headline needs each forwarder's baseline too.
const onlyFlag = process.argv.indexOf('--only')
const ONLY = onlyFlag > 0 ? new Set(process.argv[onlyFlag + 1]!.split(',')) : undefined
if (ONLY) VARIANTS.splice(0, VARIANTS.length, ...VARIANTS.filter((v) => ONLY.has(v.id)))
// --out name: the results file (default forwarder-<runtime>.md), e.g. for a subset.
const outFlag = process.argv.indexOf('--out')
const OUT_NAME = outFlag > 0 ? process.argv[outFlag + 1]! : 'forwarder'

interface Result {
  spansPerSecond: number
  cpuMicrosPerSpan: number
  /** Time-weighted mean of POSTs in flight, first POST → last 2xx. */
  meanInFlight: number
  /** Mean POST duration (request → body read), ms. */
  postMs: number
  /** CPU of the Kafka broker and of Jaeger over the same interval, µs per span (Linux /proc; NaN elsewhere). */
  brokerMicrosPerSpan: number
  jaegerMicrosPerSpan: number
  /** Forwarder only: */
  totalMs?: number
  commitTailMs?: number
  /** Time in kafkajs's eachBatch handler (validate by decoding + queue + start POSTs), µs per span; handler calls. */
  handlerMicrosPerSpan?: number
  batches?: number
  commits?: number
  rssMb: number
}

/** CPU ticks (user + system) of a peer started by scripts/peers.mjs, in µs; NaN when not readable. */
function peerCpuMicros(name: 'kafka' | 'jaeger'): number {
  try {
    const runDir = process.env.JAEGER_KAFKA_RUN_DIR ?? join(homedir(), '.cache', 'jaeger-kafka', 'run')
    const pid = readFileSync(join(runDir, name, 'pid'), 'utf8').trim()
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // utime, stime (fields 14, 15 of /proc/pid/stat) in clock ticks of 10 ms.
    return (Number(fields[11]) + Number(fields[12])) * 10_000
  } catch {
    return Number.NaN
  }
}

/**
 * Wraps an HTTP client with counters: POSTs in flight over time (time-weighted
 * mean), mean POST duration, first POST and last 2xx with the CPU of this
 * process and of the peers at those moments. The direct loop gets the same
 * wrapper, so its cost is on both sides.
 */
function instrument(send: FetchLike) {
  const c = { inFlight: 0, area: 0, lastChange: 0, posts: 0, postTime: 0, accepted: 0, t0: 0, cpu0: 0, broker0: 0, jaeger0: 0, tLast: 0, cpuLast: 0, brokerLast: 0, jaegerLast: 0 }
  let allAccepted: () => void = () => {}
  const accepted = new Promise<void>((resolve) => (allAccepted = resolve))
  const change = (now: number, delta: number): void => {
    if (c.lastChange > 0) c.area += c.inFlight * (now - c.lastChange)
    c.lastChange = now
    c.inFlight += delta
  }
  const wrapped: FetchLike = async (input, init) => {
    if (init.method !== 'POST') return send(input, init)
    const started = performance.now()
    if (c.t0 === 0) {
      c.t0 = started
      c.cpu0 = cpuMicros()
      c.broker0 = peerCpuMicros('kafka')
      c.jaeger0 = peerCpuMicros('jaeger')
    }
    change(started, 1)
    try {
      const res = await send(input, init)
      // Every record is accepted exactly once: the RECORDS-th 2xx is the last (CPU read there only, reading it costs).
      if (res.status >= 200 && res.status < 300 && ++c.accepted === RECORDS) {
        c.tLast = performance.now()
        c.cpuLast = cpuMicros()
        c.brokerLast = peerCpuMicros('kafka')
        c.jaegerLast = peerCpuMicros('jaeger')
        allAccepted()
      }
      return res
    } finally {
      const now = performance.now()
      change(now, -1)
      c.posts++
      c.postTime += now - started
    }
  }
  const result = (): Omit<Result, 'rssMb'> => {
    const seconds = (c.tLast - c.t0) / 1000
    return {
      spansPerSecond: TOTAL_SPANS / seconds,
      cpuMicrosPerSpan: (c.cpuLast - c.cpu0) / TOTAL_SPANS,
      meanInFlight: c.area / (c.lastChange - c.t0),
      postMs: c.postTime / Math.max(1, c.posts),
      brokerMicrosPerSpan: (c.brokerLast - c.broker0) / TOTAL_SPANS,
      jaegerMicrosPerSpan: (c.jaegerLast - c.jaeger0) / TOTAL_SPANS,
    }
  }
  return { send: wrapped, counters: c, accepted, result }
}

const kafka = new kafkajs.Kafka({ clientId: 'bench-forwarder', brokers: BROKERS, logLevel: kafkajs.logLevel.NOTHING })
let traceSeed = BigInt(Date.now()) << 16n

/** One batch shaped like baseline.md's reference span: 6 tags, 1 log with 2 fields, a CHILD_OF reference. */
function makeRecord(): Uint8Array {
  traceSeed += 1n
  const traceId = BigInt.asUintN(63, traceSeed * 2654435761n) | 1n
  const now = BigInt(Date.now()) * 1000n
  const spans: JaegerSpan[] = []
  for (let i = 0; i < SPANS_PER_RECORD; i++) {
    spans.push({
      traceIdLow: traceId,
      traceIdHigh: 0n,
      spanId: BigInt(i + 2),
      parentSpanId: 1n,
      operationName: 'GET /api/v1/users/:id',
      references: [{ refType: 0, traceIdLow: traceId, traceIdHigh: 0n, spanId: 1n }],
      flags: 1,
      startTime: now + BigInt(i),
      duration: 1234n,
      tags: [
        { key: 'http.method', vType: 0, vStr: 'GET' },
        { key: 'http.url', vType: 0, vStr: '/api/v1/users/12345' },
        { key: 'component', vType: 0, vStr: 'bench' },
        { key: 'http.status_code', vType: 3, vLong: 200n },
        { key: 'load', vType: 1, vDouble: 0.75 },
        { key: 'cache.hit', vType: 2, vBool: true },
      ],
      logs: [{ timestamp: now + BigInt(i) + 10n, fields: [{ key: 'event', vType: 0, vStr: 'cache lookup' }, { key: 'size', vType: 3, vLong: 42n }] }],
    })
  }
  return encodeBatch({ process: { serviceName: 'bench-forwarder', tags: [{ key: 'hostname', vType: 0, vStr: 'bench-host' }] }, spans })
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

function cpuMicros(): number {
  const u = process.cpuUsage()
  return u.user + u.system
}

const ACCEPTED = { status: 202, statusText: 'Accepted', headers: { get: () => null }, arrayBuffer: async () => new ArrayBuffer(0) }

async function httpClient(variant: Variant): Promise<{ send: FetchLike; close(): void }> {
  if (variant.transport === 'none') return { send: async () => ACCEPTED, close() {} }
  if (variant.transport !== 'node-http') return { send: (input, init) => fetch(input, init), close() {} }
  const nodeHttp = (await import('../forwarder/node-http-fetch.node.ts')).createNodeHttpFetch()
  return { send: nodeHttp, close: () => nodeHttp.close() }
}

async function runDirect(variant: Variant, batches: Uint8Array[]): Promise<Result> {
  const client = await httpClient(variant)
  const meter = instrument(client.send)
  const post = async (body: Uint8Array): Promise<void> => {
    const res = await meter.send(COLLECTOR, { method: 'POST', headers: { 'content-type': 'application/x-thrift' }, body: body as Uint8Array<ArrayBuffer>, signal: AbortSignal.timeout(30_000) })
    await res.arrayBuffer()
    if (res.status !== 202) throw new Error(`collector answered ${res.status}`)
  }
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < batches.length) await post(batches[next++]!)
  }
  await Promise.all(Array.from({ length: variant.concurrency }, worker))
  client.close()
  return { ...meter.result(), rssMb: process.memoryUsage().rss / 2 ** 20 }
}

async function prefill(topic: string, partitions: number, batches: Uint8Array[]): Promise<Map<number, bigint>> {
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true })
  const producer = kafka.producer()
  await producer.connect()
  // Produce requests stay under the broker's 1 MB message.max.bytes.
  let chunk: { partition: number; value: Buffer }[] = []
  let bytes = 0
  const flush = async (): Promise<void> => {
    if (chunk.length > 0) await producer.send({ topic, acks: -1, messages: chunk })
    chunk = []
    bytes = 0
  }
  for (let i = 0; i < batches.length; i++) {
    const b = batches[i]!
    if (bytes + b.length > 800_000) await flush()
    chunk.push({ partition: i % partitions, value: Buffer.from(b.buffer, b.byteOffset, b.byteLength) })
    bytes += b.length
  }
  await flush()
  await producer.disconnect()
  const end = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, BigInt(o.high)]))
  await admin.disconnect()
  return end
}

/** kafkajs with the forwarder's eachBatch handler timed (a delegating wrapper, nothing patched). */
// The Confluent client behind the same port (Node only; loaded only when a variant uses it).
async function confluentKafka(): Promise<typeof kafka> {
  const { loadConfluent } = await import('../src/kafka/confluent.ts')
  const { confluentAsKafkajs } = await import('../src/kafka/confluent-kafkajs.ts')
  return confluentAsKafkajs({ confluent: await loadConfluent(), brokers: BROKERS, clientId: 'bench-forwarder' }) as unknown as typeof kafka
}

function timedKafka(counters: { handlerMicros: number; batches: number; commits: number }, base: typeof kafka = kafka): unknown {
  return {
    consumer(config: Record<string, unknown>) {
      const consumer = base.consumer(config as never)
      return {
        ...consumer,
        commitOffsets: (offsets: never) => {
          counters.commits++
          return consumer.commitOffsets(offsets)
        },
        run: (config: { eachBatch: (payload: unknown) => Promise<void> }) =>
          consumer.run({
            ...config,
            eachBatch: async (payload: unknown) => {
              const t = performance.now()
              const done = config.eachBatch(payload as never)
              counters.handlerMicros += (performance.now() - t) * 1000
              counters.batches++
              await done
            },
          } as never),
      }
    },
    producer: (config: unknown) => base.producer(config as never),
    admin: () => base.admin(),
  }
}

async function runForwarder(variant: Variant, batches: Uint8Array[], run: number): Promise<Result> {
  const topic = `bench-fwd-${STAMP}-${variant.id}-${run}`
  const end = await prefill(topic, variant.partitions!, batches)
  const client = await httpClient(variant)
  const k = { handlerMicros: 0, batches: 0, commits: 0 }
  const meter = instrument(client.send)
  const forwarder = createForwarder({
    topic,
    groupId: `${topic}-group`,
    collectorUrl: COLLECTOR,
    maxInFlightPerPartition: variant.concurrency,
    logger: silentLogger,
    clientLogLevel: 'nothing',
    kafka: timedKafka(k, variant.kafkaClient === 'confluent' ? await confluentKafka() : kafka) as never,
    // BENCH_MAX_WAIT_MS: override kafkajs maxWaitTimeInMs (experiments only; the table header says when set).
    ...(process.env.BENCH_MAX_WAIT_MS ? { consumerConfig: { maxWaitTimeInMs: Number(process.env.BENCH_MAX_WAIT_MS) } } : {}),
    fetch: meter.send,
  })
  const started = performance.now()
  await forwarder.start()
  const done = (): boolean => {
    const parts = forwarder.metrics().partitions
    return parts.length === end.size && parts.every((p) => p.committedOffset === String(end.get(p.partition)))
  }
  // Poll the committed offsets (metrics() is not free) only once every record was accepted.
  await meter.accepted
  const deadline = Date.now() + 600_000
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`${variant.id}: not drained in 10 min`)
    await new Promise((r) => setTimeout(r, 2))
  }
  const committedAt = performance.now()
  const m = forwarder.metrics()
  await forwarder.stop()
  client.close()
  if (m.spansForwarded !== TOTAL_SPANS) throw new Error(`${variant.id}: forwarded ${m.spansForwarded} of ${TOTAL_SPANS} spans`)
  return {
    ...meter.result(),
    totalMs: committedAt - started,
    commitTailMs: committedAt - meter.counters.tLast,
    handlerMicrosPerSpan: k.handlerMicros / TOTAL_SPANS,
    batches: k.batches,
    commits: k.commits,
    rssMb: process.memoryUsage().rss / 2 ** 20,
  }
}

const results = new Map<string, Result[]>(VARIANTS.map((v) => [v.id, []]))
const recordBytes = makeRecord().length
process.stderr.write(`forwarder bench (${RUNTIME}): ${RUNS} runs × ${VARIANTS.length} variants, ${RECORDS} records × ${SPANS_PER_RECORD} spans (${recordBytes} B/record)\n`)
// Warm-up: connections, JIT, Jaeger's pipeline.
await runDirect({ id: 'warm', label: '', kind: 'direct', concurrency: 2, transport: CLIENT }, Array.from({ length: 50 }, makeRecord)).catch(() => {})
for (let run = 0; run < RUNS; run++) {
  for (const variant of VARIANTS) {
    const batches = Array.from({ length: RECORDS }, makeRecord)
    const result = variant.kind === 'direct' ? await runDirect(variant, batches) : await runForwarder(variant, batches, run)
    results.get(variant.id)!.push(result)
    process.stderr.write(
      `  run ${run + 1} ${variant.id}: ${Math.round(result.spansPerSecond)} spans/s, ${result.cpuMicrosPerSpan.toFixed(2)} µs/span CPU, ` +
        `in flight ${result.meanInFlight.toFixed(2)}, POST ${result.postMs.toFixed(1)} ms, broker ${result.brokerMicrosPerSpan.toFixed(2)}, jaeger ${result.jaegerMicrosPerSpan.toFixed(2)} µs/span` +
        (result.handlerMicrosPerSpan !== undefined ? `, handler ${result.handlerMicrosPerSpan.toFixed(2)} µs/span, batches ${result.batches}` : '') +
        '\n',
    )
  }
}

const fmtRate = (n: number): string => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : `${(n / 1e3).toFixed(1)}k`)
const range = (values: number[], f: (n: number) => string): string => `${f(median(values))} [${f(Math.min(...values))}–${f(Math.max(...values))}]`
const fixed = (digits: number) => (n: number): string => (Number.isNaN(n) ? 'n/a' : n.toFixed(digits))
const col = (rs: Result[], pick: (r: Result) => number | undefined, f: (n: number) => string): string => {
  const values = rs.map(pick).filter((v): v is number => v !== undefined)
  return values.length === 0 ? '–' : range(values, f)
}

// Headline: each forwarder run over the direct run with the same client and POSTs in flight of the same round (paired, so load swings hit both).
const headline: string[] = []
for (const variant of VARIANTS.filter((v) => v.baseline && results.has(v.baseline))) {
  const fwd = results.get(variant.id)!
  const direct = results.get(variant.baseline!)!
  const paired = fwd.map((r, i) => r.spansPerSecond / direct[i]!.spansPerSecond)
  headline.push(
    `| ${variant.partitions} × ${variant.concurrency} = ${variant.partitions! * variant.concurrency} | ${range(direct.map((r) => r.spansPerSecond), fmtRate)} | ` +
      `${range(fwd.map((r) => r.spansPerSecond), fmtRate)} | **${range(paired, (n) => `${n.toFixed(2)}×`)}** |`,
  )
}

const rows: string[] = []
for (const variant of VARIANTS) {
  const rs = results.get(variant.id)!
  const fwd = variant.kind === 'forwarder'
  rows.push(
    `| ${variant.label} | ${col(rs, (r) => r.spansPerSecond, fmtRate)} | ${col(rs, (r) => r.meanInFlight, fixed(2))} | ${col(rs, (r) => r.postMs, fixed(1))} | ` +
      `${col(rs, (r) => r.cpuMicrosPerSpan, fixed(2))} | ${col(rs, (r) => r.brokerMicrosPerSpan, fixed(2))} | ${col(rs, (r) => r.jaegerMicrosPerSpan, fixed(2))} | ` +
      `${fwd ? col(rs, (r) => r.handlerMicrosPerSpan, fixed(2)) : '–'} | ` +
      `${fwd ? col(rs, (r) => r.batches, fixed(0)) : '–'} | ${fwd ? col(rs, (r) => r.commits, fixed(0)) : '–'} | ` +
      `${fwd ? col(rs, (r) => r.totalMs! / 1000, fixed(2)) : '–'} | ${fwd ? col(rs, (r) => r.commitTailMs, fixed(0)) : '–'} | ${Math.round(median(rs.map((r) => r.rssMb)))} |`,
  )
}
const crossClient =
  results.has('direct-4-fetch') && results.has('fwd-3p-4')
    ? `\nAcross clients (not the headline): forwarder 3 × 4 over node:http ÷ direct loop over the global fetch with 4 in flight = ${(median(results.get('fwd-3p-4')!.map((r) => r.spansPerSecond)) / median(results.get('direct-4-fetch')!.map((r) => r.spansPerSecond))).toFixed(2)}× (the old README's "1.34×" was this ratio; it measures undici's cost, not the forwarder).\n`
    : ''

const md = `# Forwarder benchmark (${RUNTIME})

${conditions.line()}

${RUNS} interleaved rounds (every variant once per round, in the order below); median [min–max]. Each run: ${RECORDS} records × ${SPANS_PER_RECORD} spans = ${TOTAL_SPANS} spans (${recordBytes} B per record, baseline.md's reference span shape), a new trace per record.
Kafka: one local broker (${BROKERS.join(',')}); each forwarder run drains a fresh, pre-filled topic${process.env.BENCH_MAX_WAIT_MS ? ` (kafkajs maxWaitTimeInMs overridden: ${process.env.BENCH_MAX_WAIT_MS})` : ''}. Jaeger collector at ${COLLECTOR} (scripts/peers.mjs, memory store). 2-vCPU VM: the Kafka broker, Jaeger and this process share 2 cores${process.env.BENCH_LOAD_NOTE ? ' with the parallel work named above' : ''}.

## Same client, same POSTs in flight (the headline)

| partitions × in flight per partition | direct loop spans/s | forwarder spans/s | forwarder ÷ direct, paired per round |
|---|---|---|---|
${headline.join('\n')}

Direct loop: the same pre-encoded batches POSTed straight to the same Jaeger with the same HTTP client (${CLIENT_NAME}) and as many POSTs in flight as the forwarder may have (partitions × \`maxInFlightPerPartition\`); no Kafka, no validation, no commits. Ratio: forwarder run ÷ the direct run of the same round, median [min–max] over rounds (goal ≥ 0.95×).
${crossClient}
## Where the time goes (all variants)

| variant | drain spans/s | mean POSTs in flight | POST ms | CPU µs/span, this process | CPU µs/span, Kafka broker | CPU µs/span, Jaeger | eachBatch handler µs/span | fetch batches | commits | start() → all committed, s | last 2xx → committed, ms | RSS MB |
|---|---|---|---|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

- drain spans/s: first POST → last 2xx, for both (the forwarder's group join is in "start() → all committed", its final commit in "last 2xx → committed").
- mean POSTs in flight: time-weighted over the same interval; POST ms: request → body read. Both come from one wrapper around the HTTP client, used by the direct loop too.
- CPU: user + system time over the same interval, divided by the spans: this process (Kafka client, validation, POSTs, commits); the Kafka broker's and Jaeger's processes (Linux /proc; n/a elsewhere). On 2 cores, CPU the forwarder and the broker use is CPU Jaeger does not get.
- eachBatch handler: time in the forwarder's kafkajs handler (validate each record by decoding it, queue, start POSTs). A mean of POSTs in flight below the allowed number means the pipeline waited (for Kafka fetches, or for the event loop).
- ceiling: the forwarder alone (kafkajs fetch, validation, pipelines, commits) when the collector answers at once; Kafka still shares the CPUs.
- Jaeger answers every \`POST /api/traces\` with \`Connection: close\`: its Jaeger receiver (OpenTelemetry jaegerreceiver v0.140.1) builds the thrift_http server config without confighttp's defaults, so keep-alives are off and every POST, on both sides, opens a new TCP connection (the largest single item in a CPU profile of this process). \`keep_alives_enabled: true\` under \`receivers.jaeger.protocols.thrift_http\` should turn them on (not measured here).
`
mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
const out = new URL(`./results/${OUT_NAME}-${RUNTIME}.md`, import.meta.url)
writeFileSync(out, md)
process.stdout.write(md)
process.exit(0)
