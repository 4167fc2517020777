// SPDX-License-Identifier: Apache-2.0
// KafkaSender with `spoolDir` over a fake producer: an outage is spooled and
// counted delivered once on disk, replayed in order, and survives a restart.
import assert from 'node:assert/strict'
import { test } from '../support/harness.ts'
import { KafkaSender } from '../../senders/kafka-sender.ts'
import { kafkaConfigFromEnv, senderOptionsFromConfig } from '../../senders/kafka-config.ts'
import { decodeBatch } from '../../src/codec/thrift/jaeger-decode.ts'
import { ErrorCodes, JaegerKafkaError } from '../../src/errors.ts'
import type { KafkaProducer, ProduceRequest } from '../../src/kafka/types.ts'
import type { JaegerSpan } from '../../src/codec/thrift/jaeger-types.ts'
import { held, tempSpoolDir } from '../support/spool-fixtures.ts'

class Broker implements KafkaProducer {
  down = false
  readonly spanIds: bigint[] = []
  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {}
  async send(request: ProduceRequest): Promise<void> {
    await new Promise((r) => setTimeout(r, 1))
    if (this.down) throw new JaegerKafkaError(ErrorCodes.KAFKA, 'Cannot produce: Connection error: connect ECONNREFUSED')
    for (const m of request.messages) for (const s of decodeBatch(m.value as Uint8Array).spans) this.spanIds.push(s.spanId)
  }
}

const span = (id: number): JaegerSpan => ({
  traceIdLow: 7n,
  traceIdHigh: 0n,
  spanId: BigInt(id),
  parentSpanId: 0n,
  operationName: `op-${id}`,
  flags: 1,
  startTime: 1_700_000_000_000_000n + BigInt(id),
  duration: 10n,
})

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await held(new Promise((r) => setTimeout(r, 10)))
  assert.ok(check(), what)
}

function newSender(producer: KafkaProducer, spoolDir: string, options: { drainOnCloseMs?: number } = {}): KafkaSender {
  const sender = new KafkaSender({ producer, spoolDir, retry: { initialDelayMs: 1, maxDelayMs: 4 }, maxMessageBytes: 4096, spool: { maxBytes: 1 << 20, ...options } })
  sender.setJaegerProcess({ serviceName: 'spooled' })
  return sender
}

test('KafkaSender with spoolDir: an outage is spooled (counted delivered and in stats().spool), then replayed in order', async () => {
  const { dir, cleanup } = await tempSpoolDir()
  try {
    const broker = new Broker()
    broker.down = true
    const sender = newSender(broker, dir)
    for (let id = 1; id <= 300; id++) sender.appendSpan(span(id))
    const flushed = await held(sender.flush())
    assert.equal(flushed.error, undefined)
    await until('every batch spooled', () => sender.stats().spool?.spooled.spans === 300)
    const down = sender.stats()
    assert.equal(down.spansDelivered, 300, 'on disk counts as delivered')
    assert.equal(down.spool?.pending.spans, 300)
    assert.equal(down.spool?.mode, 'spooling')
    assert.equal(broker.spanIds.length, 0)
    broker.down = false
    await until('replayed', () => sender.stats().spool?.mode === 'direct')
    assert.deepEqual(broker.spanIds, Array.from({ length: 300 }, (_, i) => BigInt(i + 1)))
    assert.equal(sender.stats().spool?.replayed.spans, 300)
    const closed = await held(sender.close())
    assert.equal(closed.undelivered, 0)
  } finally {
    await cleanup()
  }
})

test('KafkaSender with spoolDir: spans spooled before close are replayed by the next sender on the same directory', async () => {
  const { dir, cleanup } = await tempSpoolDir()
  try {
    const broker = new Broker()
    broker.down = true
    const first = newSender(broker, dir)
    for (let id = 1; id <= 50; id++) first.appendSpan(span(id))
    await held(first.flush())
    await until('spooled', () => first.stats().spool?.spooled.spans === 50)
    const closed = await held(first.close())
    assert.equal(closed.undelivered, 0)
    assert.equal(first.stats().spool?.pending.spans, 50, 'left on disk: Kafka is down')
    broker.down = false
    const second = newSender(broker, dir)
    await until('the leftovers replayed', () => second.stats().spool?.replayed.spans === 50)
    assert.equal(second.stats().spool?.recovered.spans, 50)
    assert.deepEqual(broker.spanIds, Array.from({ length: 50 }, (_, i) => BigInt(i + 1)))
    await held(second.close())
  } finally {
    await cleanup()
  }
})

test('JAEGER_KAFKA_SPOOL_* variables become the sender options spoolDir and spool', () => {
  const noFiles = (): string => {
    throw new Error('no file is read')
  }
  const config = kafkaConfigFromEnv({ JAEGER_KAFKA_BROKERS: '127.0.0.1:9092', JAEGER_KAFKA_SPOOL_DIR: '/var/spool/spans', JAEGER_KAFKA_SPOOL_MAX_BYTES: '1048576', JAEGER_KAFKA_SPOOL_FSYNC: 'Always' }, noFiles)
  assert.ok(config)
  const options = senderOptionsFromConfig(config)
  assert.equal(options.spoolDir, '/var/spool/spans')
  assert.deepEqual(options.spool, { maxBytes: 1048576, fsync: 'always' })
  assert.throws(() => kafkaConfigFromEnv({ JAEGER_KAFKA_BROKERS: 'b:1', JAEGER_KAFKA_SPOOL_FSYNC: 'sometimes' }, noFiles), /JAEGER_KAFKA_SPOOL_FSYNC must be always, interval or never/)
  assert.equal(kafkaConfigFromEnv({ JAEGER_KAFKA_BROKERS: 'b:1' }, noFiles)?.spoolDir, undefined)
})
