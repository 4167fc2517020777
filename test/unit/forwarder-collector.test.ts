// SPDX-License-Identifier: Apache-2.0
// The forwarder's collector client (fake fetch) and its secret-free logging.
import assert from 'node:assert/strict'
import { test } from '../support/harness.ts'
import { createCollectorClient } from '../../forwarder/collector-client.ts'
import { safeLogger } from '../../forwarder/logger.ts'
import { captureLogger, fakeCollector, makeBatch } from '../support/forwarder-fakes.ts'

test('post() sends the record bytes unchanged with Content-Type application/x-thrift', async () => {
  const collector = fakeCollector(() => 202)
  const client = createCollectorClient({ url: 'http://collector:14268/api/traces', fetch: collector.fetch })
  const { bytes } = makeBatch({ spans: 2 })
  const result = await client.post(bytes)
  assert.equal(result.kind, 'success')
  assert.equal(result.label, '202')
  const request = collector.requests[0]!
  assert.equal(request.url, 'http://collector:14268/api/traces')
  assert.equal(request.init.method, 'POST')
  assert.equal((request.init.headers as Record<string, string>)['content-type'], 'application/x-thrift')
  assert.equal(request.body, bytes, 'the very same bytes, not a re-encoding')
  assert.ok(request.init.signal instanceof AbortSignal, 'every request has a timeout signal')
})

test('post() classifies 400 as permanent, 503 and 429 as retryable and 401 as configuration', async () => {
  const statuses = [400, 503, 429, 401]
  const collector = fakeCollector((_, call) => ({ status: statuses[call - 1]!, body: `answer ${statuses[call - 1]}`, headers: call === 3 ? { 'retry-after': '3' } : ({} as Record<string, string>) }))
  const client = createCollectorClient({ fetch: collector.fetch })
  const results = []
  for (let i = 0; i < statuses.length; i++) results.push(await client.post(new Uint8Array([1])))
  assert.deepEqual(results.map((r) => r.kind), ['permanent', 'retry', 'retry', 'config'])
  assert.deepEqual(results.map((r) => r.status), statuses)
  assert.match(results[0]!.detail, /^400\b.*answer 400$/)
  assert.equal(results[2]!.retryAfterMs, 3000)
})

test('post() turns connection errors and timeouts into retryable results', async () => {
  const refused = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:14268' } })
  const client = createCollectorClient({ fetch: fakeCollector(() => refused).fetch })
  const network = await client.post(new Uint8Array([1]))
  assert.equal(network.kind, 'retry')
  assert.equal(network.label, 'network')
  assert.match(network.detail, /ECONNREFUSED/)

  const slow = createCollectorClient({ timeoutMs: 20, fetch: fakeCollector(() => new Promise<number>(() => {})).fetch })
  // AbortSignal.timeout() timers do not keep Node alive (Kafka sockets do, in real use).
  const keepAlive = setTimeout(() => {}, 20_000)
  const timeout = await slow.post(new Uint8Array([1])).finally(() => clearTimeout(keepAlive))
  assert.equal(timeout.kind, 'retry')
  assert.equal(timeout.label, 'timeout')
})

test('post() reports aborted, not failed, when the caller aborts (stop)', async () => {
  const client = createCollectorClient({ fetch: fakeCollector(() => new Promise<number>(() => {})).fetch })
  const controller = new AbortController()
  const pending = client.post(new Uint8Array([1]), controller.signal)
  controller.abort()
  const result = await pending
  assert.equal(result.kind, 'aborted')
})

test('Basic auth, Bearer auth and credentials in the URL become an Authorization header', async () => {
  const basic = fakeCollector(() => 202)
  await createCollectorClient({ auth: { username: 'jäger', password: 'p:w' }, fetch: basic.fetch }).post(new Uint8Array([1]))
  const expected = `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode('jäger:p:w')))}`
  assert.equal((basic.requests[0]!.init.headers as Record<string, string>).authorization, expected)

  const bearer = fakeCollector(() => 202)
  await createCollectorClient({ auth: { token: 'tok-123' }, fetch: bearer.fetch }).post(new Uint8Array([1]))
  assert.equal((bearer.requests[0]!.init.headers as Record<string, string>).authorization, 'Bearer tok-123')

  const inUrl = fakeCollector(() => 202)
  const client = createCollectorClient({ url: 'http://user:s3cret@collector:14268/api/traces', fetch: inUrl.fetch })
  await client.post(new Uint8Array([1]))
  assert.equal(inUrl.requests[0]!.url, 'http://collector:14268/api/traces', 'credentials are not left in the URL')
  assert.equal((inUrl.requests[0]!.init.headers as Record<string, string>).authorization, `Basic ${btoa('user:s3cret')}`)
  assert.equal(client.displayUrl, 'http://collector:14268/api/traces')
  assert.ok(client.secrets.includes('s3cret'))
})

test('createCollectorClient() rejects bad URLs, auth and timeouts', () => {
  assert.throws(() => createCollectorClient({ url: 'not a url' }), TypeError)
  assert.throws(() => createCollectorClient({ url: 'ftp://x/api/traces' }), TypeError)
  assert.throws(() => createCollectorClient({ auth: { token: '' } }), TypeError)
  assert.throws(() => createCollectorClient({ timeoutMs: 0 }), RangeError)
})

test('probe() gives actionable hints for a wrong path and an unreachable collector', async () => {
  const wrongPath = createCollectorClient({ url: 'http://c:14268/traces', fetch: fakeCollector(() => 202, 404).fetch })
  assert.match((await wrongPath.probe())!, /404.*\/api\/traces/)
  const fine = createCollectorClient({ fetch: fakeCollector(() => 202, 405).fetch })
  assert.equal(await fine.probe(), undefined)
  const down = createCollectorClient({ fetch: fakeCollector(() => 202, new TypeError('fetch failed')).fetch })
  assert.match((await down.probe())!, /not reachable/)
})

test('safeLogger() masks secrets, prefixes lines and survives a throwing logger', () => {
  const logger = captureLogger()
  const safe = safeLogger(logger, ['s3cret-token', 'pw'])
  safe.warn('Authorization: Bearer s3cret-token failed')
  safe.info('short secrets like pw are not masked (too many false hits)')
  assert.equal(logger.lines[0]!.level, 'warn')
  assert.equal(logger.lines[0]!.message, 'jaeger-kafka forwarder: Authorization: Bearer *** failed')
  assert.match(logger.lines[1]!.message, /like pw are/)
  const throwing = safeLogger({ info() { throw new Error('x') }, error() { throw new Error('y') } })
  throwing.info('no throw')
  throwing.warn('no throw either (falls back to error)')
})
