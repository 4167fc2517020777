// SPDX-License-Identifier: Apache-2.0
// Runs test/support/jaeger-client-app.ts (the unchanged jaeger-client app)
// in a Node child process, whatever runtime the test runs on.
import { spawn } from 'node:child_process'
import process from 'node:process'

/** What the app printed: its trace ids and the errors its tracer logged. */
export interface ClientAppResult {
  traceIds: string[]
  errors: string[]
}

/** Run the app with `env` (JAEGER_AGENT_HOST/PORT or JAEGER_ENDPOINT, APP_TRACES, APP_SPANS, …) until it exits. */
export function runClientApp(env: Record<string, string>): Promise<ClientAppResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('node', ['--import', 'tsx', 'test/support/jaeger-client-app.ts'], {
      env: { ...process.env, JAEGER_SAMPLER_TYPE: 'const', JAEGER_SAMPLER_PARAM: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    child.stdout!.on('data', (chunk: Uint8Array) => (out += new TextDecoder().decode(chunk)))
    child.stderr!.on('data', (chunk: Uint8Array) => (err += new TextDecoder().decode(chunk)))
    child.on('error', reject)
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`jaeger-client app exited with ${code}:\n${err}`))
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as ClientAppResult)
      } catch {
        reject(new Error(`jaeger-client app printed no result:\n${out}\n${err}`))
      }
    })
  })
}
