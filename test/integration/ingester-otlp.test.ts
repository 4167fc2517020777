// SPDX-License-Identifier: Apache-2.0
// OTLP records read by Jaeger v2's own Kafka ingester (the `jaeger-ingester`
// peer: collector-contrib kafkareceiver v0.140.1, `otlp_proto`, message_marking
// after/on_permanent_error), and the same bytes on the main jaeger's OTLP/HTTP
// receiver. The bytes come from the OTel SDK's own serializer, so these tests
// pin down how Jaeger shows each OTel field: the mapping our writer must match.
import assert from 'node:assert/strict'
import { Buffer } from 'node:buffer'
import { randomBytes } from 'node:crypto'
import kafkajs from 'kafkajs'
import { test } from '../support/harness.ts'
import { LINKED, OTEL_SERVICE, otelTrace } from '../support/otel-spans.ts'
import type { JaegerQuerySpan, JaegerQueryTrace } from '../support/peers.ts'
import {
  JAEGER_INGESTER_GROUP_ID,
  JAEGER_INGESTER_METRICS_URL,
  JAEGER_INGESTER_QUERY_URL,
  JAEGER_INGESTER_TOPIC,
  JAEGER_OTLP_URL,
  JAEGER_QUERY_URL,
  KAFKA_BROKERS,
  waitForTrace,
} from '../support/peers.ts'

const { Kafka, logLevel } = kafkajs
const kafka = new Kafka({ clientId: 'ingester-otlp-test', brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING })

async function produce(values: Uint8Array[]): Promise<void> {
  const producer = kafka.producer()
  await producer.connect()
  try {
    await producer.send({ topic: JAEGER_INGESTER_TOPIC, acks: -1, messages: values.map((v) => ({ value: Buffer.from(v) })) })
  } finally {
    await producer.disconnect()
  }
}

const tags = (span: JaegerQuerySpan) => Object.fromEntries(span.tags.map((t) => [t.key, [t.type, t.value]]))
const byName = (trace: JaegerQueryTrace, name: string): JaegerQuerySpan => {
  const span = trace.spans.find((s) => s.operationName === name)
  assert.ok(span, `span '${name}' in ${trace.spans.map((s) => s.operationName).join(', ')}`)
  return span
}

/** Every OTel field of the reference trace, as Jaeger's query API shows it. */
function assertJaegerShows(trace: JaegerQueryTrace, sent: ReturnType<typeof otelTrace>): void {
  assert.equal(trace.traceID, sent.traceId)
  assert.equal(trace.spans.length, 3)
  assert.notEqual(sent.traceId.slice(0, 16), '0000000000000000', '128-bit id')
  const id = (name: string) => sent.spans.find((s) => s.name === name)!.spanContext().spanId
  const root = byName(trace, 'GET /orders')
  const child = byName(trace, 'SELECT orders')
  const producer = byName(trace, 'orders publish')
  assert.deepEqual([root.spanID, child.spanID, producer.spanID], [id('GET /orders'), id('SELECT orders'), id('orders publish')])
  // Times in microseconds.
  assert.deepEqual([root.startTime, root.duration], [sent.startMs * 1000, 10_000])
  assert.deepEqual([child.startTime, child.duration], [(sent.startMs + 2) * 1000, 3_000])
  // Attributes → tags with their types (arrays as a JSON string); kind → span.kind;
  // ERROR status → error=true plus otel.status_code/description; scope → otel.scope.*.
  assert.deepEqual(tags(root), {
    'cache.hit': ['bool', false],
    error: ['bool', true],
    'http.method': ['string', 'GET'],
    'http.status_code': ['int64', 503],
    'order.ids': ['string', '["a","b"]'],
    'otel.scope.name': ['string', 'jaeger-kafka-test'],
    'otel.scope.version': ['string', '1.0.0'],
    'otel.status_code': ['string', 'ERROR'],
    'otel.status_description': ['string', 'upstream unavailable'],
    'retry.ratio': ['float64', 0.25],
    'span.kind': ['string', 'server'],
  })
  assert.deepEqual(tags(child)['span.kind'], ['string', 'client'])
  assert.deepEqual(tags(producer)['span.kind'], ['string', 'producer'])
  assert.equal(tags(child).error, undefined, 'UNSET status adds no error tag')
  // Events → logs: `event` = name first, then the attributes; timestamp in µs.
  assert.deepEqual(root.logs, [{
    timestamp: (sent.startMs + 1) * 1000,
    fields: [
      { key: 'event', type: 'string', value: 'cache miss' },
      { key: 'attempt', type: 'int64', value: 2 },
      { key: 'cache.key', type: 'string', value: 'orders:42' },
    ],
  }])
  // Parent → CHILD_OF; a link → FOLLOWS_FROM (its attributes are not shown).
  assert.deepEqual(root.references, [])
  assert.deepEqual(child.references, [
    { refType: 'CHILD_OF', traceID: sent.traceId, spanID: root.spanID },
    { refType: 'FOLLOWS_FROM', traceID: LINKED.traceId, spanID: LINKED.spanId },
  ])
  assert.deepEqual(producer.references, [{ refType: 'CHILD_OF', traceID: sent.traceId, spanID: child.spanID }])
  // Resource → process: service.name → serviceName, the other attributes → tags.
  assert.equal(new Set(trace.spans.map((s) => s.processID)).size, 1)
  const proc = trace.processes[root.processID]
  assert.ok(proc, `process ${root.processID}`)
  assert.equal(proc.serviceName, OTEL_SERVICE)
  assert.deepEqual(proc.tags, [
    { key: 'deployment.canary', type: 'bool', value: true },
    { key: 'host.name', type: 'string', value: 'ref-host' },
    { key: 'process.pid', type: 'int64', value: 4242 },
  ])
}

/** Sum of a Prometheus counter's samples for the ingester's topic (0 while absent). */
async function ingesterCounter(name: string): Promise<number> {
  const res = await fetch(JAEGER_INGESTER_METRICS_URL, { signal: AbortSignal.timeout(5000) })
  assert.equal(res.status, 200)
  let sum = 0
  for (const line of (await res.text()).split('\n')) {
    if (line.startsWith(`${name}{`) && line.includes(`topic="${JAEGER_INGESTER_TOPIC}"`)) sum += Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return sum
}

async function poll<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`${what} not reached after ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

const UNMARSHAL_FAILED = 'otelcol_kafka_receiver_unmarshal_failed_spans_total'

test('an otlp_proto record (OTel SDK serializer) shows up in Jaeger ingester\'s query API with every field mapped', async () => {
  const sent = otelTrace()
  await produce([sent.bytes])
  assertJaegerShows(await waitForTrace(sent.traceId, 3, 30_000, JAEGER_INGESTER_QUERY_URL), sent)
})

test('the ingester skips a poison record (counted, committed) and keeps reading the partition', async () => {
  const failedBefore = await ingesterCounter(UNMARSHAL_FAILED)
  const poison = randomBytes(64)
  poison[0] = 0xff // field 31, wire type 7: not protobuf
  const after = otelTrace()
  await produce([poison, after.bytes])
  assertJaegerShows(await waitForTrace(after.traceId, 3, 30_000, JAEGER_INGESTER_QUERY_URL), after)
  assert.equal(await ingesterCounter(UNMARSHAL_FAILED), failedBefore + 1, 'the receiver counts one unmarshal failure')
  // message_marking after: true commits past both records: nothing is left to re-read.
  const admin = kafka.admin()
  await admin.connect()
  try {
    const high = (await admin.fetchTopicOffsets(JAEGER_INGESTER_TOPIC)).find((p) => p.partition === 0)?.high
    assert.ok(high !== undefined, `partition 0 of ${JAEGER_INGESTER_TOPIC}`)
    await poll('ingester group committed to the end of the topic', async () => {
      const [group] = await admin.fetchOffsets({ groupId: JAEGER_INGESTER_GROUP_ID, topics: [JAEGER_INGESTER_TOPIC] })
      const committed = group?.partitions.find((p) => p.partition === 0)?.offset
      return committed !== undefined && BigInt(committed) >= BigInt(high) ? true : undefined
    })
  } finally {
    await admin.disconnect()
  }
})

test('the same OTLP bytes POSTed to the main jaeger\'s OTLP/HTTP receiver: 200 and the same trace in its query API', async () => {
  const sent = otelTrace()
  const res = await fetch(JAEGER_OTLP_URL, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: new Uint8Array(sent.bytes) })
  await res.arrayBuffer()
  assert.equal(res.status, 200)
  assertJaegerShows(await waitForTrace(sent.traceId, 3, 30_000, JAEGER_QUERY_URL), sent)
})
