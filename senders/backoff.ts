// SPDX-License-Identifier: Apache-2.0
/**
 * Capped exponential backoff with jitter for the sender's retry loop.
 * @module
 */

import { cappedExponentialDelay } from '../src/backoff.ts'

/** Backoff settings (all in milliseconds). */
export interface BackoffOptions {
  /** First delay (default 200). */
  initialDelayMs?: number
  /** Upper bound of any delay (default 5000). */
  maxDelayMs?: number
  /** Growth factor per consecutive failure (default 2). */
  multiplier?: number
}

/** Backoff settings with every default filled in. */
export type ResolvedBackoff = Required<BackoffOptions>

/** Fill defaults and check ranges (`RangeError` for impossible values). */
export function resolveBackoff(options: BackoffOptions = {}): ResolvedBackoff {
  const resolved = {
    initialDelayMs: options.initialDelayMs ?? 200,
    maxDelayMs: options.maxDelayMs ?? 5_000,
    multiplier: options.multiplier ?? 2,
  }
  if (!(resolved.initialDelayMs >= 0) || !Number.isFinite(resolved.initialDelayMs)) throw new RangeError('`retry.initialDelayMs` must be a finite number >= 0')
  if (!(resolved.maxDelayMs >= resolved.initialDelayMs) || !Number.isFinite(resolved.maxDelayMs)) throw new RangeError('`retry.maxDelayMs` must be finite and >= `retry.initialDelayMs`')
  if (!(resolved.multiplier >= 1) || !Number.isFinite(resolved.multiplier)) throw new RangeError('`retry.multiplier` must be a finite number >= 1')
  return resolved
}

/**
 * Delay before retry number `attempt` (1 = first retry): the capped
 * exponential value, of which the lower half is fixed and the upper half is
 * random ("equal jitter"), so many senders that lost the same broker do not
 * retry in lockstep yet none retries immediately.
 */
export function backoffDelay(attempt: number, options: ResolvedBackoff, random: () => number = Math.random): number {
  const half = cappedExponentialDelay(attempt, options) / 2
  return Math.round(half + half * Math.min(1, Math.max(0, random())))
}
