// SPDX-License-Identifier: Apache-2.0
// A simulated Kafka outage under a real jaeger-client tracer (drop-in
// initTracer + RemoteReporter) with a fake producer that rejects like kafkajs
// does while the broker is down. The same logic the real outage test
// (test/integration/sender-outage.test.ts) checks, without stopping Kafka.
import assert from 'node:assert/strict'
import { test } from '../support/harness.ts'
import { ErrorCodes, JaegerKafkaError } from '../../src/errors.ts'
import type { KafkaProducer, ProduceRequest } from '../../src/kafka/types.ts'
import { decodeBatch } from '../../src/codec/thrift/jaeger-decode.ts'
import { getKafkaSender, initTracer } from '../../senders/init-tracer.ts'
import type { JaegerTracer } from '../../senders/init-tracer.ts'
import type { KafkaSender } from '../../senders/kafka-sender.ts'

class FlakyBroker implements KafkaProducer {
  down = false
  readonly values: Uint8Array[] = []
  async connect(): Promise<void> {
    if (this.down) throw new JaegerKafkaError(ErrorCodes.KAFKA, 'Cannot connect to Kafka: ECONNREFUSED')
  }
  async disconnect(): Promise<void> {}
  async send(request: ProduceRequest): Promise<void> {
    // A little latency, as a real round trip has.
    await new Promise((r) => setTimeout(r, 1))
    if (this.down) throw new JaegerKafkaError(ErrorCodes.KAFKA, 'Cannot produce: Connection error: connect ECONNREFUSED 127.0.0.1:9092')
    for (const m of request.messages) this.values.push(m.value!) // the sender always produces bytes
  }
  spanIds(): Set<bigint> {
    return new Set(this.values.flatMap((v) => decodeBatch(v).spans.map((s) => s.spanId)))
  }
  spanCount(): number {
    return this.values.reduce((n, v) => n + decodeBatch(v).spans.length, 0)
  }
}

function countingMetrics(): { counts: Record<string, number>; factory: unknown } {
  const counts: Record<string, number> = {}
  return {
    counts,
    factory: {
      createCounter: (name: string, tags?: Record<string, string>) => ({
        increment: (d = 1) => {
          const key = tags?.result ? `${name}{${tags.result}}` : name
          counts[key] = (counts[key] ?? 0) + d
        },
      }),
      createGauge: () => ({ update() {} }),
      createTimer: () => ({ record() {} }),
    },
  }
}

/** Produce `perTick` spans every few ms for `ticks` ticks; `onTick(i)` may toggle the broker. */
async function runApp(tracer: JaegerTracer, ticks: number, perTick: number, onTick: (i: number) => void): Promise<number> {
  let produced = 0
  for (let i = 0; i < ticks; i++) {
    onTick(i)
    for (let j = 0; j < perTick; j++) {
      const span = tracer.startSpan('handle-request')
      span.setTag('tick', i)
      span.setTag('payload', 'p'.repeat(200))
      span.finish()
      produced++
    }
    await new Promise((r) => setTimeout(r, 5))
  }
  return produced
}

const closeTracer = (tracer: JaegerTracer): Promise<void> => new Promise((resolve) => tracer.close(() => resolve()))
const senderOf = (tracer: JaegerTracer): KafkaSender => getKafkaSender(tracer) as KafkaSender

test('simulated outage within the buffer cap: the app sees no error and every span arrives after recovery', async () => {
  const broker = new FlakyBroker()
  const { counts, factory } = countingMetrics()
  const tracer = initTracer(
    {
      serviceName: 'outage-sim',
      sampler: { type: 'const', param: 1 },
      // jaeger-client's own RemoteReporter in front (the other test uses the default KafkaReporter).
      reporter: { flushIntervalMs: 20, kafka: { producer: broker, reporter: 'remote', flushTimeoutMs: 30, retry: { initialDelayMs: 5, maxDelayMs: 40 } } },
    },
    { metrics: factory as never },
  )
  const sender = senderOf(tracer)
  const produced = await runApp(tracer, 120, 20, (i) => {
    if (i === 20) broker.down = true
    if (i === 80) broker.down = false
  })
  await closeTracer(tracer)
  await sender.close()
  const stats = sender.stats()
  assert.ok(stats.sendFailures > 0, 'the outage was felt')
  assert.equal(stats.spansDelivered, produced)
  assert.deepEqual(stats.spansDropped, { too_large: 0, buffer_full: 0, closed: 0, encode_error: 0 })
  assert.equal(broker.spanIds().size, produced)
  assert.equal(broker.spanCount(), produced, 'no duplicates')
  // jaeger:reporter_spans counts every span exactly once, as ok.
  assert.equal(counts['jaeger:reporter_spans{ok}'], produced)
  assert.equal((counts['jaeger:reporter_spans{err}'] ?? 0) + (counts['jaeger:reporter_spans{dropped}'] ?? 0), 0)
})

test('simulated outage beyond a tiny buffer cap: drops equal the counters exactly and the rest arrive', async () => {
  const broker = new FlakyBroker()
  const { counts, factory } = countingMetrics()
  const tracer = initTracer(
    {
      serviceName: 'outage-sim-tiny',
      sampler: { type: 'const', param: 1 },
      reporter: {
        flushIntervalMs: 20,
        kafka: { producer: broker, maxMessageBytes: 16 * 1024, maxBufferedBytes: 64 * 1024, flushTimeoutMs: 30, retry: { initialDelayMs: 5, maxDelayMs: 40 } },
      },
    },
    { metrics: factory as never },
  )
  const sender = senderOf(tracer)
  const produced = await runApp(tracer, 120, 20, (i) => {
    if (i === 20) broker.down = true
    if (i === 80) broker.down = false
  })
  await closeTracer(tracer)
  await sender.close()
  const stats = sender.stats()
  const dropped = stats.spansDropped.buffer_full
  assert.ok(dropped > 0, 'the cap was hit')
  assert.equal(stats.spansDropped.too_large + stats.spansDropped.closed + stats.spansDropped.encode_error, 0)
  assert.equal(stats.spansDelivered + dropped, produced)
  assert.equal(broker.spanIds().size, stats.spansDelivered)
  assert.equal(broker.spanCount(), stats.spansDelivered)
  const ok = counts['jaeger:reporter_spans{ok}'] ?? 0
  const notOk = (counts['jaeger:reporter_spans{err}'] ?? 0) + (counts['jaeger:reporter_spans{dropped}'] ?? 0)
  assert.equal(ok, stats.spansDelivered)
  assert.equal(notOk, dropped)
  // The collector learns about the drops from Batch.stats.
  const last = decodeBatch(broker.values.at(-1) as Uint8Array)
  assert.equal(last.stats?.fullQueueDroppedSpans, BigInt(dropped))
})
