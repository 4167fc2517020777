// SPDX-License-Identifier: Apache-2.0
// One benchmark run in a fresh process (spawned by bench/sender.ts): a real
// jaeger-client tracer creates BENCH_SPANS reference spans (baseline.md) in
// chunks of 1000, yielding to I/O between chunks (see yieldToIo), then flushes. Prints one
// JSON line: start/end times (epoch ms), process CPU and RSS, sender stats.
//
//   variant: noop | udp | http | kafka-remote | kafka-fast | kafka-fast-gzip
//            | rdkafka-remote | rdkafka-fast | confluent-fast (Node only)
//            | null-remote | null-fast (our sender with a producer that acks at once)
// env: BENCH_SPANS, SINK_PORT (udp/http), KAFKA_BROKERS, BENCH_TOPIC (kafka),
//      BENCH_ENCODING (kafka and null variants: the sender's `encoding`, default jaeger_thrift),
//      BENCH_TRACE_SPANS (spans per trace: a new parent every N spans; default 0 = every span a child of one parent, one trace),
//      BENCH_YIELD (immediate | timeout: override the runtime's yield, to reproduce the Deno finding)
import { createRequire } from 'node:module'
import process from 'node:process'
import { getKafkaSender, initTracer, KafkaReporter, KafkaSender } from '../senders/index.ts'
import type { KafkaProducer } from '../src/kafka/types.ts'
import { parseSpanEncoding } from '../src/kafka/span-record.ts'
import { finishReferenceSpan } from './reference-spans.ts'

const require = createRequire(import.meta.url)
// deno-lint-ignore no-explicit-any
type Loose = any
const jaeger = require('jaeger-client') as Loose

const variant = process.argv[2] ?? 'noop'
const N = Number(process.env.BENCH_SPANS ?? 200_000)
const CHUNK = 1000
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',')
const topic = process.env.BENCH_TOPIC ?? 'bench-spans'
const silent = { info() {}, error: (m: string) => process.stderr.write(`${m}\n`) }
const now = (): number => performance.timeOrigin + performance.now()

/**
 * Let socket I/O run between chunks, as an app between requests. Node and
 * Bun: setImmediate runs after the poll phase. Deno 2.9: a setImmediate loop
 * does not poll sockets — measured (a TCP echo in one process, 200 chunks of
 * 2 ms CPU): 5 of 200 replies read during the loop with setImmediate, 200 with
 * setTimeout(0) — so a Deno burst starved the Kafka client of its produce
 * acks and the UDP sender of its sends. setTimeout(0) on Node would add its
 * 1 ms minimum per chunk, hence one yield per runtime.
 */
const yieldMode = process.env.BENCH_YIELD ?? ('Deno' in globalThis ? 'timeout' : 'immediate')
const yieldToIo: () => Promise<void> = yieldMode === 'timeout' ? () => new Promise((r) => setTimeout(r, 0)) : () => new Promise((r) => setImmediate(r))

async function producerFor(kind: 'kafkajs' | 'rdkafka', compression: 'none' | 'gzip'): Promise<{ producer?: KafkaProducer; kafka?: Loose }> {
  if (kind === 'kafkajs') return { kafka: { brokers, compression } }
  const { createRdkafkaProducer } = await import('../src/kafka/rdkafka.node.ts')
  return { producer: createRdkafkaProducer({ brokers, compression }) }
}

// Bench settings: a flush waits for every ack (no early timeout).
const senderTuning = {
  topic,
  flushTimeoutMs: 600_000,
  closeTimeoutMs: 60_000,
  ...(process.env.BENCH_ENCODING ? { encoding: parseSpanEncoding(process.env.BENCH_ENCODING, 'BENCH_ENCODING') } : {}),
}

async function makeTracer(): Promise<{ tracer: Loose; reporter: Loose; sender?: KafkaSender }> {
  const config = { serviceName: 'users-api', sampler: { type: 'const', param: 1 } }
  const options = { logger: silent }
  switch (variant) {
    case 'noop': {
      const reporter = new jaeger.NoopReporter()
      return { tracer: jaeger.initTracer(config, { ...options, reporter }), reporter }
    }
    case 'udp': {
      const tracer = jaeger.initTracer({ ...config, reporter: { agentHost: '127.0.0.1', agentPort: Number(process.env.SINK_PORT) } }, options)
      return { tracer, reporter: tracer._reporter }
    }
    case 'http': {
      const tracer = jaeger.initTracer({ ...config, reporter: { collectorEndpoint: `http://127.0.0.1:${process.env.SINK_PORT}/api/traces` } }, options)
      return { tracer, reporter: tracer._reporter }
    }
    case 'kafka-remote':
    case 'kafka-fast':
    case 'kafka-fast-gzip':
    case 'rdkafka-remote':
    case 'rdkafka-fast': {
      // The drop-in initTracer(): reporter 'kafka' (default, KafkaReporter) or 'remote' (jaeger-client's RemoteReporter).
      const rdkafka = variant.startsWith('rdkafka')
      const client = await producerFor(rdkafka ? 'rdkafka' : 'kafkajs', variant === 'kafka-fast-gzip' ? 'gzip' : 'none')
      const reporterKind: 'remote' | 'kafka' = variant.endsWith('remote') ? 'remote' : 'kafka'
      const kafka = client.producer
        ? { producer: client.producer, reporter: reporterKind, ...senderTuning }
        : { brokers, compression: client.kafka.compression, reporter: reporterKind, ...senderTuning }
      const tracer = initTracer({ ...config, reporter: { kafka } }, options) as Loose
      return { tracer, reporter: tracer._reporter, sender: getKafkaSender(tracer) }
    }
    case 'confluent-fast': {
      // The drop-in with client 'confluent' (@confluentinc/kafka-javascript), as an app selects it.
      const tracer = initTracer({ ...config, reporter: { kafka: { brokers, client: 'confluent', reporter: 'kafka', ...senderTuning } } }, options) as Loose
      return { tracer, reporter: tracer._reporter, sender: getKafkaSender(tracer) }
    }
    case 'null-remote':
    case 'null-fast': {
      // Our side alone: a producer that acknowledges at once (no Kafka client).
      const producer: KafkaProducer = { connect: async () => {}, disconnect: async () => {}, send: async () => {} }
      const sender = new KafkaSender({ producer, ...senderTuning, logger: silent })
      const reporter = variant === 'null-fast' ? new KafkaReporter(sender, { logger: silent }) : new jaeger.RemoteReporter(sender, { logger: silent })
      return { tracer: jaeger.initTracer(config, { ...options, reporter }), reporter, sender }
    }
    default:
      throw new Error(`unknown variant ${variant}`)
  }
}

const { tracer, reporter, sender } = await makeTracer()
const TRACE_SPANS = Number(process.env.BENCH_TRACE_SPANS ?? 0)
let parentRef = [jaeger.opentracing.childOf(tracer.startSpan('parent').context())]
if (sender) await new Promise((r) => setTimeout(r, 300)) // let the eager connect finish, as in a running app

const cpu0 = process.cpuUsage()
const t0 = now()
for (let done = 0; done < N; done += CHUNK) {
  for (let i = 0; i < CHUNK; i++) {
    if (TRACE_SPANS > 0 && (done + i) % TRACE_SPANS === 0 && done + i > 0) parentRef = [jaeger.opentracing.childOf(tracer.startSpan('parent').context())]
    finishReferenceSpan(tracer, parentRef)
  }
  await yieldToIo()
}
const tProduced = now()
await new Promise<void>((resolve) => (reporter.flush ? reporter.flush(() => resolve()) : resolve()))
let tEnd = now()
if (variant === 'udp' || variant === 'http') {
  // The flush callback covers only the last datagram/POST; give the rest time to leave (the sink records the real end).
  await new Promise((r) => setTimeout(r, 1000))
  tEnd = now()
}
const cpu = process.cpuUsage(cpu0)
const rssMB = process.memoryUsage().rss / 1024 / 1024
const result = { variant, n: N, t0, tProduced, tEnd, cpuUs: cpu.user + cpu.system, rssMB, stats: sender?.stats() }
await new Promise<void>((resolve) => tracer.close(() => resolve()))
if (sender) await sender.close()
console.log(JSON.stringify(result))
process.exit(0)
