// SPDX-License-Identifier: Apache-2.0
// Header value decoding rules (src/headers.ts), over every shape the clients
// hand over.
import assert from 'node:assert/strict'
import { Buffer } from 'node:buffer'
import { test } from '../support/harness.ts'
import {
  HEADER_LIMITS, bytesToString, decodeHeaderValue, decodeSingleValue, forEachHeader, getHeader,
} from '../../src/headers.ts'

const utf8 = new TextEncoder()

const values: Array<[string, unknown, string | undefined]> = [
  ['a string', 'abc:1:0:1', 'abc:1:0:1'],
  ['a Node Buffer (kafkajs, node-rdkafka)', Buffer.from('abc:1:0:1'), 'abc:1:0:1'],
  ['a Uint8Array', utf8.encode('héllo ✓'), 'héllo ✓'],
  ['a Buffer slice of a pooled slab', Buffer.from('xxxabc:1:0:1yyy').subarray(3, 12), 'abc:1:0:1'],
  ['an ArrayBuffer', utf8.encode('ab').buffer, 'ab'],
  ['a DataView', new DataView(utf8.encode('xy').buffer), 'xy'],
  ['JSON of a Buffer ({type:"Buffer",data})', JSON.parse(JSON.stringify(Buffer.from('ok ✓'))), 'ok ✓'],
  ['an array (repeated key): the last occurrence wins', ['first', Buffer.from('second')], 'second'],
  ['an array whose last occurrence is null: absent', ['first', null], undefined],
  ['an empty array', [], undefined],
  ['a nested array', [['inner']], undefined],
  ['null', null, undefined],
  ['undefined', undefined, undefined],
  ['a number', 42, undefined],
  ['a boolean', true, undefined],
  ['a plain object', { a: 1 }, undefined],
  ['a function', () => 'x', undefined],
  ['Buffer JSON with non-byte data', { type: 'Buffer', data: [1, 300, 'x'] }, undefined],
  ['Buffer JSON with fractional data', { type: 'Buffer', data: [65.5] }, undefined],
  ['invalid UTF-8 (replacement character)', Uint8Array.of(0x61, 0xff, 0x62), 'a\uFFFDb'],
  ['a UTF-8 BOM (kept, as Java does)', Uint8Array.of(0xef, 0xbb, 0xbf, 0x61), '\uFEFFa'],
  ['an empty Buffer', Buffer.alloc(0), ''],
]

for (const [name, value, expected] of values) {
  test(`decodeHeaderValue() decodes ${name}`, () => {
    assert.equal(decodeHeaderValue(value), expected)
  })
}

test('decodeSingleValue() treats values over maxValueBytes as absent', () => {
  const max = HEADER_LIMITS.maxValueBytes
  assert.equal(decodeSingleValue('a'.repeat(max))?.length, max)
  assert.equal(decodeSingleValue('a'.repeat(max + 1)), undefined)
  assert.equal(decodeSingleValue(new Uint8Array(max + 1)), undefined)
  assert.equal(decodeSingleValue({ type: 'Buffer', data: new Array(max + 1).fill(97) }), undefined)
})

test('bytesToString() decodes multi-byte sequences without the Buffer API', () => {
  assert.equal(bytesToString(utf8.encode('日本 👍')), '日本 👍')
})

test('forEachHeader() visits kafkajs headers in order, expanding repeated keys', () => {
  const seen: Array<[string, unknown]> = []
  forEachHeader({ a: '1', b: ['2', '3'], c: null }, (k, v) => seen.push([k, v]))
  assert.deepEqual(seen, [['a', '1'], ['b', '2'], ['b', '3'], ['c', null]])
})

test('forEachHeader() visits node-rdkafka headers in wire order, skipping junk entries', () => {
  const seen: Array<[string, unknown]> = []
  forEachHeader([{ a: '1' }, null, 'junk', [1], { b: '2', c: '3' }, { a: '4' }], (k, v) => seen.push([k, v]))
  assert.deepEqual(seen, [['a', '1'], ['b', '2'], ['c', '3'], ['a', '4']])
})

test('forEachHeader() reads only the last maxHeadersRead entries', () => {
  const many = Array.from({ length: HEADER_LIMITS.maxHeadersRead + 10 }, (_, i) => ({ [`k${i}`]: String(i) }))
  const seen: string[] = []
  forEachHeader(many, (k) => seen.push(k))
  assert.equal(seen.length, HEADER_LIMITS.maxHeadersRead)
  assert.equal(seen[0], 'k10')
  assert.equal(seen.at(-1), `k${HEADER_LIMITS.maxHeadersRead + 9}`)
})

test('forEachHeader() skips keys longer than maxKeyLength', () => {
  const seen: string[] = []
  forEachHeader({ ['k'.repeat(HEADER_LIMITS.maxKeyLength + 1)]: 'x', ok: 'y' }, (k) => seen.push(k))
  assert.deepEqual(seen, ['ok'])
})

test('forEachHeader() survives hostile objects without throwing', () => {
  const throwingGetter = Object.defineProperty({ a: '1' }, 'b', { enumerable: true, get() { throw new Error('boom') } })
  const seen: string[] = []
  forEachHeader(throwingGetter, (k) => seen.push(k))
  assert.deepEqual(seen, ['a'])
  const hostileProxy = new Proxy({}, { ownKeys() { throw new Error('no keys') } })
  assert.doesNotThrow(() => forEachHeader(hostileProxy, () => {}))
  assert.doesNotThrow(() => forEachHeader('not headers', () => {}))
  assert.doesNotThrow(() => forEachHeader(null, () => {}))
})

test('getHeader() matches keys case-insensitively and lets the last occurrence win', () => {
  const rdkafka = [{ 'Uber-Trace-Id': Buffer.from('old') }, { 'uber-trace-id': Buffer.from('new') }]
  assert.equal(getHeader(rdkafka, 'UBER-TRACE-ID'), 'new')
  assert.equal(getHeader({ 'X-B3-TraceId': 'a', 'x-b3-traceid': ['b', 'c'] }, 'x-b3-traceid'), 'c')
  assert.equal(getHeader({ other: 'x' }, 'uber-trace-id'), undefined)
  assert.equal(getHeader(undefined, 'uber-trace-id'), undefined)
})
