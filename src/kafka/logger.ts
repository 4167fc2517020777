// SPDX-License-Identifier: Apache-2.0
/**
 * The logger shape jaeger-client uses (`{ info, error }`), so the tracer's
 * logger can be passed straight through. Messages never contain secrets.
 * @module
 */

/** jaeger-client's logger interface. */
export interface Logger {
  info(message: string): void
  error(message: string): void
}

/** A logger that drops everything (the default, like jaeger-client's NullLogger). */
export const nullLogger: Logger = { info() {}, error() {} }

/** Call a logger method without letting a throwing logger reach the caller. */
export function safeLog(logger: Logger, level: 'info' | 'error', message: string): void {
  try {
    logger[level](message)
  } catch {
    // A broken logger must not break span delivery.
  }
}
