// SPDX-License-Identifier: Apache-2.0
// createForwarder() against a fake kafkajs client and a fake collector:
// consumer settings, explicit commits of offset + 1, independent partitions,
// rebalances, graceful stop (also while connecting or joining), crash
// handling and option validation.
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
  // The revoke aborted the partition's POST in flight and dropped its pipeline: nothing can commit it any more.
  await waitFor(() => s.forwarder.metrics().posts.aborted === 1, 5000, 'the revoked partition\'s POST aborted')
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
  assert.match(text, /^jaeger_kafka_forwarder_spans_forwarded_total\{topic="spans",partition="0",encoding="jaeger_thrift"\} 3$/m)
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

test('the consumer gets the group timing options: session 10 s, heartbeat 3 s, rebalance 60 s by default', async () => {
  const s = setup(() => 202)
  await s.forwarder.start()
  assert.equal(s.kafka.state.consumerConfig?.sessionTimeout, 10_000)
  assert.equal(s.kafka.state.consumerConfig?.heartbeatInterval, 3_000)
  assert.equal(s.kafka.state.consumerConfig?.rebalanceTimeout, 60_000)
  await s.forwarder.stop()
  const t = setup(() => 202, { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 1_000, rebalanceTimeoutMs: 20_000 })
  await t.forwarder.start()
  assert.equal(t.kafka.state.consumerConfig?.sessionTimeout, 6_000)
  assert.equal(t.kafka.state.consumerConfig?.heartbeatInterval, 1_000)
  assert.equal(t.kafka.state.consumerConfig?.rebalanceTimeout, 20_000)
  await t.forwarder.stop()
  const u = setup(() => 202, { sessionTimeoutMs: 6_000 })
  await u.forwarder.start()
  assert.equal(u.kafka.state.consumerConfig?.heartbeatInterval, 2_000, 'a third of a session shorter than 9 s')
  await u.forwarder.stop()
  u.done()
  const kafka = fakeKafka().kafka
  assert.throws(() => createForwarder({ kafka, sessionTimeoutMs: 6_000, heartbeatIntervalMs: 6_000 }), /heartbeatIntervalMs 6000: must be lower than sessionTimeoutMs 6000/)
  assert.throws(() => createForwarder({ kafka, sessionTimeoutMs: 0 }), RangeError)
  s.done()
  t.done()
})

for (const phase of ['producer.connect', 'consumer.connect', 'subscribe', 'run'] as const) {
  test(`stop() during start() (${phase === 'run' ? 'joining the group' : phase} never finishes) ends start() and stop() at once, disconnected`, async () => {
    const kafka = fakeKafka({ hang: [phase] })
    const log = captureLogger()
    const forwarder = createForwarder({ kafka: kafka.kafka, topic: 'spans', logger: log, fetch: fakeCollector(() => 202).fetch })
    const started = forwarder.start()
    await waitFor(() => kafka.entered(phase), 5000, `${phase} called`)
    assert.equal(forwarder.health().status, 'starting')
    await forwarder.stop()
    await started // resolves: the stop was asked for, it is no start failure
    assert.equal(forwarder.health().status, 'stopped')
    assert.equal(kafka.state.disconnected, 1, 'consumer disconnected (leaves the group)')
    assert.equal(kafka.state.producerDisconnected, 1, 'producer disconnected')
    assert.equal(kafka.commits.length, 0, 'nothing to commit before the join')
    assert.ok(!log.lines.some((l) => l.level === 'error'), 'a stop is not an error')
    // kafkajs must not restart a consumer whose join the stop cut short.
    const retry = kafka.state.consumerConfig?.retry as { restartOnFailure: (e: Error) => Promise<boolean> }
    assert.equal(await retry.restartOnFailure(new Error('KafkaJSConnectionClosedError')), false)
    if (phase === 'subscribe') return // no connection of its own
    // A connect or join that still succeeds after the stop is disconnected again.
    const before = phase === 'producer.connect' ? kafka.state.producerDisconnected : kafka.state.disconnected
    kafka.release(phase)
    await waitFor(() => (phase === 'producer.connect' ? kafka.state.producerDisconnected : kafka.state.disconnected) === before + 1, 5000, 'late connect disconnected')
  })
}

test('stop() gives up on a disconnect that hangs after closeTimeoutMs, and says so', async () => {
  const kafka = fakeKafka({ hang: ['consumer.disconnect'] })
  const log = captureLogger()
  const forwarder = createForwarder({ kafka: kafka.kafka, topic: 'spans', logger: log, fetch: fakeCollector(() => 202).fetch, closeTimeoutMs: 50, commitIntervalMs: 0 })
  const keepAlive = setTimeout(() => {}, 20_000) // the stop's own timer is unref'd, like in a real process with sockets
  await forwarder.start()
  kafka.join({ spans: [0] })
  await kafka.deliver('spans', 0, batchMessages(2))
  await waitFor(() => kafka.committed('spans', 0) === '2')
  await forwarder.stop()
  assert.equal(forwarder.health().status, 'stopped')
  assert.ok(log.lines.some((l) => l.level === 'warn' && /Gave up disconnecting the consumer after 50 ms; .*session timeout \(10000 ms\)/.test(l.message)), JSON.stringify(log.lines))
  kafka.release('consumer.disconnect')
  clearTimeout(keepAlive)
})

test('a user restartOnFailure is still asked while the forwarder runs', async () => {
  const asked: string[] = []
  const s = setup(() => 202, { consumerConfig: { retry: { retries: 2, restartOnFailure: async (e: Error) => (asked.push(e.message), false) } } })
  await s.forwarder.start()
  const retry = s.kafka.state.consumerConfig?.retry as { retries: number; restartOnFailure: (e: Error) => Promise<boolean> }
  assert.equal(retry.retries, 2)
  assert.equal(await retry.restartOnFailure(new Error('boom')), false)
  assert.deepEqual(asked, ['boom'])
  await s.forwarder.stop()
  assert.equal(await retry.restartOnFailure(new Error('after')), false)
  assert.deepEqual(asked, ['boom'], 'not asked after the stop')
  s.done()
})
