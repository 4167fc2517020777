// SPDX-License-Identifier: Apache-2.0
/**
 * `Symbol.for` brands of `KafkaSender` and `KafkaReporter`, so the ESM and
 * CommonJS copies of the package (or an npm and a JSR copy) recognise each
 * other's objects, as `isJaegerKafkaError()` does for errors.
 * @module
 */
import type { KafkaReporter } from './kafka-reporter.ts'
import type { KafkaSender } from './kafka-sender.ts'

/** Marks a `KafkaSender` of any copy of the package. */
export const SENDER_BRAND: unique symbol = Symbol.for('jaeger-kafka.sender') as never
/** Marks a `KafkaReporter` of any copy of the package. */
export const REPORTER_BRAND: unique symbol = Symbol.for('jaeger-kafka.reporter') as never

function hasBrand(value: unknown, brand: symbol): boolean {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true
}

/** True for a `KafkaSender`, whichever copy of the package made it. */
export function isKafkaSender(value: unknown): value is KafkaSender {
  return hasBrand(value, SENDER_BRAND)
}

/** True for a `KafkaReporter`, whichever copy of the package made it. */
export function isKafkaReporter(value: unknown): value is KafkaReporter {
  return hasBrand(value, REPORTER_BRAND)
}

/**
 * `instanceof` for a branded class: the brand for the class itself (any copy),
 * the ordinary prototype check for a subclass.
 */
export function brandedInstanceOf(ctor: Function, base: Function, value: unknown, brand: symbol): boolean {
  if (ctor === base) return hasBrand(value, brand)
  return Function.prototype[Symbol.hasInstance].call(ctor, value)
}
