// SPDX-License-Identifier: Apache-2.0
/**
 * The forwarder's observability endpoints as a web-standard handler,
 * `(request: Request) => Promise<Response>`, which any runtime's server can
 * mount: `Deno.serve(handler)`, `Bun.serve({ fetch: handler })`, or
 * `serveForwarderHttp()` from `metrics-server.node.ts` on Node.
 *
 * - `GET /metrics`: Prometheus text format.
 * - `GET /healthz`: JSON status; 200 while running, 503 otherwise.
 * @module
 */
import { PROMETHEUS_CONTENT_TYPE } from './metrics-registry.ts'

/** What `/healthz` reports. */
export interface ForwarderHealth {
  status: 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed'
  /** True while running (consuming and forwarding, even if the collector is down). */
  healthy: boolean
  topic: string
  groupId: string
  /** Partitions assigned to this instance. */
  partitions: number
  /** Partitions waiting out a backoff (collector down, rejecting auth, …). */
  retryingPartitions: number
  /** Why the forwarder failed, when it did. */
  error?: string
}

/** A handler for `/metrics` and `/healthz`. */
export type ForwarderHttpHandler = (request: Request) => Promise<Response>

/**
 * Build the handler from the metrics text and health (the forwarder's; the
 * agent serves its own health through the same handler).
 */
export function createForwarderHttpHandler<H extends { healthy: boolean } = ForwarderHealth>(source: { metricsText(): Promise<string> | string; health(): H }): ForwarderHttpHandler {
  return async (request) => {
    const { pathname } = new URL(request.url)
    if (pathname !== '/metrics' && pathname !== '/healthz') return new Response('not found\n', { status: 404, headers: { 'content-type': 'text/plain' } })
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return new Response('method not allowed\n', { status: 405, headers: { allow: 'GET, HEAD', 'content-type': 'text/plain' } })
    }
    const head = request.method === 'HEAD'
    if (pathname === '/metrics') {
      const text = await source.metricsText()
      return new Response(head ? null : text, { status: 200, headers: { 'content-type': PROMETHEUS_CONTENT_TYPE } })
    }
    const health = source.health()
    return new Response(head ? null : `${JSON.stringify(health)}\n`, {
      status: health.healthy ? 200 : 503,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    })
  }
}
