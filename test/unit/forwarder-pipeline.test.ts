// SPDX-License-Identifier: Apache-2.0
// One partition's forwarding pipeline with a fake collector and a fake
// dead-letter producer: ordering, contiguous commits, retries, dead letters,
// backpressure and draining.
import assert from 'node:assert/strict'
import { test } from '../support/harness.ts'
import { resolveForwarderRetry } from '../../forwarder/retry-policy.ts'
import type { ForwarderRetryOptions } from '../../forwarder/retry-policy.ts'
import { createCollectorClient } from '../../forwarder/collector-client.ts'
import type { DeadLetterMessage } from '../../forwarder/dead-letter.ts'
import { safeLogger } from '../../forwarder/logger.ts'
import { createForwarderMetrics } from '../../forwarder/metrics.ts'
import { createPartitionPipeline } from '../../forwarder/partition-pipeline.ts'
import type { SpanRecord } from '../../forwarder/record.ts'
import { captureLogger, fakeCollector, makeBatch, randomBytes, waitFor } from '../support/forwarder-fakes.ts'
import type { FakeAnswer } from '../support/forwarder-fakes.ts'

function deferred<T = void>() {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => (resolve = r))
  return { promise, resolve }
}

function records(count: number, from = 0): SpanRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    topic: 'spans',
    partition: 0,
    offset: BigInt(from + i),
    key: null,
    value: makeBatch({ spans: 2 }).bytes,
    headers: {},
  }))
}

function setup(options: {
  answer: (body: Uint8Array, call: number) => FakeAnswer | Promise<FakeAnswer>
  maxInFlight?: number
  maxPending?: number
  dlqFailures?: number
  retry?: ForwarderRetryOptions
}) {
  const collector = fakeCollector(options.answer)
  const client = createCollectorClient({ fetch: collector.fetch, timeoutMs: 60_000 })
  const log = captureLogger()
  const metrics = createForwarderMetrics()
  const dlq: DeadLetterMessage[] = []
  const committableAtDlqCall: (bigint | undefined)[] = []
  const flow: string[] = []
  let dlqFailures = options.dlqFailures ?? 0
  const pipeline = createPartitionPipeline({
    topic: 'spans',
    partition: 0,
    maxInFlight: options.maxInFlight ?? 1,
    maxPending: options.maxPending ?? 1000,
    retry: resolveForwarderRetry({ initialDelayMs: 5, maxDelayMs: 20, configErrorDelayMs: 5, ...options.retry }),
    post: (body, signal) => client.post(body, signal),
    deadLetter: async (message) => {
      committableAtDlqCall.push(pipeline.committable)
      if (dlqFailures > 0) {
        dlqFailures--
        throw new Error('broker unavailable')
      }
      dlq.push(message)
    },
    deadLetterTopic: 'spans.dlq',
    collectorName: 'http://collector/api/traces',
    metrics,
    logger: safeLogger(log),
    onProgress: () => {},
    pause: () => flow.push('pause'),
    resume: () => flow.push('resume'),
    random: () => 0.5,
  })
  // Node does not keep the process alive for promises alone; the tests' timers need it.
  const keepAlive = setTimeout(() => {}, 20_000)
  return { pipeline, collector, log, metrics, dlq, committableAtDlqCall, flow, done: () => clearTimeout(keepAlive) }
}

const bodyIndex = (recs: SpanRecord[], body: Uint8Array): number => recs.findIndex((r) => r.value === body)

test('pipeline forwards a partition in offset order and commits past each record', async () => {
  const recs = records(5)
  const s = setup({ answer: () => 202 })
  assert.equal(s.pipeline.accept(recs), 5)
  await waitFor(() => s.pipeline.committable === 5n)
  assert.deepEqual(s.collector.requests.map((r) => bodyIndex(recs, r.body)), [0, 1, 2, 3, 4])
  assert.equal(s.metrics.snapshot().spansForwarded, 10)
  assert.equal(s.metrics.snapshot().spansConsumed, 10)
  s.done()
})

test('pipelined POSTs that finish out of order commit only the contiguous prefix', async () => {
  const recs = records(4)
  const first = deferred<FakeAnswer>()
  const s = setup({ maxInFlight: 4, answer: (body) => (bodyIndex(recs, body) === 0 ? first.promise : 202) })
  s.pipeline.accept(recs)
  await waitFor(() => s.collector.requests.length === 4, 5000, 'four POSTs in flight')
  await waitFor(() => s.metrics.snapshot().posts['202'] === 3)
  assert.equal(s.pipeline.committable, undefined, 'records 1-3 are done but 0 is not: nothing to commit')
  first.resolve(202)
  await waitFor(() => s.pipeline.committable === 4n)
  s.done()
})

test('a 503 holds the partition, retries the failed record first and logs one line per backoff step', async () => {
  const recs = records(3)
  const s = setup({ answer: (_, call) => (call <= 3 ? { status: 503, body: 'queue full' } : 202) })
  s.pipeline.accept(recs)
  await waitFor(() => s.pipeline.committable === 3n)
  assert.deepEqual(s.collector.requests.map((r) => bodyIndex(recs, r.body)), [0, 0, 0, 0, 1, 2])
  const warnings = s.log.lines.filter((l) => l.level === 'warn').map((l) => l.message)
  assert.equal(warnings.length, 3)
  assert.match(warnings[0]!, /spans\[0\] offset 0 .*503.*queue full; retry 1 in .* s \(partition held/)
  assert.match(warnings[2]!, /retry 3 in/)
  assert.equal(s.metrics.snapshot().retries, 3)
  assert.ok(s.log.lines.some((l) => l.level === 'info' && /accepts records again after 3 backoff steps/.test(l.message)))
  assert.equal(s.dlq.length, 0)
  s.done()
})

test('POSTs failing together during one outage count as one backoff step; a single probe goes first', async () => {
  const recs = records(6)
  const down = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' } })
  const s = setup({ maxInFlight: 4, answer: (_, call) => (call <= 5 ? down : 202) })
  s.pipeline.accept(recs)
  await waitFor(() => s.pipeline.committable === 6n)
  const order = s.collector.requests.map((r) => bodyIndex(recs, r.body))
  assert.deepEqual(order.slice(0, 4), [0, 1, 2, 3], 'the first window')
  assert.deepEqual(order.slice(4, 6), [0, 0], 'then one probe per step, lowest offset first')
  assert.deepEqual(order.slice(6).sort(), [1, 2, 3, 4, 5])
  assert.equal(s.metrics.snapshot().retries, 2, 'window failure + failed probe = 2 steps')
  assert.equal(s.log.lines.filter((l) => l.level === 'warn').length, 2)
  assert.equal(s.metrics.snapshot().posts.network, 5)
  s.done()
})

test('401 is a configuration error: logged as such, retried slowly, never dead-lettered', async () => {
  const recs = records(2)
  const s = setup({ answer: (_, call) => (call <= 2 ? 401 : 202) })
  s.pipeline.accept(recs)
  await waitFor(() => s.pipeline.committable === 2n)
  assert.equal(s.dlq.length, 0)
  const errors = s.log.lines.filter((l) => l.level === 'error').map((l) => l.message)
  assert.equal(errors.length, 2)
  assert.match(errors[0]!, /401.*configuration error.*auth.*Records stay in Kafka/)
  s.done()
})

test('a 400 and an undecodable record go to the dead-letter topic with headers, then are committed without stalling', async () => {
  const recs = records(4)
  const poison: SpanRecord = { topic: 'spans', partition: 0, offset: 4n, key: new TextEncoder().encode('key-4'), value: randomBytes(), headers: { h: 'v' } }
  const all = [...recs, poison, ...records(1, 5)]
  const s = setup({ maxInFlight: 2, answer: (body) => (bodyIndex(all, body) === 1 ? { status: 400, body: 'Unable to process request body' } : 202) })
  s.pipeline.accept(all)
  await waitFor(() => s.pipeline.committable === 6n)
  assert.equal(s.dlq.length, 2)
  const rejected = s.dlq.find((m) => m.value === all[1]!.value)!
  assert.equal(rejected.headers['x-jaeger-kafka-error'], 'collector-rejected')
  assert.equal(rejected.headers['x-jaeger-kafka-status'], '400')
  assert.equal(rejected.headers['x-jaeger-kafka-attempts'], '1')
  assert.equal(rejected.headers['x-jaeger-kafka-original-offset'], '1')
  assert.match(String(rejected.headers['x-jaeger-kafka-error-message']), /Unable to process/)
  const undecodable = s.dlq.find((m) => m.value === poison.value)!
  assert.equal(undecodable.key, poison.key)
  assert.equal(undecodable.headers.h, 'v')
  assert.equal(undecodable.headers['x-jaeger-kafka-error'], 'thrift-decode')
  assert.equal(undecodable.headers['x-jaeger-kafka-attempts'], '0')
  assert.equal(undecodable.headers['x-jaeger-kafka-status'], undefined)
  assert.ok(!s.collector.requests.some((r) => r.body === poison.value), 'undecodable bytes are never POSTed')
  assert.deepEqual(s.metrics.snapshot().deadLettered, { 'collector-rejected': 1, 'thrift-decode': 1 })
  s.done()
})

test('a failing dead-letter produce is retried and the offset is not committed until it succeeds', async () => {
  const poison: SpanRecord = { topic: 'spans', partition: 0, offset: 0n, key: null, value: randomBytes(), headers: {} }
  const s = setup({ dlqFailures: 3, answer: () => 202 })
  s.pipeline.accept([poison, ...records(1, 1)])
  await waitFor(() => s.pipeline.committable === 2n)
  assert.deepEqual(s.committableAtDlqCall, [undefined, undefined, undefined, undefined], 'never committed past the poison before it was dead-lettered')
  assert.equal(s.dlq.length, 1)
  assert.equal(s.metrics.snapshot().deadLetterErrors, 3)
  assert.equal(s.log.lines.filter((l) => /Cannot write spans\[0\] offset 0 to dead-letter topic/.test(l.message)).length, 3)
  s.done()
})

test('after retry.maxAttempts a record that keeps failing is dead-lettered as retries-exhausted', async () => {
  const recs = records(2)
  const s = setup({ retry: { maxAttempts: 2 }, answer: (body) => (bodyIndex(recs, body) === 0 ? 503 : 202) })
  s.pipeline.accept(recs)
  await waitFor(() => s.pipeline.committable === 2n)
  assert.equal(s.dlq.length, 1)
  assert.equal(s.dlq[0]!.headers['x-jaeger-kafka-error'], 'retries-exhausted')
  assert.equal(s.dlq[0]!.headers['x-jaeger-kafka-attempts'], '2')
  assert.equal(s.dlq[0]!.headers['x-jaeger-kafka-status'], '503')
  s.done()
})

test('too many pending records pause fetching; draining below half resumes it', async () => {
  const gate = deferred<FakeAnswer>()
  const s = setup({ maxPending: 4, maxInFlight: 1, answer: () => gate.promise })
  s.pipeline.accept(records(5))
  assert.deepEqual(s.flow, ['pause'])
  assert.equal(s.pipeline.paused, true)
  gate.resolve(202)
  await waitFor(() => s.pipeline.committable === 5n)
  assert.deepEqual(s.flow, ['pause', 'resume'])
  s.done()
})

test('re-delivered offsets (after a rebalance) are skipped', async () => {
  const s = setup({ answer: () => 202 })
  assert.equal(s.pipeline.accept(records(3)), 3)
  assert.equal(s.pipeline.accept(records(3, 1)), 1, 'offsets 1 and 2 were seen already')
  await waitFor(() => s.pipeline.committable === 4n)
  assert.equal(s.collector.requests.length, 4)
  s.done()
})

test('drain() lets in-flight POSTs finish, drops queued records and commits only what finished', async () => {
  const gate = deferred<FakeAnswer>()
  const s = setup({ answer: () => gate.promise })
  s.pipeline.accept(records(3))
  await waitFor(() => s.collector.requests.length === 1)
  const drained = s.pipeline.drain(60_000)
  gate.resolve(202)
  await drained
  assert.equal(s.pipeline.committable, 1n)
  assert.equal(s.collector.requests.length, 1, 'queued records are not started during stop')
  s.done()
})

test('drain() aborts POSTs still in flight after the timeout; their records stay uncommitted', async () => {
  const s = setup({ answer: () => new Promise<FakeAnswer>(() => {}) })
  s.pipeline.accept(records(2))
  await waitFor(() => s.collector.requests.length === 1)
  await s.pipeline.drain(10)
  assert.equal(s.pipeline.committable, undefined)
  assert.equal(s.metrics.snapshot().posts.aborted, 1)
  assert.equal(s.pipeline.accept(records(1, 2)), 0, 'a drained pipeline accepts nothing')
  s.done()
})
