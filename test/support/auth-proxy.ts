// SPDX-License-Identifier: Apache-2.0
// An authenticating reverse proxy on 127.0.0.1 (random free port) in front of
// the real Jaeger collector, as a stand-in for the nginx/ingress that guards a
// production collector. It requires Basic and/or Bearer credentials, answers
// 401 otherwise, forwards the body byte for byte (without the Authorization
// header) and counts answers by status. node:http, so it runs on Node, Deno
// and Bun.
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { JAEGER_COLLECTOR_URL } from './peers.ts'

/** Credentials the proxy accepts; give `basic`, `bearer` or both. */
export interface AuthProxyOptions {
  basic?: { username: string; password: string }
  bearer?: { token: string }
  /** Collector origin to forward to (default: the origin of JAEGER_COLLECTOR_URL, http://127.0.0.1:14268). */
  target?: string
}

/** A started (or startable) proxy. */
export interface AuthProxy {
  /** Listen on a free port of 127.0.0.1. */
  start(): Promise<void>
  /** Close the listener and its connections. Idempotent. */
  stop(): Promise<void>
  /** Base URL, e.g. `http://127.0.0.1:41234` (after start()). */
  readonly url: string
  /** `${url}/api/traces`, what a sender or forwarder is pointed at. */
  readonly collectorUrl: string
  /** Answers sent so far, by status: `{ 202: 3, 401: 2 }`. */
  counts(): Record<number, number>
  /** Total requests answered. */
  total(): number
  /** Bodies forwarded upstream, in order (the exact bytes received). */
  readonly forwarded: Uint8Array[]
}

function constantTimeEqual(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a)
  const y = new TextEncoder().encode(b)
  let diff = x.length ^ y.length
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0)
  return diff === 0
}

function decodeBasic(value: string): { username: string; password: string } | undefined {
  try {
    const text = new TextDecoder().decode(Uint8Array.from(atob(value), (c) => c.charCodeAt(0)))
    const colon = text.indexOf(':')
    return colon < 0 ? undefined : { username: text.slice(0, colon), password: text.slice(colon + 1) }
  } catch {
    return undefined
  }
}

function readBody(req: IncomingMessage): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = []
    req.on('data', (chunk: Uint8Array) => chunks.push(chunk))
    req.on('error', reject)
    req.on('end', () => {
      const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
      let at = 0
      for (const c of chunks) {
        out.set(c, at)
        at += c.length
      }
      resolve(out)
    })
  })
}

/** Build a proxy; call start() before use. */
export function createAuthProxy(options: AuthProxyOptions): AuthProxy {
  if (!options.basic && !options.bearer) throw new TypeError('createAuthProxy() needs `basic` and/or `bearer` credentials')
  const target = new URL(options.target ?? JAEGER_COLLECTOR_URL).origin
  const counts: Record<number, number> = {}
  const forwarded: Uint8Array[] = []
  let server: Server | undefined
  let url = ''

  function authorized(header: string | undefined): boolean {
    if (header === undefined) return false
    const space = header.indexOf(' ')
    if (space < 0) return false
    const scheme = header.slice(0, space).toLowerCase()
    const value = header.slice(space + 1).trim()
    if (scheme === 'bearer' && options.bearer) return constantTimeEqual(value, options.bearer.token)
    if (scheme === 'basic' && options.basic) {
      const given = decodeBasic(value)
      return given !== undefined && constantTimeEqual(given.username, options.basic.username) && constantTimeEqual(given.password, options.basic.password)
    }
    return false
  }

  function answer(res: ServerResponse, status: number, headers: Record<string, string>, body: Uint8Array | string): void {
    counts[status] = (counts[status] ?? 0) + 1
    res.writeHead(status, headers)
    res.end(body)
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req)
    if (!authorized(req.headers.authorization)) {
      const challenge = [options.basic ? 'Basic realm="jaeger-collector"' : '', options.bearer ? 'Bearer realm="jaeger-collector"' : ''].filter(Boolean).join(', ')
      answer(res, 401, { 'content-type': 'text/plain', 'www-authenticate': challenge }, 'unauthorized\n')
      return
    }
    forwarded.push(body)
    const headers: Record<string, string> = {}
    const contentType = req.headers['content-type']
    if (contentType !== undefined) headers['content-type'] = contentType
    const upstream = await fetch(`${target}${req.url ?? '/'}`, {
      method: req.method ?? 'POST',
      headers,
      ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body: body as Uint8Array<ArrayBuffer> }),
      redirect: 'manual',
      signal: AbortSignal.timeout(10_000),
    })
    const answerBody = new Uint8Array(await upstream.arrayBuffer())
    answer(res, upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'text/plain' }, answerBody)
  }

  return {
    get url() {
      return url
    },
    get collectorUrl() {
      return `${url}/api/traces`
    },
    forwarded,
    counts: () => ({ ...counts }),
    total: () => Object.values(counts).reduce((a, b) => a + b, 0),
    async start() {
      if (server) return
      const s = createServer((req, res) => {
        handle(req, res).catch((error: unknown) => {
          if (res.headersSent) {
            res.destroy()
            return
          }
          answer(res, 502, { 'content-type': 'text/plain' }, `bad gateway: ${error instanceof Error ? error.message : String(error)}\n`)
        })
      })
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject)
        s.listen(0, '127.0.0.1', () => {
          s.off('error', reject)
          resolve()
        })
      })
      server = s
      url = `http://127.0.0.1:${(s.address() as AddressInfo).port}`
    },
    async stop() {
      const s = server
      if (!s) return
      server = undefined
      await new Promise<void>((resolve) => {
        s.close(() => resolve())
        ;(s as { closeAllConnections?: () => void }).closeAllConnections?.()
      })
    },
  }
}
