// SPDX-License-Identifier: Apache-2.0
// Span topics on the real broker: create one, and read back the spans its
// records hold (the proof that what the sender reported delivered is there),
// whatever their encoding (the `jaeger-kafka-encoding` header; none = Thrift).
import kafkajs from 'kafkajs'
import { KAFKA_BROKERS } from './peers.ts'
import { decodeRecordView } from '../../cli/record-view.ts'
import { SPAN_ENCODING_HEADER, encodingFromHeader } from '../../src/kafka/span-record.ts'
import type { SpanEncoding } from '../../src/kafka/span-record.ts'

const kafka = new kafkajs.Kafka({ clientId: 'span-topic', brokers: KAFKA_BROKERS, logLevel: kafkajs.logLevel.NOTHING })

export async function createTopic(topic: string, numPartitions = 3): Promise<void> {
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true })
  await admin.disconnect()
}

/** One record of a span topic, decoded. */
export interface SpanTopicRecord {
  partition: number
  offset: bigint
  encoding: SpanEncoding
  /** Trace id of each span, as Jaeger writes it (16 or 32 hex digits). */
  traceIds: string[]
  /** Span id of each span, in hex. */
  spanIds: string[]
  /** The record key as text (the sender writes `<sender id>-<seqNo>` for Thrift batches). */
  key: string
  /** `Batch.seqNo` of a Thrift record, when it has one. */
  seqNo?: bigint
}

function recordEncoding(header: unknown): SpanEncoding {
  if (header === undefined) return 'jaeger_thrift'
  const text = String(header)
  const encoding = encodingFromHeader(text)
  if (encoding === undefined) throw new Error(`unknown ${SPAN_ENCODING_HEADER} header '${text}'`)
  return encoding
}

/**
 * Every record on `topic`, decoded by its encoding, read until records holding
 * `expected` spans arrived and 1 s passed, or `idleMs` passed without progress.
 */
export async function spanRecordsOn(topic: string, expected: number, idleMs = 15_000): Promise<SpanTopicRecord[]> {
  const consumer = kafka.consumer({ groupId: `${topic}-reader-${Math.random().toString(36).slice(2, 8)}` })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const records: SpanTopicRecord[] = []
  let spans = 0
  await new Promise<void>((resolve) => {
    let idle = setTimeout(resolve, idleMs * 2)
    void consumer.run({
      eachMessage: async ({ partition, message }) => {
        const encoding = recordEncoding(message.headers?.[SPAN_ENCODING_HEADER])
        const view = decodeRecordView(message.value ?? new Uint8Array(), encoding)
        const record: SpanTopicRecord = { partition, offset: BigInt(message.offset), encoding, traceIds: view.spans.map((s) => s.traceId), spanIds: view.spans.map((s) => s.spanId.toString(16)), key: String(message.key ?? '') }
        if (view.seqNo !== undefined) record.seqNo = view.seqNo
        records.push(record)
        spans += view.spans.length
        clearTimeout(idle)
        idle = setTimeout(resolve, spans >= expected ? 1_000 : idleMs)
      },
    })
  })
  await consumer.disconnect()
  return records
}

/** Trace id → number of distinct span ids the records hold (what Jaeger should show per trace). */
export function distinctSpansPerTrace(records: readonly SpanTopicRecord[]): Map<string, number> {
  const spans = new Map<string, Set<string>>()
  for (const record of records) {
    record.traceIds.forEach((traceId, i) => {
      let ids = spans.get(traceId)
      if (!ids) spans.set(traceId, (ids = new Set()))
      ids.add(record.spanIds[i]!)
    })
  }
  return new Map([...spans].map(([traceId, ids]) => [traceId, ids.size]))
}

/**
 * Span ids (hex) of every span on `topic`, duplicates kept, read until
 * `expected` arrived and 1 s passed, or `idleMs` passed without progress.
 */
export async function spanIdsOn(topic: string, expected: number, idleMs = 15_000): Promise<string[]> {
  return (await spanRecordsOn(topic, expected, idleMs)).flatMap((r) => r.spanIds)
}
