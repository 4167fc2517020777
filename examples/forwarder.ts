// SPDX-License-Identifier: Apache-2.0
// The whole idea of the forwarder on one page: consume Thrift span batches from
// Kafka, POST each one unchanged to the Jaeger collector, and commit the offset
// only after Jaeger accepted it. Runs on Node (tsx), Deno and Bun:
//
//   npx tsx examples/forwarder.ts            deno run -A examples/forwarder.ts
//   bun examples/forwarder.ts
//
// Env: KAFKA_BROKERS (127.0.0.1:9092), SPANS_TOPIC (jaeger-spans),
//      COLLECTOR_URL (http://127.0.0.1:14268/api/traces), EXIT_WHEN_IDLE_MS (unset).
// The production forwarder (`jaeger-kafka forward`) adds what this leaves out:
// backoff with jitter, a dead-letter topic, metrics, auth, graceful shutdown.
import kafkajs from 'kafkajs'
import { summarizeBatch } from '../src/codec/thrift/index.ts'

const env = (name: string, fallback: string) => globalThis.process?.env[name] || fallback
const brokers = env('KAFKA_BROKERS', '127.0.0.1:9092').split(',')
const topic = env('SPANS_TOPIC', 'jaeger-spans')
const collectorUrl = env('COLLECTOR_URL', 'http://127.0.0.1:14268/api/traces')
const exitWhenIdleMs = Number(env('EXIT_WHEN_IDLE_MS', '0'))

const kafka = new kafkajs.Kafka({ clientId: 'example-forwarder', brokers, logLevel: kafkajs.logLevel.WARN })
const consumer = kafka.consumer({ groupId: env('GROUP_ID', 'example-forwarder') })
let forwardedSpans = 0
let lastActivity = Date.now()

/** POST one record to Jaeger until it is accepted; true = commit, false = skip (not a Batch). */
async function forward(value: Uint8Array): Promise<boolean> {
  try {
    summarizeBatch(value) // reject what is not a jaeger.thrift Batch instead of retrying it forever
  } catch (error) {
    console.error(`skipping a record that is not a jaeger.thrift Batch: ${(error as Error).message}`)
    return false
  }
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(collectorUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-thrift' },
        body: value as Uint8Array<ArrayBuffer>,
        signal: AbortSignal.timeout(10_000),
      })
      await res.arrayBuffer()
      if (res.ok) return true
      console.error(`collector answered ${res.status} (attempt ${attempt})`)
    } catch (error) {
      console.error(`collector unreachable: ${(error as Error).message} (attempt ${attempt})`)
    }
    await new Promise((r) => setTimeout(r, Math.min(30_000, 250 * 2 ** attempt)))
  }
}

await consumer.connect()
await consumer.subscribe({ topic, fromBeginning: true })
await consumer.run({
  autoCommit: false, // the offset moves only when Jaeger has the spans
  eachMessage: async ({ partition, message }) => {
    if (message.value) {
      if (await forward(message.value)) forwardedSpans += summarizeBatch(message.value).spanCount
    }
    await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }])
    lastActivity = Date.now()
  },
})
console.log(`forwarding ${topic} → ${collectorUrl}`)

if (exitWhenIdleMs > 0) {
  // For demos and tests: stop once nothing arrived for a while.
  while (Date.now() - lastActivity < exitWhenIdleMs) await new Promise((r) => setTimeout(r, 200))
  await consumer.disconnect()
  console.log(`forwarded ${forwardedSpans} spans`)
}
