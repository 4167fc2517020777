// SPDX-License-Identifier: Apache-2.0
// Compare a thriftrw-decoded Span with jaeger-client's own spanToThrift() of
// the span the app recorded: the fields that must survive the trip, as plain
// values; and the reference workload those tests record.
import assert from 'node:assert/strict'
import { Buffer } from 'node:buffer'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const jaeger = require('jaeger-client') as { opentracing: { childOf(c: unknown): unknown } }
const ThriftUtils = (require('jaeger-client/dist/src/thrift.js') as { default: { spanToThrift(span: unknown): Record<string, unknown> } }).default

interface TracerLike {
  startSpan(name: string, options?: { references?: unknown[] }): { context(): unknown; setTag(k: string, v: unknown): unknown; log(f: Record<string, unknown>): unknown; finish(): void }
}

/** Record `n` spans (one root, n-1 children with string/number/bool tags and a log); returns them, root last. */
export function recordSpans(tracer: TracerLike, n: number): unknown[] {
  const recorded: unknown[] = []
  const root = tracer.startSpan('root')
  for (let i = 0; i < n - 1; i++) {
    const span = tracer.startSpan(`op-${i % 9}`, { references: [jaeger.opentracing.childOf(root.context())] })
    span.setTag('s', `v${i}`)
    span.setTag('n', i)
    span.setTag('b', i % 2 === 0)
    span.log({ event: 'tick', i })
    span.finish()
    recorded.push(span)
  }
  root.finish()
  recorded.push(root)
  return recorded
}

/** A Buffer field as hex, anything else as text. */
export function hex(value: unknown): string {
  return Buffer.isBuffer(value) ? value.toString('hex') : String(value)
}

/** The fields of a thriftrw Span / spanToThrift() object that must match, as comparable values. */
export function normalizeThriftSpan(span: Record<string, unknown>): unknown {
  const tags = (list: unknown): unknown =>
    ((list as Record<string, unknown>[] | null) ?? []).map((t) => {
      const field = { STRING: 'vStr', DOUBLE: 'vDouble', BOOL: 'vBool', LONG: 'vLong', BINARY: 'vBinary' }[t.vType as string] as string
      return [t.key, t.vType, hex(t[field])]
    })
  return {
    ids: ['traceIdLow', 'traceIdHigh', 'spanId', 'parentSpanId', 'startTime', 'duration'].map((k) => hex(span[k])),
    operationName: span.operationName,
    flags: span.flags,
    references: ((span.references as Record<string, unknown>[] | null) ?? []).map((r) => [r.refType, hex(r.traceIdLow), hex(r.spanId)]),
    tags: tags(span.tags),
    logs: ((span.logs as Record<string, unknown>[] | null) ?? []).map((l) => [hex(l.timestamp), tags(l.fields)]),
  }
}

/** Assert that `decoded` (thriftrw Spans) holds exactly the `recorded` spans, each field as jaeger-client would have sent it. */
export function assertSpansAsRecorded(decoded: Record<string, unknown>[], recorded: unknown[]): void {
  assert.equal(decoded.length, recorded.length)
  const byId = new Map(decoded.map((s) => [hex(s.spanId), s]))
  assert.equal(byId.size, recorded.length)
  for (const span of recorded) {
    const expected = ThriftUtils.spanToThrift(span)
    const actual = byId.get(hex(expected.spanId))
    assert.ok(actual)
    assert.deepEqual(normalizeThriftSpan(actual), normalizeThriftSpan(expected))
  }
}
