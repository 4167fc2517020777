// SPDX-License-Identifier: Apache-2.0
// The promise of the package against the real peers: the real Jaeger is
// stopped while a jaeger-client app keeps producing spans through KafkaSender
// and the forwarder keeps trying; when Jaeger is back, every span is in
// Jaeger's query API, each record was accepted exactly once, nothing was
// dead-lettered, and the committed offsets reach the end of the topic.
// It stops the Jaeger peer other tests use, so it runs only when
// JAEGER_KAFKA_OUTAGE_TESTS=1 (scripts/test.mjs sets it; files run serially).
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import kafkajs from 'kafkajs'
import { test } from '../support/harness.ts'
import { JAEGER_COLLECTOR_URL, KAFKA_BROKERS, getTrace, uniqueTopic } from '../support/peers.ts'
import { getKafkaSender, initTracer } from '../../senders/init-tracer.ts'
import { createForwarder } from '../../forwarder/forwarder.ts'

const env = (globalThis as unknown as { process: { env: Record<string, string | undefined> } }).process.env
const ENABLED = env.JAEGER_KAFKA_OUTAGE_TESTS === '1'
const OUTAGE_MS = Number(env.JAEGER_OUTAGE_MS ?? 8_000)
const TRACES = Number(env.JAEGER_OUTAGE_TRACES ?? 300)
const SPANS_PER_TRACE = 3

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** `node scripts/peers.mjs <command> jaeger`, without blocking the event loop (the app keeps producing). */
function peersAsync(command: 'start' | 'stop'): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('node', ['scripts/peers.mjs', command, 'jaeger'], { stdio: ['ignore', 'ignore', 'inherit'] })
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`peers ${command} jaeger exited with ${code}`))))
  })
}

test('Jaeger outage: every span produced while Jaeger was down reaches Jaeger once it is back, none dead-lettered or re-posted', async () => {
  const topic = uniqueTopic('outage-jaeger')
  const admin = new kafkajs.Kafka({ clientId: 'outage-jaeger', brokers: KAFKA_BROKERS, logLevel: kafkajs.logLevel.NOTHING }).admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true })

  const logs: string[] = []
  const forwarder = createForwarder({
    brokers: KAFKA_BROKERS, topic, groupId: `${topic}-fwd`, collectorUrl: JAEGER_COLLECTOR_URL,
    retry: { initialDelayMs: 100, maxDelayMs: 1_000 },
    logger: { info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(m) },
  })
  await forwarder.start()
  await peersAsync('stop')
  const downAt = Date.now()
  try {
    const tracer = initTracer({ serviceName: `${topic}-app`, sampler: { type: 'const', param: 1 }, reporter: { kafka: { brokers: KAFKA_BROKERS, topic }, flushIntervalMs: 200 } })
    const sender = getKafkaSender(tracer)
    assert.ok(sender, 'the drop-in wired a KafkaSender')
    // A steady rate over most of the outage: the forwarder keeps failing and backing off meanwhile.
    const traceIds: string[] = []
    const perTick = Math.ceil(TRACES / 20)
    while (traceIds.length < TRACES) {
      for (let i = 0; i < perTick && traceIds.length < TRACES; i++) {
        const root = tracer.startSpan('handle request')
        const child = tracer.startSpan('query db', { childOf: root })
        const grandchild = tracer.startSpan('serialize', { childOf: child })
        grandchild.finish()
        child.finish()
        root.finish()
        traceIds.push(root.context().toTraceId())
      }
      await sleep(OUTAGE_MS / 25)
    }
    await new Promise<void>((resolve) => tracer.close(() => resolve()))
    const stats = sender.stats()
    assert.equal(stats.spansDelivered, TRACES * SPANS_PER_TRACE, 'the broker acknowledged every span')
    assert.equal(Object.values(stats.spansDropped).reduce((a, b) => a + b, 0), 0)
    assert.equal(forwarder.metrics().spansForwarded, 0, 'nothing could be forwarded while Jaeger was down')

    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - downAt)))
    await peersAsync('start')
    const upAt = Date.now()
    while (forwarder.metrics().spansForwarded < TRACES * SPANS_PER_TRACE && Date.now() - upAt < 60_000) await sleep(100)
    const drainSeconds = (Date.now() - upAt) / 1000

    const m = forwarder.metrics()
    assert.equal(m.spansForwarded, TRACES * SPANS_PER_TRACE)
    assert.equal(m.posts['202'], stats.batchesDelivered, 'each record was accepted exactly once')
    assert.ok(m.retries > 0, 'the forwarder retried during the outage')
    assert.deepEqual(Object.values(m.deadLettered).reduce((a, b) => a + b, 0), 0)

    // Every trace complete in the real Jaeger.
    const missing = new Set(traceIds)
    const deadline = Date.now() + 30_000
    while (missing.size > 0 && Date.now() < deadline) {
      for (const id of [...missing]) {
        const trace = await getTrace(id)
        if (trace && trace.spans.length === SPANS_PER_TRACE) missing.delete(id)
        else if (trace && trace.spans.length > SPANS_PER_TRACE) assert.fail(`trace ${id} has ${trace.spans.length} spans`)
      }
      if (missing.size > 0) await sleep(300)
    }
    assert.equal(missing.size, 0, `${missing.size} of ${TRACES} traces incomplete in Jaeger`)

    // Committed offsets reach the end of the topic.
    await forwarder.stop()
    const ends = await admin.fetchTopicOffsets(topic)
    const committed = await admin.fetchOffsets({ groupId: `${topic}-fwd`, topics: [topic] })
    for (const end of ends) {
      const c = committed[0]?.partitions.find((p) => p.partition === end.partition)
      assert.equal(c?.offset, end.high, `partition ${end.partition} committed to its end`)
    }
    console.log(`jaeger outage: ${TRACES * SPANS_PER_TRACE} spans in ${stats.batchesDelivered} records, ${m.retries} retries, drained ${drainSeconds.toFixed(1)} s after Jaeger returned`)
  } finally {
    await peersAsync('start')
    await forwarder.stop()
    await admin.disconnect()
  }
}, { timeout: 180_000, skip: ENABLED ? false : 'set JAEGER_KAFKA_OUTAGE_TESTS=1 (stops the shared Jaeger peer)' })
