// SPDX-License-Identifier: Apache-2.0
// An app reporting through a KafkaSender with `spoolDir`, for the spool
// restart fault test. Environment: KAFKA_BROKERS, APP_TOPIC, APP_SPOOL_DIR,
// APP_SPANS (spans to append: ids APP_FIRST_ID.., one trace APP_TRACE_ID).
// With APP_SPANS > 0 it appends them, flushes, prints `spooled {stats}` once
// all are in the spool (Kafka is down) and then waits to be killed.
// With APP_SPANS = 0 it replays what the spool holds, prints
// `replayed {stats}` once the spool is empty, closes and exits.
import process from 'node:process'
import { KafkaSender } from '../../senders/kafka-sender.ts'

const env = (name: string, fallback?: string): string => {
  const value = process.env[name] ?? fallback
  if (value === undefined) throw new Error(`${name} is not set`)
  return value
}

const spans = Number(env('APP_SPANS'))
const firstId = BigInt(env('APP_FIRST_ID', '1'))
const traceId = BigInt(`0x${env('APP_TRACE_ID', '1')}`)
const sender = new KafkaSender({
  kafka: { brokers: env('KAFKA_BROKERS').split(','), clientId: 'spool-app' },
  topic: env('APP_TOPIC'),
  spoolDir: env('APP_SPOOL_DIR'),
  // Small records: many spool frames, replayed in several groups.
  maxMessageBytes: 16 * 1024,
  retry: { initialDelayMs: 100, maxDelayMs: 1000 },
  logger: { info: (m) => console.error(m), error: (m) => console.error(m) },
})
sender.setJaegerProcess({ serviceName: 'spool-app' })

const keepAlive = setInterval(() => {}, 1000)
const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

if (spans > 0) {
  for (let i = 0n; i < BigInt(spans); i++) {
    sender.appendSpan({ traceIdLow: traceId, traceIdHigh: 0n, spanId: firstId + i, parentSpanId: 0n, operationName: 'spooled-work', flags: 1, startTime: 1_700_000_000_000_000n + i, duration: 5n })
  }
  await sender.flush()
  while ((sender.stats().spool?.spooled.spans ?? 0) < spans) await wait(20)
  console.log(`spooled ${JSON.stringify(sender.stats().spool)}`)
  // Wait for SIGKILL.
} else {
  while (sender.stats().spool?.mode !== 'direct' || (sender.stats().spool?.recovered.frames ?? 0) === 0) await wait(50)
  const stats = sender.stats().spool
  await sender.close()
  clearInterval(keepAlive)
  console.log(`replayed ${JSON.stringify(stats)}`)
}
