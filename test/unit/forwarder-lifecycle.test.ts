// SPDX-License-Identifier: Apache-2.0
// createForwarder() against a fake kafkajs client and a fake collector:
// consumer settings, explicit commits of offset + 1, independent partitions,
// rebalances, graceful stop, crash handling and option validation.
import assert from 'node:assert/strict'
import { test } from '../support/harness.ts'
import { createForwarder } from '../../forwarder/forwarder.ts'
import type { ForwarderOptions } from '../../forwarder/options.ts'
import { captureLogger, fakeCollector, fakeKafka, makeBatch, waitFor } from '../support/forwarder-fakes.ts'
import type { FakeAnswer } from '../support/forwarder-fakes.ts'

function batchMessages(count: number, from = 0) {
  return Array.from({ length: count }, (_, i) => ({ offset: from + i, value: makeBatch({ spans: 3 }).bytes }))
}

function setup(answer: (body: Uint8Array, call: number) => FakeAnswer | Promise<FakeAnswer>, extra: Partial<ForwarderOptions> = {}) {
  const kafka = fakeKafka()
  const collector = fakeCollector(answer)
  const log = captureLogger()
  const forwarder = createForwarder({
    kafka: kafka.kafka,
    topic: 'spans',
    fetch: collector.fetch,
    logger: log,
    commitIntervalMs: 0,
    retry: { initialDelayMs: 5, maxDelayMs: 20 },
    ...extra,
  })
  const keepAlive = setTimeout(() => {}, 20_000)
  return { kafka, collector, log, forwarder, done: () => clearTimeout(keepAlive) }
}

test('start() subscribes the group with automatic commits and auto-resolve off', async () => {
  const s = setup(() => 202)
  await s.forwarder.start()
  assert.equal(s.kafka.state.consumerConfig?.groupId, 'jaeger-kafka-forwarder')
  assert.deepEqual(s.kafka.state.subscribed, ['spans'])
  assert.equal(s.kafka.state.fromBeginning, true)
  assert.equal(s.kafka.runConfig?.autoCommit, false)
  assert.equal(s.kafka.runConfig?.eachBatchAutoResolve, false)
  assert.equal(s.forwarder.health().status, 'running')
  assert.equal(s.forwarder.health().healthy, true)
  await assert.rejects(s.forwarder.start(), /already running|is running/)
  await s.forwarder.stop()
  assert.equal(s.forwarder.health().status, 'stopped')
  assert.equal(s.kafka.state.disconnected, 1)
  s.done()
})

test('records are committed explicitly as offset + 1 strings after the collector accepted them', async () => {
  const s = setup(() => 202)
  await s.forwarder.start()
  s.kafka.join({ spans: [0] })
  await s.kafka.deliver('spans', 0, batchMessages(3, 10))
  assert.equal(s.kafka.resolvedOffset('spans', 0), '12', 'kafkajs fetch position moved on')
  await waitFor(() => s.kafka.committed('spans', 0) === '13')
  for (const commit of s.kafka.commits) for (const c of commit) assert.equal(typeof c.offset, 'string')
  const m = s.forwarder.metrics()
  assert.equal(m.recordsForwarded, 3)
  assert.equal(m.spansForwarded, 9)
  assert.equal(m.partitions[0]!.committedOffset, '13')
  assert.equal(m.partitions[0]!.lag, 0)
  await s.forwarder.stop()
  s.done()
})

test('a partition stuck on 503 does not hold back the others, and is never committed past the failure', async () => {
  const stuck = new Set<Uint8Array>()
  let p0Down = true
  const s = setup((body) => (stuck.has(body) && p0Down ? 503 : 202))
  await s.forwarder.start()
  s.kafka.join({ spans: [0, 1] })
  const p0 = batchMessages(2)
  for (const m of p0) stuck.add(m.value)
  await s.kafka.deliver('spans', 0, p0)
  await s.kafka.deliver('spans', 1, batchMessages(4))
  await waitFor(() => s.kafka.committed('spans', 1) === '4', 5000, 'partition 1 committed')
  assert.equal(s.kafka.committed('spans', 0), undefined, 'partition 0 is held')
  assert.equal(s.forwarder.health().retryingPartitions, 1)
  // More records for partition 1 keep flowing while 0 retries.
  await s.kafka.deliver('spans', 1, batchMessages(2, 4))
  await waitFor(() => s.kafka.committed('spans', 1) === '6')
  assert.equal(s.kafka.committed('spans', 0), undefined)
  p0Down = false
  await waitFor(() => s.kafka.committed('spans', 0) === '2', 5000, 'partition 0 recovers')
  await s.forwarder.stop()
  s.done()
})

test('stop() stops fetching, finishes in-flight POSTs and commits exactly what was accepted', async () => {
  let release!: () => void
  const gate = new Promise<void>((r) => (release = r))
  const s = setup(async (_, call) => {
    if (call === 3) await gate // the third record is in flight when stop() begins
    return 202
  }, { maxInFlightPerPartition: 1 })
  await s.forwarder.start()
  s.kafka.join({ spans: [0] })
  await s.kafka.deliver('spans', 0, batchMessages(6))
  await waitFor(() => s.collector.requests.length === 3)
  const stopped = s.forwarder.stop()
  assert.deepEqual(s.kafka.pauses.at(-1), { op: 'pause', topic: 'spans' }, 'the whole topic is paused first')
  release()
  await stopped
  assert.equal(s.collector.requests.length, 3, 'queued records were not started')
  assert.equal(s.kafka.committed('spans', 0), '3', 'exactly the three accepted records')
  assert.ok(s.log.lines.some((l) => /Stopped; committed spans 0@3/.test(l.message)))
  await s.forwarder.stop() // idempotent
  s.done()
})

test('a revoked partition is dropped at the rebalance and not committed any more', async () => {
  const gate: { release?: () => void } = {}
  const s = setup(async (_, call) => {
    if (call === 1) await new Promise<void>((r) => (gate.release = r))
    return 202
  }, { maxInFlightPerPartition: 1 })
  await s.forwarder.start()
  s.kafka.join({ spans: [0, 1] })
  await s.kafka.deliver('spans', 0, batchMessages(2))
  await waitFor(() => gate.release !== undefined)
  s.kafka.join({ spans: [1] })
  gate.release!()
  await new Promise((r) => setTimeout(r, 50))
  assert.equal(s.kafka.committed('spans', 0), undefined, 'the new owner re-reads partition 0')
  assert.deepEqual(s.forwarder.metrics().partitions.map((p) => p.partition), [1])
  assert.ok(s.log.lines.some((l) => /Joined group jaeger-kafka-forwarder: spans partitions \[1\]/.test(l.message)))
  await s.forwarder.stop()
  s.done()
})

test('a consumer crash without restart marks the forwarder failed (healthz 503)', async () => {
  const s = setup(() => 202)
  await s.forwarder.start()
  s.kafka.crash(new Error('KafkaJSNonRetriableError: boom'), false)
  const health = s.forwarder.health()
  assert.equal(health.status, 'failed')
  assert.equal(health.healthy, false)
  assert.match(health.error ?? '', /boom/)
  const res = await s.forwarder.handler(new Request('http://x/healthz'))
  assert.equal(res.status, 503)
  assert.ok(s.log.lines.some((l) => l.level === 'error' && /will not restart/.test(l.message)))
  await s.forwarder.stop()
  s.done()
})

test('the handler serves the forwarder metrics text', async () => {
  const s = setup(() => 202)
  await s.forwarder.start()
  s.kafka.join({ spans: [0] })
  await s.kafka.deliver('spans', 0, batchMessages(1))
  await waitFor(() => s.kafka.committed('spans', 0) === '1')
  const res = await s.forwarder.handler(new Request('http://x/metrics'))
  const text = await res.text()
  assert.match(text, /^jaeger_kafka_forwarder_posts_total\{status="202"\} 1$/m)
  assert.match(text, /^jaeger_kafka_forwarder_spans_forwarded_total\{topic="spans",partition="0"\} 3$/m)
  assert.match(text, /^jaeger_kafka_forwarder_up 1$/m)
  await s.forwarder.stop()
  s.done()
})

test('createForwarder() validates its options', () => {
  const kafka = fakeKafka().kafka
  assert.throws(() => createForwarder({} as ForwarderOptions), TypeError)
  assert.throws(() => createForwarder({ kafka, brokers: ['x:1'] }), TypeError)
  assert.throws(() => createForwarder({ brokers: [] }), TypeError)
  assert.throws(() => createForwarder({ kafka, topic: 'a', deadLetterTopic: 'a' }), TypeError)
  assert.throws(() => createForwarder({ kafka, maxInFlightPerPartition: 0 }), RangeError)
  assert.throws(() => createForwarder({ kafka, permanentStatuses: [500] }), RangeError)
  assert.throws(() => createForwarder({ kafka, collectorUrl: 'nope' }), TypeError)
  assert.throws(() => createForwarder({ kafka, retry: { jitter: -1 } }), RangeError)
})

test('the forwarder never logs collector credentials', async () => {
  const s = setup(() => 401, { collectorUrl: 'http://admin:hunter22@collector:14268/api/traces', auth: undefined, headers: { 'x-tenant-key': 'tenant-secret' } })
  await s.forwarder.start()
  s.kafka.join({ spans: [0] })
  await s.kafka.deliver('spans', 0, batchMessages(1))
  await waitFor(() => s.log.lines.some((l) => /configuration error/.test(l.message)))
  await s.forwarder.stop()
  const all = s.log.lines.map((l) => l.message).join('\n')
  assert.doesNotMatch(all, /hunter22|tenant-secret/)
  assert.match(all, /http:\/\/collector:14268\/api\/traces/)
  s.done()
})

test('start() waits for a topic the broker is still auto-creating', async () => {
  const kafka = fakeKafka({ missingTopicFor: 2 })
  const forwarder = createForwarder({ kafka: kafka.kafka, topic: 'new-topic', logger: captureLogger(), fetch: fakeCollector(() => 202).fetch })
  await forwarder.start()
  assert.deepEqual(kafka.state.subscribed, ['new-topic'])
  assert.equal(forwarder.health().status, 'running')
  await forwarder.stop()
})
