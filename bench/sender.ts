// SPDX-License-Identifier: Apache-2.0
// KafkaSender vs jaeger-client's UDPSender and HTTPSender, side by side in one
// run (method of docs baseline.md Part B): 200k reference spans per run, each
// run in a fresh process (bench/sender-run.ts); the UDP and HTTP sinks are
// separate processes (bench/sender-sink.ts), so CPU figures are sender-only.
//
//   npx tsx bench/sender.ts            (Node: also the node-rdkafka variants)
//   npx deno run -A bench/sender.ts    npx bun bench/sender.ts
// flags: --runs N (default 3, or BENCH_RUNS); --variants a,b (only these ids, e.g. the client
//      comparison: --variants kafka-fast,rdkafka-fast,confluent-fast --out sender-clients). env: BENCH_SPANS (default 200000), KAFKA_BROKERS,
//      BENCH_LOAD_NOTE (a note on parallel work on the machine, printed in the header).
//   --encodings: the sender per record encoding instead (jaeger_thrift, otlp_proto,
//      jaeger_proto side by side in each round: drop-in with kafkajs, with
//      node-rdkafka on Node, and our side only), with records/span; writes
//      bench/results/sender-encodings-<runtime>.md.
//
// Metrics per variant, median [min–max] over interleaved runs:
//   e2e spans/s  delivered spans ÷ (first span → last broker ack, or the
//                sink's last byte for UDP/HTTP)
//   CPU µs/span  process.cpuUsage() of the sender process over the same span
//   lost         finished spans not found afterwards (topic read back / sink decode)
// Kafka variants read every record back from the topic and count its spans.
// Writes bench/results/sender-<runtime>.md.
import { Buffer } from 'node:buffer'
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import process from 'node:process'
import { createInterface } from 'node:readline'
import { gzipSync } from 'node:zlib'
import kafkajs from 'kafkajs'
import { decodeRecordView, sniffEncoding } from '../cli/record-view.ts'
import { encodingFromHeader, SPAN_ENCODING_HEADER, SPAN_ENCODINGS } from '../src/kafka/span-record.ts'
import type { SpanEncoding } from '../src/kafka/span-record.ts'
import { RUNTIME, startConditions } from './header.ts'

const runsFlag = process.argv.indexOf('--runs')
const RUNS = Number(runsFlag > 0 ? process.argv[runsFlag + 1] : (process.env.BENCH_RUNS ?? 3))
if (!Number.isInteger(RUNS) || RUNS < 1) throw new RangeError(`Cannot use --runs ${RUNS}: must be an integer >= 1`)
const SPANS = Number(process.env.BENCH_SPANS ?? 200_000)
const flagValue = (name: string): string | undefined => {
  const at = process.argv.indexOf(name)
  return at > 0 ? process.argv[at + 1] : undefined
}
const ONLY = flagValue('--variants')?.split(',')
const OUT = flagValue('--out') ?? 'sender'
const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',')
const STAMP = Date.now().toString(36)
const ENCODINGS_MODE = process.argv.includes('--encodings')

interface Variant {
  id: string
  label: string
  kind: 'noop' | 'udp' | 'udp-default' | 'http' | 'kafka'
  /** sender-run.ts variant (default: id). */
  run?: string
  /** The sender's `encoding` (BENCH_ENCODING). */
  encoding?: SpanEncoding
  /** More env for sender-run.ts. */
  env?: Record<string, string>
  /** --encodings: the id of the jaeger_thrift row this row's CPU is compared with. */
  baseline?: string
}

/** --encodings: each sender setup once per encoding, jaeger_thrift first (the baseline of the ratios). */
const ENCODING_SETUPS: { run: string; label: string; kind: 'kafka' | 'noop' }[] = [
  { run: 'kafka-fast', label: 'drop-in (KafkaReporter), kafkajs', kind: 'kafka' },
  ...(RUNTIME === 'node' ? [{ run: 'rdkafka-fast', label: 'drop-in (KafkaReporter), node-rdkafka', kind: 'kafka' as const }] : []),
  { run: 'null-fast', label: 'our side only (KafkaReporter, producer acks at once)', kind: 'noop' },
]
/** Workloads: the reference burst as one trace (otlp_proto's best case for records, worst for partitions), and as traces of 10 spans. */
const WORKLOADS = [
  { id: 'one', traceSpans: '0', label: 'one trace' },
  { id: 'ten', traceSpans: '10', label: '10 spans per trace' },
]
const ENCODING_VARIANTS: Variant[] = WORKLOADS.flatMap((workload) =>
  ENCODING_SETUPS.flatMap((setup) =>
    SPAN_ENCODINGS.map((encoding) => ({
      id: `${workload.id}-${setup.run}-${encoding}`,
      run: setup.run,
      encoding,
      kind: setup.kind,
      env: { BENCH_TRACE_SPANS: workload.traceSpans },
      baseline: `${workload.id}-${setup.run}-jaeger_thrift`,
      label: `${workload.label}; ${setup.label}: ${encoding}`,
    })),
  ),
)

const STANDARD_VARIANTS: Variant[] = [
  { id: 'noop', label: 'NoopReporter (span creation only)', kind: 'noop' },
  { id: 'udp', label: 'jaeger-client UDPSender → agent sink (4 MiB receive buffer requested)', kind: 'udp' },
  { id: 'udp-default', label: 'jaeger-client UDPSender → agent sink with the default receive buffer (net.core.rmem_default)', kind: 'udp-default' },
  { id: 'http', label: 'jaeger-client HTTPSender → collector sink (202)', kind: 'http' },
  { id: 'kafka-fast', label: 'drop-in initTracer: KafkaReporter + KafkaSender (kafkajs), the default', kind: 'kafka' },
  { id: 'kafka-remote', label: 'drop-in, reporter "remote": jaeger-client RemoteReporter + KafkaSender (kafkajs)', kind: 'kafka' },
  { id: 'kafka-fast-gzip', label: 'drop-in: KafkaReporter + KafkaSender (kafkajs, gzip)', kind: 'kafka' },
  ...(RUNTIME === 'node'
    ? ([
        { id: 'rdkafka-fast', label: 'drop-in: KafkaReporter + KafkaSender (node-rdkafka)', kind: 'kafka' },
        { id: 'rdkafka-remote', label: 'drop-in, reporter "remote": RemoteReporter + KafkaSender (node-rdkafka)', kind: 'kafka' },
        { id: 'confluent-fast', label: "drop-in, client 'confluent': KafkaReporter + KafkaSender (@confluentinc/kafka-javascript)", kind: 'kafka' },
      ] as Variant[])
    : []),
  { id: 'null-remote', label: 'our side only: RemoteReporter + KafkaSender, producer acks at once', kind: 'noop' },
  { id: 'null-fast', label: 'our side only: KafkaReporter + KafkaSender, producer acks at once', kind: 'noop' },
]
const VARIANTS = ENCODINGS_MODE ? ENCODING_VARIANTS : STANDARD_VARIANTS.filter((v) => ONLY === undefined || ONLY.includes(v.id))
if (!ENCODINGS_MODE && ONLY !== undefined && VARIANTS.length !== ONLY.length) throw new RangeError(`Cannot run --variants ${ONLY.join(',')}: unknown on ${RUNTIME}`)

interface RunResult {
  variant: string
  n: number
  t0: number
  tProduced: number
  tEnd: number
  cpuUs: number
  rssMB: number
  stats?: { spansDelivered: number; spansDropped: Record<string, number>; batchesDelivered: number; bytesDelivered: number }
}

interface Measured {
  e2e: number
  cpuPerSpan: number
  lost: number
  rssMB: number
  bytesPerSpan?: number
  gzipBytesPerSpan?: number
  dropped?: number
  /** Sender stats: dropped spans by reason (Kafka variants). */
  droppedBy?: Record<string, number>
  /** Records per delivered span (topic read back; sender stats for "our side only"). */
  recordsPerSpan?: number
}

function command(script: string, args: string[]): [string, string[]] {
  if (RUNTIME === 'deno') return [process.execPath, ['run', '-A', script, ...args]]
  if (RUNTIME === 'bun') return [process.execPath, [script, ...args]]
  return [process.execPath, ['--import', 'tsx', script, ...args]]
}

/** A long-lived sink process; `report()` asks it what arrived since the last report. */
class Sink {
  readonly port: Promise<number>
  private readonly child: ChildProcess
  private readonly lines: ((line: string) => void)[] = []

  constructor(mode: 'udp' | 'udp-default' | 'http') {
    const [cmd, args] = command('bench/sender-sink.ts', [mode])
    this.child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'inherit'] })
    createInterface({ input: this.child.stdout as NodeJS.ReadableStream }).on('line', (line) => this.lines.shift()?.(line))
    this.port = this.next().then((line) => (JSON.parse(line) as { port: number }).port)
  }

  private next(): Promise<string> {
    return new Promise((resolve) => this.lines.push(resolve))
  }

  async report(): Promise<{ spans: number; bytes: number; messages: number; lastByteAt: number }> {
    const reply = this.next()
    this.child.stdin?.write('report\n')
    return JSON.parse(await reply)
  }

  stop(): void {
    this.child.kill()
  }
}

async function runWorker(variant: string, env: Record<string, string>): Promise<RunResult> {
  const [cmd, args] = command('bench/sender-run.ts', [variant])
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, BENCH_SPANS: String(SPANS), ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += String(d)))
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${variant} exited with ${code}`))
      resolve(JSON.parse(out.trim().split('\n').at(-1) as string) as RunResult)
    })
  })
}

const kafka = new kafkajs.Kafka({ clientId: 'bench-sender', brokers: BROKERS, logLevel: kafkajs.logLevel.NOTHING })

async function createTopic(topic: string): Promise<void> {
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true })
  await admin.disconnect()
}

/** Read `topic` back: records, spans (each record decoded in the encoding its header names), record value bytes, and gzip bytes (when `gzip`). */
async function readBack(topic: string, expected: number, gzip: boolean): Promise<{ records: number; spans: number; bytes: number; gzipBytes: number }> {
  const consumer = kafka.consumer({ groupId: `${topic}-check`, maxBytes: 64 * 1024 * 1024 })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const totals = { records: 0, spans: 0, bytes: 0, gzipBytes: 0 }
  await new Promise<void>((resolve) => {
    let idle = setTimeout(resolve, 20_000)
    void consumer.run({
      eachMessage: async ({ message }) => {
        const value = message.value as Buffer
        const header = message.headers?.[SPAN_ENCODING_HEADER]
        const encoding = (header === undefined ? undefined : encodingFromHeader(String(header))) ?? sniffEncoding(value)
        totals.records++
        totals.spans += decodeRecordView(value, encoding).spans.length
        totals.bytes += value.length
        if (gzip) totals.gzipBytes += gzipSync(value).length
        clearTimeout(idle)
        idle = setTimeout(resolve, totals.spans >= expected ? 500 : 10_000)
      },
    })
  })
  await consumer.disconnect()
  return totals
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2
}

const conditions = startConditions({ kafka: true })
const sysctl = (name: string): string => {
  try {
    return readFileSync(`/proc/sys/net/core/${name}`, 'utf8').trim()
  } catch {
    return 'unknown'
  }
}
const results = new Map<string, Measured[]>()
const udp = new Sink('udp')
const udpDefault = new Sink('udp-default')
const http = new Sink('http')
const sinks = { udp, 'udp-default': udpDefault, http }
const ports = { udp: await udp.port, 'udp-default': await udpDefault.port, http: await http.port }

try {
  for (let run = 1; run <= RUNS; run++) {
    for (const v of VARIANTS) {
      const env: Record<string, string> = {}
      let topic = ''
      if (v.kind === 'udp' || v.kind === 'udp-default' || v.kind === 'http') env.SINK_PORT = String(ports[v.kind])
      if (v.kind === 'kafka') {
        topic = `bench-sender-${v.id}-${STAMP}-${run}`
        await createTopic(topic)
        env.BENCH_TOPIC = topic
        env.KAFKA_BROKERS = BROKERS.join(',')
      }
      if (v.encoding) env.BENCH_ENCODING = v.encoding
      Object.assign(env, v.env)
      const r = await runWorker(v.run ?? (v.kind === 'udp-default' ? 'udp' : v.id), env)
      const m: Measured = { e2e: 0, cpuPerSpan: r.cpuUs / r.n, lost: 0, rssMB: r.rssMB }
      if (v.kind === 'udp' || v.kind === 'udp-default' || v.kind === 'http') {
        const sink = await sinks[v.kind].report()
        m.e2e = sink.spans / ((sink.lastByteAt - r.t0) / 1000)
        m.lost = r.n - sink.spans
        m.bytesPerSpan = sink.bytes / Math.max(1, sink.spans)
      } else if (v.kind === 'kafka') {
        const back = await readBack(topic, r.n, run === 1)
        m.e2e = back.spans / ((r.tEnd - r.t0) / 1000)
        m.lost = r.n - back.spans
        m.dropped = Object.values(r.stats?.spansDropped ?? {}).reduce((a, b) => a + b, 0)
        m.droppedBy = Object.fromEntries(Object.entries(r.stats?.spansDropped ?? {}).filter(([, n]) => n > 0))
        m.bytesPerSpan = back.bytes / Math.max(1, back.spans)
        m.recordsPerSpan = back.records / Math.max(1, back.spans)
        if (run === 1) m.gzipBytesPerSpan = back.gzipBytes / Math.max(1, back.spans)
      } else {
        m.e2e = r.n / ((r.tEnd - r.t0) / 1000)
        if (r.stats) {
          m.lost = r.n - r.stats.spansDelivered
          m.bytesPerSpan = r.stats.bytesDelivered / Math.max(1, r.stats.spansDelivered)
          m.recordsPerSpan = r.stats.batchesDelivered / Math.max(1, r.stats.spansDelivered)
        }
      }
      const list = results.get(v.id) ?? []
      list.push(m)
      results.set(v.id, list)
      process.stderr.write(`run ${run} ${v.id.padEnd(16)} ${Math.round(m.e2e)} spans/s  ${m.cpuPerSpan.toFixed(2)} µs/span  lost ${m.lost}${m.dropped ? ` (dropped ${m.dropped})` : ''}\n`)
    }
  }
} finally {
  udp.stop()
  udpDefault.stop()
  http.stop()
}

// ----------------------------------------------------------------- report
const fmtRate = (x: number): string => (x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : `${(x / 1e3).toFixed(1)}k`)
const range = (xs: number[], f: (x: number) => string): string => `${f(median(xs))} [${f(Math.min(...xs))}–${f(Math.max(...xs))}]`

const rows: string[] = []
for (const v of ENCODINGS_MODE ? [] : VARIANTS) {
  const ms = results.get(v.id) ?? []
  const e2e = ms.map((m) => m.e2e)
  const cpu = ms.map((m) => m.cpuPerSpan)
  const lost = ms.map((m) => m.lost)
  const droppedRuns = ms.filter((m) => (m.dropped ?? 0) > 0).length
  const reasons = new Set(ms.flatMap((m) => Object.keys(m.droppedBy ?? {})))
  const dropped = v.kind !== 'kafka' ? '–' : droppedRuns === 0 ? `0 of ${ms.length} runs` : `${droppedRuns} of ${ms.length} runs (${[...reasons].join(', ')}): ${ms.map((m) => `${(((m.dropped ?? 0) / SPANS) * 100).toFixed(1)} %`).join(', ')}`
  const bytes = ms.find((m) => m.bytesPerSpan !== undefined)?.bytesPerSpan
  const gz = ms.find((m) => m.gzipBytesPerSpan !== undefined)?.gzipBytesPerSpan
  // Paired per round (the UDPSender run of the same round), so a load swing hits both sides.
  const udpRuns = results.get('udp') ?? []
  const paired = (pick: (m: Measured) => number): string => range(ms.map((m, i) => pick(m) / pick(udpRuns[i]!)), (x) => `${x.toFixed(2)}×`)
  const vsUdp = udpRuns.length === 0 || v.id.startsWith('udp') || v.id.startsWith('null') || v.id === 'noop' ? '–' : `${paired((m) => m.e2e)} / ${paired((m) => m.cpuPerSpan)}`
  rows.push(
    `| ${v.label} | ${range(e2e, fmtRate)} | ${range(cpu, (x) => x.toFixed(2))} | ${vsUdp} | ${lost.map((l) => String(l)).join(', ')} | ${dropped} | ${bytes === undefined ? '–' : bytes.toFixed(1)} | ${gz === undefined ? '–' : gz.toFixed(1)} | ${median(ms.map((m) => m.rssMB)).toFixed(0)} |`,
  )
}

const DENO_NOTE = `
Deno: until 2026-11-30 this loop yielded with setImmediate, which on Deno 2.9 does not poll sockets: during the burst the Kafka client read no produce acks, the sender's buffer filled, and 61–64k of 200k spans were dropped, counted as \`buffer_full\` (sender stats = spans missing from the topic). That was the benchmark's loop, not the sender: the same sender with setTimeout(0) drops none (\`BENCH_YIELD=immediate\` reproduces it). An app that never yields to I/O would see the same counted drops. On Deno, jaeger-client's UDPSender loses most of the burst even into the 4 MiB buffer (sender and sink both on Deno; not investigated further), so "vs UDP" e2e ratios on Deno compare with a sender that delivered a fraction of the spans: read the CPU ratio.
`
const table = `# KafkaSender benchmark (${RUNTIME})

${conditions.line()}

${SPANS} reference spans per run (baseline.md Part B), ${RUNS} interleaved runs (every variant once per round, each in a fresh process); median [min–max].
Kafka: one local broker (${BROKERS.join(',')}), topics with 3 partitions, every record read back after each run.
Sinks are separate processes (UDP: 4 MiB receive buffer requested, or the kernel default; net.core.rmem_default ${sysctl('rmem_default')} B, rmem_max ${sysctl('rmem_max')} B; HTTP: answers 202). "vs UDP" = e2e ratio / CPU ratio to the UDPSender (4 MiB buffer) run of the same round, median [min–max] over rounds.

| variant | e2e spans/s | CPU µs/span | vs UDP (e2e / CPU) | lost per run | dropped by the sender (counted, reason): share of the burst per run | bytes/span on the wire | gzip bytes/span | RSS MB |
|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

- e2e: delivered spans ÷ (first span created → last broker ack for Kafka; → the sink's last byte for UDP/HTTP).
- CPU: user + system time of the sender process over the same interval (includes the Kafka client).
- lost: finished spans that did not arrive (Kafka: read back from the topic; UDP/HTTP: decoded at the sink). Kafka drops, if any, are counted by the sender (stats) and equal the loss.
- bytes/span: Kafka record value (bare Batch) or UDP datagram / HTTP body bytes per span; gzip: each record value gzipped (Node zlib default level). The reference spans differ only in ids and times, so gzip shrinks them far more than real traffic.
- "our side only": the sender with a producer that acknowledges at once, i.e. span → Thrift → batch cost without any Kafka client.
- The burst loop yields to I/O between chunks of 1000 spans: setImmediate on Node and Bun, setTimeout(0) on Deno, whose setImmediate loop does not poll sockets (bench/sender-run.ts \`yieldToIo\`).
${RUNTIME === 'deno' ? DENO_NOTE : ''}`
mkdirSync('bench/results', { recursive: true })
const output = ENCODINGS_MODE ? encodingsTable() : table
writeFileSync(`bench/results/${ENCODINGS_MODE ? 'sender-encodings' : OUT}-${RUNTIME}.md`, output)
process.stdout.write(output)
process.exit(0)

/** Records per span, and spans per record when there are many. */
function recordsCell(ms: Measured[]): string {
  const x = ms.map((m) => m.recordsPerSpan).find((y) => y !== undefined)
  if (x === undefined) return '–'
  return x >= 0.5 ? x.toFixed(2) : `${x.toPrecision(2)} (${(1 / x).toFixed(0)} spans/record)`
}

/** --encodings: one row per setup × encoding; CPU ratio to the jaeger_thrift run of the same setup and round. */
function encodingsTable(): string {
  const rows = VARIANTS.map((v) => {
    const ms = results.get(v.id) ?? []
    const thrift = results.get(v.baseline ?? '') ?? []
    const ratio = v.encoding === 'jaeger_thrift' ? '1 (baseline)' : range(ms.map((m, i) => m.cpuPerSpan / thrift[i]!.cpuPerSpan), (x) => `${x.toFixed(2)}×`)
    const droppedRuns = ms.filter((m) => (m.dropped ?? 0) > 0).length
    const find = (pick: (m: Measured) => number | undefined): string => {
      const x = ms.map(pick).find((y) => y !== undefined)
      return x === undefined ? '–' : x.toFixed(1)
    }
    return `| ${v.label} | ${range(ms.map((m) => m.e2e), fmtRate)} | ${range(ms.map((m) => m.cpuPerSpan), (x) => x.toFixed(2))} | ${ratio} | ${find((m) => m.bytesPerSpan)} | ${recordsCell(ms)} | ${ms.map((m) => String(m.lost)).join(', ')} | ${v.kind === 'kafka' ? `${droppedRuns} of ${ms.length} runs` : '–'} | ${median(ms.map((m) => m.rssMB)).toFixed(0)} |`
  })
  return `# KafkaSender per span encoding (${RUNTIME})

${conditions.line()}

${SPANS} reference spans per run (baseline.md Part B: 6 tags, 1 log with 2 fields, a childOf reference), either all children of one parent (one trace: the fewest records for otlp_proto, but every record keyed to ONE partition) or a new parent every 10 spans (20k traces), ${RUNS} interleaved rounds (every row once per round, each in a fresh process, same tracer and client code; only \`encoding\` differs); median [min–max].
Kafka: one local broker (${BROKERS.join(',')}), topics with 3 partitions; every record read back after each run and decoded in the encoding its header names.

| sender / encoding | e2e spans/s | CPU µs/span | CPU vs jaeger_thrift (same setup, same round) | bytes/span | records/span | lost per run | runs with sender drops | RSS MB |
|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

- e2e: delivered spans ÷ (first span created → last broker ack); "our side only": ÷ (first span → flush done).
- CPU: user + system time of the sender process over the same interval (includes the Kafka client, except "our side only").
- bytes/span and records/span: record values read back from the topic ("our side only": the sender's delivered bytes and records); jaeger_thrift records hold many traces, the protobuf ones one trace each (jaeger_proto one span each).
- lost: spans not read back from the topic ("our side only": not acknowledged); drops would be counted by the sender.
- Goal (issue 10): otlp_proto ≤ 1.25× the CPU per span of jaeger_thrift, 0 lost.
`
}
