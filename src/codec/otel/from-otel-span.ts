// SPDX-License-Identifier: Apache-2.0
/**
 * OpenTelemetry SDK spans (`ReadableSpan`, typed structurally here: no
 * `@opentelemetry/*` import) → the jaeger model (`JaegerSpan`,
 * `JaegerProcess`), following Jaeger's own translator, collector-contrib
 * v0.140.1 `pkg/translator/jaeger/traces_to_jaegerproto.go`. Our OTLP writer
 * (`otlp-encode.ts`) follows the opposite direction of the same package, so
 * an OTel span written as `otlp_proto` comes back with the fields it had.
 *
 * | OTel SDK                                  | jaeger                                                      |
 * |-------------------------------------------|-------------------------------------------------------------|
 * | resource `service.name`                   | process serviceName (`OTLPResourceNoServiceName` when missing or empty) |
 * | other resource attributes                 | process tags, in order                                      |
 * | traceId, spanId (hex)                     | traceIdHigh/Low, spanId (invalid or all-zero: an error)     |
 * | parent span id                            | parentSpanId and a leading CHILD_OF reference               |
 * | links                                     | references: `opentracing.ref_type` = `child_of` → CHILD_OF, else FOLLOWS_FROM; a link to the parent sets the parent reference's type; other link attributes, trace state and flags are not kept; a link with invalid ids is left out and counted in `otel.dropped_links_count` |
 * | instrumentationScope name, version        | tags `otel.scope.name`, `otel.scope.version` (first, when not empty) |
 * | attributes: string, boolean, integer number, other number, Uint8Array | tags STRING, BOOL, LONG, DOUBLE, BINARY (an integer beyond int64 → DOUBLE) |
 * | array (or other object) attributes        | STRING tag with the JSON text (pcommon `AsString()`: `["a","b"]`) |
 * | kind INTERNAL…CONSUMER                    | tag `span.kind` = internal, server, client, producer, consumer |
 * | status OK / ERROR                         | `otel.status_code` = OK / ERROR; ERROR adds `error` = true; a message → `otel.status_description` |
 * | traceState                                | tag `w3c.tracestate`                                        |
 * | dropped attributes / events / links counts > 0 | tags `otel.dropped_attributes_count` / `_events_count` / `_links_count` (OTel's mapping to non-OTLP formats; the translator has none) |
 * | events: time, name, attributes            | logs: timestamp, `event` = name first (unless an `event` attribute exists), then the attributes |
 * | start/end time (HrTime, ns)               | startTime, duration in µs (truncated; a span ending before it starts gets 0) |
 * | traceFlags                                | flags = the sampled bit                                     |
 *
 * Attributes whose value is `undefined` or `null` are skipped (the SDK drops them too).
 * @module
 */
import { SpanRefType, TagType } from '../thrift/jaeger-types.ts'
import type { JaegerLog, JaegerProcess, JaegerSpan, JaegerSpanRef, JaegerTag } from '../thrift/jaeger-types.ts'

/** `[seconds, nanoseconds]` since the epoch, as the OTel API's `HrTime`. */
export type OtelHrTime = readonly [number, number]

/** The parts of the OTel API `SpanContext` read here. */
export interface OtelSpanContext {
  traceId: string
  spanId: string
  traceFlags?: number
  traceState?: { serialize(): string } | undefined
}

/** An attribute map (`Attributes` of the OTel API). */
export type OtelAttributes = Readonly<Record<string, unknown>>

/** The parts of the SDK's `ReadableSpan` the exporter reads (SDK 2.x; 1.x `parentSpanId`/`instrumentationLibrary` also accepted). */
export interface OtelReadableSpan {
  readonly name: string
  readonly kind: number
  spanContext(): OtelSpanContext
  readonly parentSpanContext?: OtelSpanContext | undefined
  readonly startTime: OtelHrTime
  readonly endTime: OtelHrTime
  readonly status: { code: number; message?: string | undefined }
  readonly attributes: OtelAttributes
  readonly links: readonly { context: OtelSpanContext; attributes?: OtelAttributes | undefined }[]
  readonly events: readonly { name: string; time: OtelHrTime; attributes?: OtelAttributes | undefined }[]
  readonly resource: OtelResource
  readonly instrumentationScope?: { name: string; version?: string | undefined } | undefined
  readonly droppedAttributesCount?: number
  readonly droppedEventsCount?: number
  readonly droppedLinksCount?: number
}

/** The parts of the SDK's `Resource` read here. */
export interface OtelResource {
  readonly attributes: OtelAttributes
}

/** What the translator calls a process without a `service.name` (`tracetranslator.ResourceNoServiceName`). */
export const NO_SERVICE_NAME = 'OTLPResourceNoServiceName'

/** OTel API `SpanKind` (INTERNAL 0 … CONSUMER 4) → the OpenTracing `span.kind` value. */
const SPAN_KINDS = ['internal', 'server', 'client', 'producer', 'consumer'] as const
/** OTel API `SpanStatusCode`: UNSET 0, OK 1, ERROR 2. */
const STATUS_OK = 1
const STATUS_ERROR = 2

const MIN_I64 = -(2n ** 63n)
const MAX_I64 = 2n ** 63n - 1n
const TRACE_ID = /^[0-9a-f]{32}$/i
const SPAN_ID = /^[0-9a-f]{16}$/i
const ZERO_TRACE_ID = '0'.repeat(32)
const ZERO_SPAN_ID = '0'.repeat(16)

function fail(what: string, reason: string): never {
  throw new TypeError(`Cannot convert ${what}: ${reason}`)
}

/** "span \"name\"" plus `part` (" startTime", " link", …), for errors: built only when one is thrown. */
function spanWhat(name: unknown, part: string): string {
  return `${typeof name === 'string' ? `span "${name.length > 100 ? `${name.slice(0, 100)}…` : name}"` : 'span'}${part}`
}

function stringTag(key: string, value: string): JaegerTag {
  return { key, vType: TagType.STRING, vStr: value }
}

function longTag(key: string, value: number): JaegerTag {
  return { key, vType: TagType.LONG, vLong: BigInt(value) }
}

/** Whether JSON.stringify() alone writes `value` as the replacer below would: an array of strings, numbers, booleans or nulls. */
function isFlatArray(value: object): value is unknown[] {
  if (!Array.isArray(value)) return false
  for (const item of value) {
    const type = typeof item
    if (type !== 'string' && type !== 'number' && type !== 'boolean' && item !== null) return false
  }
  return true
}

/** pcommon `AsString()` of a slice or map: its JSON text (a value JSON cannot hold falls back to `String()`). */
function jsonText(value: object): string {
  // The common case (what the OTel API allows: arrays of one primitive type) needs no replacer, which is slow.
  if (isFlatArray(value)) return JSON.stringify(value)
  try {
    const text = JSON.stringify(value, (_key, v: unknown) => (v instanceof Uint8Array ? Array.from(v) : typeof v === 'bigint' ? v.toString() : v))
    return typeof text === 'string' ? text : String(value)
  } catch {
    return String(value)
  }
}

/** One attribute as a tag (`attributeToJaegerProtoTag`); undefined for an absent value. */
export function attributeTag(key: string, value: unknown): JaegerTag | undefined {
  switch (typeof value) {
    case 'string':
      return stringTag(key, value)
    case 'boolean':
      return { key, vType: TagType.BOOL, vBool: value }
    case 'number':
      // As the SDK's OTLP serializer: an integral number is an int, anything else a double.
      if (Number.isSafeInteger(value)) return { key, vType: TagType.LONG, vLong: BigInt(value) }
      if (Number.isInteger(value)) {
        const long = BigInt(value)
        if (long >= MIN_I64 && long <= MAX_I64) return { key, vType: TagType.LONG, vLong: long }
      }
      return { key, vType: TagType.DOUBLE, vDouble: value }
    case 'bigint':
      return value >= MIN_I64 && value <= MAX_I64 ? { key, vType: TagType.LONG, vLong: value } : stringTag(key, value.toString())
    case 'undefined':
      return undefined
    case 'object':
      if (value === null) return undefined
      if (value instanceof Uint8Array) return { key, vType: TagType.BINARY, vBinary: value }
      return stringTag(key, jsonText(value))
    default:
      return stringTag(key, String(value))
  }
}

function appendAttributes(tags: JaegerTag[], attributes: OtelAttributes | undefined, skipKey?: string): void {
  if (attributes == null || typeof attributes !== 'object') return
  for (const key of Object.keys(attributes)) {
    if (key === skipKey) continue
    const tag = attributeTag(key, attributes[key])
    if (tag) tags.push(tag)
  }
}

/** Resource → process (`resourceToJaegerProtoProcess`). */
export function fromOtelResource(resource: OtelResource | undefined): JaegerProcess {
  const attributes = resource?.attributes ?? {}
  const serviceName = attributes['service.name']
  const tags: JaegerTag[] = []
  appendAttributes(tags, attributes, 'service.name')
  return { serviceName: typeof serviceName === 'string' && serviceName !== '' ? serviceName : NO_SERVICE_NAME, tags }
}

/** A trace id's two signed 64-bit halves (the thrift model's i64s). */
interface TraceIdHalves {
  readonly high: bigint
  readonly low: bigint
}

// The spans of one export mostly come trace by trace, children sharing a
// parent: the last trace id and the last parent id are parsed once (parsing
// hex into BigInts was a tenth of the conversion's CPU in the exporter benchmark).
let lastTraceHex = ''
let lastTrace: TraceIdHalves = { high: 0n, low: 0n }
let lastParentHex = ''
let lastParent = 0n

/** A 32-hex-digit trace id as its two signed 64-bit halves. */
function traceIdHalves(hex: unknown, name: unknown, part: string): TraceIdHalves {
  if (hex === lastTraceHex && hex !== '') return lastTrace
  if (typeof hex !== 'string' || !TRACE_ID.test(hex)) fail(spanWhat(name, part), `trace id ${JSON.stringify(hex)} is not 32 hex digits`)
  if (hex === ZERO_TRACE_ID) fail(spanWhat(name, part), 'trace id is all zeros (invalid in OTel)')
  const halves = { high: BigInt.asIntN(64, BigInt(`0x${hex.slice(0, 16)}`)), low: BigInt.asIntN(64, BigInt(`0x${hex.slice(16)}`)) }
  lastTraceHex = hex
  lastTrace = halves
  return halves
}

function spanIdValue(hex: unknown, name: unknown, part: string): bigint {
  if (typeof hex !== 'string' || !SPAN_ID.test(hex)) fail(spanWhat(name, part), `span id ${JSON.stringify(hex)} is not 16 hex digits`)
  if (hex === ZERO_SPAN_ID) fail(spanWhat(name, part), 'span id is all zeros (invalid in OTel)')
  return BigInt.asIntN(64, BigInt(`0x${hex}`))
}

/** Largest seconds whose microseconds are still an exact Number. */
const MAX_EXACT_SECONDS = Math.floor(Number.MAX_SAFE_INTEGER / 1_000_000) - 1

/** HrTime → microseconds since the epoch (truncated). */
function micros(time: unknown, name: unknown, part: string): bigint {
  if (!Array.isArray(time) || time.length !== 2) fail(spanWhat(name, part), 'not an HrTime [seconds, nanoseconds]')
  const seconds: unknown = time[0]
  const nanos: unknown = time[1]
  if (!Number.isSafeInteger(seconds) || (seconds as number) < 0 || !Number.isInteger(nanos) || (nanos as number) < 0 || (nanos as number) >= 1e9) {
    fail(spanWhat(name, part), `HrTime [${String(seconds)}, ${String(nanos)}] is out of range`)
  }
  // One BigInt from an exact Number (BigInt arithmetic allocates per step); exact below ~285,000 years.
  if ((seconds as number) <= MAX_EXACT_SECONDS) return BigInt((seconds as number) * 1_000_000 + Math.floor((nanos as number) / 1000))
  return BigInt(seconds as number) * 1_000_000n + BigInt(Math.floor((nanos as number) / 1000))
}

function refType(attributes: OtelAttributes | undefined): SpanRefType {
  return attributes?.['opentracing.ref_type'] === 'child_of' ? SpanRefType.CHILD_OF : SpanRefType.FOLLOWS_FROM
}

/** The span's parent id (SDK 2.x `parentSpanContext`, 1.x `parentSpanId`); 0 for a root. */
function parentId(span: OtelReadableSpan, name: string): bigint {
  const hex = span.parentSpanContext?.spanId ?? (span as { parentSpanId?: unknown }).parentSpanId
  if (hex === undefined || hex === '' || hex === ZERO_SPAN_ID) return 0n
  if (hex === lastParentHex) return lastParent
  const value = spanIdValue(hex, name, ' parent')
  lastParentHex = hex as string
  lastParent = value
  return value
}

function scopeOf(span: OtelReadableSpan): { name?: unknown; version?: unknown } | undefined {
  return span.instrumentationScope ?? (span as { instrumentationLibrary?: { name?: unknown; version?: unknown } }).instrumentationLibrary
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : 0
}

/**
 * One SDK span as a `JaegerSpan` (`spanToJaegerProto`). Throws a `TypeError`
 * ("Cannot convert span …: reason") for what cannot be a Jaeger span: invalid
 * trace/span/parent ids, a name that is not a string, times that are not HrTimes.
 */
export function fromOtelSpan(span: OtelReadableSpan): JaegerSpan {
  if (span == null || typeof span !== 'object') fail('span', `${String(span)} is not a span`)
  const name = span.name
  if (typeof name !== 'string') fail(spanWhat(name, ''), 'its name is not a string')
  if (typeof span.spanContext !== 'function') fail(spanWhat(name, ''), 'it has no spanContext()')
  const context = span.spanContext()
  const { high, low } = traceIdHalves(context?.traceId, name, '')
  const spanId = spanIdValue(context.spanId, name, '')
  const parent = parentId(span, name)
  const startTime = micros(span.startTime, name, ' startTime')
  const endTime = micros(span.endTime, name, ' endTime')

  const references: JaegerSpanRef[] = []
  if (parent !== 0n) references.push({ refType: SpanRefType.CHILD_OF, traceIdHigh: high, traceIdLow: low, spanId: parent })
  let droppedLinks = count(span.droppedLinksCount)
  for (const link of span.links ?? []) {
    let ids: { high: bigint; low: bigint; spanId: bigint }
    try {
      const halves = traceIdHalves(link?.context?.traceId, name, ' link')
      ids = { ...halves, spanId: spanIdValue(link.context.spanId, name, ' link') }
    } catch {
      droppedLinks++
      continue
    }
    const type = refType(link.attributes)
    if (parent !== 0n && ids.high === high && ids.low === low && ids.spanId === parent) {
      references[0]!.refType = type
      continue
    }
    references.push({ refType: type, traceIdHigh: ids.high, traceIdLow: ids.low, spanId: ids.spanId })
  }

  const tags: JaegerTag[] = []
  const scope = scopeOf(span)
  if (typeof scope?.name === 'string' && scope.name !== '') tags.push(stringTag('otel.scope.name', scope.name))
  if (typeof scope?.version === 'string' && scope.version !== '') tags.push(stringTag('otel.scope.version', scope.version))
  appendAttributes(tags, span.attributes)
  const kind = SPAN_KINDS[span.kind]
  if (kind !== undefined) tags.push(stringTag('span.kind', kind))
  const status = span.status
  if (status?.code === STATUS_ERROR) tags.push(stringTag('otel.status_code', 'ERROR'), { key: 'error', vType: TagType.BOOL, vBool: true })
  else if (status?.code === STATUS_OK) tags.push(stringTag('otel.status_code', 'OK'))
  if (typeof status?.message === 'string' && status.message !== '') tags.push(stringTag('otel.status_description', status.message))
  const traceState = context.traceState?.serialize?.()
  if (typeof traceState === 'string' && traceState !== '') tags.push(stringTag('w3c.tracestate', traceState))
  const droppedAttributes = count(span.droppedAttributesCount)
  if (droppedAttributes > 0) tags.push(longTag('otel.dropped_attributes_count', droppedAttributes))
  const droppedEvents = count(span.droppedEventsCount)
  if (droppedEvents > 0) tags.push(longTag('otel.dropped_events_count', droppedEvents))
  if (droppedLinks > 0) tags.push(longTag('otel.dropped_links_count', droppedLinks))

  const logs: JaegerLog[] = []
  for (const event of span.events ?? []) {
    const fields: JaegerTag[] = []
    const eventName = event?.name
    const attributes = event?.attributes
    if (typeof eventName === 'string' && eventName !== '' && (attributes == null || !Object.hasOwn(attributes, 'event'))) fields.push(stringTag('event', eventName))
    appendAttributes(fields, attributes)
    logs.push({ timestamp: micros(event?.time, name, ' event time'), fields })
  }

  const result: JaegerSpan = {
    traceIdLow: low,
    traceIdHigh: high,
    spanId,
    parentSpanId: parent,
    operationName: name,
    flags: (context.traceFlags ?? 0) & 1,
    startTime,
    duration: endTime > startTime ? endTime - startTime : 0n,
  }
  if (references.length > 0) result.references = references
  if (tags.length > 0) result.tags = tags
  if (logs.length > 0) result.logs = logs
  return result
}
