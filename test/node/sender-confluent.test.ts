// SPDX-License-Identifier: Apache-2.0
// Node only: the drop-in initTracer() with `client: 'confluent'`
// (@confluentinc/kafka-javascript) against the real broker. Records are read
// back with the Confluent consumer (lz4/snappy) and decoded by the other
// side's code: thriftrw (jaeger-client's IDL) for Thrift, Jaeger's own
// translator (refdecode) and our decoder for otlp_proto. Exact counts.
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { test } from '../support/harness.ts'
import { KAFKA_BROKERS, uniqueTopic } from '../support/peers.ts'
import { createTopic } from '../support/span-topic.ts'
import { confluentRecordsOn } from '../support/confluent-topic.ts'
import type { RawRecord } from '../support/confluent-topic.ts'
import { loadJaegerThrift, thriftrwDecode } from '../support/thriftrw.ts'
import { assertSpansAsRecorded, hex, recordSpans } from '../support/thrift-compare.ts'
import { refdecode } from '../support/refdecode.ts'
import { ensureSecureKafka, secureKafkaCa } from '../support/secure-kafka.ts'
import { decodeRecordView } from '../../cli/record-view.ts'
import { SPAN_ENCODING_HEADER, SPAN_ENCODING_THRIFT_BATCH, encodingFromHeader } from '../../src/kafka/span-record.ts'
import { getKafkaSender, initTracer, initTracerFromEnv } from '../../senders/init-tracer.ts'
import type { JaegerTracer } from '../../senders/init-tracer.ts'

const require = createRequire(import.meta.url)
const ThriftUtils = (require('jaeger-client/dist/src/thrift.js') as { default: { spanToThrift(span: unknown): Record<string, unknown> } }).default
const thrift = loadJaegerThrift()

const closeTracer = (tracer: JaegerTracer): Promise<void> => new Promise((resolve) => tracer.close(() => resolve()))
const thriftSpans = (r: RawRecord) => (thriftrwDecode(thrift.Batch, r.value) as { spans: Record<string, unknown>[] }).spans

/** Run `fn` with `vars` set in process.env, restoring the previous values after. */
function withEnv<T>(vars: Record<string, string>, fn: () => T): T {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]))
  Object.assign(process.env, vars)
  try {
    return fn()
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
}

for (const compression of ['lz4', 'snappy', 'gzip'] as const) {
  test(`drop-in initTracer() with client 'confluent' (${compression}): exactly N spans, thriftrw reads every field as recorded`, async () => {
    const topic = uniqueTopic(`sender-confluent-${compression}`)
    await createTopic(topic)
    const tracer = initTracer({ serviceName: 'confluent-app', sampler: { type: 'const', param: 1 }, reporter: { flushIntervalMs: 200, kafka: { brokers: KAFKA_BROKERS, topic, client: 'confluent', compression } } })
    const sender = getKafkaSender(tracer)!
    const N = 1200
    const recorded = recordSpans(tracer, N)
    await closeTracer(tracer)
    assert.equal(sender.stats().spansDelivered, N)

    const records = await confluentRecordsOn(topic, N, (r) => thriftSpans(r).length)
    const spans = records.flatMap(thriftSpans)
    assertSpansAsRecorded(spans, recorded)
    assert.ok(records.every((r) => String(r.headers?.[SPAN_ENCODING_HEADER]) === SPAN_ENCODING_THRIFT_BATCH))
  }, { timeout: 120_000 })
}

test("initTracerFromEnv() with JAEGER_KAFKA_CLIENT=confluent and otlp_proto: Jaeger's translator and our decoder read every span, exact count", async () => {
  const topic = uniqueTopic('sender-confluent-otlp')
  await createTopic(topic)
  const vars = { JAEGER_SERVICE_NAME: 'confluent-otlp', JAEGER_SAMPLER_TYPE: 'const', JAEGER_SAMPLER_PARAM: '1', JAEGER_KAFKA_BROKERS: KAFKA_BROKERS.join(','), JAEGER_KAFKA_TOPIC: topic, JAEGER_KAFKA_CLIENT: 'confluent', JAEGER_KAFKA_ENCODING: 'otlp_proto', JAEGER_KAFKA_COMPRESSION: 'lz4' }
  const tracer = withEnv(vars, () => initTracerFromEnv({}, {}))
  const N = 600
  const recorded = recordSpans(tracer, N)
  await closeTracer(tracer)

  const encodingOf = (r: RawRecord) => encodingFromHeader(String(r.headers?.[SPAN_ENCODING_HEADER]))
  const records = await confluentRecordsOn(topic, N, (r) => decodeRecordView(r.value, encodingOf(r)!).spans.length)
  assert.ok(records.every((r) => encodingOf(r) === 'otlp_proto'))
  const ours = records.flatMap((r) => decodeRecordView(r.value, 'otlp_proto').spans.map((s) => s.spanId.toString(16)))
  assert.equal(ours.length, N)
  const reference = new Set<string>()
  let referenceCount = 0
  for (const result of refdecode(records.map((r) => ({ encoding: 'otlp_proto' as const, bytes: r.value })))) {
    assert.equal(result.error, undefined, String(result.error))
    for (const batch of result.jaeger as { process: { serviceName: string }; spans: { spanId: string }[] }[]) {
      assert.equal(batch.process.serviceName, 'confluent-otlp')
      for (const span of batch.spans) {
        reference.add(BigInt(`0x${span.spanId}`).toString(16))
        referenceCount++
      }
    }
  }
  assert.equal(referenceCount, N)
  const expectedIds = recorded.map((span) => hex(ThriftUtils.spanToThrift(span).spanId)).map((h) => BigInt(`0x${h}`).toString(16))
  assert.deepEqual([...reference].sort(), [...expectedIds].sort())
  assert.deepEqual([...new Set(ours)].sort(), [...expectedIds].sort())
}, { timeout: 120_000 })

test('client confluent over SASL_SSL with SCRAM-SHA-512 from JAEGER_KAFKA_* variables: every span on the secure broker', async () => {
  const credentials = ensureSecureKafka()
  const scram = credentials.users.scram
  const topic = uniqueTopic('sender-confluent-scram')
  const vars = {
    JAEGER_SERVICE_NAME: 'confluent-scram', JAEGER_SAMPLER_TYPE: 'const', JAEGER_SAMPLER_PARAM: '1',
    JAEGER_KAFKA_BROKERS: credentials.saslSslBrokers.join(','), JAEGER_KAFKA_TOPIC: topic, JAEGER_KAFKA_CLIENT: 'confluent',
    JAEGER_KAFKA_SSL_CA_FILE: credentials.caFile, JAEGER_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512', JAEGER_KAFKA_SASL_USERNAME: scram.username, JAEGER_KAFKA_SASL_PASSWORD: scram.password,
  }
  const tracer = withEnv(vars, () => initTracerFromEnv({}, {}))
  const sender = getKafkaSender(tracer)!
  const N = 300
  recordSpans(tracer, N)
  await closeTracer(tracer)
  assert.equal(sender.stats().spansDelivered, N)

  const records = await confluentRecordsOn(topic, N, (r) => thriftSpans(r).length, {
    connection: { brokers: credentials.saslSslBrokers, ssl: true, sasl: { mechanism: 'scram-sha-512', username: scram.username, password: scram.password } },
    extra: { 'ssl.ca.pem': secureKafkaCa(credentials) },
  })
  const ids = records.flatMap((r) => thriftSpans(r).map((s) => hex(s.spanId)))
  assert.equal(ids.length, N)
  assert.equal(new Set(ids).size, N)
}, { timeout: 120_000 })
