// SPDX-License-Identifier: Apache-2.0
// The Java interop tier's plumbing (Node only): find java and mvn, build the
// Maven project under test/java offline-first, and run one of its programs
// with the module's classpath, parsing the JSON line it prints last. No test
// runner here: benchmarks import it (java-test.ts registers the tier's tests).
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import process from 'node:process'

const PROJECT = join(process.cwd(), 'test', 'java')

export type JavaModule = 'current' | 'legacy'

/** Why the tier cannot run here (java or mvn missing), or null when it can. */
export function javaMissing(): string | null {
  for (const [tool, arg] of [['java', '-version'], ['mvn', '-v']] as const) {
    const r = spawnSync(tool, [arg], { stdio: 'ignore' })
    if (r.error !== undefined || r.status !== 0) return `${tool} is not installed (or fails: ${r.error?.message ?? `exit ${r.status}`})`
  }
  return null
}

/** True when a missing JDK/Maven must fail the tier instead of skipping it. */
export function javaRequired(): boolean {
  return process.env.CI === 'true' || process.env.JAEGER_KAFKA_REQUIRE_JAVA === '1'
}

function mvn(offline: boolean): Promise<{ code: number | null; output: string }> {
  const args = ['-B', '-q', ...(offline ? ['-o'] : []), '-f', join(PROJECT, 'pom.xml'), 'compile', 'dependency:build-classpath', '-Dmdep.outputFile=target/classpath.txt']
  return new Promise((resolve, reject) => {
    const child = spawn('mvn', args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (d: Buffer) => { output += d.toString() })
    child.stderr.on('data', (d: Buffer) => { output += d.toString() })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, output }))
  })
}

let built: Promise<Record<JavaModule, string>> | undefined

/**
 * Build once per process: `mvn -o` (the local ~/.m2 is enough after the
 * first run), then online resolution when something is missing locally.
 * Resolves to each module's runtime classpath.
 */
export function buildJava(): Promise<Record<JavaModule, string>> {
  built ??= (async () => {
    let r = await mvn(true)
    if (r.code !== 0) {
      console.log('# java tier: offline Maven build failed, resolving online (Maven Central)')
      r = await mvn(false)
    }
    if (r.code !== 0) throw new Error(`Maven build of test/java failed (exit ${r.code}):\n${r.output.slice(-4000)}`)
    const classpath = (m: string): string =>
      [join(PROJECT, m, 'target', 'classes'), readFileSync(join(PROJECT, m, 'target', 'classpath.txt'), 'utf8').trim()].join(':')
    return { current: classpath('current'), legacy: classpath('legacy') }
  })()
  return built
}

/**
 * Run `java <main> ...args` with the module's classpath and KAFKA_BROKERS;
 * resolves to the parsed last stdout line. Rejects on a non-zero exit.
 * `onLine` sees each complete stdout line as it arrives (programs that
 * report progress while the test changes something).
 */
export async function runJava<T>(module: JavaModule, main: string, args: readonly string[], brokers: readonly string[], onLine?: (line: string) => void): Promise<T> {
  const classpath = (await buildJava())[module]
  const javaArgs = ['-Dorg.slf4j.simpleLogger.defaultLogLevel=warn', '-cp', classpath, main, ...args]
  return new Promise((resolve, reject) => {
    const child = spawn('java', javaArgs, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KAFKA_BROKERS: brokers.join(',') } })
    let stdout = ''
    let stderr = ''
    let seen = 0
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
      if (onLine === undefined) return
      const end = stdout.lastIndexOf('\n')
      if (end < seen) return
      const lines = stdout.slice(seen, end).split('\n').filter((l) => l.trim() !== '')
      seen = end + 1
      for (const line of lines) onLine(line)
    })
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    child.on('error', reject)
    child.on('close', (code) => {
      const last = stdout.trim().split('\n').pop() ?? ''
      if (code !== 0) return reject(new Error(`java ${main} exited ${code}:\n${stderr.slice(-3000)}\n${stdout.slice(-1000)}`))
      try {
        resolve(JSON.parse(last) as T)
      } catch {
        reject(new Error(`java ${main} printed no JSON result line:\n${stdout.slice(-2000)}\n${stderr.slice(-2000)}`))
      }
    })
  })
}

/** `key=base64(UTF-8 value)` arguments (argv stays ASCII whatever the JVM's locale). */
export function baggageArgs(baggage: Record<string, string>): string[] {
  return Object.entries(baggage).map(([k, v]) => `${k}=${Buffer.from(v, 'utf8').toString('base64')}`)
}
