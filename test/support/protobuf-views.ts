// SPDX-License-Identifier: Apache-2.0
// Shared by the protobuf codec tests and scripts/make-protobuf-fixtures.ts:
// random jaeger spans, the fixture JSON convention, and the two "views" the Go
// reference tool (scripts/jaeger-peer/refdecode) prints — OTLP/JSON as pdata
// writes it, and a jaeger span as jaeger-idl's model holds it — built from our
// own values so they can be compared with what the reference read.
import { SpanRefType, TagType } from '../../src/codec/thrift/jaeger-types.ts'
import type { JaegerProcess, JaegerSpan, JaegerSpanRef, JaegerTag } from '../../src/codec/thrift/jaeger-types.ts'
import { traceIdHex } from '../../src/codec/thrift/jaeger-decode.ts'
import type { OtlpAnyValue, OtlpKeyValue, OtlpTracesData } from '../../src/codec/otlp/otlp-types.ts'

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

export function bytesToHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
}

export function hexToBytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16))
}

function base64(bytes: Uint8Array): string {
  let text = ''
  for (const byte of bytes) text += String.fromCharCode(byte)
  return btoa(text)
}

// --- fixture JSON: bigint {"i64": "<decimal>"}, Uint8Array {"binary": "<hex>"}, doubles {"double": "<String(n)>"} ---

export function fixtureReplacer(this: unknown, key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return { i64: value.toString() }
  if (value instanceof Uint8Array) return { binary: bytesToHex(value) }
  if (key === 'vDouble' && typeof value === 'number') return { double: Object.is(value, -0) ? '-0' : String(value) }
  return value
}

export function fixtureReviver(_key: string, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.keys(value).length !== 1) return value
  const tagged = value as { i64?: unknown; binary?: unknown; double?: unknown }
  if (typeof tagged.i64 === 'string') return BigInt(tagged.i64)
  if (typeof tagged.binary === 'string') return hexToBytes(tagged.binary)
  if (typeof tagged.double === 'string') return tagged.double === '-0' ? -0 : Number(tagged.double)
  return value
}

// --- the OTLP/JSON view (pdata's JSONMarshaler), normalised for comparison ---

function anyValueJson(value: OtlpAnyValue): Json {
  switch (value.type) {
    case 'string': return { stringValue: value.value }
    case 'bool': return { boolValue: value.value }
    case 'int': return { intValue: value.value.toString() }
    case 'double': return { doubleValue: value.value }
    case 'bytes': return { bytesValue: base64(value.value) }
    case 'array': return { arrayValue: { values: value.value.map(anyValueJson) } }
    case 'kvlist': return { kvlistValue: { values: value.value.map(keyValueJson) } }
    case 'empty': return {}
  }
}

function keyValueJson(kv: OtlpKeyValue): Json {
  return { key: kv.key, value: anyValueJson(kv.value) }
}

/** Our decoded OTLP in the shape of pdata's OTLP/JSON (before normalisation). */
export function otlpJson(data: OtlpTracesData): Json {
  return {
    resourceSpans: data.resourceSpans.map((rs) => ({
      resource: { attributes: (rs.resource?.attributes ?? []).map(keyValueJson), droppedAttributesCount: rs.resource?.droppedAttributesCount ?? 0 },
      schemaUrl: rs.schemaUrl,
      scopeSpans: rs.scopeSpans.map((ss) => ({
        scope: { name: ss.scope?.name ?? '', version: ss.scope?.version ?? '', attributes: (ss.scope?.attributes ?? []).map(keyValueJson) },
        schemaUrl: ss.schemaUrl,
        spans: ss.spans.map((span) => ({
          traceId: bytesToHex(span.traceId),
          spanId: bytesToHex(span.spanId),
          traceState: span.traceState,
          parentSpanId: bytesToHex(span.parentSpanId),
          flags: span.flags,
          name: span.name,
          kind: span.kind,
          startTimeUnixNano: span.startTimeUnixNano.toString(),
          endTimeUnixNano: span.endTimeUnixNano.toString(),
          attributes: span.attributes.map(keyValueJson),
          droppedAttributesCount: span.droppedAttributesCount,
          events: span.events.map((event) => ({
            timeUnixNano: event.timeUnixNano.toString(),
            name: event.name,
            attributes: event.attributes.map(keyValueJson),
            droppedAttributesCount: event.droppedAttributesCount,
          })),
          droppedEventsCount: span.droppedEventsCount,
          links: span.links.map((link) => ({
            traceId: bytesToHex(link.traceId),
            spanId: bytesToHex(link.spanId),
            traceState: link.traceState,
            attributes: link.attributes.map(keyValueJson),
            droppedAttributesCount: link.droppedAttributesCount,
            flags: link.flags,
          })),
          droppedLinksCount: span.droppedLinksCount,
          status: { code: span.status?.code ?? 0, message: span.status?.message ?? '' },
        })),
      })),
    })),
  }
}

export interface NormalizeOptions {
  /** Drop span `flags` (Jaeger's translator does not map them; see otlp-encode.ts). */
  dropFlags?: boolean
}

/**
 * Drop empty values ({}, [], "", 0, "0" times) so pdata's omissions and ours
 * compare equal, and sort attribute lists by key: the translator removes
 * attributes with a swap, so only the set (a map) is meaningful.
 */
export function normalizeOtlp(value: unknown, options: NormalizeOptions = {}, key = ''): Json | undefined {
  if (Array.isArray(value)) {
    const items = value.map((item) => normalizeOtlp(item, options)).filter((item) => item !== undefined) as Json[]
    if (key === 'attributes') items.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1))
    return items.length === 0 ? undefined : items
  }
  if (typeof value === 'object' && value !== null) {
    const out: { [key: string]: Json } = {}
    for (const [k, v] of Object.entries(value)) {
      if (options.dropFlags && k === 'flags') continue
      // The value object of an attribute is kept even when empty (an empty AnyValue).
      const normalized = normalizeOtlp(v, options, k)
      if (normalized !== undefined) out[k] = normalized
      else if (k === 'value') out[k] = {}
    }
    return Object.keys(out).length === 0 ? undefined : out
  }
  if (value === '' || value === 0 || value === '0' || value === undefined || value === null) return undefined
  return value as Json
}

// --- the jaeger view (refdecode's jSpan / jBatch) ---

const VALUE_TYPE_NAMES = ['string', 'float64', 'bool', 'int64', 'binary']

function tagView(tag: JaegerTag): Json {
  let value: Json
  switch (tag.vType) {
    case TagType.STRING: value = tag.vStr ?? ''; break
    case TagType.BOOL: value = tag.vBool ?? false; break
    case TagType.LONG: value = BigInt.asIntN(64, tag.vLong ?? 0n).toString(); break
    case TagType.DOUBLE: value = tag.vDouble ?? 0; break
    default: value = bytesToHex(tag.vBinary ?? new Uint8Array(0))
  }
  return { key: tag.key, type: VALUE_TYPE_NAMES[tag.vType]!, value }
}

function spanIdHex(id: bigint): string {
  return BigInt.asUintN(64, id).toString(16).padStart(16, '0')
}

/** jaeger-idl `MaybeAddParentSpanID`: the refs a thrift span has as an api_v2 span. */
export function refsWithParent(span: JaegerSpan): JaegerSpanRef[] {
  const refs = span.references ?? []
  const parent = BigInt.asUintN(64, span.parentSpanId)
  if (parent === 0n) return [...refs]
  const u = (v: bigint) => BigInt.asUintN(64, v)
  if (refs.some((ref) => u(ref.spanId) === parent && u(ref.traceIdHigh) === u(span.traceIdHigh) && u(ref.traceIdLow) === u(span.traceIdLow))) return [...refs]
  return [{ refType: SpanRefType.CHILD_OF, traceIdHigh: span.traceIdHigh, traceIdLow: span.traceIdLow, spanId: parent }, ...refs]
}

/** A span (+ its process) as refdecode prints a jaeger_proto span; `refs` default to the span's own. */
export function jaegerView(process: JaegerProcess, span: JaegerSpan, refs: readonly JaegerSpanRef[] = span.references ?? []): Json {
  return {
    traceId: traceIdHex(BigInt.asUintN(64, span.traceIdHigh), BigInt.asUintN(64, span.traceIdLow)),
    spanId: spanIdHex(span.spanId),
    operationName: span.operationName,
    references: refs.map((ref) => ({
      refType: ref.refType === SpanRefType.CHILD_OF ? 'child_of' : 'follows_from',
      traceId: traceIdHex(BigInt.asUintN(64, ref.traceIdHigh), BigInt.asUintN(64, ref.traceIdLow)),
      spanId: spanIdHex(ref.spanId),
    })),
    flags: span.flags >>> 0,
    startTime: Number(span.startTime),
    duration: Number(span.duration),
    tags: (span.tags ?? []).map(tagView),
    logs: (span.logs ?? []).map((log) => ({ timestamp: Number(log.timestamp), fields: log.fields.map(tagView) })),
    process: { serviceName: process.serviceName, tags: (process.tags ?? []).map(tagView) },
  }
}

/** refdecode prints float64 values with Go's %v; read them back as numbers. */
export function goFloatsToNumbers(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(goFloatsToNumbers)
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>
    if (record.type === 'float64' && typeof record.value === 'string') return { ...record, value: Number(record.value) }
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, goFloatsToNumbers(v)]))
  }
  return value
}

// --- random spans ---

const KINDS = ['client', 'server', 'producer', 'consumer', 'internal', 'bogus']
const TEXTS = ['', 'a', 'hello wörld', '日本語 ✓', '🙂 emoji', 'x'.repeat(130), 'é'.repeat(70), 'quote " and \\ backslash']

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!
}

function randomU64(rand: () => number): bigint {
  return (BigInt(Math.floor(rand() * 2 ** 32)) << 32n) | BigInt(Math.floor(rand() * 2 ** 32))
}

function randomId(rand: () => number): bigint {
  const id = randomU64(rand)
  // Half the ids signed (as thrift i64 holds them), half unsigned.
  return id === 0n ? 1n : rand() < 0.5 ? BigInt.asIntN(64, id) : id
}

/** A tag of a random type (values finite: Go prints ±Inf in a way JS does not read back). */
export function randomTag(rand: () => number, key: string): JaegerTag {
  switch (Math.floor(rand() * 5)) {
    case 0: return { key, vType: TagType.STRING, vStr: pick(rand, TEXTS) }
    case 1: return { key, vType: TagType.DOUBLE, vDouble: pick(rand, [0, 1.5, -2.25, 1e-7, 123456789.125, Number.MAX_VALUE, rand() * 1e6]) }
    case 2: return { key, vType: TagType.BOOL, vBool: rand() < 0.5 }
    case 3: return { key, vType: TagType.LONG, vLong: pick(rand, [0n, 1n, -1n, 2n ** 63n - 1n, -(2n ** 63n), BigInt(Math.floor(rand() * 1e9))]) }
    default: return { key, vType: TagType.BINARY, vBinary: Uint8Array.from({ length: Math.floor(rand() * 20) }, () => Math.floor(rand() * 256)) }
  }
}

/** Tags with unique keys (the translator keeps one value per key), some of them the mapped ones. */
function randomTags(rand: () => number, prefix: string, special: boolean): JaegerTag[] {
  const tags: JaegerTag[] = []
  const count = Math.floor(rand() * 6)
  for (let i = 0; i < count; i++) tags.push(randomTag(rand, `${prefix}${i}`))
  if (special) {
    if (rand() < 0.5) tags.push({ key: 'span.kind', vType: TagType.STRING, vStr: pick(rand, KINDS) })
    if (rand() < 0.3) tags.push(rand() < 0.8 ? { key: 'error', vType: TagType.BOOL, vBool: rand() < 0.7 } : { key: 'error', vType: TagType.STRING, vStr: 'true' })
    if (rand() < 0.2) tags.push({ key: 'otel.status_code', vType: TagType.STRING, vStr: pick(rand, ['OK', 'ERROR', 'error', 'other']) })
    if (rand() < 0.2) tags.push({ key: 'otel.status_description', vType: TagType.STRING, vStr: 'why' })
    if (rand() < 0.2) tags.push(rand() < 0.5 ? { key: 'http.status_code', vType: TagType.LONG, vLong: pick(rand, [200n, 404n, 500n, 99n, 399n]) } : { key: 'http.status_code', vType: TagType.STRING, vStr: pick(rand, ['503', '+404', 'abc', '200']) })
    if (rand() < 0.1) tags.push({ key: 'http.status_message', vType: TagType.STRING, vStr: 'Not Found' })
  }
  // Shuffle so the mapped tags sit anywhere.
  for (let i = tags.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1))
    ;[tags[i], tags[j]] = [tags[j]!, tags[i]!]
  }
  return tags
}

export function randomProcess(rand: () => number): JaegerProcess {
  const tags = randomTags(rand, 'p', false)
  if (rand() < 0.5) tags.push({ key: 'hostname', vType: TagType.STRING, vStr: 'host-1' })
  if (rand() < 0.5) tags.push({ key: 'jaeger.version', vType: TagType.STRING, vStr: 'Node-3.19.0' })
  if (rand() < 0.1) tags.push({ key: 'host.name', vType: TagType.STRING, vStr: 'host-2' })
  return { serviceName: pick(rand, ['svc', 'orders', 'wörld-service']), tags }
}

/** Spans of one trace (64- or 128-bit id) with refs inside it and to other traces. */
export function randomTrace(rand: () => number, count: number): JaegerSpan[] {
  const traceIdHigh = rand() < 0.5 ? 0n : randomId(rand)
  const traceIdLow = randomId(rand)
  const spans: JaegerSpan[] = []
  for (let i = 0; i < count; i++) {
    const spanId = randomId(rand)
    const parent = spans.length > 0 && rand() < 0.7 ? pick(rand, spans).spanId : 0n
    const references: JaegerSpanRef[] = []
    const refCount = Math.floor(rand() * 3)
    for (let r = 0; r < refCount; r++) {
      const sameTrace = rand() < 0.6
      references.push({
        refType: rand() < 0.5 ? SpanRefType.CHILD_OF : SpanRefType.FOLLOWS_FROM,
        traceIdHigh: sameTrace ? traceIdHigh : randomId(rand),
        traceIdLow: sameTrace ? traceIdLow : randomId(rand),
        spanId: spans.length > 0 && rand() < 0.5 ? pick(rand, spans).spanId : randomId(rand),
      })
    }
    if (parent !== 0n && rand() < 0.3) references.unshift({ refType: SpanRefType.CHILD_OF, traceIdHigh, traceIdLow, spanId: parent })
    const startTime = 1_700_000_000_000_000n + BigInt(Math.floor(rand() * 1e9))
    const logs = Array.from({ length: Math.floor(rand() * 3) }, (_, l) => {
      const fields = randomTags(rand, `f${l}_`, false)
      if (rand() < 0.6) fields.splice(Math.floor(rand() * (fields.length + 1)), 0, rand() < 0.9 ? { key: 'event', vType: TagType.STRING, vStr: pick(rand, ['error', 'cache miss', '']) } : { key: 'event', vType: TagType.LONG, vLong: 7n })
      return { timestamp: startTime + BigInt(Math.floor(rand() * 1000)), fields }
    })
    spans.push({
      traceIdHigh,
      traceIdLow,
      spanId,
      parentSpanId: parent,
      operationName: pick(rand, TEXTS),
      references,
      flags: Math.floor(rand() * 4),
      startTime,
      duration: BigInt(Math.floor(rand() * 5_000_000)),
      tags: randomTags(rand, 't', true),
      logs,
    })
  }
  return spans
}
