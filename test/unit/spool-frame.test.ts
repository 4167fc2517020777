// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict'
import { test } from '../support/harness.ts'
import { crc32c } from '../../src/codec/crc32c.ts'
import { FRAME_HEADER_BYTES, decodePayload, encodeFrame, readFrame, spanCountOf } from '../../senders/spool/spool-frame.ts'
import { isJaegerKafkaError } from '../../src/errors.ts'
import { spanRecordHeaders } from '../../src/kafka/span-record.ts'
import type { ProduceRequest } from '../../src/kafka/types.ts'

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values)

const request: ProduceRequest = {
  topic: 'jaeger-spans',
  messages: [
    { key: 'sender-1', value: bytes(1, 2, 3), headers: { ...spanRecordHeaders(3), raw: bytes(0, 255), repeated: ['a', bytes(9)] } },
    { key: bytes(7, 7), value: null, headers: {} },
    { key: null, value: new Uint8Array(0), headers: spanRecordHeaders(4, 'otlp_proto') },
    { value: bytes(5), headers: { skipped: undefined } },
  ],
}

test('crc32c() matches the CRC-32C check value and continues across pieces', () => {
  const digits = new TextEncoder().encode('123456789')
  assert.equal(crc32c(digits), 0xe3069283)
  assert.equal(crc32c(digits.subarray(4), crc32c(digits.subarray(0, 4))), 0xe3069283)
  assert.equal(crc32c(new Uint8Array(0)), 0)
})

test('a spooled send() call reads back with keys, null values and every header shape intact', () => {
  const frame = encodeFrame(request)
  const read = readFrame(frame)
  assert.equal(read.status, 'ok')
  if (read.status !== 'ok') return
  assert.equal(read.length, frame.length)
  assert.equal(read.spanCount, 7)
  const decoded = decodePayload(read.payload, read.spanCount)
  assert.equal(decoded.spanCount, 7)
  assert.deepEqual(decoded.request, {
    topic: 'jaeger-spans',
    messages: [
      { key: 'sender-1', value: bytes(1, 2, 3), headers: { ...spanRecordHeaders(3), raw: bytes(0, 255), repeated: ['a', bytes(9)] } },
      { key: bytes(7, 7), value: null, headers: {} },
      { key: null, value: new Uint8Array(0), headers: spanRecordHeaders(4, 'otlp_proto') },
      { value: bytes(5), headers: {} },
    ],
  })
})

test('spanCountOf() sums the span-count headers (text or bytes) and counts a record without one as 0', () => {
  assert.equal(spanCountOf(request.messages), 7)
  assert.equal(spanCountOf([{ value: bytes(1), headers: { 'jaeger-kafka-span-count': new TextEncoder().encode('12') } }]), 12)
  assert.equal(spanCountOf([{ value: bytes(1), headers: { 'jaeger-kafka-span-count': 'x' } }, { value: bytes(1), headers: {} }]), 0)
})

test('readFrame() reports a frame cut at every byte as short, never ok', () => {
  const frame = encodeFrame(request)
  for (let cut = 0; cut < frame.length; cut++) {
    const read = readFrame(frame.subarray(0, cut))
    assert.equal(read.status, 'short', `cut at ${cut}`)
    if (read.status !== 'short') continue
    if (cut < FRAME_HEADER_BYTES) {
      assert.equal(read.spanCount, undefined)
      assert.equal(read.needed, FRAME_HEADER_BYTES)
    } else {
      assert.equal(read.spanCount, 7)
      assert.equal(read.needed, frame.length)
    }
  }
})

test('readFrame() rejects a flipped bit at every byte, keeping the span count when only the payload is damaged', () => {
  const frame = encodeFrame(request)
  for (let at = 0; at < frame.length; at++) {
    const damaged = frame.slice()
    damaged[at] = (damaged[at] as number) ^ 0x10
    const read = readFrame(damaged)
    assert.notEqual(read.status, 'ok', `flip at ${at}`)
    if (at >= 8 && at < FRAME_HEADER_BYTES - 4) assert.equal(read.status, 'corrupt')
    if (at >= FRAME_HEADER_BYTES) assert.deepEqual(read, { status: 'corrupt', reason: 'payload checksum mismatch', spanCount: 7 }, `flip at ${at}`)
  }
})

test('decodePayload() throws a SPOOL error for an unknown version and for trailing bytes', () => {
  const frame = encodeFrame(request)
  const payload = frame.slice(FRAME_HEADER_BYTES)
  payload[0] = 9
  assert.throws(() => decodePayload(payload, 7), (error: unknown) => isJaegerKafkaError(error) && error.code === 'SPOOL' && /version 9/.test(error.message))
  const longer = new Uint8Array(frame.length - FRAME_HEADER_BYTES + 1)
  longer.set(frame.subarray(FRAME_HEADER_BYTES))
  assert.throws(() => decodePayload(longer, 7), /1 trailing bytes/)
  assert.throws(() => decodePayload(frame.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + 5), 7), /truncated/)
})

test('encodeFrame() never mutates the request', () => {
  const copy = structuredClone(request)
  encodeFrame(request)
  assert.deepEqual(request, copy)
})
