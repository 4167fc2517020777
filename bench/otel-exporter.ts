// SPDX-License-Identifier: Apache-2.0
// KafkaSpanExporter vs OTel's own OTLP exporters, side by side in one run,
// same spans, same BatchSpanProcessor settings, same SDK:
//   - ours: KafkaSpanExporter (otlp_proto records) → Kafka; `jaeger-kafka`'s
//     forwarder takes the topic to Jaeger's OTLP/HTTP receiver; the default
//     kafkajs producer, and node-rdkafka (throughput phase only);
//   - @opentelemetry/exporter-trace-otlp-proto → Jaeger's OTLP/HTTP receiver;
//   - @opentelemetry/exporter-trace-otlp-grpc → Jaeger's OTLP/gRPC receiver
//     (scripts/peers.mjs enables it when JAEGER_OTLP_GRPC_PORT is set);
//   - a no-op exporter: what span creation + the BatchSpanProcessor cost alone.
// 1. Throughput, BENCH_RUNS interleaved rounds of BENCH_SPANS spans each:
//    spans/s (first span started → forceFlush resolved, i.e. broker-acked or
//    Jaeger-accepted), CPU µs/span (process.cpuUsage, user + system, whole
//    process: the Kafka or HTTP/gRPC client included; Jaeger and Kafka are
//    other processes), payload bytes/span (ours: record bytes read back from
//    the topic; theirs: the protobuf request bodies, ProtobufTraceSerializer on
//    the same batches) and wire bytes/span for OTLP (client → server bytes
//    through a counting TCP proxy: HTTP/1.1 or HTTP/2 framing included).
// 2. A 30 s Jaeger outage under steady load (BENCH_RATE spans/s per exporter,
//    all three at once, 10 s up, 30 s down, 10 s up): each path reaches Jaeger
//    through its own TCP proxy, which refuses connections during the outage
//    (Jaeger's memory store survives, so the count at Jaeger is exact). Lost =
//    spans created − spans stored in Jaeger once everything drained.
//
//   . ./.peers-env && JAEGER_OTLP_GRPC_PORT=<port> node scripts/peers.mjs start kafka jaeger
//   KAFKA_BROKERS=… JAEGER_QUERY_URL=… JAEGER_OTLP_HTTP_PORT=… JAEGER_OTLP_GRPC_PORT=… npx tsx bench/otel-exporter.ts
// Env: BENCH_RUNS (3), BENCH_SPANS (15000), BENCH_RATE (250), BENCH_OUTAGE_S (30), BENCH_LOAD_NOTE.
// Writes bench/results/otel-exporter-<runtime>.md.
import { Buffer } from 'node:buffer'
import { writeFileSync } from 'node:fs'
import { createServer, connect, type Server, type Socket } from 'node:net'
import process from 'node:process'
import kafkajs from 'kafkajs'
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api'
import { ExportResultCode, type ExportResult } from '@opentelemetry/core'
import { OTLPTraceExporter as OtlpGrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc'
import { OTLPTraceExporter as OtlpHttpExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base'
import { createForwarder } from '../forwarder/forwarder.ts'
import { KafkaSpanExporter } from '../otel.ts'
import { createRdkafkaProducer } from '../src/kafka/rdkafka.node.ts'
import { RUNTIME, startConditions } from './header.ts'

const env = (name: string, fallback: string): string => process.env[name] || fallback
const RUNS = Number(env('BENCH_RUNS', '3'))
// All of a round's spans are queued before the first export starts (span creation is
// synchronous), so forceFlush() exports every batch at once: keep SPANS ≤ 30 × 512, the OTLP
// exporters' default concurrencyLimit (beyond it they reject with "Concurrent export limit reached").
const SPANS = Number(env('BENCH_SPANS', '15000'))
const RATE = Number(env('BENCH_RATE', '250'))
const OUTAGE_S = Number(env('BENCH_OUTAGE_S', '30'))
const BROKERS = env('KAFKA_BROKERS', '127.0.0.1:9092').split(',')
const QUERY = env('JAEGER_QUERY_URL', 'http://127.0.0.1:16686')
const COLLECTOR_PORT = Number(env('JAEGER_COLLECTOR_PORT', '14268'))
const OTLP_HTTP_PORT = Number(env('JAEGER_OTLP_HTTP_PORT', '4318'))
const OTLP_GRPC_PORT = Number(process.env.JAEGER_OTLP_GRPC_PORT ?? NaN)
if (!Number.isInteger(OTLP_GRPC_PORT)) throw new Error('Cannot run: set JAEGER_OTLP_GRPC_PORT (and start the jaeger peer with it) for the OTLP/gRPC exporter')
const RUN = Date.now().toString(36)
const conditions = startConditions({ kafka: true, jaeger: true })
// The same BatchSpanProcessor settings for every exporter. The throughput phase
// raises maxQueueSize to the round's span count so that no exporter drops there.
const BSP = { maxExportBatchSize: 512, scheduledDelayMillis: 200, exportTimeoutMillis: 30_000, maxQueueSize: 2048 }
const log = (line: string): void => { process.stderr.write(`[bench] ${line}\n`) }
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

// ---------------------------------------------------------------- TCP proxy
/** A 127.0.0.1 TCP proxy counting client → server bytes, that can refuse connections (an outage). */
interface Proxy { port: number; bytesUp: number; down(): Promise<void>; up(): Promise<void>; close(): Promise<void> }

async function startProxy(targetPort: number): Promise<Proxy> {
  const sockets = new Set<Socket>()
  let server: Server
  const proxy: Proxy = {
    port: 0,
    bytesUp: 0,
    async down() {
      for (const s of sockets) s.destroy()
      sockets.clear()
      await new Promise<void>((r) => server.close(() => r()))
    },
    async up() { await listen(proxy.port) },
    async close() { await proxy.down().catch(() => {}) },
  }
  const listen = (port: number): Promise<void> => new Promise((resolve, reject) => {
    server = createServer((client) => {
      const upstream = connect(targetPort, '127.0.0.1')
      sockets.add(client).add(upstream)
      client.on('data', (chunk: Uint8Array) => { proxy.bytesUp += chunk.length })
      client.pipe(upstream).pipe(client)
      const end = (): void => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream) }
      client.on('error', end).on('close', end)
      upstream.on('error', end).on('close', end)
    })
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      proxy.port = (server.address() as { port: number }).port
      resolve()
    })
  })
  await listen(0)
  return proxy
}

// ---------------------------------------------------------------- spans
/** The workload: traces of 10 spans (a server root, 9 internal children), mixed attribute types, an event. */
function makeSpans(tracer: Tracer, count: number, seq: { n: number }): void {
  for (let made = 0; made < count;) {
    const root = tracer.startSpan('GET /api/orders/{id}', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'http.response.status_code': 200, 'url.path': `/api/orders/${seq.n}` } })
    made++
    const parent = trace.setSpan(ROOT_CONTEXT, root)
    for (let i = 0; i < 9 && made < count; i++, made++) {
      const child = tracer.startSpan(`step-${i}`, {
        kind: SpanKind.INTERNAL,
        attributes: { 'app.item': seq.n, 'app.step': i, 'app.cached': i % 2 === 0, 'app.ratio': i / 9, 'app.tenant': 'tenant-7', 'app.tags': ['a', 'b'] },
      }, parent)
      child.addEvent('checkpoint', { 'app.note': 'ok', 'app.n': i })
      if (i === 8) child.setStatus({ code: SpanStatusCode.ERROR, message: 'simulated' })
      child.end()
    }
    root.end()
    seq.n++
  }
}

class NoopExporter implements SpanExporter {
  export(_spans: ReadableSpan[], done: (result: ExportResult) => void): void { done({ code: ExportResultCode.SUCCESS }) }
  async shutdown(): Promise<void> {}
  async forceFlush(): Promise<void> {}
}

interface Variant { name: string; make(topic: string): SpanExporter; proxy?: Proxy }

function provider(exporter: SpanExporter, service: string, queue: number): BasicTracerProvider {
  return new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'service.version': '1.2.3', 'host.name': 'bench-host', 'deployment.environment.name': 'bench' }),
    spanProcessors: [new BatchSpanProcessor(exporter, { ...BSP, maxQueueSize: queue })],
  })
}

/** Bytes of the records on a topic (value + key + headers), read back with kafkajs. */
async function topicBytes(kafka: kafkajs.Kafka, topic: string): Promise<{ records: number; bytes: number }> {
  const admin = kafka.admin()
  await admin.connect()
  const offsets = await admin.fetchTopicOffsets(topic)
  await admin.disconnect()
  const expected = offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0)
  const consumer = kafka.consumer({ groupId: `${topic}-count`, maxWaitTimeInMs: 200 })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  let records = 0
  let bytes = 0
  await new Promise<void>((resolve) => {
    if (expected === 0) resolve()
    void consumer.run({
      eachMessage: async ({ message }) => {
        bytes += (message.value?.length ?? 0) + (message.key?.length ?? 0)
        for (const [k, v] of Object.entries(message.headers ?? {})) bytes += k.length + (Buffer.isBuffer(v) ? v.length : String(v ?? '').length)
        if (++records === expected) resolve()
      },
    })
  })
  await consumer.disconnect()
  return { records, bytes }
}

/** OTLP protobuf request-body bytes for the same spans, in batches of maxExportBatchSize. */
async function otlpBodyBytes(service: string): Promise<number> {
  const memory = new InMemorySpanExporter()
  const p = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'service.version': '1.2.3', 'host.name': 'bench-host', 'deployment.environment.name': 'bench' }),
    spanProcessors: [new BatchSpanProcessor(memory, { ...BSP, maxQueueSize: SPANS })],
  })
  makeSpans(p.getTracer('bench', '1.0.0'), SPANS, { n: 0 })
  await p.forceFlush()
  const spans = memory.getFinishedSpans()
  let bytes = 0
  for (let i = 0; i < spans.length; i += BSP.maxExportBatchSize) bytes += ProtobufTraceSerializer.serializeRequest(spans.slice(i, i + BSP.maxExportBatchSize))?.length ?? 0
  await p.shutdown()
  return bytes / spans.length
}

interface Sample { spansPerS: number; cpuUsPerSpan: number }

async function throughputRound(variant: Variant, round: number, kafka: kafkajs.Kafka, bytes: Map<string, number[]>): Promise<Sample> {
  const topic = `bench-otel-${RUN}-${variant.name.replace(/\W+/g, '')}-${round}`
  if (variant.name.startsWith('KafkaSpanExporter')) {
    const admin = kafka.admin()
    await admin.connect()
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true })
    await admin.disconnect()
  }
  const exporter = variant.make(topic)
  const p = provider(exporter, `bench-${RUN}-${variant.name.replace(/\W+/g, '')}`, SPANS)
  const tracer = p.getTracer('bench', '1.0.0')
  // Warm up the connection (and JIT) with one small flush, outside the measurement.
  makeSpans(tracer, 10, { n: 0 })
  await p.forceFlush()
  const wireBefore = variant.proxy?.bytesUp ?? 0
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  makeSpans(tracer, SPANS, { n: 1 })
  await p.forceFlush()
  const ms = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  if (variant.proxy) push(bytes, `${variant.name} wire`, (variant.proxy.bytesUp - wireBefore) / SPANS)
  await p.shutdown()
  if (variant.name.startsWith('KafkaSpanExporter')) {
    const read = await topicBytes(kafka, topic)
    // The warm-up's 10 spans are on the topic too: per-span bytes over all of them.
    push(bytes, `${variant.name} payload`, read.bytes / (SPANS + 10))
  }
  return { spansPerS: SPANS / (ms / 1000), cpuUsPerSpan: (cpu.user + cpu.system) / SPANS }
}

function push(map: Map<string, number[]>, key: string, value: number): void {
  const list = map.get(key) ?? []
  list.push(value)
  map.set(key, list)
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN
const fmt = (xs: number[], digits = 1): string => xs.length === 0 ? '–' : `${median(xs).toFixed(digits)} [${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}]`

/** Spans stored in Jaeger for a service (sum over its traces). */
async function spansInJaeger(service: string): Promise<number> {
  const res = await fetch(`${QUERY}/api/traces?service=${encodeURIComponent(service)}&limit=100000&lookback=2h`, { signal: AbortSignal.timeout(30_000) })
  const body = (await res.json()) as { data?: Array<{ spans: unknown[] }> }
  return (body.data ?? []).reduce((n, t) => n + t.spans.length, 0)
}

interface OutageResult { name: string; created: number; stored: number; exportFailures: number; atOutage: number; atRecovery: number; createdAtRecovery: number }

const outageNotes: string[] = []

async function outagePhase(kafka: kafkajs.Kafka): Promise<OutageResult[]> {
  const proxies = { collector: await startProxy(COLLECTOR_PORT), otlpHttp: await startProxy(OTLP_HTTP_PORT), otlpGrpc: await startProxy(OTLP_GRPC_PORT) }
  const topic = `bench-otel-${RUN}-outage`
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true })
  await admin.disconnect()
  const forwarder = createForwarder({
    brokers: BROKERS, topic, groupId: `${topic}-fwd`,
    collectorUrl: `http://127.0.0.1:${proxies.collector.port}/api/traces`,
    otlpEndpoint: `http://127.0.0.1:${proxies.otlpHttp.port}/v1/traces`,
    logger: { info: () => {}, error: () => {} },
  })
  await forwarder.start()
  const failures = new Map<string, number>()
  const counting = (name: string, exporter: SpanExporter): SpanExporter => ({
    export(spans, done) {
      exporter.export(spans, (result) => {
        if (result.code !== ExportResultCode.SUCCESS) failures.set(name, (failures.get(name) ?? 0) + spans.length)
        done(result)
      })
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  })
  const variants = [
    { name: 'KafkaSpanExporter → forwarder', exporter: new KafkaSpanExporter({ brokers: BROKERS, topic }) as unknown as SpanExporter },
    { name: 'OTLP/HTTP (exporter-trace-otlp-proto)', exporter: new OtlpHttpExporter({ url: `http://127.0.0.1:${proxies.otlpHttp.port}/v1/traces` }) },
    { name: 'OTLP/gRPC (exporter-trace-otlp-grpc)', exporter: new OtlpGrpcExporter({ url: `http://127.0.0.1:${proxies.otlpGrpc.port}` }) },
  ].map((v, i) => {
    const service = `bench-outage-${RUN}-${i}`
    const p = provider(counting(v.name, v.exporter), service, BSP.maxQueueSize)
    return { ...v, service, provider: p, tracer: p.getTracer('bench', '1.0.0'), created: 0, seq: { n: 0 } }
  })
  const tickMs = 100
  const perTick = Math.max(1, Math.round(RATE * tickMs / 1000))
  const timer = setInterval(() => {
    for (const v of variants) { makeSpans(v.tracer, perTick, v.seq); v.created += perTick }
  }, tickMs)
  const stored = (): Promise<number[]> => Promise.all(variants.map((v) => spansInJaeger(v.service)))
  log('outage phase: 10 s up')
  await sleep(10_000)
  log(`outage phase: Jaeger unreachable for ${OUTAGE_S} s`)
  await Promise.all(Object.values(proxies).map((p) => p.down()))
  const atOutage = await stored()
  await sleep(OUTAGE_S * 1000)
  await Promise.all(Object.values(proxies).map((p) => p.up()))
  const atRecovery = await stored()
  const createdAtRecovery = variants.map((v) => v.created)
  log('outage phase: Jaeger back, 10 s more load')
  await sleep(10_000)
  clearInterval(timer)
  await Promise.all(variants.map((v) => v.provider.forceFlush().catch(() => {})))
  // Drain: wait until the counts at Jaeger stop moving (ours: the forwarder catching up).
  let last = ''
  for (let stable = 0, i = 0; stable < 3 && i < 60; i++) {
    await sleep(2000)
    const counts = await Promise.all(variants.map((v) => spansInJaeger(v.service)))
    const now = counts.join(',')
    log(`drain: stored ${now} of ${variants.map((v) => v.created).join(',')}`)
    stable = now === last ? stable + 1 : 0
    last = now
    if (counts.every((c, k) => c === variants[k]!.created)) break
  }
  const results: OutageResult[] = []
  for (const [k, v] of variants.entries()) {
    results.push({
      name: v.name, created: v.created, stored: await spansInJaeger(v.service), exportFailures: failures.get(v.name) ?? 0,
      atOutage: atOutage[k]!, atRecovery: atRecovery[k]!, createdAtRecovery: createdAtRecovery[k]!,
    })
  }
  const ours = variants[0]!.exporter as unknown as { stats(): { spansDelivered: number; spansDropped: Record<string, number>; exportsFailed: number } }
  const stats = ours.stats()
  outageNotes.push(`KafkaSpanExporter stats: ${stats.spansDelivered} spans delivered to Kafka, dropped ${JSON.stringify(stats.spansDropped)}, ${stats.exportsFailed} exports FAILED.`)
  const m = forwarder.metrics()
  outageNotes.push(`Forwarder: ${m.spansForwarded} spans forwarded in ${m.recordsForwarded} records, ${m.retries} retries, dead-lettered ${JSON.stringify(m.deadLettered)}.`)
  for (const v of variants) await v.provider.shutdown().catch(() => {})
  await forwarder.stop()
  await Promise.all(Object.values(proxies).map((p) => p.close()))
  return results
}

// ---------------------------------------------------------------- main
const kafka = new kafkajs.Kafka({ clientId: 'bench-otel', brokers: BROKERS, logLevel: kafkajs.logLevel.NOTHING })
const httpProxy = await startProxy(OTLP_HTTP_PORT)
const grpcProxy = await startProxy(OTLP_GRPC_PORT)
const variants: Variant[] = [
  { name: 'no-op exporter (SDK + BatchSpanProcessor only)', make: () => new NoopExporter() },
  { name: 'KafkaSpanExporter (otlp_proto)', make: (topic) => new KafkaSpanExporter({ brokers: BROKERS, topic }) as unknown as SpanExporter },
  // The same exporter on librdkafka (native; its threads count in process.cpuUsage() too): how much of ours is the Kafka client.
  { name: 'KafkaSpanExporter (otlp_proto, node-rdkafka producer)', make: (topic) => new KafkaSpanExporter({ producer: createRdkafkaProducer({ brokers: BROKERS }), topic }) as unknown as SpanExporter },
  { name: 'OTLP/HTTP (exporter-trace-otlp-proto)', make: () => new OtlpHttpExporter({ url: `http://127.0.0.1:${httpProxy.port}/v1/traces` }), proxy: httpProxy },
  { name: 'OTLP/gRPC (exporter-trace-otlp-grpc)', make: () => new OtlpGrpcExporter({ url: `http://127.0.0.1:${grpcProxy.port}` }), proxy: grpcProxy },
]
const samples = new Map<string, Sample[]>(variants.map((v) => [v.name, []]))
const bytes = new Map<string, number[]>()
// One discarded pass first: the JIT warms up on whichever variant runs first.
for (const v of variants) await throughputRound(v, -1, kafka, new Map())
for (let round = 0; round < RUNS; round++) {
  // Rotate the order each round so no variant always runs first.
  for (let k = 0; k < variants.length; k++) {
    const v = variants[(k + round) % variants.length]!
    const s = await throughputRound(v, round, kafka, bytes)
    samples.get(v.name)!.push(s)
    log(`round ${round + 1}/${RUNS} ${v.name}: ${s.spansPerS.toFixed(0)} spans/s, ${s.cpuUsPerSpan.toFixed(2)} µs CPU/span`)
  }
}
await httpProxy.close()
await grpcProxy.close()
const otlpBody = await otlpBodyBytes(`bench-${RUN}-bytes`)
const outage = await outagePhase(kafka)

const noop = samples.get(variants[0]!.name)!.map((s) => s.cpuUsPerSpan)
const lines = [
  `# OTel exporters benchmark (${RUNTIME})`,
  '',
  conditions.line(),
  '',
  `\`npx tsx bench/otel-exporter.ts\`: ${RUNS} interleaved rounds of ${SPANS} spans per exporter (traces of 10 spans: 3–6 attributes of`,
  'string/int/bool/double/array types, one event on 9 of 10, one error status per trace; 4 resource attributes),',
  `median [min–max]. Same SDK \`BasicTracerProvider\` and \`BatchSpanProcessor\` settings for all (maxExportBatchSize ${BSP.maxExportBatchSize},`,
  `scheduledDelayMillis ${BSP.scheduledDelayMillis}, exportTimeoutMillis ${BSP.exportTimeoutMillis}; maxQueueSize = the round's span count here so none drops,`,
  `${BSP.maxQueueSize} in the outage run). The round's spans are all queued before the first export starts, so \`forceFlush()\``,
  `exports its ${Math.ceil(SPANS / BSP.maxExportBatchSize)} batches at once (the OTLP exporters' concurrencyLimit is 30). spans/s: first span started → \`forceFlush()\` resolved (ours: the broker acked;`,
  "theirs: Jaeger answered). CPU: `process.cpuUsage()` of the whole process over that time, per span; \"export part\" subtracts",
  "the no-op exporter's median (span creation + processor). Jaeger and Kafka run in other processes.",
  '',
  '| exporter | spans/s | CPU µs/span | export part µs/span |',
  '|---|---:|---:|---:|',
  ...variants.map((v) => {
    const s = samples.get(v.name)!
    const cpu = s.map((x) => x.cpuUsPerSpan)
    return `| ${v.name} | ${fmt(s.map((x) => x.spansPerS), 0)} | ${fmt(cpu, 2)} | ${v === variants[0] ? '–' : (median(cpu) - median(noop)).toFixed(2)} |`
  }),
  '',
  'Bytes per span:',
  '',
  '| exporter | payload B/span | on the wire B/span |',
  '|---|---:|---:|',
  `| KafkaSpanExporter (otlp_proto) | ${fmt(bytes.get('KafkaSpanExporter (otlp_proto) payload') ?? [], 1)} (record value + key + headers, read back from the topic; one record per trace, keyed by trace id, as issue 10 defines \`otlp_proto\` records: the resource repeats per 10-span trace and the scope is two attributes on every span (the jaeger model has no scope), where OTLP requests carry both once per 512 spans) | Kafka framing not measured |`,
  `| OTLP/HTTP | ${otlpBody.toFixed(1)} (protobuf body, ProtobufTraceSerializer on the same batches) | ${fmt(bytes.get('OTLP/HTTP (exporter-trace-otlp-proto) wire') ?? [], 1)} |`,
  `| OTLP/gRPC | ${otlpBody.toFixed(1)} (+5 B gRPC framing per request) | ${fmt(bytes.get('OTLP/gRPC (exporter-trace-otlp-grpc) wire') ?? [], 1)} |`,
  '',
  `Jaeger outage: ${RATE} spans/s per exporter, the three at once, 10 s up, ${OUTAGE_S} s with every path to Jaeger refusing`,
  'connections (a TCP proxy per path in front of the real Jaeger: its memory store survives, so the counts at Jaeger are exact),',
  `10 s up, then \`forceFlush()\` and drain; BatchSpanProcessor maxQueueSize ${BSP.maxQueueSize}. Ours: KafkaSpanExporter → Kafka →`,
  '`createForwarder` (→ Jaeger through the proxy). Stored = spans of the service in Jaeger\'s query API.',
  '',
  '| exporter | spans created | stored in Jaeger | **lost** | in FAILED exports | dropped by the processor queue (lost − failed) | stored when the outage began / ended (created by then) |',
  '|---|---:|---:|---:|---:|---:|---|',
  ...outage.map((r) => `| ${r.name} | ${r.created} | ${r.stored} | **${r.created - r.stored}** | ${r.exportFailures} | ${r.name.startsWith('KafkaSpanExporter') ? '– (its FAILED exports stay buffered and are retried)' : r.created - r.stored - r.exportFailures} | ${r.atOutage} / ${r.atRecovery} (${r.createdAtRecovery}) |`),
  '',
  ...outageNotes,
  '',
]
const file = `bench/results/otel-exporter-${RUNTIME}.md`
writeFileSync(file, lines.join('\n'))
console.log(lines.join('\n'))
log(`wrote ${file}`)
process.exit(0)
