// SPDX-License-Identifier: Apache-2.0
// A Jaeger collector of our own for forwarder tests: a small HTTP proxy on a
// random 127.0.0.1 port in front of the real, shared Jaeger collector. A test
// switches it to "down" (the port refuses connections), to answering a status
// (503, 429, 401, …), to a delay, or answers one status for chosen bodies, so
// outage tests never disturb the shared peer or other engineers' tests.
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { JAEGER_COLLECTOR_URL } from './peers.ts'

/** How the proxy answers right now. */
export type ProxyMode =
  | { kind: 'up' }
  | { kind: 'down' }
  | { kind: 'status'; status: number }

/** A per-request override: a status to answer instead of forwarding, or undefined to go on. */
export type ProxyRule = (body: Uint8Array) => number | undefined

export interface CollectorProxy {
  /** `http://127.0.0.1:<port>/api/traces`. */
  readonly url: string
  readonly port: number
  /** Every request that reached the proxy, with what it answered (0 = upstream unreachable). */
  readonly requests: { body: Uint8Array<ArrayBuffer>; status: number }[]
  /** Bodies the real Jaeger accepted (2xx), in answer order. */
  accepted(): Uint8Array[]
  /** Requests being handled right now. */
  pending(): number
  /** The most POSTs handled at once since the start (or the last `resetMaxPending()`). */
  maxPending(): number
  resetMaxPending(): void
  /** Switch the mode; resolves once the port refuses / accepts connections again. */
  setMode(mode: ProxyMode): Promise<void>
  /** Answer a status for bodies the rule picks (applies in `up` mode). */
  setRule(rule: ProxyRule | undefined): void
  /** Hold every request this long before handling it. */
  setDelay(ms: number): void
  close(): Promise<void>
}

async function readBody(req: IncomingMessage): Promise<Uint8Array<ArrayBuffer>> {
  const chunks: Uint8Array[] = []
  for await (const chunk of req) chunks.push(chunk as Uint8Array)
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.length
  }
  return out
}

/** Start a proxy in front of the real Jaeger collector (`upstream` to override). */
export async function startCollectorProxy(upstream = JAEGER_COLLECTOR_URL): Promise<CollectorProxy> {
  let mode: ProxyMode = { kind: 'up' }
  let rule: ProxyRule | undefined
  let delayMs = 0
  const requests: { body: Uint8Array<ArrayBuffer>; status: number }[] = []
  const sockets = new Set<Socket>()

  let pending = 0
  let pendingPosts = 0
  let maxPending = 0
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const post = req.method === 'POST'
    pending++
    if (post && ++pendingPosts > maxPending) maxPending = pendingPosts
    try {
      await handleOne(req, res)
    } finally {
      pending--
      if (post) pendingPosts--
    }
  }
  const handleOne = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req)
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs))
    const answer = (status: number, text = ''): void => {
      requests.push({ body, status })
      res.writeHead(status, { 'content-type': 'text/plain' })
      res.end(text)
    }
    if (mode.kind === 'status') return answer(mode.status, `proxy answers ${mode.status}`)
    if (mode.kind === 'down') {
      // Raced the switch to down: drop the connection like a dying collector.
      req.socket.destroy()
      requests.push({ body, status: 0 })
      return
    }
    const forced = rule?.(body)
    if (forced !== undefined) return answer(forced, `proxy rule answers ${forced}`)
    const headers: Record<string, string> = {}
    for (const name of ['content-type', 'authorization']) {
      const value = req.headers[name]
      if (typeof value === 'string') headers[name] = value
    }
    try {
      const up = await fetch(upstream, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) })
      const text = await up.text()
      answer(up.status, text)
    } catch {
      answer(502, 'upstream unreachable')
    }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy())
  })
  server.keepAliveTimeout = 60_000
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })

  const listen = (port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject)
        const address = server.address()
        resolve(typeof address === 'object' && address ? address.port : port)
      })
    })
  const unlisten = (): Promise<void> =>
    new Promise((resolve) => {
      for (const socket of sockets) socket.destroy()
      sockets.clear()
      server.close(() => resolve())
      ;(server as { closeAllConnections?: () => void }).closeAllConnections?.()
    })

  const port = await listen(0)
  let listening = true
  const url = `http://127.0.0.1:${port}/api/traces`

  return {
    url,
    port,
    requests,
    accepted: () => requests.filter((r) => r.status >= 200 && r.status < 300).map((r) => r.body),
    pending: () => pending,
    maxPending: () => maxPending,
    resetMaxPending() {
      maxPending = pendingPosts
    },
    async setMode(next) {
      mode = next
      if (next.kind === 'down' && listening) {
        listening = false
        await unlisten()
      } else if (next.kind !== 'down' && !listening) {
        // Another process could take the port in between; retry briefly.
        for (let attempt = 0; ; attempt++) {
          try {
            await listen(port)
            break
          } catch (error) {
            if (attempt >= 50) throw error
            await new Promise((r) => setTimeout(r, 100))
          }
        }
        listening = true
      }
    },
    setRule(next) {
      rule = next
    },
    setDelay(ms) {
      delayMs = ms
    },
    async close() {
      if (listening) {
        listening = false
        await unlisten()
      }
    },
  }
}
