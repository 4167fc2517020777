// SPDX-License-Identifier: Apache-2.0
// Fault suite, scenario 3: the Kafka broker is SIGKILLed (no clean shutdown,
// `node scripts/peers.mjs kill kafka`) while two jaeger-client apps keep
// producing spans, then started again (its data survives).
//   - default buffer cap: the app never sees an error, no span is lost, and
//     every span is on the topic afterwards;
//   - small cap: spans dropped == the sender's drop counter exactly, and
//     delivered + dropped == produced, with exactly the delivered spans on the topic.
// Short: one kill, broker down 8 s. Long (JAEGER_KAFKA_FAULTS_LONG=1): three
// kills, down 20 s each. Only with JAEGER_KAFKA_OUTAGE_TESTS=1.
import assert from 'node:assert/strict'
import process from 'node:process'
import { runtime, test } from '../support/harness.ts'
import { createTopic, spanIdsOn } from '../support/span-topic.ts'
import { KAFKA_BROKERS, uniqueTopic } from '../support/peers.ts'
import { FAULTS_LONG, FAULTS_SKIP, peersAsync, reportFault, sleep } from '../support/faults.ts'
import { getKafkaSender, initTracer } from '../../senders/init-tracer.ts'
import type { JaegerTracer } from '../../senders/init-tracer.ts'
import type { KafkaSender } from '../../senders/kafka-sender.ts'

const KILLS = FAULTS_LONG ? 3 : 1
const DOWN_MS = FAULTS_LONG ? 20_000 : 8_000
const UP_MS = FAULTS_LONG ? 10_000 : 4_000

interface App {
  tracer: JaegerTracer
  sender: KafkaSender
  topic: string
  produced: number
  errors: unknown[]
}

function startApp(name: string, topic: string, extra: Record<string, unknown>): App {
  const app = { topic, produced: 0, errors: [] as unknown[] } as App
  app.tracer = initTracer({
    serviceName: name,
    sampler: { type: 'const', param: 1 },
    reporter: { flushIntervalMs: 200, kafka: { brokers: KAFKA_BROKERS, topic, ...extra } },
  })
  app.sender = getKafkaSender(app.tracer) as KafkaSender
  return app
}

/** 50 spans every 50 ms on every app until `stop()`. */
function keepProducing(apps: App[]): { stop(): Promise<void> } {
  let running = true
  const loop = (async () => {
    while (running) {
      for (const app of apps) {
        try {
          for (let i = 0; i < 50; i++) {
            const span = app.tracer.startSpan('checkout')
            span.setTag('cart.items', i)
            span.setTag('note', 'n'.repeat(300))
            span.log({ event: 'priced', total: i * 3.5 })
            span.finish()
            app.produced++
          }
        } catch (error) {
          app.errors.push(error)
        }
      }
      await sleep(50)
    }
  })()
  return {
    stop: async () => {
      running = false
      await loop
    },
  }
}

test(`broker SIGKILLed ${KILLS}× (down ${DOWN_MS / 1000} s each) during production: no app error, nothing lost within the cap, drops == counter with a small cap`, async () => {
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason)
  }
  process.on('unhandledRejection', onUnhandled)

  const roomy = startApp('crash-roomy', uniqueTopic('faults-crash-roomy'), {})
  const tiny = startApp('crash-tiny', uniqueTopic('faults-crash-tiny'), { maxMessageBytes: 32 * 1024, maxBufferedBytes: 256 * 1024 })
  await createTopic(roomy.topic)
  await createTopic(tiny.topic)
  const producing = keepProducing([roomy, tiny])
  let kafkaDown = false
  const began = Date.now()
  let upAt = 0
  try {
    await sleep(2_000)
    for (let k = 0; k < KILLS; k++) {
      await peersAsync('kill', 'kafka')
      kafkaDown = true
      await sleep(DOWN_MS)
      assert.ok(roomy.sender.stats().sendFailures > 0 || roomy.sender.stats().bufferedSpans > 0, 'the crash was felt')
      await peersAsync('start', 'kafka')
      kafkaDown = false
      upAt = Date.now()
      await sleep(UP_MS)
    }
  } finally {
    await producing.stop()
    if (kafkaDown) await peersAsync('start', 'kafka')
  }
  // Drain: wait until the roomy sender has nothing buffered (bounded), then close both.
  while (roomy.sender.stats().bufferedSpans > 0 && Date.now() - upAt < 60_000) await sleep(100)
  const drainSeconds = (Date.now() - upAt) / 1000
  for (const app of [roomy, tiny]) await new Promise<void>((resolve) => app.tracer.close(() => resolve()))
  await Promise.all([roomy.sender.close(), tiny.sender.close()])
  process.off('unhandledRejection', onUnhandled)

  assert.deepEqual(roomy.errors, [], 'span.finish() never threw')
  assert.deepEqual(tiny.errors, [])
  assert.deepEqual(unhandled, [], 'no unhandled rejection reached the app')

  // Within the cap: every span delivered and on the topic.
  const roomyStats = roomy.sender.stats()
  assert.deepEqual(roomyStats.spansDropped, { too_large: 0, buffer_full: 0, closed: 0, encode_error: 0 })
  assert.equal(roomyStats.spansAppended, roomy.produced)
  assert.equal(roomyStats.spansDelivered, roomy.produced)
  const roomyIds = await spanIdsOn(roomy.topic, roomy.produced)
  const roomyUnique = new Set(roomyIds).size
  assert.equal(roomyUnique, roomy.produced, 'every span is on the topic')

  // Small cap: drops equal the counter exactly; exactly the delivered spans are on the topic.
  const tinyStats = tiny.sender.stats()
  const tinyDropped = Object.values(tinyStats.spansDropped).reduce((a, b) => a + b, 0)
  assert.ok(tinyStats.spansDropped.buffer_full > 0, 'the small cap was hit')
  assert.equal(tinyStats.spansDropped.too_large + tinyStats.spansDropped.encode_error, 0)
  assert.equal(tinyStats.spansDelivered + tinyDropped, tiny.produced, 'delivered + dropped == produced')
  const tinyIds = await spanIdsOn(tiny.topic, tinyStats.spansDelivered)
  const tinyUnique = new Set(tinyIds).size
  assert.equal(tinyUnique, tinyStats.spansDelivered, 'exactly the delivered spans are on the topic')

  const seconds = (Date.now() - began) / 1000
  reportFault({
    scenario: '3 broker crash (default cap)',
    load: `${roomy.produced} spans, ~1000 spans/s, 3 partitions`,
    faults: `Kafka SIGKILL ×${KILLS}, down ${DOWN_MS / 1000} s each`,
    sent: roomy.produced,
    delivered: roomyUnique,
    duplicated: roomyIds.length - roomyUnique,
    droppedCounted: 0,
    drainSeconds: Number(drainSeconds.toFixed(1)),
    notes: `drain = broker restart until the buffer was empty after production stopped (includes ${UP_MS / 1000} s of production after the restart); ${roomyStats.sendFailures} failed sends retried; run ${seconds.toFixed(0)} s on ${runtime}`,
  })
  reportFault({
    scenario: '3 broker crash (256 KiB cap)',
    load: `${tiny.produced} spans, ~1000 spans/s, 3 partitions`,
    faults: `Kafka SIGKILL ×${KILLS}, down ${DOWN_MS / 1000} s each`,
    sent: tiny.produced,
    delivered: tinyUnique,
    duplicated: tinyIds.length - tinyUnique,
    droppedCounted: tinyDropped,
    drainSeconds: null,
    notes: `dropped: ${JSON.stringify(tinyStats.spansDropped)}`,
  })
}, { timeout: FAULTS_LONG ? 400_000 : 120_000, skip: FAULTS_SKIP })
