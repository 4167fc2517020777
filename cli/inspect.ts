// SPDX-License-Identifier: Apache-2.0
/**
 * `jaeger-kafka inspect`: print what the span records of a topic hold — the
 * kcat of span topics. Reads from the beginning up to the end offsets seen at
 * start, with a throwaway consumer group that commits nothing.
 * @module
 */
import kafkajs from 'kafkajs'
import { kafkaConfigFromEnv, parseBrokers } from '../senders/kafka-config.ts'
import { SPAN_ENCODING_HEADER, encodingFromHeader, parseSpanEncoding } from '../src/kafka/span-record.ts'
import type { SpanEncoding } from '../src/kafka/span-record.ts'
import { parseFlags, positiveInteger } from './args.ts'
import type { CliIo } from './io.ts'
import { decodeRecordView, sniffEncoding } from './record-view.ts'
import type { RecordView } from './record-view.ts'

export const INSPECT_HELP = `Usage: jaeger-kafka inspect [flags]

Print the spans in the records of a span topic: encoding, service, span count, trace
ids and operations per record, then totals. Reads jaeger_thrift, otlp_proto and
jaeger_proto records, by their jaeger-kafka-encoding header; a record without one is
read as --encoding, else its encoding is guessed from its bytes. Records that do not
decode are listed with the reason. Reads from the beginning to the current end;
commits nothing.

Flags (environment variable in brackets):
  --brokers LIST      Kafka bootstrap brokers [JAEGER_KAFKA_BROKERS] (default 127.0.0.1:9092)
  --topic NAME        topic to read [JAEGER_KAFKA_TOPIC] (default jaeger-spans)
  --max-records N     stop after N records (default: all)
  --encoding NAME     encoding of records without the header: jaeger_thrift, otlp_proto
                      or jaeger_proto (default: guessed from the bytes)
  --spans             one line per span (trace id, span id, parent, operation, duration)
  --json              one JSON object per record instead of text
  --help              this text

Kafka TLS/SASL: the same JAEGER_KAFKA_SSL* / JAEGER_KAFKA_SASL_* variables as forward.
`

const FLAGS = {
  brokers: { type: 'string' },
  topic: { type: 'string' },
  'max-records': { type: 'string' },
  encoding: { type: 'string' },
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

/** A text block (or JSON line) describing one decoded record. */
export function describeRecord(record: RecordView, where: { partition: number; offset: string; bytes: number; key?: string }, withSpans: boolean, json: boolean): string {
  const traces = new Map<string, string[]>()
  for (const span of record.spans) {
    const id = span.traceId
    const ops = traces.get(id) ?? []
    ops.push(span.operationName)
    traces.set(id, ops)
  }
  if (json) {
    return JSON.stringify({
      partition: where.partition, offset: where.offset, bytes: where.bytes, key: where.key, encoding: record.encoding, service: record.services.join(','),
      spans: record.spans.length, seqNo: record.seqNo?.toString(),
      stats: record.stats && Object.fromEntries(Object.entries(record.stats).map(([k, v]) => [k, String(v)])),
      traces: [...traces].map(([traceId, operations]) => ({ traceId, operations })),
    })
  }
  const encoding = record.encoding === 'jaeger_thrift' ? '' : `  encoding=${record.encoding}`
  const key = record.encoding !== 'jaeger_thrift' && where.key !== undefined ? `  key=${where.key}` : ''
  const lines = [`partition ${where.partition} offset ${where.offset}${encoding}  service=${record.services.join(',')}  spans=${record.spans.length}  traces=${traces.size}  bytes=${where.bytes}${key}${record.seqNo !== undefined ? `  seqNo=${record.seqNo}` : ''}`]
  if (withSpans) {
    for (const span of record.spans) {
      lines.push(`  ${span.traceId}  span ${hex(span.spanId)}  parent ${hex(span.parentSpanId)}  ${span.operationName}  ${span.duration} µs`)
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
  const fallback: SpanEncoding | undefined = flags.encoding === undefined ? undefined : parseSpanEncoding(flags.encoding, '--encoding')
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
  const totals = { records: 0, spans: 0, invalid: 0, services: new Set<string>(), traces: new Set<string>(), encodings: new Map<SpanEncoding, number>() }
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
          const header = message.headers?.[SPAN_ENCODING_HEADER]
          const headerValue = header === undefined ? undefined : String(Array.isArray(header) ? header[0] : header)
          const encoding = headerValue === undefined ? (fallback ?? sniffEncoding(bytes)) : encodingFromHeader(headerValue)
          try {
            if (encoding === undefined) throw new Error(`unknown ${SPAN_ENCODING_HEADER} header "${headerValue}"`)
            const record = decodeRecordView(bytes, encoding)
            totals.spans += record.spans.length
            for (const service of record.services) totals.services.add(service)
            for (const span of record.spans) totals.traces.add(span.traceId)
            totals.encodings.set(encoding, (totals.encodings.get(encoding) ?? 0) + 1)
            const where = { partition, offset: message.offset, bytes: bytes.length, ...(message.key ? { key: String(message.key) } : {}) }
            io.out(describeRecord(record, where, Boolean(flags.spans), Boolean(flags.json)))
          } catch (error) {
            totals.invalid++
            const reason = (error as Error).message
            const what = encoding === undefined ? 'an unknown encoding' : `a valid ${encoding} record`
            io.out(flags.json ? JSON.stringify({ partition, offset: message.offset, bytes: bytes.length, encoding, error: reason }) : `partition ${partition} offset ${message.offset}  not ${what} (${bytes.length} bytes): ${reason}`)
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
  const byEncoding = [...totals.encodings].map(([encoding, n]) => `${encoding}: ${n}`).join(', ')
  const summary = `${totals.records} records${byEncoding ? ` (${byEncoding})` : ''}, ${totals.spans} spans, ${totals.traces.size} traces, ${totals.services.size} services, ${totals.invalid} undecodable`
  if (flags.json) io.err(summary)
  else io.out(summary)
  return 0
}
