// SPDX-License-Identifier: Apache-2.0
/**
 * `jaeger-kafka inspect`: print what the span records of a topic hold — the
 * kcat of span topics. Reads from the beginning up to the end offsets seen at
 * start, with a throwaway consumer group that commits nothing.
 * @module
 */
import kafkajs from 'kafkajs'
import { kafkaConfigFromEnv, parseBrokers } from '../senders/kafka-config.ts'
import { decodeBatch, traceIdHex } from '../src/codec/thrift/index.ts'
import type { JaegerBatch } from '../src/codec/thrift/index.ts'
import { parseFlags, positiveInteger } from './args.ts'
import type { CliIo } from './io.ts'

export const INSPECT_HELP = `Usage: jaeger-kafka inspect [flags]

Print the spans in the records of a span topic: service, span count, trace ids and
operations per record, then totals. Records that are not jaeger.thrift Batches are
listed with the reason. Reads from the beginning to the current end; commits nothing.

Flags (environment variable in brackets):
  --brokers LIST      Kafka bootstrap brokers [JAEGER_KAFKA_BROKERS] (default 127.0.0.1:9092)
  --topic NAME        topic to read [JAEGER_KAFKA_TOPIC] (default jaeger-spans)
  --max-records N     stop after N records (default: all)
  --spans             one line per span (trace id, span id, parent, operation, duration)
  --json              one JSON object per record instead of text
  --help              this text

Kafka TLS/SASL: the same JAEGER_KAFKA_SSL* / JAEGER_KAFKA_SASL_* variables as forward.
`

const FLAGS = {
  brokers: { type: 'string' },
  topic: { type: 'string' },
  'max-records': { type: 'string' },
  spans: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean' },
} as const

const hex = (value: bigint) => BigInt.asUintN(64, value).toString(16).padStart(16, '0')

/** "GET /a ×3, To_orders" — at most 8 distinct names, then "+N more". */
function summarizeOperations(ops: readonly string[]): string {
  const counts = new Map<string, number>()
  for (const op of ops) counts.set(op, (counts.get(op) ?? 0) + 1)
  const shown = [...counts].slice(0, 8).map(([op, n]) => (n > 1 ? `${op} ×${n}` : op))
  return counts.size > 8 ? `${shown.join(', ')}, +${counts.size - 8} more` : shown.join(', ')
}

/** A text block (or JSON line) describing one decoded batch. */
export function describeBatch(batch: JaegerBatch, where: { partition: number; offset: string; bytes: number }, withSpans: boolean, json: boolean): string {
  const traces = new Map<string, string[]>()
  for (const span of batch.spans) {
    const id = traceIdHex(span.traceIdHigh, span.traceIdLow)
    const ops = traces.get(id) ?? []
    ops.push(span.operationName)
    traces.set(id, ops)
  }
  if (json) {
    return JSON.stringify({
      partition: where.partition, offset: where.offset, bytes: where.bytes, service: batch.process.serviceName,
      spans: batch.spans.length, seqNo: batch.seqNo?.toString(),
      stats: batch.stats && Object.fromEntries(Object.entries(batch.stats).map(([k, v]) => [k, String(v)])),
      traces: [...traces].map(([traceId, operations]) => ({ traceId, operations })),
    })
  }
  const lines = [`partition ${where.partition} offset ${where.offset}  service=${batch.process.serviceName}  spans=${batch.spans.length}  traces=${traces.size}  bytes=${where.bytes}${batch.seqNo !== undefined ? `  seqNo=${batch.seqNo}` : ''}`]
  if (withSpans) {
    for (const span of batch.spans) {
      lines.push(`  ${traceIdHex(span.traceIdHigh, span.traceIdLow)}  span ${hex(span.spanId)}  parent ${hex(span.parentSpanId)}  ${span.operationName}  ${span.duration} µs`)
    }
  } else {
    for (const [traceId, ops] of traces) lines.push(`  trace ${traceId}  ${summarizeOperations(ops)}`)
  }
  return lines.join('\n')
}

export async function runInspect(argv: readonly string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, FLAGS)
  if (flags.help) {
    io.out(INSPECT_HELP)
    return 0
  }
  const config = kafkaConfigFromEnv({ ...io.env, JAEGER_KAFKA_BROKERS: (flags.brokers as string | undefined) ?? io.env.JAEGER_KAFKA_BROKERS ?? '127.0.0.1:9092' }, io.readFile)
  const topic = (flags.topic as string | undefined) ?? config?.topic ?? 'jaeger-spans'
  const maxRecords = positiveInteger('--max-records', flags['max-records']) ?? Number.POSITIVE_INFINITY
  const kafka = new kafkajs.Kafka({
    clientId: 'jaeger-kafka-inspect', brokers: parseBrokers(config?.brokers ?? []), logLevel: kafkajs.logLevel.NOTHING,
    ...(config?.ssl !== undefined ? { ssl: config.ssl } : {}), ...(config?.sasl !== undefined ? { sasl: config.sasl } : {}),
  } as kafkajs.KafkaConfig)

  const admin = kafka.admin()
  await admin.connect()
  let ends: { partition: number; high: bigint; low: bigint }[]
  try {
    ends = (await admin.fetchTopicOffsets(topic)).map((o) => ({ partition: o.partition, high: BigInt(o.high), low: BigInt(o.low) }))
  } catch (error) {
    await admin.disconnect()
    io.err(`Cannot inspect topic "${topic}": ${(error as Error).message}`)
    return 1
  }
  const pending = new Set(ends.filter((e) => e.high > e.low).map((e) => e.partition))
  const totals = { records: 0, spans: 0, invalid: 0, services: new Set<string>(), traces: new Set<string>() }
  const groupId = `jaeger-kafka-inspect-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`
  if (pending.size > 0) {
    const consumer = kafka.consumer({ groupId })
    await consumer.connect()
    await consumer.subscribe({ topic, fromBeginning: true })
    await new Promise<void>((resolve, reject) => {
      consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          const end = ends.find((e) => e.partition === partition)?.high ?? 0n
          const offset = BigInt(message.offset)
          if (!pending.has(partition) || offset >= end || totals.records >= maxRecords) return
          totals.records++
          const bytes = message.value ?? new Uint8Array(0)
          try {
            const batch = decodeBatch(bytes)
            totals.spans += batch.spans.length
            totals.services.add(batch.process.serviceName)
            for (const span of batch.spans) totals.traces.add(traceIdHex(span.traceIdHigh, span.traceIdLow))
            io.out(describeBatch(batch, { partition, offset: message.offset, bytes: bytes.length }, Boolean(flags.spans), Boolean(flags.json)))
          } catch (error) {
            totals.invalid++
            const reason = (error as Error).message
            io.out(flags.json ? JSON.stringify({ partition, offset: message.offset, bytes: bytes.length, error: reason }) : `partition ${partition} offset ${message.offset}  not a jaeger.thrift Batch (${bytes.length} bytes): ${reason}`)
          }
          if (offset + 1n >= end) pending.delete(partition)
          if (pending.size === 0 || totals.records >= maxRecords) resolve()
        },
      }).catch(reject)
    })
    await consumer.disconnect()
    await admin.deleteGroups([groupId]).catch(() => {}) // it committed nothing; leave no trace of it
  }
  await admin.disconnect()
  const summary = `${totals.records} records, ${totals.spans} spans, ${totals.traces.size} traces, ${totals.services.size} services, ${totals.invalid} not jaeger.thrift Batches`
  if (flags.json) io.err(summary)
  else io.out(summary)
  return 0
}
