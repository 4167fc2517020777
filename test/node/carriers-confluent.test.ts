// SPDX-License-Identifier: Apache-2.0
// Node only: carriers and span helpers with @confluentinc/kafka-javascript over
// the real broker, through each client's real header encoder and decoder.
// Its KafkaJS API hands over headers as `{ key: Buffer | Buffer[] }` (repeated
// keys collapse into arrays, `headers` undefined when none); its
// node-rdkafka API as arrays of one-key objects. One trace crosses
// kafkajs → Confluent → node-rdkafka → Confluent → kafkajs.
import assert from 'node:assert/strict'
import { Buffer } from 'node:buffer'
import { createRequire } from 'node:module'
import jaeger from 'jaeger-client'
import kafkajs from 'kafkajs'
import * as opentracing from 'opentracing'
import { test } from '../support/harness.ts'
import { waitFor } from '../support/forwarder-fakes.ts'
import { KAFKA_BROKERS, uniqueTopic } from '../support/peers.ts'
import { createTopic } from '../support/span-topic.ts'
import { confluent } from '../support/confluent-topic.ts'
import type { ConfluentTestConsumer } from '../support/confluent-topic.ts'
import {
  KafkaConsumerCarrier, extractContext, kafkaHeadersGetter, kafkaHeadersSetter, startConsumerSpan, startProducerSpan,
  traceEachBatch, traceEachMessage, tracedSend,
} from '../../carriers/index.ts'
import type { EachBatchPayloadLike, EachMessagePayloadLike, KafkajsMessage, RdkafkaHeaders, RdkafkaMessage, SpanLike } from '../../carriers/index.ts'

const require = createRequire(import.meta.url)

interface RdkafkaConsumer {
  connect(options: { timeout: number }, cb: (err: unknown) => void): void
  on(event: 'data', cb: (m: RdkafkaMessage & { topic: string; partition: number; offset: number }) => void): void
  subscribe(topics: string[]): void
  consume(): void
  disconnect(cb: () => void): void
}
interface RdkafkaProducer {
  connect(options: { timeout: number }, cb: (err: unknown) => void): void
  disconnect(timeout: number, cb: (err: unknown) => void): void
  produce(topic: string, partition: number | null, value: Buffer, key: string | null, timestamp: number | null, opaque: unknown, headers: RdkafkaHeaders): void
  setPollInterval(ms: number): void
  on(event: 'delivery-report', cb: (err: unknown, report: { opaque?: unknown }) => void): void
}
interface RdkafkaApi {
  Producer: new (config: Record<string, unknown>) => RdkafkaProducer
  KafkaConsumer: new (config: Record<string, unknown>, topicConfig: Record<string, unknown>) => RdkafkaConsumer
}
const rdkafka = require('node-rdkafka') as RdkafkaApi
// The Confluent package's node-rdkafka-compatible API (same shapes as node-rdkafka's).
const confluentRd = confluent as unknown as RdkafkaApi

interface JaegerSpan extends opentracing.Span {
  operationName: string
  _references: opentracing.Reference[]
}
const { initTracer, InMemoryReporter } = jaeger as unknown as { initTracer: typeof jaeger.initTracer; InMemoryReporter: new () => { spans: JaegerSpan[] } }
function jaegerTracer(): { tracer: opentracing.Tracer; spans: () => JaegerSpan[] } {
  const reporter = new InMemoryReporter()
  const tracer = initTracer({ serviceName: 'carriers-confluent', sampler: { type: 'const', param: 1 } }, { reporter: reporter as never, logger: { info() {}, error() {} } })
  return { tracer, spans: () => reporter.spans }
}

const kafka = new kafkajs.Kafka({ clientId: 'carriers-confluent-test', brokers: KAFKA_BROKERS, logLevel: kafkajs.logLevel.NOTHING })
const cfKafka = new confluent.KafkaJS.Kafka({ kafkaJS: { brokers: KAFKA_BROKERS, logLevel: 0 } })
const cfConsumer = (groupId: string): ConfluentTestConsumer => cfKafka.consumer({ kafkaJS: { groupId, fromBeginning: true } })

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  return Promise.race([promise, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} after ${ms} ms`)), ms) })])
    .finally(() => clearTimeout(timer))
}

function rdConsumer(api: RdkafkaApi, group: string): RdkafkaConsumer {
  return new api.KafkaConsumer({ 'group.id': group, 'metadata.broker.list': KAFKA_BROKERS.join(','), 'enable.auto.commit': false }, { 'auto.offset.reset': 'earliest' })
}

/** The first message node-rdkafka-API `consumer` reads from `topic`. */
async function firstRdMessage(consumer: RdkafkaConsumer, topic: string): Promise<RdkafkaMessage & { topic: string; partition: number; offset: number }> {
  await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 5000 }, (e) => (e ? reject(e) : resolve())))
  return withTimeout(new Promise((resolve) => {
    consumer.on('data', resolve)
    consumer.subscribe([topic])
    consumer.consume()
  }), 30_000, `nothing consumed from ${topic}`)
}

test('one trace across kafkajs → Confluent (eachMessage) → node-rdkafka → Confluent node-rdkafka API → Confluent (eachBatch) → kafkajs', async () => {
  const { tracer, spans } = jaegerTracer()
  const [t1, t2, t3, t4] = ['kjs2cf', 'cf2rd', 'cfrd2cf', 'cf2kjs'].map((n) => uniqueTopic(`carriers-${n}`)) as [string, string, string, string]
  for (const t of [t1, t2, t3, t4]) await createTopic(t, 1)
  const kjsProducer = kafka.producer()
  const cfProducer = cfKafka.producer()
  const c1 = cfConsumer(`${t1}-g`)
  const c3 = cfConsumer(`${t3}-g`)
  const rd2 = rdConsumer(rdkafka, `${t2}-g`)
  const cfRdProducer = new confluentRd.Producer({ 'metadata.broker.list': KAFKA_BROKERS.join(','), dr_cb: true })
  const kjsConsumer = kafka.consumer({ groupId: `${t4}-g`, maxWaitTimeInMs: 200 })
  try {
    await kjsProducer.connect()
    await cfProducer.connect()
    const root = tracer.startSpan('request')
    root.setBaggageItem('tenant', 'ünïcode ✓')
    // 1. kafkajs produces.
    await tracedSend(tracer, kjsProducer, { topic: t1, acks: -1, messages: [{ value: 'hop1' }] }, { childOf: root })

    // 2. Confluent KafkaJS API consumes (Buffer header values) and produces with tracedSend.
    await c1.connect()
    await c1.subscribe({ topics: [t1] })
    const hop2 = new Promise<void>((resolve, reject) => {
      void c1.run({
        eachMessage: traceEachMessage(tracer, async (payload: EachMessagePayloadLike, span) => {
          try {
            assert.ok(Buffer.isBuffer(payload.message.headers?.['uber-trace-id']), 'Confluent hands header values over as Buffers')
            assert.equal(span.getBaggageItem('tenant'), 'ünïcode ✓')
            await tracedSend(tracer, cfProducer, { topic: t2, messages: [{ value: 'hop2' }] }, { childOf: span })
            resolve()
          } catch (error) {
            reject(error)
          }
        }),
      })
    })
    await withTimeout(hop2, 30_000, 'Confluent consumed nothing from kafkajs')

    // 3. node-rdkafka consumes; Confluent's node-rdkafka-compatible producer sends on.
    const m2 = await firstRdMessage(rd2, t2)
    const from2 = startConsumerSpan(tracer, { topic: m2.topic, partition: m2.partition, message: m2 })
    from2.finish()
    await new Promise<void>((resolve, reject) => cfRdProducer.connect({ timeout: 5000 }, (e) => (e ? reject(e) : resolve())))
    cfRdProducer.setPollInterval(20)
    const headers: RdkafkaHeaders = []
    const to3 = startProducerSpan(tracer, { topic: t3, message: headers, childOf: from2 })
    const delivered = new Promise<void>((resolve, reject) => cfRdProducer.on('delivery-report', (err, report) => {
      (report.opaque as SpanLike).finish()
      if (err) reject(err)
      else resolve()
    }))
    cfRdProducer.produce(t3, null, Buffer.from('hop3'), null, Date.now(), to3, headers)
    await withTimeout(delivered, 15_000, 'no delivery report')

    // 4. Confluent KafkaJS API consumes a batch and produces to kafkajs.
    await c3.connect()
    await c3.subscribe({ topics: [t3] })
    const hop4 = new Promise<void>((resolve, reject) => {
      void c3.run({
        eachBatch: traceEachBatch(tracer, async (payload: EachBatchPayloadLike, tracing) => {
          try {
            const message = payload.batch.messages[0]!
            await tracedSend(tracer, kjsProducer, { topic: t4, acks: -1, messages: [{ value: 'hop4' }] }, { childOf: tracing.spanFor(message) })
            resolve()
          } catch (error) {
            reject(error)
          }
        }),
      })
    })
    await withTimeout(hop4, 30_000, 'Confluent eachBatch consumed nothing')

    // 5. kafkajs consumes.
    await kjsConsumer.connect()
    await kjsConsumer.subscribe({ topic: t4, fromBeginning: true })
    const hop5 = new Promise<void>((resolve) => {
      void kjsConsumer.run({ eachMessage: traceEachMessage(tracer, async () => resolve()) })
    })
    await withTimeout(hop5, 30_000, 'kafkajs consumed nothing from Confluent')
    root.finish()

    const names = [`To_${t1}`, `From_${t1}`, `To_${t2}`, `From_${t2}`, `To_${t3}`, `From_${t3}`, `To_${t4}`, `From_${t4}`]
    await waitFor(() => names.every((n) => spans().some((s) => s.operationName === n)), 10_000, 'every hop span finished')
    const traceId = root.context().toTraceId()
    const byName = (n: string) => spans().filter((s) => s.operationName === n)
    for (const name of names) for (const span of byName(name)) assert.equal(span.context().toTraceId(), traceId, `${name} is in the one trace`)
    // Every consumer span refers to the producer span of its hop.
    for (const [to, from] of [[t1, t1], [t2, t2], [t3, t3], [t4, t4]] as const) {
      const producer = byName(`To_${to}`)[0]!
      const consumers = byName(`From_${from}`)
      assert.ok(consumers.some((c) => c._references.some((r) => r.referencedContext().toSpanId() === producer.context().toSpanId())), `From_${from} refers to To_${to}`)
    }
    assert.equal(byName(`From_${t4}`)[0]!.getBaggageItem('tenant'), 'ünïcode ✓', 'baggage crossed every client')
  } finally {
    await c1.disconnect().catch(() => {})
    await c3.disconnect().catch(() => {})
    await kjsConsumer.disconnect().catch(() => {})
    await new Promise<void>((resolve) => rd2.disconnect(() => resolve()))
    await new Promise<void>((resolve) => cfRdProducer.disconnect(5000, () => resolve()))
    await kjsProducer.disconnect()
    await cfProducer.disconnect()
  }
}, { timeout: 120_000 })

test('Confluent shapes: repeated keys arrive as arrays (last wins), no headers is undefined, the OTel getter/setter and raw carriers never throw', async () => {
  const { tracer } = jaegerTracer()
  const topic = uniqueTopic('carriers-cf-shapes')
  await createTopic(topic, 1)
  const producer = cfKafka.producer()
  const consumer = cfConsumer(`${topic}-g`)
  const rd = rdConsumer(confluentRd, `${topic}-rd`)
  try {
    await producer.connect()
    const older = tracer.startSpan('older')
    const newer = tracer.startSpan('newer')
    const otel: KafkajsMessage = { value: 'otel' }
    kafkaHeadersSetter.set(otel, 'traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')
    await producer.send({
      topic,
      messages: [
        { value: 'repeated', headers: { 'uber-trace-id': [older.context().toString(), newer.context().toString()] } },
        { value: 'bare' },
        otel,
      ],
    })
    await consumer.connect()
    await consumer.subscribe({ topics: [topic] })
    const got: { value: Buffer; headers?: Record<string, unknown> }[] = []
    await withTimeout(new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }: { message: { value: Buffer; headers?: Record<string, unknown> } }) => {
          got.push(message)
          if (got.length === 3) resolve()
        },
      })
    }), 30_000, 'Confluent consumed too little')
    const [repeated, bare, withOtel] = got as [typeof got[0], typeof got[0], typeof got[0]]
    const values = repeated.headers?.['uber-trace-id'] as Buffer[]
    assert.ok(Array.isArray(values) && values.length === 2 && values.every((v) => Buffer.isBuffer(v)), 'a repeated key collapses into an array of Buffers')
    assert.equal(extractContext(tracer, repeated as never)?.toString(), newer.context().toString())
    assert.equal(kafkaHeadersGetter.get(repeated, 'UBER-TRACE-ID'), newer.context().toString())
    assert.equal(tracer.extract(opentracing.FORMAT_TEXT_MAP, new KafkaConsumerCarrier(repeated as never))?.toString(), newer.context().toString())
    assert.equal(bare.headers, undefined, 'no headers is undefined')
    assert.equal(extractContext(tracer, bare as never), null)
    assert.deepEqual(kafkaHeadersGetter.keys(bare), [])
    assert.equal(kafkaHeadersGetter.get(withOtel, 'traceparent'), '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')
    const span = startConsumerSpan(tracer, { topic, partition: 0, message: bare as never })
    span.finish()

    // The same records through the package's node-rdkafka API: arrays of one-key objects, wire order.
    const rdMessage = await firstRdMessage(rd, topic)
    assert.deepEqual(rdMessage.headers?.map((h) => Object.keys(h)[0]), ['uber-trace-id', 'uber-trace-id'])
    assert.equal(extractContext(tracer, rdMessage)?.toString(), newer.context().toString())
    assert.equal(kafkaHeadersGetter.get(rdMessage, 'uber-trace-id'), newer.context().toString())
  } finally {
    await consumer.disconnect().catch(() => {})
    await new Promise<void>((resolve) => rd.disconnect(() => resolve()))
    await producer.disconnect()
  }
}, { timeout: 90_000 })
