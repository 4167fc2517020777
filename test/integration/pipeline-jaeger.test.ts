// SPDX-License-Identifier: Apache-2.0
// The two halves together, against the real peers, on every runtime:
//   1. a three-hop pipeline (produce → consume-and-produce → consume) traced
//      with our carriers and reported with KafkaSender, forwarded by
//      createForwarder(): one trace per message in the real Jaeger, with all
//      hops, three services and FOLLOWS_FROM across each Kafka hop;
//   2. examples/forwarder.ts (the one-page forwarder) moves a batch from the
//      real broker into the real Jaeger.
import assert from 'node:assert/strict'
import { Buffer } from 'node:buffer'
import kafkajs from 'kafkajs'
import { test } from '../support/harness.ts'
import { JAEGER_COLLECTOR_URL, KAFKA_BROKERS, uniqueTopic, waitForTrace } from '../support/peers.ts'
import { startChild } from '../support/faults.ts'
import { traceEachMessage, tracedSend } from '../../carriers/index.ts'
import { initTracer } from '../../senders/init-tracer.ts'
import type { JaegerTracer } from '../../senders/init-tracer.ts'
import { createForwarder } from '../../forwarder/forwarder.ts'
import { encodeBatch } from '../../src/codec/thrift/index.ts'

const MESSAGES = 5
const kafka = new kafkajs.Kafka({ clientId: 'pipeline-jaeger', brokers: KAFKA_BROKERS, logLevel: kafkajs.logLevel.NOTHING })

async function createTopics(...topics: string[]): Promise<void> {
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: 1 })), waitForLeaders: true })
  await admin.disconnect()
}

test('a three-hop pipeline reported through Kafka is one complete trace per message in the real Jaeger', async () => {
  const run = uniqueTopic('pipeline')
  const topics = { first: `${run}-first`, second: `${run}-second`, spans: `${run}-spans` }
  await createTopics(topics.first, topics.second, topics.spans)
  const tracer = (service: string): JaegerTracer =>
    initTracer({ serviceName: `${run}-${service}`, sampler: { type: 'const', param: 1 }, reporter: { kafka: { brokers: KAFKA_BROKERS, topic: topics.spans } } })
  const tracers = { origin: tracer('origin'), middle: tracer('middle'), last: tracer('last') }

  const producer = kafka.producer()
  await producer.connect()
  const middle = kafka.consumer({ groupId: `${run}-middle` })
  const last = kafka.consumer({ groupId: `${run}-last` })
  let received = 0
  let allReceived!: () => void
  const done = new Promise<void>((resolve) => { allReceived = resolve })
  await middle.connect()
  await middle.subscribe({ topic: topics.first, fromBeginning: true })
  await middle.run({
    eachMessage: traceEachMessage(tracers.middle, async ({ message }, span) => {
      await tracedSend(tracers.middle, producer, { topic: topics.second, messages: [{ value: message.value }] }, { childOf: span })
    }),
  })
  await last.connect()
  await last.subscribe({ topic: topics.second, fromBeginning: true })
  await last.run({
    eachMessage: traceEachMessage(tracers.last, async () => {
      if (++received === MESSAGES) allReceived()
    }),
  })

  const traceIds: string[] = []
  for (let i = 0; i < MESSAGES; i++) {
    const root = tracers.origin.startSpan('request')
    traceIds.push(root.context().toTraceId())
    await tracedSend(tracers.origin, producer, { topic: topics.first, messages: [{ value: String(i) }] }, { childOf: root })
    root.finish()
  }
  await done
  await Promise.all([middle.disconnect(), last.disconnect(), producer.disconnect()])
  for (const t of Object.values(tracers)) await new Promise<void>((resolve) => t.close(() => resolve()))

  const forwarder = createForwarder({ brokers: KAFKA_BROKERS, topic: topics.spans, groupId: `${run}-fwd`, collectorUrl: JAEGER_COLLECTOR_URL, logger: { info: () => {}, error: () => {} } })
  await forwarder.start()
  try {
    // request, To_first, From_first, To_second, From_second
    for (const id of traceIds) {
      const trace = await waitForTrace(id, 5)
      assert.equal(trace.spans.length, 5, `trace ${id}`)
      assert.equal(new Set(trace.spans.map((s) => s.traceID)).size, 1)
      const services = new Set(trace.spans.map((s) => trace.processes[s.processID]?.serviceName))
      assert.deepEqual([...services].sort(), [`${run}-last`, `${run}-middle`, `${run}-origin`])
      const byOp = new Map(trace.spans.map((s) => [s.operationName, s]))
      for (const topic of [topics.first, topics.second]) {
        const consumer = byOp.get(`From_${topic}`)
        const producerSpan = byOp.get(`To_${topic}`)
        assert.ok(consumer && producerSpan, `both ends of ${topic}`)
        assert.deepEqual(consumer.references.map((r) => [r.refType, r.spanID]), [['FOLLOWS_FROM', producerSpan.spanID]])
        assert.equal(Object.fromEntries(consumer.tags.map((t) => [t.key, t.value]))['span.kind'], 'consumer')
      }
      // The middle service's producer span is a child of its consumer span: consume → produce keeps the trace.
      assert.deepEqual(byOp.get(`To_${topics.second}`)?.references.map((r) => [r.refType, r.spanID]), [['CHILD_OF', byOp.get(`From_${topics.first}`)?.spanID]])
    }
  } finally {
    await forwarder.stop()
  }
}, { timeout: 120_000 })

test('examples/forwarder.ts forwards a batch from the real broker into the real Jaeger', async () => {
  const topic = uniqueTopic('example-forwarder')
  await createTopics(topic)
  const traceIdLow = BigInt(`0x1${Math.random().toString(16).slice(2, 14).padEnd(12, '0')}`)
  const now = BigInt(Date.now()) * 1000n
  const producer = kafka.producer()
  await producer.connect()
  await producer.send({
    topic,
    messages: [{
      value: Buffer.from(encodeBatch({
        process: { serviceName: topic },
        spans: [{ traceIdLow, traceIdHigh: 0n, spanId: 7n, parentSpanId: 0n, operationName: 'example', flags: 1, startTime: now, duration: 5n }],
      })),
    }],
  })
  await producer.disconnect()
  const child = startChild('examples/forwarder.ts', { SPANS_TOPIC: topic, GROUP_ID: `${topic}-g`, COLLECTOR_URL: JAEGER_COLLECTOR_URL, KAFKA_BROKERS: KAFKA_BROKERS.join(','), EXIT_WHEN_IDLE_MS: '5000' }, [], 'forwarded 1 spans')
  await child.ready
  await child.exited
  const trace = await waitForTrace(traceIdLow.toString(16), 1)
  assert.equal(trace.spans[0]?.operationName, 'example')
}, { timeout: 60_000 })
