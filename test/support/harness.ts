// SPDX-License-Identifier: Apache-2.0
// One `test()` for three runtimes: tap on Node, Deno.test on Deno, bun:test on
// Bun. Test files use node:assert/strict for assertions, so the same file runs
// unchanged everywhere.

export type TestBody = () => void | Promise<void>

export interface TestOptions {
  /** Per-test timeout in milliseconds (default 60 s). */
  timeout?: number
  /** Skip with this reason (printed by the runner). */
  skip?: string | false
}

export type Runtime = 'node' | 'deno' | 'bun'

type Register = (name: string, body: TestBody, options: TestOptions) => void

interface DenoLike { test(def: Record<string, unknown>): void }
interface BunTestLike {
  test: ((name: string, body: TestBody, timeout?: number) => void) & {
    skip(name: string, body: TestBody): void
  }
}
interface TapLike {
  test(name: string, options: Record<string, unknown>, body: (t: { pass(m: string): void }) => Promise<void>): void
}

const globals = globalThis as { Deno?: DenoLike; Bun?: unknown }

export const runtime: Runtime = globals.Deno ? 'deno' : globals.Bun ? 'bun' : 'node'

const DEFAULT_TIMEOUT = 60_000

async function pickRegister(): Promise<Register> {
  if (runtime === 'deno') {
    const deno = globals.Deno as DenoLike
    return (name, body, options) =>
      deno.test({
        name,
        ignore: Boolean(options.skip),
        // kafkajs keeps sockets and timers that outlive one test by design.
        sanitizeOps: false,
        sanitizeResources: false,
        fn: () => withTimeout(name, body, options.timeout ?? DEFAULT_TIMEOUT),
      })
  }
  if (runtime === 'bun') {
    const specifier = 'bun:test'
    const bun = (await import(specifier)) as BunTestLike
    return (name, body, options) => {
      if (options.skip) bun.test.skip(`${name} (${options.skip})`, body)
      else bun.test(name, body, options.timeout ?? DEFAULT_TIMEOUT)
    }
  }
  const tap = ((await import('tap')) as unknown as { default?: TapLike } & TapLike)
  const t = tap.default ?? tap
  return (name, body, options) =>
    t.test(name, { timeout: options.timeout ?? DEFAULT_TIMEOUT, skip: options.skip || false }, async (sub) => {
      await body()
      sub.pass('completed')
    })
}

async function withTimeout(name: string, body: TestBody, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    await Promise.race([
      Promise.resolve().then(body),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`test "${name}" timed out after ${ms} ms`)), ms)
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}

const register = await pickRegister()

/** Register a test with the current runtime's runner. */
export function test(name: string, body: TestBody, options: TestOptions = {}): void {
  register(name, body, options)
}
