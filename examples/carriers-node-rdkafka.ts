// SPDX-License-Identifier: Apache-2.0
// Node only (node-rdkafka is a native NAN addon): trace a message from a
// node-rdkafka producer to a node-rdkafka consumer with jaeger-client.
// node-rdkafka takes headers as an array of one-key objects and reports
// delivery through an event, so the producer span finishes in the
// 'delivery-report' handler, found again through `opaque`.
//
//   KAFKA_BROKERS=127.0.0.1:9092 npx tsx examples/carriers-node-rdkafka.ts
import { Buffer } from 'node:buffer'
import { createRequire } from 'node:module'
import jaeger from 'jaeger-client'
import {
  finishProducerSpan, startConsumerSpan, startProducerSpan, type RdkafkaHeaders, type RdkafkaMessage, type SpanLike,
} from '../carriers/index.ts'

const require = createRequire(import.meta.url)
// Structural types for the few node-rdkafka calls used here.
interface Producer {
  connect(options: object, cb: (err: unknown) => void): void
  produce(topic: string, partition: number | null, value: Buffer, key: string, timestamp: number, opaque: unknown, headers: RdkafkaHeaders): void
  setPollInterval(ms: number): void
  on(event: 'delivery-report', cb: (err: unknown, report: { opaque?: unknown; offset: number }) => void): void
  disconnect(cb: () => void): void
}
interface Consumer {
  connect(options: object, cb: (err: unknown) => void): void
  subscribe(topics: string[]): void
  consume(): void
  on(event: 'data', cb: (message: RdkafkaMessage & { topic: string; partition: number }) => void): void
  disconnect(cb: () => void): void
}
interface AdminClient {
  createTopic(topic: object, cb: (err: unknown) => void): void
  deleteTopic(topic: string, cb: (err: unknown) => void): void
  disconnect(): void
}
const rdkafka = require('node-rdkafka') as {
  Producer: new (config: object) => Producer
  KafkaConsumer: new (config: object, topicConfig: object) => Consumer
  AdminClient: { create(config: object): AdminClient }
}

const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'
const topic = `rdkafka-orders-${Math.random().toString(36).slice(2, 8)}`

const { initTracer, InMemoryReporter } = jaeger as unknown as {
  initTracer: typeof jaeger.initTracer
  InMemoryReporter: new () => { spans: Array<{ operationName: string; context(): { toString(): string } }> }
}
const reporter = new InMemoryReporter()
const tracer = initTracer({ serviceName: 'rdkafka-example', sampler: { type: 'const', param: 1 } }, { reporter: reporter as never })

const admin = rdkafka.AdminClient.create({ 'metadata.broker.list': brokers })
await new Promise<void>((resolve, reject) => admin.createTopic({ topic, num_partitions: 1, replication_factor: 1 }, (e) => (e ? reject(e) : resolve())))

const producer = new rdkafka.Producer({ 'metadata.broker.list': brokers, dr_cb: true })
await new Promise<void>((resolve, reject) => producer.connect({}, (e) => (e ? reject(e) : resolve())))
producer.setPollInterval(50)
const delivered = new Promise<void>((resolve) => {
  producer.on('delivery-report', (err, report) => {
    // Tags the span on failure; finishes it either way.
    finishProducerSpan(report.opaque as SpanLike, err)
    resolve()
  })
})

// Produce: inject the span's context into the headers array produce() takes.
const request = tracer.startSpan('checkout')
const headers: RdkafkaHeaders = [{ 'content-type': 'text/plain' }]
const span = startProducerSpan(tracer, { topic, message: headers, childOf: request })
producer.produce(topic, null, Buffer.from('book'), 'order-1', Date.now(), span, headers)
await delivered
request.finish()

// Consume: the message's headers array (Buffers) gives the producer's context.
const consumer = new rdkafka.KafkaConsumer({ 'group.id': `${topic}-g`, 'metadata.broker.list': brokers }, { 'auto.offset.reset': 'earliest' })
await new Promise<void>((resolve, reject) => consumer.connect({}, (e) => (e ? reject(e) : resolve())))
await new Promise<void>((resolve) => {
  consumer.on('data', (message) => {
    const consumerSpan = startConsumerSpan(tracer, { topic: message.topic, partition: message.partition, message })
    consumerSpan.log({ event: 'processed', value: String(message.value) })
    consumerSpan.finish()
    resolve()
  })
  consumer.subscribe([topic])
  consumer.consume()
})

await new Promise<void>((resolve) => consumer.disconnect(() => resolve()))
await new Promise<void>((resolve) => producer.disconnect(() => resolve()))
await new Promise<void>((resolve) => admin.deleteTopic(topic, () => resolve()))
admin.disconnect()

for (const s of reporter.spans) console.log(`${s.context().toString().padEnd(52)} ${s.operationName}`)
