#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// Writes the golden jaeger.thrift fixtures of test/unit/thrift-codec.test.ts to
// test/fixtures/thrift/*.json: values in the shape of src/codec/thrift/jaeger-types.ts
// and the TBinaryProtocol bytes thriftrw encodes for them, with jaeger-client's
// bundled IDL (or, for Batch seqNo/stats, test/fixtures/thrift/jaeger-batch-v2.thrift).
// Run once: `node scripts/make-thrift-fixtures.mjs`. The values are fixed, so a
// re-run writes the same files.
//
// JSON encoding of the values: i64 {"i64": "<decimal>"}, binary {"binary": "<hex>"},
// Tag.vDouble {"double": "<String(n)>" or "-0"}; everything else is plain JSON.
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const { Thrift } = require('thriftrw')
const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const outDir = join(root, 'test/fixtures/thrift')

const IDLS = {
  'jaeger-client': join(dirname(require.resolve('jaeger-client/package.json')), 'dist/src/jaeger-idl/thrift/jaeger.thrift'),
  'jaeger-batch-v2': join(outDir, 'jaeger-batch-v2.thrift'),
}
const TAG_TYPES = ['STRING', 'DOUBLE', 'BOOL', 'LONG', 'BINARY']
const REF_TYPES = ['CHILD_OF', 'FOLLOWS_FROM']
const I64_MIN = -(2n ** 63n)
const I64_MAX = 2n ** 63n - 1n

// --- our value shape → thriftrw's (i64 and binary as Buffers, enums by name) ---

function i64(value) {
  const buffer = Buffer.alloc(8)
  buffer.writeBigInt64BE(value)
  return buffer
}

function tagToThriftrw(tag) {
  const out = { key: tag.key, vType: TAG_TYPES[tag.vType] }
  if (tag.vStr !== undefined) out.vStr = tag.vStr
  if (tag.vDouble !== undefined) out.vDouble = tag.vDouble
  if (tag.vBool !== undefined) out.vBool = tag.vBool
  if (tag.vLong !== undefined) out.vLong = i64(tag.vLong)
  if (tag.vBinary !== undefined) out.vBinary = Buffer.from(tag.vBinary)
  return out
}

function spanToThriftrw(span) {
  return {
    traceIdLow: i64(span.traceIdLow),
    traceIdHigh: i64(span.traceIdHigh),
    spanId: i64(span.spanId),
    parentSpanId: i64(span.parentSpanId),
    operationName: span.operationName,
    references: span.references?.map((ref) => ({
      refType: REF_TYPES[ref.refType],
      traceIdLow: i64(ref.traceIdLow),
      traceIdHigh: i64(ref.traceIdHigh),
      spanId: i64(ref.spanId),
    })),
    flags: span.flags,
    startTime: i64(span.startTime),
    duration: i64(span.duration),
    tags: span.tags?.map(tagToThriftrw),
    logs: span.logs?.map((log) => ({ timestamp: i64(log.timestamp), fields: log.fields.map(tagToThriftrw) })),
  }
}

function processToThriftrw(process) {
  return { serviceName: process.serviceName, tags: process.tags?.map(tagToThriftrw) }
}

function batchToThriftrw(batch) {
  const out = { process: processToThriftrw(batch.process), spans: batch.spans.map(spanToThriftrw) }
  if (batch.seqNo !== undefined) out.seqNo = i64(batch.seqNo)
  if (batch.stats !== undefined) {
    out.stats = {
      fullQueueDroppedSpans: i64(batch.stats.fullQueueDroppedSpans),
      tooLargeDroppedSpans: i64(batch.stats.tooLargeDroppedSpans),
      failedToEmitSpans: i64(batch.stats.failedToEmitSpans),
    }
  }
  return out
}

const TO_THRIFTRW = { Batch: batchToThriftrw, Span: spanToThriftrw, Process: processToThriftrw }

// --- the fixture values ---

const str = (key, vStr) => ({ key, vType: 0, vStr })
const dbl = (key, vDouble) => ({ key, vType: 1, vDouble })
const bool = (key, vBool) => ({ key, vType: 2, vBool })
const long = (key, vLong) => ({ key, vType: 3, vLong })
const bin = (key, bytes) => ({ key, vType: 4, vBinary: Uint8Array.from(bytes) })

// A jaeger-client tag: all five value fields filled, as ThriftUtils.getThriftTags does.
const clientTag = (tag) => ({ vStr: '', vDouble: 0, vBool: false, vLong: 0n, vBinary: new Uint8Array(8), ...tag })

const referenceSpan = {
  traceIdLow: 0x5b0947e33e186603n,
  traceIdHigh: 0n,
  spanId: 0x1f2e3d4c5b6a7988n,
  parentSpanId: 0n,
  operationName: 'GET /api/v1/users/:id',
  references: [{ refType: 0, traceIdLow: 0x5b0947e33e186603n, traceIdHigh: 0n, spanId: 0x5b0947e33e186603n }],
  flags: 1,
  startTime: 1763802000123456n,
  duration: 1250n,
  tags: [
    str('span.kind', 'server'),
    str('http.method', 'GET'),
    str('http.url', '/api/v1/users/42'),
    dbl('http.status_code', 200),
    dbl('db.latency_ms', 12.5),
    bool('cache.hit', true),
  ].map(clientTag),
  logs: [{ timestamp: 1763802000124000n, fields: [str('event', 'cache.lookup'), str('user.id', '42')].map(clientTag) }],
}

const edgeSpans = [
  {
    traceIdLow: I64_MIN,
    traceIdHigh: I64_MAX,
    spanId: -1n,
    parentSpanId: 1n,
    operationName: '',
    references: [],
    flags: -2147483648,
    startTime: 0n,
    duration: I64_MAX,
    tags: [],
    logs: [],
  },
  {
    traceIdLow: 0x0123456789abcdefn,
    traceIdHigh: -0x0123456789abcdefn,
    spanId: 42n,
    parentSpanId: 0n,
    operationName: 'żółw 🐢 見る \u0000 \ufeff end',
    references: [
      { refType: 1, traceIdLow: -42n, traceIdHigh: I64_MIN, spanId: I64_MAX },
      { refType: 0, traceIdLow: 1n, traceIdHigh: 0n, spanId: 2n },
    ],
    flags: 2147483647,
    startTime: -1n,
    duration: 0n,
    tags: [
      str('', ''),
      str('unicode', '\ufeffleading BOM, ß, 𝄞, 中文'),
      str('long', 'x'.repeat(100) + 'é'.repeat(40)),
      dbl('nan', NaN),
      dbl('+inf', Infinity),
      dbl('-inf', -Infinity),
      dbl('-0', -0),
      dbl('tiny', 5e-324),
      bool('false', false),
      long('min', I64_MIN),
      long('max', I64_MAX),
      bin('empty', []),
      bin('bytes', [0, 1, 127, 128, 255]),
    ],
    logs: [
      { timestamp: I64_MAX, fields: [] },
      { timestamp: 1n, fields: [long('n', -7n), bin('b', [0xff])] },
    ],
  },
  {
    traceIdLow: 7n,
    traceIdHigh: 0n,
    spanId: 8n,
    parentSpanId: 7n,
    operationName: 'no optional lists',
    flags: 0,
    startTime: 1763802000000000n,
    duration: 1n,
  },
]

const fixtures = [
  {
    file: 'batch-jaeger-client.json',
    description: 'A Batch as jaeger-client HTTPSender sends it: every tag carries all five value fields.',
    idl: 'jaeger-client',
    struct: 'Batch',
    canonical: false,
    value: {
      process: {
        serviceName: 'users-api',
        tags: [str('jaeger.version', 'Node-3.19.0'), str('hostname', 'host-1'), str('ip', '10.0.0.7')].map(clientTag),
      },
      spans: [referenceSpan],
    },
  },
  {
    file: 'batch-edge-cases.json',
    description: 'A Batch of edge values, each tag with only the value field its vType names.',
    idl: 'jaeger-client',
    struct: 'Batch',
    canonical: true,
    value: { process: { serviceName: 'edge-cases' }, spans: edgeSpans },
  },
  {
    file: 'batch-v2-seqno-stats.json',
    description: 'A Batch with seqNo and stats (fields 3 and 4, newer IDL).',
    idl: 'jaeger-batch-v2',
    struct: 'Batch',
    canonical: true,
    value: {
      process: { serviceName: 'users-api', tags: [str('hostname', 'host-1')] },
      spans: [edgeSpans[2]],
      seqNo: 12345678901n,
      stats: { fullQueueDroppedSpans: 0n, tooLargeDroppedSpans: I64_MAX, failedToEmitSpans: -1n },
    },
  },
  {
    file: 'batch-empty.json',
    description: 'A Batch with no spans and an empty process tag list.',
    idl: 'jaeger-client',
    struct: 'Batch',
    canonical: true,
    value: { process: { serviceName: 's', tags: [] }, spans: [] },
  },
  {
    file: 'span.json',
    description: 'A bare Span struct.',
    idl: 'jaeger-client',
    struct: 'Span',
    canonical: true,
    value: edgeSpans[1],
  },
  {
    file: 'process.json',
    description: 'A bare Process struct.',
    idl: 'jaeger-client',
    struct: 'Process',
    canonical: true,
    value: { serviceName: 'users-api', tags: [str('hostname', 'host-1'), dbl('pid', 4242), bool('k8s', true)] },
  },
]

function toJson(value) {
  return JSON.stringify(
    value,
    function replace(key, item) {
      const raw = this[key]
      if (typeof raw === 'bigint') return { i64: raw.toString() }
      if (raw instanceof Uint8Array) return { binary: Buffer.from(raw).toString('hex') }
      if (key === 'vDouble') return { double: Object.is(raw, -0) ? '-0' : String(raw) }
      return item
    },
    2,
  )
}

const thrifts = {}
for (const [name, path] of Object.entries(IDLS)) {
  thrifts[name] = new Thrift({ source: readFileSync(path, 'ascii'), allowOptionalArguments: true })
}

for (const fixture of fixtures) {
  const type = thrifts[fixture.idl][fixture.struct]
  const result = type.rw.toBuffer(new type(TO_THRIFTRW[fixture.struct](fixture.value)))
  if (result.err) throw result.err
  const { file, ...rest } = fixture
  const json = toJson({ ...rest, hex: result.value.toString('hex') })
  writeFileSync(join(outDir, file), `${json}\n`)
  process.stdout.write(`${file}: ${result.value.length} bytes\n`)
}
