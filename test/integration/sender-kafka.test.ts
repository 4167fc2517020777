// SPDX-License-Identifier: Apache-2.0
// KafkaSender against the real broker (KAFKA_BROKERS, default 127.0.0.1:9092)
// with the kafkajs adapter, on every runtime: a jaeger-client app using the
// drop-in initTracer(), oversized spans, close() with batches in flight, and a
// child process that exits on its own after close() with its spans on the topic.
// Records are read back with kafkajs and decoded with thriftrw (jaeger-client's IDL).
import assert from 'node:assert/strict'
import { Buffer } from 'node:buffer'
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import kafkajs from 'kafkajs'
import { runtime, test } from '../support/harness.ts'
import { KAFKA_BROKERS, uniqueTopic } from '../support/peers.ts'
import { loadJaegerThrift, thriftrwDecode } from '../support/thriftrw.ts'
import { SPAN_COUNT_HEADER, SPAN_ENCODING_HEADER, SPAN_ENCODING_THRIFT_BATCH, SPAN_SCHEMA_VERSION_HEADER } from '../../src/kafka/span-record.ts'
import { decodeBatch } from '../../src/codec/thrift/jaeger-decode.ts'
import { TagType } from '../../src/codec/thrift/jaeger-types.ts'
import type { JaegerBatch } from '../../src/codec/thrift/jaeger-types.ts'
import { initTracer } from '../../senders/init-tracer.ts'
import type { JaegerTracer } from '../../senders/init-tracer.ts'
import { KafkaSender } from '../../senders/kafka-sender.ts'
import { TRUNCATED_TAG_KEY } from '../../senders/trim-span.ts'

const { Kafka, logLevel } = kafkajs
const require = createRequire(import.meta.url)
const jaeger = require('jaeger-client') as { opentracing: { childOf(c: unknown): unknown; followsFrom(c: unknown): unknown } }
const ThriftUtils = (require('jaeger-client/dist/src/thrift.js') as { default: { spanToThrift(span: unknown): ThriftSpan } }).default
const thrift = loadJaegerThrift()

type ThriftValue = Buffer | string | number | boolean | null | undefined
interface ThriftTag {
  key: string
  vType: string
  vStr?: ThriftValue
  vDouble?: ThriftValue
  vBool?: ThriftValue
  vLong?: ThriftValue
  vBinary?: ThriftValue
}
interface ThriftSpan {
  traceIdLow: Buffer
  traceIdHigh: Buffer
  spanId: Buffer
  parentSpanId: Buffer
  operationName: string
  references?: { refType: string; traceIdLow: Buffer; traceIdHigh: Buffer; spanId: Buffer }[] | null
  flags: number
  startTime: Buffer
  duration: Buffer
  tags?: ThriftTag[] | null
  logs?: { timestamp: Buffer; fields: ThriftTag[] }[] | null
}
interface ThriftBatch {
  process: { serviceName: string; tags?: ThriftTag[] | null }
  spans: ThriftSpan[]
}

interface SpanRecord {
  partition: number
  value: Buffer
  headers: Record<string, string>
  /** Decoded by thriftrw with jaeger-client's IDL (which predates Batch.seqNo/stats, so it skips them). */
  batch: ThriftBatch
  /** Decoded by our codec, for seqNo and stats. */
  ours: JaegerBatch
}

const kafka = new Kafka({ clientId: 'sender-test', brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING })

async function createTopic(topic: string, partitions = 3): Promise<void> {
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true })
  await admin.disconnect()
}

/** Records on `topic` now: the sum of its partitions' high watermarks (the topic is never truncated). */
async function recordsOnTopic(topic: string): Promise<number> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const offsets = await admin.fetchTopicOffsets(topic)
    return offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0)
  } finally {
    await admin.disconnect()
  }
}

/** Read every record of `topic` until `done(records)` holds (or fail after `timeoutMs`). */
async function readTopic(topic: string, done: (records: SpanRecord[]) => boolean, timeoutMs = 45_000): Promise<SpanRecord[]> {
  const consumer = kafka.consumer({ groupId: `${topic}-reader-${Math.random().toString(36).slice(2)}` })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const records: SpanRecord[] = []
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`topic ${topic}: condition not met after ${timeoutMs} ms (${records.length} records)`)), timeoutMs)
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          const headers: Record<string, string> = {}
          for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v)
          const value = message.value as Buffer
          records.push({ partition, value, headers, batch: thriftrwDecode(thrift.Batch, value) as unknown as ThriftBatch, ours: decodeBatch(value) })
          if (done(records)) {
            clearTimeout(timer)
            resolve()
          }
        },
      })
    })
  } finally {
    await consumer.disconnect()
  }
  return records
}

const spanCount = (records: SpanRecord[]): number => records.reduce((n, r) => n + r.batch.spans.length, 0)

function hex(value: ThriftValue): string {
  return Buffer.isBuffer(value) ? value.toString('hex') : String(value)
}

function tagValue(tag: ThriftTag): unknown {
  switch (tag.vType) {
    case 'STRING':
      return tag.vStr
    case 'DOUBLE':
      return tag.vDouble
    case 'BOOL':
      return tag.vBool
    case 'LONG':
      return hex(tag.vLong)
    default:
      return hex(tag.vBinary)
  }
}

function normalize(span: ThriftSpan): unknown {
  const tags = (list: ThriftTag[] | null | undefined): unknown => (list ?? []).map((t) => [t.key, t.vType, tagValue(t)])
  return {
    traceIdLow: hex(span.traceIdLow),
    traceIdHigh: hex(span.traceIdHigh),
    spanId: hex(span.spanId),
    parentSpanId: hex(span.parentSpanId),
    operationName: span.operationName,
    references: (span.references ?? []).map((r) => [r.refType, hex(r.traceIdLow), hex(r.traceIdHigh), hex(r.spanId)]),
    flags: span.flags,
    startTime: hex(span.startTime),
    duration: hex(span.duration),
    tags: tags(span.tags),
    logs: (span.logs ?? []).map((l) => [hex(l.timestamp), tags(l.fields)]),
  }
}

function countingMetrics(): { counts: Record<string, number>; factory: unknown } {
  const counts: Record<string, number> = {}
  const factory = {
    createCounter: (name: string, tags?: Record<string, string>) => ({
      increment: (d = 1) => {
        const key = tags?.result ? `${name}{${tags.result}}` : name
        counts[key] = (counts[key] ?? 0) + d
      },
    }),
    createGauge: () => ({ update() {} }),
    createTimer: () => ({ record() {} }),
  }
  return { counts, factory }
}

const closeTracer = (tracer: JaegerTracer): Promise<void> => new Promise((resolve) => tracer.close(() => resolve()))

test('a jaeger-client app using the drop-in initTracer() puts exactly N spans on the topic, every field as recorded', async () => {
  const topic = uniqueTopic('sender-dropin')
  await createTopic(topic)
  const { counts, factory } = countingMetrics()
  const tracer = initTracer(
    { serviceName: 'orders-api', sampler: { type: 'const', param: 1 }, reporter: { flushIntervalMs: 200, kafka: { brokers: KAFKA_BROKERS, topic } } },
    { metrics: factory as never, tags: { 'deploy.region': 'eu-1' } },
  )
  const recorded: unknown[] = []
  const N = 1500
  const root = tracer.startSpan('GET /api/v1/users/:id')
  for (let i = 0; i < N - 1; i++) {
    const span = tracer.startSpan(`step-${i % 17}`, { references: [jaeger.opentracing.childOf(root.context()) as never, ...(i % 5 === 0 ? [jaeger.opentracing.followsFrom(root.context()) as never] : [])] })
    span.setTag('http.method', 'GET')
    span.setTag('http.status_code', 200 + (i % 3))
    span.setTag('latency.ratio', i / 7)
    span.setTag('cache.hit', i % 2 === 0)
    span.setTag('payload', { i, nested: ['a', 'b'] })
    if (i % 11 === 0) span.setTag('blob', Buffer.from([i & 0xff, 1, 2]))
    span.log({ event: 'db.query', rows: i, 'db.statement': `SELECT * FROM users WHERE id = ${i}` })
    span.finish()
    recorded.push(span)
    // Pacing, not synchronisation: the app yields now and then, so the burst spans several flushes.
    if (i % 300 === 0) await new Promise((r) => setTimeout(r, 10))
  }
  root.finish()
  recorded.push(root)
  await closeTracer(tracer)

  // close() returned after the broker acked everything: the topic now holds every
  // record the sender wrote (duplicates included). Read exactly that many.
  const onTopic = await recordsOnTopic(topic)
  const records = await readTopic(topic, (rs) => rs.length >= onTopic)
  assert.equal(records.length, onTopic)
  const spans = records.flatMap((r) => r.batch.spans)
  assert.equal(spans.length, N, 'exactly N spans, no duplicates')
  const bySpanId = new Map(spans.map((s) => [hex(s.spanId), s]))
  assert.equal(bySpanId.size, N)
  for (const span of recorded) {
    const expected = ThriftUtils.spanToThrift(span)
    const actual = bySpanId.get(hex(expected.spanId))
    assert.ok(actual, `span ${hex(expected.spanId)} is on the topic`)
    assert.deepEqual(normalize(actual), normalize(expected))
  }
  for (const r of records) {
    assert.equal(r.headers[SPAN_ENCODING_HEADER], SPAN_ENCODING_THRIFT_BATCH)
    assert.equal(r.headers[SPAN_SCHEMA_VERSION_HEADER], '1')
    assert.equal(r.headers[SPAN_COUNT_HEADER], String(r.batch.spans.length))
    assert.equal(r.batch.process.serviceName, 'orders-api')
    assert.ok(r.batch.process.tags?.some((t) => t.key === 'deploy.region' && t.vStr === 'eu-1'))
  }
  const seqNos = records.map((r) => Number(r.ours.seqNo)).sort((a, b) => a - b)
  assert.deepEqual(seqNos, records.map((_, i) => i + 1), 'seqNo 1..n, one record each')
  assert.ok(records.every((r) => r.ours.stats?.fullQueueDroppedSpans === 0n))
  assert.equal(counts['jaeger:reporter_spans{ok}'], N)
  assert.equal(counts['jaeger:reporter_spans{err}'] ?? 0, 0)
  assert.equal(counts['jaeger:reporter_spans{dropped}'] ?? 0, 0)
}, { timeout: 120_000 })

test('an oversized span is trimmed and delivered; one that cannot fit is dropped and counted, never sent', async () => {
  const topic = uniqueTopic('sender-oversize')
  await createTopic(topic, 1)
  const sender = new KafkaSender({ kafka: { brokers: KAFKA_BROKERS }, topic })
  sender.setJaegerProcess({ serviceName: 'big' })
  const base = { traceIdLow: 0x1234n, traceIdHigh: 0n, parentSpanId: 0n, flags: 1, startTime: 1_700_000_000_000_000n, duration: 10n }
  const callbacks: [number, string | undefined][] = []
  sender.appendSpan({ ...base, spanId: 1n, operationName: 'huge-log', tags: [{ key: 'k', vType: TagType.STRING, vStr: 'v' }], logs: [{ timestamp: 1n, fields: [{ key: 'dump', vType: TagType.STRING, vStr: 'x'.repeat(2_000_000) }] }] }, (n, e) => callbacks.push([n, e]))
  sender.appendSpan({ ...base, spanId: 2n, operationName: 'o'.repeat(1_500_000) }, (n, e) => callbacks.push([n, e]))
  sender.appendSpan({ ...base, spanId: 3n, operationName: 'normal' }, (n, e) => callbacks.push([n, e]))
  const result = await sender.close()
  assert.equal(result.undelivered, 1)
  assert.equal(result.dropped.too_large, 1)
  assert.equal(callbacks[1]?.[0], 1)
  assert.match(callbacks[1]?.[1] ?? '', /exceed/)

  const records = await readTopic(topic, (rs) => spanCount(rs) >= 2)
  const spans = records.flatMap((r) => r.batch.spans)
  assert.deepEqual(spans.map((s) => hex(s.spanId)).sort(), ['0000000000000001', '0000000000000003'])
  const trimmed = spans.find((s) => s.operationName === 'huge-log')
  assert.deepEqual(trimmed?.logs ?? [], [])
  assert.deepEqual(trimmed?.tags?.map((t) => [t.key, tagValue(t)]), [['k', 'v'], [TRUNCATED_TAG_KEY, true]])
  assert.equal(records[0]?.ours.stats?.tooLargeDroppedSpans, 1n)
}, { timeout: 90_000 })

test('close() with many batches still in flight waits for the acks: nothing lost', async () => {
  const topic = uniqueTopic('sender-close')
  await createTopic(topic)
  const sender = new KafkaSender({ kafka: { brokers: KAFKA_BROKERS }, topic, maxMessageBytes: 64 * 1024 })
  sender.setJaegerProcess({ serviceName: 'closer' })
  const N = 20_000
  for (let i = 1; i <= N; i++) {
    sender.appendSpan({
      traceIdLow: BigInt(i),
      traceIdHigh: 0n,
      spanId: BigInt(i),
      parentSpanId: 0n,
      operationName: 'work',
      flags: 1,
      startTime: 1_700_000_000_000_000n + BigInt(i),
      duration: 5n,
      tags: [{ key: 'i', vType: TagType.LONG, vLong: BigInt(i) }],
    })
  }
  const inFlight = sender.stats()
  assert.ok(inFlight.bufferedSpans > 0 && inFlight.spansDelivered < N, 'close() starts with undelivered spans')
  const result = await sender.close()
  assert.equal(result.timedOut, false)
  assert.equal(result.undelivered, 0)
  assert.equal(result.delivered, N)
  const records = await readTopic(topic, (rs) => spanCount(rs) >= N, 60_000)
  const ids = new Set(records.flatMap((r) => r.batch.spans.map((s) => hex(s.spanId))))
  assert.equal(ids.size, N)
  assert.equal(spanCount(records), N)
}, { timeout: 120_000 })

function childCommand(file: string): [string, string[]] {
  const exe = (globalThis as unknown as { process: { execPath: string } }).process.execPath
  if (runtime === 'deno') return [exe, ['run', '-A', file]]
  if (runtime === 'bun') return [exe, [file]]
  return [exe, ['--import', 'tsx', file]]
}

test('a child process exits on its own after tracer.close() with all its spans on the topic', async () => {
  const topic = uniqueTopic('sender-child')
  await createTopic(topic, 1)
  const [cmd, args] = childCommand('examples/sender-drop-in.ts')
  const env = { ...(globalThis as unknown as { process: { env: Record<string, string> } }).process.env, JAEGER_KAFKA_BROKERS: KAFKA_BROKERS.join(','), JAEGER_KAFKA_TOPIC: topic, JAEGER_SERVICE_NAME: 'child-app', SPAN_COUNT: '300' }
  const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout?.on('data', (d: Buffer) => (out += String(d)))
    child.stderr?.resume()
    const timer = setTimeout(() => {
      child.kill()
      reject(new Error('the child did not exit within 60 s after close()'))
    }, 60_000)
    child.on('error', reject)
    child.on('exit', (c) => {
      clearTimeout(timer)
      resolve({ code: c, stdout: out })
    })
  })
  assert.equal(code, 0)
  const summary = JSON.parse(stdout.trim().split('\n').at(-1) as string) as { spanIds: string[]; stats: { spansDelivered: number } }
  assert.equal(summary.spanIds.length, 301)
  assert.equal(summary.stats.spansDelivered, 301)
  const records = await readTopic(topic, (rs) => spanCount(rs) >= 301)
  const onTopic = records.flatMap((r) => r.batch.spans.map((s) => BigInt(`0x${hex(s.spanId)}`).toString(16)))
  assert.deepEqual(onTopic.sort(), summary.spanIds.sort())
}, { timeout: 120_000 })
