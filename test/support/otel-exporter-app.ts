// SPDX-License-Identifier: Apache-2.0
// An OTel SDK app (BasicTracerProvider + BatchSpanProcessor + KafkaSpanExporter)
// under steady load, for the exporter outage test. Configured by environment:
// KAFKA_BROKERS, APP_TOPIC, APP_SPANS_PER_TICK (10, every 50 ms),
// APP_MAX_BUFFERED_BYTES / APP_MAX_MESSAGE_BYTES (the exporter's defaults),
// APP_BSP_MAX_QUEUE (4096). Prints "ready" once it ended its first spans. On
// SIGTERM it stops, calls provider.shutdown() (BatchSpanProcessor flushes into
// the exporter, whose shutdown() flushes to Kafka) and prints one JSON line
// `{ produced, stats, throws, shutdownError?, closeMs }`. It never calls process.exit().
import process from 'node:process'
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { KafkaSpanExporter } from '../../otel.ts'

const num = (name: string, fallback: number): number => Number(process.env[name] ?? fallback)
const topic = process.env.APP_TOPIC
if (!topic) throw new Error('APP_TOPIC is not set')

// closeTimeoutMs 20 s: after a long outage the backlog is still draining when the test sends SIGTERM.
const options: ConstructorParameters<typeof KafkaSpanExporter>[0] = { brokers: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092', topic, env: {}, closeTimeoutMs: 20_000 }
if (process.env.APP_MAX_BUFFERED_BYTES) options.maxBufferedBytes = num('APP_MAX_BUFFERED_BYTES', 0)
if (process.env.APP_MAX_MESSAGE_BYTES) options.maxMessageBytes = num('APP_MAX_MESSAGE_BYTES', 0)
const exporter = new KafkaSpanExporter(options)
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'otel-outage-app' }),
  spanProcessors: [new BatchSpanProcessor(exporter, { maxQueueSize: num('APP_BSP_MAX_QUEUE', 4096), scheduledDelayMillis: 200 })],
})
const tracer = provider.getTracer('outage-app')
const perTick = num('APP_SPANS_PER_TICK', 10)

let produced = 0
let throws = 0
let running = true
let timer: ReturnType<typeof setTimeout> | undefined
const tick = (): void => {
  if (!running) return
  for (let i = 0; i < perTick; i++) {
    try {
      const span = tracer.startSpan('work', { attributes: { n: produced, note: 'n'.repeat(200) } })
      span.addEvent('step', { at: i })
      span.end()
      produced++
    } catch {
      throws++
    }
  }
  if (produced === perTick) console.log('ready')
  timer = setTimeout(tick, 50)
}
tick()

process.once('SIGTERM', () => {
  running = false
  clearTimeout(timer)
  const began = Date.now()
  // provider.shutdown() rejects when BatchSpanProcessor's last export reported FAILED (the spans are still
  // buffered in the exporter), and then skips exporter.shutdown(): call it either way (docs/otel-exporter.md).
  let shutdownError: string | undefined
  provider
    .shutdown()
    .catch((error: unknown) => {
      shutdownError = String(error)
    })
    .then(() => exporter.shutdown())
    .then(() => console.log(JSON.stringify({ produced, throws, shutdownError, stats: exporter.stats(), closeMs: Date.now() - began })))
})
