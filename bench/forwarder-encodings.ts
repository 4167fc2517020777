// SPDX-License-Identifier: Apache-2.0
// What the forwarder's encoding routing costs, side by side in one run:
// 1. jaeger_thrift validation before (summarizeBatch alone) and after
//    (validateRecord: header routing + summarizeBatch), 50-span records;
// 2. jaeger_proto → Thrift Batch (what the forwarder does) vs jaeger_proto →
//    OTLP TracesData (the alternative), per one-span record: CPU and bytes;
// 3. with the peers up, one-span POSTs to the real Jaeger: Thrift to
//    /api/traces vs OTLP to /v1/traces, sequential, same client (fetch).
// Variants interleave; median [min–max] over BENCH_RUNS rounds.
//
//   npx tsx bench/forwarder-encodings.ts   (env: BENCH_RUNS (5), JAEGER_COLLECTOR_URL, JAEGER_OTLP_URL)
// Writes bench/results/forwarder-encodings-<runtime>.md.
import { writeFileSync } from 'node:fs'
import process from 'node:process'
import { validateRecord } from '../forwarder/record.ts'
import type { SpanRecord } from '../forwarder/record.ts'
import { decodeJaegerProtoSpan } from '../src/codec/jaeger-proto/jaeger-proto-decode.ts'
import { encodeJaegerProtoSpan } from '../src/codec/jaeger-proto/jaeger-proto-encode.ts'
import { encodeOtlpTraces } from '../src/codec/otlp/otlp-encode.ts'
import { summarizeBatch } from '../src/codec/thrift/jaeger-decode.ts'
import { encodeBatch } from '../src/codec/thrift/jaeger-encode.ts'
import { TagType } from '../src/codec/thrift/jaeger-types.ts'
import type { JaegerProcess, JaegerSpan } from '../src/codec/thrift/jaeger-types.ts'
import { SPAN_ENCODING_HEADER } from '../src/kafka/span-record.ts'
import { RUNTIME, startConditions } from './header.ts'

const RUNS = Number(process.env.BENCH_RUNS ?? 5)
const COLLECTOR = process.env.JAEGER_COLLECTOR_URL ?? 'http://127.0.0.1:14268/api/traces'
const OTLP = process.env.JAEGER_OTLP_URL ?? 'http://127.0.0.1:4318/v1/traces'
const conditions = startConditions({ jaeger: true })

const PROCESS: JaegerProcess = { serviceName: 'bench-enc', tags: [{ key: 'hostname', vType: TagType.STRING, vStr: 'bench-host' }, { key: 'ip', vType: TagType.STRING, vStr: '10.1.2.3' }] }
let idSeed = BigInt(Date.now()) * 1000n

function span(i: number): JaegerSpan {
  idSeed += 1n
  const now = BigInt(Date.now()) * 1000n
  return {
    traceIdLow: idSeed,
    traceIdHigh: 0n,
    spanId: BigInt(i + 1),
    parentSpanId: 0n,
    operationName: `GET /api/items/${i % 7}`,
    flags: 1,
    startTime: now,
    duration: 1234n,
    tags: [
      { key: 'http.method', vType: TagType.STRING, vStr: 'GET' },
      { key: 'http.status_code', vType: TagType.LONG, vLong: 200n },
      { key: 'span.kind', vType: TagType.STRING, vStr: 'server' },
      { key: 'component', vType: TagType.STRING, vStr: 'bench' },
    ],
    logs: [{ timestamp: now + 5n, fields: [{ key: 'event', vType: TagType.STRING, vStr: 'done' }] }],
  }
}

const record = (value: Uint8Array, encoding?: string): SpanRecord => ({ topic: 't', partition: 0, offset: 0n, key: null, value, headers: encoding ? { [SPAN_ENCODING_HEADER]: encoding } : {} })

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const fmt = (xs: number[], digits = 2): string => `${median(xs).toFixed(digits)} [${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}]`

/** CPU-bound loop: µs per call over ~200 ms. */
function perCall(fn: () => unknown): number {
  let n = 0
  const start = performance.now()
  let now = start
  while (now - start < 200) {
    for (let i = 0; i < 200; i++) fn()
    n += 200
    now = performance.now()
  }
  return ((now - start) * 1000) / n
}

const thriftRecord = encodeBatch({ process: PROCESS, spans: Array.from({ length: 50 }, (_, i) => span(i)) })
const protoRecord = encodeJaegerProtoSpan(PROCESS, span(0))
const asThrift = (): Uint8Array => {
  const { process: p, span: s } = decodeJaegerProtoSpan(protoRecord)
  return encodeBatch({ process: p, spans: [s] })
}
const asOtlp = (): Uint8Array => {
  const { process: p, span: s } = decodeJaegerProtoSpan(protoRecord)
  return encodeOtlpTraces(p, [s])
}
if (!validateRecord(record(thriftRecord)).ok || !validateRecord(record(protoRecord, 'jaeger_proto')).ok) throw new Error('bench records do not validate')

const rows: Record<string, number[]> = { before: [], after: [], afterMarked: [], toThrift: [], toOtlp: [], postThrift: [], postOtlp: [] }
async function postLoop(url: string, contentType: string, make: () => Uint8Array, count: number): Promise<number> {
  const start = performance.now()
  for (let i = 0; i < count; i++) {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body: make() as Uint8Array<ArrayBuffer> })
    await res.arrayBuffer()
    if (res.status >= 300) throw new Error(`${url} answered ${res.status}`)
  }
  return ((performance.now() - start) * 1000) / count
}
const oneSpanThrift = (): Uint8Array => encodeBatch({ process: PROCESS, spans: [span(0)] })
const oneSpanOtlp = (): Uint8Array => encodeOtlpTraces(PROCESS, [span(0)])
let peers = true
try {
  await postLoop(COLLECTOR, 'application/x-thrift', oneSpanThrift, 5)
  await postLoop(OTLP, 'application/x-protobuf', oneSpanOtlp, 5)
} catch (error) {
  peers = false
  process.stderr.write(`no Jaeger peer (${(error as Error).message}): POST rows skipped\n`)
}
for (let run = 0; run < RUNS; run++) {
  rows.before!.push(perCall(() => summarizeBatch(thriftRecord)))
  rows.after!.push(perCall(() => validateRecord(record(thriftRecord))))
  rows.afterMarked!.push(perCall(() => validateRecord(record(thriftRecord, 'jaeger.thrift.binary.batch'))))
  rows.toThrift!.push(perCall(asThrift))
  rows.toOtlp!.push(perCall(asOtlp))
  if (peers) {
    rows.postThrift!.push(await postLoop(COLLECTOR, 'application/x-thrift', oneSpanThrift, 300))
    rows.postOtlp!.push(await postLoop(OTLP, 'application/x-protobuf', oneSpanOtlp, 300))
  }
}

const md = `# Forwarder encodings benchmark (${RUNTIME})

${conditions.line()}

\`npx tsx bench/forwarder-encodings.ts\`, ${RUNS} interleaved rounds, median [min–max]. Records: jaeger_thrift
${thriftRecord.length} B (50 spans, 4 tags + 1 log each); jaeger_proto ${protoRecord.length} B (1 span).

| what | µs per record |
|---|---|
| jaeger_thrift validation before (\`summarizeBatch\` alone) | ${fmt(rows.before!)} |
| jaeger_thrift validation now (\`validateRecord\`, no header) | ${fmt(rows.after!)} |
| jaeger_thrift validation now (\`validateRecord\`, header \`jaeger.thrift.binary.batch\`) | ${fmt(rows.afterMarked!)} |
| jaeger_proto → Thrift Batch (decode + \`encodeBatch\`, what the forwarder does) | ${fmt(rows.toThrift!)} |
| jaeger_proto → OTLP TracesData (decode + \`encodeOtlpTraces\`, the alternative) | ${fmt(rows.toOtlp!)} |

Bodies: one-span Thrift Batch ${asThrift().length} B, one-span OTLP TracesData ${asOtlp().length} B.
${peers ? `
One-span POSTs to the real Jaeger, sequential, global \`fetch\`, 300 per round (µs per POST, round trip):

| endpoint | µs per POST |
|---|---|
| Thrift → \`${new URL(COLLECTOR).pathname}\` | ${fmt(rows.postThrift!, 0)} |
| OTLP → \`${new URL(OTLP).pathname}\` | ${fmt(rows.postOtlp!, 0)} |
` : '\n(no Jaeger peer: POST rows not measured)\n'}`
writeFileSync(new URL(`./results/forwarder-encodings-${RUNTIME}.md`, import.meta.url), md)
process.stdout.write(md)
