// SPDX-License-Identifier: Apache-2.0
// A forwarder in its own process, for crash tests. Configured by environment:
//   KAFKA_BROKERS, FWD_TOPIC, FWD_GROUP, FWD_COLLECTOR_URL, FWD_IN_FLIGHT (4),
//   FWD_SESSION_TIMEOUT (6000 ms, the broker minimum), FWD_CLIENT (kafkajs | confluent).
// Prints "ready" on stdout once the group is joined; on SIGTERM/SIGINT stops
// gracefully, prints "stopped" and exits 0. Runs on Node (--import tsx),
// Deno (run -A) and Bun.
import process from 'node:process'
import { createForwarder } from '../../forwarder/forwarder.ts'

const env = (name: string, fallback?: string): string => {
  const value = process.env[name] ?? fallback
  if (value === undefined) throw new Error(`${name} is not set`)
  return value
}

const forwarder = createForwarder({
  brokers: env('KAFKA_BROKERS', '127.0.0.1:9092').split(','),
  client: env('FWD_CLIENT', 'kafkajs') as 'kafkajs' | 'confluent',
  topic: env('FWD_TOPIC'),
  groupId: env('FWD_GROUP'),
  collectorUrl: env('FWD_COLLECTOR_URL'),
  maxInFlightPerPartition: Number(env('FWD_IN_FLIGHT', '4')),
  clientLogLevel: 'nothing',
  // A killed member is noticed after 6 s (the broker minimum) unless a test asks for longer.
  sessionTimeoutMs: Number(env('FWD_SESSION_TIMEOUT', '6000')),
  heartbeatIntervalMs: 1_000,
  retry: { initialDelayMs: 100, maxDelayMs: 1_000 },
  logger: { info: (m) => console.error(m), warn: (m) => console.error(m), error: (m) => console.error(m) },
})

let stopping = false
const shutdown = (): void => {
  if (stopping) return
  stopping = true
  forwarder.stop().then(
    () => {
      console.log('stopped')
      process.exit(0)
    },
    (error: unknown) => {
      console.error(error)
      process.exit(1)
    },
  )
}
process.on('SIGTERM', shutdown)
process.on('SIGINT', shutdown)

await forwarder.start()
console.log('ready')
