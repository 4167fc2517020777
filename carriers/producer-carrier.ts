// SPDX-License-Identifier: Apache-2.0
/**
 * `KafkaProducerCarrier`: an OpenTracing TEXT_MAP / HTTP_HEADERS carrier that
 * writes straight into a Kafka message's headers, in the client's own shape.
 *
 * Tracers write carriers by assignment (`carrier[key] = value`: jaeger-client's
 * codecs, OTel's `defaultTextMapSetter`), so the carrier is a Proxy that turns
 * every string-keyed assignment into a header write. Reads (`carrier[key]`,
 * `Object.keys`, `for…in`) show the target's current headers as strings.
 * @module
 */
import { ErrorCodes, JaegerKafkaError } from '../src/errors.ts'
import { HEADER_LIMITS, bytesToString, decodeHeaderValue, forEachHeader } from '../src/headers.ts'
import type { KafkajsHeaders, RdkafkaHeader, RdkafkaHeaders } from '../src/headers.ts'
import { hasNoControlChars, isSafeHeaderKey } from '../src/context/baggage.ts'
import type { PropagationFormat, TraceContext } from '../src/context/trace-context.ts'
import { UBER_BAGGAGE_PREFIX } from '../src/context/uber-trace-id.ts'
import { TRACESTATE, acceptTracestate } from '../src/context/w3c.ts'
import { checkFormats, contextKeys, formatHeaders, formatOfContextKey, isTracingKey, parseContextValue, primaryKey, readFormat } from './keys.ts'
import type { ProducerTarget, TargetKind } from './types.ts'

/** Options of {@link KafkaProducerCarrier}. */
export interface ProducerCarrierOptions {
  /**
   * Formats to write beside whatever the tracer writes, derived from the
   * tracer's own `uber-trace-id`, `traceparent` or `b3` header as it is
   * written, e.g. `['w3c']` so OTel consumers continue jaeger-client traces.
   * Default: none.
   */
  formats?: readonly PropagationFormat[]
  /** How to read an ambiguous target (see {@link TargetKind}). Default `'auto'`. */
  kind?: TargetKind
  /**
   * On the first write, remove every tracing header already on the target
   * (`uber-trace-id`, `uberctx-*`, `jaeger-baggage`, `traceparent`,
   * `tracestate`, `b3`, `x-b3-*`, `second_span_*`), so re-injecting (a retry,
   * a forwarded message) never leaves stale or duplicate context. Default true.
   */
  clearTracingHeaders?: boolean
}

interface ProducerState {
  /** The message owning the headers, when the target is a message. */
  message: Record<string, unknown> | null
  /** The headers container, or null until the first write creates it. */
  headers: KafkajsHeaders | RdkafkaHeaders | null
  array: boolean
  formats: readonly PropagationFormat[]
  clear: boolean
  cleared: boolean
  baggage: Map<string, number> | null
  baggageBytes: number
  deriving: boolean
  /** What turned out frozen or read-only (no further writes), or null. */
  readOnly: string | null
}

const STATE = Symbol('jaeger-kafka.producerCarrier')

const NO_FORMATS: readonly PropagationFormat[] = []

/** The error `injectHeaders` throws for a frozen or read-only target. */
export function readOnlyError(what: string): JaegerKafkaError {
  return new JaegerKafkaError(
    ErrorCodes.READ_ONLY_CARRIER,
    `Cannot inject trace headers: ${what} is frozen or read-only; use injectHeaders(tracer, span, message, { mutate: false }) to get a traced copy`,
  )
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value)
}

/** True when an object is a message rather than a headers object (the `'auto'` rule). */
export function looksLikeMessage(target: Record<string, unknown>): boolean {
  if ('value' in target) return true
  const headers = target.headers
  return Array.isArray(headers) ? headers.every(isPlainObject) : isPlainObject(headers) && (headers as { type?: unknown }).type !== 'Buffer'
}

type Resolved = Pick<ProducerState, 'message' | 'headers' | 'array' | 'readOnly'>

/** A target the carrier must not write to: every write is refused, nothing throws. */
function blocked(what: string): Resolved {
  return { message: null, headers: null, array: false, readOnly: what }
}

function resolve(target: unknown, kind: TargetKind): Resolved {
  if (Array.isArray(target)) {
    if (!Object.isExtensible(target)) return blocked('the headers array')
    return { message: null, headers: target as RdkafkaHeaders, array: true, readOnly: null }
  }
  if (!isPlainObject(target)) {
    throw new TypeError(`Cannot create KafkaProducerCarrier: expected a kafkajs message, a headers object or a node-rdkafka headers array, got ${target === null ? 'null' : typeof target}`)
  }
  const isMessage = kind === 'message' || (kind === 'auto' && looksLikeMessage(target))
  if (!isMessage) {
    if (!Object.isExtensible(target)) return blocked('the headers object')
    return { message: null, headers: target as KafkajsHeaders, array: false, readOnly: null }
  }
  // A frozen message says "do not touch", even if its headers object is not frozen.
  if (Object.isFrozen(target)) return blocked('the message')
  const headers = target.headers
  if (headers === undefined || headers === null) {
    if (!Object.isExtensible(target)) return blocked('the message')
    return { message: target, headers: null, array: false, readOnly: null }
  }
  if (Array.isArray(headers)) {
    if (!Object.isExtensible(headers)) return blocked('the message headers')
    return { message: target, headers: headers as RdkafkaHeaders, array: true, readOnly: null }
  }
  if (!isPlainObject(headers)) {
    throw new TypeError(`Cannot create KafkaProducerCarrier: message.headers must be an object or an array, got ${typeof headers}`)
  }
  if (!Object.isExtensible(headers)) return blocked('the message headers')
  return { message: target, headers: headers as KafkajsHeaders, array: false, readOnly: null }
}

/** The headers container, created on the message at the first write. */
function container(state: ProducerState): KafkajsHeaders | RdkafkaHeaders {
  if (state.headers !== null) return state.headers
  const headers: KafkajsHeaders = {}
  ;(state.message as { headers?: KafkajsHeaders }).headers = headers
  state.headers = headers
  return headers
}

function deleteKey(object: KafkajsHeaders, key: string): void {
  try {
    delete object[key]
  } catch {
    throw readOnlyError('the message headers')
  }
}

/** Remove every header whose lower-cased key passes `match`. */
function removeWhere(state: ProducerState, match: (lower: string) => boolean): void {
  const headers = state.headers
  if (headers === null) return
  if (state.array) {
    const list = headers as RdkafkaHeaders
    for (let i = list.length - 1; i >= 0; i--) {
      const entry = list[i]
      if (!isPlainObject(entry)) continue
      const keys = Object.keys(entry)
      let doomed = 0
      for (const k of keys) if (match(k.toLowerCase())) doomed++
      if (doomed === 0) continue
      if (doomed === keys.length) {
        list.splice(i, 1)
      } else {
        // Never edit the caller's element objects: replace the element.
        const kept: RdkafkaHeader = {}
        for (const k of keys) if (!match(k.toLowerCase())) Object.defineProperty(kept, k, { value: entry[k], enumerable: true, writable: true, configurable: true })
        list[i] = kept
      }
    }
    return
  }
  const object = headers as KafkajsHeaders
  for (const k of Object.keys(object)) {
    if (match(k.toLowerCase())) deleteKey(object, k)
  }
}

/** Remove the other-case variants of `key` (all of them for arrays). No callbacks: hot path. */
function removeVariants(state: ProducerState, key: string, lower: string): void {
  const headers = state.headers
  if (headers === null) return
  if (state.array) {
    const list = headers as RdkafkaHeaders
    for (let i = list.length - 1; i >= 0; i--) {
      const entry = list[i]
      if (!isPlainObject(entry)) continue
      for (const k of Object.keys(entry)) {
        if (k.length === lower.length && k.toLowerCase() === lower) {
          removeWhere(state, (l) => l === lower)
          return
        }
      }
    }
    return
  }
  const object = headers as KafkajsHeaders
  const keys = Object.keys(object)
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string
    if (k !== key && k.length === lower.length && k.toLowerCase() === lower) deleteKey(object, k)
  }
}

/** Write one header, replacing any case variant of the key. */
function put(state: ProducerState, key: string, lower: string, value: string): void {
  removeVariants(state, key, lower)
  const headers = state.headers ?? container(state)
  if (state.array) {
    // Computed keys define an own property, even for `__proto__`.
    ;(headers as RdkafkaHeaders).push({ [key]: value })
  } else if (key === '__proto__') {
    Object.defineProperty(headers, key, { value, enumerable: true, writable: true, configurable: true })
  } else {
    // Plain assignment (Reflect.set is several times slower in V8); strict
    // mode turns a read-only property into a TypeError.
    try {
      ;(headers as KafkajsHeaders)[key] = value
    } catch {
      throw readOnlyError('the message headers')
    }
  }
}

function toText(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value)
  if (value instanceof Uint8Array) return bytesToString(value)
  return undefined
}

/** Apply caps and hygiene to a baggage header; false when it must be dropped. */
function admitBaggage(state: ProducerState, lower: string, key: string, value: string): boolean {
  if (value.length > HEADER_LIMITS.maxBaggageValueLength) return false
  const baggage = (state.baggage ??= new Map())
  const previous = baggage.get(lower)
  const size = key.length + value.length
  const bytes = state.baggageBytes - (previous ?? 0) + size
  if (previous === undefined && baggage.size >= HEADER_LIMITS.maxBaggageItems) return false
  if (bytes > HEADER_LIMITS.maxBaggageBytes) return false
  baggage.set(lower, size)
  state.baggageBytes = bytes
  return true
}

/**
 * The single write path. Never throws (it runs inside the tracer's inject,
 * through the Proxy): a frozen or read-only target refuses the write and
 * marks the carrier read-only (see {@link readOnlyReason}).
 */
function write(state: ProducerState, key: string, raw: unknown): boolean {
  if (state.readOnly !== null) return false
  try {
    return writeHeader(state, key, raw)
  } catch {
    // Only a read-only header property throws in here (a strict-mode write or delete).
    state.readOnly = 'the message headers'
    return false
  }
}

/** Hygiene, caps, first-write clearing, the write, and derived formats. False when refused. */
function writeHeader(state: ProducerState, key: string, raw: unknown): boolean {
  if (!isSafeHeaderKey(key, HEADER_LIMITS.maxKeyLength)) return false
  const lower = key.toLowerCase()
  if (!state.cleared) {
    state.cleared = true
    if (state.clear) removeWhere(state, isTracingKey)
  }
  if (raw === undefined || raw === null) {
    removeWhere(state, (l) => l === lower)
    state.baggage?.delete(lower)
    return true
  }
  const value = toText(raw)
  if (value === undefined) return false
  if (lower.startsWith(UBER_BAGGAGE_PREFIX)) {
    // Written exactly as the tracer encoded it for its format (see baggage.ts).
    if (!admitBaggage(state, lower, key, value)) return false
  } else if (lower === TRACESTATE) {
    if (acceptTracestate(value, HEADER_LIMITS.maxTracestateLength) === undefined) return false
  } else if (value.length > HEADER_LIMITS.maxValueBytes || !hasNoControlChars(value)) {
    return false
  }
  put(state, key, lower, value)
  const source = formatOfContextKey(lower)
  if (source !== null && state.formats.length > 0 && !state.deriving) {
    const context = parseContextValue(source, value)
    if (context !== null) derive(state, source, context, true)
  }
  return true
}

/** Write `context` in each requested format other than `source`. */
function derive(state: ProducerState, source: PropagationFormat | null, context: TraceContext, overwrite: boolean): void {
  state.deriving = true
  try {
    for (const format of state.formats) {
      if (format === source) continue
      if (!overwrite && lookup(state, primaryKey(format)) !== undefined) continue
      const headers = formatHeaders(format, context)
      if (headers === null) continue
      // Drop the format's previous context keys (a stale x-b3-parentspanid…).
      const stale = contextKeys(format)
      removeWhere(state, (l) => stale.includes(l))
      for (const key of Object.keys(headers)) write(state, key, headers[key])
    }
  } finally {
    state.deriving = false
  }
}

/** Current value of a header (case-insensitive, last wins), as a string. */
function lookup(state: ProducerState, key: string): string | undefined {
  if (state.headers === null) return undefined
  const lower = key.toLowerCase()
  let found: unknown
  forEachHeader(state.headers, (k, v) => {
    if (k.toLowerCase() === lower) found = v
  })
  return decodeHeaderValue(found)
}

function entries(state: ProducerState): Map<string, [string, string]> {
  const out = new Map<string, [string, string]>()
  if (state.headers === null) return out
  forEachHeader(state.headers, (key, raw) => {
    const value = decodeHeaderValue(raw)
    const lower = key.toLowerCase()
    out.delete(lower)
    if (value !== undefined) out.set(lower, [key, value])
  })
  return out
}

/**
 * Fill in every requested extra format that is not on the target yet, from
 * the first context found (`uber-trace-id`, then `traceparent`, then B3).
 * `injectHeaders` calls it after the tracer's inject, which covers tracers
 * that write multi-header B3.
 */
/**
 * What was frozen or read-only when the carrier tried to write ('the
 * message', 'the message headers', …), or null. Such a carrier refuses every
 * write instead of throwing into the tracer.
 */
export function readOnlyReason(carrier: KafkaProducerCarrier): string | null {
  return carrier[STATE].readOnly
}

export function completeFormats(carrier: KafkaProducerCarrier): void {
  const state = carrier[STATE]
  if (state.formats.length === 0 || state.headers === null) return
  const find = { get: (k: string): string | undefined => lookup(state, k) }
  for (const format of ['jaeger', 'w3c', 'b3'] as const) {
    const context = readFormat(format, find)
    if (context !== null) {
      derive(state, format, context, false)
      return
    }
  }
}

const HANDLER: ProxyHandler<KafkaProducerCarrier> = {
  set(carrier, prop, value) {
    if (typeof prop !== 'string') return Reflect.set(carrier, prop, value)
    write(carrier[STATE], prop, value)
    return true
  },
  get(carrier, prop) {
    if (typeof prop !== 'string' || prop in carrier) return (carrier as unknown as Record<string | symbol, unknown>)[prop]
    return lookup(carrier[STATE], prop)
  },
  has(carrier, prop) {
    if (typeof prop !== 'string' || prop in carrier) return Reflect.has(carrier, prop)
    return lookup(carrier[STATE], prop) !== undefined
  },
  deleteProperty(carrier, prop) {
    if (typeof prop !== 'string') return Reflect.deleteProperty(carrier, prop)
    write(carrier[STATE], prop, undefined)
    return true
  },
  defineProperty(carrier, prop, descriptor) {
    if (typeof prop !== 'string') return Reflect.defineProperty(carrier, prop, descriptor)
    write(carrier[STATE], prop, descriptor.value)
    return true
  },
  ownKeys(carrier) {
    // Header names that collide with the carrier's own members stay reachable via get()/forEachKey().
    return Array.from(entries(carrier[STATE]).values(), ([key]) => key).filter((k) => !(k in carrier))
  },
  getOwnPropertyDescriptor(carrier, prop) {
    if (typeof prop !== 'string') return Reflect.getOwnPropertyDescriptor(carrier, prop)
    const value = lookup(carrier[STATE], prop)
    return value === undefined ? undefined : { value, writable: true, enumerable: true, configurable: true }
  },
}

/**
 * An OpenTracing carrier that writes trace headers into a Kafka message.
 *
 * `target` is a kafkajs message (`{ value, key?, headers? }`; `headers` is
 * created at the first write if absent), a kafkajs headers object, or a
 * node-rdkafka headers array (`[{ key: value }, …]`, what `produce()` takes).
 * Pass it to `tracer.inject(ctx, FORMAT_TEXT_MAP, carrier)` (or
 * `FORMAT_HTTP_HEADERS`): every assignment the tracer makes lands in the
 * target as a string header, in the client's native shape.
 *
 * Rules: the first write removes tracing headers already present (so
 * injecting twice leaves one `uber-trace-id`); keys are replaced
 * case-insensitively; baggage values (`uberctx-*`) are written as the tracer
 * encoded them for its format; keys that are not RFC 9110 tokens, other
 * values with control characters, and anything over
 * {@link HEADER_LIMITS} are dropped. Never throws into the tracer: a frozen
 * message or headers object (or a read-only header) refuses every write, see
 * {@link readOnlyReason}.
 *
 * @example
 * const message = { value: 'hello' }
 * tracer.inject(span, FORMAT_TEXT_MAP, new KafkaProducerCarrier(message))
 * // message.headers → { 'uber-trace-id': '…:…:0:1' }
 */
export class KafkaProducerCarrier {
  declare [STATE]: ProducerState

  constructor(target: ProducerTarget, options: ProducerCarrierOptions = {}) {
    const kind = options.kind ?? 'auto'
    const resolved = resolve(target, kind)
    // No object spread here: it is a slow path in V8 and this runs per message.
    const state: ProducerState = {
      message: resolved.message,
      headers: resolved.headers,
      array: resolved.array,
      readOnly: resolved.readOnly,
      formats: checkFormats(options.formats, 'KafkaProducerCarrier formats') ?? NO_FORMATS,
      clear: options.clearTracingHeaders !== false,
      cleared: false,
      baggage: null,
      baggageBytes: 0,
      deriving: false,
    }
    // A plain (configurable) symbol property: the Proxy's ownKeys trap may leave it out.
    ;(this as { [STATE]: ProducerState })[STATE] = state
    return new Proxy(this, HANDLER)
  }

  /**
   * Write one header (what an assignment does). `null`/`undefined` removes it.
   * Returns false when the header was refused (unsafe key, control
   * characters, over a cap, a frozen or read-only target). Never throws.
   */
  set(key: string, value: unknown): boolean {
    return write(this[STATE], key, value)
  }

  /** A header's current value as a string (case-insensitive, last occurrence wins). */
  get(key: string): string | undefined {
    return lookup(this[STATE], key)
  }

  /** Visit every header on the target once, decoded to strings (last occurrence wins). */
  forEachKey(visit: (key: string, value: string) => void): void {
    for (const [key, value] of entries(this[STATE]).values()) visit(key, value)
  }

  /** The message or headers container the carrier writes into. */
  get target(): unknown {
    const state = this[STATE]
    return state.message ?? state.headers
  }
}
