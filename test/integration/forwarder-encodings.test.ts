// SPDX-License-Identifier: Apache-2.0
// Every span encoding through our forwarder into the real Jaeger: records of
// jaeger_thrift (encodeBatch), otlp_proto (our encodeOtlpTraces and the OTel
// SDK's ProtobufTraceSerializer), jaeger_proto (encodeJaegerProtoSpan, one
// span per record, keyed by trace) and one poison otlp_proto record, on one
// partition of the real Kafka. Thrift and jaeger_proto go to the collector
// (/api/traces), otlp_proto to the OTLP/HTTP receiver (/v1/traces); the query
// API shows every span exactly once, the poison record is in the dead-letter
// topic with its reason, and every offset is committed.
import assert from 'node:assert/strict'
import { Buffer } from 'node:buffer'
import { test } from '../support/harness.ts'
import { JAEGER_COLLECTOR_URL, JAEGER_OTLP_URL, KAFKA_BROKERS, getTrace, uniqueTopic, waitForTrace } from '../support/peers.ts'
import { captureLogger, makeBatch, nextTraceId, randomBytes } from '../support/forwarder-fakes.ts'
import { createTopics, endOffsets, produce, readTopic, waitUntilCommittedToEnd } from '../support/forwarder-kafka.ts'
import type { TestRecord } from '../support/forwarder-kafka.ts'
import { OTEL_SERVICE, otelTrace } from '../support/otel-spans.ts'
import { createForwarder } from '../../forwarder/forwarder.ts'
import { SPAN_ENCODING_HEADER, encodingHeaderValue } from '../../src/kafka/span-record.ts'
import { summarizeBatch } from '../../src/codec/thrift/jaeger-decode.ts'
import { encodeOtlpTraces } from '../../src/codec/otlp/otlp-encode.ts'
import { encodeJaegerProtoSpan, traceIdKey } from '../../src/codec/jaeger-proto/jaeger-proto-encode.ts'
import { SpanRefType, TagType } from '../../src/codec/thrift/jaeger-types.ts'
import type { JaegerProcess, JaegerSpan } from '../../src/codec/thrift/jaeger-types.ts'

const hex16 = (v: bigint): string => v.toString(16).padStart(16, '0')

/** `count` spans of one trace: a root and children CHILD_OF it, with tags of several types. */
function traceSpans(count: number, traceIdHigh: bigint): JaegerSpan[] {
  const traceIdLow = nextTraceId()
  const now = BigInt(Date.now()) * 1000n
  return Array.from({ length: count }, (_, i) => ({
    traceIdLow,
    traceIdHigh,
    spanId: BigInt(i + 1) * 4099n,
    parentSpanId: i === 0 ? 0n : 4099n,
    operationName: `enc-op-${i}`,
    flags: 1,
    startTime: now + BigInt(i * 10),
    duration: 1000n + BigInt(i),
    ...(i === 0 ? {} : { references: [{ refType: SpanRefType.CHILD_OF, traceIdLow, traceIdHigh, spanId: 4099n }] }),
    tags: [
      { key: 'str', vType: TagType.STRING, vStr: `v${i}` },
      { key: 'num', vType: TagType.LONG, vLong: BigInt(i) - 2n },
      { key: 'ok', vType: TagType.BOOL, vBool: i % 2 === 0 },
    ],
  }))
}

const traceHex = (span: JaegerSpan): string => (span.traceIdHigh === 0n ? hex16(span.traceIdLow) : hex16(span.traceIdHigh) + hex16(span.traceIdLow))
const marked = (encoding: 'jaeger_thrift' | 'otlp_proto' | 'jaeger_proto') => ({ [SPAN_ENCODING_HEADER]: encodingHeaderValue(encoding) })
const text = (value: unknown): string | undefined => (value === undefined ? undefined : String(value))

test('jaeger_thrift, otlp_proto (ours and the OTel SDK) and jaeger_proto records all reach the real Jaeger; a poison otlp_proto record is dead-lettered', async () => {
  const otlpProbe = await fetch(JAEGER_OTLP_URL, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: new Uint8Array(0) })
  await otlpProbe.arrayBuffer()
  assert.equal(otlpProbe.status, 200, `the real Jaeger's OTLP/HTTP receiver listens on ${JAEGER_OTLP_URL}`)

  const topic = uniqueTopic('fwd-enc')
  const groupId = `${topic}-group`
  const dlq = `${topic}.dlq`
  await createTopics([{ topic, partitions: 1 }, { topic: dlq, partitions: 1 }])

  const thriftA = makeBatch({ spans: 3, service: 'enc-thrift' }).bytes
  const thriftB = makeBatch({ spans: 2, service: 'enc-thrift' }).bytes
  const process: JaegerProcess = { serviceName: 'enc-otlp', tags: [{ key: 'hostname', vType: TagType.STRING, vStr: 'enc-host' }] }
  const ours = traceSpans(4, nextTraceId()) // 128-bit trace
  const sdk = otelTrace() // 3 spans, 128-bit
  const protoProcess: JaegerProcess = { serviceName: 'enc-jaeger-proto', tags: [{ key: 'ip', vType: TagType.STRING, vStr: '10.0.0.7' }] }
  const protoSpans = traceSpans(3, 0n) // 64-bit trace
  const poison = randomBytes(120)

  const records: TestRecord[] = [
    { value: thriftA, key: summarizeBatch(thriftA).traceIds[0]! }, // offset 0, no header: jaeger_thrift
    { value: encodeOtlpTraces(process, ours), key: traceHex(ours[0]!), headers: marked('otlp_proto') }, // 1
    { value: encodeJaegerProtoSpan(protoProcess, protoSpans[0]!), key: traceIdKey(protoSpans[0]!), headers: marked('jaeger_proto') }, // 2
    { value: poison, key: 'poison', headers: marked('otlp_proto') }, // 3
    { value: sdk.bytes, key: sdk.traceId, headers: marked('otlp_proto') }, // 4
    { value: encodeJaegerProtoSpan(protoProcess, protoSpans[1]!), key: traceIdKey(protoSpans[1]!), headers: marked('jaeger_proto') }, // 5
    { value: thriftB, key: summarizeBatch(thriftB).traceIds[0]!, headers: marked('jaeger_thrift') }, // 6
    { value: encodeJaegerProtoSpan(protoProcess, protoSpans[2]!), key: traceIdKey(protoSpans[2]!), headers: marked('jaeger_proto') }, // 7
  ].map((r) => ({ ...r, partition: 0 }))
  await produce(topic, records)

  const forwarder = createForwarder({
    brokers: KAFKA_BROKERS,
    topic,
    groupId,
    collectorUrl: JAEGER_COLLECTOR_URL,
    otlpEndpoint: JAEGER_OTLP_URL,
    logger: captureLogger(),
    clientLogLevel: 'nothing',
  })
  let metrics
  try {
    await forwarder.start()
    const committed = await waitUntilCommittedToEnd(groupId, topic, 30_000)
    assert.deepEqual(committed, await endOffsets(topic), 'every offset committed')
    assert.equal(committed.get(0), 8n)
    metrics = forwarder.metrics()
  } finally {
    await forwarder.stop()
  }
  assert.deepEqual(metrics.spansForwardedByEncoding, { jaeger_thrift: 5, otlp_proto: 7, jaeger_proto: 3 })
  assert.equal(metrics.spansForwarded, 15)
  assert.equal(metrics.spansRejected, 0)
  assert.deepEqual(metrics.deadLettered, { 'otlp-decode': 1 })

  // Exact counts in Jaeger's query API, per trace.
  const expected: [string, number, string][] = [
    [summarizeBatch(thriftA).traceIds[0]!, 3, 'enc-thrift'],
    [summarizeBatch(thriftB).traceIds[0]!, 2, 'enc-thrift'],
    [traceHex(ours[0]!), 4, 'enc-otlp'],
    [sdk.traceId, 3, OTEL_SERVICE],
    [traceHex(protoSpans[0]!), 3, 'enc-jaeger-proto'],
  ]
  for (const [id, count] of expected) await waitForTrace(id, count)
  let total = 0
  for (const [id, count, service] of expected) {
    const trace = (await getTrace(id))!
    assert.equal(trace.spans.length, count, `trace ${id}: exactly ${count} spans`)
    assert.equal(new Set(trace.spans.map((s) => s.spanID)).size, count, `trace ${id}: no duplicate span`)
    assert.deepEqual([...new Set(Object.values(trace.processes).map((p) => p.serviceName))], [service])
    total += trace.spans.length
  }
  assert.equal(total, 15)

  // jaeger_proto spans keep their parent, tags and process through the Thrift Batch.
  const protoTrace = (await getTrace(traceHex(protoSpans[0]!)))!
  const child = protoTrace.spans.find((s) => s.operationName === 'enc-op-2')!
  assert.deepEqual(child.references.map((r) => [r.refType, r.spanID]), [['CHILD_OF', hex16(4099n)]])
  // Jaeger's query API sorts tags by key.
  const tags = child.tags.filter((t) => ['str', 'num', 'ok'].includes(t.key)).map((t) => [t.key, t.type, t.value])
  assert.deepEqual(tags.sort(), [['num', 'int64', 0], ['ok', 'bool', true], ['str', 'string', 'v2']])
  assert.ok(Object.values(protoTrace.processes)[0]!.tags.some((t) => t.key === 'ip' && t.value === '10.0.0.7'))
  assert.equal(child.duration, 1002)

  // The poison record: in the dead-letter topic with its reason, bytes unchanged.
  const letters = await readTopic(dlq, 1)
  assert.equal(letters.length, 1)
  const letter = letters[0]!
  assert.deepEqual(letter.value, Buffer.from(poison))
  assert.equal(text(letter.headers?.['x-jaeger-kafka-error']), 'otlp-decode')
  assert.equal(text(letter.headers?.['x-jaeger-kafka-original-offset']), '3')
  assert.equal(text(letter.headers?.[SPAN_ENCODING_HEADER]), 'otlp_proto', 'original headers kept')
  assert.ok(text(letter.headers?.['x-jaeger-kafka-error-message'])!.length > 0)
})
