// SPDX-License-Identifier: Apache-2.0
/**
 * The one retry core: capped exponential backoff with jitter, shared by the
 * sender's delivery queue and the forwarder's POST and dead-letter retries.
 * @module
 */

/** Backoff settings (milliseconds). Each user fills its own defaults. */
export interface RetryOptions {
  /** Delay before the first retry (sender and forwarder default 200). */
  initialDelayMs?: number
  /** Upper bound of every delay (sender default 5000, forwarder 30000). */
  maxDelayMs?: number
  /** Growth factor per consecutive failure (default 2). */
  multiplier?: number
  /**
   * Share of each delay that is random, 0…1 (default 0.5: a delay lies in
   * [½·d, d]), so many clients that lost the same peer do not retry in
   * lockstep, yet none retries immediately.
   */
  jitter?: number
}

/** Backoff settings with every default filled in. */
export type ResolvedRetry = Required<RetryOptions>

/** The sender's defaults: a broker is usually back within seconds. */
export const SENDER_RETRY_DEFAULTS: ResolvedRetry = Object.freeze({ initialDelayMs: 200, maxDelayMs: 5_000, multiplier: 2, jitter: 0.5 })

/** The forwarder's defaults: a collector outage may last minutes. */
export const FORWARDER_RETRY_DEFAULTS: ResolvedRetry = Object.freeze({ initialDelayMs: 200, maxDelayMs: 30_000, multiplier: 2, jitter: 0.5 })

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)

/** Fill defaults and check ranges (`RangeError` for impossible values). */
export function resolveRetry(options: RetryOptions = {}, defaults: ResolvedRetry = SENDER_RETRY_DEFAULTS): ResolvedRetry {
  const resolved: ResolvedRetry = {
    initialDelayMs: options.initialDelayMs ?? defaults.initialDelayMs,
    maxDelayMs: options.maxDelayMs ?? defaults.maxDelayMs,
    multiplier: options.multiplier ?? defaults.multiplier,
    jitter: options.jitter ?? defaults.jitter,
  }
  if (!finite(resolved.initialDelayMs) || resolved.initialDelayMs < 0) throw new RangeError(`Cannot use retry.initialDelayMs ${resolved.initialDelayMs}: must be a finite number >= 0`)
  if (!finite(resolved.maxDelayMs) || resolved.maxDelayMs < resolved.initialDelayMs) throw new RangeError(`Cannot use retry.maxDelayMs ${resolved.maxDelayMs}: must be finite and >= retry.initialDelayMs`)
  if (!finite(resolved.multiplier) || resolved.multiplier < 1) throw new RangeError(`Cannot use retry.multiplier ${resolved.multiplier}: must be a finite number >= 1`)
  if (!finite(resolved.jitter) || resolved.jitter < 0 || resolved.jitter > 1) throw new RangeError(`Cannot use retry.jitter ${resolved.jitter}: must be between 0 and 1`)
  return resolved
}

/**
 * Delay before retry number `step` (1 = first retry):
 * `initialDelayMs · multiplier^(step-1)` capped at `maxDelayMs`, of which the
 * `jitter` share is random. Never above the capped value, never below
 * `(1 - jitter)` of it.
 */
export function backoffDelay(step: number, retry: ResolvedRetry, random: () => number = Math.random): number {
  const exponent = Math.max(0, Math.floor(step) - 1)
  // 0 × Infinity would be NaN once multiplier ** exponent overflows.
  const grown = retry.initialDelayMs === 0 ? 0 : retry.initialDelayMs * retry.multiplier ** exponent
  const capped = Math.min(retry.maxDelayMs, grown)
  const r = Math.min(1, Math.max(0, random()))
  return Math.round(capped * (1 - retry.jitter * r))
}
