// SPDX-License-Identifier: Apache-2.0
/**
 * Capped exponential growth shared by the sender's and the forwarder's
 * retries; each adds its own jitter on top.
 * @module
 */

/** `initialDelayMs · multiplier^(step-1)`, capped at `maxDelayMs` (step 1 = first retry). */
export function cappedExponentialDelay(step: number, options: { initialDelayMs: number; maxDelayMs: number; multiplier: number }): number {
  const exponent = Math.max(0, Math.floor(step) - 1)
  // 0 × Infinity would be NaN once multiplier ** exponent overflows.
  const grown = options.initialDelayMs === 0 ? 0 : options.initialDelayMs * options.multiplier ** exponent
  return Math.min(options.maxDelayMs, grown)
}
