// SPDX-License-Identifier: Apache-2.0
/**
 * The one errors module of jaeger-kafka.
 *
 * Every error this package creates on purpose is a `JaegerKafkaError` with a
 * stable `code`. Bad arguments get the built-in
 * `TypeError` / `RangeError` instead. The class is branded with a
 * `Symbol.for` key so `isJaegerKafkaError()` works across duplicate copies of
 * the package (npm + JSR, ESM + CJS).
 * @module
 */

const BRAND: unique symbol = Symbol.for('jaeger-kafka.error') as never

/** Stable error codes; callers switch on these, never on messages. */
export const ErrorCodes = {
  /** A carrier was asked to write into a frozen / read-only message. */
  READ_ONLY_CARRIER: 'READ_ONLY_CARRIER',
  /** Bytes that are not a valid Thrift structure of the expected type. */
  THRIFT_DECODE: 'THRIFT_DECODE',
  /** A value that cannot be encoded (missing required field, wrong type). */
  THRIFT_ENCODE: 'THRIFT_ENCODE',
  /** Bytes that are not a valid protobuf message of the expected type (OTLP, jaeger_proto). */
  PROTOBUF_DECODE: 'PROTOBUF_DECODE',
  /** A value that cannot be encoded as protobuf (an id or time out of range). */
  PROTOBUF_ENCODE: 'PROTOBUF_ENCODE',
  /** The Kafka producer or consumer failed. */
  KAFKA: 'KAFKA',
  /** The Kafka client or broker rejected a record as larger than its max message size. */
  MESSAGE_TOO_LARGE: 'MESSAGE_TOO_LARGE',
  /** The sender or forwarder was used after close(). */
  CLOSED: 'CLOSED',
  /** Configuration that cannot work (e.g. 401 from the collector). */
  CONFIGURATION: 'CONFIGURATION',
  /** The disk spool cannot be used: its directory is locked by another process, unwritable, or a frame is unreadable. */
  SPOOL: 'SPOOL',
} as const

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes]

export interface JaegerKafkaErrorOptions {
  cause?: unknown
}

/** Base class of every error this package raises on purpose. */
export class JaegerKafkaError extends Error {
  readonly code: ErrorCode
  readonly [BRAND] = true

  constructor(code: ErrorCode, message: string, options: JaegerKafkaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'JaegerKafkaError'
    this.code = code
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return isJaegerKafkaError(value)
  }
}

/** True for any JaegerKafkaError, whichever copy of the package made it. */
export function isJaegerKafkaError(value: unknown): value is JaegerKafkaError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true
}

/** A short, secret-free description of any thrown value, for logs and counters. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`
  return String(error)
}
