// SPDX-License-Identifier: Apache-2.0
// Carriers over the real broker (KAFKA_BROKERS, default 127.0.0.1:9092),
// kafkajs → kafkajs, on every runtime: headers as kafkajs really encodes and
// decodes them (Buffers, repeated keys), a three-hop pipeline
// produce → consume-and-produce → consume that stays ONE trace with the right
// references (checked on jaeger-client's InMemoryReporter), and eachBatch.
import assert from 'node:assert/strict'
import { Buffer } from 'node:buffer'
import jaeger from 'jaeger-client'
import kafkajs from 'kafkajs'
import * as opentracing from 'opentracing'
import { ROOT_CONTEXT, trace } from '@opentelemetry/api'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { test } from '../support/harness.ts'
import { waitFor } from '../support/forwarder-fakes.ts'
import { KAFKA_BROKERS, uniqueTopic } from '../support/peers.ts'
import {
  KafkaConsumerCarrier, KafkaProducerCarrier, extractContext, injectHeaders, kafkaHeadersGetter, traceEachBatch,
  traceEachMessage, tracedSend,
} from '../../carriers/index.ts'
import type { KafkajsMessage } from '../../carriers/index.ts'

const { Kafka, logLevel } = kafkajs
type KafkaMessage = kafkajs.KafkaMessage
type EachMessagePayload = kafkajs.EachMessagePayload
type EachBatchPayload = kafkajs.EachBatchPayload

interface JaegerSpan extends opentracing.Span {
  operationName: string
  _references: opentracing.Reference[]
}
interface JaegerModule {
  initTracer: typeof jaeger.initTracer
  InMemoryReporter: new () => { spans: JaegerSpan[]; clear(): void }
}
const { initTracer, InMemoryReporter } = jaeger as unknown as JaegerModule

function jaegerTracer(): { tracer: opentracing.Tracer & { close(cb?: () => void): void }; spans: () => JaegerSpan[] } {
  const reporter = new InMemoryReporter()
  const tracer = initTracer({ serviceName: 'carriers-kafkajs', sampler: { type: 'const', param: 1 } }, { reporter: reporter as never, logger: { info() {}, error() {} } })
  return { tracer, spans: () => reporter.spans }
}

const kafka = new Kafka({
  clientId: 'carriers-test',
  brokers: KAFKA_BROKERS,
  logLevel: logLevel.NOTHING,
  connectionTimeout: 3000,
  retry: { retries: 3, initialRetryTime: 100 },
})

async function createTopics(...topics: string[]): Promise<void> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: 1 })), waitForLeaders: true })
  } finally {
    await admin.disconnect()
  }
}

async function deleteTopics(...topics: string[]): Promise<void> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    await admin.deleteTopics({ topics, timeout: 5000 })
  } catch {
    // Best effort: the names are unique per run anyway.
  } finally {
    await admin.disconnect()
  }
}

/** A consumer that runs `handler` per message until `count` were handled (or fails after `timeoutMs`). */
async function consume(topic: string, count: number, run: (done: () => void) => Parameters<kafkajs.Consumer['run']>[0], timeoutMs = 30_000): Promise<kafkajs.Consumer> {
  const consumer = kafka.consumer({ groupId: `${topic}-${Math.random().toString(36).slice(2)}`, sessionTimeout: 10_000, heartbeatInterval: 500, maxWaitTimeInMs: 200 })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  let handled = 0
  let finish!: () => void
  const finished = new Promise<void>((resolve) => { finish = resolve })
  await consumer.run(run(() => {
    handled++
    if (handled >= count) finish()
  }))
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    await Promise.race([
      finished,
      new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${topic}: ${handled} of ${count} messages after ${timeoutMs} ms`)), timeoutMs) }),
    ])
  } catch (error) {
    await consumer.disconnect()
    throw error
  } finally {
    clearTimeout(timer)
  }
  return consumer
}

test('kafkajs → kafkajs: uber-trace-id, W3C and raw TEXT_MAP baggage survive the broker; a repeated key reads last-wins', async () => {
  const { tracer } = jaegerTracer()
  const topic = uniqueTopic('carriers-roundtrip')
  await createTopics(topic)
  const producer = kafka.producer({ allowAutoTopicCreation: false })
  await producer.connect()
  const received: KafkaMessage[] = []
  let consumer: kafkajs.Consumer | undefined
  try {
    const span = tracer.startSpan('produce')
    span.setBaggageItem('tenant', 'a=b, 50% ✓\r\nX-Evil: 1')
    const traced: KafkajsMessage = { value: 'traced', headers: { keep: 'me' } }
    tracer.inject(span, opentracing.FORMAT_TEXT_MAP, new KafkaProducerCarrier(traced, { formats: ['w3c'] }))
    // kafkajs turns an array into repeated headers on the wire.
    const older = tracer.startSpan('older')
    const repeated = { value: 'repeated', headers: { 'uber-trace-id': [older.context().toString(), span.context().toString()] } }
    await producer.send({ topic, acks: -1, messages: [traced as kafkajs.Message, repeated] })

    consumer = await consume(topic, 2, (done) => ({ eachMessage: async ({ message }: EachMessagePayload) => { received.push(message); done() } }))
    const [first, second] = received
    assert.ok(first && second)
    assert.ok(Buffer.isBuffer(first.headers?.['uber-trace-id']), 'kafkajs hands over Buffers')
    assert.equal(String(first.headers?.keep), 'me')

    const ctx = tracer.extract(opentracing.FORMAT_TEXT_MAP, new KafkaConsumerCarrier(first))
    assert.equal(ctx?.toString(), span.context().toString())
    assert.equal(tracer.startSpan('consume', { childOf: ctx }).getBaggageItem('tenant'), 'a=b, 50% ✓\r\nX-Evil: 1')
    // TEXT_MAP baggage travels raw, as jaeger-client (Node and Java) writes it; a
    // Kafka header value cannot create another header.
    assert.equal(String(first.headers?.['uberctx-tenant']), 'a=b, 50% ✓\r\nX-Evil: 1')
    assert.equal(Object.keys(first.headers ?? {}).some((k) => k.toLowerCase() === 'x-evil'), false)

    const w3c = trace.getSpanContext(new W3CTraceContextPropagator().extract(ROOT_CONTEXT, first, kafkaHeadersGetter))
    assert.equal(w3c?.traceId, span.context().toTraceId().padStart(32, '0'))

    assert.ok(Array.isArray(second.headers?.['uber-trace-id']), 'kafkajs returns an array for a repeated key')
    assert.equal(extractContext(tracer, second)?.toString(), span.context().toString())
  } finally {
    await consumer?.disconnect()
    await producer.disconnect()
    await deleteTopics(topic)
  }
})

test('kafkajs three-hop pipeline (produce → consume-and-produce → consume) yields ONE trace with correct references', async () => {
  const { tracer, spans } = jaegerTracer()
  const first = uniqueTopic('carriers-hop1')
  const second = uniqueTopic('carriers-hop2')
  await createTopics(first, second)
  const producer = kafka.producer({ allowAutoTopicCreation: false })
  await producer.connect()
  const consumers: kafkajs.Consumer[] = []
  try {
    const root = tracer.startSpan('request')
    await tracedSend(tracer, producer, { topic: first, acks: -1, messages: [{ key: 'order-1', value: 'hello' }] }, { childOf: root })
    root.finish()

    consumers.push(await consume(first, 1, (done) => ({
      eachMessage: traceEachMessage(tracer, async ({ message }: EachMessagePayload, span) => {
        await tracedSend(tracer, producer, { topic: second, acks: -1, messages: [{ key: message.key, value: message.value }] }, { childOf: span })
        done()
      }),
    })))
    consumers.push(await consume(second, 1, (done) => ({
      eachMessage: traceEachMessage(tracer, async () => { done() }, { messaging: true }),
    })))
    // traceEachMessage finishes its span after the handler returns: wait for both consumer spans.
    await waitFor(() => spans().filter((s) => s.operationName.startsWith('From_')).length === 2, 10_000, 'both From_ spans finished')

    const byName = new Map(spans().map((s) => [s.operationName, s]))
    const names = [...byName.keys()].sort()
    assert.deepEqual(names, ['From_' + first, 'From_' + second, 'To_' + first, 'To_' + second, 'request'].sort())
    const traceIds = new Set(spans().map((s) => s.context().toTraceId()))
    assert.equal(traceIds.size, 1, 'one trace id across three hops')

    const ref = (name: string): [string, string] | undefined => {
      const r = byName.get(name)?._references[0]
      return r ? [r.type(), r.referencedContext().toSpanId()] : undefined
    }
    const id = (name: string): string => byName.get(name)?.context().toSpanId() ?? '?'
    assert.deepEqual(ref('To_' + first), ['child_of', id('request')])
    assert.deepEqual(ref('From_' + first), ['follows_from', id('To_' + first)])
    assert.deepEqual(ref('To_' + second), ['child_of', id('From_' + first)])
    assert.deepEqual(ref('From_' + second), ['follows_from', id('To_' + second)])
  } finally {
    for (const consumer of consumers) await consumer.disconnect()
    await producer.disconnect()
    await deleteTopics(first, second)
    tracer.close()
  }
})

test('kafkajs eachBatch: the batch span refers to the producers, per-message spans keep their own traces', async () => {
  const { tracer, spans } = jaegerTracer()
  const topic = uniqueTopic('carriers-batch')
  await createTopics(topic)
  const producer = kafka.producer({ allowAutoTopicCreation: false })
  await producer.connect()
  let consumer: kafkajs.Consumer | undefined
  try {
    const a = tracer.startSpan('a')
    const b = tracer.startSpan('b')
    const messages = [
      injectHeaders(tracer, a, { value: '1' } as KafkajsMessage),
      injectHeaders(tracer, b, { value: '2' } as KafkajsMessage),
      injectHeaders(tracer, a, { value: '3' } as KafkajsMessage),
    ]
    await producer.send({ topic, acks: -1, messages: messages as kafkajs.Message[] })
    let batchSpanId = ''
    consumer = await consume(topic, 3, (done) => ({
      eachBatch: traceEachBatch(tracer, async ({ batch, resolveOffset }: EachBatchPayload, tracing) => {
        batchSpanId = tracing.span.context().toSpanId()
        for (const message of batch.messages) {
          tracing.spanFor(message)
          tracing.finish(message)
          resolveOffset(message.offset)
          done()
        }
      }),
    }))
    // The batch span finishes after the handler returns.
    await waitFor(() => spans().some((s) => s.context().toSpanId() === batchSpanId), 10_000, 'the batch span finished')
    const batchSpan = spans().find((s) => s.context().toSpanId() === batchSpanId)
    assert.ok(batchSpan)
    assert.deepEqual(batchSpan._references.map((r) => r.referencedContext().toSpanId()), [a.context().toSpanId(), b.context().toSpanId()])
    const perMessage = spans().filter((s) => s !== batchSpan)
    assert.equal(perMessage.length, 3)
    assert.deepEqual(perMessage.map((s) => s.context().toTraceId()), [a, b, a].map((s) => s.context().toTraceId()))
  } finally {
    await consumer?.disconnect()
    await producer.disconnect()
    await deleteTopics(topic)
  }
})
