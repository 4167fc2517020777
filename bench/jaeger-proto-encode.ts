// SPDX-License-Identifier: Apache-2.0
// jaeger_proto encode benchmark: our api_v2 `model.Span` writer
// (src/codec/jaeger-proto) vs protobufjs static code generated from
// jaeger-idl's own `proto/api_v2/model.proto`, on the same 100 reference spans
// (bench/reference-spans.ts), one record per span with the process embedded.
//
// The static code is generated at bench time, never committed: model.proto is
// read from the Go module cache (jaeger-idl v0.6.0, there once the Jaeger peer
// was provisioned; or JAEGER_IDL_MODEL_PROTO), copied to a temp dir with its
// gogoproto import and options stripped (they only steer Go code generation;
// field numbers and types stay), then `pbjs -t static-module -w commonjs`
// (protobufjs-cli; google/protobuf/{timestamp,duration}.proto are protobufjs's
// bundled common types). At start-up both directions are checked: protobufjs's
// bytes decode with our decoder to the spans ours hold, and ours decode with
// protobufjs to the same fields as its own.
//
//   npx tsx bench/jaeger-proto-encode.ts   (also: npx bun bench/jaeger-proto-encode.ts, npx deno run -A bench/jaeger-proto-encode.ts)
//
// Cases run interleaved, ROUNDS rounds of ROUND_MS each; rates per second of
// process CPU time (user + system). Writes bench/results/jaeger-proto-encode-<runtime>.md.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { decodeJaegerProtoSpan, encodeJaegerProtoSpan, encodeJaegerProtoSpans } from '../src/codec/jaeger-proto/index.ts'
import { SpanRefType, TagType } from '../src/codec/thrift/jaeger-types.ts'
import type { JaegerProcess, JaegerSpan, JaegerTag } from '../src/codec/thrift/jaeger-types.ts'
import { interleavedRates } from './cpu-rate.ts'
import { RUNTIME, runtimeVersion, startConditions } from './header.ts'
import { referenceProcess, referenceSpans } from './reference-spans.ts'

const SPANS = 100
const ROUNDS = 7
const ROUND_MS = 300
const IDL_VERSION = 'v0.6.0'
const MODEL_PROTO = process.env.JAEGER_IDL_MODEL_PROTO ?? join(homedir(), 'go', 'pkg', 'mod', 'github.com', 'jaegertracing', `jaeger-idl@${IDL_VERSION}`, 'proto', 'api_v2', 'model.proto')
const require = createRequire(import.meta.url)

// ------------------------------------------------------------------ generated code

// deno-lint-ignore no-explicit-any
type Loose = any

/** model.proto → protobufjs static module in a temp dir (removed at exit); returns `jaeger.api_v2`. */
function generateStaticCode(): { api: Loose; pbjsVersion: string; protobufjsVersion: string } {
  if (!existsSync(MODEL_PROTO)) {
    throw new Error(`Cannot find ${MODEL_PROTO}: provision the Jaeger peer (npm run peers -- provision jaeger) or \`go mod download github.com/jaegertracing/jaeger-idl@${IDL_VERSION}\`, or set JAEGER_IDL_MODEL_PROTO`)
  }
  const dir = mkdtempSync(join(tmpdir(), 'jaeger-proto-bench-'))
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }))
  const stripped = readFileSync(MODEL_PROTO, 'utf8')
    .replace(/^\s*\/\/.*$/gm, '')
    .replace(/^import "gogoproto\/gogo\.proto";$/m, '')
    .replace(/^\s*option \(gogoproto\.[^;]*;$/gm, '')
    .replace(/\s*\[\s*\(gogoproto\.[^\]]*\]/g, '')
  if (stripped.includes('gogoproto')) throw new Error('model.proto: gogoproto options left after stripping')
  writeFileSync(join(dir, 'model.proto'), stripped)
  const out = join(dir, 'model.cjs')
  const pbjs = require.resolve('protobufjs-cli/bin/pbjs')
  const r = spawnSync(process.execPath.includes('deno') || process.execPath.includes('bun') ? 'node' : process.execPath, [pbjs, '-t', 'static-module', '-w', 'commonjs', '--no-comments', '-o', out, join(dir, 'model.proto')], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`pbjs failed: ${r.stderr || r.error?.message}`)
  // The module requires "protobufjs/minimal", which a temp dir cannot resolve: point it at ours.
  const code = readFileSync(out, 'utf8').replace('require("protobufjs/minimal")', `require(${JSON.stringify(require.resolve('protobufjs/minimal'))})`)
  writeFileSync(out, code)
  const root = require(out)
  const version = (name: string): string => JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')).version
  return { api: root.jaeger.api_v2, pbjsVersion: version('protobufjs-cli'), protobufjsVersion: version('protobufjs') }
}

// ------------------------------------------------------------------ protobufjs messages

function idBytes(high: bigint, low: bigint): Uint8Array {
  const bytes = new Uint8Array(16)
  const view = new DataView(bytes.buffer)
  view.setBigUint64(0, high)
  view.setBigUint64(8, low)
  return bytes
}

function spanIdBytes(id: bigint): Uint8Array {
  const bytes = new Uint8Array(8)
  new DataView(bytes.buffer).setBigUint64(0, id)
  return bytes
}

/** µs → google.protobuf Timestamp / Duration. */
function time(us: bigint): { seconds: number; nanos: number } {
  return { seconds: Number(us / 1_000_000n), nanos: Number(us % 1_000_000n) * 1000 }
}

/** A KeyValue object as protobufjs writes it: proto3, so only the set value (a present zero would be written). */
function keyValue(tag: JaegerTag): Loose {
  const kv: Loose = { key: tag.key }
  switch (tag.vType) {
    case TagType.STRING: if (tag.vStr) kv.vStr = tag.vStr; break
    case TagType.BOOL: kv.vType = 1; if (tag.vBool) kv.vBool = true; break
    case TagType.LONG: kv.vType = 2; if (tag.vLong) kv.vInt64 = Number(tag.vLong); break
    case TagType.DOUBLE: kv.vType = 3; if (tag.vDouble) kv.vFloat64 = tag.vDouble; break
    case TagType.BINARY: kv.vType = 4; if (tag.vBinary?.length) kv.vBinary = tag.vBinary; break
  }
  return kv
}

/** A `model.Span` message object for protobufjs, with the same mapping as ours (parentSpanId → leading CHILD_OF unless referenced). */
function toMessage(process: Loose, span: JaegerSpan): Loose {
  const refs = (span.references ?? []).map((r) => ({ traceId: idBytes(r.traceIdHigh, r.traceIdLow), spanId: spanIdBytes(r.spanId), ...(r.refType === SpanRefType.FOLLOWS_FROM ? { refType: 1 } : {}) }))
  const parentReferenced = (span.references ?? []).some((r) => r.spanId === span.parentSpanId && r.traceIdLow === span.traceIdLow && r.traceIdHigh === span.traceIdHigh)
  if (span.parentSpanId !== 0n && !parentReferenced) refs.unshift({ traceId: idBytes(span.traceIdHigh, span.traceIdLow), spanId: spanIdBytes(span.parentSpanId) })
  return {
    traceId: idBytes(span.traceIdHigh, span.traceIdLow),
    spanId: spanIdBytes(span.spanId),
    operationName: span.operationName,
    references: refs,
    ...(span.flags ? { flags: span.flags } : {}),
    startTime: time(span.startTime),
    duration: time(span.duration),
    tags: (span.tags ?? []).map(keyValue),
    logs: (span.logs ?? []).map((l) => ({ timestamp: time(l.timestamp), fields: l.fields.map(keyValue) })),
    process,
  }
}

const toProcessMessage = (p: JaegerProcess): Loose => ({ serviceName: p.serviceName, tags: (p.tags ?? []).map(keyValue) })

// ------------------------------------------------------------------ run

const { api, pbjsVersion, protobufjsVersion } = generateStaticCode()
const spans = referenceSpans(SPANS)
const prebuilt = spans.map((s) => toMessage(toProcessMessage(referenceProcess), s))
const encodeProtobufjs = (messages: Loose[]): Uint8Array[] => messages.map((m) => api.Span.encode(m).finish())
const encodeProtobufjsFromSpans = (): Uint8Array[] => {
  const p = toProcessMessage(referenceProcess)
  return spans.map((s) => api.Span.encode(toMessage(p, s)).finish())
}

// Start-up checks, both directions, every span.
const ours = encodeJaegerProtoSpans(referenceProcess, spans)
const theirs = encodeProtobufjs(prebuilt)
const plain = (value: unknown): string => JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Array.from(v) : v))
const toObject = (bytes: Uint8Array): string => plain(api.Span.toObject(api.Span.decode(bytes), { longs: String, bytes: Array, defaults: false }))
let identical = 0
for (let i = 0; i < SPANS; i++) {
  if (plain(decodeJaegerProtoSpan(theirs[i]!)) !== plain(decodeJaegerProtoSpan(ours[i]!))) throw new Error(`span ${i}: protobufjs's bytes decode with ours to other fields than our bytes`)
  if (toObject(ours[i]!) !== toObject(theirs[i]!)) throw new Error(`span ${i}: our bytes decode with protobufjs to other fields than its own`)
  if (plain(decodeJaegerProtoSpan(ours[i]!).span.tags) !== plain(spans[i]!.tags)) throw new Error(`span ${i}: tags do not round-trip`)
  if (ours[i]!.length === theirs[i]!.length && ours[i]!.every((b, j) => b === theirs[i]![j])) identical++
}
const bytesOf = (records: Uint8Array[]): number => records.reduce((sum, r) => sum + r.length, 0)

interface Case { name: string; bytes: number; run: () => unknown }
const cases: Case[] = [
  { name: `protobufjs ${protobufjsVersion} static code (pbjs ${pbjsVersion}), \`Span.encode(m).finish()\` per span, message objects built once`, bytes: bytesOf(theirs), run: () => encodeProtobufjs(prebuilt) },
  { name: 'protobufjs static code, message objects built from the JaegerSpans each time (like for like with ours)', bytes: bytesOf(encodeProtobufjsFromSpans()), run: encodeProtobufjsFromSpans },
  { name: 'ours: `encodeJaegerProtoSpans` (what the sender does: process encoded once, copied into each record)', bytes: bytesOf(ours), run: () => encodeJaegerProtoSpans(referenceProcess, spans) },
  { name: 'ours: `encodeJaegerProtoSpan` per span (process encoded in every record)', bytes: bytesOf(ours), run: () => spans.map((s) => encodeJaegerProtoSpan(referenceProcess, s)) },
  { name: 'ours: `decodeJaegerProtoSpan` per record (for inspect / the forwarder)', bytes: bytesOf(ours), run: () => ours.map(decodeJaegerProtoSpan) },
  { name: 'protobufjs static code: `Span.decode` per record', bytes: bytesOf(ours), run: () => ours.map((r) => api.Span.decode(r)) },
]

const conditions = startConditions()
const rates = interleavedRates(cases.map((c) => c.run), ROUNDS, ROUND_MS)

const rows = cases.map((c, i) => {
  const { rate, min, max, ratio } = rates[i]!
  return `| ${c.name} | ${rate.toFixed(0)} [${min.toFixed(0)}–${max.toFixed(0)}] | ${((1e6 / rate) / SPANS).toFixed(2)} | ${(c.bytes / SPANS).toFixed(1)} | ${ratio.toFixed(2)}× |`
})

const report = [
  `# jaeger_proto encode: ours vs protobufjs static code (${RUNTIME})`,
  '',
  conditions.line(),
  '',
  `\`npx tsx bench/jaeger-proto-encode.ts\` (${runtimeVersion()}). ${SPANS} reference spans of one trace (bench/reference-spans.ts: baseline.md's span, 6 tags, 1 log with 2 fields, a childOf reference; ` +
    'a jaeger-client process with 4 tags), each encoded as one api_v2 `model.Span` record with its `Process` embedded (a jaeger_proto record). ' +
    `protobufjs static code generated at bench time by pbjs from jaeger-idl ${IDL_VERSION} \`proto/api_v2/model.proto\` (gogoproto options stripped in a temp copy; not committed). ` +
    `Checked at start-up for all ${SPANS} spans: protobufjs's bytes decode with our decoder to the same spans as ours, and our bytes decode with protobufjs to the same fields as its own; ` +
    `${identical} of ${SPANS} records are byte-identical. ` +
    `Batches (of ${SPANS} records) per CPU second (user + system), median [min–max] of ${ROUNDS} interleaved rounds of ${ROUND_MS} ms; µs/span = 1e6 ÷ rate ÷ ${SPANS}; ratio = median per-round ratio to the first row.` +
    (process.env.BENCH_LOAD_NOTE ? '' : ' Other helpers were working on the same 2 cores (see the load in the header); CPU-time rates are less disturbed by that than wall time.'),
  '',
  '| case | batches / CPU s | CPU µs/span | bytes/span | vs protobufjs (first row) |',
  '|---|---|---|---|---|',
  ...rows,
  '',
].join('\n')

const resultsDir = new URL('./results/', import.meta.url)
mkdirSync(resultsDir, { recursive: true })
writeFileSync(new URL(`jaeger-proto-encode-${RUNTIME}.md`, resultsDir), report)
console.log(report)
