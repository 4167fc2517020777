// SPDX-License-Identifier: Apache-2.0
// Graceful stop and the observability endpoints against the real Kafka and
// the real Jaeger (through our own slow proxy, so a stop lands mid-drain).
import assert from 'node:assert/strict'
import { test } from '../support/harness.ts'
import { JAEGER_COLLECTOR_URL, KAFKA_BROKERS, uniqueTopic, waitForTrace } from '../support/peers.ts'
import { startCollectorProxy } from '../support/forwarder-proxy.ts'
import { captureLogger, waitFor } from '../support/forwarder-fakes.ts'
import { committedOffsets, countByTrace, createTopics, endOffsets, produce, spanRecords, waitUntilCommittedToEnd } from '../support/forwarder-kafka.ts'
import { createForwarder } from '../../forwarder/forwarder.ts'
import { serveForwarderHttp } from '../../forwarder/metrics-server.node.ts'

test('stop() mid-drain commits exactly the records the collector accepted, and a restart goes on from there', async () => {
  const topic = uniqueTopic('fwd-stop')
  const groupId = `${topic}-group`
  await createTopics([{ topic, partitions: 1 }])
  const proxy = await startCollectorProxy()
  proxy.setDelay(30)
  const { records, traceIds } = spanRecords(120, 2)
  await produce(topic, records)
  const options = { brokers: KAFKA_BROKERS, topic, groupId, collectorUrl: proxy.url, logger: captureLogger(), clientLogLevel: 'nothing' as const, maxInFlightPerPartition: 2 }

  const first = createForwarder(options)
  await first.start()
  await waitFor(() => proxy.accepted().length >= 20, 30_000, '20 records forwarded')
  await first.stop()
  assert.equal(first.health().status, 'stopped')
  const accepted = countByTrace(proxy.accepted())
  const committed = (await committedOffsets(groupId, topic)).get(0)!
  assert.ok(accepted.size < traceIds.length, 'stopped before the end')
  assert.equal(committed, BigInt(accepted.size), 'committed offset == records accepted')
  assert.deepEqual([...accepted.keys()].sort(), traceIds.slice(0, accepted.size).sort(), 'the accepted records are exactly the first ones')
  assert.equal(proxy.pending(), 0, 'no POST left in flight after stop()')

  const second = createForwarder(options)
  await second.start()
  await waitUntilCommittedToEnd(groupId, topic, 30_000)
  await second.stop()
  const all = countByTrace(proxy.accepted())
  for (const id of traceIds) assert.equal(all.get(id), 1, `trace ${id} forwarded exactly once across the stop`)
  await proxy.close()
}, { timeout: 60_000 })

test('/metrics and /healthz are served over HTTP with offsets, lag and POST counts', async () => {
  const topic = uniqueTopic('fwd-metrics')
  const groupId = `${topic}-group`
  await createTopics([{ topic, partitions: 2 }])
  const { records, traceIds } = spanRecords(10, 3, 2)
  await produce(topic, records)
  const proxy = await startCollectorProxy()
  await proxy.setMode({ kind: 'status', status: 503 })
  const forwarder = createForwarder({
    brokers: KAFKA_BROKERS,
    topic,
    groupId,
    collectorUrl: proxy.url,
    logger: captureLogger(),
    clientLogLevel: 'nothing',
    watermarkRefreshMs: 0,
    retry: { initialDelayMs: 100, maxDelayMs: 300 },
  })
  const server = await serveForwarderHttp(forwarder.handler)
  const scrape = async (): Promise<string> => {
    const res = await fetch(`${server.url}/metrics`)
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/)
    return res.text()
  }
  const sample = (text: string, name: string, partition: number): number | undefined => {
    const m = new RegExp(`^jaeger_kafka_forwarder_${name}\\{topic="${topic}",partition="${partition}"\\} (\\d+)$`, 'm').exec(text)
    return m ? Number(m[1]) : undefined
  }
  try {
    const before = await fetch(`${server.url}/healthz`)
    assert.equal(before.status, 503, 'not healthy before start()')
    await before.arrayBuffer()

    await forwarder.start()
    const end = await endOffsets(topic)
    // The collector answers 503: everything produced is lag.
    await waitFor(async () => {
      const text = await scrape()
      return [0, 1].every((p) => sample(text, 'lag_records', p) === Number(end.get(p)))
    }, 20_000, 'lag == records produced')
    const during = await scrape()
    assert.match(during, /^jaeger_kafka_forwarder_posts_total\{status="503"\} \d+$/m)
    assert.match(during, /^jaeger_kafka_forwarder_retries_total\{cause="503"\} \d+$/m)
    const health = await fetch(`${server.url}/healthz`)
    assert.equal(health.status, 200, 'a collector outage is not a forwarder failure')
    const body = (await health.json()) as { status: string; partitions: number; retryingPartitions: number }
    assert.equal(body.status, 'running')
    assert.equal(body.partitions, 2)
    assert.ok(body.retryingPartitions >= 1)

    await proxy.setMode({ kind: 'up' })
    await waitUntilCommittedToEnd(groupId, topic, 30_000)
    await waitFor(async () => {
      const text = await scrape()
      return [0, 1].every((p) => sample(text, 'lag_records', p) === 0 && sample(text, 'committed_offset', p) === Number(end.get(p)))
    }, 10_000, 'lag back to 0')
    const after = await scrape()
    for (const p of [0, 1]) assert.equal(sample(after, 'high_watermark', p), Number(end.get(p)))
    assert.match(after, /^jaeger_kafka_forwarder_posts_total\{status="202"\} 10$/m)
    assert.match(after, /^jaeger_kafka_forwarder_spans_forwarded_total\{topic="[^"]+",partition="0",encoding="jaeger_thrift"\} 15$/m)
    assert.match(after, /^jaeger_kafka_forwarder_up 1$/m)
    for (const id of traceIds) await waitForTrace(id, 3)
  } finally {
    await forwarder.stop()
    await server.close()
    await proxy.close()
  }
  const stopped = forwarder.metrics()
  assert.equal(stopped.spansForwarded, 30)
}, { timeout: 60_000 })

test('start() on a topic that does not exist yet forwards what is produced to it later', async () => {
  const topic = uniqueTopic('fwd-late-topic') // never created: the broker auto-creates it
  const groupId = `${topic}-group`
  const forwarder = createForwarder({ brokers: KAFKA_BROKERS, topic, groupId, collectorUrl: JAEGER_COLLECTOR_URL, logger: captureLogger(), clientLogLevel: 'nothing' })
  try {
    await forwarder.start()
    const { records, traceIds } = spanRecords(5, 2)
    await produce(topic, records)
    await waitUntilCommittedToEnd(groupId, topic, 30_000)
    assert.equal(forwarder.metrics().recordsForwarded, 5)
    for (const id of traceIds) await waitForTrace(id, 2)
  } finally {
    await forwarder.stop()
  }
}, { timeout: 60_000 })
