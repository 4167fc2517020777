// SPDX-License-Identifier: Apache-2.0
// `jaeger-kafka inspect` reads all three span encodings: decodeRecordView(),
// sniffEncoding() for records without the header, and the printed lines.
import assert from 'node:assert/strict'
import { test } from '../support/harness.ts'
import { encodeBatch } from '../../src/codec/thrift/jaeger-encode.ts'
import { TagType } from '../../src/codec/thrift/jaeger-types.ts'
import type { JaegerProcess, JaegerSpan } from '../../src/codec/thrift/jaeger-types.ts'
import { encodeOtlpTraces } from '../../src/codec/otlp/index.ts'
import { encodeJaegerProtoSpan } from '../../src/codec/jaeger-proto/index.ts'
import { decodeRecordView, sniffEncoding } from '../../cli/record-view.ts'
import { describeRecord } from '../../cli/inspect.ts'

const process: JaegerProcess = { serviceName: 'orders', tags: [{ key: 'hostname', vType: TagType.STRING, vStr: 'h1' }] }

function span(id: bigint, traceIdHigh: bigint, traceIdLow: bigint, parentSpanId = 0n): JaegerSpan {
  return { traceIdHigh, traceIdLow, spanId: id, parentSpanId, operationName: `op-${id}`, flags: 1, startTime: 1_700_000_000_000_000n, duration: 1234n }
}

const spans = [span(0x11n, 0n, 0xabcn), span(0x22n, 0n, 0xabcn, 0x11n)]
const wide = span(0x33n, 0x0102030405060708n, 0x1112131415161718n)

test('decodeRecordView(): the same spans read the same from jaeger_thrift, otlp_proto and jaeger_proto', () => {
  const expected = spans.map((s) => ({ traceId: '0000000000000abc', spanId: s.spanId, parentSpanId: s.parentSpanId, operationName: s.operationName, duration: 1234n }))
  const thrift = decodeRecordView(encodeBatch({ process, spans, seqNo: 7n }), 'jaeger_thrift')
  assert.deepEqual(thrift.spans, expected)
  assert.deepEqual(thrift.services, ['orders'])
  assert.equal(thrift.seqNo, 7n)
  const otlp = decodeRecordView(encodeOtlpTraces(process, spans), 'otlp_proto')
  assert.deepEqual(otlp.spans, expected)
  assert.deepEqual(otlp.services, ['orders'])
  const proto = decodeRecordView(encodeJaegerProtoSpan(process, spans[1]!), 'jaeger_proto')
  assert.deepEqual(proto.spans, [expected[1]])
  assert.deepEqual(proto.services, ['orders'])
  assert.equal(decodeRecordView(encodeOtlpTraces(process, [wide]), 'otlp_proto').spans[0]!.traceId, '01020304050607081112131415161718')
  assert.equal(decodeRecordView(encodeJaegerProtoSpan(process, wide), 'jaeger_proto').spans[0]!.traceId, '01020304050607081112131415161718')
})

test('sniffEncoding() tells the three encodings apart; garbage is reported, not thrown past decodeRecordView', () => {
  assert.equal(sniffEncoding(encodeBatch({ process, spans })), 'jaeger_thrift')
  for (const s of [...spans, wide]) assert.equal(sniffEncoding(encodeJaegerProtoSpan(process, s)), 'jaeger_proto')
  assert.equal(sniffEncoding(encodeOtlpTraces(process, spans)), 'otlp_proto')
  assert.equal(sniffEncoding(encodeOtlpTraces(process, [wide])), 'otlp_proto')
  const garbage = new Uint8Array([0xff, 0xff, 0xff, 0x01])
  assert.throws(() => decodeRecordView(garbage, sniffEncoding(garbage)), Error)
})

test('describeRecord() names the encoding and key of protobuf records, and prints Thrift lines as before', () => {
  const where = { partition: 0, offset: '5', bytes: 100, key: '0000000000000abc' }
  const otlp = describeRecord(decodeRecordView(encodeOtlpTraces(process, spans), 'otlp_proto'), where, false, false)
  assert.equal(otlp.split('\n')[0], 'partition 0 offset 5  encoding=otlp_proto  service=orders  spans=2  traces=1  bytes=100  key=0000000000000abc')
  assert.match(otlp, /trace 0000000000000abc {2}op-17, op-34/)
  const thrift = describeRecord(decodeRecordView(encodeBatch({ process, spans, seqNo: 3n }), 'jaeger_thrift'), { ...where, key: 'abc-3' }, true, false)
  assert.equal(thrift.split('\n')[0], 'partition 0 offset 5  service=orders  spans=2  traces=1  bytes=100  seqNo=3')
  assert.match(thrift, /0000000000000abc {2}span 0000000000000022 {2}parent 0000000000000011 {2}op-34 {2}1234 µs/)
  const json = JSON.parse(describeRecord(decodeRecordView(encodeJaegerProtoSpan(process, wide), 'jaeger_proto'), where, false, true))
  assert.equal(json.encoding, 'jaeger_proto')
  assert.equal(json.spans, 1)
  assert.deepEqual(json.traces, [{ traceId: '01020304050607081112131415161718', operations: ['op-51'] }])
})
