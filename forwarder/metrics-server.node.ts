// SPDX-License-Identifier: Apache-2.0
/**
 * Node adapter: serve the forwarder's web-standard handler (`/metrics`,
 * `/healthz`) with `node:http`. Deno and Bun can use this too, or mount the
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
}

/** A listening observability server. */
export interface ForwarderHttpServer {
  readonly port: number
  /** Base URL, e.g. `http://127.0.0.1:14271`. */
  readonly url: string
  close(): Promise<void>
}

async function respond(handler: (request: Request) => Response | Promise<Response>, req: IncomingMessage, res: ServerResponse, base: string): Promise<void> {
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.set(name, value)
    else if (Array.isArray(value)) for (const v of value) headers.append(name, v)
  }
  // The endpoints are GET-only; a request body is never read.
  const response = await handler(new Request(new URL(req.url ?? '/', base), { method: req.method ?? 'GET', headers }))
  const body = req.method === 'HEAD' ? undefined : new Uint8Array(await response.arrayBuffer())
  res.writeHead(response.status, Object.fromEntries(response.headers))
  res.end(body)
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
    respond(handler, req, res, base).catch((error: unknown) => {
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
