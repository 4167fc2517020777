// SPDX-License-Identifier: Apache-2.0
/**
 * A small, strict flag parser for the CLI: `--name value`, `--name=value`,
 * boolean `--name`. Unknown flags are errors, so a typo never runs with a default.
 * @module
 */

export interface FlagSpec {
  /** Takes a value (`--brokers a:1`) or is a switch (`--json`). */
  type: 'string' | 'boolean'
}

export type ParsedFlags = Record<string, string | boolean | undefined>

/** Parse `argv` against `spec`; throws `TypeError` with a message a person can act on. */
export function parseFlags(argv: readonly string[], spec: Readonly<Record<string, FlagSpec>>): ParsedFlags {
  const flags: ParsedFlags = {}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (!arg.startsWith('--')) throw new TypeError(`Unexpected argument "${arg}"; flags start with --`)
    const eq = arg.indexOf('=')
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq)
    const kind = spec[name]
    if (kind === undefined) throw new TypeError(`Unknown flag --${name}`)
    if (kind.type === 'boolean') {
      if (eq !== -1) throw new TypeError(`--${name} takes no value`)
      flags[name] = true
      continue
    }
    const value = eq !== -1 ? arg.slice(eq + 1) : argv[++i]
    if (value === undefined || (eq === -1 && value.startsWith('--'))) throw new TypeError(`--${name} needs a value`)
    flags[name] = value
  }
  return flags
}

/** A positive integer flag or env value, or `undefined` when absent. */
export function positiveInteger(name: string, raw: string | boolean | undefined): number | undefined {
  if (raw === undefined || raw === false) return undefined
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer, got "${String(raw)}"`)
  return value
}
