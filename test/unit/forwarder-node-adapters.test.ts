// SPDX-License-Identifier: Apache-2.0
// The forwarder's node:http adapters (which also run on Deno and Bun): the
// collector client over createNodeHttpFetch() and serveForwarderHttp().
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from '../support/harness.ts'
import { createCollectorClient } from '../../forwarder/collector-client.ts'
import { createNodeHttpFetch } from '../../forwarder/node-http-fetch.node.ts'
import { serveForwarderHttp } from '../../forwarder/metrics-server.node.ts'
import { makeBatch } from '../support/forwarder-fakes.ts'

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/traces`
  return { server, url, close: () => new Promise<void>((resolve) => { server.close(() => resolve()); (server as { closeAllConnections?: () => void }).closeAllConnections?.() }) }
}

test('createNodeHttpFetch() POSTs the exact bytes with the headers and reads the answer', async () => {
  const received: { body: Uint8Array; headers: Record<string, unknown>; method?: string }[] = []
  const sink = await listen((req, res) => {
    const chunks: Uint8Array[] = []
    req.on('data', (c: Uint8Array) => chunks.push(c))
    req.on('end', () => {
      const body = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
      let at = 0
      for (const c of chunks) {
        body.set(c, at)
        at += c.length
      }
      received.push({ body, headers: req.headers, method: req.method })
      const status = received.length === 1 ? 202 : 503
      res.writeHead(status, { 'retry-after': '2', 'content-type': 'text/plain' })
      res.end(status === 202 ? '' : 'overloaded')
    })
  })
  const fetch = createNodeHttpFetch()
  try {
    const client = createCollectorClient({ url: sink.url, fetch, auth: { token: 't0k3n' } })
    const { bytes } = makeBatch({ spans: 4 })
    const ok = await client.post(bytes)
    assert.equal(ok.kind, 'success')
    assert.equal(ok.status, 202)
    assert.deepEqual(received[0]!.body, bytes)
    assert.equal(received[0]!.method, 'POST')
    assert.equal(received[0]!.headers['content-type'], 'application/x-thrift')
    assert.equal(received[0]!.headers.authorization, 'Bearer t0k3n')
    assert.equal(received[0]!.headers['content-length'], String(bytes.length))
    const busy = await client.post(bytes)
    assert.equal(busy.kind, 'retry')
    assert.match(busy.detail, /^503 .*overloaded/)
    assert.equal(busy.retryAfterMs, 2000)
  } finally {
    fetch.close()
    await sink.close()
  }
})

test('createNodeHttpFetch() reports refused connections and aborts like fetch does', async () => {
  const sink = await listen(() => {}) // never answers
  const fetch = createNodeHttpFetch()
  try {
    const slow = createCollectorClient({ url: sink.url, fetch, timeoutMs: 50 })
    const timeout = await slow.post(new Uint8Array([1, 2, 3]))
    assert.equal(timeout.kind, 'retry')
    assert.equal(timeout.label, 'timeout')

    const controller = new AbortController()
    const pending = slow.post(new Uint8Array([1]), controller.signal)
    controller.abort()
    assert.equal((await pending).kind, 'aborted')
  } finally {
    fetch.close()
    await sink.close()
  }
  const refused = await createCollectorClient({ url: sink.url, fetch: createNodeHttpFetch() }).post(new Uint8Array([1]))
  assert.equal(refused.kind, 'retry')
  assert.equal(refused.label, 'network')
  assert.match(refused.detail, /ECONNREFUSED|refused/i)
})

test('serveForwarderHttp() serves a web-standard handler over node:http', async () => {
  const server = await serveForwarderHttp(async (request) => {
    const { pathname } = new URL(request.url)
    return new Response(`path ${pathname} via ${request.method}`, { status: pathname === '/healthz' ? 200 : 404, headers: { 'x-test': 'yes' } })
  })
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/)
    const ok = await fetch(`${server.url}/healthz`)
    assert.equal(ok.status, 200)
    assert.equal(ok.headers.get('x-test'), 'yes')
    assert.equal(await ok.text(), 'path /healthz via GET')
    const missing = await fetch(`${server.url}/nope`)
    assert.equal(missing.status, 404)
    await missing.arrayBuffer()
  } finally {
    await server.close()
  }
  await assert.rejects(serveForwarderHttp(() => new Response(''), { port: 70000 }), RangeError)
})
