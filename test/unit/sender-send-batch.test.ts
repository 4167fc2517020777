// SPDX-License-Identifier: Apache-2.0
// KafkaSender.sendBatch() and sendThriftBatch() against a fake producer (no Kafka): the agent's
// path into the delivery engine. Its spans get their own record(s) under their
// own process, the open batch of other appends is sealed first, the Promise
// resolves only once every record settled, and drops are counted by reason.
import assert from 'node:assert/strict'
import { Buffer } from 'node:buffer'
import { test } from '../support/harness.ts'
import { droppedSpans } from '../support/sender-setup.ts'
import { ErrorCodes, JaegerKafkaError } from '../../src/errors.ts'
import type { KafkaProducer, ProduceRequest } from '../../src/kafka/types.ts'
import { SPAN_COUNT_HEADER, SPAN_ENCODING_HEADER } from '../../src/kafka/span-record.ts'
import { decodeBatch } from '../../src/codec/thrift/jaeger-decode.ts'
import type { ThriftBatchParts } from '../../src/codec/thrift/jaeger-decode.ts'
import { decodeEmitBatch, sliceEmitBatch } from '../../src/codec/thrift/agent-decode.ts'
import { apacheEmitBatch } from '../support/apache-thrift.ts'
import { loadJaegerThrift, thriftrwDecode } from '../support/thriftrw.ts'
import { hex } from '../support/thrift-compare.ts'
import { decodeOtlpTraces } from '../../src/codec/otlp/index.ts'
import { decodeJaegerProtoSpan } from '../../src/codec/jaeger-proto/index.ts'
import { SpanRefType, TagType } from '../../src/codec/thrift/jaeger-types.ts'
import type { JaegerProcess, JaegerSpan } from '../../src/codec/thrift/jaeger-types.ts'
import { KafkaSender } from '../../senders/kafka-sender.ts'
import type { KafkaSenderOptions } from '../../senders/kafka-sender.ts'
import type { BatchOutcome, SpanDrop } from '../../senders/sender-types.ts'

interface Held {
  request: ProduceRequest
  resolve(): void
  reject(error: unknown): void
}

/** Acks at once ('ack'), fails every send ('fail') or holds sends until release() ('hold'). */
class FakeProducer implements KafkaProducer {
  mode: 'ack' | 'fail' | 'hold' = 'ack'
  readonly acked: { value: Uint8Array; headers: Record<string, unknown> }[] = []
  readonly held: Held[] = []
  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {}
  send(request: ProduceRequest): Promise<void> {
    if (this.mode === 'fail') return Promise.reject(new JaegerKafkaError(ErrorCodes.KAFKA, 'Cannot produce: broker unreachable'))
    if (this.mode === 'hold') return new Promise((resolve, reject) => this.held.push({ request, resolve, reject }))
    this.record(request)
    return Promise.resolve()
  }
  record(request: ProduceRequest): void {
    for (const m of request.messages) this.acked.push({ value: m.value as Uint8Array, headers: { ...m.headers } })
  }
  release(): void {
    for (const h of this.held.splice(0)) {
      this.record(h.request)
      h.resolve()
    }
  }
}

const APP_PROCESS = { serviceName: 'app', tags: [] }
const AGENT_PROCESS: JaegerProcess = { serviceName: 'udp-client', tags: [{ key: 'hostname', vType: TagType.STRING, vStr: 'h2' }] }

function span(id: number, options: { op?: string; tagBytes?: number } = {}): JaegerSpan {
  return {
    traceIdLow: 0xabcn,
    traceIdHigh: 0n,
    spanId: BigInt(id),
    parentSpanId: 0n,
    operationName: options.op ?? `op-${id}`,
    flags: 1,
    startTime: 1_700_000_000_000_000n + BigInt(id),
    duration: 1000n,
    tags: options.tagBytes ? [{ key: 'big', vType: TagType.STRING, vStr: 'x'.repeat(options.tagBytes) }] : [],
  }
}

function spans(from: number, count: number): JaegerSpan[] {
  return Array.from({ length: count }, (_, i) => span(from + i))
}

function newSender(producer: KafkaProducer, options: Partial<KafkaSenderOptions> = {}): KafkaSender {
  return new KafkaSender({ producer, retry: { initialDelayMs: 1, maxDelayMs: 4 }, ...options })
}

/** Resolves with the outcome, or 'pending' if it has not settled after the microtasks and a macrotask ran. */
async function settledOrPending(promise: Promise<BatchOutcome>): Promise<BatchOutcome | 'pending'> {
  return Promise.race([promise, new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), 20))])
}

test('sendBatch() resolves only after the broker acknowledged the record, with its own process', async () => {
  const producer = new FakeProducer()
  producer.mode = 'hold'
  const sender = newSender(producer)
  const outcome = sender.sendBatch(AGENT_PROCESS, spans(1, 3))
  assert.equal(await settledOrPending(outcome), 'pending', 'not resolved before the ack')
  assert.equal(producer.held.length, 1)
  producer.release()
  assert.deepEqual(await outcome, { delivered: 3, dropped: 0 })
  const batch = decodeBatch(producer.acked[0]!.value)
  assert.equal(batch.process.serviceName, 'udp-client')
  assert.deepEqual(batch.process.tags?.map((t) => t.vStr), ['h2'])
  assert.deepEqual(batch.spans.map((s) => s.spanId), [1n, 2n, 3n])
  assert.equal(producer.acked[0]!.headers[SPAN_COUNT_HEADER], '3')
  const stats = sender.stats()
  assert.equal(stats.spansAppended, 3)
  assert.equal(stats.spansDelivered, 3)
  await sender.close()
})

test('sendBatch() seals the open batch of other appends first and leaves the sender process in place', async () => {
  const producer = new FakeProducer()
  const sender = newSender(producer)
  sender.setProcess(APP_PROCESS)
  sender.appendSpan(span(100))
  sender.appendSpan(span(101))
  assert.deepEqual(await sender.sendBatch(AGENT_PROCESS, spans(1, 2)), { delivered: 2, dropped: 0 })
  sender.appendSpan(span(102))
  await sender.flush()
  const batches = producer.acked.map((r) => decodeBatch(r.value))
  assert.deepEqual(
    batches.map((b) => [b.process.serviceName, b.spans.map((s) => s.spanId)]),
    [
      ['app', [100n, 101n]],
      ['udp-client', [1n, 2n]],
      ['app', [102n]],
    ],
  )
  assert.equal(sender.stats().spansDelivered, 5)
  await sender.close()
})

test('sendBatch() on a sender without a process keeps spans appended before setProcess() apart', async () => {
  const producer = new FakeProducer()
  const sender = newSender(producer)
  sender.appendSpan(span(200))
  assert.deepEqual(await sender.sendBatch(AGENT_PROCESS, spans(1, 1)), { delivered: 1, dropped: 0 })
  assert.equal(producer.acked.length, 1)
  assert.equal(decodeBatch(producer.acked[0]!.value).spans.length, 1)
  sender.setProcess(APP_PROCESS)
  await sender.flush()
  const last = decodeBatch(producer.acked[1]!.value)
  assert.equal(last.process.serviceName, 'app')
  assert.deepEqual(last.spans.map((s) => s.spanId), [200n])
  await sender.close()
})

test('sendBatch() splits a batch over maxMessageBytes into several records and resolves when all settled', async () => {
  const producer = new FakeProducer()
  const sender = newSender(producer, { maxMessageBytes: 4096 })
  const many = Array.from({ length: 20 }, (_, i) => span(i + 1, { tagBytes: 600 }))
  assert.deepEqual(await sender.sendBatch(AGENT_PROCESS, many), { delivered: 20, dropped: 0 })
  assert.ok(producer.acked.length > 1, `several records, got ${producer.acked.length}`)
  for (const r of producer.acked) assert.ok(r.value.length <= 4096)
  const ids = producer.acked.flatMap((r) => decodeBatch(r.value).spans.map((s) => s.spanId))
  assert.deepEqual(ids, many.map((s) => s.spanId))
  await sender.close()
})

test('sendBatch() drops a span it cannot encode alone, counted as encode_error, and delivers the rest', async () => {
  const producer = new FakeProducer()
  const drops: SpanDrop[] = []
  const sender = newSender(producer, { onDrop: (drop) => drops.push(drop) })
  const bad = { ...span(2), tags: [{ key: 'k', vType: 99 as TagType }] }
  const outcome = await sender.sendBatch(AGENT_PROCESS, [span(1), bad, span(3)])
  assert.equal(outcome.delivered, 2)
  assert.equal(outcome.dropped, 1)
  assert.match(outcome.error ?? '', /Cannot encode span/)
  assert.deepEqual(drops.map((d) => [d.reason, d.spans]), [['encode_error', 1]])
  assert.equal(sender.stats().spansDropped.encode_error, 1)
  assert.deepEqual(decodeBatch(producer.acked[0]!.value).spans.map((s) => s.spanId), [1n, 3n])
  await sender.close()
})

test('sendBatch() with a process it cannot encode drops the whole batch as encode_error', async () => {
  const producer = new FakeProducer()
  const sender = newSender(producer)
  const outcome = await sender.sendBatch({ serviceName: 'x', tags: [{ key: 'k', vType: 42 as TagType }] }, spans(1, 4))
  assert.equal(outcome.delivered, 0)
  assert.equal(outcome.dropped, 4)
  assert.match(outcome.error ?? '', /process/)
  assert.equal(sender.stats().spansDropped.encode_error, 4)
  assert.equal(producer.acked.length, 0)
  await sender.close()
})

test('sendBatch() trims a span over the record limit and drops one that cannot fit as too_large', async () => {
  const producer = new FakeProducer()
  const sender = newSender(producer, { maxMessageBytes: 2048 })
  const outcome = await sender.sendBatch(AGENT_PROCESS, [span(1), span(2, { tagBytes: 5000 }), span(3, { op: 'o'.repeat(5000) })])
  assert.equal(outcome.delivered, 2)
  assert.equal(outcome.dropped, 1)
  const stats = sender.stats()
  assert.equal(stats.spansTrimmed, 1)
  assert.equal(stats.spansDropped.too_large, 1)
  await sender.close()
})

test('sendBatch() after close() drops every span as closed; an empty batch is a no-op', async () => {
  const producer = new FakeProducer()
  const drops: SpanDrop[] = []
  const sender = newSender(producer, { onDrop: (drop) => drops.push(drop) })
  assert.deepEqual(await sender.sendBatch(AGENT_PROCESS, []), { delivered: 0, dropped: 0 })
  await sender.close()
  const outcome = await sender.sendBatch(AGENT_PROCESS, spans(1, 5))
  assert.equal(outcome.delivered, 0)
  assert.equal(outcome.dropped, 5)
  assert.match(outcome.error ?? '', /closed/)
  assert.deepEqual(drops.map((d) => [d.reason, d.spans]), [['closed', 5]])
  assert.equal(sender.stats().spansDropped.closed, 5)
})

test('sendBatch() reports buffer_full when Kafka is unreachable and the buffer cap is exceeded', async () => {
  const producer = new FakeProducer()
  producer.mode = 'fail'
  const sender = newSender(producer, { maxMessageBytes: 1024, maxBufferedBytes: 1024 })
  // Each batch is ~700 bytes: the second one pushes the buffer over its cap and the oldest waiting one goes.
  const wide = (from: number) => [span(from, { tagBytes: 180 }), span(from + 1, { tagBytes: 180 }), span(from + 2, { tagBytes: 180 })]
  const outcomes = [sender.sendBatch(AGENT_PROCESS, wide(1)), sender.sendBatch(AGENT_PROCESS, wide(10))]
  const dropped = await Promise.race(outcomes)
  assert.equal(dropped.delivered, 0)
  assert.equal(dropped.dropped, 3)
  assert.match(dropped.error ?? '', /maxBufferedBytes/)
  producer.mode = 'ack'
  // The sender's backoff timer is unref'd; hold the event loop open while the retry runs.
  const keepAlive = setInterval(() => {}, 5)
  const both = await Promise.all(outcomes).finally(() => clearInterval(keepAlive))
  assert.deepEqual(both.map((o) => o.delivered).sort(), [0, 3])
  assert.equal(sender.stats().spansDropped.buffer_full, 3)
  const stats = sender.stats()
  assert.equal(stats.spansAppended, 6)
  assert.equal(stats.spansDelivered + droppedSpans(stats) + stats.bufferedSpans, 6)
  await sender.close()
})

test('sendBatch() works for the otlp_proto and jaeger_proto encodings', async () => {
  for (const encoding of ['otlp_proto', 'jaeger_proto'] as const) {
    const producer = new FakeProducer()
    const sender = newSender(producer, { encoding })
    sender.setProcess(APP_PROCESS)
    sender.appendSpan(span(100))
    const batch = [span(1), { ...span(2), traceIdLow: 0xdefn }]
    assert.deepEqual(await sender.sendBatch(AGENT_PROCESS, batch), { delivered: 2, dropped: 0 }, encoding)
    await sender.flush()
    assert.ok(producer.acked.every((r) => r.headers[SPAN_ENCODING_HEADER] === encoding), encoding)
    const services: string[] = []
    for (const r of producer.acked) {
      if (encoding === 'otlp_proto') {
        for (const rs of decodeOtlpTraces(r.value).resourceSpans) {
          const name = rs.resource?.attributes.find((a) => a.key === 'service.name')?.value
          for (const ss of rs.scopeSpans) for (const _ of ss.spans) services.push(name?.type === 'string' ? name.value : '?')
        }
      } else {
        services.push(decodeJaegerProtoSpan(r.value).process?.serviceName ?? '?')
      }
    }
    assert.deepEqual(services.sort(), ['app', 'udp-client', 'udp-client'], encoding)
    assert.equal(sender.stats().spansDelivered, 3)
    await sender.close()
  }
})

// ------------------------------------------------------- sendThriftBatch() --

/** A binary emitBatch of `process` and `list` as Apache Thrift writes it, and what sliceEmitBatch() makes of it. */
function received(process: JaegerProcess, list: JaegerSpan[]): { datagram: Uint8Array; parts: ThriftBatchParts } {
  const datagram = apacheEmitBatch('binary', { process, spans: list })
  return { datagram, parts: sliceEmitBatch(datagram) }
}

test('sendThriftBatch() puts the received Process and Span structs into the record unchanged; thriftrw reads it as the datagram', async () => {
  const producer = new FakeProducer()
  producer.mode = 'hold'
  const sender = newSender(producer)
  sender.setProcess(APP_PROCESS)
  sender.appendSpan(span(100))
  const list = [span(1, { tagBytes: 40 }), { ...span(2), references: [{ refType: SpanRefType.CHILD_OF, traceIdLow: 0xabcn, traceIdHigh: 0n, spanId: 1n }] }, span(3)]
  const { datagram, parts } = received(AGENT_PROCESS, list)
  const outcome = sender.sendThriftBatch(parts)
  assert.equal(await settledOrPending(outcome), 'pending', 'not resolved before the ack')
  producer.release()
  assert.deepEqual(await outcome, { delivered: 3, dropped: 0 })
  await sender.flush()
  producer.release()
  // The app's open span was sealed first, in its own record under its own process.
  assert.equal(producer.acked.length, 2)
  assert.equal(decodeBatch(producer.acked[0]!.value).process.serviceName, 'app')
  const record = producer.acked[1]!
  assert.equal(record.headers[SPAN_COUNT_HEADER], '3')
  // Our decoder and the reference (thriftrw) read the record as the datagram's Batch.
  const batch = decodeBatch(record.value)
  assert.deepEqual({ process: batch.process, spans: batch.spans }, decodeEmitBatch(datagram, 'binary'))
  const thrift = loadJaegerThrift()
  const reference = thriftrwDecode(thrift.Batch, Buffer.from(record.value)) as { process: { serviceName: string }; spans: { spanId: Uint8Array }[] }
  assert.equal(reference.process.serviceName, 'udp-client')
  assert.deepEqual(reference.spans.map((s) => hex(s.spanId)), ['0000000000000001', '0000000000000002', '0000000000000003'])
  // The span structs are the received bytes, byte for byte.
  const value = record.value
  for (const part of parts.spans) assert.ok(indexOf(value, part) >= 0, 'span struct copied unchanged')
  assert.ok(indexOf(value, parts.process) >= 0, 'process struct copied unchanged')
  const stats = sender.stats()
  assert.equal(stats.spansAppended, 4)
  assert.equal(stats.spansDelivered, 4)
  await sender.close()
})

test('sendThriftBatch() splits over maxMessageBytes, trims a span over the limit and drops one that cannot fit as too_large', async () => {
  const producer = new FakeProducer()
  const sender = newSender(producer, { maxMessageBytes: 2048 })
  const { parts } = received(AGENT_PROCESS, [...spans(1, 20), span(30, { tagBytes: 5000 }), span(31, { op: 'o'.repeat(5000) })])
  const outcome = await sender.sendThriftBatch(parts)
  assert.equal(outcome.delivered, 21)
  assert.equal(outcome.dropped, 1)
  assert.match(outcome.error ?? '', /exceed the \d+-byte limit/)
  assert.ok(producer.acked.length > 1, `${producer.acked.length} records`)
  const delivered = producer.acked.flatMap((r) => decodeBatch(r.value).spans)
  assert.deepEqual(delivered.map((s) => s.spanId), [...spans(1, 20).map((s) => s.spanId), 30n])
  assert.ok(delivered.at(-1)!.tags?.some((t) => t.key === 'jaeger.truncated' && t.vBool === true))
  const stats = sender.stats()
  assert.equal(stats.spansTrimmed, 1)
  assert.equal(stats.spansDropped.too_large, 1)
  await sender.close()
})

test('sendThriftBatch() with otlp_proto and jaeger_proto decodes the structs and delivers them like sendBatch()', async () => {
  for (const encoding of ['otlp_proto', 'jaeger_proto'] as const) {
    const producer = new FakeProducer()
    const sender = newSender(producer, { encoding })
    const { parts } = received(AGENT_PROCESS, [span(1), { ...span(2), traceIdLow: 0xdefn }])
    assert.deepEqual(await sender.sendThriftBatch(parts), { delivered: 2, dropped: 0 }, encoding)
    assert.ok(producer.acked.length >= 1 && producer.acked.every((r) => r.headers[SPAN_ENCODING_HEADER] === encoding), encoding)
    const operations =
      encoding === 'otlp_proto'
        ? producer.acked.flatMap((r) => decodeOtlpTraces(r.value).resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.name))))
        : producer.acked.map((r) => decodeJaegerProtoSpan(r.value).span.operationName)
    assert.deepEqual(operations.sort(), ['op-1', 'op-2'], encoding)
    await sender.close()
  }
})

test('sendThriftBatch() counts what it cannot send: bad process bytes, a closed sender; never throws', async () => {
  const producer = new FakeProducer()
  const drops: SpanDrop[] = []
  const sender = newSender(producer, { onDrop: (drop) => drops.push(drop) })
  const { parts } = received(AGENT_PROCESS, spans(1, 2))
  const noProcess = await sender.sendThriftBatch({ process: new Uint8Array(0), spans: parts.spans })
  assert.deepEqual([noProcess.delivered, noProcess.dropped], [0, 2])
  assert.match(noProcess.error ?? '', /Process struct/)
  assert.deepEqual(await sender.sendThriftBatch({ process: parts.process, spans: [] }), { delivered: 0, dropped: 0 })
  const notBytes = await sender.sendThriftBatch({ process: parts.process, spans: [parts.spans[0]!, 'x' as unknown as Uint8Array] })
  assert.deepEqual([notBytes.delivered, notBytes.dropped], [1, 1])
  await sender.close()
  const closed = await sender.sendThriftBatch(parts)
  assert.deepEqual([closed.delivered, closed.dropped], [0, 2])
  assert.deepEqual(drops.map((d) => [d.reason, d.spans]), [['encode_error', 2], ['encode_error', 1], ['closed', 2]])
  const stats = sender.stats()
  assert.equal(stats.spansAppended, 6)
  assert.equal(stats.spansDelivered + droppedSpans(stats), 6)
})

/** Where `part` first occurs in `bytes`, or -1. */
function indexOf(bytes: Uint8Array, part: Uint8Array): number {
  outer: for (let i = 0; i + part.length <= bytes.length; i++) {
    for (let j = 0; j < part.length; j++) if (bytes[i + j] !== part[j]) continue outer
    return i
  }
  return -1
}
