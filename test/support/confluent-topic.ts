// SPDX-License-Identifier: Apache-2.0
// Read a topic back with @confluentinc/kafka-javascript's KafkaJS-API consumer
// (librdkafka: understands lz4 and snappy, unlike kafkajs), raw bytes and headers.
import { createRequire } from 'node:module'
import { KAFKA_BROKERS } from './peers.ts'
import type { KafkajsMessage } from '../../src/kafka/types.ts'

const require = createRequire(import.meta.url)

/** The part of the Confluent module the tests use. */
export interface ConfluentTestModule {
  KafkaJS: {
    Kafka: new (config: Record<string, unknown>) => {
      producer(config?: Record<string, unknown>): { connect(): Promise<void>; disconnect(): Promise<void>; send(r: { topic: string; messages: KafkajsMessage[] }): Promise<unknown> }
      consumer(config: Record<string, unknown>): ConfluentTestConsumer
    }
  }
}

/** A Confluent KafkaJS-API consumer, as the tests drive it. */
export interface ConfluentTestConsumer {
  connect(): Promise<void>
  disconnect(): Promise<void>
  subscribe(s: { topics: string[] }): Promise<void>
  run(c: Record<string, unknown>): Promise<void>
}

export const confluent = require('@confluentinc/kafka-javascript') as ConfluentTestModule

/** One consumed record: value, and headers as the client hands them over. */
export interface RawRecord {
  value: Uint8Array
  headers: Record<string, unknown> | undefined
}

/**
 * Consume `topic` from the start until `count(records)` reaches `expected`
 * and 1 s passed, or `idleMs` passed without a record. `connection` adds to
 * the kafkaJS block (SASL/TLS for the secure broker); librdkafka properties go in `extra`.
 */
export async function confluentRecordsOn(topic: string, expected: number, count: (r: RawRecord) => number, options: { connection?: Record<string, unknown>; extra?: Record<string, unknown>; idleMs?: number } = {}): Promise<RawRecord[]> {
  const idleMs = options.idleMs ?? 15_000
  const kafka = new confluent.KafkaJS.Kafka({})
  const consumer = kafka.consumer({
    kafkaJS: { brokers: KAFKA_BROKERS, groupId: `${topic}-reader-${Math.random().toString(36).slice(2, 8)}`, fromBeginning: true, logLevel: 0, ...options.connection },
    ...options.extra,
  })
  await consumer.connect()
  await consumer.subscribe({ topics: [topic] })
  const records: RawRecord[] = []
  let total = 0
  await new Promise<void>((resolve) => {
    let idle = setTimeout(resolve, idleMs * 2)
    void consumer.run({
      eachMessage: async ({ message }: { message: { value: Uint8Array | null; headers?: Record<string, unknown> } }) => {
        const record = { value: message.value ?? new Uint8Array(), headers: message.headers }
        records.push(record)
        total += count(record)
        clearTimeout(idle)
        idle = setTimeout(resolve, total >= expected ? 1_000 : idleMs)
      },
    })
  })
  await consumer.disconnect()
  return records
}
