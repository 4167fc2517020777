// SPDX-License-Identifier: Apache-2.0
/**
 * `KafkaConsumerCarrier`: an OpenTracing TEXT_MAP / HTTP_HEADERS carrier over
 * a consumed Kafka message's headers.
 *
 * jaeger-client's codecs walk a carrier with `for…in` + `hasOwnProperty` and
 * choke on anything but string values; OTel's `defaultTextMapGetter` uses
 * `Object.keys` and `carrier[key]`. So the carrier is a plain object whose
 * own enumerable properties are the message's headers decoded to strings
 * (rules in src/headers.ts: UTF-8, last occurrence wins). Keys keep the case
 * they had on the wire; a lower-case alias is added as a non-enumerable
 * property so exact-key readers (OTel) also match case-insensitively.
 * @module
 */
import { B3_SINGLE, B3_TRACE_ID } from '../src/context/b3.ts'
import { TRACEPARENT } from '../src/context/w3c.ts'
import { PROPAGATION_FORMATS, type PropagationFormat, type TraceContext } from '../src/context/trace-context.ts'
import { UBER_TRACE_ID, decodeUberTraceId, isValidUberTraceId, parseUberTraceId } from '../src/context/uber-trace-id.ts'
import { HEADER_LIMITS, decodeSingleValue, firstReadIndex } from '../src/headers.ts'
import { LEGACY_SECOND_SPAN_PREFIX, checkFormats, contextKeys, formatHeaders, readFormat } from './keys.ts'
import type { ConsumerSource, TargetKind } from './types.ts'

/** Options of {@link KafkaConsumerCarrier}. */
export interface ConsumerCarrierOptions {
  /**
   * Formats the trace context may come from, in priority order: the first
   * one present and valid wins. Default `['jaeger', 'w3c', 'b3']`, i.e.
   * `uber-trace-id`, else W3C `traceparent`, else B3.
   */
  formats?: readonly PropagationFormat[]
  /**
   * Formats whose headers the carrier fills in (or corrects) from the winning
   * context, so a tracer that reads only one format still finds it. Default
   * `['jaeger']`: jaeger-client continues a W3C or B3 trace when
   * `uber-trace-id` is absent. Add `'w3c'` for OTel tracers reading
   * jaeger-only messages.
   */
  expose?: readonly PropagationFormat[]
  /**
   * Read java-kafka-client ≤ 0.1.2 headers: `second_span_<key>` values replace
   * `<key>` (those versions re-injected the consumer span under that prefix).
   * Default false.
   */
  legacySecondSpan?: boolean
  /** How to read an ambiguous source (see {@link TargetKind}). Default `'auto'`. */
  kind?: TargetKind
}

const CONTEXT = Symbol('jaeger-kafka.consumerCarrier.context')
const HIDDEN = Symbol('jaeger-kafka.consumerCarrier.hidden')

const DEFAULT_EXPOSE: readonly PropagationFormat[] = ['jaeger']

function isContainer(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return false
  if (Array.isArray(value)) {
    const first: unknown = value[0]
    return value.length === 0 || (typeof first === 'object' && first !== null && !Array.isArray(first) && !ArrayBuffer.isView(first) &&
      (first as { type?: unknown }).type !== 'Buffer')
  }
  return (value as { type?: unknown }).type !== 'Buffer'
}

/** The headers of a message, or the source itself when it is headers. */
function headersOf(source: unknown, kind: TargetKind): unknown {
  // Bytes are never headers (and Object.keys of a 1 MB Buffer is 1M strings).
  if (typeof source !== 'object' || source === null || ArrayBuffer.isView(source) || source instanceof ArrayBuffer) return undefined
  if (Array.isArray(source)) return source
  if (kind === 'headers') return source
  const record = source as Record<string, unknown>
  const headers = record.headers
  if (kind === 'message') return headers
  if (isContainer(headers)) return headers
  if ('value' in record || 'offset' in record || 'topic' in record) return undefined
  return source
}

/**
 * An OpenTracing carrier that reads trace headers from a consumed Kafka
 * message, for `tracer.extract(FORMAT_TEXT_MAP, carrier)` (or
 * `FORMAT_HTTP_HEADERS`).
 *
 * `source` is a consumed kafkajs message, a node-rdkafka message (`headers`
 * array), or raw headers of either shape. Header values may be strings,
 * Buffers/Uint8Arrays, `{ type: 'Buffer', data }`, arrays (repeated keys) or
 * `null`; they are decoded as UTF-8 and exposed as own enumerable string
 * properties. For a repeated key the LAST occurrence wins. `uber-trace-id`
 * values are URL-decoded (`%3A`), `uberctx-*` values are URI-decoded.
 * When `uber-trace-id` is absent or malformed, a W3C `traceparent` or B3
 * context is exposed as `uber-trace-id` (see {@link ConsumerCarrierOptions}).
 *
 * Never throws: any input, however malformed, gives a carrier (possibly
 * empty). The source message is never modified.
 *
 * @example
 * const ctx = tracer.extract(FORMAT_TEXT_MAP, new KafkaConsumerCarrier(message))
 */
export class KafkaConsumerCarrier {
  /** The settled context; absent = the `uber-trace-id`, parsed on demand. */
  declare [CONTEXT]: TraceContext | null | undefined
  declare [HIDDEN]: Map<string, HiddenHeader> | undefined

  constructor(source: ConsumerSource | unknown, options: ConsumerCarrierOptions = {}) {
    // Bad options are a programming error and throw; bad input never does.
    const formats = options.formats === undefined ? PROPAGATION_FORMATS : checkFormats(options.formats, 'KafkaConsumerCarrier formats') as readonly PropagationFormat[]
    const expose = options.expose === undefined ? DEFAULT_EXPOSE : checkFormats(options.expose, 'KafkaConsumerCarrier expose') as readonly PropagationFormat[]
    try {
      collect(this, headersOf(source, options.kind ?? 'auto'), options.legacySecondSpan === true)
    } catch {
      // A hostile source: keep whatever was collected.
    }
    let context: TraceContext | null | undefined
    try {
      context = settle(this, formats, expose)
    } catch {
      context = null
    }
    // Symbol-keyed, non-enumerable state, only when there is something to
    // keep: the common case (a valid uber-trace-id) stores nothing.
    if (context !== undefined) Object.defineProperty(this, CONTEXT, { value: context, writable: true, configurable: true })
  }

  /** A header's value (case-insensitive), as exposed to tracers. */
  get(key: string): string | undefined {
    const lower = String(key).toLowerCase()
    if (RESERVED.has(lower)) return this[HIDDEN]?.get(lower)?.value
    if (!Object.prototype.hasOwnProperty.call(this, lower)) return undefined
    const value: unknown = (this as unknown as Record<string, unknown>)[lower]
    return typeof value === 'string' ? value : undefined
  }

  /**
   * Set or replace (case-insensitively) a header on the carrier only; the
   * source message is never modified. `null`/`undefined` removes it.
   */
  set(key: string, value: string | null | undefined): void {
    const name = String(key)
    const lower = name.toLowerCase()
    remove(this, lower)
    if (value !== null && value !== undefined) exposeHeader(this, name, lower, String(value))
  }

  /** Visit every header once, decoded (including names hidden because they collide with members). */
  forEachKey(visit: (key: string, value: string) => void): void {
    const self = this as unknown as Record<string, unknown>
    for (const key of Object.keys(self)) visit(key, self[key] as string)
    const hidden = this[HIDDEN]
    if (hidden !== undefined) for (const entry of hidden.values()) if (!entry.exposed) visit(entry.key, entry.value)
  }

  /**
   * The trace context the carrier settled on (first valid of `formats`), in
   * a format-neutral shape; `null` when the headers carry none.
   */
  traceContext(): TraceContext | null {
    if (Object.prototype.hasOwnProperty.call(this, CONTEXT)) return this[CONTEXT] as TraceContext | null
    const context = parseUberTraceId(this.get(UBER_TRACE_ID))
    Object.defineProperty(this, CONTEXT, { value: context, writable: true, configurable: true })
    return context
  }
}

/** A header whose lower-case name collides with a member of the carrier. */
interface HiddenHeader {
  key: string
  value: string
  /** True when `key` itself could still be exposed as a property. */
  exposed: boolean
}

// Names a header must not shadow: the carrier's members and Object.prototype's.
const RESERVED = new Set<string>([
  ...Object.getOwnPropertyNames(Object.prototype),
  ...Object.getOwnPropertyNames(KafkaConsumerCarrier.prototype),
])

type Writable = KafkaConsumerCarrier & Record<string, unknown>

/** Remove a header, whatever the case of its name. */
function remove(carrier: KafkaConsumerCarrier, lower: string): void {
  carrier[HIDDEN]?.delete(lower)
  const self = carrier as Writable
  for (const k of Object.getOwnPropertyNames(self)) if (k.toLowerCase() === lower) delete self[k]
}

/**
 * Expose `value` under `key`, plus a non-enumerable lower-case alias; names
 * colliding with members go to the hidden map (reachable via get()).
 */
function exposeHeader(carrier: KafkaConsumerCarrier, key: string, lower: string, value: string): void {
  const self = carrier as Writable
  if (RESERVED.has(lower) || RESERVED.has(key)) {
    const exposed = !RESERVED.has(key)
    if (carrier[HIDDEN] === undefined) Object.defineProperty(carrier, HIDDEN, { value: new Map(), writable: true, configurable: true })
    ;(carrier[HIDDEN] as Map<string, HiddenHeader>).set(lower, { key, value, exposed })
    if (exposed) Object.defineProperty(self, key, { value, enumerable: true, writable: true, configurable: true })
    return
  }
  self[key] = value
  if (key !== lower) Object.defineProperty(self, lower, { value, enumerable: false, writable: true, configurable: true })
}

/** The value exposed under a lower-case, non-reserved key. */
function own(carrier: KafkaConsumerCarrier, lower: string): string | undefined {
  if (!Object.prototype.hasOwnProperty.call(carrier, lower)) return undefined
  const value: unknown = (carrier as Writable)[lower]
  return typeof value === 'string' ? value : undefined
}

/** Decode one occurrence and expose it; the last occurrence of a key wins. */
function take(carrier: KafkaConsumerCarrier, key: string, raw: unknown): void {
  if (key.length > HEADER_LIMITS.maxKeyLength) return
  const lower = key.toLowerCase()
  // An earlier occurrence (any case) has an own property (or alias) under `lower`.
  if (Object.prototype.hasOwnProperty.call(carrier, lower) || carrier[HIDDEN]?.has(lower) === true) remove(carrier, lower)
  const value = decodeSingleValue(raw)
  if (value !== undefined) exposeHeader(carrier, key, lower, decodeKnown(lower, value))
}

/**
 * Value rules of known headers: `%3A` in `uber-trace-id`. Baggage values stay
 * as on the wire: decoding them is the tracer's job for its format (see
 * src/context/baggage.ts).
 */
function decodeKnown(lower: string, value: string): string {
  return lower === UBER_TRACE_ID ? decodeUberTraceId(value) : value
}

/**
 * Expose the headers: each occurrence in wire order, so the last one wins.
 * Plain loops, no callbacks: this runs for every consumed message.
 */
function collect(carrier: KafkaConsumerCarrier, headers: unknown, legacy: boolean): void {
  if (typeof headers !== 'object' || headers === null || ArrayBuffer.isView(headers) || headers instanceof ArrayBuffer) return
  if (Array.isArray(headers)) {
    for (let i = firstReadIndex(headers.length); i < headers.length; i++) {
      const entry: unknown = headers[i]
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry) || ArrayBuffer.isView(entry)) continue
      const keys = Object.keys(entry)
      for (let k = 0; k < keys.length; k++) take(carrier, keys[k] as string, (entry as Record<string, unknown>)[keys[k] as string])
    }
  } else {
    const record = headers as Record<string, unknown>
    const keys = Object.keys(record)
    for (let k = firstReadIndex(keys.length); k < keys.length; k++) {
      const key = keys[k] as string
      const value = record[key]
      // A repeated key: only the last occurrence can win.
      take(carrier, key, Array.isArray(value) ? value[value.length - 1] : value)
    }
  }
  if (legacy) promoteLegacy(carrier)
}

/** java-kafka-client ≤ 0.1.2: `second_span_<key>` replaces `<key>`. */
function promoteLegacy(carrier: KafkaConsumerCarrier): void {
  const found: [string, string][] = []
  carrier.forEachKey((key, value) => {
    if (key.length > LEGACY_SECOND_SPAN_PREFIX.length && key.toLowerCase().startsWith(LEGACY_SECOND_SPAN_PREFIX)) found.push([key, value])
  })
  for (const [key, value] of found) {
    const name = key.slice(LEGACY_SECOND_SPAN_PREFIX.length)
    const lower = name.toLowerCase()
    carrier.set(name, decodeKnown(lower, value))
  }
}

/**
 * True when `uber-trace-id` is the only context header a tracer could use:
 * every other accepted format is absent and only `jaeger` is exposed.
 */
function alone(carrier: KafkaConsumerCarrier, formats: readonly PropagationFormat[], expose: readonly PropagationFormat[]): boolean {
  for (let i = 0; i < expose.length; i++) if (expose[i] !== 'jaeger') return false
  for (let i = 0; i < formats.length; i++) {
    const format = formats[i]
    if (format === 'w3c' && own(carrier, TRACEPARENT) !== undefined) return false
    if (format === 'b3' && (own(carrier, B3_TRACE_ID) !== undefined || own(carrier, B3_SINGLE) !== undefined)) return false
  }
  return true
}

/**
 * Pick the winning context and make every `expose` format show it: its
 * headers are set (or replaced) from the winner, so a tracer reading any one
 * exposed format continues the same trace. Returns the context, or
 * `undefined` when the winner is a valid `uber-trace-id` that nothing else
 * needs parsed (the common case, kept cheap).
 */
function settle(carrier: KafkaConsumerCarrier, formats: readonly PropagationFormat[], expose: readonly PropagationFormat[]): TraceContext | null | undefined {
  let winner: PropagationFormat | null = null
  let context: TraceContext | null = null
  for (let i = 0; i < formats.length; i++) {
    const format = formats[i] as PropagationFormat
    if (format === 'jaeger') {
      const value = own(carrier, UBER_TRACE_ID)
      if (value === undefined) continue
      // Validating costs as much as jaeger-client's own parse: skip it when
      // no other format could take over and nothing needs the parsed context.
      if (alone(carrier, formats, expose) || isValidUberTraceId(value)) {
        winner = format
        break
      }
      continue
    }
    context = readFormat(format, carrier)
    if (context !== null) {
      winner = format
      break
    }
  }
  if (winner === null) return null
  let rewrite = false
  for (let i = 0; i < expose.length; i++) if (expose[i] !== winner) rewrite = true
  if (winner === 'jaeger') {
    // Lazily parsed by traceContext(); may turn out invalid (then null).
    if (!rewrite) return undefined
    context = parseUberTraceId(own(carrier, UBER_TRACE_ID))
  }
  if (context === null) return null
  for (const format of expose) {
    if (format === winner) continue
    for (const key of contextKeys(format)) carrier.set(key, undefined)
    const headers = formatHeaders(format, context)
    if (headers !== null) for (const key of Object.keys(headers)) carrier.set(key, headers[key])
  }
  return context
}
