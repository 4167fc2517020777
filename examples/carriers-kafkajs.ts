// SPDX-License-Identifier: Apache-2.0
// Keep one jaeger-client trace across Kafka hops with kafkajs, on Node, Deno
// or Bun:
//
//   checkout ──To_orders──▶ [orders] ──From_orders──▶ enricher ──To_enriched──▶ [enriched] ──From_enriched──▶ sink (eachBatch)
//
//   KAFKA_BROKERS=127.0.0.1:9092 npx tsx examples/carriers-kafkajs.ts
//   npx deno run -A examples/carriers-kafkajs.ts
//   npx bun examples/carriers-kafkajs.ts
//
// Spans are kept in memory and printed at the end; in a real service use
// jaeger-client's usual reporter (or this package's KafkaSender).
import jaeger from 'jaeger-client'
import kafkajs from 'kafkajs'
import { traceEachBatch, traceEachMessage, tracedSend } from '../carriers/index.ts'

const { Kafka, logLevel } = kafkajs
const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {}
const brokers = (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',')

// @types/jaeger-client does not declare InMemoryReporter.
const { initTracer, InMemoryReporter } = jaeger as unknown as {
  initTracer: typeof jaeger.initTracer
  InMemoryReporter: new () => { spans: Array<{ operationName: string; context(): { toString(): string }; _references: Array<{ type(): string; referencedContext(): { toSpanId(): string } }> }> }
}
const reporter = new InMemoryReporter()
const tracer = initTracer({ serviceName: 'carriers-example', sampler: { type: 'const', param: 1 } }, { reporter: reporter as never })

const suffix = Math.random().toString(36).slice(2, 8)
const orders = `orders-${suffix}`
const enriched = `enriched-${suffix}`
const kafka = new Kafka({ clientId: 'carriers-example', brokers, logLevel: logLevel.NOTHING })
const admin = kafka.admin()
const producer = kafka.producer()
const enricher = kafka.consumer({ groupId: `enricher-${suffix}` })
const sink = kafka.consumer({ groupId: `sink-${suffix}` })

await admin.connect()
await admin.createTopics({ topics: [{ topic: orders }, { topic: enriched }], waitForLeaders: true })
await producer.connect()

let done!: () => void
const allConsumed = new Promise<void>((resolve) => { done = resolve })

// Hop 2: consume, do some work, produce. The handler's span is the parent of
// what it sends, so the trace continues.
await enricher.connect()
await enricher.subscribe({ topic: orders, fromBeginning: true })
await enricher.run({
  eachMessage: traceEachMessage(tracer, async ({ message }, span) => {
    span.log({ event: 'enriching', order: String(message.key) })
    await tracedSend(tracer, producer, { topic: enriched, messages: [{ key: message.key, value: `${message.value} +enriched` }] }, { childOf: span })
  }),
})

// Hop 3: batch consumption; each message gets its own span in its own trace.
await sink.connect()
await sink.subscribe({ topic: enriched, fromBeginning: true })
await sink.run({
  eachBatch: traceEachBatch(tracer, async ({ batch, resolveOffset }, tracing) => {
    for (const message of batch.messages) {
      tracing.spanFor(message).log({ event: 'stored', value: String(message.value) })
      tracing.finish(message)
      resolveOffset(message.offset)
    }
    done()
  }),
})

// Hop 1: the request that starts the trace. tracedSend finishes the producer
// span when the broker acknowledges, and never modifies the caller's messages.
const request = tracer.startSpan('checkout')
request.setBaggageItem('customer', 'c-42')
await tracedSend(tracer, producer, { topic: orders, acks: -1, messages: [{ key: 'order-1', value: 'book' }] }, { childOf: request, formats: ['w3c'] })
request.finish()

await allConsumed
await new Promise((resolve) => setTimeout(resolve, 100))
await Promise.all([enricher.disconnect(), sink.disconnect(), producer.disconnect()])
await admin.deleteTopics({ topics: [orders, enriched] })
await admin.disconnect()

for (const span of reporter.spans) {
  const refs = span._references.map((r) => `${r.type()} ${r.referencedContext().toSpanId()}`).join(', ')
  console.log(`${span.context().toString().padEnd(52)} ${span.operationName.padEnd(28)} ${refs}`)
}
const traces = new Set(reporter.spans.map((s) => s.context().toString().split(':')[0]))
console.log(`${reporter.spans.length} spans in ${traces.size} trace(s)`)
