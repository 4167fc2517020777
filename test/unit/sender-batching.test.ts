// SPDX-License-Identifier: Apache-2.0
// Size-bounded batching with fuzzed span sizes: no record over the limit, every
// record exactly the size batchEncodedSize() predicts, batches packed full,
// every span accounted for. Also the backoff curve.
import assert from 'node:assert/strict'
import { Buffer } from 'node:buffer'
import { test } from '../support/harness.ts'
import { prng } from '../support/prng.ts'
import { loadJaegerThrift, thriftrwDecode } from '../support/thriftrw.ts'
import type { KafkaProducer, ProduceRequest } from '../../src/kafka/types.ts'
import { encodeJaegerClientSpan, fromJaegerClientProcess } from '../../src/codec/thrift/from-jaeger-client.ts'
import { decodeBatch } from '../../src/codec/thrift/jaeger-decode.ts'
import { batchEncodedSize, encodeProcess } from '../../src/codec/thrift/jaeger-encode.ts'
import { backoffDelay, resolveRetry, SENDER_RETRY_DEFAULTS } from '../../src/retry.ts'
import { KafkaSender } from '../../senders/kafka-sender.ts'
import { TRUNCATED_TAG_KEY } from '../../senders/trim-span.ts'


function i64(n: number): Uint8Array {
  const bytes = new Uint8Array(8)
  new DataView(bytes.buffer).setBigInt64(0, BigInt(n))
  return bytes
}

const ZERO = i64(0)

function tag(key: string, vStr: string): Record<string, unknown> {
  return { key, vType: 'STRING', vStr, vDouble: 0, vBool: false, vLong: ZERO, vBinary: ZERO }
}

function span(id: number, random: () => number, maxBytes: number): Record<string, unknown> {
  // Mostly small, some near the limit, a few over it (to be trimmed or dropped).
  const r = random()
  const size = r < 0.8 ? Math.floor(random() * 400) : r < 0.95 ? Math.floor(random() * maxBytes) : Math.floor(maxBytes * (1 + random()))
  const tags = [tag('http.url', 'u'.repeat(Math.floor(size / 2))), tag('note', 'n'.repeat(Math.floor(random() * 40)))]
  const logs = random() < 0.5 ? [{ timestamp: i64(id), fields: [tag('event', 'e'.repeat(Math.ceil(size / 2)))] }] : []
  const operationName = random() < 0.02 ? 'o'.repeat(maxBytes) : `op-${id}`
  return { traceIdLow: i64(id * 7), traceIdHigh: ZERO, spanId: i64(id), parentSpanId: ZERO, operationName, references: [], flags: 1, startTime: i64(id), duration: i64(5), tags, logs }
}

const PROCESS = { serviceName: 'fuzz', tags: [tag('hostname', 'host-1'), tag('client-uuid', 'abc')] }

class AckingProducer implements KafkaProducer {
  readonly values: Uint8Array[] = []
  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {}
  async send(request: ProduceRequest): Promise<void> {
    for (const m of request.messages) this.values.push(m.value!) // the sender always produces bytes
  }
}

for (const seed of [1, 2, 3, 42, 1337]) {
  test(`fuzzed span sizes (seed ${seed}): no record over maxMessageBytes, sizes exact, batches full, every span accounted for`, async () => {
    const random = prng(seed)
    const max = 1024 + Math.floor(random() * 8192)
    const producer = new AckingProducer()
    const sender = new KafkaSender({ producer, maxMessageBytes: max, maxInFlightBatches: 1 })
    sender.setProcess(PROCESS)
    const processLength = encodeProcess(fromJaegerClientProcess(PROCESS)).length
    const maxSpan = max - batchEncodedSize(processLength, 0, true, true)

    const count = 300
    const sizes = new Map<bigint, number>()
    let expectTooLarge = 0
    let expectTrimmed = 0
    for (let id = 1; id <= count; id++) {
      const s = span(id, random, max)
      const encoded = encodeJaegerClientSpan(s).length
      if (encoded > maxSpan) {
        if ((s.operationName as string).length >= max) expectTooLarge++
        else expectTrimmed++
      } else {
        sizes.set(BigInt(id), encoded)
      }
      sender.append(s)
    }
    const result = await sender.close()

    const stats = sender.stats()
    assert.equal(stats.spansDropped.too_large, expectTooLarge)
    assert.equal(stats.spansTrimmed, expectTrimmed)
    assert.equal(result.undelivered, expectTooLarge)
    assert.equal(stats.spansDelivered, count - expectTooLarge)

    const batches = producer.values.map((v) => decodeBatch(v))
    const delivered = batches.flatMap((b) => b.spans)
    assert.equal(delivered.length, count - expectTooLarge)
    assert.deepEqual(batches.map((b) => b.seqNo), batches.map((_, i) => BigInt(i + 1)))

    for (const [i, value] of producer.values.entries()) {
      assert.ok(value.length <= max, `record ${i} is ${value.length} > ${max}`)
      const spans = batches[i]?.spans ?? []
      // Untrimmed spans keep their exact encoded size, so the record size is predictable.
      if (spans.every((s) => sizes.has(s.spanId))) {
        const spanBytes = spans.reduce((sum, s) => sum + (sizes.get(s.spanId) ?? 0), 0)
        assert.equal(value.length, batchEncodedSize(processLength, spanBytes, true, true))
      }
      // Packed full: the next record's first span would not have fitted.
      const next = batches[i + 1]?.spans[0]
      if (next && sizes.has(next.spanId)) assert.ok(value.length + (sizes.get(next.spanId) ?? 0) > max, `record ${i} could have taken one more span`)
    }
    for (const s of delivered) {
      if (!sizes.has(s.spanId)) assert.equal(s.tags?.at(-1)?.key, TRUNCATED_TAG_KEY, 'trimmed spans carry the marker')
    }
  })
}

test('records decode with thriftrw and jaeger-client\'s IDL', async () => {
  const producer = new AckingProducer()
  const sender = new KafkaSender({ producer, maxMessageBytes: 2048 })
  sender.setProcess(PROCESS)
  const random = prng(7)
  for (let id = 1; id <= 40; id++) sender.append(span(id, random, 600))
  await sender.close()
  const thrift = loadJaegerThrift()
  let spans = 0
  for (const value of producer.values) {
    const batch = thriftrwDecode(thrift.Batch, Buffer.from(value)) as { spans: unknown[]; process: { serviceName: string } }
    assert.equal(batch.process.serviceName, 'fuzz')
    spans += batch.spans.length
  }
  assert.equal(spans, sender.stats().spansDelivered)
})

test('backoffDelay() with the sender defaults grows exponentially, is capped, and keeps half of each delay fixed', () => {
  const options = resolveRetry({ initialDelayMs: 100, maxDelayMs: 1000, multiplier: 2 }, SENDER_RETRY_DEFAULTS)
  // random() = 1 takes the whole jitter share off, 0 none of it.
  const low = (attempt: number): number => backoffDelay(attempt, options, () => 1)
  const high = (attempt: number): number => backoffDelay(attempt, options, () => 0)
  assert.deepEqual([1, 2, 3, 4, 5, 6].map(low), [50, 100, 200, 400, 500, 500])
  assert.deepEqual([1, 2, 3, 4, 5, 6].map(high), [100, 200, 400, 800, 1000, 1000])
  const random = prng(9)
  for (let attempt = 1; attempt < 30; attempt++) {
    const d = backoffDelay(attempt, options, random)
    assert.ok(d >= low(attempt) && d <= high(attempt))
  }
  assert.deepEqual(resolveRetry(), { initialDelayMs: 200, maxDelayMs: 5000, multiplier: 2, jitter: 0.5 })
  assert.deepEqual(resolveRetry({}, SENDER_RETRY_DEFAULTS), { initialDelayMs: 200, maxDelayMs: 5000, multiplier: 2, jitter: 0.5 })
  assert.throws(() => resolveRetry({ multiplier: 0.5 }), RangeError)
  assert.throws(() => resolveRetry({ jitter: -0.1 }), RangeError)
  assert.throws(() => resolveRetry({ initialDelayMs: 500, maxDelayMs: 100 }), RangeError)
})
