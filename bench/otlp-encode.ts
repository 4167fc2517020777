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
import { interleavedRates } from './cpu-rate.ts'
import { assembleOtlpTraces, decodeOtlpTraces, encodeOtlpResourceField, encodeOtlpSpanField, encodeOtlpTraces } from '../src/codec/otlp/index.ts'
import { encodeJaegerProtoSpans } from '../src/codec/jaeger-proto/index.ts'
import { encodeBatch } from '../src/codec/thrift/index.ts'
import { referenceProcess, referenceSpans } from './reference-spans.ts'
import { sdkSubset, toReadableSpans } from '../test/support/otel-readable-spans.ts'
import { normalizeOtlp, otlpJson } from '../test/support/protobuf-views.ts'

const SPANS = 100
const ROUNDS = 7
const ROUND_MS = 300

const jaegerProcess = referenceProcess
const spans = referenceSpans(SPANS)

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
const rates = interleavedRates(cases.map((c) => c.run), ROUNDS, ROUND_MS)

const rows = cases.map((c, i) => {
  const { rate, min, max, ratio } = rates[i]!
  return `| ${c.name} | ${rate.toFixed(0)} [${min.toFixed(0)}–${max.toFixed(0)}] | ${((1e6 / rate) / SPANS).toFixed(2)} | ${(c.bytes / SPANS).toFixed(1)} | ${((rate * c.bytes) / 1e6).toFixed(1)} | ${ratio.toFixed(2)}× |`
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
