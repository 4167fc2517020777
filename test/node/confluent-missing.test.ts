// SPDX-License-Identifier: Apache-2.0
// Node only: an app that selects `client: 'confluent'` without the package
// installed gets a JaegerKafkaError (CONFIGURATION) from initTracer() naming
// the package and how to install it, not a crash. The app runs from a
// temporary directory where the package cannot be resolved (jaeger-client is
// handed in with provideModule()).
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { test } from '../support/harness.ts'

const require = createRequire(import.meta.url)
const ROOT = fileURLToPath(new URL('../../', import.meta.url))

test("client 'confluent' without the package installed: initTracer() throws a CONFIGURATION error naming it and the install command", () => {
  const dir = mkdtempSync(join(tmpdir(), 'jaeger-kafka-no-confluent-'))
  try {
    const probe = join(dir, 'app.mts')
    writeFileSync(probe, `
import { createRequire } from 'node:module'
import { provideModule } from ${JSON.stringify(join(ROOT, 'senders/runtime-require.ts'))}
import { initTracer } from ${JSON.stringify(join(ROOT, 'senders/init-tracer.ts'))}
provideModule('jaeger-client', createRequire(${JSON.stringify(join(ROOT, 'package.json'))})('jaeger-client'))
try {
  initTracer({ serviceName: 'no-confluent', reporter: { kafka: { brokers: '127.0.0.1:1', client: 'confluent' } } })
  console.log(JSON.stringify({ built: true }))
} catch (e) {
  console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message }))
}
`)
    const out = execFileSync(process.execPath, ['--import', pathToFileURL(require.resolve('tsx')).href, probe], { cwd: dir, encoding: 'utf8' })
    const result = JSON.parse(out.trim().split('\n').at(-1)!) as { built?: boolean; name?: string; code?: string; message?: string }
    assert.equal(result.built, undefined, 'no tracer without the client')
    assert.equal(result.name, 'JaegerKafkaError')
    assert.equal(result.code, 'CONFIGURATION')
    assert.match(result.message!, /^Cannot load @confluentinc\/kafka-javascript: .*Cannot find module '@confluentinc\/kafka-javascript'/s)
    assert.match(result.message!, /config\.reporter\.kafka\.client \(JAEGER_KAFKA_CLIENT\) is "confluent"/)
    assert.match(result.message!, /CKJS_LINKING=dynamic npm install @confluentinc\/kafka-javascript/)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
