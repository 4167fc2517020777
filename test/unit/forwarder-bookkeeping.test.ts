// SPDX-License-Identifier: Apache-2.0
// Offset bookkeeping, backoff and status classification of the forwarder.
import assert from 'node:assert/strict'
import { test } from '../support/harness.ts'
import { createOffsetTracker } from '../../forwarder/offset-tracker.ts'
import { backoffDelay } from '../../src/retry.ts'
import { resolveForwarderRetry } from '../../forwarder/retry-policy.ts'
import { classifyStatus, configHint } from '../../forwarder/classify.ts'

test('OffsetTracker commits only past the highest contiguous completed offset', () => {
  const tracker = createOffsetTracker()
  for (let offset = 10n; offset < 15n; offset++) tracker.add(offset)
  assert.equal(tracker.committable, undefined)
  // Completions arrive out of order, as pipelined POSTs do.
  tracker.complete(12n)
  tracker.complete(14n)
  assert.equal(tracker.committable, undefined, 'offset 10 is not done, nothing is committable')
  tracker.complete(10n)
  assert.equal(tracker.committable, 11n)
  tracker.complete(11n)
  assert.equal(tracker.committable, 13n, '10, 11, 12 done: commit 13 (offset + 1), 13 still open')
  tracker.complete(13n)
  assert.equal(tracker.committable, 15n)
  assert.equal(tracker.pending, 0)
})

test('OffsetTracker handles offset gaps and done markers (compaction, transaction markers)', () => {
  const tracker = createOffsetTracker()
  tracker.add(3n)
  tracker.add(7n)
  tracker.add(9n, true) // a control record after the last message
  assert.equal(tracker.last, 9n)
  tracker.complete(7n)
  assert.equal(tracker.committable, undefined)
  tracker.complete(3n)
  assert.equal(tracker.committable, 10n, 'the marker is passed once everything before it is done')
})

test('OffsetTracker.complete() is idempotent and rejects offsets it never saw', () => {
  const tracker = createOffsetTracker()
  tracker.add(0n)
  tracker.add(1n)
  tracker.complete(0n)
  tracker.complete(0n)
  assert.equal(tracker.committable, 1n)
  assert.throws(() => tracker.complete(5n), RangeError)
  assert.throws(() => tracker.add(1n), RangeError, 'offsets must increase')
  assert.throws(() => tracker.add(Number(2) as unknown as bigint), TypeError)
})

test('OffsetTracker keeps working across many offsets (prefix compaction)', () => {
  const tracker = createOffsetTracker()
  const total = 5000
  for (let i = 0; i < total; i++) tracker.add(BigInt(i))
  // Complete in reverse blocks of 100 so completions are out of order.
  for (let block = 0; block < total; block += 100) for (let i = block + 99; i >= block; i--) tracker.complete(BigInt(i))
  assert.equal(tracker.committable, BigInt(total))
  assert.equal(tracker.pending, 0)
})

test('backoffDelay() grows exponentially and never exceeds maxDelayMs', () => {
  const retry = resolveForwarderRetry({ initialDelayMs: 100, maxDelayMs: 1000, multiplier: 2, jitter: 0 })
  const delays = [1, 2, 3, 4, 5, 6, 50, 5000].map((step) => backoffDelay(step, retry))
  assert.deepEqual(delays, [100, 200, 400, 800, 1000, 1000, 1000, 1000])
})

test('backoffDelay() jitter stays within [(1 - jitter) · d, d]', () => {
  const retry = resolveForwarderRetry({ initialDelayMs: 1000, maxDelayMs: 8000, jitter: 0.5 })
  for (const r of [0, 0.25, 0.5, 0.999, 1]) {
    const delay = backoffDelay(4, retry, () => r)
    assert.ok(delay >= 4000 && delay <= 8000, `delay ${delay} for random ${r}`)
  }
  assert.equal(backoffDelay(4, retry, () => 0), 8000)
  assert.equal(backoffDelay(4, retry, () => 1), 4000)
  // A huge step must not overflow into NaN, even with initialDelayMs 0.
  assert.equal(backoffDelay(10_000, resolveForwarderRetry({ initialDelayMs: 0, maxDelayMs: 0 })), 0)
})

test('resolveForwarderRetry() fills defaults and rejects impossible values with RangeError', () => {
  const retry = resolveForwarderRetry()
  assert.equal(retry.initialDelayMs, 200)
  assert.equal(retry.maxDelayMs, 30_000)
  assert.equal(retry.multiplier, 2)
  assert.equal(retry.jitter, 0.5)
  assert.equal(retry.configErrorDelayMs, 30_000)
  assert.equal(retry.maxAttempts, Infinity)
  assert.throws(() => resolveForwarderRetry({ initialDelayMs: -1 }), RangeError)
  assert.throws(() => resolveForwarderRetry({ initialDelayMs: 500, maxDelayMs: 100 }), RangeError)
  assert.throws(() => resolveForwarderRetry({ multiplier: 0.5 }), RangeError)
  assert.throws(() => resolveForwarderRetry({ jitter: 2 }), RangeError)
  assert.throws(() => resolveForwarderRetry({ maxAttempts: 0 }), RangeError)
})

test('classifyStatus() separates success, permanent, retryable and configuration errors', () => {
  const table: [number, string][] = [
    [200, 'success'], [202, 'success'], [204, 'success'],
    [400, 'permanent'], [413, 'permanent'], [415, 'permanent'],
    [408, 'retry'], [425, 'retry'], [429, 'retry'], [500, 'retry'], [502, 'retry'], [503, 'retry'], [504, 'retry'],
    [401, 'config'], [403, 'config'], [404, 'config'], [405, 'config'], [409, 'config'], [301, 'config'], [307, 'config'],
  ]
  for (const [status, kind] of table) assert.equal(classifyStatus(status), kind, `status ${status}`)
  assert.equal(classifyStatus(422, new Set([422])), 'permanent', 'the permanent set is configurable')
  assert.equal(classifyStatus(400, new Set([413])), 'config', 'a 4xx taken out of the permanent set is never dead-lettered')
})

test('configHint() points at the option to fix', () => {
  assert.match(configHint(401), /auth/)
  assert.match(configHint(403), /auth/)
  assert.match(configHint(404), /collectorUrl/)
  assert.match(configHint(308), /redirect/)
})
