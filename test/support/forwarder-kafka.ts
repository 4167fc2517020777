// SPDX-License-Identifier: Apache-2.0
// Real-Kafka helpers for the forwarder's integration tests: topics, producing
// span records, committed and end offsets, reading a topic back.
import { Buffer } from 'node:buffer'
import kafkajs from 'kafkajs'
import { summarizeBatch } from '../../src/codec/thrift/jaeger-decode.ts'
import { KAFKA_BROKERS } from './peers.ts'
import { makeBatch } from './forwarder-fakes.ts'

const { Kafka, logLevel } = kafkajs

/** A kafkajs client for test plumbing (not the forwarder's own). */
export const testKafka = new Kafka({ clientId: 'forwarder-test', brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING })

async function withAdmin<T>(fn: (admin: kafkajs.Admin) => Promise<T>): Promise<T> {
  const admin = testKafka.admin()
  await admin.connect()
  try {
    return await fn(admin)
  } finally {
    await admin.disconnect()
  }
}

/** Create a topic (and its dead-letter topic) with `partitions` partitions. */
export async function createTopics(topics: { topic: string; partitions: number }[]): Promise<void> {
  await withAdmin((admin) =>
    admin.createTopics({ topics: topics.map((t) => ({ topic: t.topic, numPartitions: t.partitions })), waitForLeaders: true }),
  )
}

/** A span record to produce. */
export interface TestRecord {
  value: Uint8Array | null
  key?: string | Uint8Array | null
  partition?: number
  headers?: Record<string, string>
}

/** Produce records with acks=all, in order. */
export async function produce(topic: string, records: TestRecord[]): Promise<void> {
  const producer = testKafka.producer()
  await producer.connect()
  try {
    for (let i = 0; i < records.length; i += 500) {
      await producer.send({
        topic,
        acks: -1,
        messages: records.slice(i, i + 500).map((r) => ({
          value: r.value === null ? null : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength),
          key: typeof r.key === 'string' || r.key == null ? (r.key ?? null) : Buffer.from(r.key),
          ...(r.partition !== undefined ? { partition: r.partition } : {}),
          ...(r.headers ? { headers: r.headers } : {}),
        })),
      })
    }
  } finally {
    await producer.disconnect()
  }
}

/** `count` valid span records of `spans` spans each, one new trace per record. */
export function spanRecords(count: number, spans: number, partitions = 1, service = 'forwarder-it'): { records: TestRecord[]; traceIds: string[] } {
  const records: TestRecord[] = []
  const traceIds: string[] = []
  for (let i = 0; i < count; i++) {
    const partition = i % partitions
    const { bytes } = makeBatch({ spans, service: `${service}-p${partition}` })
    traceIds.push(summarizeBatch(bytes).traceIds[0]!)
    records.push({ value: bytes, partition, key: traceIds[i]! })
  }
  return { records, traceIds }
}

/** Log end offsets per partition. */
export async function endOffsets(topic: string): Promise<Map<number, bigint>> {
  const offsets = await withAdmin((admin) => admin.fetchTopicOffsets(topic))
  return new Map(offsets.map((o) => [o.partition, BigInt(o.high)]))
}

/** The group's committed offsets per partition (-1 = none). */
export async function committedOffsets(groupId: string, topic: string): Promise<Map<number, bigint>> {
  const groups = await withAdmin((admin) => admin.fetchOffsets({ groupId, topics: [topic] }))
  const out = new Map<number, bigint>()
  for (const g of groups) for (const p of g.partitions) out.set(p.partition, BigInt(p.offset))
  return out
}

/** The group's state and member ids (admin describeGroups). */
export async function describeGroup(groupId: string): Promise<{ state: string; members: string[] }> {
  const { groups } = await withAdmin((admin) => admin.describeGroups([groupId]))
  const group = groups[0]
  return { state: group?.state ?? 'Dead', members: (group?.members ?? []).map((m) => m.memberId) }
}

/** Poll until the group's committed offsets equal the topic's end offsets. */
export async function waitUntilCommittedToEnd(groupId: string, topic: string, timeoutMs = 30_000): Promise<Map<number, bigint>> {
  return waitUntilCommitted(groupId, topic, await endOffsets(topic), (committed, end) => committed === end, timeoutMs)
}

/**
 * Poll until the group committed at least `mark` (offsets taken earlier, e.g.
 * the end of the topic after some records) on every partition, while others
 * keep producing.
 */
export async function waitUntilCommittedPast(groupId: string, topic: string, mark: Map<number, bigint>, timeoutMs = 30_000): Promise<Map<number, bigint>> {
  return waitUntilCommitted(groupId, topic, mark, (committed, at) => committed >= at, timeoutMs)
}

async function waitUntilCommitted(groupId: string, topic: string, target: Map<number, bigint>, reached: (committed: bigint, target: bigint) => boolean, timeoutMs: number): Promise<Map<number, bigint>> {
  const deadline = Date.now() + timeoutMs
  let committed = new Map<number, bigint>()
  while (Date.now() < deadline) {
    committed = await committedOffsets(groupId, topic)
    // -1: nothing committed yet, which is the start of an empty partition.
    if ([...target].every(([p, o]) => reached(committed.get(p) === -1n ? 0n : (committed.get(p) ?? -1n), o))) return committed
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`group ${groupId} committed ${JSON.stringify([...committed].map(([p, o]) => [p, String(o)]))}, target offsets ${JSON.stringify([...target].map(([p, o]) => [p, String(o)]))}`)
}

/** Read `count` records from the beginning of `topic` (fresh group). */
export async function readTopic(topic: string, count: number, timeoutMs = 20_000): Promise<kafkajs.KafkaMessage[]> {
  const consumer = testKafka.consumer({ groupId: `${topic}-reader-${Math.random().toString(36).slice(2)}` })
  await consumer.connect()
  const seen: kafkajs.KafkaMessage[] = []
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${seen.length} of ${count} records from ${topic} in ${timeoutMs} ms`)), timeoutMs)
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen.push(message)
          if (seen.length >= count) {
            clearTimeout(timer)
            resolve()
          }
        },
      })
    })
  } finally {
    await consumer.disconnect()
  }
  return seen
}

/** Trace id (hex) of each body, counted: how often the collector accepted each record. */
export function countByTrace(bodies: Uint8Array[]): Map<string, number> {
  const counts = new Map<string, number>()
  for (const body of bodies) {
    const id = summarizeBatch(body).traceIds[0]!
    counts.set(id, (counts.get(id) ?? 0) + 1)
  }
  return counts
}
