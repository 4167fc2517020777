// SPDX-License-Identifier: Apache-2.0
/**
 * Synchronous access to CommonJS packages and files, for the drop-in
 * `initTracer()` only.
 *
 * Why here, in core code: jaeger-client's `initTracer()` is synchronous, and
 * jaeger-client is an optional CommonJS peer, so the drop-in must load it
 * synchronously and lazily (a static import would make every user of this
 * package install it; `await import()` would make initTracer async). No
 * web-standard API can do that. jaeger-client itself needs Node's module
 * system (`fs`, `dgram`, `http`), and every runtime it runs on (Node, Deno,
 * Bun) offers `process.getBuiltinModule('module').createRequire`, or a
 * `require` in scope (our CommonJS build, Bun). So this file feature-detects
 * those instead of importing `node:` modules, and the rest of the package
 * stays web-standard.
 * @module
 */
import { ErrorCodes, JaegerKafkaError, describeError } from '../src/errors.ts'

type RequireFn = (id: string) => unknown

interface NodeProcessLike {
  getBuiltinModule?(id: string): unknown
  argv?: string[]
  cwd?(): string
}

const registered = new Map<string, unknown>()

/**
 * Supply a module for `requireOptional()` yourself, e.g. in a bundle or a
 * `deno compile` binary where runtime resolution cannot find it:
 * `provideModule('jaeger-client', require('jaeger-client'))`.
 */
export function provideModule(id: string, module: unknown): void {
  if (typeof id !== 'string' || module == null) throw new TypeError('provideModule() needs a module id and the module')
  registered.set(id, module)
}

function nodeProcess(): NodeProcessLike | undefined {
  return (globalThis as { process?: NodeProcessLike }).process
}

function requireFunctions(): RequireFn[] {
  const found: RequireFn[] = []
  // Our CommonJS build (and Bun's ESM) has a module-scoped require.
  if (typeof require === 'function') found.push(require as RequireFn)
  const proc = nodeProcess()
  const moduleApi = proc?.getBuiltinModule?.('module') as { createRequire?: (from: string) => RequireFn } | undefined
  if (moduleApi?.createRequire) {
    // Resolve like the application does: from its entry script, else from the working directory.
    const entry = proc?.argv?.[1]
    if (entry && /^(\/|[A-Za-z]:[\\/]|file:)/.test(entry)) found.push(moduleApi.createRequire(entry))
    const cwd = proc?.cwd?.()
    if (cwd) found.push(moduleApi.createRequire(`${cwd.replace(/[\\/]$/, '')}/`))
  }
  return found
}

/**
 * Load a CommonJS package synchronously. Throws `JaegerKafkaError`
 * `CONFIGURATION` with an install hint when it cannot be found.
 */
export function requireOptional<T>(id: string, installHint: string): T {
  if (registered.has(id)) return registered.get(id) as T
  const attempts = requireFunctions()
  let lastError: unknown
  for (const req of attempts) {
    try {
      return req(id) as T
    } catch (error) {
      lastError = error
    }
  }
  const why = attempts.length === 0 ? 'this runtime has no CommonJS loader' : describeError(lastError)
  throw new JaegerKafkaError(ErrorCodes.CONFIGURATION, `Cannot load ${id}: ${why}. ${installHint}`, { cause: lastError })
}

/** Read a UTF-8 file synchronously through the runtime's Node-compatible `fs` (for `*_FILE` variables). */
export function readTextFileSync(path: string, variable: string): string {
  const fs = nodeProcess()?.getBuiltinModule?.('fs') as { readFileSync?: (path: string, encoding: string) => string } | undefined
  if (!fs?.readFileSync) {
    throw new JaegerKafkaError(ErrorCodes.CONFIGURATION, `Cannot read ${variable}: this runtime has no Node-compatible fs; pass the PEM contents in the variable without _FILE instead`)
  }
  try {
    return fs.readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as { code?: unknown }).code
    throw new JaegerKafkaError(ErrorCodes.CONFIGURATION, `Cannot read ${variable} (${path}): ${typeof code === 'string' ? code : describeError(error)}`)
  }
}
