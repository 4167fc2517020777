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

/** A throttledLog() function: `key` groups messages; `intervalMs` overrides the default for one call. */
export type ThrottledLog = (key: string, level: 'info' | 'error', message: string, intervalMs?: number) => void

/**
 * A log for paths that can fire per span or per datagram: each key is written
 * at most once per `intervalMs` (default 10 s), and the next message of that
 * key says how many were held back in between.
 */
export function throttledLog(logger: Logger, defaultIntervalMs = 10_000): ThrottledLog {
  const lastLogged = new Map<string, { at: number; suppressed: number }>()
  return (key, level, message, intervalMs = defaultIntervalMs) => {
    const now = Date.now()
    const last = lastLogged.get(key)
    if (last && now - last.at < intervalMs) {
      last.suppressed++
      return
    }
    const suffix = last && last.suppressed > 0 ? ` (${last.suppressed} similar messages suppressed)` : ''
    lastLogged.set(key, { at: now, suppressed: 0 })
    safeLog(logger, level, message + suffix)
  }
}
