// SPDX-License-Identifier: Apache-2.0
// KafkaSender against fake producers (no Kafka): the Sender contract, ack-only
// accounting, trimming, retries, the byte-bounded buffer and close().
import assert from 'node:assert/strict'
import { test } from '../support/harness.ts'
import { droppedSpans, newTestSender } from '../support/sender-setup.ts'
import { ErrorCodes, JaegerKafkaError } from '../../src/errors.ts'
import type { KafkaHeaders, KafkaProducer, ProduceRequest } from '../../src/kafka/types.ts'
import { SPAN_COUNT_HEADER, SPAN_ENCODING_HEADER, SPAN_ENCODING_THRIFT_BATCH } from '../../src/kafka/span-record.ts'
import { decodeBatch } from '../../src/codec/thrift/jaeger-decode.ts'
import { isKafkaReporter, isKafkaSender } from '../../senders/brand.ts'
import { KafkaReporter } from '../../senders/kafka-reporter.ts'
import { KafkaSender } from '../../senders/kafka-sender.ts'
import type { KafkaSenderOptions } from '../../senders/kafka-sender.ts'
import type { DropReason, KafkaSenderStats, SpanDrop } from '../../senders/sender-types.ts'
import { TRUNCATED_TAG_KEY } from '../../senders/trim-span.ts'

// ----------------------------------------------------------------- fixtures

interface Pending {
  request: ProduceRequest
  resolve(): void
  reject(error: unknown): void
}

/** A producer whose acks the test controls. */
class FakeProducer implements KafkaProducer {
  mode: 'ack' | 'fail' | 'hold' = 'ack'
  /** Fail this many sends before acking (mode 'ack'). */
  failNext = 0
  /** Reject records larger than this as MESSAGE_TOO_LARGE. */
  brokerMaxBytes = Infinity
  readonly acked: { key: unknown; value: Uint8Array; headers: KafkaHeaders }[] = []
  /** Keys of every send attempt, in order. */
  readonly attemptedKeys: unknown[] = []
  readonly held: Pending[] = []
  sends = 0
  connects = 0
  disconnects = 0
  readonly ownsClient: boolean

  constructor(ownsClient = false) {
    this.ownsClient = ownsClient
  }

  async connect(): Promise<void> {
    this.connects++
  }

  async disconnect(): Promise<void> {
    this.disconnects++
  }

  /** Resolves once a send is being held (no timers involved). */
  whenHeld(): Promise<void> {
    return new Promise((resolve) => {
      this.onHold = resolve
      if (this.held.length > 0) resolve()
    })
  }

  private onHold: (() => void) | undefined

  send(request: ProduceRequest): Promise<void> {
    this.sends++
    this.attemptedKeys.push(request.messages[0]?.key)
    const size = request.messages[0]?.value?.length ?? 0
    if (size > this.brokerMaxBytes) return Promise.reject(new JaegerKafkaError(ErrorCodes.MESSAGE_TOO_LARGE, 'Cannot produce: too large'))
    if (this.mode === 'fail' || this.failNext > 0) {
      if (this.failNext > 0) this.failNext--
      return Promise.reject(new JaegerKafkaError(ErrorCodes.KAFKA, 'Cannot produce: broker unreachable'))
    }
    if (this.mode === 'hold') {
      return new Promise((resolve, reject) => {
        this.held.push({ request, resolve, reject })
        this.onHold?.()
      })
    }
    this.record(request)
    return Promise.resolve()
  }

  record(request: ProduceRequest): void {
    for (const m of request.messages) this.acked.push({ key: m.key, value: m.value!, headers: { ...m.headers } })
  }

  /** Ack every held send. */
  release(): void {
    for (const p of this.held.splice(0)) {
      this.record(p.request)
      p.resolve()
    }
  }

  spans(): bigint[] {
    return this.acked.flatMap((r) => decodeBatch(r.value).spans.map((s) => s.spanId))
  }
}

function i64(n: number | bigint): Uint8Array {
  const bytes = new Uint8Array(8)
  new DataView(bytes.buffer).setBigInt64(0, BigInt(n))
  return bytes
}

const ZERO = i64(0)

function clientTag(key: string, vStr: string): Record<string, unknown> {
  // Shape of ThriftUtils.getThriftTags(): all five value fields.
  return { key, vType: 'STRING', vStr, vDouble: 0, vBool: false, vLong: ZERO, vBinary: ZERO }
}

/** A span shaped like jaeger-client's ThriftUtils.spanToThrift() output. */
function clientSpan(id: number, options: { op?: string; tagBytes?: number; tags?: number; logBytes?: number } = {}): Record<string, unknown> {
  const tags = []
  for (let i = 0; i < (options.tags ?? 1); i++) tags.push(clientTag(`tag${i}`, 'x'.repeat(options.tagBytes ?? 10)))
  const logs = options.logBytes ? [{ timestamp: i64(1_700_000_000_000_000), fields: [clientTag('event', 'y'.repeat(options.logBytes))] }] : []
  return {
    traceIdLow: i64(0xabc),
    traceIdHigh: ZERO,
    spanId: i64(id),
    parentSpanId: ZERO,
    operationName: options.op ?? `op-${id}`,
    references: [],
    flags: 1,
    startTime: i64(1_700_000_000_000_000 + id),
    duration: i64(1000),
    tags,
    logs,
  }
}

const PROCESS = { serviceName: 'svc', tags: [clientTag('hostname', 'h1')] }

function newSender(producer: KafkaProducer, options: Partial<KafkaSenderOptions> = {}): KafkaSender {
  return newTestSender(producer, PROCESS, options)
}

function assertBalanced(stats: KafkaSenderStats): void {
  assert.equal(stats.spansAppended, stats.spansDelivered + droppedSpans(stats) + stats.bufferedSpans, 'every span is delivered, dropped or buffered')
}

/**
 * Await `promise` while a ref'd timer keeps the event loop alive: the sender's
 * own timers are unref'd, and a fake producer holds no socket.
 */
async function alive<T>(promise: Promise<T>): Promise<T> {
  const keeper = setInterval(() => {}, 1_000)
  try {
    return await promise
  } finally {
    clearInterval(keeper)
  }
}

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0))

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (condition()) return
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
  throw new Error(`timed out waiting for ${what}`)
}

/** Records every callback invocation. */
function recorder(): { calls: [number, string | undefined][]; cb: (n: number, e?: string) => void } {
  const calls: [number, string | undefined][] = []
  return { calls, cb: (n, e) => calls.push([n, e]) }
}

// -------------------------------------------------------------------- tests

test('append() calls back (0) at once and flush() reports the batch only after the broker acked it', async () => {
  const producer = new FakeProducer()
  producer.mode = 'hold'
  const sender = newSender(producer)
  const appends = recorder()
  for (let i = 1; i <= 5; i++) sender.append(clientSpan(i), appends.cb)
  assert.deepEqual(appends.calls, [[0, undefined], [0, undefined], [0, undefined], [0, undefined], [0, undefined]])

  const flushes = recorder()
  const flushed = sender.flush(flushes.cb)
  await until(() => producer.held.length === 1, 'the send')
  await tick()
  assert.deepEqual(flushes.calls, [], 'no callback before the ack')
  assert.equal(sender.stats().spansDelivered, 0)

  producer.release()
  const result = await flushed
  assert.deepEqual(flushes.calls, [[5, undefined]])
  assert.deepEqual(result, { spans: 5, timedOut: false })
  assert.deepEqual(producer.spans(), [1n, 2n, 3n, 4n, 5n])
  await sender.close()
})

test('each record is one bare Batch with the encoding headers, seqNo and ClientStats', async () => {
  const producer = new FakeProducer()
  const sender = newSender(producer)
  sender.append(clientSpan(1))
  await sender.flush()
  sender.append(clientSpan(2))
  sender.append(clientSpan(3))
  await sender.flush()
  await sender.close()

  assert.equal(producer.acked.length, 2)
  const batches = producer.acked.map((r) => decodeBatch(r.value))
  assert.deepEqual(batches.map((b) => b.seqNo), [1n, 2n])
  assert.deepEqual(batches[0]?.stats, { fullQueueDroppedSpans: 0n, tooLargeDroppedSpans: 0n, failedToEmitSpans: 0n })
  assert.equal(batches[0]?.process.serviceName, 'svc')
  assert.deepEqual(batches[0]?.process.tags, [{ key: 'hostname', vType: 0, vStr: 'h1' }])
  // Key: <random sender id>-<seqNo>, unique per batch.
  const keys = producer.acked.map((r) => String(r.key))
  assert.match(keys[0] as string, /^[0-9a-f]{16}-1$/)
  assert.equal(keys[1], (keys[0] as string).replace(/-1$/, '-2'))
  for (const [i, r] of producer.acked.entries()) {
    assert.equal(r.headers[SPAN_ENCODING_HEADER], SPAN_ENCODING_THRIFT_BATCH)
    assert.equal(r.headers[SPAN_COUNT_HEADER], String(batches[i]?.spans.length))
  }
})

test('a jaeger-client span round-trips: only the set tag value field is written', async () => {
  const producer = new FakeProducer()
  const sender = newSender(producer)
  const span = clientSpan(7, { tags: 2, tagBytes: 3, logBytes: 4 })
  sender.append(span)
  await sender.close()
  const decoded = decodeBatch(producer.acked[0]?.value as Uint8Array).spans[0]
  assert.equal(decoded?.spanId, 7n)
  assert.equal(decoded?.traceIdLow, 0xabcn)
  assert.equal(decoded?.operationName, 'op-7')
  assert.equal(decoded?.startTime, 1_700_000_000_000_007n)
  assert.deepEqual(decoded?.tags, [
    { key: 'tag0', vType: 0, vStr: 'xxx' },
    { key: 'tag1', vType: 0, vStr: 'xxx' },
  ])
  assert.deepEqual(decoded?.logs, [{ timestamp: 1_700_000_000_000_000n, fields: [{ key: 'event', vType: 0, vStr: 'yyyy' }] }])
})

test('the append that overflows the open batch seals it and reports its spans once acked (like UDPSender)', async () => {
  const producer = new FakeProducer()
  producer.mode = 'hold'
  const max = 2048
  const sender = newSender(producer, { maxMessageBytes: max })
  const calls: [number, number, string | undefined][] = []
  let i = 0
  while (producer.held.length === 0 && i < 100) {
    const id = ++i
    sender.append(clientSpan(id, { tagBytes: 100 }), (n, e) => calls.push([id, n, e]))
    await tick()
  }
  const sealedBy = i
  const firstBatchSpans = sealedBy - 1
  assert.ok(firstBatchSpans > 1)
  assert.deepEqual(calls.filter(([id]) => id !== sealedBy).map(([, n]) => n), new Array(firstBatchSpans).fill(0))
  assert.equal(calls.length, sealedBy - 1, 'the sealing append has not called back yet')
  producer.release()
  await until(() => calls.length === sealedBy, 'the sealing callback')
  assert.deepEqual(calls.at(-1), [sealedBy, firstBatchSpans, undefined])
  producer.mode = 'ack'
  await sender.close()
})

test('a span over the limit is trimmed: logs first, then the largest tags, and tagged jaeger.truncated=true', async () => {
  const producer = new FakeProducer()
  const max = 4096
  const sender = newSender(producer, { maxMessageBytes: max })
  const cbs = recorder()
  sender.append(clientSpan(1, { logBytes: 10_000, tagBytes: 20 }), cbs.cb) // logs alone are too big
  sender.append(clientSpan(2, { tags: 10, tagBytes: 800 }), cbs.cb) // needs tags removed
  await sender.close()

  assert.deepEqual(cbs.calls, [[0, undefined], [0, undefined]])
  const spans = producer.acked.flatMap((r) => decodeBatch(r.value).spans)
  assert.equal(spans.length, 2)
  const [first, second] = spans
  assert.equal(first?.logs, undefined)
  assert.deepEqual(first?.tags?.map((t) => t.key), ['tag0', TRUNCATED_TAG_KEY])
  assert.deepEqual(first?.tags?.at(-1), { key: TRUNCATED_TAG_KEY, vType: 2, vBool: true })
  const kept = second?.tags?.filter((t) => t.key !== TRUNCATED_TAG_KEY) ?? []
  assert.ok(kept.length > 0 && kept.length < 10, `some tags kept, got ${kept.length}`)
  assert.equal(second?.tags?.at(-1)?.key, TRUNCATED_TAG_KEY)
  assert.equal(sender.stats().spansTrimmed, 2)
  for (const r of producer.acked) assert.ok(r.value.length <= max)
})

test('a span still too large after trimming is dropped as too_large with (1, error), never sent', async () => {
  const producer = new FakeProducer()
  const drops: SpanDrop[] = []
  const sender = newSender(producer, { maxMessageBytes: 2048, onDrop: (d) => drops.push(d) })
  const cbs = recorder()
  sender.append(clientSpan(1, { op: 'huge-'.repeat(1000) }), cbs.cb)
  sender.append(clientSpan(2), cbs.cb)
  const result = await sender.close()

  assert.equal(cbs.calls[0]?.[0], 1)
  assert.match(cbs.calls[0]?.[1] ?? '', /exceed the \d+-byte limit/)
  assert.deepEqual(cbs.calls[1], [0, undefined])
  assert.deepEqual(producer.spans(), [2n])
  assert.equal(sender.stats().spansDropped.too_large, 1)
  assert.deepEqual(drops.map((d) => [d.reason, d.spans, d.operationName?.slice(0, 5)]), [['too_large', 1, 'huge-']])
  assert.equal(result.undelivered, 1)
  assert.deepEqual(decodeBatch(producer.acked[0]?.value as Uint8Array).stats, { fullQueueDroppedSpans: 0n, tooLargeDroppedSpans: 1n, failedToEmitSpans: 0n })
})

test('an unencodable span is dropped alone as encode_error and the rest are delivered', async () => {
  const producer = new FakeProducer()
  const sender = newSender(producer)
  const cbs = recorder()
  sender.append({ ...clientSpan(1), operationName: undefined }, cbs.cb)
  sender.append(clientSpan(2), cbs.cb)
  sender.append(null, cbs.cb)
  await sender.close()
  assert.equal(cbs.calls[0]?.[0], 1)
  assert.match(cbs.calls[0]?.[1] ?? '', /Cannot encode span/)
  assert.equal(cbs.calls[2]?.[0], 1)
  assert.deepEqual(producer.spans(), [2n])
  assert.equal(sender.stats().spansDropped.encode_error, 2)
})

test('failed sends are retried with backoff until the broker acks; nothing is lost or duplicated', async () => {
  const producer = new FakeProducer()
  producer.failNext = 5
  const sender = newSender(producer, { maxInFlightBatches: 1 })
  for (let i = 1; i <= 20; i++) {
    sender.append(clientSpan(i))
    if (i % 4 === 0) void sender.flush()
  }
  const result = await sender.close()
  assert.equal(result.undelivered, 0)
  assert.deepEqual(producer.spans(), Array.from({ length: 20 }, (_, i) => BigInt(i + 1)))
  const stats = sender.stats()
  assert.equal(stats.sendFailures, 5)
  // A retry sends the same record again (same key, so the same partition), before any other record.
  assert.equal(producer.attemptedKeys.length, stats.sendAttempts)
  assert.deepEqual(producer.attemptedKeys.slice(0, 6), new Array(6).fill(producer.attemptedKeys[0]))
  assert.equal(stats.sendAttempts, stats.batchesSealed + 5)
  assert.equal(stats.batchesDelivered, stats.batchesSealed)
})

test('when the buffer is full the oldest batches are dropped and counted exactly', async () => {
  const producer = new FakeProducer()
  producer.mode = 'fail'
  const drops: SpanDrop[] = []
  const max = 2048
  const sender = newSender(producer, { maxMessageBytes: max, maxBufferedBytes: 3 * max, maxInFlightBatches: 1, onDrop: (d) => drops.push(d) })
  const flushCalls: [number, string | undefined][] = []
  // 10 batches of 4 spans each; at most 3 fit in the buffer.
  for (let b = 0; b < 10; b++) {
    for (let s = 1; s <= 4; s++) sender.append(clientSpan(b * 4 + s, { tagBytes: 300 }))
    void sender.flush((n, e) => flushCalls.push([n, e]))
    await tick()
  }
  let stats = sender.stats()
  assert.ok(stats.bufferedBytes <= 3 * max)
  assert.ok(stats.spansDropped.buffer_full > 0)
  assert.equal(stats.spansDropped.buffer_full % 4, 0, 'whole batches are dropped')
  assertBalanced(stats)
  assert.deepEqual(
    drops.map((d) => d.reason),
    new Array(drops.length).fill('buffer_full'),
  )
  // The dropped batches are the oldest ones never handed to the producer: batch 1
  // failed and may be on the broker, so it is kept for its retry.
  assert.deepEqual(drops.map((d) => d.seqNo), Array.from({ length: drops.length }, (_, i) => i + 2))
  const droppedSpans = stats.spansDropped.buffer_full

  producer.mode = 'ack'
  const result = await sender.close()
  stats = sender.stats()
  assert.equal(result.undelivered, droppedSpans)
  assert.equal(stats.spansDelivered, 40 - droppedSpans)
  assert.equal(stats.bufferedSpans, 0)
  assertBalanced(stats)
  // Delivered: batch 1 (retried first), then exactly the newest spans, in order.
  assert.deepEqual(producer.spans(), [1n, 2n, 3n, 4n, ...Array.from({ length: 36 - droppedSpans }, (_, i) => BigInt(droppedSpans + 4 + i + 1))])
  // Batch.stats tells the collector about the drops.
  // (A batch carries the count as of its sealing; its own arrival may drop one more.)
  const last = decodeBatch(producer.acked.at(-1)?.value as Uint8Array)
  const reported = last.stats?.fullQueueDroppedSpans ?? 0n
  assert.ok(reported > 0n && reported <= BigInt(droppedSpans))
  // Every flush callback reported its own batch: dropped ones with an error.
  const reportedDropped = flushCalls.filter(([, e]) => e !== undefined).reduce((sum, [n]) => sum + n, 0)
  assert.equal(reportedDropped, droppedSpans)
})

test('flush() gives up waiting after flushTimeoutMs, reports 0 and the batch is still delivered later', async () => {
  const producer = new FakeProducer()
  producer.mode = 'hold'
  const counts: Record<string, number> = {}
  const metrics = {
    createCounter: (name: string, tags?: Record<string, string>) => ({
      increment: (d = 1) => {
        const key = `${name}:${tags?.result}`
        counts[key] = (counts[key] ?? 0) + d
      },
    }),
    createGauge: () => ({ update() {} }),
  }
  const sender = newSender(producer, { flushTimeoutMs: 5, metrics })
  sender.append(clientSpan(1))
  sender.append(clientSpan(2))
  const cbs = recorder()
  const result = await alive(sender.flush(cbs.cb))
  assert.deepEqual(result, { spans: 0, timedOut: true })
  assert.deepEqual(cbs.calls, [[0, undefined]])
  assert.equal(sender.stats().bufferedSpans, 2)

  producer.release()
  producer.mode = 'ack'
  await until(() => sender.stats().spansDelivered === 2, 'late delivery')
  // No callback is left for these spans, so the sender counts them itself.
  assert.equal(counts['jaeger:reporter_spans:ok'], 2)
  await sender.close()
})

test('close() waits for in-flight batches and disconnects only a producer the sender owns', async () => {
  const owned = new FakeProducer(true)
  owned.mode = 'hold'
  const sender = newSender(owned)
  for (let i = 1; i <= 3; i++) sender.append(clientSpan(i))
  const cbs = recorder()
  const closing = sender.close(cbs.cb)
  await until(() => owned.held.length === 1, 'the send')
  assert.equal(owned.disconnects, 0)
  owned.release()
  const result = await closing
  assert.deepEqual(result, { delivered: 3, undelivered: 0, dropped: { too_large: 0, buffer_full: 0, closed: 0, encode_error: 0 }, timedOut: false })
  assert.deepEqual(cbs.calls, [[0, undefined]])
  assert.equal(owned.disconnects, 1)

  const borrowed = new FakeProducer(false)
  const other = newSender(borrowed)
  other.append(clientSpan(1))
  await other.close()
  assert.equal(borrowed.disconnects, 0)
  assert.deepEqual(borrowed.spans(), [1n])
})

test('close() drops what is still unacknowledged after closeTimeoutMs and says so exactly', async () => {
  const producer = new FakeProducer(true)
  producer.mode = 'hold'
  const sender = newSender(producer, { closeTimeoutMs: 20, maxMessageBytes: 2048 })
  const appendCalls = recorder()
  for (let i = 1; i <= 30; i++) sender.append(clientSpan(i, { tagBytes: 200 }), appendCalls.cb)
  const closeCalls = recorder()
  const result = await sender.close(closeCalls.cb)
  assert.equal(result.timedOut, true)
  assert.equal(result.delivered, 0)
  assert.equal(result.undelivered, 30)
  assert.equal(result.dropped.closed, 30)
  assert.equal(closeCalls.calls.length, 1)
  assert.equal(closeCalls.calls[0]?.[0], 30)
  assert.match(closeCalls.calls[0]?.[1] ?? '', /closed: 30/)
  // The appends that sealed batches hear about their batches' fate.
  const reportedDropped = appendCalls.calls.filter(([, e]) => e).reduce((s, [n]) => s + n, 0)
  const stillOpenAtClose = 30 - reportedDropped
  assert.ok(reportedDropped > 0 && stillOpenAtClose > 0)
  // A late ack for a batch already counted as dropped changes nothing.
  producer.release()
  await tick()
  assert.equal(sender.stats().spansDelivered, 0)
  assertBalanced(sender.stats())
  assert.equal(producer.disconnects, 1)
})

test('append() after close() drops the span with reason closed and never throws', async () => {
  const producer = new FakeProducer()
  const sender = newSender(producer)
  await sender.close()
  const cbs = recorder()
  sender.append(clientSpan(1), cbs.cb)
  assert.equal(cbs.calls[0]?.[0], 1)
  assert.match(cbs.calls[0]?.[1] ?? '', /closed/)
  assert.equal(sender.stats().spansDropped.closed, 1)
  // close() twice resolves to the same account.
  const again = await sender.close()
  assert.equal(again.undelivered, 0)
})

test('the sender never throws or rejects into application code', async () => {
  const throwing: KafkaProducer = {
    connect: () => {
      throw new Error('connect exploded')
    },
    send: () => {
      throw new Error('send exploded synchronously')
    },
    disconnect: () => Promise.reject(new Error('disconnect exploded')),
    ownsClient: true,
  }
  const errors: string[] = []
  const sender = new KafkaSender({
    producer: throwing,
    retry: { initialDelayMs: 1, maxDelayMs: 2 },
    flushTimeoutMs: 20,
    closeTimeoutMs: 30,
    logger: { info() {}, error: (m) => errors.push(m) },
  })
  sender.setProcess(undefined)
  sender.setProcess(PROCESS)
  const throwingCallback = (): void => {
    throw new Error('callback exploded')
  }
  assert.doesNotThrow(() => sender.append(clientSpan(1), throwingCallback))
  assert.doesNotThrow(() => sender.append(Symbol('not a span'), throwingCallback))
  const flushed = await alive(sender.flush(throwingCallback))
  assert.equal(flushed.timedOut, true)
  const result = await sender.close(throwingCallback)
  assert.equal(result.undelivered, 2)
  assert.ok(errors.some((m) => m.includes('cannot encode the process')))
  assert.ok(errors.every((m) => !m.includes('undefined: undefined')))
})

test('a record the broker refuses as too large is split in half and the limit lowered', async () => {
  const producer = new FakeProducer()
  const sender = newSender(producer, { maxMessageBytes: 8192 })
  for (let i = 1; i <= 16; i++) sender.append(clientSpan(i, { tagBytes: 300 }))
  producer.brokerMaxBytes = 3000
  await sender.flush()
  await sender.close()
  assert.deepEqual(producer.spans().sort((a, b) => Number(a - b)), Array.from({ length: 16 }, (_, i) => BigInt(i + 1)))
  for (const r of producer.acked) assert.ok(r.value.length <= 3000)
  assert.ok(sender.stats().maxMessageBytes < 8192)
  assert.equal(sender.stats().spansDropped.too_large, 0)
})

test('a one-span record the broker refuses as too large is dropped as too_large', async () => {
  const producer = new FakeProducer()
  const sender = newSender(producer)
  producer.brokerMaxBytes = 100
  const cbs = recorder()
  sender.append(clientSpan(1))
  await sender.flush(cbs.cb)
  assert.equal(cbs.calls[0]?.[0], 1)
  assert.match(cbs.calls[0]?.[1] ?? '', /too large/)
  assert.equal(sender.stats().spansDropped.too_large, 1)
  await sender.close()
})

test('the sender\'s timers are unref\'d so they never keep the process alive', async () => {
  const created: { hasRef?: () => boolean }[] = []
  const realSetTimeout = globalThis.setTimeout
  const spy = ((fn: () => void, ms?: number) => {
    const timer = realSetTimeout(fn, ms)
    created.push(timer as unknown as { hasRef?: () => boolean })
    return timer
  }) as typeof setTimeout
  globalThis.setTimeout = spy
  let sender: KafkaSender
  const producer = new FakeProducer()
  producer.failNext = 2
  producer.mode = 'hold'
  try {
    sender = newSender(producer, { flushTimeoutMs: 10_000 })
    sender.append(clientSpan(1))
    void sender.flush() // flush timeout timer
    await alive(producer.whenHeld()) // after two failures, i.e. two backoff timers
  } finally {
    globalThis.setTimeout = realSetTimeout
  }
  const refs = created.filter((t) => typeof t.hasRef === 'function')
  assert.ok(created.length >= 3, `flush timeout + 2 backoff timers, got ${created.length}`)
  if (refs.length > 0) assert.deepEqual(refs.map((t) => t.hasRef?.()), new Array(refs.length).fill(false))
  producer.mode = 'ack'
  producer.release()
  await sender.close()
})

test('constructor arguments are checked with TypeError / RangeError', () => {
  const producer = new FakeProducer()
  assert.throws(() => new KafkaSender({} as KafkaSenderOptions), TypeError)
  assert.throws(() => new KafkaSender({ producer: {} as KafkaProducer }), TypeError)
  assert.throws(() => new KafkaSender({ producer, maxMessageBytes: 10 }), RangeError)
  assert.throws(() => new KafkaSender({ producer, maxMessageBytes: 4096, maxBufferedBytes: 1000 }), RangeError)
  assert.throws(() => new KafkaSender({ producer, maxInFlightBatches: 0 }), RangeError)
  assert.throws(() => new KafkaSender({ producer, retry: { initialDelayMs: 10, maxDelayMs: 1 } }), RangeError)
  assert.throws(() => new KafkaSender({ producer, topic: '' }), TypeError)
})

test('every span is delivered or dropped with exactly one reason (mixed run)', async () => {
  const producer = new FakeProducer()
  const max = 2048
  const byReason: Record<DropReason, number> = { too_large: 0, buffer_full: 0, closed: 0, encode_error: 0 }
  const sender = newSender(producer, { maxMessageBytes: max, maxBufferedBytes: 2 * max, maxInFlightBatches: 1, closeTimeoutMs: 10, onDrop: (d) => (byReason[d.reason] += d.spans) })
  producer.mode = 'fail'
  let appended = 0
  for (let i = 1; i <= 200; i++) {
    appended++
    if (i % 50 === 0) sender.append(clientSpan(i, { op: 'x'.repeat(5000) }))
    else if (i % 67 === 0) sender.append({ broken: true })
    else sender.append(clientSpan(i, { tagBytes: 50 + (i % 7) * 40 }))
    if (i % 10 === 0) void sender.flush()
    if (i === 150) producer.mode = 'ack'
    await tick()
  }
  producer.mode = 'hold'
  const result = await sender.close()
  const stats = sender.stats()
  assert.equal(stats.spansAppended, appended)
  assert.equal(stats.bufferedSpans, 0)
  assert.equal(stats.spansDelivered + result.undelivered, appended)
  assert.deepEqual(stats.spansDropped, byReason)
  assert.equal(stats.spansDropped.too_large, 4)
  assert.equal(stats.spansDropped.encode_error, 2)
  assert.equal(producer.spans().length, stats.spansDelivered)
})

test('a flush whose own batch is dropped while being buffered reports it once, through its callback only', async () => {
  const producer = new FakeProducer()
  producer.mode = 'fail'
  const counts: Record<string, number> = {}
  const metrics = {
    createCounter: (name: string, tags?: Record<string, string>) => ({
      increment: (d = 1) => {
        counts[`${name}:${tags?.result}`] = (counts[`${name}:${tags?.result}`] ?? 0) + d
      },
    }),
    createGauge: () => ({ update() {} }),
  }
  const max = 2048
  const sender = newSender(producer, { maxMessageBytes: max, maxBufferedBytes: max, maxInFlightBatches: 1, metrics, flushTimeoutMs: 50, closeTimeoutMs: 10 })
  sender.append(clientSpan(1, { tagBytes: 900 }))
  void sender.flush()
  await until(() => producer.sends > 0, 'the first attempt')
  // Batch 1 failed and waits for its retry; batch 2 does not fit next to it.
  sender.append(clientSpan(2, { tagBytes: 900 }))
  const cbs = recorder()
  // (It still waits for batch 1, which never gets through, until flushTimeoutMs.)
  const result = await alive(sender.flush(cbs.cb))
  assert.equal(cbs.calls.length, 1)
  assert.equal(cbs.calls[0]?.[0], 1)
  assert.match(cbs.calls[0]?.[1] ?? '', /maxBufferedBytes/)
  assert.equal(result.spans, 1)
  assert.equal(result.timedOut, true)
  assert.equal(counts['jaeger:reporter_spans:err'] ?? 0, 0, 'not counted a second time by the sender')
  assert.equal(sender.stats().spansDropped.buffer_full, 1)
  await sender.close()
})

test('KafkaSender and KafkaReporter carry a Symbol.for brand that another copy of the package recognises', async () => {
  const sender = new KafkaSender({ producer: new FakeProducer() })
  const reporter = new KafkaReporter(sender)
  try {
    // What a second copy (the CommonJS build next to the ESM one, an npm and a JSR copy) would create:
    // a different class, the same registered symbol.
    const foreignSender = { [Symbol.for('jaeger-kafka.sender')]: true }
    const foreignReporter = { [Symbol.for('jaeger-kafka.reporter')]: true }
    assert.equal(sender instanceof KafkaSender, true)
    assert.equal(foreignSender instanceof KafkaSender, true)
    assert.equal(isKafkaSender(sender), true)
    assert.equal(isKafkaSender(foreignSender), true)
    assert.equal(reporter instanceof KafkaReporter, true)
    assert.equal(foreignReporter instanceof KafkaReporter, true)
    assert.equal(isKafkaReporter(foreignReporter), true)
    // The brands do not mix, and look-alikes without the brand are not senders.
    assert.equal(isKafkaSender(reporter), false)
    assert.equal(isKafkaReporter(sender), false)
    assert.equal(reporter instanceof KafkaSender, false)
    assert.equal({ append() {}, flush() {}, close() {} } instanceof KafkaSender, false)
    assert.equal(isKafkaSender(null), false)
    // A subclass keeps the ordinary prototype check.
    class MySender extends KafkaSender {}
    assert.equal(sender instanceof MySender, false)
    const mine = new MySender({ producer: new FakeProducer() })
    assert.equal(mine instanceof KafkaSender, true)
    await mine.close()
  } finally {
    await new Promise<void>((resolve) => reporter.close(resolve))
  }
})
