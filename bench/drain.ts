// SPDX-License-Identifier: Apache-2.0
// Drain of one span backlog, really run: the SAME spans (deterministic PRNG,
// baseline.md's reference shape, traces of 1–19 spans) are produced through
// two KafkaSenders, jaeger_thrift to topic A and otlp_proto to topic B (acked,
// counted), then each reader drains them into a fresh, empty Jaeger (the same
// binary, memory store, from scripts/peers.mjs):
//   ingester-otlp   Jaeger's own Kafka ingester (kafka receiver) reading B;
//   forwarder-otlp  `jaeger-kafka forward` reading B → Jaeger OTLP/HTTP /v1/traces
//                   (consecutive records joined into one POST, the defaults);
//   forwarder-otlp-1 the same with `--max-post-records 1`: one POST per record,
//                   what the forwarder did before joining (the baseline);
//   forwarder-thrift `jaeger-kafka forward` reading A → Jaeger /api/traces;
// and, only when BENCH_READERS names them (a third topic C, jaeger_proto, one
// record per span, is then prefilled too):
//   forwarder-jproto  `jaeger-kafka forward` reading C → Jaeger /api/traces (records of
//                     one process joined into one Thrift Batch per POST, the defaults);
//   forwarder-jproto-1 the same with `--max-post-records 1` (one POST per span).
// Completion is exact: Jaeger's storage exporter counter
// (otelcol_exporter_sent_spans_total{exporter="jaeger_storage_exporter"},
// spans written into the memory store) reaching BENCH_SPANS, and the reader's
// committed offsets (Kafka admin, its consumer group) reaching the end offsets.
// Afterwards a sample of traces is read back by id from the query API.
//
//   . ./.peers-env && node scripts/peers.mjs start kafka && npx tsx bench/drain.ts
// env: BENCH_SPANS (1000000), BENCH_ROUNDS (1), BENCH_PARTITIONS (3), BENCH_CHECK_TRACES (500),
//      JAEGER_METRICS_PORT (the main jaeger's Prometheus port, default JAEGER_INGESTER_METRICS_PORT + 1),
//      BENCH_FORWARDER_METRICS_PORT (default JAEGER_INGESTER_METRICS_PORT + 2), BENCH_KEEP_TOPICS, BENCH_LOAD_NOTE,
//      BENCH_READERS (comma-separated subset of the readers below, default all),
//      BENCH_MAX_POST_BYTES (--max-post-bytes of the joined forwarder-otlp reader, default the forwarder's),
//      BENCH_OUT (result file, default bench/results/drain-<runtime>.md).
// The bench stops and starts the jaeger and jaeger-ingester peers itself (a fresh store per run);
// the kafka peer must be running. Writes bench/results/drain-node.md.
import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import kafkajs from 'kafkajs'
import { KafkaSender } from '../senders/index.ts'
import { SpanRefType, TagType } from '../src/codec/thrift/jaeger-types.ts'
import type { JaegerSpan } from '../src/codec/thrift/jaeger-types.ts'
import { prng } from '../test/support/prng.ts'
import { jaegerVersion, RUNTIME, startConditions } from './header.ts'
import { referenceProcess } from './reference-spans.ts'

const N = Number(process.env.BENCH_SPANS ?? 1_000_000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1)
const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 3)
const CHECK_TRACES = Number(process.env.BENCH_CHECK_TRACES ?? 500)
const FLUSH_EVERY = 10_000
const HOST = '127.0.0.1'
const env = process.env
const KAFKA = `${HOST}:${env.KAFKA_PORT ?? 9092}`
const COLLECTOR_PORT = Number(env.JAEGER_COLLECTOR_PORT ?? 14268)
const OTLP_PORT = Number(env.JAEGER_OTLP_HTTP_PORT ?? 4318)
const QUERY_PORT = Number(env.JAEGER_QUERY_PORT ?? 16686)
const INGESTER_QUERY_PORT = Number(env.JAEGER_INGESTER_QUERY_PORT ?? 16687)
const INGESTER_METRICS_PORT = Number(env.JAEGER_INGESTER_METRICS_PORT ?? 8889)
const JAEGER_METRICS_PORT = Number(env.JAEGER_METRICS_PORT ?? INGESTER_METRICS_PORT + 1)
const FORWARDER_METRICS_PORT = Number(env.BENCH_FORWARDER_METRICS_PORT ?? INGESTER_METRICS_PORT + 2)
const RUN_DIR = env.JAEGER_KAFKA_RUN_DIR ?? join(homedir(), '.cache', 'jaeger-kafka', 'run')
const ROOT = new URL('../', import.meta.url).pathname
const STAMP = Date.now().toString(36)
const TOPIC_THRIFT = `bench-drain-${STAMP}-thrift`
const TOPIC_OTLP = `bench-drain-${STAMP}-otlp`
const TOPIC_JPROTO = `bench-drain-${STAMP}-jproto`
const READERS_WANTED = env.BENCH_READERS?.split(',')
const WITH_JPROTO = READERS_WANTED?.some((r) => r.startsWith('forwarder-jproto')) ?? false
const POLL_MS = 100
const TIMEOUT_MS = Number(env.BENCH_TIMEOUT_MS ?? 20 * 60_000)
const conditions = startConditions({ kafka: true, jaeger: true })
const log = (m: string): void => void process.stderr.write(`[drain] ${m}\n`)

// ------------------------------------------------------------------ the spans

const PROCESS = referenceProcess
const OPERATIONS = ['GET /api/v1/users/:id', 'POST /api/v1/users', 'db.query users', 'cache.get user', 'GET /api/v1/orders/:id']

/**
 * Calls `each` with the N spans, trace by trace (1–19 spans, mean 10; the last
 * trace cut to fit): baseline.md's reference span (6 tags, 1 log with 2 fields,
 * a CHILD_OF reference on every non-root span), 64-bit ids. Returns each
 * trace's id (lower-case hex, as the query API spells it) and span count.
 */
async function generate(each: (span: JaegerSpan) => void, everyFlush: () => Promise<void>): Promise<{ id: string; spans: number }[]> {
  const rand = prng(20261130)
  const u32 = (): bigint => BigInt(Math.floor(rand() * 4294967296))
  const T0 = 1_764_460_800_000_000n // 2025-11-30 00:00 UTC, µs
  const traces: { id: string; spans: number }[] = []
  let made = 0
  while (made < N) {
    const count = Math.min(1 + Math.floor(rand() * 19), N - made)
    const traceId = ((u32() << 32n) | u32() | 1n) & 0x7fffffffffffffffn
    const start = T0 + BigInt(traces.length) * 1000n
    const ids: bigint[] = []
    for (let i = 0; i < count; i++) {
      const spanId = (u32() << 32n) | u32() | 1n
      const parent = i === 0 ? 0n : ids[Math.floor(rand() * ids.length)]!
      ids.push(spanId)
      const at = start + BigInt(i * 50)
      each({
        traceIdLow: traceId,
        traceIdHigh: 0n,
        spanId,
        parentSpanId: parent,
        operationName: OPERATIONS[Math.floor(rand() * OPERATIONS.length)]!,
        ...(parent === 0n ? {} : { references: [{ refType: SpanRefType.CHILD_OF, traceIdLow: traceId, traceIdHigh: 0n, spanId: parent }] }),
        flags: 1,
        startTime: at,
        duration: BigInt(100 + Math.floor(rand() * 50_000)),
        tags: [
          { key: 'span.kind', vType: TagType.STRING, vStr: i === 0 ? 'server' : 'client' },
          { key: 'http.method', vType: TagType.STRING, vStr: 'GET' },
          { key: 'http.url', vType: TagType.STRING, vStr: `http://users/api/v1/users/${Math.floor(rand() * 1e6)}` },
          { key: 'http.status_code', vType: TagType.LONG, vLong: rand() < 0.98 ? 200n : 503n },
          { key: 'db.latency_ms', vType: TagType.DOUBLE, vDouble: Math.round(rand() * 10_000) / 100 },
          { key: 'cache.hit', vType: TagType.BOOL, vBool: rand() < 0.5 },
        ],
        logs: [{ timestamp: at + 10n, fields: [{ key: 'event', vType: TagType.STRING, vStr: 'cache.lookup' }, { key: 'user.id', vType: TagType.STRING, vStr: String(Math.floor(rand() * 1e6)) }] }],
      })
      made++
      if (made % FLUSH_EVERY === 0) await everyFlush()
    }
    traces.push({ id: traceId.toString(16).padStart(16, '0'), spans: count })
  }
  return traces
}

// ------------------------------------------------------------------ prefill

const kafka = new kafkajs.Kafka({ clientId: 'bench-drain', brokers: [KAFKA], logLevel: kafkajs.logLevel.NOTHING })
const admin = kafka.admin()

interface Filled { records: number; bytes: number; end: Map<number, string>; seconds: number }

async function prefill(): Promise<{ traces: { id: string; spans: number }[]; thrift: Filled; otlp: Filled; jproto?: Filled }> {
  await admin.createTopics({ topics: [TOPIC_THRIFT, TOPIC_OTLP, ...(WITH_JPROTO ? [TOPIC_JPROTO] : [])].map((topic) => ({ topic, numPartitions: PARTITIONS })), waitForLeaders: true })
  const tuning = { kafka: { brokers: [KAFKA] }, flushTimeoutMs: 600_000, closeTimeoutMs: 60_000, logger: { info() {}, error: (m: string) => log(m) } }
  const thrift = new KafkaSender({ ...tuning, topic: TOPIC_THRIFT, encoding: 'jaeger_thrift' })
  const otlp = new KafkaSender({ ...tuning, topic: TOPIC_OTLP, encoding: 'otlp_proto' })
  const jproto = WITH_JPROTO ? new KafkaSender({ ...tuning, topic: TOPIC_JPROTO, encoding: 'jaeger_proto' }) : undefined
  thrift.setJaegerProcess(PROCESS)
  otlp.setJaegerProcess(PROCESS)
  jproto?.setJaegerProcess(PROCESS)
  const started = performance.now()
  // Both senders get each span object; a flush every FLUSH_EVERY spans (as a reporter's timer would) waits for the acks, so nothing is dropped for buffer space.
  const traces = await generate(
    (span) => {
      thrift.appendSpan(span)
      otlp.appendSpan(span)
      jproto?.appendSpan(span)
    },
    async () => {
      await Promise.all([thrift.flush(), otlp.flush(), jproto?.flush()])
    },
  )
  await Promise.all([thrift.flush(), otlp.flush(), jproto?.flush()])
  const seconds = (performance.now() - started) / 1000
  const result: Record<string, Filled> = {}
  const senders: [string, KafkaSender, string][] = [['thrift', thrift, TOPIC_THRIFT], ['otlp', otlp, TOPIC_OTLP]]
  if (jproto) senders.push(['jproto', jproto, TOPIC_JPROTO])
  for (const [name, sender, topic] of senders) {
    await sender.close()
    const s = sender.stats()
    const dropped = Object.values(s.spansDropped).reduce((a, b) => a + b, 0)
    if (s.spansDelivered !== N || dropped !== 0 || s.spansTrimmed !== 0) throw new Error(`prefill ${name}: delivered ${s.spansDelivered} of ${N}, dropped ${dropped}, trimmed ${s.spansTrimmed}`)
    const offsets = await admin.fetchTopicOffsets(topic)
    const records = offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0)
    if (records !== s.batchesDelivered) throw new Error(`prefill ${name}: ${records} records on the topic, ${s.batchesDelivered} acked`)
    // Partitions that got no record are left out: a group commits nothing there.
    result[name] = { records, bytes: s.bytesDelivered, end: new Map(offsets.filter((o) => o.high !== o.low).map((o) => [o.partition, o.high])), seconds }
  }
  return { traces, thrift: result.thrift!, otlp: result.otlp!, ...(result.jproto ? { jproto: result.jproto } : {}) }
}

// ------------------------------------------------------------------ processes

function peers(command: string, names: string[], extraEnv: Record<string, string> = {}): void {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts/peers.mjs'), command, ...names], { env: { ...env, ...extraEnv }, stdio: ['ignore', 'ignore', 'inherit'] })
  if (r.status !== 0) throw new Error(`peers ${command} ${names.join(' ')} exited with ${r.status}`)
}

function peerPid(name: string): number | undefined {
  try {
    // An empty file while peers.mjs writes it counts as not there yet.
    const pid = Number(readFileSync(join(RUN_DIR, name, 'pid'), 'utf8').trim())
    return pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

const TICK_MS = 10 // USER_HZ = 100 on Linux
const BOOT_MS = Number(/btime (\d+)/.exec(readFileSync('/proc/stat', 'utf8'))![1]) * 1000

/** CPU seconds (user + system) and start time (epoch ms) of a process, from /proc/<pid>/stat. */
function procStat(pid: number): { cpuSeconds: number; startedMs: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // Fields 14, 15 (utime, stime) and 22 (starttime) of proc(5); f[0] is field 3.
  return { cpuSeconds: ((Number(f[11]) + Number(f[12])) * TICK_MS) / 1000, startedMs: BOOT_MS + Number(f[19]) * TICK_MS }
}

/** This bench's child processes (peers.mjs starting the ingester, npm's wrapper is our parent and idle). */
function ownChildren(): number[] {
  try {
    return readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number).concat(process.ppid)
  } catch {
    return [process.ppid]
  }
}

/** Peak resident set (VmHWM) of a process, MB. */
function peakRssMb(pid: number): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
  return Number(kb) / 1024
}

/** Spans Jaeger's storage exporter wrote (and failed to write), from its Prometheus endpoint; undefined until it answers. */
async function storedSpans(port: number): Promise<{ sent: number; failed: number } | undefined> {
  try {
    const text = await (await fetch(`http://${HOST}:${port}/metrics`, { signal: AbortSignal.timeout(2000) })).text()
    const value = (name: string): number => Number(new RegExp(`^${name}\\{exporter="jaeger_storage_exporter"[^}]*\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0)
    return { sent: value('otelcol_exporter_sent_spans_total'), failed: value('otelcol_exporter_send_failed_spans_total') }
  } catch {
    return undefined
  }
}

/**
 * CPU the rest of the machine used while a reader drained (other helpers' tests
 * and benches share the 2 cores): every process but this bench's own, read from
 * /proc once a second; a process born during the drain counts from 0. Processes
 * that lived less than a second between two samples are missed.
 */
function otherProcesses(own: () => number[]): { sample(): void; result(): { cpuS: number; top: { name: string; cpuS: number }[] } } {
  const startMs = Date.now()
  const seen = new Map<number, { first: number; last: number; name: string }>()
  const name = (pid: number): string => {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\u0000').filter(Boolean)
    const exe = argv[0]?.split('/').pop() ?? '?'
    const script = argv.find((a) => /\.(ts|mjs|cjs|js)$/.test(a) && !a.includes('node_modules'))
    const runDir = argv.join(' ').match(/jaeger-kafka\/(run-[\w-]+)/)?.[1]
    return [exe === 'java' && runDir ? 'kafka' : exe, script?.split('/').slice(-2).join('/'), runDir ? `(${runDir})` : undefined].filter(Boolean).join(' ')
  }
  const sample = (): void => {
    const mine = new Set([process.pid, ...own()])
    for (const entry of readdirSync('/proc')) {
      const pid = Number(entry)
      if (!Number.isInteger(pid) || mine.has(pid)) continue
      try {
        const { cpuSeconds, startedMs } = procStat(pid)
        const known = seen.get(pid)
        if (known) known.last = cpuSeconds
        else seen.set(pid, { first: startedMs >= startMs ? 0 : cpuSeconds, last: cpuSeconds, name: name(pid) })
      } catch {
        // exited between readdir and read
      }
    }
  }
  sample()
  return {
    sample,
    result() {
      sample()
      const byName = new Map<string, number>()
      for (const p of seen.values()) if (p.last > p.first) byName.set(p.name, (byName.get(p.name) ?? 0) + p.last - p.first)
      const top = [...byName].map(([n, cpuS]) => ({ name: n, cpuS })).sort((a, b) => b.cpuS - a.cpuS)
      return { cpuS: top.reduce((sum, p) => sum + p.cpuS, 0), top: top.filter((p) => p.cpuS >= 0.5).slice(0, 4) }
    },
  }
}

async function committedAtEnd(groupId: string, topic: string, end: Map<number, string>): Promise<boolean> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] })
  return offsets!.partitions.every((p) => !end.has(p.partition) || p.offset === end.get(p.partition))
}

/** Reads traces back by id from the query API: how many of the sample hold exactly the spans sent. */
async function checkSample(queryPort: number, traces: { id: string; spans: number }[]): Promise<{ checked: number; exact: number }> {
  const rand = prng(7)
  const sample = [...traces.slice(0, 50), ...traces.slice(-50)]
  while (sample.length < Math.min(CHECK_TRACES, traces.length)) sample.push(traces[Math.floor(rand() * traces.length)]!)
  let exact = 0
  for (const t of sample) {
    const res = await fetch(`http://${HOST}:${queryPort}/api/traces/${t.id}`)
    const body = (await res.json()) as { data?: { spans: unknown[] }[] }
    if (res.status === 200 && body.data?.[0]?.spans.length === t.spans) exact++
  }
  return { checked: sample.length, exact }
}

// ------------------------------------------------------------------ one drain

/** The header names the Jaeger version from the running peer; the bench stops it before the header is written. */
let jaegerName = ''
/** The forwarder process of the running drain, killed if the bench fails. */
let forwarderChild: ChildProcess | undefined

type VariantId = 'ingester-otlp' | 'forwarder-otlp' | 'forwarder-otlp-1' | 'forwarder-thrift' | 'forwarder-jproto' | 'forwarder-jproto-1'
const LABEL: Record<VariantId, string> = {
  'ingester-otlp': 'Jaeger ingester (kafka receiver), otlp_proto',
  'forwarder-otlp': `our forwarder, otlp_proto → OTLP/HTTP /v1/traces, records joined (${env.BENCH_MAX_POST_BYTES ? `--max-post-bytes ${env.BENCH_MAX_POST_BYTES}` : 'defaults: ≤ 1 MiB'}, ≤ 1000 records per POST)`,
  'forwarder-otlp-1': 'our forwarder, otlp_proto → OTLP/HTTP /v1/traces, one POST per record (`--max-post-records 1`, as before joining)',
  'forwarder-thrift': 'our forwarder, jaeger_thrift → /api/traces',
  'forwarder-jproto': 'our forwarder, jaeger_proto → /api/traces, records of one process joined into one Thrift Batch (defaults: ≤ 1 MiB, ≤ 1000 records per POST)',
  'forwarder-jproto-1': 'our forwarder, jaeger_proto → /api/traces, one POST per record (`--max-post-records 1`, as before joining)',
}

interface Drain {
  variant: VariantId
  stored: number
  failed: number
  /** Reader process start → last span stored / all offsets committed; first span stored → last span stored. */
  toStoredS: number
  toCommittedS: number
  firstToLastS: number
  readerCpuS: number
  /** Reader CPU up to the poll that saw the first span stored (process start, group join, first fetch). */
  readerStartupCpuS: number
  readerPeakMb: number
  jaegerCpuS: number
  jaegerPeakMb: number
  brokerCpuS: number
  sample: { checked: number; exact: number }
  forwarderLine?: string
  /** CPU of every other process on the machine over the same interval. */
  others: { cpuS: number; top: { name: string; cpuS: number }[] }
}

async function drain(variant: VariantId, filled: { thrift: Filled; otlp: Filled; jproto?: Filled }, traces: { id: string; spans: number }[], round: number): Promise<Drain> {
  const jproto = variant.startsWith('forwarder-jproto')
  const topic = variant === 'forwarder-thrift' ? TOPIC_THRIFT : jproto ? TOPIC_JPROTO : TOPIC_OTLP
  const end = (variant === 'forwarder-thrift' ? filled.thrift : jproto ? filled.jproto! : filled.otlp).end
  const groupId = `${topic}-${variant}-${round}`
  peers('stop', ['jaeger', 'jaeger-ingester'])
  const kafkaPid = peerPid('kafka')!
  const broker0 = procStat(kafkaPid).cpuSeconds
  let child: ChildProcess | undefined
  let childErr = ''
  let childExit = ''
  let readerPid: number
  let jaegerPid: number
  let jaeger0 = 0
  let metricsPort: number
  let queryPort: number
  let starting: Promise<void> | undefined
  if (variant === 'ingester-otlp') {
    metricsPort = INGESTER_METRICS_PORT
    queryPort = INGESTER_QUERY_PORT
    // The reader is the Jaeger: started now, it drains as soon as it joins the group.
    starting = new Promise((resolve, reject) => {
      const p = spawn(process.execPath, [join(ROOT, 'scripts/peers.mjs'), 'start', 'jaeger-ingester'], {
        env: { ...env, JAEGER_INGESTER_TOPIC: topic, JAEGER_INGESTER_ENCODING: 'otlp_proto', JAEGER_INGESTER_GROUP_ID: groupId },
        stdio: ['ignore', 'ignore', 'inherit'],
      })
      p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`peers start jaeger-ingester exited with ${code}`))))
    })
    let pid: number | undefined
    while ((pid = peerPid('jaeger-ingester')) === undefined) await new Promise((r) => setTimeout(r, 10))
    readerPid = jaegerPid = pid
  } else {
    metricsPort = JAEGER_METRICS_PORT
    queryPort = QUERY_PORT
    peers('start', ['jaeger'], { JAEGER_METRICS_PORT: String(JAEGER_METRICS_PORT) })
    jaegerPid = peerPid('jaeger')!
    jaegerName = jaegerVersion()
    jaeger0 = procStat(jaegerPid).cpuSeconds
    // Its Prometheus endpoint comes up a moment after the query API answers.
    for (let i = 0; (await storedSpans(metricsPort)) === undefined; i++) {
      if (i === 100) throw new Error(`the jaeger peer serves no metrics on ${metricsPort}`)
      await new Promise((r) => setTimeout(r, 100))
    }
    child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'cli/bin.ts'), 'forward', '--brokers', KAFKA, '--topic', topic, '--group', groupId,
      '--collector', `http://${HOST}:${COLLECTOR_PORT}/api/traces`, '--otlp-endpoint', `http://${HOST}:${OTLP_PORT}/v1/traces`, '--metrics-port', String(FORWARDER_METRICS_PORT),
      ...(variant === 'forwarder-otlp-1' || variant === 'forwarder-jproto-1' ? ['--max-post-records', '1'] : []),
      ...(variant === 'forwarder-otlp' && env.BENCH_MAX_POST_BYTES ? ['--max-post-bytes', env.BENCH_MAX_POST_BYTES] : [])], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    forwarderChild = child
    child.stderr!.on('data', (d: Buffer) => (childErr += d.toString()))
    child.on('exit', (code, signal) => (childExit = `exited (${code ?? signal})`))
    readerPid = child.pid!
  }
  const startedMs = procStat(readerPid).startedMs
  const others = otherProcesses(() => [readerPid, jaegerPid, kafkaPid, ...(child?.pid ? [child.pid] : [])].concat(ownChildren()))
  let sampledAt = Date.now()
  let firstMs = 0
  let startupCpu = 0
  let storedMs = 0
  let last = { sent: 0, failed: 0 }
  const deadline = Date.now() + TIMEOUT_MS
  while (true) {
    const s = await storedSpans(metricsPort)
    const now = Date.now()
    if (s) last = s
    if (s && s.sent > 0 && firstMs === 0) {
      firstMs = now
      startupCpu = procStat(readerPid).cpuSeconds
    }
    if (s && s.sent >= N) {
      storedMs = now
      break
    }
    if (now - sampledAt >= 1000) {
      others.sample()
      sampledAt = now
    }
    // A forwarder that died (a bad flag, a port in use) would leave the counter short: fail now, with its log.
    if (childExit) throw new Error(`${variant}: the forwarder ${childExit} with ${last.sent} of ${N} spans stored: ${childErr.slice(-1000)}`)
    if (now > deadline) throw new Error(`${variant}: ${last.sent} of ${N} spans stored after ${TIMEOUT_MS / 60_000} min${childErr ? `; forwarder: ${childErr.slice(-500)}` : ''}`)
    await new Promise((r) => setTimeout(r, POLL_MS))
  }
  while (!(await committedAtEnd(groupId, topic, end))) {
    if (Date.now() > deadline) throw new Error(`${variant}: offsets not committed`)
    await new Promise((r) => setTimeout(r, POLL_MS))
  }
  const committedMs = Date.now()
  const readerCpu = procStat(readerPid).cpuSeconds
  const jaegerCpu = procStat(jaegerPid).cpuSeconds - jaeger0
  const brokerCpu = procStat(kafkaPid).cpuSeconds - broker0
  const readerPeakMb = peakRssMb(readerPid)
  const otherCpu = others.result()
  const jaegerPeakMb = peakRssMb(jaegerPid)
  await starting
  // Let a late duplicate show up in the counter before reading it again.
  await new Promise((r) => setTimeout(r, 1000))
  const final = (await storedSpans(metricsPort))!
  const sample = await checkSample(queryPort, traces)
  let forwarderLine: string | undefined
  if (child) {
    const exited = new Promise((r) => child.on('exit', r))
    child.kill('SIGTERM')
    await exited
    forwarderLine = /stopped after .*/.exec(childErr)?.[0]
  }
  peers('stop', ['jaeger', 'jaeger-ingester'])
  return {
    variant,
    stored: final.sent,
    failed: final.failed,
    toStoredS: (storedMs - startedMs) / 1000,
    toCommittedS: (committedMs - startedMs) / 1000,
    firstToLastS: (storedMs - firstMs) / 1000,
    readerCpuS: readerCpu,
    readerStartupCpuS: startupCpu,
    readerPeakMb,
    jaegerCpuS: variant === 'ingester-otlp' ? readerCpu : jaegerCpu,
    jaegerPeakMb,
    brokerCpuS: brokerCpu,
    others: otherCpu,
    sample,
    ...(forwarderLine ? { forwarderLine } : {}),
  }
}

// ------------------------------------------------------------------ run

await admin.connect()
log(`prefill: ${N} spans to ${TOPIC_THRIFT} (jaeger_thrift) and ${TOPIC_OTLP} (otlp_proto), ${PARTITIONS} partitions each`)
const { traces, ...filled } = await prefill()
log(`prefill done in ${filled.thrift.seconds.toFixed(1)} s: ${traces.length} traces; thrift ${filled.thrift.records} records ${filled.thrift.bytes} B; otlp ${filled.otlp.records} records ${filled.otlp.bytes} B`)
if (traces.length >= 200_000) throw new Error(`${traces.length} traces: more than the memory store's max_traces (200000 in scripts/peers.mjs) would evict`)
const ALL_READERS: VariantId[] = ['ingester-otlp', 'forwarder-otlp', 'forwarder-otlp-1', 'forwarder-thrift']
const ORDER: VariantId[] = READERS_WANTED ? ([...ALL_READERS, 'forwarder-jproto', 'forwarder-jproto-1'] as VariantId[]).filter((v) => READERS_WANTED.includes(v)) : ALL_READERS
if (ORDER.length === 0) throw new Error(`BENCH_READERS names none of ${ALL_READERS.join(', ')}`)
const results: Drain[] = []
for (let round = 0; round < ROUNDS; round++) {
  // Rotate the order per round so no variant always runs first.
  for (let k = 0; k < ORDER.length; k++) {
    const variant = ORDER[(k + round) % ORDER.length]!
    log(`round ${round + 1}: ${variant}`)
    let r: Drain
    try {
      r = await drain(variant, filled, traces, round)
    } catch (error) {
      // Leave nothing running: the forwarder child and the Jaegers this bench started.
      if (forwarderChild?.exitCode === null) forwarderChild.kill('SIGKILL')
      peers('stop', ['jaeger', 'jaeger-ingester'])
      throw error
    }
    log(`  ${JSON.stringify(r)}`)
    results.push(r)
  }
}
// The two topics hold ~0.8 KB per span on the broker's disk: delete them (BENCH_KEEP_TOPICS=1 keeps them).
if (!env.BENCH_KEEP_TOPICS) await admin.deleteTopics({ topics: [TOPIC_THRIFT, TOPIC_OTLP, ...(WITH_JPROTO ? [TOPIC_JPROTO] : [])] })
await admin.disconnect()

const f1 = (n: number): string => n.toFixed(1)
const f2 = (n: number): string => n.toFixed(2)
const f0 = (n: number): string => n.toFixed(0)
const mid = (xs: number[], f: (n: number) => string): string => {
  const sorted = [...xs].sort((a, b) => a - b)
  const m = sorted[Math.floor(sorted.length / 2)]!
  return xs.length === 1 ? f(m) : `${f(m)} [${f(sorted[0]!)}–${f(sorted[sorted.length - 1]!)}]`
}
const us = (cpuS: number): number => (cpuS * 1e6) / N
const lostOf = (r: Drain): number => N - Math.min(r.stored, N)
const summary = ORDER.map((variant) => {
  const rs = results.filter((r) => r.variant === variant)
  const ingester = variant === 'ingester-otlp'
  return `| ${LABEL[variant]} | ${mid(rs.map((r) => r.toStoredS), f1)} | ${mid(rs.map((r) => r.firstToLastS), f1)} | ${mid(rs.map((r) => N / r.toStoredS), (n) => `${f1(n / 1000)}k`)} | ` +
    `${mid(rs.map((r) => us(r.readerCpuS)), f2)} | ${ingester ? '(in the reader)' : mid(rs.map((r) => us(r.jaegerCpuS)), f2)} | ${mid(rs.map((r) => us(r.readerCpuS + (ingester ? 0 : r.jaegerCpuS))), f2)} | ` +
    `${mid(rs.map((r) => r.readerPeakMb), f0)} | ${ingester ? '(the reader)' : mid(rs.map((r) => r.jaegerPeakMb), f0)} | ${rs.reduce((a, r) => a + lostOf(r), 0)} | ${rs.reduce((a, r) => a + Math.max(0, r.stored - N), 0)} | ${rs.length} |`
})
const rows = results.map((r, i) => {
  return `| ${Math.floor(i / ORDER.length) + 1} | ${LABEL[r.variant]} | ${f1(r.toStoredS)} | ${f1(r.firstToLastS)} | ${f1(r.toCommittedS)} | ${Math.round(N / r.toStoredS).toLocaleString('en-US')} | ${f1(r.readerCpuS)} (${f1(r.readerStartupCpuS)}) | ${Math.round(r.readerPeakMb)} | ` +
    `${r.variant === 'ingester-otlp' ? '–' : f1(r.jaegerCpuS)} | ${Math.round(r.jaegerPeakMb)} | ${f1(r.brokerCpuS)} | ${r.stored.toLocaleString('en-US')} | ${lostOf(r)} | ${r.stored > N ? r.stored - N : 0} | ${r.sample.exact}/${r.sample.checked} | ${f1(r.others.cpuS)} |`
})
const otherNames = new Map<string, number>()
for (const r of results) for (const p of r.others.top) otherNames.set(p.name, (otherNames.get(p.name) ?? 0) + p.cpuS)
const otherTop = [...otherNames].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([n, c]) => `${n} ${f1(c)} s`).join('; ')
const fmtTopic = (name: string, topic: string, f: Filled): string =>
  `- ${name}: \`${topic}\`, ${f.records.toLocaleString('en-US')} records, ${f.bytes.toLocaleString('en-US')} B (${f1(f.bytes / N)} B/span, ${f1(N / f.records)} spans/record)`
const md = `# Drain of one ${N.toLocaleString('en-US')}-span backlog (${RUNTIME})

${conditions.line().replace('Jaeger (version unknown)', jaegerName)}

\`. ./.peers-env && npx tsx bench/drain.ts\` — ${ROUNDS} run${ROUNDS > 1 ? 's' : ''} of each reader in one invocation (order rotated per round), really run, not extrapolated.

**Backlog.** The same ${N.toLocaleString('en-US')} spans (deterministic PRNG; ${traces.length.toLocaleString('en-US')} traces of 1–19 spans; baseline.md's reference span: 6 tags, 1 log with 2 fields, CHILD_OF the trace's earlier span; one jaeger-client process \`users-api\` with 4 tags), appended to ${filled.jproto ? 'three' : 'two'} KafkaSenders (kafkajs) in one pass, a flush every ${FLUSH_EVERY.toLocaleString('en-US')} spans, every span acked and counted (0 dropped, checked), ${PARTITIONS} partitions per topic (prefill took ${f1(filled.thrift.seconds)} s for ${filled.jproto ? 'all three' : 'both'}):
${fmtTopic('jaeger_thrift', TOPIC_THRIFT, filled.thrift)}
${fmtTopic('otlp_proto', TOPIC_OTLP, filled.otlp)}${filled.jproto ? `\n${fmtTopic('jaeger_proto', TOPIC_JPROTO, filled.jproto)}` : ''}

**Readers**, each into a fresh, empty Jaeger (\`jaeger\` v1.76.0 module binary from scripts/peers.mjs, memory store, max_traces 200000), one at a time with nothing else of this bench running:
- Jaeger ingester: \`peers start jaeger-ingester\` (kafka receiver → jaeger_storage_exporter, no batch processor, \`message_marking.after: true\`, default fetch settings); the reader and the store are one process.
- our forwarder: \`node --import tsx cli/bin.ts forward\` in its own process (Node's node:http client, default 4 POSTs in flight per partition) → the main \`jaeger\` peer (receivers jaeger thrift_http + otlp http → batch processor (100 ms) → jaeger_storage_exporter), Prometheus metrics turned on for this bench (\`JAEGER_METRICS_PORT\`).

**Summary** (median [min–max] over the ${ROUNDS} run${ROUNDS > 1 ? 's' : ''} of each reader; CPU per span = CPU seconds × 10⁶ ÷ ${N.toLocaleString('en-US')}):

| reader | reader start → last span stored, s | first → last span stored, s | spans/s (start → stored) | reader CPU µs/span | Jaeger CPU µs/span | reader + Jaeger CPU µs/span | reader peak RSS MB | Jaeger peak RSS MB | spans lost (all runs) | duplicates (all runs) | runs |
|---|---|---|---|---|---|---|---|---|---|---|---|
${summary.join('\n')}

**Every run**, in the order run:

| round | reader | reader start → last span stored, s | first → last span stored, s | reader start → all offsets committed, s | spans/s (start → stored) | reader CPU s (of it before the first span stored) | reader peak RSS MB | Jaeger CPU s | Jaeger peak RSS MB | Kafka broker CPU s | spans stored | lost | duplicates | sampled traces exact | other processes' CPU s meanwhile |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

- **Stored / lost / duplicates**: \`otelcol_exporter_sent_spans_total{exporter="jaeger_storage_exporter"}\` of that Jaeger, read 1 s after the offsets were committed (spans the storage exporter wrote into the memory store; \`send_failed\` was ${results.map((r) => r.failed).join(', ')}). lost = ${N.toLocaleString('en-US')} − stored, duplicates = stored − ${N.toLocaleString('en-US')} when above.
- **Sampled traces exact**: traces read back by id from that Jaeger's query API (\`/api/traces/<id>\`): the first 50, the last 50 and random others; "exact" = the trace holds exactly the spans sent.
- **Times** are from the reader process's start (/proc starttime: the ingester's Jaeger startup, or the forwarder's Node + tsx start, group join included) to the first poll (every ${POLL_MS} ms) that saw the counter at ${N.toLocaleString('en-US')}, or that saw the group's committed offsets (Kafka admin) at the topic's end offsets. For the forwarder the Jaeger was started (and ready) before the reader; for the ingester its startup is part of the reader's time, hence also "first → last span stored".
- **CPU**: /proc/<pid>/stat utime + stime of the reader process over its whole life up to the commit (startup included); for the forwarder rows also the Jaeger process over the same span of time. The ingester row's reader CPU includes the storage work the forwarder rows show under Jaeger. Peak RSS: VmHWM.
- **POSTs**: jaeger_thrift records are one POST each (${filled.thrift.records.toLocaleString('en-US')} POSTs of ${f1(N / filled.thrift.records)} spans on average). otlp_proto records (${filled.otlp.records.toLocaleString('en-US')} of ${f1(N / filled.otlp.records)} spans) are joined: consecutive queued records of a partition go out as one POST (their bytes concatenated, one valid \`TracesData\`), up to 1 MiB and 1000 records; with \`--max-post-records 1\` each record is one POST, as before joining. ${filled.jproto ? ` jaeger_proto records (${filled.jproto.records.toLocaleString('en-US')}, one span each, all of one process) are joined into one Thrift \`Batch\` per POST, within the same limits.` : ''} The POSTs each run made are in the forwarder's own line below. The ingester hands each record to its pipeline, no HTTP.
- Node only for the forwarder (Deno/Bun not run here).
- **Other processes' CPU meanwhile**: every process on the machine but this bench's (reader, Jaeger, Kafka broker, the bench itself), from /proc once a second over the same interval — other helpers' tests and benchmarks on the same 2 cores. Largest over all runs: ${otherTop || 'none'}.
${results.some((r) => r.forwarderLine) ? `- Forwarder's own count at stop (its log line, every run): ${[...new Set(results.filter((r) => r.forwarderLine).map((r) => `${r.variant}: "${r.forwarderLine}"`))].join('; ')}.\n` : ''}`
writeFileSync(env.BENCH_OUT ?? new URL(`./results/drain-${RUNTIME}.md`, import.meta.url), md)
process.stdout.write(md)
process.exit(0)
