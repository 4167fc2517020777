// SPDX-License-Identifier: Apache-2.0
/**
 * The forwarder's retry policy: the core backoff (`src/retry.ts`) plus what
 * only the forwarder decides (configuration-error pacing, attempts before a
 * record is dead-lettered).
 * @module
 */

import { FORWARDER_RETRY_DEFAULTS, resolveRetry } from '../src/retry.ts'
import type { RetryOptions } from '../src/retry.ts'

/** Retry settings of the forwarder (milliseconds; backoff defaults 200 → 30000). */
export interface ForwarderRetryOptions extends RetryOptions {
  /**
   * Delay between attempts while the collector rejects the configuration
   * (401, 403, 404, …; default: `maxDelayMs`).
   */
  configErrorDelayMs?: number
  /**
   * POST attempts after which a record that keeps failing with a retryable
   * error (connection error, timeout, 5xx, 429) is dead-lettered as
   * `retries-exhausted`. Default `Infinity`: during a collector outage records
   * wait in Kafka instead of draining into the dead-letter topic.
   */
  maxAttempts?: number
}

/** Forwarder retry settings with every default filled in. */
export type ResolvedForwarderRetry = Required<ForwarderRetryOptions>

/** Fill defaults and check ranges (`RangeError` for impossible values). */
export function resolveForwarderRetry(options: ForwarderRetryOptions = {}): ResolvedForwarderRetry {
  const backoff = resolveRetry(options, FORWARDER_RETRY_DEFAULTS)
  const resolved: ResolvedForwarderRetry = {
    ...backoff,
    configErrorDelayMs: options.configErrorDelayMs ?? backoff.maxDelayMs,
    maxAttempts: options.maxAttempts ?? Infinity,
  }
  if (!Number.isFinite(resolved.configErrorDelayMs) || resolved.configErrorDelayMs < 0) throw new RangeError(`Cannot use retry.configErrorDelayMs ${resolved.configErrorDelayMs}: must be a finite number >= 0`)
  if (!(resolved.maxAttempts >= 1)) throw new RangeError(`Cannot use retry.maxAttempts ${resolved.maxAttempts}: must be >= 1`)
  return resolved
}
