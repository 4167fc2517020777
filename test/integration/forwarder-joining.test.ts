// SPDX-License-Identifier: Apache-2.0
// Joined POSTs against the real Kafka and the real Jaeger: otlp_proto records
// (one trace each) and jaeger_proto records of two processes (one span each)
// on one partition. The forwarder joins neighbours of one encoding (and
// process) into one POST: fewer POSTs than records, seen at the HTTP client;
// the real OTLP receiver and collector accept the joined bodies, and the
// query API shows every span exactly once, under the right process, with
// every offset committed.
import assert from 'node:assert/strict'
import { test } from '../support/harness.ts'
import { JAEGER_COLLECTOR_URL, JAEGER_OTLP_URL, KAFKA_BROKERS, getTrace, uniqueTopic, waitForTrace } from '../support/peers.ts'
import { captureLogger, nextTraceId } from '../support/forwarder-fakes.ts'
import { createTopics, endOffsets, produce, waitUntilCommittedToEnd } from '../support/forwarder-kafka.ts'
import type { TestRecord } from '../support/forwarder-kafka.ts'
import { createForwarder } from '../../forwarder/forwarder.ts'
import type { FetchLike } from '../../forwarder/collector-client.ts'
import { SPAN_ENCODING_HEADER, encodingHeaderValue } from '../../src/kafka/span-record.ts'
import { encodeOtlpTraces } from '../../src/codec/otlp/otlp-encode.ts'
import { encodeJaegerProtoSpan, traceIdKey } from '../../src/codec/jaeger-proto/jaeger-proto-encode.ts'
import { SpanRefType, TagType } from '../../src/codec/thrift/jaeger-types.ts'
import type { JaegerProcess, JaegerSpan } from '../../src/codec/thrift/jaeger-types.ts'

const hex16 = (v: bigint): string => v.toString(16).padStart(16, '0')

/** `count` spans of one new 64-bit trace: a root and children CHILD_OF it. */
function traceSpans(count: number): JaegerSpan[] {
  const traceIdLow = nextTraceId()
  const now = BigInt(Date.now()) * 1000n
  return Array.from({ length: count }, (_, i) => ({
    traceIdLow,
    traceIdHigh: 0n,
    spanId: BigInt(i + 1) * 7919n,
    parentSpanId: i === 0 ? 0n : 7919n,
    operationName: `join-op-${i}`,
    flags: 1,
    startTime: now + BigInt(i * 10),
    duration: 2000n + BigInt(i),
    ...(i === 0 ? {} : { references: [{ refType: SpanRefType.CHILD_OF, traceIdLow, traceIdHigh: 0n, spanId: 7919n }] }),
    tags: [{ key: 'i', vType: TagType.LONG, vLong: BigInt(i) }],
  }))
}

const marked = (encoding: 'otlp_proto' | 'jaeger_proto') => ({ [SPAN_ENCODING_HEADER]: encodingHeaderValue(encoding) })

test('otlp_proto records and jaeger_proto records of one process are joined into fewer POSTs; the real Jaeger stores every span once', async () => {
  const topic = uniqueTopic('fwd-join')
  const groupId = `${topic}-group`
  await createTopics([{ topic, partitions: 1 }, { topic: `${topic}.dlq`, partitions: 1 }])

  const otlpProcess: JaegerProcess = { serviceName: 'join-otlp', tags: [{ key: 'hostname', vType: TagType.STRING, vStr: 'join-host' }] }
  const protoA: JaegerProcess = { serviceName: 'join-proto-a', tags: [{ key: 'ip', vType: TagType.STRING, vStr: '10.0.0.1' }] }
  const protoB: JaegerProcess = { serviceName: 'join-proto-b', tags: [{ key: 'ip', vType: TagType.STRING, vStr: '10.0.0.2' }] }
  const otlpTraces = Array.from({ length: 20 }, () => traceSpans(3))
  const protoTracesA = Array.from({ length: 10 }, () => traceSpans(3))
  const protoTraceB = traceSpans(5)
  const otlpTail = Array.from({ length: 5 }, () => traceSpans(2))

  const records: TestRecord[] = [
    ...otlpTraces.map((spans) => ({ value: encodeOtlpTraces(otlpProcess, spans), key: hex16(spans[0]!.traceIdLow), headers: marked('otlp_proto') })),
    ...protoTracesA.flat().map((span) => ({ value: encodeJaegerProtoSpan(protoA, span), key: traceIdKey(span), headers: marked('jaeger_proto') })),
    ...protoTraceB.map((span) => ({ value: encodeJaegerProtoSpan(protoB, span), key: traceIdKey(span), headers: marked('jaeger_proto') })),
    ...otlpTail.map((spans) => ({ value: encodeOtlpTraces(otlpProcess, spans), key: hex16(spans[0]!.traceIdLow), headers: marked('otlp_proto') })),
  ].map((r) => ({ ...r, partition: 0 }))
  await produce(topic, records)

  // Every POST, as the HTTP client sees it.
  const posts: { url: string; bytes: number; status: number }[] = []
  const counting: FetchLike = async (url, init) => {
    const res = await fetch(url, init)
    if (init.method === 'POST') posts.push({ url, bytes: (init.body as Uint8Array).length, status: res.status })
    return res
  }
  const forwarder = createForwarder({
    brokers: KAFKA_BROKERS,
    topic,
    groupId,
    collectorUrl: JAEGER_COLLECTOR_URL,
    otlpEndpoint: JAEGER_OTLP_URL,
    fetch: counting,
    logger: captureLogger(),
    clientLogLevel: 'nothing',
  })
  let metrics
  try {
    await forwarder.start()
    const committed = await waitUntilCommittedToEnd(groupId, topic, 30_000)
    assert.deepEqual(committed, await endOffsets(topic), 'every offset committed')
    assert.equal(committed.get(0), BigInt(records.length))
    metrics = forwarder.metrics()
  } finally {
    await forwarder.stop()
  }
  const otlpRecords = otlpTraces.length + otlpTail.length
  const protoRecords = protoTracesA.length * 3 + protoTraceB.length
  assert.equal(metrics.recordsForwarded, records.length, 'each record accepted once')
  assert.deepEqual(metrics.spansForwardedByEncoding, { otlp_proto: 20 * 3 + 5 * 2, jaeger_proto: protoRecords })
  assert.deepEqual(metrics.deadLettered, {})
  assert.ok(posts.every((p) => p.status >= 200 && p.status < 300), `every POST accepted: ${posts.map((p) => p.status).join(',')}`)
  const otlpPosts = posts.filter((p) => p.url === JAEGER_OTLP_URL).length
  const protoPosts = posts.filter((p) => p.url === JAEGER_COLLECTOR_URL).length
  assert.deepEqual(metrics.postsByEncoding, { otlp_proto: otlpPosts, jaeger_proto: protoPosts })
  // Two processes need at least two Batches; one fetch usually brings all records, so 2 and 2.
  assert.ok(protoPosts >= 2 && protoPosts < protoRecords, `${protoPosts} POSTs for ${protoRecords} jaeger_proto records`)
  assert.ok(otlpPosts >= 2 && otlpPosts < otlpRecords, `${otlpPosts} POSTs for ${otlpRecords} otlp_proto records`)
  console.log(`joined: ${otlpRecords} otlp_proto records in ${otlpPosts} POSTs, ${protoRecords} jaeger_proto records in ${protoPosts} POSTs`)

  // Exact counts in the query API, per trace, with the right process.
  const expected: [string, number, string][] = [
    ...otlpTraces.map((s): [string, number, string] => [hex16(s[0]!.traceIdLow), 3, 'join-otlp']),
    ...otlpTail.map((s): [string, number, string] => [hex16(s[0]!.traceIdLow), 2, 'join-otlp']),
    ...protoTracesA.map((s): [string, number, string] => [hex16(s[0]!.traceIdLow), 3, 'join-proto-a']),
    [hex16(protoTraceB[0]!.traceIdLow), 5, 'join-proto-b'],
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
  assert.equal(total, 20 * 3 + 5 * 2 + protoRecords)
  const b = (await getTrace(hex16(protoTraceB[0]!.traceIdLow)))!
  assert.ok(Object.values(b.processes)[0]!.tags.some((t) => t.key === 'ip' && t.value === '10.0.0.2'), 'process B keeps its own tags')
  const child = b.spans.find((s) => s.operationName === 'join-op-4')!
  assert.deepEqual(child.references.map((r) => [r.refType, r.spanID]), [['CHILD_OF', hex16(7919n)]])
})
