// SPDX-License-Identifier: Apache-2.0
// Memory of an app while Kafka is down: the drop-in tracer keeps producing the
// reference span (baseline.md) at a steady rate while the real broker is
// stopped; the sender buffers up to maxBufferedBytes (64 MiB) and then drops
// the oldest batches, counted. Goal: RSS ≤ baseline + cap + 60 MB during the
// outage, and memory returns after Kafka is back and the buffer drained.
//
//   npx tsx bench/sender-outage-rss.ts      (stops and restarts the Kafka peer!)
// env: RSS_OUTAGE_S (60), RSS_RATE spans/s (20000), RSS_RECOVERY_S (20), KAFKA_BROKERS.
// Writes bench/results/sender-outage-rss-<runtime>.md.
import { spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import process from 'node:process'
import kafkajs from 'kafkajs'
import opentracing from 'opentracing'
import { getKafkaSender, initTracer } from '../senders/init-tracer.ts'
import { RUNTIME, startConditions } from './header.ts'

const OUTAGE_S = Number(process.env.RSS_OUTAGE_S ?? 60)
const RATE = Number(process.env.RSS_RATE ?? 20_000)
const RECOVERY_S = Number(process.env.RSS_RECOVERY_S ?? 20)
const CAP = 64 * 1024 * 1024
const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',')
const runtime = RUNTIME
const conditions = startConditions({ kafka: true })
const MB = (bytes: number) => bytes / 1024 / 1024
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const gc = (globalThis as { gc?: () => void }).gc
/** JS heap in use plus ArrayBuffer memory: what the sender holds, unlike RSS, which the allocator keeps. */
const liveBytes = () => {
  const m = process.memoryUsage()
  return m.heapUsed + m.arrayBuffers
}

function peers(command: 'start' | 'stop'): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('node', ['scripts/peers.mjs', command, 'kafka'], { stdio: ['ignore', 'ignore', 'inherit'] })
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`peers ${command} kafka: exit ${code}`))))
  })
}

const topic = `bench-outage-rss-${Date.now().toString(36)}`
const admin = new kafkajs.Kafka({ clientId: 'bench-rss', brokers: BROKERS, logLevel: kafkajs.logLevel.NOTHING }).admin()
await admin.connect()
await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true })
await admin.disconnect()

const tracer = initTracer({
  serviceName: 'bench-outage-rss',
  sampler: { type: 'const', param: 1 },
  reporter: { kafka: { brokers: BROKERS, topic, maxBufferedBytes: CAP } },
})
const sender = getKafkaSender(tracer)!
const parent = tracer.startSpan('parent')

/** The reference span of baseline.md. */
function referenceSpan(): void {
  const span = tracer.startSpan('GET /api/v1/users/:id', { references: [opentracing.childOf(parent.context())] })
  span.setTag('http.method', 'GET')
  span.setTag('http.url', '/api/v1/users/42')
  span.setTag('component', 'express')
  span.setTag('http.status_code', 200)
  span.setTag('db.rows', 1.5)
  span.setTag('cache.hit', true)
  span.log({ event: 'db.query', rows: 1 })
  span.finish()
}

let produced = 0
/** Produce at RATE for `seconds`, sampling RSS every second. */
async function produceFor(seconds: number, samples: number[]): Promise<void> {
  const tick = 50
  const perTick = Math.round((RATE * tick) / 1000)
  const end = Date.now() + seconds * 1000
  let nextSample = Date.now()
  while (Date.now() < end) {
    const began = Date.now()
    for (let i = 0; i < perTick; i++) referenceSpan()
    produced += perTick
    if (Date.now() >= nextSample) {
      samples.push(process.memoryUsage().rss)
      nextSample += 1000
    }
    await sleep(Math.max(0, tick - (Date.now() - began)))
  }
}

const warm: number[] = []
await produceFor(5, warm)
gc?.()
const baseline = process.memoryUsage().rss
const baselineLive = liveBytes()
console.log(`baseline RSS ${MB(baseline).toFixed(0)} MB; stopping Kafka for ${OUTAGE_S} s at ${RATE} spans/s`)
await peers('stop')
const outage: number[] = []
await produceFor(OUTAGE_S, outage)
const atOutageEnd = sender.stats()
const liveAtOutageEnd = liveBytes()
console.log(`outage over: buffered ${MB(atOutageEnd.bufferedBytes).toFixed(1)} MB, dropped ${JSON.stringify(atOutageEnd.spansDropped)}; starting Kafka`)
await peers('start')
const recovery: number[] = []
await produceFor(RECOVERY_S, recovery)
parent.finish()
produced += 1
await new Promise<void>((resolve) => tracer.close(() => resolve()))
await sleep(1000)
gc?.()
const afterClose = process.memoryUsage().rss
const liveAfterClose = liveBytes()
const stats = sender.stats()
const dropped = Object.values(stats.spansDropped).reduce((a, b) => a + b, 0)

const rows = [
  ['spans produced', String(produced)],
  ['spans delivered (broker-acked)', String(stats.spansDelivered)],
  ['spans dropped, counted by reason', `${dropped} ${JSON.stringify(stats.spansDropped)}`],
  ['delivered + dropped == produced', String(stats.spansDelivered + dropped === produced)],
  ['RSS baseline (Kafka up, 5 s warm-up)', `${MB(baseline).toFixed(0)} MB`],
  ['RSS max during the outage', `${MB(Math.max(...outage)).toFixed(0)} MB (+${MB(Math.max(...outage) - baseline).toFixed(0)} MB; goal ≤ +${MB(CAP) + 60} MB)`],
  ['buffered at the end of the outage', `${MB(atOutageEnd.bufferedBytes).toFixed(1)} MB`],
  ['RSS at the end of recovery', `${MB(recovery[recovery.length - 1] ?? 0).toFixed(0)} MB`],
  ['RSS after close (+ GC if --expose-gc)', `${MB(afterClose).toFixed(0)} MB (the allocator keeps freed pages)`],
  ['heap used + ArrayBuffers: baseline / end of outage / after close', `${MB(baselineLive).toFixed(0)} / ${MB(liveAtOutageEnd).toFixed(0)} / ${MB(liveAfterClose).toFixed(0)} MB${gc ? '' : ' (no --expose-gc: GC not forced)'}`],
]
const table = `# KafkaSender memory while Kafka is down (${runtime})

${conditions.line()}

Reference span (baseline.md) at ${RATE} spans/s; Kafka (real broker) stopped ${OUTAGE_S} s, then ${RECOVERY_S} s of recovery at the same rate; maxBufferedBytes ${MB(CAP)} MiB.

| measure | value |
|---|---|
${rows.map(([k, v]) => `| ${k} | ${v} |`).join('\n')}

RSS samples during the outage (MB, one per second): ${outage.map((r) => MB(r).toFixed(0)).join(' ')}
`
mkdirSync('bench/results', { recursive: true })
writeFileSync(`bench/results/sender-outage-rss-${runtime}.md`, table)
console.log(table)
process.exit(0)
