// SPDX-License-Identifier: Apache-2.0
// Collector authentication on every runtime: an authenticating proxy
// (test/support/auth-proxy.ts) in front of the real Jaeger collector accepts a
// Batch encoded by our codec with the right Basic or Bearer credentials (the
// spans then show up in Jaeger's query API) and answers 401 without them or
// with wrong ones, forwarding nothing.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from '../support/harness.ts'
import { createAuthProxy } from '../support/auth-proxy.ts'
import type { AuthProxy } from '../support/auth-proxy.ts'
import { uniqueTopic, waitForTrace } from '../support/peers.ts'
import { encodeBatch } from '../../src/codec/thrift/index.ts'
import { TagType } from '../../src/codec/thrift/jaeger-types.ts'

const USERNAME = 'collector-user'
const PASSWORD = randomBytes(12).toString('hex')
const TOKEN = randomBytes(16).toString('hex')

function randomId(): bigint {
  // Non-zero, positive 63-bit id: Jaeger drops spans with a zero trace id.
  return (BigInt(`0x${randomBytes(8).toString('hex')}`) & 0x7fff_ffff_ffff_ffffn) | 1n
}

const hex = (id: bigint): string => id.toString(16).padStart(16, '0')

/** A one-span Batch from our codec, and its trace id as Jaeger's query API spells it. */
function batch(operationName: string): { body: Uint8Array; traceId: string } {
  const traceIdLow = randomId()
  const body = encodeBatch({
    process: { serviceName: uniqueTopic('security-collector'), tags: [{ key: 'hostname', vType: TagType.STRING, vStr: 'security-host' }] },
    spans: [{
      traceIdLow,
      traceIdHigh: 0n,
      spanId: randomId(),
      parentSpanId: 0n,
      operationName,
      flags: 1,
      startTime: BigInt(Date.now()) * 1000n,
      duration: 1500n,
      tags: [{ key: 'span.kind', vType: TagType.STRING, vStr: 'producer' }],
    }],
  })
  return { body, traceId: hex(traceIdLow) }
}

async function post(proxy: AuthProxy, body: Uint8Array, authorization?: string): Promise<{ status: number; authenticate: string | null }> {
  const headers: Record<string, string> = { 'content-type': 'application/x-thrift' }
  if (authorization !== undefined) headers.authorization = authorization
  const res = await fetch(proxy.collectorUrl, { method: 'POST', headers, body: body as Uint8Array<ArrayBuffer>, signal: AbortSignal.timeout(10_000) })
  await res.arrayBuffer()
  return { status: res.status, authenticate: res.headers.get('www-authenticate') }
}

const basic = (username: string, password: string): string => `Basic ${btoa(`${username}:${password}`)}`

async function withProxy(body: (proxy: AuthProxy) => Promise<void>): Promise<void> {
  const proxy = createAuthProxy({ basic: { username: USERNAME, password: PASSWORD }, bearer: { token: TOKEN } })
  await proxy.start()
  try {
    await body(proxy)
  } finally {
    await proxy.stop()
  }
}

test('the auth proxy passes a Batch with the right Basic credentials to Jaeger unchanged', () =>
  withProxy(async (proxy) => {
    const { body, traceId } = batch('basic-auth-op')
    const res = await post(proxy, body, basic(USERNAME, PASSWORD))
    assert.equal(res.status, 202)
    assert.deepEqual(proxy.counts(), { 202: 1 })
    assert.deepEqual(proxy.forwarded, [body])
    const trace = await waitForTrace(traceId)
    assert.deepEqual(trace.spans.map((s) => s.operationName), ['basic-auth-op'])
  }), { timeout: 60_000 })

test('the auth proxy passes a Batch with the right Bearer token to Jaeger unchanged', () =>
  withProxy(async (proxy) => {
    const { body, traceId } = batch('bearer-auth-op')
    const res = await post(proxy, body, `Bearer ${TOKEN}`)
    assert.equal(res.status, 202)
    assert.deepEqual(proxy.counts(), { 202: 1 })
    assert.deepEqual(proxy.forwarded, [body])
    const trace = await waitForTrace(traceId)
    assert.deepEqual(trace.spans.map((s) => s.operationName), ['bearer-auth-op'])
  }), { timeout: 60_000 })

test('the auth proxy answers 401 without credentials or with wrong ones, and forwards nothing', () =>
  withProxy(async (proxy) => {
    const { body } = batch('rejected-op')
    const attempts: [string, string | undefined][] = [
      ['no Authorization header', undefined],
      ['wrong Basic password', basic(USERNAME, `${PASSWORD}x`)],
      ['wrong Basic user', basic('someone-else', PASSWORD)],
      ['wrong Bearer token', `Bearer ${TOKEN.slice(1)}`],
      ['the token as a Basic password', basic(USERNAME, TOKEN)],
      ['an unknown scheme', `Token ${TOKEN}`],
      ['a malformed header', 'Basic'],
    ]
    for (const [what, authorization] of attempts) {
      const res = await post(proxy, body, authorization)
      assert.equal(res.status, 401, what)
      assert.match(res.authenticate ?? '', /Basic realm=.*Bearer realm=/, what)
    }
    assert.deepEqual(proxy.counts(), { 401: attempts.length })
    assert.equal(proxy.forwarded.length, 0)
  }))

test('an auth proxy with Bearer only rejects Basic credentials', async () => {
  const proxy = createAuthProxy({ bearer: { token: TOKEN } })
  await proxy.start()
  try {
    const { body } = batch('bearer-only-op')
    assert.equal((await post(proxy, body, basic(USERNAME, PASSWORD))).status, 401)
    assert.equal((await post(proxy, body, `bearer ${TOKEN}`)).status, 202, 'the scheme is case-insensitive')
    assert.deepEqual(proxy.counts(), { 401: 1, 202: 1 })
  } finally {
    await proxy.stop()
  }
})
