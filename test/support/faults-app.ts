// SPDX-License-Identifier: Apache-2.0
// A jaeger-client app reporting through KafkaSender, for the shutdown fault
// test. Configured by environment: KAFKA_BROKERS, APP_TOPIC,
// APP_CLOSE_TIMEOUT_MS (5000), APP_SPANS_PER_TICK (20, every 10 ms).
// Prints "ready" once it has produced its first spans. On SIGTERM it stops
// producing, calls tracer.close() and, in its callback, prints one JSON line
// `{ produced, stats, closeMs }`. It never calls process.exit(): it must exit
// by itself once the sender let go of its handles.
import process from 'node:process'
import { getKafkaSender, initTracer } from '../../senders/init-tracer.ts'

const env = (name: string, fallback?: string): string => {
  const value = process.env[name] ?? fallback
  if (value === undefined) throw new Error(`${name} is not set`)
  return value
}

const tracer = initTracer({
  serviceName: 'faults-app',
  sampler: { type: 'const', param: 1 },
  reporter: {
    flushIntervalMs: 200,
    kafka: { brokers: env('KAFKA_BROKERS', '127.0.0.1:9092'), topic: env('APP_TOPIC'), closeTimeoutMs: Number(env('APP_CLOSE_TIMEOUT_MS', '5000')) },
  },
})
const sender = getKafkaSender(tracer)!
const perTick = Number(env('APP_SPANS_PER_TICK', '20'))

let produced = 0
let running = true
let timer: ReturnType<typeof setTimeout> | undefined
const tick = (): void => {
  if (!running) return
  for (let i = 0; i < perTick; i++) {
    const span = tracer.startSpan('work')
    span.setTag('n', produced)
    span.finish()
    produced++
  }
  if (produced === perTick) console.log('ready')
  timer = setTimeout(tick, 10)
}
tick()

process.once('SIGTERM', () => {
  running = false
  clearTimeout(timer)
  const began = Date.now()
  tracer.close(() => {
    console.log(JSON.stringify({ produced, stats: sender.stats(), closeMs: Date.now() - began }))
  })
})
