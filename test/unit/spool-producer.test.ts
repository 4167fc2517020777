// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict'
import { test } from '../support/harness.ts'
import { openFileSpool } from '../../senders/spool/file-spool.node.ts'
import { createSpoolingProducer } from '../../senders/spool/spooling-producer.ts'
import { ErrorCodes, JaegerKafkaError, isJaegerKafkaError } from '../../src/errors.ts'
import type { KafkaProducer, ProduceRequest } from '../../src/kafka/types.ts'
import { held, requestId, spanRequest, tempSpoolDir } from '../support/spool-fixtures.ts'

/** A broker stand-in: up or down, records what it acknowledged (ids in order). */
class FakeProducer implements KafkaProducer {
  up = true
  /** Produce calls whose total value bytes exceed this are refused as too large. */
  maxRequestBytes = Infinity
  acked: number[] = []
  calls = 0
  readonly maxInFlight = 1
  readonly name = 'fake'
  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {}
  async send(request: ProduceRequest): Promise<void> {
    this.calls++
    await Promise.resolve()
    if (!this.up) throw new JaegerKafkaError(ErrorCodes.KAFKA, 'Cannot produce: broker unreachable')
    const bytes = request.messages.reduce((sum, m) => sum + (m.value?.length ?? 0), 0)
    if (bytes > this.maxRequestBytes) throw new JaegerKafkaError(ErrorCodes.MESSAGE_TOO_LARGE, 'Cannot produce: too large')
    for (const message of request.messages) this.acked.push(requestId(message.value))
  }
}

const fast = { retry: { initialDelayMs: 1, maxDelayMs: 5 } }
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => i + from)

test('while Kafka is up, sends go straight to the producer and nothing is spooled', async () => {
  const { dir, cleanup } = await tempSpoolDir()
  try {
    const kafka = new FakeProducer()
    const producer = createSpoolingProducer(kafka, await openFileSpool({ dir }), fast)
    for (let id = 1; id <= 5; id++) await producer.send(spanRequest(id, 2))
    assert.deepEqual(kafka.acked, range(1, 5))
    assert.equal(producer.mode, 'direct')
    assert.equal(producer.spoolStats().spooled.frames, 0)
    assert.equal(producer.maxInFlight, 1)
    await producer.close()
  } finally {
    await cleanup()
  }
})

test('a failed send is spooled and resolves; later sends queue behind it; replay delivers all in order and goes direct again', async () => {
  const { dir, cleanup } = await tempSpoolDir()
  try {
    const kafka = new FakeProducer()
    kafka.up = false
    const producer = createSpoolingProducer(kafka, await openFileSpool({ dir }), fast)
    await producer.send(spanRequest(1, 3))
    assert.equal(producer.mode, 'spooling')
    for (let id = 2; id <= 20; id++) await producer.send(spanRequest(id, 3))
    const down = producer.spoolStats()
    assert.equal(down.spooled.frames, 20)
    assert.equal(down.spooled.spans, 60)
    assert.deepEqual(kafka.acked, [])
    // The replay loop keeps trying (and failing) while Kafka is down.
    while (producer.spoolStats().replayFailures === 0) await held(new Promise((r) => setTimeout(r, 2)))
    kafka.up = true
    await held(producer.whenDrained())
    assert.equal(producer.mode, 'direct')
    assert.deepEqual(kafka.acked, range(1, 20))
    const up = producer.spoolStats()
    assert.equal(up.replayed.frames, 20)
    assert.equal(up.replayed.spans, 60)
    assert.equal(up.pending.frames, 0)
    assert.ok(up.replayFailures > 0)
    await producer.send(spanRequest(21, 1))
    assert.deepEqual(kafka.acked, range(1, 21))
    await producer.close()
  } finally {
    await cleanup()
  }
})

test('sends made while the spool replays are delivered after what was spooled before them', async () => {
  const { dir, cleanup } = await tempSpoolDir()
  try {
    const kafka = new FakeProducer()
    kafka.up = false
    const producer = createSpoolingProducer(kafka, await openFileSpool({ dir }), { ...fast, replayMaxFrames: 2 })
    for (let id = 1; id <= 10; id++) await producer.send(spanRequest(id, 1))
    kafka.up = true
    const sending: Promise<void>[] = []
    for (let id = 11; id <= 60; id++) sending.push(producer.send(spanRequest(id, 1)))
    await Promise.all(sending)
    await held(producer.whenDrained())
    assert.deepEqual(kafka.acked, range(1, 60))
    await producer.close()
  } finally {
    await cleanup()
  }
})

test('MESSAGE_TOO_LARGE passes through unspooled, so the sender can split the batch', async () => {
  const { dir, cleanup } = await tempSpoolDir()
  try {
    const kafka = new FakeProducer()
    kafka.maxRequestBytes = 100
    const producer = createSpoolingProducer(kafka, await openFileSpool({ dir }), fast)
    await assert.rejects(producer.send(spanRequest(1, 1, 200)), (error: unknown) => isJaegerKafkaError(error) && error.code === 'MESSAGE_TOO_LARGE')
    assert.equal(producer.mode, 'direct')
    assert.equal(producer.spoolStats().spooled.frames, 0)
    await producer.close()
  } finally {
    await cleanup()
  }
})

test('replay groups the broker refuses as too large go one frame at a time; a frame too large alone is dropped and counted', async () => {
  const { dir, cleanup } = await tempSpoolDir()
  try {
    const kafka = new FakeProducer()
    kafka.up = false
    const producer = createSpoolingProducer(kafka, await openFileSpool({ dir }), fast)
    await producer.send(spanRequest(1, 2, 60))
    await producer.send(spanRequest(2, 5, 150))
    await producer.send(spanRequest(3, 2, 60))
    kafka.maxRequestBytes = 100
    kafka.up = true
    await held(producer.whenDrained())
    assert.deepEqual(kafka.acked, [1, 3])
    const stats = producer.spoolStats()
    assert.equal(stats.dropped.too_large, 5)
    assert.equal(stats.droppedFrames.too_large, 1)
    assert.equal(stats.replayed.spans, 4)
    await producer.close()
  } finally {
    await cleanup()
  }
})

test('close() stops replay; the spool keeps what is left and a new producer replays it at once', async () => {
  const { dir, cleanup } = await tempSpoolDir()
  try {
    const kafka = new FakeProducer()
    kafka.up = false
    const first = createSpoolingProducer(kafka, await openFileSpool({ dir }), fast)
    for (let id = 1; id <= 8; id++) await first.send(spanRequest(id, 4))
    await held(first.close({ drainTimeoutMs: 50 }))
    assert.equal(first.mode, 'closed')
    await assert.rejects(first.send(spanRequest(9, 1)), (error: unknown) => isJaegerKafkaError(error) && error.code === 'CLOSED')
    const callsAfterClose = kafka.calls
    await new Promise((resolve) => setTimeout(resolve, 30))
    assert.equal(kafka.calls, callsAfterClose, 'no replay attempt after close()')
    kafka.up = true
    const spool = await openFileSpool({ dir })
    assert.equal(spool.stats().recovered.spans, 32)
    const second = createSpoolingProducer(kafka, spool, fast)
    assert.equal(second.mode, 'spooling')
    await held(second.whenDrained())
    assert.deepEqual(kafka.acked, range(1, 8))
    await second.close()
  } finally {
    await cleanup()
  }
})

test('close() with a drain timeout replays what it can while Kafka is up', async () => {
  const { dir, cleanup } = await tempSpoolDir()
  try {
    const kafka = new FakeProducer()
    kafka.up = false
    const producer = createSpoolingProducer(kafka, await openFileSpool({ dir }), { retry: { initialDelayMs: 60_000, maxDelayMs: 60_000 } })
    for (let id = 1; id <= 5; id++) await producer.send(spanRequest(id, 1))
    kafka.up = true
    await held(producer.close({ drainTimeoutMs: 10_000 }))
    assert.deepEqual(kafka.acked, range(1, 5), 'close woke the replay instead of waiting out the backoff')
  } finally {
    await cleanup()
  }
})

test('a send the spool cannot take rejects with the send error, so the sender keeps it in memory', async () => {
  const { dir, cleanup } = await tempSpoolDir()
  try {
    const kafka = new FakeProducer()
    kafka.up = false
    const producer = createSpoolingProducer(kafka, await openFileSpool({ dir, maxBytes: 256 * 1024 }), fast)
    await assert.rejects(producer.send(spanRequest(1, 1, 300 * 1024)), (error: unknown) => isJaegerKafkaError(error) && error.code === 'KAFKA')
    await producer.close()
  } finally {
    await cleanup()
  }
})
