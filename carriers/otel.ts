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
