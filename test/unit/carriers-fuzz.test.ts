// SPDX-License-Identifier: Apache-2.0
// Property test: 100,000 random header sets (random bytes, huge values,
// duplicate keys, wrong types, arrays, nested junk, hostile objects) through
// KafkaConsumerCarrier + jaeger-client extract + extractContext: zero throws,
// every exposed property a string, every context returned valid. Seeded, so
// a failure names the iteration to replay.
import assert from 'node:assert/strict'
import jaeger from 'jaeger-client'
import * as opentracing from 'opentracing'
import { test } from '../support/harness.ts'
import { prng } from '../support/prng.ts'
import { KafkaConsumerCarrier, extractContext } from '../../carriers/index.ts'
import type { ConsumerCarrierOptions, PropagationFormat } from '../../carriers/index.ts'

const SEED = 0x5eed_cafe
const ITERATIONS = 100_000


const random = prng(SEED)
const int = (n: number): number => Math.floor(random() * n)
const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T
const chance = (p: number): boolean => random() < p

const HEX = '0123456789abcdefABCDEF'
const hex = (n: number): string => Array.from({ length: n }, () => HEX[int(HEX.length)]).join('')
const encoder = new TextEncoder()

// Built once: huge values cost only a reference per use.
const HUGE_STRING = 'x'.repeat(1_000_000)
const HUGE_BYTES = new Uint8Array(2_000_000).fill(0x61)
const HUGE_JSON = { type: 'Buffer', data: new Array(100_000).fill(1) }

function randomText(): string {
  const length = int(40)
  let out = ''
  for (let i = 0; i < length; i++) {
    const r = random()
    if (r < 0.6) out += String.fromCharCode(0x20 + int(95))
    else if (r < 0.7) out += String.fromCharCode(int(0x20))
    else if (r < 0.8) out += pick([':', '%', '%3A', '%ZZ', '-', '=', ',', '\r\n'])
    else if (r < 0.9) out += String.fromCharCode(0xd800 + int(0x800))
    else out += String.fromCharCode(int(0xffff))
  }
  return out
}

function traceLike(): string {
  switch (int(8)) {
    case 0: return `${hex(1 + int(32))}:${hex(1 + int(16))}:${hex(1 + int(16))}:${hex(1 + int(3))}`
    case 1: return `${hex(16)}%3A${hex(16)}%3A0%3A1`
    case 2: return `00-${hex(32).toLowerCase()}-${hex(16).toLowerCase()}-0${int(2)}`
    case 3: return `${hex(32).toLowerCase()}-${hex(16).toLowerCase()}-${pick(['1', '0', 'd', 'x'])}-${hex(16)}`
    case 4: return `${hex(40)}:${hex(20)}:0:1`
    case 5: return `0:0:0:0`
    case 6: return `${':'.repeat(int(6))}${hex(int(10))}`
    default: {
      const base = `${hex(16)}:${hex(16)}:0:1`.split('')
      base[int(base.length)] = randomText().charAt(0) || '?'
      return base.join('')
    }
  }
}

function randomBytes(): Uint8Array {
  const bytes = new Uint8Array(int(64))
  for (let i = 0; i < bytes.length; i++) bytes[i] = int(256)
  return bytes
}

const hostileObject = (): unknown => ({ toString() { throw new Error('toString') }, valueOf() { throw new Error('valueOf') } })
const hostileProxy = (): unknown => new Proxy({}, {
  get() { throw new Error('get trap') },
  ownKeys() { throw new Error('ownKeys trap') },
  getOwnPropertyDescriptor() { throw new Error('gOPD trap') },
  has() { throw new Error('has trap') },
})

function randomValue(depth = 0): unknown {
  switch (int(22)) {
    case 0: case 1: return traceLike()
    case 2: return encoder.encode(traceLike())
    case 3: return randomText()
    case 4: return randomBytes()
    case 5: return { type: 'Buffer', data: Array.from(encoder.encode(traceLike())) }
    case 6: return { type: 'Buffer', data: [int(300) - 20, 'x', null, 1.5, Number.NaN] }
    case 7: return depth < 2 ? Array.from({ length: int(4) }, () => randomValue(depth + 1)) : []
    case 8: return null
    case 9: return undefined
    case 10: return pick([0, -0, 1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 64])
    case 11: return chance(0.5)
    case 12: return BigInt(int(1000))
    case 13: return Symbol('junk')
    case 14: return () => 'function'
    case 15: return hostileObject()
    case 16: return hostileProxy()
    case 17: return pick([HUGE_STRING, HUGE_BYTES, HUGE_JSON])
    case 18: return new Date()
    case 19: return new Map([['uber-trace-id', traceLike()]])
    case 20: return new DataView(encoder.encode(traceLike()).buffer)
    default: return depth < 2 ? { nested: randomValue(depth + 1) } : {}
  }
}

const KEYS = [
  'uber-trace-id', 'Uber-Trace-Id', 'UBER-TRACE-ID', 'uberctx-user', 'UberCtx-Tenant', 'uberctx-', 'uberctx-__proto__',
  'jaeger-debug-id', 'jaeger-baggage', 'traceparent', 'TraceParent', 'tracestate', 'b3', 'X-B3-TraceId', 'x-b3-spanid',
  'x-b3-parentspanid', 'x-b3-sampled', 'x-b3-flags', 'second_span_uber-trace-id', 'second_span_uberctx-k', 'second_span_',
  '__proto__', 'constructor', 'prototype', 'get', 'set', 'forEachKey', 'traceContext', 'toString', 'hasOwnProperty', 'valueOf',
  '', ' ', '\r\n', 'k'.repeat(300), 'ключ', '0', '1', 'length',
]
const randomKey = (): string => (chance(0.85) ? pick(KEYS) : randomText())

function defineHeader(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
}

/** A well-formed context of some format, so the success path is exercised too. */
function contextHeaders(): Array<[string, unknown]> {
  const trace = hex(32).toLowerCase()
  const span = hex(16).toLowerCase()
  const wrap = (v: string): unknown => pick([v, encoder.encode(v), { type: 'Buffer', data: Array.from(encoder.encode(v)) }, [randomValue(), v]])
  switch (int(4)) {
    case 0: return [[pick(['uber-trace-id', 'Uber-Trace-Id']), wrap(`${trace}:${span}:0:1`)]]
    case 1: return [['traceparent', wrap(`00-${trace}-${span}-01`)]]
    case 2: return [['X-B3-TraceId', wrap(trace)], ['x-b3-spanid', wrap(span)]]
    default: return [['uber-trace-id', wrap(`${trace}%3A${span}%3A0%3A1`)]]
  }
}

function randomHeaders(): unknown {
  const count = int(12)
  const context = chance(0.5) ? contextHeaders() : []
  switch (int(10)) {
    case 0: case 1: case 2: {
      const headers: Record<string, unknown> = {}
      for (let i = 0; i < count; i++) defineHeader(headers, randomKey(), randomValue())
      for (const [k, v] of context) if (chance(0.8)) defineHeader(headers, k, v)
      if (chance(0.05)) Object.defineProperty(headers, 'boom', { enumerable: true, get() { throw new Error('getter') } })
      return chance(0.1) ? Object.freeze(headers) : headers
    }
    case 3: case 4: case 5: {
      const list: unknown[] = []
      for (let i = 0; i < count; i++) {
        if (chance(0.1)) list.push(randomValue())
        else {
          const entry: Record<string, unknown> = {}
          for (let k = 0, n = chance(0.2) ? 3 : 1; k < n; k++) defineHeader(entry, randomKey(), randomValue())
          list.push(entry)
        }
      }
      for (const [k, v] of context) list.splice(int(list.length + 1), 0, { [k]: v })
      return list
    }
    case 6: return hostileProxy()
    case 7: return randomValue()
    case 8: {
      // Many headers: over the read cap.
      const headers: Record<string, unknown> = {}
      for (let i = 0; i < 1500; i++) headers[`h${i}`] = 'v'
      defineHeader(headers, randomKey(), randomValue())
      return headers
    }
    default: return {}
  }
}

function randomSource(): unknown {
  const headers = randomHeaders()
  switch (int(5)) {
    case 0: return headers
    case 1: return { key: null, value: randomValue(), offset: String(int(1e6)), timestamp: '0', headers }
    case 2: return { value: null, topic: 't', partition: 0, offset: int(1e6), headers }
    case 3: return { headers: randomValue() }
    default: return chance(0.5) ? randomValue() : Object.freeze({ value: 'v', headers })
  }
}

const FORMAT_ORDERS: ReadonlyArray<readonly PropagationFormat[]> = [['jaeger', 'w3c', 'b3'], ['w3c', 'b3', 'jaeger'], ['b3'], []]
function randomOptions(): ConsumerCarrierOptions {
  if (chance(0.5)) return {}
  return {
    formats: pick(FORMAT_ORDERS),
    expose: pick(FORMAT_ORDERS),
    legacySecondSpan: chance(0.5),
    kind: pick(['auto', 'message', 'headers'] as const),
  }
}

interface JaegerModule {
  initTracer: typeof jaeger.initTracer
  InMemoryReporter: new () => unknown
}
const { initTracer, InMemoryReporter } = jaeger as unknown as JaegerModule
const tracer = initTracer({ serviceName: 'fuzz', sampler: { type: 'const', param: 1 } }, { reporter: new InMemoryReporter() as never, logger: { info() {}, error() {} } })

test(`${ITERATIONS.toLocaleString('en')} random header sets never make the carrier, jaeger-client extract or extractContext throw (seed ${SEED.toString(16)})`, () => {
  let valid = 0
  let exposed = 0
  for (let i = 0; i < ITERATIONS; i++) {
    const source = randomSource()
    const options = randomOptions()
    try {
      const carrier = new KafkaConsumerCarrier(source, options)
      for (const key of Object.keys(carrier)) {
        exposed++
        assert.equal(typeof (carrier as unknown as Record<string, unknown>)[key], 'string', `iteration ${i}: ${key}`)
      }
      carrier.forEachKey((k, v) => assert.ok(typeof k === 'string' && typeof v === 'string', `iteration ${i}`))
      carrier.traceContext()
      tracer.extract(opentracing.FORMAT_TEXT_MAP, carrier)
      tracer.extract(opentracing.FORMAT_HTTP_HEADERS, carrier)
      const ctx = extractContext(tracer, source, options) as { isValid?: boolean } | null
      if (ctx !== null) {
        assert.equal(ctx.isValid, true, `iteration ${i}`)
        valid++
      }
    } catch (error) {
      assert.fail(`iteration ${i} (seed ${SEED.toString(16)}) threw: ${error instanceof Error ? error.stack : String(error)}`)
    }
  }
  // The generator must reach the success path too, or this proves little.
  assert.ok(valid > ITERATIONS / 20, `only ${valid} valid contexts`)
  assert.ok(exposed > ITERATIONS, `only ${exposed} exposed headers`)
}, { timeout: 180_000 })
