// SPDX-License-Identifier: Apache-2.0
// Record validation and dead-letter records of the forwarder.
import assert from 'node:assert/strict'
import { test } from '../support/harness.ts'
import { DEAD_LETTER_HEADERS, deadLetterHeaders, deadLetterMessage } from '../../forwarder/dead-letter.ts'
import { headerText, validateRecord } from '../../forwarder/record.ts'
import type { SpanRecord } from '../../forwarder/record.ts'
import { SPAN_ENCODING_HEADER, SPAN_ENCODING_THRIFT_BATCH } from '../../src/kafka/span-record.ts'
import { makeBatch, randomBytes } from '../support/forwarder-fakes.ts'

function record(value: Uint8Array | null, headers: SpanRecord['headers'] = {}): SpanRecord {
  return { topic: 'jaeger-spans', partition: 2, offset: 41n, key: new TextEncoder().encode('k1'), value, headers, timestamp: '1700000000123' }
}

test('validateRecord() counts the spans of a valid Batch', () => {
  const { bytes } = makeBatch({ spans: 3 })
  // No header = jaeger_thrift (what every earlier sender wrote); the body is the record's own bytes.
  assert.deepEqual(validateRecord(record(bytes)), { ok: true, spanCount: 3, encoding: 'jaeger_thrift', target: 'collector', body: bytes })
  assert.equal((validateRecord(record(bytes)) as { body: Uint8Array }).body, bytes, 'the same bytes, not a copy')
  const marked = record(bytes, { [SPAN_ENCODING_HEADER]: new TextEncoder().encode(SPAN_ENCODING_THRIFT_BATCH) })
  assert.deepEqual(validateRecord(marked), { ok: true, spanCount: 3, encoding: 'jaeger_thrift', target: 'collector', body: bytes })
})

test('validateRecord() rejects random bytes, empty and null values as thrift-decode', () => {
  for (const value of [randomBytes(), new Uint8Array(0), null]) {
    const result = validateRecord(record(value))
    assert.equal(result.ok, false)
    if (!result.ok) {
      assert.equal(result.reason, 'thrift-decode')
      assert.ok(result.message.length > 0)
    }
  }
})

test('validateRecord() rejects a record marked with another encoding without decoding it', () => {
  const { bytes } = makeBatch()
  const result = validateRecord(record(bytes, { [SPAN_ENCODING_HEADER]: 'jaeger.proto' }))
  assert.equal(result.ok, false)
  if (!result.ok) {
    assert.equal(result.reason, 'unsupported-encoding')
    assert.match(result.message, /jaeger\.proto/)
  }
})

test('headerText() decodes Buffers and takes the last of repeated values', () => {
  const enc = new TextEncoder()
  assert.equal(headerText(enc.encode('a')), 'a')
  assert.equal(headerText('b'), 'b')
  assert.equal(headerText([enc.encode('first'), 'last']), 'last')
  assert.equal(headerText([]), undefined)
  assert.equal(headerText(undefined), undefined)
})

test('deadLetterHeaders() gives reason, status, attempts and the original position', () => {
  const headers = deadLetterHeaders(record(new Uint8Array([1])), { reason: 'collector-rejected', message: '400 Bad Request: Unable to process request body', status: 400, attempts: 2 })
  assert.deepEqual(headers, {
    'x-jaeger-kafka-error': 'collector-rejected',
    'x-jaeger-kafka-error-message': '400 Bad Request: Unable to process request body',
    'x-jaeger-kafka-status': '400',
    'x-jaeger-kafka-attempts': '2',
    'x-jaeger-kafka-original-topic': 'jaeger-spans',
    'x-jaeger-kafka-original-partition': '2',
    'x-jaeger-kafka-original-offset': '41',
    'x-jaeger-kafka-original-timestamp': '1700000000123',
  })
})

test('deadLetterHeaders() leaves out the status of a record that was never POSTed and caps the message', () => {
  const headers = deadLetterHeaders(record(null), { reason: 'thrift-decode', message: 'x'.repeat(2000), attempts: 0 })
  assert.equal(headers[DEAD_LETTER_HEADERS.status], undefined)
  assert.equal(headers[DEAD_LETTER_HEADERS.attempts], '0')
  assert.equal(headers[DEAD_LETTER_HEADERS.message]!.length, 500)
})

test('deadLetterMessage() keeps key, value and original headers unchanged and does not touch the record', () => {
  const value = randomBytes(32)
  const original = Object.freeze({ 'uber-trace-id': new TextEncoder().encode('abc:def:0:1'), 'x-jaeger-kafka-error': 'stale' })
  const rec = Object.freeze(record(value, original))
  const message = deadLetterMessage(rec, { reason: 'thrift-decode', message: 'bad', attempts: 0 })
  assert.equal(message.value, value, 'the same bytes, not a copy')
  assert.equal(message.key, rec.key)
  assert.equal(message.headers['uber-trace-id'], original['uber-trace-id'])
  assert.equal(message.headers['x-jaeger-kafka-error'], 'thrift-decode', 'our headers win over stale ones')
  assert.deepEqual(Object.keys(rec.headers), ['uber-trace-id', 'x-jaeger-kafka-error'])
})
