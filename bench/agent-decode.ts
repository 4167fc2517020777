// SPDX-License-Identifier: Apache-2.0
// Agent datagram decoding: our decodeEmitBatch() vs Apache Thrift's Node
// library (`thrift` 0.24.0, its TCompactProtocol / TBinaryProtocol readers
// driven field by field as generated code does) on the same emitBatch
// datagrams, and thriftrw (jaeger-client Node's Thrift library) for binary.
//
//   npx tsx bench/agent-decode.ts
//   npx deno run -A bench/agent-decode.ts
//   npx bun bench/agent-decode.ts
//
// A datagram of SPANS reference spans (bench/reference-spans.ts) per protocol,
// written by Apache's writers; plus the binary datagram exactly as jaeger-client
// Node's UDPSender writes the same spans (thriftrw: every tag carries all five
// value fields). The decoders of each datagram run interleaved, ROUNDS rounds of
// ROUND_MS each; rates are per second of process CPU time (user + system). Our
// decoder reads both protocols in one process, as in the agent.
// Writes bench/results/agent-decode-<runtime>.md.
import { Buffer } from 'node:buffer'
import { mkdirSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { RUNTIME, startConditions } from './header.ts'
import { interleavedRates } from './cpu-rate.ts'
import { referenceProcess, referenceSpans } from './reference-spans.ts'
import { apacheEmitBatch, apacheReadEmitBatch } from '../test/support/apache-thrift.ts'
import { decodeEmitBatch } from '../src/codec/thrift/index.ts'
import type { AgentProtocol, JaegerBatch, JaegerTag } from '../src/codec/thrift/index.ts'

const SPANS = 60
const ROUNDS = 7
const ROUND_MS = 300

const require = createRequire(import.meta.url)
const conditions = startConditions()

// ------------------------------------------------------------ the datagrams --

const batch: JaegerBatch = { process: referenceProcess, spans: referenceSpans(SPANS) }
const compact = apacheEmitBatch('compact', batch)
const binary = apacheEmitBatch('binary', batch)

type Loose = Record<string, any> // thriftrw values are untyped
const thriftUtils = require('jaeger-client/dist/src/thrift.js').default as { buildAgentThriftPath(): string; loadJaegerThriftDefinition(): string }
const { Thrift } = require('thriftrw') as { Thrift: new (options: Loose) => Loose }
// The two thriftrw instances jaeger-client's UDPSender builds.
const agentThrift = new Thrift({ entryPoint: thriftUtils.buildAgentThriftPath(), allowOptionalArguments: true, allowFilesystemAccess: true })
const jaegerThrift = new Thrift({ source: thriftUtils.loadJaegerThriftDefinition(), allowOptionalArguments: true })

const TAG_TYPES = ['STRING', 'DOUBLE', 'BOOL', 'LONG', 'BINARY']
const int64 = (value: bigint): Buffer => {
  const bytes = Buffer.alloc(8)
  bytes.writeBigInt64BE(value)
  return bytes
}
/** A tag as jaeger-client hands it to thriftrw: all five value fields, defaults for the unused ones. */
const clientTag = (tag: JaegerTag): Loose => ({
  key: tag.key,
  vType: TAG_TYPES[tag.vType],
  vStr: tag.vStr ?? '',
  vDouble: tag.vDouble ?? 0,
  vBool: tag.vBool ?? false,
  vLong: int64(tag.vLong ?? 0n),
  vBinary: Buffer.from(tag.vBinary ?? []),
})
/** The message UDPSender._convertBatchToThriftMessage() builds, written as its flush() does. */
function udpSenderDatagram(): Uint8Array {
  const spans = batch.spans.map(
    (span) =>
      new jaegerThrift.Span({
        traceIdLow: int64(span.traceIdLow),
        traceIdHigh: int64(span.traceIdHigh),
        spanId: int64(span.spanId),
        parentSpanId: int64(span.parentSpanId),
        operationName: span.operationName,
        references: span.references!.map((ref) => ({ refType: 'CHILD_OF', traceIdLow: int64(ref.traceIdLow), traceIdHigh: int64(ref.traceIdHigh), spanId: int64(ref.spanId) })),
        flags: span.flags,
        startTime: int64(span.startTime),
        duration: int64(span.duration),
        tags: span.tags!.map(clientTag),
        logs: span.logs!.map((log) => ({ timestamp: int64(log.timestamp), fields: log.fields.map(clientTag) })),
      }),
  )
  const process = new jaegerThrift.Process({ serviceName: referenceProcess.serviceName, tags: referenceProcess.tags!.map(clientTag) })
  const message = new agentThrift.Agent.emitBatch.ArgumentsMessage({ version: 1, id: 0, body: { batch: new jaegerThrift.Batch({ process, spans }) } })
  const rw = agentThrift.Agent.emitBatch.argumentsMessageRW
  const buffer = Buffer.alloc(rw.byteLength(message).length)
  const result = rw.writeInto(message, buffer, 0)
  if (result.err) throw result.err
  return new Uint8Array(buffer)
}
const udpSender = udpSenderDatagram()
const udpSenderBuffer = Buffer.from(udpSender) // thriftrw reads Buffers only

function thriftrwRead(bytes: Buffer): Loose {
  const result = agentThrift.Agent.emitBatch.argumentsMessageRW.readFrom(bytes, 0)
  if (result.err) throw result.err
  return result.value
}

// Every decoder must read every datagram to its SPANS spans before anything is timed.
for (const [protocol, bytes] of [['compact', compact], ['binary', binary], ['binary', udpSender]] as const) {
  const ours = decodeEmitBatch(bytes, protocol)
  const theirs = apacheReadEmitBatch(protocol, bytes) as { spans: unknown[] }
  if (ours.spans.length !== SPANS || theirs.spans.length !== SPANS || ours.spans[SPANS - 1]!.startTime !== batch.spans[SPANS - 1]!.startTime) {
    throw new Error(`a ${protocol} datagram does not decode to its ${SPANS} spans`)
  }
}
if ((thriftrwRead(udpSenderBuffer).body.batch.spans as unknown[]).length !== SPANS) throw new Error('thriftrw does not read the UDPSender datagram')

// --------------------------------------------------------------- the cases --

interface Case {
  name: string
  /** Which datagram; the first case of each group is the baseline of its ratio. */
  group: string
  bytes: number
  run: () => unknown
}

const decodeWith = (protocol: AgentProtocol, bytes: Uint8Array) => () => decodeEmitBatch(bytes, protocol)
const cases: Case[] = [
  { group: 'compact (Apache writer)', name: 'Apache `thrift` TCompactProtocol reader', bytes: compact.length, run: () => apacheReadEmitBatch('compact', compact) },
  { group: 'compact (Apache writer)', name: 'ours `decodeEmitBatch(bytes, "compact")`', bytes: compact.length, run: decodeWith('compact', compact) },
  { group: 'binary (Apache writer)', name: 'Apache `thrift` TBinaryProtocol reader', bytes: binary.length, run: () => apacheReadEmitBatch('binary', binary) },
  { group: 'binary (Apache writer)', name: 'ours `decodeEmitBatch(bytes, "binary")`', bytes: binary.length, run: decodeWith('binary', binary) },
  { group: 'binary (jaeger-client UDPSender bytes)', name: 'Apache `thrift` TBinaryProtocol reader', bytes: udpSender.length, run: () => apacheReadEmitBatch('binary', udpSender) },
  { group: 'binary (jaeger-client UDPSender bytes)', name: 'thriftrw `argumentsMessageRW.readFrom()` (jaeger-client Node\'s library)', bytes: udpSender.length, run: () => thriftrwRead(udpSenderBuffer) },
  { group: 'binary (jaeger-client UDPSender bytes)', name: 'ours `decodeEmitBatch(bytes, "binary")`', bytes: udpSender.length, run: decodeWith('binary', udpSender) },
]

// ------------------------------------------------------------ measurement --

// Each datagram's decoders run interleaved; the ratio is to its group's first row (Apache's reader).
const groups = [...new Set(cases.map((c) => c.group))]
const results = new Map<Case, ReturnType<typeof interleavedRates>[number]>()
for (const group of groups) {
  const members = cases.filter((c) => c.group === group)
  interleavedRates(members.map((c) => c.run), ROUNDS, ROUND_MS).forEach((result, i) => results.set(members[i]!, result))
}

// ------------------------------------------------------------------ report --

const rows = cases.map((c) => {
  const { rate, min, max, ratio } = results.get(c)!
  const microsPerSpan = 1e6 / (rate * SPANS)
  return `| ${c.group} | ${c.name} | ${c.bytes} | ${rate.toFixed(0)} [${min.toFixed(0)}–${max.toFixed(0)}] | ${microsPerSpan.toFixed(2)} | ${((rate * SPANS) / 1e3).toFixed(0)} | ${ratio.toFixed(2)}× |`
})

const report = [
  `# Agent datagram decoding: emitBatch, compact and binary (${RUNTIME})`,
  '',
  conditions.line(),
  '',
  `One emitBatch datagram of ${SPANS} reference spans (bench/reference-spans.ts: 6 tags, 1 log with 2 fields, a childOf reference) ` +
    'per row group: written by Apache Thrift\'s writers (compact, binary), and exactly as jaeger-client Node\'s UDPSender writes it ' +
    '(thriftrw; every tag with all five value fields, so more bytes). Decoders build the whole batch (Apache\'s and thriftrw\'s: their ' +
    `plain objects, i64 as bigint / Buffer). Datagrams per CPU second (user + system), median [min–max] of ${ROUNDS} interleaved rounds of ` +
    `${ROUND_MS} ms (the decoders of one datagram interleaved, after one warm-up pass); µs/span = CPU µs per span; ` +
    '"vs baseline" is the median per-round ratio to the first row of the group (Apache\'s reader). ' +
    'Our decoder reads both protocols in the same process, so its shared struct decoder sees both readers, as in the agent.',
  '',
  '| datagram | decoder | bytes | datagrams/s | µs/span | kspans/s | vs baseline |',
  '|---|---|---|---|---|---|---|',
  ...rows,
  '',
].join('\n')

const resultsDir = new URL('./results/', import.meta.url)
mkdirSync(resultsDir, { recursive: true })
writeFileSync(new URL(`agent-decode-${RUNTIME}.md`, resultsDir), report)
console.log(report)
