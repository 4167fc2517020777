// SPDX-License-Identifier: Apache-2.0
/**
 * OTel-style `TextMapGetter` / `TextMapSetter` literals over Kafka messages,
 * for `propagation.inject(ctx, message, kafkaHeadersSetter)` and
 * `propagation.extract(ctx, message, kafkaHeadersGetter)` in mixed fleets.
 * Same header rules as the carriers; no dependency on @opentelemetry/api.
 * @module
 */
import { decodeHeaderValue, forEachHeader, getHeader } from '../src/headers.ts'
import { KafkaProducerCarrier } from './producer-carrier.ts'
import type { ProducerTarget } from './types.ts'

function headersOf(carrier: unknown): unknown {
  if (typeof carrier !== 'object' || carrier === null || Array.isArray(carrier) || ArrayBuffer.isView(carrier)) return carrier
  const headers = (carrier as { headers?: unknown }).headers
  const record = carrier as Record<string, unknown>
  if (typeof headers === 'object' && headers !== null && !ArrayBuffer.isView(headers)) return headers
  return 'value' in record || 'offset' in record ? undefined : carrier
}

/** Structurally OTel's `TextMapGetter` (no dependency on @opentelemetry/api). */
export interface KafkaHeadersGetter {
  keys(carrier: unknown): string[]
  get(carrier: unknown, key: string): string | undefined
}

/** Structurally OTel's `TextMapSetter`. */
export interface KafkaHeadersSetter {
  set(carrier: unknown, key: string, value: string): void
}

/**
 * Reads a kafkajs / node-rdkafka message (or headers): keys as on the wire,
 * values decoded as UTF-8, case-insensitive, last occurrence wins. Never throws.
 */
export const kafkaHeadersGetter: KafkaHeadersGetter = {
  keys(carrier: unknown): string[] {
    const keys = new Map<string, string>()
    forEachHeader(headersOf(carrier), (key, value) => {
      if (decodeHeaderValue(value) !== undefined) keys.set(key.toLowerCase(), key)
    })
    return Array.from(keys.values())
  },
  get(carrier: unknown, key: string): string | undefined {
    return getHeader(headersOf(carrier), key)
  },
}

/**
 * Writes into a kafkajs message, a kafkajs headers object or a node-rdkafka
 * headers array, replacing the key case-insensitively (other tracing headers
 * are left alone: a propagator sets several keys). Same hygiene and caps as
 * {@link KafkaProducerCarrier}. Never throws: a frozen, sealed or
 * non-message carrier is left as it is.
 */
export const kafkaHeadersSetter: KafkaHeadersSetter = {
  set(carrier: unknown, key: string, value: string): void {
    if (typeof carrier !== 'object' || carrier === null) return
    try {
      // Frozen or sealed targets are refused by the carrier itself (no throw).
      new KafkaProducerCarrier(carrier as ProducerTarget, { clearTracingHeaders: false }).set(key, value)
    } catch {
      // Not a message or headers (a TypeError): nothing to write into. A
      // propagator's setter runs inside the app's send path: never throw.
    }
  },
}

/** Structurally OTel's `TextMapGetter` as propagators receive it (values may be arrays). */
export interface TextMapGetterLike {
  keys(carrier: unknown): string[]
  get(carrier: unknown, key: string): string | string[] | undefined
}

/** Structurally OTel's `TextMapPropagator` (no dependency on @opentelemetry/api). */
export interface TextMapPropagatorLike<Ctx> {
  inject(context: Ctx, carrier: unknown, setter: KafkaHeadersSetter): void
  extract(context: Ctx, carrier: unknown, getter: TextMapGetterLike): Ctx
  fields(): string[]
}

function decodedOrAsIs(value: string): string {
  try {
    return decodeURIComponent(value)
  } catch {
    return value // not URL-encoded (a lone '%'): written as given
  }
}

/**
 * Wrap OTel's `JaegerPropagator` (or a composite holding it) so that
 * `uberctx-*` baggage travels raw on Kafka, as jaeger-client's and Java's
 * `FORMAT_TEXT_MAP` write and read it. `JaegerPropagator` URL-encodes baggage
 * on inject and decodes it on extract, so without this a TEXT_MAP consumer
 * reads `a%20b` and a raw `100%` from a TEXT_MAP producer is dropped.
 * The wrapper decodes what the propagator writes and encodes what it reads,
 * for keys starting with `prefix` (case-insensitive); other headers pass
 * untouched. Works with any getter/setter, so also for the OpenTracing shim
 * (`new TracerShim(tracer, { textMapPropagator: withRawJaegerBaggage(p) })`).
 * Do not use it where the other side writes URL-encoded `uberctx-*` values
 * (jaeger-client `FORMAT_HTTP_HEADERS`, OTel services without it).
 *
 * @example
 * propagation.setGlobalPropagator(withRawJaegerBaggage(new CompositePropagator({
 *   propagators: [new W3CTraceContextPropagator(), new JaegerPropagator()],
 * })))
 */
export function withRawJaegerBaggage<Ctx>(propagator: TextMapPropagatorLike<Ctx>, prefix = 'uberctx-'): TextMapPropagatorLike<Ctx> {
  const lowerPrefix = prefix.toLowerCase()
  const isBaggage = (key: string): boolean => key.toLowerCase().startsWith(lowerPrefix)
  return {
    inject(context, carrier, setter) {
      propagator.inject(context, carrier, {
        set: (c, key, value) => setter.set(c, key, isBaggage(key) ? decodedOrAsIs(value) : value),
      })
    },
    extract(context, carrier, getter) {
      return propagator.extract(context, carrier, {
        keys: (c) => getter.keys(c),
        get(c, key) {
          const value = getter.get(c, key)
          if (!isBaggage(key) || value === undefined) return value
          return Array.isArray(value) ? value.map((v) => encodeURIComponent(String(v))) : encodeURIComponent(String(value))
        },
      })
    },
    fields: () => propagator.fields(),
  }
}
