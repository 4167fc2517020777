// SPDX-License-Identifier: Apache-2.0
// OTLP protobuf encode benchmark: our OTLP writer (src/codec/otlp) vs the OTel
// SDK's own serializer, @opentelemetry/otlp-transformer ProtobufTraceSerializer
// (itself a hand-written protobuf writer in 0.222), on the same 100 spans: the
// reference span of docs baseline.md (6 tags, 1 log with 2 fields, a childOf
// reference) with a jaeger-client process. The SDK gets the spans as its own
// ReadableSpans, built once outside the timed loop (an SDK holds them already).
// For context, on the same spans: our jaeger_proto writer (100 records) and
// our jaeger.thrift Batch writer.
//
//   npx tsx bench/otlp-encode.ts
//
// Cases run interleaved, ROUNDS rounds of ROUND_MS each; rates per second of
// process CPU time (user + system); ratio = median of per-round ratios to the
// SDK row. Writes bench/results/otlp-encode-node.md.
import { mkdirSync, writeFileSync } from 'node:fs'
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer'
import { RUNTIME, startConditions } from './header.ts'
import { assertMeasured, cpuRate, median } from './cpu-rate.ts'
import { assembleOtlpTraces, decodeOtlpTraces, encodeOtlpResourceField, encodeOtlpSpanField, encodeOtlpTraces } from '../src/codec/otlp/index.ts'
import { encodeJaegerProtoSpans } from '../src/codec/jaeger-proto/index.ts'
import { encodeBatch } from '../src/codec/thrift/index.ts'
import { SpanRefType, TagType } from '../src/codec/thrift/jaeger-types.ts'
import type { JaegerProcess, JaegerSpan } from '../src/codec/thrift/jaeger-types.ts'
import { sdkSubset, toReadableSpans } from '../test/support/otel-readable-spans.ts'
import { normalizeOtlp, otlpJson } from '../test/support/protobuf-views.ts'

const SPANS = 100
const ROUNDS = 7
const ROUND_MS = 300

const jaegerProcess: JaegerProcess = {
  serviceName: 'users-api',
  tags: [
    { key: 'jaeger.version', vType: TagType.STRING, vStr: 'Node-3.19.0' },
    { key: 'hostname', vType: TagType.STRING, vStr: 'users-api-7d9f' },
    { key: 'ip', vType: TagType.STRING, vStr: '10.1.2.3' },
    { key: 'client-uuid', vType: TagType.STRING, vStr: '4f1c2a9e8b7d6c5a' },
  ],
}
const T0 = 1_700_000_000_000_000n
const spans: JaegerSpan[] = Array.from({ length: SPANS }, (_, i) => ({
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

const ours = encodeOtlpTraces(jaegerProcess, spans)
const decoded = decodeOtlpTraces(ours)
const readableSpans = toReadableSpans(decoded)
const sdkBytes = ProtobufTraceSerializer.serializeRequest(readableSpans)
if (!(sdkBytes instanceof Uint8Array)) throw new Error('ProtobufTraceSerializer wrote nothing')
// Same content: every field the SDK can express (all of this workload's) reads back equal, flags aside.
const same = JSON.stringify(normalizeOtlp(otlpJson(decodeOtlpTraces(sdkBytes)), { dropFlags: true })) === JSON.stringify(normalizeOtlp(otlpJson(sdkSubset(decoded)), { dropFlags: true }))
if (!same) throw new Error('the SDK bytes do not decode to the spans ours hold')
if (sdkSubset(decoded).resourceSpans[0]!.scopeSpans[0]!.spans.some((span, i) => span.attributes.length !== decoded.resourceSpans[0]!.scopeSpans[0]!.spans[i]!.attributes.length)) {
  throw new Error('the workload has attributes the SDK cannot express')
}

// The sender's path (senders/trace-records.ts): each span encoded once when appended, the record assembled at seal.
const resourceField = encodeOtlpResourceField(jaegerProcess)
function assembleFromFields(): Uint8Array {
  const fields = spans.map(encodeOtlpSpanField)
  let length = 0
  for (const field of fields) length += field.length
  return assembleOtlpTraces(resourceField, fields, length)
}
if (assembleFromFields().join() !== ours.join()) throw new Error('assembled bytes differ from encodeOtlpTraces')

const jaegerProtoBytes = encodeJaegerProtoSpans(jaegerProcess, spans).reduce((sum, record) => sum + record.length, 0)
const thriftBytes = encodeBatch({ process: jaegerProcess, spans }).length

interface Case { name: string; bytes: number; run: () => unknown }
const cases: Case[] = [
  { name: 'OTel SDK ProtobufTraceSerializer.serializeRequest (otlp-transformer 0.222.0)', bytes: sdkBytes.length, run: () => ProtobufTraceSerializer.serializeRequest(readableSpans) },
  { name: 'ours: encodeOtlpTraces', bytes: ours.length, run: () => encodeOtlpTraces(jaegerProcess, spans) },
  { name: 'ours, as the sender does it: encodeOtlpSpanField per span + assembleOtlpTraces (resource field encoded once per process)', bytes: ours.length, run: () => assembleFromFields() },
  { name: 'ours: encodeJaegerProtoSpans (100 records, process encoded once)', bytes: jaegerProtoBytes, run: () => encodeJaegerProtoSpans(jaegerProcess, spans) },
  { name: 'ours: jaeger.thrift encodeBatch (today\'s record)', bytes: thriftBytes, run: () => encodeBatch({ process: jaegerProcess, spans }) },
  { name: 'ours: decodeOtlpTraces (for inspect / forwarder)', bytes: ours.length, run: () => decodeOtlpTraces(ours) },
]

const conditions = startConditions()
for (const c of cases) cpuRate(c.run, ROUND_MS) // warm-up
const samples = cases.map((): number[] => [])
for (let round = 0; round < ROUNDS; round++) cases.forEach((c, i) => samples[i]!.push(cpuRate(c.run, ROUND_MS)))
assertMeasured()

const rows = cases.map((c, i) => {
  const own = samples[i]!
  const rate = median(own)
  const ratio = median(own.map((r, round) => r / samples[0]![round]!))
  return `| ${c.name} | ${rate.toFixed(0)} [${Math.min(...own).toFixed(0)}–${Math.max(...own).toFixed(0)}] | ${((1e6 / rate) / SPANS).toFixed(2)} | ${(c.bytes / SPANS).toFixed(1)} | ${((rate * c.bytes) / 1e6).toFixed(1)} | ${ratio.toFixed(2)}× |`
})

const report = [
  `# OTLP protobuf encode (${RUNTIME})`,
  '',
  conditions.line(),
  '',
  `${SPANS} reference spans of one trace (baseline.md: 6 tags, 1 log with 2 fields, a childOf reference; jaeger-client process tags), ` +
    'one OTLP TracesData per batch. The SDK serializes its ReadableSpans (built once, as an SDK holds them); ours writes from the jaeger span objects, ' +
    'mapping included (span.kind → kind, refs → parent/links, process → resource). Both byte strings decode to the same spans (checked at start-up, flags aside: the SDK also sets the has-is-remote bit). ' +
    `Batches per CPU second (user + system), median [min–max] of ${ROUNDS} interleaved rounds of ${ROUND_MS} ms; µs/span = 1e6 ÷ rate ÷ ${SPANS}; "vs SDK" is the median per-round ratio to the first row. ` +
    'The jaeger_proto and thrift rows encode the same spans in the other formats (jaeger_proto: one record per span, each with the process).',
  '',
  '| case | batches / CPU s | CPU µs/span | bytes/span | MB/s | vs SDK |',
  '|---|---|---|---|---|---|',
  ...rows,
  '',
].join('\n')

const resultsDir = new URL('./results/', import.meta.url)
mkdirSync(resultsDir, { recursive: true })
writeFileSync(new URL(`otlp-encode-${RUNTIME}.md`, resultsDir), report)
console.log(report)
