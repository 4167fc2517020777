// SPDX-License-Identifier: Apache-2.0
// Poison records against the real Kafka and the real Jaeger: random bytes
// (our decoder rejects them), a Batch our decoder accepts but the real Jaeger
// answers 400 for, and a record marked with another encoding, among valid
// records. Poison lands in the dead-letter topic with the right headers,
// every valid record is forwarded, and the partition never stalls.
import assert from 'node:assert/strict'
import { Buffer } from 'node:buffer'
import { test } from '../support/harness.ts'
import { JAEGER_COLLECTOR_URL, KAFKA_BROKERS, uniqueTopic, waitForTrace } from '../support/peers.ts'
import { captureLogger, makeBatch, makeJaegerRejectedBatch, randomBytes } from '../support/forwarder-fakes.ts'
import { createTopics, endOffsets, produce, readTopic, spanRecords, waitUntilCommittedToEnd } from '../support/forwarder-kafka.ts'
import type { TestRecord } from '../support/forwarder-kafka.ts'
import { createForwarder } from '../../forwarder/forwarder.ts'
import { validateRecord } from '../../forwarder/record.ts'

const text = (value: unknown): string | undefined => (value === undefined ? undefined : String(value))

test('poison records go to the dead-letter topic with their headers; every valid record is forwarded without a stall', async () => {
  const topic = uniqueTopic('fwd-poison')
  const groupId = `${topic}-group`
  const dlq = `${topic}.dlq`
  await createTopics([{ topic, partitions: 1 }, { topic: dlq, partitions: 1 }])

  const valid = spanRecords(8, 3)
  const garbage = randomBytes(200)
  const rejected = makeJaegerRejectedBatch().bytes
  // Check what the real collector says about it, rather than assume.
  const direct = await fetch(JAEGER_COLLECTOR_URL, { method: 'POST', headers: { 'content-type': 'application/x-thrift' }, body: rejected as Uint8Array<ArrayBuffer> })
  assert.equal(direct.status, 400, `the real Jaeger rejects the deep-nesting batch: ${await direct.text()}`)
  const codecAccepts = validateRecord({ topic, partition: 0, offset: 0n, key: null, value: rejected, headers: {} }).ok

  const records: TestRecord[] = [
    valid.records[0]!,
    { value: garbage, key: 'garbage-key', headers: { 'x-origin': 'fuzzer' } }, // offset 1
    valid.records[1]!,
    valid.records[2]!,
    { value: rejected, key: 'rejected-key' }, // offset 4
    valid.records[3]!,
    { value: makeBatch().bytes, key: 'proto', headers: { 'jaeger-kafka-encoding': 'jaeger.proto' } }, // offset 6
    ...valid.records.slice(4),
  ].map((r) => ({ ...r, partition: 0 }))
  await produce(topic, records)

  const forwarder = createForwarder({
    brokers: KAFKA_BROKERS,
    topic,
    groupId,
    collectorUrl: JAEGER_COLLECTOR_URL,
    logger: captureLogger(),
    clientLogLevel: 'nothing',
    maxInFlightPerPartition: 1, // strict order: a stall would show at once
  })
  try {
    await forwarder.start()
    const committed = await waitUntilCommittedToEnd(groupId, topic, 30_000)
    assert.deepEqual(committed, await endOffsets(topic))
  } finally {
    await forwarder.stop()
  }

  const letters = await readTopic(dlq, 3)
  const byOffset = new Map(letters.map((m) => [text(m.headers?.['x-jaeger-kafka-original-offset']), m]))
  assert.deepEqual([...byOffset.keys()].sort(), ['1', '4', '6'])
  for (const m of letters) {
    assert.equal(text(m.headers?.['x-jaeger-kafka-original-topic']), topic)
    assert.equal(text(m.headers?.['x-jaeger-kafka-original-partition']), '0')
    assert.ok(text(m.headers?.['x-jaeger-kafka-error-message'])!.length > 0)
  }

  const g = byOffset.get('1')!
  assert.deepEqual(g.value, Buffer.from(garbage), 'the original bytes, unchanged')
  assert.equal(g.key?.toString(), 'garbage-key')
  assert.equal(text(g.headers?.['x-origin']), 'fuzzer', 'original headers are kept')
  assert.equal(text(g.headers?.['x-jaeger-kafka-error']), 'thrift-decode')
  assert.equal(text(g.headers?.['x-jaeger-kafka-attempts']), '0')
  assert.equal(g.headers?.['x-jaeger-kafka-status'], undefined, 'never POSTed, so no status')

  const r = byOffset.get('4')!
  assert.deepEqual(r.value, Buffer.from(rejected))
  assert.equal(r.key?.toString(), 'rejected-key')
  if (codecAccepts) {
    // The real Jaeger's answer decided it.
    assert.equal(text(r.headers?.['x-jaeger-kafka-error']), 'collector-rejected')
    assert.equal(text(r.headers?.['x-jaeger-kafka-status']), '400')
    assert.equal(text(r.headers?.['x-jaeger-kafka-attempts']), '1')
    assert.match(text(r.headers?.['x-jaeger-kafka-error-message'])!, /^400\b.*Depth limit/)
  } else {
    assert.equal(text(r.headers?.['x-jaeger-kafka-error']), 'thrift-decode')
  }

  const p = byOffset.get('6')!
  assert.equal(text(p.headers?.['x-jaeger-kafka-error']), 'unsupported-encoding')
  assert.equal(text(p.headers?.['jaeger-kafka-encoding']), 'jaeger.proto')

  const m = forwarder.metrics()
  assert.equal(m.recordsForwarded, valid.traceIds.length)
  assert.equal(Object.values(m.deadLettered).reduce((a, b) => a + b, 0), 3)
  for (const id of valid.traceIds) assert.equal((await waitForTrace(id, 3)).spans.length, 3)
}, { timeout: 60_000 })
