// SPDX-License-Identifier: Apache-2.0
// Node-only: our protobuf bytes read by the other side's code. Random spans go
// through our writers and the Go reference (scripts/jaeger-peer/refdecode:
// pdata, jaeger-idl and collector-contrib's Jaeger translator at the versions
// inside our Jaeger build):
//  - otlp_proto: pdata reads exactly what Jaeger's translator makes of the same
//    spans sent as jaeger.thrift (ids, names, times, attributes with types,
//    events, links with ref types, kind, status, resource), and what our own
//    decoder reads;
//  - jaeger_proto: jaeger-idl reads the span we meant (ids, refs, flags, times,
//    tags with types, logs, process);
//  - the OTel SDK's ProtobufTraceSerializer (@opentelemetry/otlp-transformer)
//    writes the same spans, and pdata reads its bytes and ours the same; our
//    decoder reads its bytes as pdata does.
import assert from 'node:assert/strict'
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer'
import { test } from '../support/harness.ts'
import { prng } from '../support/prng.ts'
import { refdecode } from '../support/refdecode.ts'
import { sdkSubset, toReadableSpans } from '../support/otel-readable-spans.ts'
import {
  goFloatsToNumbers,
  jaegerView,
  normalizeOtlp,
  otlpJson,
  randomProcess,
  randomTrace,
  refsWithParent,
} from '../support/protobuf-views.ts'
import { decodeOtlpTraces, encodeOtlpTraces } from '../../src/codec/otlp/index.ts'
import { encodeJaegerProtoSpan } from '../../src/codec/jaeger-proto/index.ts'
import { encodeBatch } from '../../src/codec/thrift/index.ts'
import type { JaegerProcess, JaegerSpan } from '../../src/codec/thrift/jaeger-types.ts'

const BATCHES = 150

function randomBatches(seed: number): { process: JaegerProcess; spans: JaegerSpan[] }[] {
  const rand = prng(seed)
  return Array.from({ length: BATCHES }, () => ({ process: randomProcess(rand), spans: randomTrace(rand, 1 + Math.floor(rand() * 5)) }))
}

test('otlp_proto: the Go reference reads our OTLP as Jaeger translates the same spans sent as jaeger.thrift', () => {
  const batches = randomBatches(101)
  const results = refdecode(batches.flatMap(({ process, spans }) => [
    { encoding: 'otlp_proto' as const, bytes: encodeOtlpTraces(process, spans) },
    { encoding: 'jaeger_thrift' as const, bytes: encodeBatch({ process, spans }) },
  ]))
  let spansCompared = 0
  batches.forEach(({ process, spans }, b) => {
    const ours = results[2 * b]!
    const viaThrift = results[2 * b + 1]!
    assert.equal(ours.error, undefined, `batch ${b}: ${String(ours.error)}`)
    assert.equal(viaThrift.error, undefined, `batch ${b}: ${String(viaThrift.error)}`)
    assert.deepEqual(normalizeOtlp(ours.otlp, { dropFlags: true }), normalizeOtlp(viaThrift.otlp, { dropFlags: true }), `batch ${b}`)
    // Our decoder reads our bytes as pdata does (flags included).
    assert.deepEqual(normalizeOtlp(otlpJson(decodeOtlpTraces(encodeOtlpTraces(process, spans)))), normalizeOtlp(ours.otlp), `batch ${b}: our decoder`)
    // What Jaeger's query API shows: one batch, our process, every span.
    const [shown] = ours.jaeger as { process: { serviceName: string }; spans: { spanId: string }[] }[]
    assert.equal(shown!.process.serviceName, process.serviceName)
    assert.deepEqual(shown!.spans.map((span) => span.spanId), spans.map((span) => BigInt.asUintN(64, span.spanId).toString(16).padStart(16, '0')))
    spansCompared += spans.length
  })
  assert.ok(spansCompared >= BATCHES)
}, { timeout: 600_000 })

test('jaeger_proto: jaeger-idl reads every field of our spans', () => {
  const records = randomBatches(202).flatMap(({ process, spans }) => spans.map((span) => ({ process, span })))
  const results = refdecode(records.map(({ process, span }) => ({ encoding: 'jaeger_proto' as const, bytes: encodeJaegerProtoSpan(process, span) })))
  records.forEach(({ process, span }, i) => {
    assert.equal(results[i]!.error, undefined, `span ${i}: ${String(results[i]!.error)}`)
    const [batch] = results[i]!.jaeger as { spans: unknown[] }[]
    assert.deepEqual(goFloatsToNumbers(batch!.spans[0]), jaegerView(process, span, refsWithParent(span)), `span ${i}`)
  })
}, { timeout: 600_000 })

test('OTel SDK cross-check: ProtobufTraceSerializer and our writer, read by pdata, agree where the models overlap', () => {
  const batches = randomBatches(303)
  const ours = batches.map(({ process, spans }) => encodeOtlpTraces(process, spans))
  const sdk = ours.map((bytes) => {
    const serialized = ProtobufTraceSerializer.serializeRequest(toReadableSpans(sdkSubset(decodeOtlpTraces(bytes))))
    assert.ok(serialized instanceof Uint8Array)
    return serialized
  })
  const results = refdecode([...ours, ...sdk].map((bytes) => ({ encoding: 'otlp_proto' as const, bytes })))
  batches.forEach((_batch, b) => {
    const goOurs = results[b]!
    const goSdk = results[batches.length + b]!
    assert.equal(goSdk.error, undefined, `batch ${b}: ${String(goSdk.error)}`)
    const oursSubset = otlpJson(sdkSubset(decodeOtlpTraces(ours[b]!)))
    // The SDK always sets the has-is-remote flag bit; flags compared below on the trace-flags byte.
    assert.deepEqual(normalizeOtlp(goSdk.otlp, { dropFlags: true }), normalizeOtlp(oursSubset, { dropFlags: true }), `batch ${b}`)
    const oursDecodedByGo = normalizeOtlp(goOurs.otlp)
    assert.deepEqual(normalizeOtlp(otlpJson(decodeOtlpTraces(ours[b]!))), oursDecodedByGo, `batch ${b}: ours`)
    // Our decoder reads the SDK's bytes as pdata does.
    assert.deepEqual(normalizeOtlp(otlpJson(decodeOtlpTraces(sdk[b]!))), normalizeOtlp(goSdk.otlp), `batch ${b}: our decoder on SDK bytes`)
    const sdkSpans = decodeOtlpTraces(sdk[b]!).resourceSpans[0]!.scopeSpans[0]!.spans
    const ourSpans = decodeOtlpTraces(ours[b]!).resourceSpans[0]!.scopeSpans[0]!.spans
    assert.deepEqual(sdkSpans.map((span) => span.flags & 0xff), ourSpans.map((span) => span.flags & 0xff))
  })
}, { timeout: 600_000 })
