// SPDX-License-Identifier: Apache-2.0
// Span topics on the real broker: create one, and read back the spans its
// records hold (the proof that what the sender reported delivered is there).
import kafkajs from 'kafkajs'
import { KAFKA_BROKERS } from './peers.ts'
import { decodeBatch } from '../../src/codec/thrift/jaeger-decode.ts'

const kafka = new kafkajs.Kafka({ clientId: 'span-topic', brokers: KAFKA_BROKERS, logLevel: kafkajs.logLevel.NOTHING })

export async function createTopic(topic: string, numPartitions = 3): Promise<void> {
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true })
  await admin.disconnect()
}

/**
 * Span ids (hex) of every span on `topic`, duplicates kept, read until
 * `expected` arrived and 1 s passed, or `idleMs` passed without progress.
 */
export async function spanIdsOn(topic: string, expected: number, idleMs = 15_000): Promise<string[]> {
  const consumer = kafka.consumer({ groupId: `${topic}-reader` })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const ids: string[] = []
  await new Promise<void>((resolve) => {
    let idle = setTimeout(resolve, idleMs * 2)
    void consumer.run({
      eachMessage: async ({ message }) => {
        for (const span of decodeBatch(message.value ?? new Uint8Array()).spans) ids.push(span.spanId.toString(16))
        clearTimeout(idle)
        idle = setTimeout(resolve, ids.length >= expected ? 1_000 : idleMs)
      },
    })
  })
  await consumer.disconnect()
  return ids
}
