// SPDX-License-Identifier: Apache-2.0
/**
 * jaeger-agent's sampling endpoint (port 5778) as a web-standard handler:
 * `GET /sampling?service=X` and the legacy `GET /?service=X` answer the JSON
 * strategy of service X (what remote samplers in jaeger-client Java, Go,
 * Python and Node poll). The strategies come from a provider
 * (`sampling-provider.node.ts`: a strategies file, reloaded on change).
 * @module
 */
import { describeError } from '../src/errors.ts'

/** Where strategies come from (structurally `SamplingProvider`). */
export interface StrategySource {
  /** The JSON body for `service`: for `/sampling` (enum names) or the legacy `/` (enum numbers). */
  strategyFor(service: string, endpoint?: 'sampling' | 'legacy'): unknown
}

function text(status: number, body: string): Response {
  return new Response(`${body}\n`, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } })
}

/** The sampling handler; `onResponse` sees each status. */
export function createSamplingHandler(source: StrategySource, onResponse?: (status: number) => void): (request: Request) => Promise<Response> {
  const handle = (request: Request): Response => {
    const url = new URL(request.url)
    if (url.pathname !== '/sampling' && url.pathname !== '/') return text(404, 'not found; GET /sampling?service=NAME')
    if (request.method !== 'GET' && request.method !== 'HEAD') return text(405, 'method not allowed; GET /sampling?service=NAME')
    const services = url.searchParams.getAll('service')
    // jaeger-agent's own wording.
    if (services.length !== 1 || services[0] === '') return text(400, "'service' parameter must be provided once")
    const body = JSON.stringify(source.strategyFor(services[0] as string, url.pathname === '/' ? 'legacy' : 'sampling'))
    return new Response(request.method === 'HEAD' ? null : body, { status: 200, headers: { 'content-type': 'application/json' } })
  }
  return async (request) => {
    let response: Response
    try {
      response = handle(request)
    } catch (error) {
      response = text(500, `Cannot compute the sampling strategy: ${describeError(error)}`)
    }
    onResponse?.(response.status)
    return response
  }
}
