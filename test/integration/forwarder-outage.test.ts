// SPDX-License-Identifier: Apache-2.0
// Collector outages against the real Kafka and the real Jaeger: the forwarder
// talks to our own proxy in front of Jaeger, which we switch to refusing
// connections, answering 503, or failing one partition's records, so the
// shared Jaeger is never disturbed.
import assert from 'node:assert/strict'
import { test } from '../support/harness.ts'
import { waitForTrace } from '../support/peers.ts'
import { startCollectorProxy } from '../support/forwarder-proxy.ts'
import { captureLogger, waitFor } from '../support/forwarder-fakes.ts'
import { committedOffsets, countByTrace, createTopics, endOffsets, produce, spanRecords, waitUntilCommittedToEnd } from '../support/forwarder-kafka.ts'
import { KAFKA_BROKERS, uniqueTopic } from '../support/peers.ts'
import { createForwarder } from '../../forwarder/forwarder.ts'
import { summarizeBatch } from '../../src/codec/thrift/jaeger-decode.ts'

const SPANS_PER_RECORD = 5

async function checkInJaeger(traceIds: string[]): Promise<void> {
  for (let i = 0; i < traceIds.length; i += 10) {
    const traces = await Promise.all(traceIds.slice(i, i + 10).map((id) => waitForTrace(id, SPANS_PER_RECORD)))
    for (const trace of traces) assert.equal(trace.spans.length, SPANS_PER_RECORD)
  }
}

test('spans produced while the collector is down (refused, then 503) all reach Jaeger once it is back, none twice', async () => {
  const topic = uniqueTopic('fwd-outage')
  const groupId = `${topic}-group`
  await createTopics([{ topic, partitions: 3 }])
  const proxy = await startCollectorProxy()
  const log = captureLogger()
  const forwarder = createForwarder({
    brokers: KAFKA_BROKERS,
    topic,
    groupId,
    collectorUrl: proxy.url,
    logger: log,
    clientLogLevel: 'nothing',
    retry: { initialDelayMs: 100, maxDelayMs: 800 },
  })
  try {
    await proxy.setMode({ kind: 'down' })
    const { records, traceIds } = spanRecords(60, SPANS_PER_RECORD, 3)
    await produce(topic, records)
    await forwarder.start()

    // Down: connections refused, every partition backs off, nothing is committed.
    await waitFor(() => (forwarder.metrics().posts.network ?? 0) >= 3 && forwarder.metrics().retries >= 3, 20_000, 'refused POSTs')
    await proxy.setMode({ kind: 'status', status: 503 })
    await waitFor(() => (forwarder.metrics().posts['503'] ?? 0) >= 3, 20_000, '503 answers')
    const during = await committedOffsets(groupId, topic)
    assert.ok([...during.values()].every((o) => o === -1n), 'nothing committed while the collector is down')
    assert.equal(forwarder.health().healthy, true, 'a collector outage does not make the forwarder unhealthy')
    assert.ok(forwarder.health().retryingPartitions >= 1)

    await proxy.setMode({ kind: 'up' })
    const committed = await waitUntilCommittedToEnd(groupId, topic, 40_000)
    assert.deepEqual(committed, await endOffsets(topic), 'committed offsets == end offsets')
    await forwarder.stop()

    // Every record accepted exactly once (Jaeger's query API hides identical
    // duplicates, so duplicates are counted at the proxy).
    const counts = countByTrace(proxy.accepted())
    assert.equal(counts.size, traceIds.length)
    for (const id of traceIds) assert.equal(counts.get(id), 1, `trace ${id} accepted once`)
    await checkInJaeger(traceIds)

    // The outage was logged per backoff step, not per request.
    const m = forwarder.metrics()
    const backoffLines = log.lines.filter((l) => /retry \d+ in/.test(l.message)).length
    assert.equal(backoffLines, m.retries)
    assert.ok(backoffLines < (m.posts.network ?? 0) + (m.posts['503'] ?? 0) + 3, 'not one line per failed request')
    assert.equal(m.spansForwarded, traceIds.length * SPANS_PER_RECORD)
  } finally {
    await forwarder.stop()
    await proxy.close()
  }
}, { timeout: 90_000 })

test('a partition whose records keep failing does not hold back the other partitions', async () => {
  const topic = uniqueTopic('fwd-independent')
  const groupId = `${topic}-group`
  await createTopics([{ topic, partitions: 3 }])
  const proxy = await startCollectorProxy()
  let blockP0 = true
  proxy.setRule((body) => (blockP0 && summarizeBatch(body).serviceName === 'forwarder-it-p0' ? 503 : undefined))
  const forwarder = createForwarder({
    brokers: KAFKA_BROKERS,
    topic,
    groupId,
    collectorUrl: proxy.url,
    logger: captureLogger(),
    clientLogLevel: 'nothing',
    retry: { initialDelayMs: 100, maxDelayMs: 500 },
  })
  try {
    const { records, traceIds } = spanRecords(45, SPANS_PER_RECORD, 3)
    await produce(topic, records)
    await forwarder.start()
    const end = await endOffsets(topic)
    // Partitions 1 and 2 drain completely while partition 0 is answered 503.
    await waitFor(async () => {
      const c = await committedOffsets(groupId, topic)
      return c.get(1) === end.get(1) && c.get(2) === end.get(2)
    }, 30_000, 'partitions 1 and 2 committed to the end')
    assert.equal((await committedOffsets(groupId, topic)).get(0), -1n, 'partition 0 is not committed past its failure')
    // More records for partition 1 still flow while partition 0 retries.
    const more = spanRecords(6, SPANS_PER_RECORD, 1, 'forwarder-it-more')
    await produce(topic, more.records.map((r) => ({ ...r, partition: 1 })))
    const endAfter = await endOffsets(topic)
    await waitFor(async () => (await committedOffsets(groupId, topic)).get(1) === endAfter.get(1), 20_000, 'new partition-1 records committed')
    assert.equal((await committedOffsets(groupId, topic)).get(0), -1n)

    blockP0 = false
    await waitUntilCommittedToEnd(groupId, topic, 30_000)
    await forwarder.stop()
    const counts = countByTrace(proxy.accepted())
    for (const id of [...traceIds, ...more.traceIds]) assert.equal(counts.get(id), 1, `trace ${id} accepted once`)
  } finally {
    await forwarder.stop()
    await proxy.close()
  }
}, { timeout: 90_000 })
