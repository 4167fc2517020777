// SPDX-License-Identifier: Apache-2.0
/**
 * The forwarder's logger: jaeger-client's `{ info, error }` shape plus an
 * optional `warn`, so a tracer's logger or `console` can be passed straight
 * in. Every line goes through a redactor that masks the configured secrets,
 * as a safety net behind messages that never include them on purpose.
 * @module
 */

/** Where the forwarder writes its log lines (one line per call, no trailing newline). */
export interface ForwarderLogger {
  info(message: string): void
  warn?(message: string): void
  error(message: string): void
}

/** The default logger: `console`, every line prefixed with `jaeger-kafka forwarder:`. */
export const consoleLogger: ForwarderLogger = {
  info: (message) => console.info(message),
  warn: (message) => console.warn(message),
  error: (message) => console.error(message),
}

/** A logger that drops everything. */
export const silentLogger: ForwarderLogger = { info() {}, warn() {}, error() {} }

/** The logger the forwarder uses internally: never throws, always redacts, always has `warn`. */
export interface SafeLogger {
  info(message: string): void
  warn(message: string): void
  error(message: string): void
}

const PREFIX = 'jaeger-kafka forwarder: '
const MASK = '***'

/**
 * Wrap `logger` so that it never throws into the forwarder and every
 * occurrence of one of `secrets` (passwords, tokens, header values) in a
 * message is replaced by `***`.
 */
export function safeLogger(logger: ForwarderLogger, secrets: readonly string[] = []): SafeLogger {
  // Longest first, so a secret that contains another one is masked whole.
  const masks = secrets.filter((s) => s.length >= 3).sort((a, b) => b.length - a.length)
  const redact = (message: string): string => {
    let out = message
    for (const secret of masks) out = out.split(secret).join(MASK)
    return out
  }
  const call = (level: 'info' | 'warn' | 'error', message: string): void => {
    try {
      const line = PREFIX + redact(message)
      if (level === 'warn') (logger.warn ?? logger.error).call(logger, line)
      else logger[level](line)
    } catch {
      // A broken logger must not break forwarding.
    }
  }
  return {
    info: (message) => call('info', message),
    warn: (message) => call('warn', message),
    error: (message) => call('error', message),
  }
}
