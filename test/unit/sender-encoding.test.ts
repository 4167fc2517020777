// SPDX-License-Identifier: Apache-2.0
// KafkaSender `encoding` against a fake producer (no Kafka): jaeger_thrift
// unchanged, otlp_proto one trace per record, jaeger_proto one span per
// record, keys = trace id, size splitting, drop accounting, env/config parsing.
import assert from 'node:assert/strict'
import { test } from '../support/harness.ts'
import { droppedSpans, newTestSender } from '../support/sender-setup.ts'
import { ErrorCodes, JaegerKafkaError } from '../../src/errors.ts'
import type { KafkaHeaders, KafkaProducer, ProduceRequest } from '../../src/kafka/types.ts'
import { SPAN_COUNT_HEADER, SPAN_ENCODING_HEADER, SPAN_ENCODING_THRIFT_BATCH, spanRecordHeaders } from '../../src/kafka/span-record.ts'
import { decodeBatch, traceIdHex } from '../../src/codec/thrift/jaeger-decode.ts'
import { decodeOtlpTraces, encodeOtlpTraces } from '../../src/codec/otlp/index.ts'
import { decodeJaegerProtoSpan, encodeJaegerProtoSpan, traceIdKey } from '../../src/codec/jaeger-proto/index.ts'
import { TagType } from '../../src/codec/thrift/jaeger-types.ts'
import type { JaegerProcess, JaegerSpan } from '../../src/codec/thrift/jaeger-types.ts'
import { KafkaSender } from '../../senders/kafka-sender.ts'
import type { KafkaSenderOptions } from '../../senders/kafka-sender.ts'
import { kafkaConfigFromEnv, senderOptionsFromConfig } from '../../senders/kafka-config.ts'
import { encodeTraceSpan, groupByTrace, maxSpanPartBytes, traceRecordFormat, traceRecords, traceRecordSize } from '../../senders/trace-records.ts'
import type { EncodedSpan } from '../../senders/trace-records.ts'
import { TRUNCATED_TAG_KEY } from '../../senders/trim-span.ts'

/** Acks every send at once, unless a record is over `brokerMaxBytes`. */
class AckingProducer implements KafkaProducer {
  brokerMaxBytes = Infinity
  readonly acked: { key: unknown; value: Uint8Array; headers: KafkaHeaders }[] = []
  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {}
  /** Records per produce call. */
  readonly sends: number[] = []
  send(request: ProduceRequest): Promise<void> {
    this.sends.push(request.messages.length)
    if (request.messages.some((m) => !m.value)) return Promise.reject(new Error('no record'))
    if (request.messages.some((m) => m.value!.length > this.brokerMaxBytes)) return Promise.reject(new JaegerKafkaError(ErrorCodes.MESSAGE_TOO_LARGE, 'Cannot produce: too large'))
    for (const m of request.messages) this.acked.push({ key: m.key, value: m.value!, headers: { ...m.headers } })
    return Promise.resolve()
  }
}

function i64(n: bigint): Uint8Array {
  const bytes = new Uint8Array(8)
  new DataView(bytes.buffer).setBigUint64(0, BigInt.asUintN(64, n))
  return bytes
}

function clientTag(key: string, vStr: string): Record<string, unknown> {
  return { key, vType: 'STRING', vStr, vDouble: 0, vBool: false, vLong: i64(0n), vBinary: i64(0n) }
}

/** A jaeger-client thrift-shaped span of trace (high, low). */
function clientSpan(id: number, traceHigh: bigint, traceLow: bigint, options: { tagBytes?: number; tags?: number; logBytes?: number } = {}): Record<string, unknown> {
  const tags = []
  for (let i = 0; i < (options.tags ?? 1); i++) tags.push(clientTag(`tag${i}`, 'x'.repeat(options.tagBytes ?? 10)))
  const logs = options.logBytes ? [{ timestamp: i64(1_700_000_000_000_000n), fields: [clientTag('event', 'y'.repeat(options.logBytes))] }] : []
  return {
    traceIdLow: i64(traceLow),
    traceIdHigh: i64(traceHigh),
    spanId: i64(BigInt(id)),
    parentSpanId: i64(0n),
    operationName: `op-${id}`,
    references: [],
    flags: 1,
    startTime: i64(1_700_000_000_000_000n + BigInt(id)),
    duration: i64(1000n),
    tags,
    logs,
  }
}

const PROCESS = { serviceName: 'svc', tags: [clientTag('hostname', 'h1')] }
/** Three traces: 64-bit, 128-bit, and one whose low half starts with zeros. */
const TRACES: [bigint, bigint][] = [
  [0n, 0xabcn],
  [0x1122334455667788n, 0x99aabbccddeeff00n],
  [0n, 0x00ff00ff00ff00ffn],
]

function newSender(producer: KafkaProducer, options: Partial<KafkaSenderOptions> = {}): KafkaSender {
  return newTestSender(producer, PROCESS, options)
}

/** Append `perTrace` spans to each of TRACES, interleaved; returns the span count. */
function appendInterleaved(sender: KafkaSender, perTrace: number, options: { tagBytes?: number; tags?: number; logBytes?: number } = {}): number {
  let id = 0
  for (let i = 0; i < perTrace; i++) for (const [high, low] of TRACES) sender.append(clientSpan(++id, high, low, options))
  return id
}

/** The spans of an otlp_proto record, with the trace id hex of each. */
function otlpSpans(value: Uint8Array): { traceIds: string[]; names: string[]; service: unknown } {
  const data = decodeOtlpTraces(value)
  assert.equal(data.resourceSpans.length, 1)
  const resource = data.resourceSpans[0]!
  const spans = resource.scopeSpans.flatMap((scope) => scope.spans)
  const service = resource.resource?.attributes.find((a) => a.key === 'service.name')?.value
  const hex = (bytes: Uint8Array): string => {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    return traceIdHex(view.getBigUint64(0), view.getBigUint64(8))
  }
  return { traceIds: spans.map((s) => hex(s.traceId)), names: spans.map((s) => s.name), service }
}

test('encoding defaults to jaeger_thrift: same record bytes and headers as an explicit jaeger_thrift', async () => {
  const records: Uint8Array[][] = []
  for (const options of [{}, { encoding: 'jaeger_thrift' as const }]) {
    const producer = new AckingProducer()
    const sender = newSender(producer, options)
    appendInterleaved(sender, 4)
    await sender.flush()
    await sender.close()
    assert.equal(producer.acked.length, 1)
    assert.deepEqual(producer.acked[0]!.headers, spanRecordHeaders(12))
    assert.equal(producer.acked[0]!.headers[SPAN_ENCODING_HEADER], SPAN_ENCODING_THRIFT_BATCH)
    assert.match(String(producer.acked[0]!.key), /^[0-9a-f]{16}-1$/)
    assert.equal(decodeBatch(producer.acked[0]!.value).spans.length, 12)
    records.push(producer.acked.map((r) => r.value))
  }
  assert.deepEqual(records[0], records[1])
})

test('otlp_proto: one TracesData per trace per flush, keyed by the trace id, every span once', async () => {
  const producer = new AckingProducer()
  const sender = newSender(producer, { encoding: 'otlp_proto' })
  const sent = appendInterleaved(sender, 5)
  const result = await sender.flush()
  assert.equal(result.spans, sent)
  await sender.close()
  assert.equal(producer.acked.length, TRACES.length)
  const keys = TRACES.map(([traceIdHigh, traceIdLow]) => traceIdKey({ traceIdHigh, traceIdLow }))
  assert.deepEqual(keys, ['0000000000000abc', '112233445566778899aabbccddeeff00', '00ff00ff00ff00ff'])
  assert.deepEqual(producer.acked.map((r) => r.key), keys)
  let total = 0
  for (const record of producer.acked) {
    const { traceIds, names, service } = otlpSpans(record.value)
    assert.deepEqual(new Set(traceIds), new Set([record.key]), 'one trace per record, the key')
    assert.deepEqual(service, { type: 'string', value: 'svc' })
    assert.equal(record.headers[SPAN_ENCODING_HEADER], 'otlp_proto')
    assert.equal(record.headers[SPAN_COUNT_HEADER], String(names.length))
    total += names.length
  }
  assert.equal(total, sent)
  const stats = sender.stats()
  assert.equal(stats.spansDelivered, sent)
  assert.equal(droppedSpans(stats), 0)
})

test('jaeger_proto: one model.Span per record with its process, keyed by the trace id', async () => {
  const producer = new AckingProducer()
  const sender = newSender(producer, { encoding: 'jaeger_proto' })
  const sent = appendInterleaved(sender, 3)
  await sender.flush()
  await sender.close()
  assert.equal(producer.acked.length, sent)
  assert.deepEqual(producer.sends, [sent], 'the records of one flush go in one produce call')
  const ids = new Set<bigint>()
  for (const record of producer.acked) {
    const { process, span } = decodeJaegerProtoSpan(record.value)
    assert.equal(process.serviceName, 'svc')
    assert.equal(record.key, traceIdKey(span))
    assert.equal(record.headers[SPAN_ENCODING_HEADER], 'jaeger_proto')
    assert.equal(record.headers[SPAN_COUNT_HEADER], '1')
    ids.add(span.spanId)
  }
  assert.equal(ids.size, sent)
  assert.equal(sender.stats().spansDelivered, sent)
})

test('otlp_proto: a trace over maxMessageBytes is split into records of that trace, each within the limit', async () => {
  const producer = new AckingProducer()
  const sender = newSender(producer, { encoding: 'otlp_proto', maxMessageBytes: 4096 })
  const sent = appendInterleaved(sender, 20, { tagBytes: 300 })
  await sender.flush()
  await sender.close()
  assert.ok(producer.acked.length > TRACES.length, `${producer.acked.length} records`)
  const seen = new Set<string>()
  let total = 0
  for (const record of producer.acked) {
    assert.ok(record.value.length <= 4096, `${record.value.length} bytes`)
    const { traceIds, names } = otlpSpans(record.value)
    assert.deepEqual(new Set(traceIds), new Set([record.key]))
    for (const name of names) seen.add(name)
    total += names.length
  }
  assert.equal(total, sent)
  assert.equal(seen.size, sent, 'no span twice')
  assert.equal(sender.stats().spansDelivered, sent)
  assert.equal(droppedSpans(sender.stats()), 0)
})

test('otlp_proto: a record the broker refuses is split in halves of the same trace; a one-span one is dropped as too_large', async () => {
  const producer = new AckingProducer()
  const sender = newSender(producer, { encoding: 'otlp_proto', maxMessageBytes: 64 * 1024 })
  let id = 0
  for (let i = 0; i < 16; i++) sender.append(clientSpan(++id, 0n, 0x77n, { tagBytes: 300 }))
  sender.append(clientSpan(++id, 0n, 0x88n, { tagBytes: 5000 }))
  producer.brokerMaxBytes = 3000
  await sender.flush()
  await sender.close()
  const stats = sender.stats()
  assert.equal(stats.spansDelivered, 16)
  assert.equal(stats.spansDropped.too_large, 1)
  assert.equal(stats.spansAppended, stats.spansDelivered + droppedSpans(stats))
  assert.ok(stats.maxMessageBytes < 64 * 1024)
  for (const record of producer.acked) {
    assert.equal(record.key, '0000000000000077')
    assert.ok(record.value.length <= 3000)
  }
})

test('protobuf encodings: a span too large even trimmed is dropped as too_large; a trimmed one keeps the marker', async () => {
  for (const encoding of ['otlp_proto', 'jaeger_proto'] as const) {
    const producer = new AckingProducer()
    const drops: string[] = []
    const sender = newSender(producer, { encoding, maxMessageBytes: 2048, onDrop: (drop) => drops.push(drop.reason) })
    sender.append(clientSpan(1, 0n, 1n, { logBytes: 5000 })) // trimmed: logs removed
    sender.append(clientSpan(2, 0n, 1n, { tags: 1, tagBytes: 5000 })) // the one tag removed
    sender.append(clientSpan(3, 0n, 1n))
    await sender.flush()
    await sender.close()
    const stats = sender.stats()
    assert.equal(stats.spansTrimmed, 2, encoding)
    assert.equal(stats.spansDelivered, 3, encoding)
    assert.deepEqual(drops, [])
    const attributes = producer.acked.flatMap((r) =>
      encoding === 'otlp_proto'
        ? decodeOtlpTraces(r.value).resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.flatMap((s) => s.attributes.map((a) => a.key))))
        : (decodeJaegerProtoSpan(r.value).span.tags ?? []).map((t) => t.key),
    )
    assert.equal(attributes.filter((key) => key === TRUNCATED_TAG_KEY).length, 2, encoding)
  }
})

test('traceRecords(): groups by trace, keeps order, splits by size and reports one-span records over the limit', () => {
  const span = (id: number, low: bigint, tagBytes = 10): JaegerSpan => ({
    traceIdHigh: 0n,
    traceIdLow: low,
    spanId: BigInt(id),
    parentSpanId: 0n,
    operationName: `op-${id}`,
    flags: 1,
    startTime: 1n,
    duration: 1n,
    tags: [{ key: 'k', vType: 0, vStr: 'x'.repeat(tagBytes) }],
  })
  const spans = [span(1, 1n), span(2, 2n), span(3, 1n), span(4, 2n), span(5, 3n, 3000)]
  const otlpSpans = spans.map((s) => encodeTraceSpan('otlp_proto', s))
  const names = (group: readonly EncodedSpan[]): string[] => group.map((s) => s.operationName)
  assert.deepEqual([...groupByTrace(otlpSpans)].map(([key, group]) => [key, names(group)]), [
    ['0000000000000001', ['op-1', 'op-3']],
    ['0000000000000002', ['op-2', 'op-4']],
    ['0000000000000003', ['op-5']],
  ])
  const process = { serviceName: 'svc' }
  const otlpFormat = traceRecordFormat('otlp_proto', process)
  const otlp = traceRecords(otlpFormat, otlpSpans, 1000)
  assert.deepEqual(otlp.records.map((r) => [r.key, names(r.spans)]), [['0000000000000001', ['op-1', 'op-3']], ['0000000000000002', ['op-2', 'op-4']]])
  // Assembled from spans encoded one by one: the same bytes as the one-shot writer.
  assert.deepEqual(otlp.records[0]!.value, encodeOtlpTraces(process, [spans[0]!, spans[2]!]))
  assert.deepEqual(otlp.records[1]!.value, encodeOtlpTraces(process, [spans[1]!, spans[3]!]))
  assert.equal(otlp.drops.length, 1)
  assert.equal(otlp.drops[0]!.reason, 'too_large')
  assert.equal(otlp.drops[0]!.span.operationName, 'op-5')
  assert.equal(otlp.drops[0]!.bytes, encodeOtlpTraces(process, [spans[4]!]).length)
  const small = traceRecords(otlpFormat, otlpSpans.slice(0, 4), 120)
  assert.ok(small.records.length > 2)
  for (const record of small.records) {
    assert.ok(record.value.length <= 120)
    assert.equal(record.value.length, traceRecordSize(otlpFormat, record.spans.reduce((n, s) => n + s.bytes.length, 0)))
  }
  assert.equal(small.records.reduce((n, r) => n + r.spans.length, 0), 4)
  const protoFormat = traceRecordFormat('jaeger_proto', process)
  const proto = traceRecords(protoFormat, spans.map((s) => encodeTraceSpan('jaeger_proto', s)), 1000)
  assert.deepEqual(proto.records.map((r) => [r.key, names(r.spans)]), [
    ['0000000000000001', ['op-1']],
    ['0000000000000002', ['op-2']],
    ['0000000000000001', ['op-3']],
    ['0000000000000002', ['op-4']],
  ])
  proto.records.forEach((record, i) => assert.deepEqual(record.value, encodeJaegerProtoSpan(process, spans[i]!)))
  assert.equal(proto.drops.length, 1)
})

test('maxSpanPartBytes(): the largest span part whose one-span record fits, exactly, around the varint length steps', () => {
  const process: JaegerProcess = { serviceName: 'svc', tags: [{ key: 'hostname', vType: TagType.STRING, vStr: 'h1' }] }
  for (const encoding of ['otlp_proto', 'jaeger_proto'] as const) {
    const format = traceRecordFormat(encoding, process)
    for (const maxBytes of [1024, 16_384 + 3, 16_384 + 40, 983_616, 2_097_152 + 9]) {
      const max = maxSpanPartBytes(format, maxBytes)
      assert.ok(traceRecordSize(format, max) <= maxBytes, `${encoding} ${maxBytes}`)
      assert.ok(traceRecordSize(format, max + 1) > maxBytes, `${encoding} ${maxBytes}: ${max} is not the largest`)
    }
  }
})

test('encoding selection: option, JAEGER_KAFKA_ENCODING and reporter.kafka.encoding; bad values name the allowed ones', () => {
  const producer = new AckingProducer()
  assert.throws(() => new KafkaSender({ producer, encoding: 'thrift' as never }), /`encoding` must be one of jaeger_thrift, otlp_proto, jaeger_proto, got "thrift"/)
  const read = (): string => ''
  assert.equal(kafkaConfigFromEnv({ JAEGER_KAFKA_BROKERS: 'k:1' }, read)?.encoding, undefined)
  assert.equal(kafkaConfigFromEnv({ JAEGER_KAFKA_BROKERS: 'k:1', JAEGER_KAFKA_ENCODING: 'otlp_proto' }, read)?.encoding, 'otlp_proto')
  assert.equal(kafkaConfigFromEnv({ JAEGER_KAFKA_BROKERS: 'k:1', JAEGER_KAFKA_ENCODING: 'JAEGER_PROTO' }, read)?.encoding, 'jaeger_proto')
  assert.throws(
    () => kafkaConfigFromEnv({ JAEGER_KAFKA_BROKERS: 'k:1', JAEGER_KAFKA_ENCODING: 'otlp_json' }, read),
    (error: unknown) => error instanceof RangeError && /JAEGER_KAFKA_ENCODING must be one of jaeger_thrift, otlp_proto, jaeger_proto, got "otlp_json"/.test(error.message),
  )
  assert.equal(senderOptionsFromConfig({ brokers: 'k:1', encoding: 'jaeger_proto' }).encoding, 'jaeger_proto')
  assert.equal(senderOptionsFromConfig({ brokers: 'k:1' }).encoding, undefined)
  assert.throws(() => senderOptionsFromConfig({ brokers: 'k:1', encoding: 'zipkin' as never }), /config\.reporter\.kafka\.encoding must be one of/)
})

test('otlp_proto via appendSpan/setJaegerProcess: a process change seals the earlier spans under the old resource', async () => {
  const producer = new AckingProducer()
  const sender = new KafkaSender({ producer, encoding: 'otlp_proto' })
  const span = (id: number): JaegerSpan => ({ traceIdHigh: 0n, traceIdLow: 5n, spanId: BigInt(id), parentSpanId: 0n, operationName: `op-${id}`, flags: 1, startTime: 1n, duration: 1n })
  sender.setJaegerProcess({ serviceName: 'first' })
  sender.appendSpan(span(1))
  sender.appendSpan(span(2))
  sender.setJaegerProcess({ serviceName: 'second' })
  sender.appendSpan(span(3))
  await sender.flush()
  await sender.close()
  const services = producer.acked.map((r) => otlpSpans(r.value))
  assert.deepEqual(services.map((s) => [s.service, s.names]), [
    [{ type: 'string', value: 'first' }, ['op-1', 'op-2']],
    [{ type: 'string', value: 'second' }, ['op-3']],
  ])
  assert.deepEqual(producer.acked.map((r) => r.key), ['0000000000000005', '0000000000000005'])
  assert.equal(sender.stats().spansDelivered, 3)
})

test('a span sized for the old limit whose record is over a lowered one is dropped at sealing, counted too_large', async () => {
  const producer = new AckingProducer()
  producer.brokerMaxBytes = 1500
  const drops: { reason: string; spans: number; operationName?: string }[] = []
  const sender = newSender(producer, {
    encoding: 'otlp_proto',
    maxMessageBytes: 64 * 1024,
    onDrop: (drop) => drops.push({ reason: drop.reason, spans: drop.spans, ...(drop.operationName ? { operationName: drop.operationName } : {}) }),
  })
  sender.append(clientSpan(1, 0n, 1n, { tagBytes: 4000 }))
  const first = sender.flush() // seals span 1; the broker refuses it and the limit drops to ~2 KiB
  sender.append(clientSpan(2, 0n, 2n, { tagBytes: 3000 })) // fits the old limit, so it is not trimmed
  await first
  assert.ok(sender.stats().maxMessageBytes < 4096)
  await sender.flush() // span 2's record is over the lowered limit: dropped while sealing
  await sender.close()
  const stats = sender.stats()
  assert.equal(stats.spansDropped.too_large, 2)
  assert.equal(stats.spansDelivered, 0)
  assert.equal(stats.spansAppended, stats.spansDelivered + droppedSpans(stats))
  // The broker's refusal drops record 1; sealing drops span 2 (named, as a span drop is).
  assert.deepEqual(drops, [{ reason: 'too_large', spans: 1 }, { reason: 'too_large', spans: 1, operationName: 'op-2' }])
  assert.equal(producer.acked.length, 0)
})

test('protobuf encodings: one produce call carries up to maxMessageBytes of records; a refused call is split by records', async () => {
  const producer = new AckingProducer()
  const sender = newSender(producer, { encoding: 'jaeger_proto', maxMessageBytes: 4096 })
  let id = 0
  for (let t = 1; t <= 40; t++) sender.append(clientSpan(++id, 0n, BigInt(t), { tagBytes: 100 }))
  await sender.flush()
  assert.equal(producer.acked.length, 40)
  assert.ok(producer.sends.length > 1 && producer.sends.length < 40, `produce calls: ${producer.sends.join(',')}`)
  assert.equal(producer.sends.reduce((a, b) => a + b, 0), 40)
  // A call the broker refuses (a record over its limit) is sent again as halves; only the big record is dropped.
  producer.brokerMaxBytes = 1000
  for (let t = 1; t <= 7; t++) sender.append(clientSpan(++id, 0n, BigInt(100 + t), { tagBytes: 100 }))
  sender.append(clientSpan(++id, 0n, 200n, { tagBytes: 1500 }))
  await sender.flush()
  await sender.close()
  const stats = sender.stats()
  assert.equal(stats.spansDelivered, 47)
  assert.equal(stats.spansDropped.too_large, 1)
  assert.equal(stats.batchesDelivered, 47, 'records delivered')
  assert.deepEqual(new Set(producer.acked.map((r) => r.key)).size, 47)
  for (const record of producer.acked) assert.equal(record.key, traceIdKey(decodeJaegerProtoSpan(record.value).span))
})

test('protobuf encodings: at most 1000 records per produce call, and record overhead counts against maxMessageBytes', async () => {
  const producer = new AckingProducer()
  const sender = newSender(producer, { encoding: 'jaeger_proto' })
  for (let t = 1; t <= 2500; t++) sender.append(clientSpan(t, 0n, BigInt(t)))
  await sender.flush()
  assert.deepEqual(producer.sends, [1000, 1000, 500])
  const small = new AckingProducer()
  const limited = newSender(small, { encoding: 'jaeger_proto', maxMessageBytes: 2048 })
  for (let t = 1; t <= 12; t++) limited.append(clientSpan(t, 0n, BigInt(t)))
  await limited.flush()
  const recordBytes = small.acked[0]!.value.length
  const perCall = Math.floor(2048 / (recordBytes + 256))
  assert.ok(perCall >= 1 && perCall < Math.floor(2048 / recordBytes), `${recordBytes}-byte records`)
  assert.equal(small.sends[0], perCall)
  assert.equal(small.sends.reduce((a, b) => a + b, 0), 12)
  await sender.close()
  await limited.close()
})
