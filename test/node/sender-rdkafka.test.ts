// SPDX-License-Identifier: Apache-2.0
// Node only: KafkaSender with the node-rdkafka adapter against the real broker.
// Records are read back with a node-rdkafka consumer (it understands lz4 and
// snappy, unlike kafkajs) and decoded with thriftrw (jaeger-client's IDL).
import assert from 'node:assert/strict'
import { Buffer } from 'node:buffer'
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { test } from '../support/harness.ts'
import { KAFKA_BROKERS, uniqueTopic } from '../support/peers.ts'
import { loadJaegerThrift, thriftrwDecode } from '../support/thriftrw.ts'
import { assertSpansAsRecorded, hex, recordSpans } from '../support/thrift-compare.ts'
import { createRdkafkaProducer } from '../../src/kafka/rdkafka.node.ts'
import type { RdkafkaProducerLike } from '../../src/kafka/rdkafka.node.ts'
import { SPAN_ENCODING_HEADER, SPAN_ENCODING_THRIFT_BATCH } from '../../src/kafka/span-record.ts'
import { TagType } from '../../src/codec/thrift/jaeger-types.ts'
import { initTracer } from '../../senders/init-tracer.ts'
import type { JaegerTracer } from '../../senders/init-tracer.ts'
import { KafkaSender } from '../../senders/kafka-sender.ts'

const require = createRequire(import.meta.url)
interface RdkafkaMessage {
  value: Buffer
  headers?: Record<string, Buffer>[]
}
interface RdkafkaConsumer {
  connect(): void
  on(event: 'ready', cb: () => void): void
  on(event: 'data', cb: (m: RdkafkaMessage) => void): void
  on(event: 'event.error', cb: (e: Error) => void): void
  subscribe(topics: string[]): void
  consume(): void
  disconnect(cb: () => void): void
}
const rdkafka = require('node-rdkafka') as {
  KafkaConsumer: new (config: Record<string, unknown>, topicConfig: Record<string, unknown>) => RdkafkaConsumer
  Producer: new (config: Record<string, unknown>) => RdkafkaProducerLike
  AdminClient: { create(config: Record<string, unknown>): { createTopic(t: Record<string, unknown>, cb: (e: unknown) => void): void; disconnect(): void } }
}
const thrift = loadJaegerThrift()

interface Decoded {
  headers: Record<string, string>
  spans: Record<string, unknown>[]
}

async function createTopic(topic: string, partitions = 3): Promise<void> {
  const admin = rdkafka.AdminClient.create({ 'metadata.broker.list': KAFKA_BROKERS.join(',') })
  await new Promise<void>((resolve, reject) => admin.createTopic({ topic, num_partitions: partitions, replication_factor: 1 }, (e) => (e ? reject(e) : resolve())))
  admin.disconnect()
}

/** Consume `topic` from the start until `expectedSpans` spans arrived. */
function readSpans(topic: string, expectedSpans: number, timeoutMs = 45_000): Promise<Decoded[]> {
  const consumer = new rdkafka.KafkaConsumer(
    { 'group.id': `${topic}-reader`, 'metadata.broker.list': KAFKA_BROKERS.join(','), 'enable.auto.commit': false },
    { 'auto.offset.reset': 'earliest' },
  )
  const records: Decoded[] = []
  let spans = 0
  return new Promise<Decoded[]>((resolve, reject) => {
    const timer = setTimeout(() => consumer.disconnect(() => reject(new Error(`${spans} of ${expectedSpans} spans after ${timeoutMs} ms`))), timeoutMs)
    consumer.on('ready', () => {
      consumer.subscribe([topic])
      consumer.consume()
    })
    consumer.on('data', (message) => {
      const headers: Record<string, string> = {}
      for (const h of message.headers ?? []) for (const [k, v] of Object.entries(h)) headers[k] = String(v)
      const batch = thriftrwDecode(thrift.Batch, message.value) as { spans: Record<string, unknown>[] }
      records.push({ headers, spans: batch.spans })
      spans += batch.spans.length
      if (spans >= expectedSpans) {
        clearTimeout(timer)
        consumer.disconnect(() => resolve(records))
      }
    })
    consumer.connect()
  })
}

const closeTracer = (tracer: JaegerTracer): Promise<void> => new Promise((resolve) => tracer.close(() => resolve()))

for (const compression of ['lz4', 'gzip', 'snappy'] as const) {
  test(`drop-in initTracer() with the node-rdkafka adapter (${compression}): exactly N spans, every field as recorded`, async () => {
    const topic = uniqueTopic(`sender-rdkafka-${compression}`)
    await createTopic(topic)
    const producer = createRdkafkaProducer({ brokers: KAFKA_BROKERS, compression })
    const tracer = initTracer({ serviceName: 'rdkafka-app', sampler: { type: 'const', param: 1 }, reporter: { flushIntervalMs: 200, kafka: { producer, topic } } })
    const N = 1200
    const recorded = recordSpans(tracer, N)
    await closeTracer(tracer)

    const records = await readSpans(topic, N)
    const spans = records.flatMap((r) => r.spans)
    assertSpansAsRecorded(spans, recorded)
    assert.ok(records.every((r) => r.headers[SPAN_ENCODING_HEADER] === SPAN_ENCODING_THRIFT_BATCH))
  }, { timeout: 120_000 })
}

test('node-rdkafka: close() with batches in flight resolves on delivery reports, nothing lost', async () => {
  const topic = uniqueTopic('sender-rdkafka-close')
  await createTopic(topic)
  const sender = new KafkaSender({ producer: createRdkafkaProducer({ brokers: KAFKA_BROKERS }), topic, maxMessageBytes: 64 * 1024 })
  sender.setJaegerProcess({ serviceName: 'closer' })
  const N = 20_000
  for (let i = 1; i <= N; i++) {
    sender.appendSpan({ traceIdLow: BigInt(i), traceIdHigh: 0n, spanId: BigInt(i), parentSpanId: 0n, operationName: 'w', flags: 1, startTime: BigInt(i), duration: 1n, tags: [{ key: 'i', vType: TagType.LONG, vLong: BigInt(i) }] })
  }
  assert.ok(sender.stats().spansDelivered < N)
  const result = await sender.close()
  assert.deepEqual([result.delivered, result.undelivered, result.timedOut], [N, 0, false])
  const records = await readSpans(topic, N, 60_000)
  assert.equal(new Set(records.flatMap((r) => r.spans.map((s) => hex(s.spanId)))).size, N)
}, { timeout: 120_000 })

test('node-rdkafka: a producer you created stays connected after close(); yours to disconnect', async () => {
  const topic = uniqueTopic('sender-rdkafka-own')
  await createTopic(topic, 1)
  const mine = new rdkafka.Producer({ 'metadata.broker.list': KAFKA_BROKERS.join(','), dr_cb: true })
  await new Promise<void>((resolve, reject) => mine.connect({}, (e) => (e ? reject(e) : resolve())))
  const sender = new KafkaSender({ producer: createRdkafkaProducer({ producer: mine }), topic })
  sender.setJaegerProcess({ serviceName: 'mine' })
  sender.appendSpan({ traceIdLow: 1n, traceIdHigh: 0n, spanId: 1n, parentSpanId: 0n, operationName: 'one', flags: 1, startTime: 1n, duration: 1n })
  const result = await sender.close()
  assert.equal(result.delivered, 1)
  assert.equal(mine.isConnected(), true)
  await new Promise<void>((resolve) => mine.disconnect(2000, () => resolve()))
  const records = await readSpans(topic, 1)
  assert.equal(records[0]?.spans.length, 1)
}, { timeout: 60_000 })

test('node-rdkafka: a child process exits on its own after tracer.close() with its spans on the topic', async () => {
  const topic = uniqueTopic('sender-rdkafka-child')
  await createTopic(topic, 1)
  const env = { ...process.env, KAFKA_BROKERS: KAFKA_BROKERS.join(','), TOPIC: topic, SPAN_COUNT: '250', COMPRESSION: 'lz4' }
  const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/sender-rdkafka.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += String(d)))
    child.stderr.resume()
    const timer = setTimeout(() => {
      child.kill()
      reject(new Error('the child did not exit within 60 s after close()'))
    }, 60_000)
    child.on('exit', (c) => {
      clearTimeout(timer)
      resolve({ code: c, stdout: out })
    })
  })
  assert.equal(code, 0)
  const summary = JSON.parse(stdout.trim().split('\n').at(-1) as string) as { spanIds: string[] }
  const records = await readSpans(topic, 250)
  const onTopic = records.flatMap((r) => r.spans.map((s) => BigInt(`0x${hex(s.spanId)}`).toString(16)))
  assert.deepEqual(onTopic.sort(), summary.spanIds.sort())
}, { timeout: 120_000 })
