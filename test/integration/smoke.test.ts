// SPDX-License-Identifier: Apache-2.0
// End-to-end proof that the real peers work from every runtime: a message with
// headers through the real Kafka broker, and a Thrift Batch (encoded by the
// reference implementation) through the real Jaeger collector and back out of
// its query API.
import assert from 'node:assert/strict'
import { Buffer } from 'node:buffer'
import { randomBytes } from 'node:crypto'
import kafkajs from 'kafkajs'
import { test } from '../support/harness.ts'
import { JAEGER_COLLECTOR_URL, KAFKA_BROKERS, uniqueTopic, waitForTrace } from '../support/peers.ts'
import { loadJaegerThrift, thriftrwEncode } from '../support/thriftrw.ts'

const { Kafka, logLevel } = kafkajs

test('kafkajs produces and consumes a message with headers on the real broker', async () => {
  const kafka = new Kafka({ clientId: 'smoke', brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING })
  const topic = uniqueTopic('smoke')
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true })
  await admin.disconnect()

  const producer = kafka.producer()
  await producer.connect()
  await producer.send({
    topic,
    messages: [{ key: 'k1', value: 'hello', headers: { 'uber-trace-id': 'abc:def:0:1', 'x-repeat': ['a', 'b'] } }],
  })
  await producer.disconnect()

  const consumer = kafka.consumer({ groupId: `${topic}-group` })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const received = await new Promise<kafkajs.KafkaMessage>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no message within 20 s')), 20_000)
    void consumer.run({
      eachMessage: async ({ message }) => {
        clearTimeout(timer)
        resolve(message)
      },
    })
  })
  await consumer.disconnect()

  assert.equal(received.key?.toString(), 'k1')
  assert.equal(received.value?.toString(), 'hello')
  // kafkajs hands header values back as Buffers, and a repeated key as an array.
  const headers = received.headers ?? {}
  assert.ok(Buffer.isBuffer(headers['uber-trace-id']))
  assert.equal(String(headers['uber-trace-id']), 'abc:def:0:1')
  assert.deepEqual((headers['x-repeat'] as Buffer[]).map(String), ['a', 'b'])
}, { timeout: 60_000 })

function int64(hex: string): Buffer {
  return Buffer.from(hex.padStart(16, '0'), 'hex')
}

test('a thriftrw-encoded Batch POSTed to the real Jaeger collector is readable from the query API', async () => {
  const thrift = loadJaegerThrift()
  const traceIdLow = randomBytes(8).toString('hex').replace(/^0/, '1')
  const parentId = randomBytes(8).toString('hex').replace(/^0/, '2')
  const childId = randomBytes(8).toString('hex').replace(/^0/, '3')
  const serviceName = uniqueTopic('smoke-service')
  const nowMicros = BigInt(Date.now()) * 1000n
  const time = (offsetMicros: bigint) => int64((nowMicros + offsetMicros).toString(16))
  const span = (spanId: string, parent: string, operationName: string, extra: Record<string, unknown>) => ({
    traceIdLow: int64(traceIdLow), traceIdHigh: int64('0'), spanId: int64(spanId), parentSpanId: int64(parent),
    operationName, flags: 1, startTime: time(0n), duration: int64('3e8'), ...extra,
  })
  const body = thriftrwEncode(thrift.Batch, {
    process: { serviceName, tags: [{ key: 'hostname', vType: 'STRING', vStr: 'smoke-host' }] },
    spans: [
      span(parentId, '0', 'To_orders', { tags: [{ key: 'span.kind', vType: 'STRING', vStr: 'producer' }] }),
      span(childId, parentId, 'From_orders', {
        references: [{ refType: 'FOLLOWS_FROM', traceIdLow: int64(traceIdLow), traceIdHigh: int64('0'), spanId: int64(parentId) }],
        tags: [
          { key: 'span.kind', vType: 'STRING', vStr: 'consumer' },
          { key: 'partition', vType: 'LONG', vLong: int64('7') },
          { key: 'retried', vType: 'BOOL', vBool: true },
        ],
      }),
    ],
  })

  const res = await fetch(JAEGER_COLLECTOR_URL, { method: 'POST', headers: { 'content-type': 'application/x-thrift' }, body: body as Uint8Array<ArrayBuffer> })
  await res.arrayBuffer()
  assert.equal(res.status, 202)

  const trace = await waitForTrace(traceIdLow, 2)
  const child = trace.spans.find((s) => s.spanID === childId)
  const parent = trace.spans.find((s) => s.spanID === parentId)
  assert.ok(parent && child, 'both spans are in the trace')
  assert.equal(parent.operationName, 'To_orders')
  assert.equal(child.operationName, 'From_orders')
  assert.equal(trace.processes[child.processID]?.serviceName, serviceName)
  const tags = Object.fromEntries(child.tags.map((t) => [t.key, t.value]))
  assert.equal(tags['span.kind'], 'consumer')
  assert.equal(tags.partition, 7)
  assert.equal(tags.retried, true)
  assert.deepEqual(child.references.map((r) => [r.refType, r.spanID]), [['FOLLOWS_FROM', parentId]])
}, { timeout: 60_000 })

test('the real Jaeger collector rejects a body that is not a Thrift Batch with 400', async () => {
  const res = await fetch(JAEGER_COLLECTOR_URL, { method: 'POST', headers: { 'content-type': 'application/x-thrift' }, body: new Uint8Array([1, 2, 3]) as Uint8Array<ArrayBuffer> })
  await res.arrayBuffer()
  assert.equal(res.status, 400)
})
