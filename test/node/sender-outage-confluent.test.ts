// SPDX-License-Identifier: Apache-2.0
// Node only: Kafka SIGKILLed and restarted while two jaeger-client apps on
// @confluentinc/kafka-javascript keep producing. App A (drop-in, client
// 'confluent', default cap): no error, every span on the topic once. App B
// (a tiny buffer cap, 5 s librdkafka message timeout): drops happen, and
// delivered + dropped == produced, drops == the counter, the topic holds
// exactly the delivered spans. Runs with JAEGER_KAFKA_OUTAGE_TESTS=1.
import assert from 'node:assert/strict'
import { test } from '../support/harness.ts'
import { FAULTS_SKIP, peersAsync, sleep } from '../support/faults.ts'
import { createTopic, spanIdsOn } from '../support/span-topic.ts'
import { droppedSpans } from '../support/sender-setup.ts'
import { KAFKA_BROKERS, uniqueTopic } from '../support/peers.ts'
import { createConfluentProducer } from '../../src/kafka/confluent.ts'
import { getKafkaSender, initTracer } from '../../senders/init-tracer.ts'
import type { KafkaReporterConfig } from '../../senders/kafka-config.ts'
import type { JaegerTracer } from '../../senders/init-tracer.ts'

const OUTAGE_MS = Number(process.env.JAEGER_KAFKA_OUTAGE_MS ?? 20_000)

function app(name: string, kafka: KafkaReporterConfig) {
  const tracer = initTracer({ serviceName: name, sampler: { type: 'const', param: 1 }, reporter: { flushIntervalMs: 200, kafka } })
  return { tracer, sender: getKafkaSender(tracer)!, produced: 0, errors: [] as unknown[] }
}

const closeTracer = (tracer: JaegerTracer): Promise<void> => new Promise((resolve) => tracer.close(() => resolve()))

test('Confluent client: Kafka SIGKILLed ~20 s while apps produce — 0 lost within the cap, drops == counter beyond it, exact topic counts', async () => {
  const topicA = uniqueTopic('outage-confluent-a')
  const topicB = uniqueTopic('outage-confluent-b')
  await createTopic(topicA)
  await createTopic(topicB)
  const a = app('outage-confluent-a', { brokers: KAFKA_BROKERS, topic: topicA, client: 'confluent' })
  const b = app('outage-confluent-b', { producer: createConfluentProducer({ brokers: KAFKA_BROKERS, messageTimeoutMs: 5_000 }), topic: topicB, maxMessageBytes: 16 * 1024, maxBufferedBytes: 32 * 1024 })
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown) => void unhandled.push(reason)
  process.on('unhandledRejection', onUnhandled)
  let running = true
  const loop = (async () => {
    while (running) {
      for (const x of [a, b]) {
        try {
          for (let i = 0; i < 50; i++) {
            const span = x.tracer.startSpan('checkout')
            span.setTag('cart.items', i)
            span.setTag('note', 'n'.repeat(200))
            span.finish()
            x.produced++
          }
        } catch (error) {
          x.errors.push(error)
        }
      }
      await sleep(50)
    }
  })()
  let killed = false
  let closed = false
  try {
    await sleep(3_000)
    await peersAsync('kill', 'kafka')
    killed = true
    await sleep(OUTAGE_MS)
    await peersAsync('start', 'kafka')
    killed = false
    await sleep(5_000)
  } finally {
    running = false
    await loop
    if (killed) await peersAsync('start', 'kafka')
    await closeTracer(a.tracer)
    await closeTracer(b.tracer)
    closed = true
    process.off('unhandledRejection', onUnhandled)
  }
  assert.ok(closed)

  assert.deepEqual([a.errors, b.errors, unhandled], [[], [], []], 'no error reached the apps')
  const statsA = a.sender.stats()
  assert.equal(droppedSpans(statsA), 0, `nothing dropped within the cap: ${JSON.stringify(statsA.spansDropped)}`)
  assert.equal(statsA.spansDelivered, a.produced)
  const idsA = await spanIdsOn(topicA, a.produced)
  assert.equal(idsA.length, a.produced, 'no span twice')
  assert.equal(new Set(idsA).size, a.produced, 'every span on the topic')

  const statsB = b.sender.stats()
  const droppedB = droppedSpans(statsB)
  assert.ok(droppedB > 0, 'the tiny cap overflowed during the outage')
  assert.equal(statsB.spansDelivered + droppedB, b.produced, 'delivered + dropped == produced')
  assert.equal(statsB.spansDropped.buffer_full, droppedB, 'every drop counted as buffer_full')
  const idsB = await spanIdsOn(topicB, statsB.spansDelivered)
  assert.equal(new Set(idsB).size, statsB.spansDelivered, 'the topic holds exactly the delivered spans')
}, { timeout: 240_000, skip: FAULTS_SKIP })
