// SPDX-License-Identifier: Apache-2.0
// The forwarder reads every span encoding (fake kafkajs client, fake
// collector and OTLP receiver): routing by the jaeger-kafka-encoding header,
// status handling and dead letters per encoding, OTLP partial success,
// per-encoding metrics and the otlpEndpoint default.
import assert from 'node:assert/strict'
import { test } from '../support/harness.ts'
import { createForwarder } from '../../forwarder/forwarder.ts'
import { readPartialSuccess } from '../../forwarder/collector-client.ts'
import { defaultOtlpEndpoint, resolveForwarderOptions } from '../../forwarder/options.ts'
import type { ForwarderOptions } from '../../forwarder/options.ts'
import { validateRecord } from '../../forwarder/record.ts'
import type { SpanRecord } from '../../forwarder/record.ts'
import { DEAD_LETTER_HEADERS } from '../../forwarder/dead-letter.ts'
import { forwardOptions } from '../../cli/forward.ts'
import { SPAN_ENCODING_HEADER, encodingHeaderValue } from '../../src/kafka/span-record.ts'
import type { SpanEncoding } from '../../src/kafka/span-record.ts'
import { encodeOtlpTraces } from '../../src/codec/otlp/otlp-encode.ts'
import { encodeJaegerProtoSpan } from '../../src/codec/jaeger-proto/jaeger-proto-encode.ts'
import { decodeBatch } from '../../src/codec/thrift/jaeger-decode.ts'
import { ProtoWriter, WireType } from '../../src/codec/protobuf/proto-writer.ts'
import { TagType } from '../../src/codec/thrift/jaeger-types.ts'
import type { JaegerProcess, JaegerSpan } from '../../src/codec/thrift/jaeger-types.ts'
import { captureLogger, fakeCollector, fakeKafka, makeBatch, nextTraceId, randomBytes, waitFor } from '../support/forwarder-fakes.ts'
import type { FakeAnswer } from '../support/forwarder-fakes.ts'

const PROCESS: JaegerProcess = { serviceName: 'enc-test', tags: [{ key: 'hostname', vType: 0, vStr: 'h1' }] }
const OTLP_URL = 'http://collector:4318/v1/traces'
const THRIFT_URL = 'http://collector:14268/api/traces'
const utf8 = new TextEncoder()

function spans(count: number): JaegerSpan[] {
  const traceId = nextTraceId()
  const now = BigInt(Date.now()) * 1000n
  return Array.from({ length: count }, (_, i) => ({
    traceIdLow: traceId,
    traceIdHigh: 0n,
    spanId: BigInt(i + 1),
    parentSpanId: i === 0 ? 0n : 1n,
    operationName: `op-${i}`,
    flags: 1,
    startTime: now + BigInt(i),
    duration: 50n,
  }))
}

/** ExportTraceServiceResponse { partial_success (1) { rejected_spans (1), error_message (2) } } */
function partialSuccess(rejected: number, message: string): Uint8Array {
  const w = new ProtoWriter(64)
  const mark = w.begin(1)
  if (rejected > 0) {
    w.key(1, WireType.VARINT)
    w.varint32(rejected)
  }
  if (message !== '') {
    w.key(2, WireType.LEN)
    w.string(message)
  }
  w.end(mark)
  return w.view().slice()
}

const header = (encoding: SpanEncoding) => ({ [SPAN_ENCODING_HEADER]: utf8.encode(encodingHeaderValue(encoding)) })

function record(value: Uint8Array | null, headers: SpanRecord['headers']): SpanRecord {
  return { topic: 'spans', partition: 0, offset: 7n, key: null, value, headers }
}

/** One message of each encoding: thrift (3 spans), otlp (2 spans), jaeger_proto (1 span). */
function mixedMessages() {
  return [
    { offset: 0, value: makeBatch({ spans: 3 }).bytes, headers: header('jaeger_thrift') },
    { offset: 1, value: encodeOtlpTraces(PROCESS, spans(2)), headers: header('otlp_proto') },
    { offset: 2, value: encodeJaegerProtoSpan(PROCESS, spans(1)[0]!), headers: header('jaeger_proto') },
  ]
}

function setup(answer: (url: string, body: Uint8Array) => FakeAnswer | Promise<FakeAnswer>, extra: Partial<ForwarderOptions> = {}) {
  const kafka = fakeKafka()
  const collector = fakeCollector((body) => answer(collector.requests.at(-1)!.url, body))
  const log = captureLogger()
  const forwarder = createForwarder({
    kafka: kafka.kafka,
    topic: 'spans',
    collectorUrl: THRIFT_URL,
    fetch: collector.fetch,
    logger: log,
    commitIntervalMs: 0,
    retry: { initialDelayMs: 5, maxDelayMs: 20 },
    ...extra,
  })
  const keepAlive = setTimeout(() => {}, 20_000)
  return { kafka, collector, log, forwarder, done: () => clearTimeout(keepAlive) }
}

test('validateRecord() routes otlp_proto to the OTLP receiver with the record bytes and counts its spans', () => {
  const bytes = encodeOtlpTraces(PROCESS, spans(4))
  const result = validateRecord(record(bytes, header('otlp_proto')))
  assert.equal(result.ok, true)
  if (result.ok) {
    assert.equal(result.encoding, 'otlp_proto')
    assert.equal(result.target, 'otlp')
    assert.equal(result.spanCount, 4)
    assert.equal(result.body, bytes, 'the very same bytes')
  }
})

test('validateRecord() turns a jaeger_proto record into a one-span Thrift Batch for the collector', () => {
  const span = { ...spans(1)[0]!, tags: [{ key: 'k', vType: TagType.LONG, vLong: -5n }] }
  const result = validateRecord(record(encodeJaegerProtoSpan(PROCESS, span), header('jaeger_proto')))
  assert.equal(result.ok, true)
  if (result.ok) {
    assert.equal(result.encoding, 'jaeger_proto')
    assert.equal(result.target, 'collector')
    assert.equal(result.spanCount, 1)
    const batch = decodeBatch(result.body)
    assert.equal(batch.process.serviceName, 'enc-test')
    assert.equal(batch.spans.length, 1)
    assert.equal(batch.spans[0]!.traceIdLow, span.traceIdLow)
    assert.equal(batch.spans[0]!.spanId, span.spanId)
    assert.equal(batch.spans[0]!.operationName, span.operationName)
    assert.equal(batch.spans[0]!.tags?.[0]?.vLong, -5n)
  }
})

test('validateRecord() names the decoder of the record encoding for undecodable or empty values', () => {
  const cases: [SpanEncoding, string][] = [['jaeger_thrift', 'thrift-decode'], ['otlp_proto', 'otlp-decode'], ['jaeger_proto', 'jaeger-proto-decode']]
  for (const [encoding, reason] of cases) {
    for (const value of [randomBytes(64), null, new Uint8Array(0)]) {
      const result = validateRecord(record(value, header(encoding)))
      assert.equal(result.ok, false, `${encoding} ${value === null ? 'null' : value.length}`)
      if (!result.ok) {
        assert.equal(result.reason, reason)
        assert.ok(result.message.length > 0)
      }
    }
  }
  const unknown = validateRecord(record(makeBatch().bytes, { [SPAN_ENCODING_HEADER]: 'zipkin_proto' }))
  assert.equal(unknown.ok, false)
  if (!unknown.ok) {
    assert.equal(unknown.reason, 'unsupported-encoding')
    assert.match(unknown.message, /zipkin_proto/)
  }
})

test('a mixed partition: thrift and jaeger_proto to /api/traces, otlp_proto to /v1/traces as protobuf, all committed', async () => {
  const s = setup(() => 200)
  await s.forwarder.start()
  s.kafka.join({ spans: [0] })
  const messages = mixedMessages()
  await s.kafka.deliver('spans', 0, messages)
  await waitFor(() => s.kafka.committed('spans', 0) === '3')
  const byUrl = (url: string) => s.collector.requests.filter((r) => r.url === url)
  assert.equal(byUrl(THRIFT_URL).length, 2)
  assert.equal(byUrl(OTLP_URL).length, 1)
  const otlp = byUrl(OTLP_URL)[0]!
  assert.equal(otlp.body, messages[1]!.value, 'otlp_proto bytes unchanged')
  assert.equal((otlp.init.headers as Record<string, string>)['content-type'], 'application/x-protobuf')
  for (const r of byUrl(THRIFT_URL)) assert.equal((r.init.headers as Record<string, string>)['content-type'], 'application/x-thrift')
  assert.equal(byUrl(THRIFT_URL)[0]!.body, messages[0]!.value, 'jaeger_thrift bytes unchanged')
  assert.equal(decodeBatch(byUrl(THRIFT_URL)[1]!.body).spans.length, 1)
  const m = s.forwarder.metrics()
  assert.equal(m.recordsForwarded, 3)
  assert.equal(m.spansForwarded, 6)
  assert.deepEqual(m.spansForwardedByEncoding, { jaeger_thrift: 3, otlp_proto: 2, jaeger_proto: 1 })
  assert.equal(m.spansConsumed, 6)
  const text = await s.forwarder.metricsText()
  assert.match(text, /^jaeger_kafka_forwarder_spans_forwarded_total\{topic="spans",partition="0",encoding="otlp_proto"\} 2$/m)
  assert.match(text, /^jaeger_kafka_forwarder_records_forwarded_total\{topic="spans",partition="0",encoding="jaeger_proto"\} 1$/m)
  await s.forwarder.stop()
  s.done()
})

test('an OTLP 400 dead-letters the otlp_proto record as collector-rejected; the partition moves on', async () => {
  const s = setup((url) => (url === OTLP_URL ? { status: 400, body: 'bad trace id' } : 202))
  await s.forwarder.start()
  s.kafka.join({ spans: [0] })
  await s.kafka.deliver('spans', 0, mixedMessages())
  await waitFor(() => s.kafka.committed('spans', 0) === '3')
  const dlq = s.kafka.sent.filter((x) => x.topic === 'spans.dlq').flatMap((x) => x.messages)
  assert.equal(dlq.length, 1)
  const headers = dlq[0]!.headers as Record<string, unknown>
  assert.equal(String(headers[DEAD_LETTER_HEADERS.error]), 'collector-rejected')
  assert.equal(String(headers[DEAD_LETTER_HEADERS.status]), '400')
  assert.equal(String(headers[DEAD_LETTER_HEADERS.originalOffset]), '1')
  assert.match(String(headers[DEAD_LETTER_HEADERS.message]), /bad trace id/)
  const m = s.forwarder.metrics()
  assert.deepEqual(m.deadLettered, { 'collector-rejected': 1 })
  assert.deepEqual(m.spansForwardedByEncoding, { jaeger_thrift: 3, jaeger_proto: 1 })
  await s.forwarder.stop()
  s.done()
})

test('OTLP 503, 429 and connection errors are retried with the partition held, then delivered and committed', async () => {
  const refused = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:4318' } })
  const otlpAnswers: FakeAnswer[] = [503, { status: 429, headers: { 'retry-after': '0' } }, refused]
  const s = setup((url) => (url === OTLP_URL ? otlpAnswers.shift() ?? 200 : 202))
  await s.forwarder.start()
  s.kafka.join({ spans: [0] })
  await s.kafka.deliver('spans', 0, mixedMessages())
  await waitFor(() => s.kafka.committed('spans', 0) === '3')
  const otlpPosts = s.collector.requests.filter((r) => r.url === OTLP_URL)
  assert.equal(otlpPosts.length, 4)
  assert.ok(otlpPosts.every((r) => r.body === otlpPosts[0]!.body))
  const m = s.forwarder.metrics()
  assert.equal(m.retries, 3)
  assert.deepEqual(m.deadLettered, {})
  assert.equal(m.spansForwarded, 6)
  // Commits stay contiguous: never past offset 1 before the OTLP record was accepted.
  const offsets = s.kafka.commits.flat().map((c) => Number(c.offset))
  assert.deepEqual(offsets, [...offsets].sort((a, b) => a - b))
  assert.ok(s.log.lines.some((l) => l.level === 'warn' && l.message.includes(OTLP_URL)), 'the retry log names the OTLP endpoint')
  await s.forwarder.stop()
  s.done()
})

test('an OTLP partial success counts the rejected spans as dropped, forwards the rest and commits', async () => {
  // ExportTraceServiceResponse { partial_success { rejected_spans: 1, error_message: "span too old" } }
  const body = partialSuccess(1, 'span too old')
  // Every byte is < 0x80, so the fake's string body carries them unchanged.
  const s = setup((url) => (url === OTLP_URL ? { status: 200, body: String.fromCharCode(...body) } : 202))
  await s.forwarder.start()
  s.kafka.join({ spans: [0] })
  await s.kafka.deliver('spans', 0, mixedMessages())
  await waitFor(() => s.kafka.committed('spans', 0) === '3')
  const m = s.forwarder.metrics()
  assert.equal(m.spansRejected, 1)
  assert.deepEqual(m.spansForwardedByEncoding, { jaeger_thrift: 3, otlp_proto: 1, jaeger_proto: 1 })
  assert.ok(s.log.lines.some((l) => l.level === 'warn' && /rejected 1 of 2 spans.*span too old/.test(l.message)))
  assert.match(await s.forwarder.metricsText(), /^jaeger_kafka_forwarder_spans_rejected_total\{encoding="otlp_proto"\} 1$/m)
  await s.forwarder.stop()
  s.done()
})

test('undecodable records of each encoding and an unknown encoding go to the dead-letter topic with their reason', async () => {
  const s = setup(() => 202)
  await s.forwarder.start()
  s.kafka.join({ spans: [0] })
  await s.kafka.deliver('spans', 0, [
    { offset: 0, value: randomBytes(40), headers: header('otlp_proto') },
    { offset: 1, value: randomBytes(40), headers: header('jaeger_proto') },
    { offset: 2, value: randomBytes(40) },
    { offset: 3, value: makeBatch().bytes, headers: { [SPAN_ENCODING_HEADER]: utf8.encode('otlp_json') } },
  ])
  await waitFor(() => s.kafka.committed('spans', 0) === '4')
  const reasons = s.kafka.sent.filter((x) => x.topic === 'spans.dlq').flatMap((x) => x.messages).map((msg) => String((msg.headers as Record<string, unknown>)[DEAD_LETTER_HEADERS.error]))
  assert.deepEqual(reasons, ['otlp-decode', 'jaeger-proto-decode', 'thrift-decode', 'unsupported-encoding'])
  assert.equal(s.collector.requests.length, 0, 'nothing undecodable was POSTed')
  await s.forwarder.stop()
  s.done()
})

test('otlpEndpoint defaults to the collector host on port 4318 /v1/traces; flag and env set it', () => {
  assert.equal(defaultOtlpEndpoint('http://jaeger:14268/api/traces'), 'http://jaeger:4318/v1/traces')
  assert.equal(defaultOtlpEndpoint('https://u:p@jaeger.example/api/traces?x=1'), 'https://u:p@jaeger.example:4318/v1/traces')
  assert.equal(resolveForwarderOptions({ brokers: ['b:9092'] }).otlpEndpoint, 'http://127.0.0.1:4318/v1/traces')
  assert.equal(resolveForwarderOptions({ brokers: ['b:9092'], otlpEndpoint: 'http://otel:4318/v1/traces' }).otlpEndpoint, 'http://otel:4318/v1/traces')
  assert.throws(() => resolveForwarderOptions({ brokers: ['b:9092'], otlpEndpoint: '' }), TypeError)
  assert.throws(() => createForwarder({ brokers: ['b:9092'], otlpEndpoint: 'ftp://x/v1/traces' }), /Cannot use otlpEndpoint: protocol ftp:/)
  const io = { env: { JAEGER_KAFKA_OTLP_ENDPOINT: 'http://env:4318/v1/traces' }, readFile: () => '' }
  assert.equal(forwardOptions([], io).options.otlpEndpoint, 'http://env:4318/v1/traces')
  assert.equal(forwardOptions(['--otlp-endpoint', 'http://flag:4318/v1/traces'], io).options.otlpEndpoint, 'http://flag:4318/v1/traces')
  assert.equal(forwardOptions([], { env: {}, readFile: () => '' }).options.otlpEndpoint, undefined)
})

test('readPartialSuccess() reads rejected spans and ignores empty or non-protobuf bodies', () => {
  assert.equal(readPartialSuccess(new Uint8Array(0)), undefined)
  assert.equal(readPartialSuccess(utf8.encode('{"partialSuccess":{}}')), undefined)
  assert.deepEqual(readPartialSuccess(partialSuccess(7, '')), { rejectedSpans: 7, message: '' })
  assert.deepEqual(readPartialSuccess(partialSuccess(0, 'warning only')), { rejectedSpans: 0, message: 'warning only' })
})
