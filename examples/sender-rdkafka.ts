// SPDX-License-Identifier: Apache-2.0
// Node only: the drop-in initTracer() with the node-rdkafka adapter instead of
// kafkajs (librdkafka: gzip, snappy, lz4; delivery reports as acknowledgements).
//
//   KAFKA_BROKERS=127.0.0.1:9092 node --import tsx examples/sender-rdkafka.ts
// Env: KAFKA_BROKERS, TOPIC (default jaeger-spans), COMPRESSION (default lz4),
// SPAN_COUNT (default 10). Prints one JSON line (span ids, sender stats) and
// exits on its own after tracer.close().
import { createRdkafkaProducer } from '../src/kafka/rdkafka.node.ts'
import { getKafkaSender, initTracer } from '../senders/index.ts'
import type { KafkaCompression } from '../senders/index.ts'

const env = process.env
const producer = createRdkafkaProducer({
  brokers: (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
  compression: (env.COMPRESSION ?? 'lz4') as KafkaCompression,
  // The adapter built it, so the sender disconnects it on close.
})
const tracer = initTracer(
  {
    serviceName: 'rdkafka-example',
    sampler: { type: 'const', param: 1 },
    reporter: { kafka: { producer, topic: env.TOPIC ?? 'jaeger-spans' } },
  },
  { logger: { info: (m: string) => console.error(m), error: (m: string) => console.error(m) } },
)

const spanIds: string[] = []
for (let i = 0; i < Number(env.SPAN_COUNT ?? 10); i++) {
  const span = tracer.startSpan('rdkafka-work')
  span.setTag('i', i)
  span.finish()
  spanIds.push((span.context() as unknown as { toSpanId(): string }).toSpanId())
}

const sender = getKafkaSender(tracer)
tracer.close(() => console.log(JSON.stringify({ spanIds, stats: sender?.stats() })))
