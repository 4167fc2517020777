// SPDX-License-Identifier: Apache-2.0
// Node only (node-rdkafka is a NAN addon): carriers over the real broker
// between node-rdkafka and kafkajs, both directions, through each client's
// real header encoder and decoder. node-rdkafka headers are arrays of one-key
// objects; consumed values are Buffers in wire order.
import assert from 'node:assert/strict'
import { Buffer } from 'node:buffer'
import { createRequire } from 'node:module'
import jaeger from 'jaeger-client'
import kafkajs from 'kafkajs'
import * as opentracing from 'opentracing'
import { test } from '../support/harness.ts'
import { waitFor } from '../support/forwarder-fakes.ts'
import { KAFKA_BROKERS, uniqueTopic } from '../support/peers.ts'
import {
  KafkaConsumerCarrier, KafkaProducerCarrier, extractContext, finishProducerSpan, startConsumerSpan, startProducerSpan,
  traceEachMessage, tracedSend,
} from '../../carriers/index.ts'
import type { RdkafkaHeaders, RdkafkaMessage, SpanLike } from '../../carriers/index.ts'

const require = createRequire(import.meta.url)

interface DeliveryReport { topic: string; partition: number; offset: number; opaque?: unknown }
interface RdkafkaProducer {
  connect(options: { timeout: number }, cb: (err: unknown) => void): void
  disconnect(timeout: number, cb: (err: unknown) => void): void
  produce(topic: string, partition: number | null, value: Buffer, key: string | null, timestamp: number | null, opaque: unknown, headers: RdkafkaHeaders): void
  setPollInterval(ms: number): void
  on(event: 'delivery-report', cb: (err: unknown, report: DeliveryReport) => void): void
}
interface RdkafkaConsumer {
  connect(options: { timeout: number }, cb: (err: unknown) => void): void
  on(event: 'data', cb: (m: RdkafkaMessage & { topic: string; partition: number; offset: number }) => void): void
  subscribe(topics: string[]): void
  consume(): void
  disconnect(cb: () => void): void
}
const rdkafka = require('node-rdkafka') as {
  Producer: new (config: Record<string, unknown>) => RdkafkaProducer
  KafkaConsumer: new (config: Record<string, unknown>, topicConfig: Record<string, unknown>) => RdkafkaConsumer
}

interface JaegerSpan extends opentracing.Span {
  operationName: string
  _references: opentracing.Reference[]
}
interface JaegerModule {
  initTracer: typeof jaeger.initTracer
  InMemoryReporter: new () => { spans: JaegerSpan[] }
}
const { initTracer, InMemoryReporter } = jaeger as unknown as JaegerModule
function jaegerTracer(): { tracer: opentracing.Tracer; spans: () => JaegerSpan[] } {
  const reporter = new InMemoryReporter()
  const tracer = initTracer({ serviceName: 'carriers-rdkafka', sampler: { type: 'const', param: 1 } }, { reporter: reporter as never, logger: { info() {}, error() {} } })
  return { tracer, spans: () => reporter.spans }
}

const { Kafka, logLevel } = kafkajs
const kafka = new Kafka({ clientId: 'carriers-rdkafka-test', brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING, connectionTimeout: 3000, retry: { retries: 3, initialRetryTime: 100 } })

async function withAdmin(fn: (admin: kafkajs.Admin) => Promise<unknown>): Promise<void> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    await fn(admin)
  } finally {
    await admin.disconnect()
  }
}
const createTopic = (topic: string) => withAdmin((a) => a.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true }))
const deleteTopic = (topic: string) => withAdmin((a) => a.deleteTopics({ topics: [topic], timeout: 5000 }).catch(() => {}))

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  return Promise.race([promise, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} after ${ms} ms`)), ms) })])
    .finally(() => clearTimeout(timer))
}

test('node-rdkafka → kafkajs: the headers array carries context, W3C and baggage; the producer span ends on the delivery report', async () => {
  const { tracer, spans } = jaegerTracer()
  const topic = uniqueTopic('carriers-rd2kjs')
  await createTopic(topic)
  const producer = new rdkafka.Producer({ 'metadata.broker.list': KAFKA_BROKERS.join(','), dr_cb: true, 'enable.idempotence': true })
  await new Promise<void>((resolve, reject) => producer.connect({ timeout: 5000 }, (e) => (e ? reject(e) : resolve())))
  producer.setPollInterval(20)
  const consumer = kafka.consumer({ groupId: `${topic}-g`, maxWaitTimeInMs: 200 })
  try {
    const parent = tracer.startSpan('request')
    parent.setBaggageItem('tenant', 'ünïcode, a=b ✓')
    const headers: RdkafkaHeaders = [{ keep: 'me' }, { 'UBER-TRACE-ID': 'stale:1:0:1' }]
    const span = startProducerSpan(tracer, { topic, message: headers, childOf: parent, formats: ['w3c'] })
    assert.deepEqual(headers.map((h) => Object.keys(h)[0]), ['keep', 'uber-trace-id', 'traceparent', 'uberctx-tenant'])
    const delivered = new Promise<DeliveryReport>((resolve, reject) => {
      producer.on('delivery-report', (err, report) => {
        finishProducerSpan(report.opaque as SpanLike, err)
        if (err) reject(err)
        else resolve(report)
      })
    })
    producer.produce(topic, null, Buffer.from('from rdkafka'), 'k', Date.now(), span, headers)
    assert.equal(spans().length, 0, 'the producer span waits for the delivery report')
    const report = await withTimeout(delivered, 15_000, 'no delivery report')
    assert.equal(report.topic, topic)
    assert.equal(spans()[0]?.operationName, `To_${topic}`)

    await consumer.connect()
    await consumer.subscribe({ topic, fromBeginning: true })
    const consumed = new Promise<void>((resolve, reject) => {
      void consumer.run({
        eachMessage: traceEachMessage(tracer, async ({ message }, consumerSpan) => {
          try {
            assert.equal(String(message.headers?.keep), 'me')
            assert.ok(Buffer.isBuffer(message.headers?.['uber-trace-id']))
            assert.equal(consumerSpan.getBaggageItem('tenant'), 'ünïcode, a=b ✓')
            resolve()
          } catch (error) {
            reject(error)
          }
        }),
      })
    })
    await withTimeout(consumed, 30_000, 'kafkajs consumed nothing')
    // The consumer span finishes after the handler returns.
    await waitFor(() => spans().some((s) => s.operationName === `From_${topic}`), 10_000, 'the From_ span finished')
    const consumerSpan = spans().find((s) => s.operationName === `From_${topic}`)
    assert.ok(consumerSpan)
    assert.equal(consumerSpan.context().toTraceId(), parent.context().toTraceId())
    assert.equal(consumerSpan._references[0]?.type(), opentracing.REFERENCE_FOLLOWS_FROM)
    assert.equal(consumerSpan._references[0]?.referencedContext().toSpanId(), span.context().toSpanId())
  } finally {
    await consumer.disconnect()
    await new Promise<void>((resolve) => producer.disconnect(5000, () => resolve()))
    await deleteTopic(topic)
  }
})

test('kafkajs → node-rdkafka: a consumed headers array (Buffers, repeated keys in wire order) extracts last-wins', async () => {
  const { tracer, spans } = jaegerTracer()
  const topic = uniqueTopic('carriers-kjs2rd')
  await createTopic(topic)
  const producer = kafka.producer({ allowAutoTopicCreation: false })
  await producer.connect()
  const consumer = new rdkafka.KafkaConsumer(
    { 'group.id': `${topic}-g`, 'metadata.broker.list': KAFKA_BROKERS.join(','), 'enable.auto.commit': false },
    { 'auto.offset.reset': 'earliest' },
  )
  let connected = false
  try {
    const root = tracer.startSpan('root')
    root.setBaggageItem('user', 'x\r\ny')
    await tracedSend(tracer, producer, { topic, acks: -1, messages: [{ value: 'traced' }] }, { childOf: root })
    const older = tracer.startSpan('older')
    const newer = tracer.startSpan('newer')
    await producer.send({ topic, acks: -1, messages: [{ value: 'repeated', headers: { 'uber-trace-id': [older.context().toString(), newer.context().toString()] } }] })
    const producerSpan = spans().find((s) => s.operationName === `To_${topic}`)
    assert.ok(producerSpan)

    await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 5000 }, (e) => (e ? reject(e) : resolve())))
    connected = true
    const received: Array<RdkafkaMessage & { topic: string; partition: number; offset: number }> = []
    const done = new Promise<void>((resolve) => {
      consumer.on('data', (message) => {
        received.push(message)
        if (received.length === 2) resolve()
      })
    })
    consumer.subscribe([topic])
    consumer.consume()
    await withTimeout(done, 30_000, 'node-rdkafka consumed nothing')

    const [traced, repeated] = received
    assert.ok(traced && repeated)
    assert.ok(Array.isArray(traced.headers) && Buffer.isBuffer(Object.values(traced.headers[0] ?? {})[0]))
    const span = startConsumerSpan(tracer, { topic: traced.topic, partition: traced.partition, message: traced })
    span.finish()
    assert.equal(span.getBaggageItem('user'), 'x\r\ny')
    const reported = spans().find((s) => s.operationName === `From_${topic}`)
    assert.equal(reported?.context().toTraceId(), root.context().toTraceId())
    assert.equal(reported?._references[0]?.referencedContext().toSpanId(), producerSpan.context().toSpanId())

    assert.deepEqual(repeated.headers?.map((h) => Object.keys(h)[0]), ['uber-trace-id', 'uber-trace-id'], 'both occurrences arrive, in order')
    assert.equal(extractContext(tracer, repeated)?.toString(), newer.context().toString())
    assert.equal(tracer.extract(opentracing.FORMAT_TEXT_MAP, new KafkaConsumerCarrier(repeated))?.toString(), newer.context().toString())
  } finally {
    if (connected) await new Promise<void>((resolve) => consumer.disconnect(() => resolve()))
    await producer.disconnect()
    await deleteTopic(topic)
  }
})

test('node-rdkafka → node-rdkafka: tracer.inject straight into the produce() headers array round-trips', async () => {
  const { tracer } = jaegerTracer()
  const topic = uniqueTopic('carriers-rd2rd')
  await createTopic(topic)
  const producer = new rdkafka.Producer({ 'metadata.broker.list': KAFKA_BROKERS.join(','), dr_cb: true })
  await new Promise<void>((resolve, reject) => producer.connect({ timeout: 5000 }, (e) => (e ? reject(e) : resolve())))
  producer.setPollInterval(20)
  const consumer = new rdkafka.KafkaConsumer(
    { 'group.id': `${topic}-g`, 'metadata.broker.list': KAFKA_BROKERS.join(','), 'enable.auto.commit': false },
    { 'auto.offset.reset': 'earliest' },
  )
  let connected = false
  try {
    const span = tracer.startSpan('x')
    const headers: RdkafkaHeaders = []
    tracer.inject(span, opentracing.FORMAT_HTTP_HEADERS, new KafkaProducerCarrier(headers, { formats: ['b3'] }))
    producer.produce(topic, null, Buffer.from('v'), null, Date.now(), null, headers)
    await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 5000 }, (e) => (e ? reject(e) : resolve())))
    connected = true
    const message = await withTimeout(new Promise<RdkafkaMessage>((resolve) => {
      consumer.on('data', resolve)
      consumer.subscribe([topic])
      consumer.consume()
    }), 30_000, 'node-rdkafka consumed nothing')
    assert.equal(tracer.extract(opentracing.FORMAT_HTTP_HEADERS, new KafkaConsumerCarrier(message))?.toString(), span.context().toString())
    const b3 = new KafkaConsumerCarrier(message, { formats: ['b3'] })
    assert.equal(b3.traceContext()?.spanId, span.context().toSpanId().padStart(16, '0'))
  } finally {
    if (connected) await new Promise<void>((resolve) => consumer.disconnect(() => resolve()))
    await new Promise<void>((resolve) => producer.disconnect(5000, () => resolve()))
    await deleteTopic(topic)
  }
})
