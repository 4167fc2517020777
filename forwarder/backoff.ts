// SPDX-License-Identifier: Apache-2.0
/**
 * Capped exponential backoff with jitter for the forwarder's retries (POSTs
 * to the collector, produces to the dead-letter topic).
 * @module
 */

import { cappedExponentialDelay } from '../src/backoff.ts'

/** Retry settings (milliseconds). */
export interface RetryOptions {
  /** Delay before the first retry (default 200). */
  initialDelayMs?: number
  /** Upper bound of every delay (default 30000). */
  maxDelayMs?: number
  /** Growth factor per consecutive failure (default 2). */
  multiplier?: number
  /**
   * Share of each delay that is random, 0…1 (default 0.5: a delay lies in
   * [½·d, d]), so forwarders that lost the same collector do not retry in
   * lockstep, yet none retries immediately.
   */
  jitter?: number
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

/** Retry settings with every default filled in. */
export type ResolvedRetry = Required<RetryOptions>

/** Fill defaults and check ranges (`RangeError` for impossible values). */
export function resolveRetry(options: RetryOptions = {}): ResolvedRetry {
  const maxDelayMs = options.maxDelayMs ?? 30_000
  const resolved: ResolvedRetry = {
    initialDelayMs: options.initialDelayMs ?? 200,
    maxDelayMs,
    multiplier: options.multiplier ?? 2,
    jitter: options.jitter ?? 0.5,
    configErrorDelayMs: options.configErrorDelayMs ?? maxDelayMs,
    maxAttempts: options.maxAttempts ?? Infinity,
  }
  const finite = (v: number): boolean => typeof v === 'number' && Number.isFinite(v)
  if (!finite(resolved.initialDelayMs) || resolved.initialDelayMs < 0) throw new RangeError(`Cannot use retry.initialDelayMs ${resolved.initialDelayMs}: must be a finite number >= 0`)
  if (!finite(resolved.maxDelayMs) || resolved.maxDelayMs < resolved.initialDelayMs) throw new RangeError(`Cannot use retry.maxDelayMs ${resolved.maxDelayMs}: must be finite and >= retry.initialDelayMs`)
  if (!finite(resolved.multiplier) || resolved.multiplier < 1) throw new RangeError(`Cannot use retry.multiplier ${resolved.multiplier}: must be a finite number >= 1`)
  if (!finite(resolved.jitter) || resolved.jitter < 0 || resolved.jitter > 1) throw new RangeError(`Cannot use retry.jitter ${resolved.jitter}: must be between 0 and 1`)
  if (!finite(resolved.configErrorDelayMs) || resolved.configErrorDelayMs < 0) throw new RangeError(`Cannot use retry.configErrorDelayMs ${resolved.configErrorDelayMs}: must be a finite number >= 0`)
  if (!(resolved.maxAttempts >= 1)) throw new RangeError(`Cannot use retry.maxAttempts ${resolved.maxAttempts}: must be >= 1`)
  return resolved
}

/**
 * Delay before retry number `step` (1 = first retry): the exponential value
 * capped at `maxDelayMs`, of which the `jitter` share is random. Never above
 * `maxDelayMs`, never below `(1 - jitter)` of the capped value.
 */
export function backoffDelay(step: number, retry: ResolvedRetry, random: () => number = Math.random): number {
  const capped = cappedExponentialDelay(step, retry)
  const r = Math.min(1, Math.max(0, random()))
  return Math.round(capped * (1 - retry.jitter * r))
}
