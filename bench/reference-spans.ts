// SPDX-License-Identifier: Apache-2.0
// The codec benchmarks' workload: baseline.md's reference span (6 tags, 1 log
// with 2 fields, a childOf reference) in one trace, with a jaeger-client
// process. Shared so every encoder is measured on the same spans.
import { SpanRefType, TagType } from '../src/codec/thrift/jaeger-types.ts'
import type { JaegerProcess, JaegerSpan } from '../src/codec/thrift/jaeger-types.ts'

export const referenceProcess: JaegerProcess = {
  serviceName: 'users-api',
  tags: [
    { key: 'jaeger.version', vType: TagType.STRING, vStr: 'Node-3.19.0' },
    { key: 'hostname', vType: TagType.STRING, vStr: 'users-api-7d9f' },
    { key: 'ip', vType: TagType.STRING, vStr: '10.1.2.3' },
    { key: 'client-uuid', vType: TagType.STRING, vStr: '4f1c2a9e8b7d6c5a' },
  ],
}

const T0 = 1_700_000_000_000_000n

/** `count` reference spans of one trace, ids and times distinct per span. */
export function referenceSpans(count: number): JaegerSpan[] {
  return Array.from({ length: count }, (_, i) => ({
    traceIdHigh: 0n,
    traceIdLow: 0x1f2e3d4c5b6a7988n,
    spanId: 0x100000n + BigInt(i),
    parentSpanId: 0x1f2e3d4c5b6a7988n,
    operationName: 'GET /api/v1/users/:id',
    references: [{ refType: SpanRefType.CHILD_OF, traceIdHigh: 0n, traceIdLow: 0x1f2e3d4c5b6a7988n, spanId: 0x1f2e3d4c5b6a7988n }],
    flags: 1,
    startTime: T0 + BigInt(i * 1000),
    duration: 1234n + BigInt(i),
    tags: [
      { key: 'span.kind', vType: TagType.STRING, vStr: 'server' },
      { key: 'http.method', vType: TagType.STRING, vStr: 'GET' },
      { key: 'http.url', vType: TagType.STRING, vStr: 'http://users/api/v1/users/42' },
      { key: 'http.status_code', vType: TagType.LONG, vLong: 200n },
      { key: 'db.latency_ms', vType: TagType.DOUBLE, vDouble: 12.5 },
      { key: 'cache.hit', vType: TagType.BOOL, vBool: true },
    ],
    logs: [{ timestamp: T0 + BigInt(i * 1000 + 10), fields: [{ key: 'event', vType: TagType.STRING, vStr: 'cache.lookup' }, { key: 'user.id', vType: TagType.STRING, vStr: '42' }] }],
  }))
}

/** The part of an OpenTracing tracer (jaeger-client's) that finishReferenceSpan() drives. */
interface ReferenceTracer {
  // deno-lint-ignore no-explicit-any
  startSpan(name: string, options: { references: readonly unknown[] }): any
}

/**
 * The same reference span created by a real tracer, as an app would: 6 tags
 * (3 strings, an int, a float, a bool), 1 log with 2 fields, a childOf
 * reference (`references`), finished at once.
 */
export function finishReferenceSpan(tracer: ReferenceTracer, references: readonly unknown[]): void {
  tracer
    .startSpan('GET /api/v1/users/:id', { references })
    .setTag('span.kind', 'server')
    .setTag('http.method', 'GET')
    .setTag('http.url', 'http://users/api/v1/users/42')
    .setTag('http.status_code', 200)
    .setTag('db.latency_ms', 12.5)
    .setTag('cache.hit', true)
    .log({ event: 'cache.lookup', 'user.id': '42' })
    .finish()
}
