// SPDX-License-Identifier: Apache-2.0
// Joined POSTs (one partition's pipeline, fake collector and dead-letter
// producer): consecutive otlp_proto records, and jaeger_proto records of one
// process, go out as one POST within maxPostBytes / maxPostRecords; offsets
// commit only past accepted POSTs; a retryable failure retries all the
// records of the POST; a 400 on a joined POST re-POSTs its records one by one
// and dead-letters only the bad one; metrics per encoding stay exact.
import assert from 'node:assert/strict'
import { test } from '../support/harness.ts'
import { resolveForwarderRetry } from '../../forwarder/retry-policy.ts'
import { createCollectorClient } from '../../forwarder/collector-client.ts'
import type { DeadLetterMessage } from '../../forwarder/dead-letter.ts'
import { DEAD_LETTER_HEADERS } from '../../forwarder/dead-letter.ts'
import { safeLogger } from '../../forwarder/logger.ts'
import { createForwarderMetrics } from '../../forwarder/metrics.ts'
import { DEFAULT_MAX_POST_BYTES, DEFAULT_MAX_POST_RECORDS, resolveForwarderOptions } from '../../forwarder/options.ts'
import { createPartitionPipeline } from '../../forwarder/partition-pipeline.ts'
import type { PostLimits } from '../../forwarder/post-group.ts'
import { validateRecord } from '../../forwarder/record.ts'
import type { SpanRecord } from '../../forwarder/record.ts'
import { forwardOptions } from '../../cli/forward.ts'
import { SPAN_ENCODING_HEADER, encodingHeaderValue } from '../../src/kafka/span-record.ts'
import type { SpanEncoding } from '../../src/kafka/span-record.ts'
import { encodeOtlpTraces } from '../../src/codec/otlp/otlp-encode.ts'
import { decodeOtlpTraces } from '../../src/codec/otlp/otlp-decode.ts'
import { encodeJaegerProtoSpan } from '../../src/codec/jaeger-proto/jaeger-proto-encode.ts'
import { decodeBatch } from '../../src/codec/thrift/jaeger-decode.ts'
import type { JaegerProcess, JaegerSpan } from '../../src/codec/thrift/jaeger-types.ts'
import { captureLogger, fakeCollector, makeBatch, nextTraceId, randomBytes, waitFor } from '../support/forwarder-fakes.ts'
import type { FakeAnswer } from '../support/forwarder-fakes.ts'

const utf8 = new TextEncoder()
const PROCESS_A: JaegerProcess = { serviceName: 'join-a', tags: [{ key: 'hostname', vType: 0, vStr: 'h1' }] }
const PROCESS_B: JaegerProcess = { serviceName: 'join-b', tags: [] }

function spans(count: number): JaegerSpan[] {
  const traceId = nextTraceId()
  return Array.from({ length: count }, (_, i) => ({
    traceIdLow: traceId,
    traceIdHigh: 0n,
    spanId: BigInt(i + 1),
    parentSpanId: i === 0 ? 0n : 1n,
    operationName: `op-${i}`,
    flags: 1,
    startTime: 1_764_460_800_000_000n + BigInt(i),
    duration: 50n,
  }))
}

const header = (encoding: SpanEncoding) => ({ [SPAN_ENCODING_HEADER]: utf8.encode(encodingHeaderValue(encoding)) })

type Kind = 'otlp' | 'thrift' | 'proto-a' | 'proto-b' | 'bad-otlp'

/** Records in offset order: otlp_proto (3 spans of one trace), jaeger_thrift (2 spans), jaeger_proto (1 span) of process A or B, undecodable otlp_proto. */
function records(kinds: readonly Kind[]): SpanRecord[] {
  return kinds.map((kind, i) => {
    const base = { topic: 'spans', partition: 0, offset: BigInt(i), key: null }
    switch (kind) {
      case 'otlp':
        return { ...base, value: encodeOtlpTraces(PROCESS_A, spans(3)), headers: header('otlp_proto') }
      case 'thrift':
        return { ...base, value: makeBatch({ spans: 2 }).bytes, headers: header('jaeger_thrift') }
      case 'proto-a':
        return { ...base, value: encodeJaegerProtoSpan(PROCESS_A, spans(1)[0]!), headers: header('jaeger_proto') }
      case 'proto-b':
        return { ...base, value: encodeJaegerProtoSpan(PROCESS_B, spans(1)[0]!), headers: header('jaeger_proto') }
      case 'bad-otlp':
        return { ...base, value: randomBytes(40), headers: header('otlp_proto') }
    }
  })
}

const concat = (parts: readonly Uint8Array[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]))

function contains(body: Uint8Array, part: Uint8Array): boolean {
  outer: for (let i = 0; i + part.length <= body.length; i++) {
    for (let j = 0; j < part.length; j++) if (body[i + j] !== part[j]) continue outer
    return true
  }
  return false
}

function setup(options: { answer: (body: Uint8Array, call: number) => FakeAnswer | Promise<FakeAnswer>; limits?: PostLimits; maxInFlight?: number }) {
  const collector = fakeCollector(options.answer)
  const client = createCollectorClient({ fetch: collector.fetch, timeoutMs: 60_000, otlp: true })
  const log = captureLogger()
  const metrics = createForwarderMetrics()
  const dlq: DeadLetterMessage[] = []
  const targets: string[] = []
  const committed: (bigint | undefined)[] = []
  const pipeline = createPartitionPipeline({
    topic: 'spans',
    partition: 0,
    maxInFlight: options.maxInFlight ?? 1,
    limits: options.limits ?? { maxBytes: DEFAULT_MAX_POST_BYTES, maxRecords: DEFAULT_MAX_POST_RECORDS },
    maxPending: 1000,
    retry: resolveForwarderRetry({ initialDelayMs: 5, maxDelayMs: 20, configErrorDelayMs: 5 }),
    post: (body, signal, target) => {
      targets.push(target)
      return client.post(body, signal)
    },
    deadLetter: async (message) => {
      dlq.push(message)
    },
    deadLetterTopic: 'spans.dlq',
    collectorName: 'http://collector/api/traces',
    metrics,
    logger: safeLogger(log),
    onProgress: () => committed.push(pipeline.committable),
    pause: () => {},
    resume: () => {},
    random: () => 0.5,
  })
  const keepAlive = setTimeout(() => {}, 20_000)
  return { pipeline, collector, log, metrics, dlq, targets, committed, done: () => clearTimeout(keepAlive) }
}

/** Which records each POST carried, by the offsets whose bytes it holds. */
function postedOffsets(recs: readonly SpanRecord[], bodies: readonly Uint8Array[]): number[][] {
  return bodies.map((body) => recs.flatMap((r, i) => (r.headers[SPAN_ENCODING_HEADER] !== undefined && contains(body, r.value!) ? [i] : [])))
}

test('consecutive otlp_proto records go out as one POST: their bytes joined, one valid TracesData, all committed', async () => {
  const recs = records(['otlp', 'otlp', 'otlp', 'otlp', 'otlp'])
  const s = setup({ answer: () => 200 })
  s.pipeline.accept(recs)
  await waitFor(() => s.pipeline.committable === 5n)
  assert.equal(s.collector.requests.length, 1)
  const body = s.collector.requests[0]!.body
  assert.deepEqual(body, concat(recs.map((r) => r.value!)), 'the records\' bytes, unchanged, in offset order')
  const decoded = decodeOtlpTraces(body)
  assert.equal(decoded.resourceSpans.length, 5)
  assert.equal(decoded.resourceSpans.reduce((n, rs) => n + rs.scopeSpans.reduce((m, ss) => m + ss.spans.length, 0), 0), 15)
  assert.deepEqual(s.targets, ['otlp'])
  const m = s.metrics.snapshot()
  assert.equal(m.recordsForwarded, 5)
  assert.equal(m.spansForwarded, 15)
  assert.deepEqual(m.spansForwardedByEncoding, { otlp_proto: 15 })
  assert.deepEqual(m.postsByEncoding, { otlp_proto: 1 })
  assert.deepEqual(m.posts, { '200': 1 })
  assert.match(s.metrics.render(), /^jaeger_kafka_forwarder_records_forwarded_total\{topic="spans",partition="0",encoding="otlp_proto"\} 5$/m)
  assert.match(s.metrics.render(), /^jaeger_kafka_forwarder_posts_by_encoding_total\{encoding="otlp_proto"\} 1$/m)
  s.done()
})

test('joined POSTs stay within maxPostBytes and maxPostRecords; a record above maxPostBytes goes alone', async () => {
  const recs = records(['otlp', 'otlp', 'otlp', 'otlp', 'otlp'])
  const size = recs[0]!.value!.length
  assert.ok(recs.every((r) => r.value!.length === size), 'same-shaped records')
  const byBytes = setup({ answer: () => 200, limits: { maxBytes: 2 * size + 1, maxRecords: 1000 } })
  byBytes.pipeline.accept(recs)
  await waitFor(() => byBytes.pipeline.committable === 5n)
  assert.deepEqual(postedOffsets(recs, byBytes.collector.requests.map((r) => r.body)), [[0, 1], [2, 3], [4]])
  assert.ok(byBytes.collector.requests.every((r) => r.body.length <= 2 * size + 1))
  byBytes.done()

  const byRecords = setup({ answer: () => 200, limits: { maxBytes: 1 << 20, maxRecords: 3 } })
  byRecords.pipeline.accept(recs)
  await waitFor(() => byRecords.pipeline.committable === 5n)
  assert.deepEqual(postedOffsets(recs, byRecords.collector.requests.map((r) => r.body)), [[0, 1, 2], [3, 4]])
  byRecords.done()

  const tooBig = setup({ answer: () => 200, limits: { maxBytes: size - 1, maxRecords: 1000 } })
  tooBig.pipeline.accept(recs)
  await waitFor(() => tooBig.pipeline.committable === 5n)
  assert.deepEqual(postedOffsets(recs, tooBig.collector.requests.map((r) => r.body)), [[0], [1], [2], [3], [4]])
  assert.equal(tooBig.metrics.snapshot().spansForwarded, 15)
  tooBig.done()
})

test('a mixed partition joins only neighbours of one encoding (jaeger_proto: of one process), in offset order; undecodable records are dead-lettered alone', async () => {
  const kinds: Kind[] = ['thrift', 'otlp', 'otlp', 'proto-a', 'proto-a', 'proto-a', 'proto-b', 'thrift', 'thrift', 'otlp', 'bad-otlp', 'otlp', 'otlp']
  const recs = records(kinds)
  const s = setup({ answer: () => 200 })
  s.pipeline.accept(recs)
  await waitFor(() => s.pipeline.committable === BigInt(kinds.length))
  const bodies = s.collector.requests.map((r) => r.body)
  assert.equal(bodies.length, 8)
  assert.deepEqual(s.targets, ['collector', 'otlp', 'collector', 'collector', 'collector', 'collector', 'otlp', 'otlp'])
  assert.equal(bodies[0], recs[0]!.value, 'jaeger_thrift: the record itself, never joined')
  assert.deepEqual(bodies[1], concat([recs[1]!.value!, recs[2]!.value!]))
  // Three jaeger_proto spans of process A: one Thrift Batch, process once, spans in offset order.
  const batchA = decodeBatch(bodies[2]!)
  assert.equal(batchA.process.serviceName, 'join-a')
  assert.deepEqual(batchA.spans.map((sp) => sp.traceIdLow), [3, 4, 5].map((i) => decodeBatch(validBody(recs[i]!)).spans[0]!.traceIdLow))
  const batchB = decodeBatch(bodies[3]!)
  assert.equal(batchB.process.serviceName, 'join-b')
  assert.equal(batchB.spans.length, 1)
  assert.equal(bodies[4], recs[7]!.value)
  assert.equal(bodies[5], recs[8]!.value)
  assert.deepEqual(bodies[6], recs[9]!.value, 'the otlp record before the undecodable one goes alone')
  assert.deepEqual(bodies[7], concat([recs[11]!.value!, recs[12]!.value!]))
  assert.equal(s.dlq.length, 1)
  assert.equal(String(s.dlq[0]!.headers[DEAD_LETTER_HEADERS.error]), 'otlp-decode')
  assert.equal(String(s.dlq[0]!.headers[DEAD_LETTER_HEADERS.originalOffset]), '10')
  assert.equal(String(s.dlq[0]!.headers[DEAD_LETTER_HEADERS.attempts]), '0')
  const m = s.metrics.snapshot()
  assert.deepEqual(m.postsByEncoding, { jaeger_thrift: 3, otlp_proto: 3, jaeger_proto: 2 })
  assert.deepEqual(m.spansForwardedByEncoding, { jaeger_thrift: 6, otlp_proto: 15, jaeger_proto: 4 })
  assert.equal(m.recordsForwarded, 12)
  const text = s.metrics.render()
  assert.match(text, /^jaeger_kafka_forwarder_records_forwarded_total\{topic="spans",partition="0",encoding="jaeger_proto"\} 4$/m)
  assert.match(text, /^jaeger_kafka_forwarder_records_forwarded_total\{topic="spans",partition="0",encoding="otlp_proto"\} 5$/m)
  assert.match(text, /^jaeger_kafka_forwarder_records_forwarded_total\{topic="spans",partition="0",encoding="jaeger_thrift"\} 3$/m)
  s.done()
})

/** The one-span Thrift Batch validation makes of a jaeger_proto record (to compare span ids). */
function validBody(record: SpanRecord): Uint8Array {
  const v = validateRecord(record)
  assert.equal(v.ok, true)
  return (v as { body: Uint8Array }).body
}

test('a 503 on a joined POST retries all its records together; nothing is committed past them until it is accepted', async () => {
  const recs = records(['otlp', 'otlp', 'otlp', 'otlp', 'otlp', 'otlp'])
  // What was committable when each POST arrived.
  const seen: (bigint | undefined)[] = []
  const s = setup({
    answer: (_, call) => {
      seen.push(s.pipeline.committable)
      return call === 2 || call === 3 ? { status: 503, body: 'busy' } : 200
    },
    limits: { maxBytes: 1 << 20, maxRecords: 3 },
  })
  s.pipeline.accept(recs)
  await waitFor(() => s.pipeline.committable === 6n)
  const posted = postedOffsets(recs, s.collector.requests.map((r) => r.body))
  assert.deepEqual(posted, [[0, 1, 2], [3, 4, 5], [3, 4, 5], [3, 4, 5]])
  assert.deepEqual(s.collector.requests[3]!.body, s.collector.requests[1]!.body, 'the same joined bytes again')
  assert.deepEqual(seen, [undefined, 3n, 3n, 3n], 'never past offset 3 while records 3-5 were not accepted')
  const m = s.metrics.snapshot()
  assert.equal(m.recordsForwarded, 6, 'each record counted forwarded once')
  assert.equal(m.spansForwarded, 18)
  assert.equal(m.retries, 2)
  assert.deepEqual(m.posts, { '200': 2, '503': 2 })
  assert.deepEqual(m.postsByEncoding, { otlp_proto: 4 })
  assert.equal(s.dlq.length, 0)
  assert.ok(s.log.lines.some((l) => l.level === 'warn' && /offsets 3-5 \(3 records\).*503/.test(l.message)))
  s.done()
})

test('with POSTs in flight, a failed joined POST holds the commit even when a later one was accepted', async () => {
  const recs = records(['otlp', 'otlp', 'otlp', 'otlp'])
  let release!: () => void
  const held = new Promise<FakeAnswer>((resolve) => (release = () => resolve({ status: 503, body: 'busy' })))
  const s = setup({ maxInFlight: 2, answer: (_, call) => (call === 1 ? held : 200), limits: { maxBytes: 1 << 20, maxRecords: 2 } })
  s.pipeline.accept(recs)
  await waitFor(() => s.metrics.snapshot().posts['200'] === 1, 5000, 'the second joined POST accepted')
  assert.equal(s.pipeline.committable, undefined, 'records 2-3 are accepted, but 0-1 are not')
  release()
  await waitFor(() => s.pipeline.committable === 4n)
  assert.deepEqual(postedOffsets(recs, s.collector.requests.map((r) => r.body)), [[0, 1], [2, 3], [0, 1]])
  assert.equal(s.metrics.snapshot().recordsForwarded, 4)
  s.done()
})

test('a 400 on a joined POST re-POSTs its records one by one and dead-letters only the one rejected alone', async () => {
  const recs = records(['otlp', 'otlp', 'otlp', 'otlp', 'otlp', 'otlp'])
  const bad = recs[2]!.value!
  const s = setup({ answer: (body) => (contains(body, bad) ? { status: 400, body: 'invalid span' } : 200), limits: { maxBytes: 1 << 20, maxRecords: 4 } })
  s.pipeline.accept(recs)
  await waitFor(() => s.pipeline.committable === 6n)
  assert.deepEqual(postedOffsets(recs, s.collector.requests.map((r) => r.body)), [[0, 1, 2, 3], [0], [1], [2], [3], [4, 5]])
  assert.equal(s.dlq.length, 1)
  const headers = s.dlq[0]!.headers
  assert.equal(String(headers[DEAD_LETTER_HEADERS.originalOffset]), '2')
  assert.equal(String(headers[DEAD_LETTER_HEADERS.error]), 'collector-rejected')
  assert.equal(String(headers[DEAD_LETTER_HEADERS.status]), '400')
  assert.equal(String(headers[DEAD_LETTER_HEADERS.attempts]), '2', 'the joined POST and the one alone')
  assert.equal(s.dlq[0]!.value, bad, 'the original bytes')
  const m = s.metrics.snapshot()
  assert.equal(m.recordsForwarded, 5)
  assert.equal(m.spansForwarded, 15)
  assert.deepEqual(m.deadLettered, { 'collector-rejected': 1 })
  assert.deepEqual(m.posts, { '200': 4, '400': 2 })
  assert.ok(s.log.lines.some((l) => l.level === 'warn' && /rejected a joined POST of spans\[0\] offsets 0-3 \(4 records\).*one by one/.test(l.message)))
  s.done()
})

test('an OTLP partial success on a joined POST counts the rejected spans once and forwards the rest', async () => {
  // ExportTraceServiceResponse { partial_success (1) { rejected_spans (1): 4 } }: bytes 0a 02 08 04.
  const recs = records(['otlp', 'otlp', 'otlp'])
  const s = setup({ answer: () => ({ status: 200, body: String.fromCharCode(0x0a, 0x02, 0x08, 0x04) }) })
  s.pipeline.accept(recs)
  await waitFor(() => s.pipeline.committable === 3n)
  const m = s.metrics.snapshot()
  assert.equal(s.collector.requests.length, 1)
  assert.equal(m.spansRejected, 4)
  assert.equal(m.spansForwarded, 5)
  assert.equal(m.recordsForwarded, 3)
  assert.ok(s.log.lines.some((l) => l.level === 'warn' && /rejected 4 of 9 spans of spans\[0\] offsets 0-2/.test(l.message)))
  s.done()
})

test('maxPostBytes and maxPostRecords: defaults 1 MiB and 1000, validated, set by flags and env', () => {
  const o = resolveForwarderOptions({ brokers: ['b:9092'] })
  assert.equal(o.maxPostBytes, 1024 * 1024)
  assert.equal(o.maxPostRecords, 1000)
  assert.throws(() => resolveForwarderOptions({ brokers: ['b:9092'], maxPostBytes: 0 }), RangeError)
  assert.throws(() => resolveForwarderOptions({ brokers: ['b:9092'], maxPostRecords: 1.5 }), RangeError)
  const io = { env: { JAEGER_KAFKA_MAX_POST_BYTES: '65536', JAEGER_KAFKA_MAX_POST_RECORDS: '50' }, readFile: () => '' }
  assert.equal(forwardOptions([], io).options.maxPostBytes, 65536)
  assert.equal(forwardOptions([], io).options.maxPostRecords, 50)
  assert.equal(forwardOptions(['--max-post-records', '1'], io).options.maxPostRecords, 1)
  assert.equal(forwardOptions(['--max-post-bytes', '2048'], io).options.maxPostBytes, 2048)
})
