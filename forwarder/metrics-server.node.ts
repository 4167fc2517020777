// SPDX-License-Identifier: Apache-2.0
/**
 * Node adapter: serve a web-standard handler (the forwarder's `/metrics`,
 * `/healthz`; the agent's endpoints) with `node:http`. Deno and Bun can use this too, or mount the
 * handler directly: `Deno.serve({ port }, forwarder.handler)`,
 * `Bun.serve({ port, fetch: forwarder.handler })`.
 * @module
 */
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** Options of `serveForwarderHttp()`. */
export interface ForwarderHttpServerOptions {
  /** Port (default 0: a free port, see `port` of the result). */
  port?: number
  /** Interface (default `127.0.0.1`; `0.0.0.0` for scraping from other hosts). */
  host?: string
  /**
   * Read request bodies up to this many bytes and pass them on (default 0:
   * bodies are never read, the endpoints are GET-only). A longer body gets 413
   * without reaching the handler.
   */
  maxBodyBytes?: number
  /** Called when a body over `maxBodyBytes` was refused with 413. */
  onBodyTooLarge?: () => void
}

/** A listening observability server. */
export interface ForwarderHttpServer {
  readonly port: number
  /** Base URL, e.g. `http://127.0.0.1:14271`. */
  readonly url: string
  close(): Promise<void>
}

/** The request body, or undefined when it exceeds `max` bytes (then drained, not kept). */
function readBody(req: IncomingMessage, max: number): Promise<Uint8Array | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = []
    let length = 0
    req.on('data', (chunk: Uint8Array) => {
      length += chunk.length
      if (length <= max) chunks.push(chunk)
    })
    req.once('end', () => {
      if (length > max) return resolve(undefined)
      const body = new Uint8Array(new ArrayBuffer(length))
      let offset = 0
      for (const chunk of chunks) {
        body.set(chunk, offset)
        offset += chunk.length
      }
      resolve(body)
    })
    req.once('error', reject)
  })
}

async function respond(handler: (request: Request) => Response | Promise<Response>, req: IncomingMessage, res: ServerResponse, base: string, options: ForwarderHttpServerOptions): Promise<void> {
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.set(name, value)
    else if (Array.isArray(value)) for (const v of value) headers.append(name, v)
  }
  const method = req.method ?? 'GET'
  const maxBodyBytes = options.maxBodyBytes ?? 0
  let body: Uint8Array | undefined
  if (maxBodyBytes > 0 && method !== 'GET' && method !== 'HEAD') {
    body = await readBody(req, maxBodyBytes)
    if (body === undefined) {
      options.onBodyTooLarge?.()
      res.writeHead(413, { 'content-type': 'text/plain; charset=utf-8' })
      res.end(`Request body exceeds the ${maxBodyBytes}-byte limit\n`)
      return
    }
  }
  const init: RequestInit = { method, headers }
  if (body !== undefined) init.body = body as Uint8Array<ArrayBuffer>
  const response = await handler(new Request(new URL(req.url ?? '/', base), init))
  const out = method === 'HEAD' ? undefined : new Uint8Array(await response.arrayBuffer())
  res.writeHead(response.status, Object.fromEntries(response.headers))
  res.end(out)
}

/**
 * Serve `handler` (e.g. `forwarder.handler`) over HTTP with `node:http`.
 *
 * @example
 * ```ts
 * const server = await serveForwarderHttp(forwarder.handler, { port: 14271, host: '0.0.0.0' })
 * // later: await server.close()
 * ```
 */
export async function serveForwarderHttp(
  handler: (request: Request) => Response | Promise<Response>,
  options: ForwarderHttpServerOptions = {},
): Promise<ForwarderHttpServer> {
  if (typeof handler !== 'function') throw new TypeError('serveForwarderHttp() needs a (request: Request) => Response handler')
  const host = options.host ?? '127.0.0.1'
  const requested = options.port ?? 0
  if (!Number.isInteger(requested) || requested < 0 || requested > 65535) throw new RangeError(`Cannot listen on port ${requested}`)
  let base = `http://${host.includes(':') ? `[${host}]` : host}:${requested}`
  const server = createServer((req, res) => {
    respond(handler, req, res, base, options).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
      res.end(`internal error: ${error instanceof Error ? error.message : String(error)}\n`)
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(requested, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  base = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  return {
    port,
    url: base,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        ;(server as { closeAllConnections?: () => void }).closeAllConnections?.()
      }),
  }
}
