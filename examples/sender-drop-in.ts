// SPDX-License-Identifier: Apache-2.0
// The one-line migration: an unchanged jaeger-client app that reports through
// Kafka instead of the UDP agent. In an app the import is
//   const { initTracerFromEnv } = require('jaeger-kafka') // was: require('jaeger-client')
//
// Run (Kafka at 127.0.0.1:9092):
//   JAEGER_SERVICE_NAME=orders JAEGER_KAFKA_BROKERS=127.0.0.1:9092 node --import tsx examples/sender-drop-in.ts
//   deno run -A examples/sender-drop-in.ts      bun examples/sender-drop-in.ts
// It records SPAN_COUNT spans (default 10), closes the tracer, prints one JSON
// line (span ids, sender stats) and exits on its own once the spans are acked.
import { getKafkaSender, initTracerFromEnv } from '../senders/index.ts'

const env = (globalThis as unknown as { process: { env: Record<string, string | undefined> } }).process.env
const tracer = initTracerFromEnv(
  { serviceName: env.JAEGER_SERVICE_NAME ?? 'sender-drop-in', sampler: { type: 'const', param: 1 } },
  { logger: { info: (m: string) => console.error(m), error: (m: string) => console.error(m) } },
)

const count = Number(env.SPAN_COUNT ?? 10)
const spanIds: string[] = []
const root = tracer.startSpan('batch-job')
for (let i = 0; i < count; i++) {
  const span = tracer.startSpan('process-item', { childOf: root })
  span.setTag('item', i)
  span.log({ event: 'processed', item: i })
  span.finish()
  spanIds.push((span.context() as unknown as { toSpanId(): string }).toSpanId())
}
root.finish()
spanIds.push((root.context() as unknown as { toSpanId(): string }).toSpanId())

// The sender behind the tracer, for its counters (before close() swaps the reporter out).
const sender = getKafkaSender(tracer)
// The reporter flushes (the callback waits for the broker's acks), then closes the sender.
tracer.close(() => {
  console.log(JSON.stringify({ spanIds, stats: sender?.stats() }))
})
