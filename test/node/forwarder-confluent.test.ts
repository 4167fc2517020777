// SPDX-License-Identifier: Apache-2.0
// Node only: the forwarder consuming with @confluentinc/kafka-javascript
// (`client: 'confluent'`) against the real Kafka and Jaeger, through our
// proxy in front of Jaeger, switched to refusing connections and then 503
// (the shared Jaeger is never disturbed). Same rules as with kafkajs: nothing
// committed while the collector is down, every record accepted exactly once
// afterwards, undecodable records dead-lettered and counted exactly.
import assert from 'node:assert/strict'
import { test } from '../support/harness.ts'
import { waitForTrace } from '../support/peers.ts'
import { startCollectorProxy } from '../support/forwarder-proxy.ts'
import { captureLogger, waitFor } from '../support/forwarder-fakes.ts'
import { committedOffsets, countByTrace, createTopics, endOffsets, produce, readTopic, spanRecords, waitUntilCommittedToEnd } from '../support/forwarder-kafka.ts'
import { KAFKA_BROKERS, uniqueTopic } from '../support/peers.ts'
import { createForwarder } from '../../forwarder/forwarder.ts'
import { DEAD_LETTER_HEADERS } from '../../forwarder/dead-letter.ts'
import { createConfluentProducer } from '../../src/kafka/confluent.ts'
import { ensureSecureKafka, secureKafkaCa } from '../support/secure-kafka.ts'

const SPANS_PER_RECORD = 5

test("client 'confluent': a collector outage (refused, then 503) loses nothing, commits nothing early; poison records dead-lettered, exact counts", async () => {
  const topic = uniqueTopic('fwd-confluent-outage')
  const dlq = `${topic}-dlq`
  const groupId = `${topic}-group`
  await createTopics([{ topic, partitions: 3 }, { topic: dlq, partitions: 1 }])
  const proxy = await startCollectorProxy()
  const log = captureLogger()
  const forwarder = createForwarder({
    brokers: KAFKA_BROKERS,
    client: 'confluent',
    topic,
    groupId,
    deadLetterTopic: dlq,
    collectorUrl: proxy.url,
    logger: log,
    clientLogLevel: 'nothing',
    retry: { initialDelayMs: 100, maxDelayMs: 800 },
  })
  try {
    await proxy.setMode({ kind: 'down' })
    const { records, traceIds } = spanRecords(60, SPANS_PER_RECORD, 3)
    const poison = [0, 1].map((partition) => ({ partition, value: new TextEncoder().encode(`not a thrift batch ${partition}`) }))
    await produce(topic, [...records, ...poison])
    await forwarder.start()

    await waitFor(() => (forwarder.metrics().posts.network ?? 0) >= 3 && forwarder.metrics().retries >= 3, 30_000, 'refused POSTs')
    await proxy.setMode({ kind: 'status', status: 503 })
    await waitFor(() => (forwarder.metrics().posts['503'] ?? 0) >= 3, 20_000, '503 answers')
    const during = await committedOffsets(groupId, topic)
    const end = await endOffsets(topic)
    // A partition may commit only up to its poison record (dead-lettered before any POST); never past a good record.
    for (const [partition, offset] of during) assert.ok(offset < (end.get(partition) ?? 0n), `partition ${partition} not committed to the end while the collector is down`)
    assert.equal(forwarder.health().healthy, true)

    await proxy.setMode({ kind: 'up' })
    const committed = await waitUntilCommittedToEnd(groupId, topic, 60_000)
    assert.deepEqual(committed, await endOffsets(topic), 'committed offsets == end offsets')
    await forwarder.stop()

    // The rebalance bridge told the forwarder its partitions (GROUP_JOIN from librdkafka's rebalance_cb).
    assert.ok(log.lines.some((l) => l.message.includes(`Joined group ${groupId}: ${topic} partitions [0, 1, 2]`)), 'joined with all three partitions')
    const counts = countByTrace(proxy.accepted())
    assert.equal(counts.size, traceIds.length)
    for (const id of traceIds) assert.equal(counts.get(id), 1, `trace ${id} accepted once`)
    for (const id of traceIds.slice(0, 5)) assert.equal((await waitForTrace(id, SPANS_PER_RECORD)).spans.length, SPANS_PER_RECORD)
    const m = forwarder.metrics()
    assert.equal(m.spansForwarded, traceIds.length * SPANS_PER_RECORD)
    assert.deepEqual(m.deadLettered, { 'thrift-decode': 2 })
    const dead = await readTopic(dlq, 2)
    assert.equal(dead.length, 2)
    assert.deepEqual(dead.map((d) => String(d.headers?.[DEAD_LETTER_HEADERS.error])), ['thrift-decode', 'thrift-decode'])
    assert.deepEqual(dead.map((d) => String(d.value)).sort(), ['not a thrift batch 0', 'not a thrift batch 1'])
  } finally {
    await forwarder.stop()
    await proxy.close()
  }
}, { timeout: 120_000 })

test("client 'confluent' over SASL_SSL with SCRAM-SHA-512: the forwarder drains the secure broker, every record accepted once", async () => {
  const credentials = ensureSecureKafka()
  const scram = credentials.users.scram
  const ca = secureKafkaCa(credentials)
  const topic = uniqueTopic('fwd-confluent-scram')
  const sasl = { mechanism: 'scram-sha-512' as const, username: scram.username, password: scram.password }
  const { records, traceIds } = spanRecords(30, SPANS_PER_RECORD, 1)
  // Produce through the adapter under test, over the same SASL_SSL listener.
  const producer = createConfluentProducer({ brokers: credentials.saslSslBrokers, ssl: { ca }, sasl })
  await producer.send({ topic, messages: records.map((r) => ({ value: r.value, headers: {} })) })
  await producer.disconnect()
  const proxy = await startCollectorProxy()
  const forwarder = createForwarder({
    brokers: credentials.saslSslBrokers, client: 'confluent', ssl: { ca }, sasl,
    topic, groupId: `${topic}-group`, collectorUrl: proxy.url, logger: captureLogger(), clientLogLevel: 'nothing',
  })
  try {
    await forwarder.start()
    const committedToEnd = () => {
      const parts = forwarder.metrics().partitions
      return parts.length === 1 && parts[0]!.committedOffset === String(traceIds.length)
    }
    await waitFor(committedToEnd, 60_000, 'every record committed')
    assert.equal(forwarder.metrics().spansForwarded, traceIds.length * SPANS_PER_RECORD)
    await forwarder.stop()
    const counts = countByTrace(proxy.accepted())
    assert.equal(counts.size, traceIds.length)
    for (const id of traceIds) assert.equal(counts.get(id), 1, `trace ${id} accepted once`)
  } finally {
    await forwarder.stop()
    await proxy.close()
  }
}, { timeout: 120_000 })
