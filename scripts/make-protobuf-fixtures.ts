// SPDX-License-Identifier: Apache-2.0
// Writes the golden fixtures of test/unit/protobuf-codec.test.ts to
// test/fixtures/otlp/*.json and test/fixtures/jaeger-proto/*.json: fixed
// jaeger values, our bytes for them, and what the Go reference (pdata,
// jaeger-idl and collector-contrib's Jaeger translator, the versions inside
// our Jaeger build: scripts/jaeger-peer/refdecode) reads from those bytes.
// It fails unless the reference agrees with the mapping:
//  - otlp_proto: our OTLP equals what Jaeger's translator makes of the same
//    spans sent as jaeger.thrift (attribute order and span flags aside);
//  - jaeger_proto: the span jaeger-idl decodes is the one we meant.
// Run: `npx tsx scripts/make-protobuf-fixtures.ts` (needs Go). Fixed values: a re-run writes the same files.
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { encodeOtlpTraces } from '../src/codec/otlp/index.ts'
import { encodeJaegerProtoSpan, traceIdKey } from '../src/codec/jaeger-proto/index.ts'
import { encodeBatch } from '../src/codec/thrift/index.ts'
import { SpanRefType, TagType } from '../src/codec/thrift/jaeger-types.ts'
import type { JaegerProcess, JaegerSpan } from '../src/codec/thrift/jaeger-types.ts'
import { bytesToHex, fixtureReplacer, goFloatsToNumbers, jaegerView, normalizeOtlp, refsWithParent } from '../test/support/protobuf-views.ts'
import { refdecode } from '../test/support/refdecode.ts'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const T0 = 1_700_000_000_123_456n

const jaegerClientProcess: JaegerProcess = {
  serviceName: 'orders',
  tags: [
    { key: 'jaeger.version', vType: TagType.STRING, vStr: 'Node-3.19.0' },
    { key: 'hostname', vType: TagType.STRING, vStr: 'web-1' },
    { key: 'ip', vType: TagType.STRING, vStr: '10.0.0.7' },
    { key: 'client-uuid', vType: TagType.STRING, vStr: '5a3b9c1d2e4f6a7b' },
  ],
}

const jaegerClientSpans: JaegerSpan[] = [
  {
    traceIdHigh: 0n, traceIdLow: 0x1f2e3d4c5b6a7988n, spanId: 0x1f2e3d4c5b6a7988n, parentSpanId: 0n,
    operationName: 'GET /orders', flags: 1, startTime: T0, duration: 15_250n,
    tags: [
      { key: 'span.kind', vType: TagType.STRING, vStr: 'server' },
      { key: 'http.method', vType: TagType.STRING, vStr: 'GET' },
      { key: 'http.status_code', vType: TagType.LONG, vLong: 500n },
      { key: 'sampler.type', vType: TagType.STRING, vStr: 'const' },
      { key: 'sampler.param', vType: TagType.BOOL, vBool: true },
    ],
    logs: [{ timestamp: T0 + 100n, fields: [{ key: 'event', vType: TagType.STRING, vStr: 'error' }, { key: 'message', vType: TagType.STRING, vStr: 'db timeout' }] }],
  },
  {
    traceIdHigh: 0n, traceIdLow: 0x1f2e3d4c5b6a7988n, spanId: -0x5a5a5a5a5a5a5a5an, parentSpanId: 0x1f2e3d4c5b6a7988n,
    operationName: 'kafka send', flags: 1, startTime: T0 + 20n, duration: 800n,
    references: [{ refType: SpanRefType.CHILD_OF, traceIdHigh: 0n, traceIdLow: 0x1f2e3d4c5b6a7988n, spanId: 0x1f2e3d4c5b6a7988n }],
    tags: [
      { key: 'span.kind', vType: TagType.STRING, vStr: 'producer' },
      { key: 'error', vType: TagType.BOOL, vBool: true },
      { key: 'message_bus.destination', vType: TagType.STRING, vStr: 'orders' },
      { key: 'retries', vType: TagType.LONG, vLong: 3n },
      { key: 'ratio', vType: TagType.DOUBLE, vDouble: 0.25 },
    ],
    logs: [],
  },
]

const edgeProcess: JaegerProcess = { serviceName: 'wörld ✓', tags: [{ key: 'bin', vType: TagType.BINARY, vBinary: Uint8Array.of(0, 255, 128) }] }
const HIGH = 0x8000000000000001n
const LOW = 0xfedcba9876543210n
const edgeSpans: JaegerSpan[] = [
  {
    // 128-bit id with the top bits set; only a FOLLOWS_FROM ref in the trace (thrift's translator makes it the parent);
    // a link to another trace; unknown span.kind; otel.status_code OK; long and empty strings.
    traceIdHigh: HIGH, traceIdLow: LOW, spanId: 2n ** 64n - 1n, parentSpanId: 0n,
    operationName: 'ü'.repeat(100), flags: 3, startTime: T0, duration: 0n,
    references: [
      { refType: SpanRefType.FOLLOWS_FROM, traceIdHigh: HIGH, traceIdLow: LOW, spanId: 7n },
      { refType: SpanRefType.CHILD_OF, traceIdHigh: 0n, traceIdLow: 42n, spanId: 43n },
    ],
    tags: [
      { key: 'span.kind', vType: TagType.STRING, vStr: 'gateway' },
      { key: 'otel.status_code', vType: TagType.STRING, vStr: 'OK' },
      { key: 'otel.status_description', vType: TagType.STRING, vStr: 'fine' },
      { key: 'empty', vType: TagType.STRING, vStr: '' },
      { key: 'long', vType: TagType.STRING, vStr: 'x'.repeat(20_000) },
      { key: 'min', vType: TagType.LONG, vLong: -(2n ** 63n) },
      { key: 'zero', vType: TagType.LONG, vLong: 0n },
      { key: 'negzero', vType: TagType.DOUBLE, vDouble: -0 },
      { key: 'false', vType: TagType.BOOL, vBool: false },
      { key: 'nobytes', vType: TagType.BINARY, vBinary: new Uint8Array(0) },
    ],
    logs: [
      { timestamp: T0, fields: [] },
      { timestamp: T0 + 1n, fields: [{ key: 'k', vType: TagType.LONG, vLong: 1n }, { key: 'event', vType: TagType.LONG, vLong: 9n }] },
    ],
  },
  {
    // 4xx on a client span → ERROR with the http.status_message; a span id that is also a CHILD_OF ref (no duplicate parent ref).
    traceIdHigh: HIGH, traceIdLow: LOW, spanId: 9n, parentSpanId: 2n ** 64n - 1n,
    operationName: '', flags: 0, startTime: T0 + 5n, duration: 1_000_000n,
    references: [{ refType: SpanRefType.FOLLOWS_FROM, traceIdHigh: HIGH, traceIdLow: LOW, spanId: 7n }],
    tags: [
      { key: 'http.status_code', vType: TagType.STRING, vStr: '404' },
      { key: 'http.status_message', vType: TagType.STRING, vStr: 'Not Found' },
      { key: 'span.kind', vType: TagType.STRING, vStr: 'client' },
    ],
  },
]

const CASES = [
  { name: 'jaeger-client', process: jaegerClientProcess, spans: jaegerClientSpans },
  { name: 'edge-cases', process: edgeProcess, spans: edgeSpans },
  { name: 'no-tags', process: { serviceName: 'bare' }, spans: [{ traceIdHigh: 0n, traceIdLow: 1n, spanId: 1n, parentSpanId: 0n, operationName: 'root', flags: 0, startTime: 0n, duration: 1n }] },
]

for (const { name, process, spans } of CASES) {
  const otlp = encodeOtlpTraces(process, spans)
  const thrift = encodeBatch({ process, spans })
  const protos = spans.map((span) => encodeJaegerProtoSpan(process, span))
  const [ours, viaThrift, ...protoRefs] = refdecode([
    { encoding: 'otlp_proto', bytes: otlp },
    { encoding: 'jaeger_thrift', bytes: thrift },
    ...protos.map((bytes) => ({ encoding: 'jaeger_proto' as const, bytes })),
  ])
  for (const result of [ours, viaThrift, ...protoRefs]) assert.equal(result!.error, undefined, `${name}: reference error ${String(result!.error)}`)
  assert.deepEqual(normalizeOtlp(ours!.otlp, { dropFlags: true }), normalizeOtlp(viaThrift!.otlp, { dropFlags: true }), `${name}: OTLP differs from Jaeger's thrift translation`)
  spans.forEach((span, i) => {
    const [batch] = protoRefs[i]!.jaeger as { spans: unknown[] }[]
    assert.deepEqual(goFloatsToNumbers(batch!.spans[0]), jaegerView(process, span, refsWithParent(span)), `${name}: jaeger_proto span ${i}`)
  })
  const write = (dir: string, value: unknown) => {
    mkdirSync(join(root, 'test/fixtures', dir), { recursive: true })
    writeFileSync(join(root, 'test/fixtures', dir, `${name}.json`), JSON.stringify(value, fixtureReplacer, 1) + '\n')
  }
  write('otlp', { process, spans, hex: bytesToHex(otlp), reference: { otlp: ours!.otlp, jaeger: ours!.jaeger } })
  write('jaeger-proto', {
    process,
    spans,
    records: protos.map((bytes, i) => ({ key: traceIdKey(spans[i]!), hex: bytesToHex(bytes), reference: protoRefs[i]!.jaeger })),
  })
  console.log(`${name}: otlp ${otlp.length} B, jaeger_proto ${protos.map((p) => p.length).join('+')} B, thrift ${thrift.length} B — reference agrees`)
}
