// SPDX-License-Identifier: Apache-2.0
/**
 * Checks of numeric options shared by the sender, the spool and the agent:
 * one wording for one mistake, a RangeError naming the option.
 * @module
 */

/** `value` if it is a safe integer ≥ `min`; otherwise a RangeError naming `name`. */
export function integerAtLeast(value: unknown, name: string, min = 1): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) throw new RangeError(`\`${name}\` must be an integer >= ${min}, got ${String(value)}`)
  return value
}

/** `value` if it is a number ≥ 0; otherwise a RangeError naming `name`. */
export function nonNegativeNumber(value: unknown, name: string): number {
  if (typeof value !== 'number' || !(value >= 0)) throw new RangeError(`\`${name}\` must be a number >= 0, got ${String(value)}`)
  return value
}
