// SPDX-License-Identifier: Apache-2.0
/**
 * POSTs span-topic records, byte for byte, to the Jaeger collector's
 * `POST /api/traces` with the web-standard HTTP client (keep-alive by
 * default on Node, Deno and Bun), a per-request timeout and optional Basic or
 * Bearer auth. Never throws for a failed request: every answer, timeout or
 * connection error becomes a `PostResult` the caller classifies on.
 * @module
 */
import { classifyStatus, DEFAULT_PERMANENT_STATUSES } from './classify.ts'
import type { OutcomeKind } from './classify.ts'
import { WireType } from '../src/codec/protobuf/proto-writer.ts'
import { decodeProto } from '../src/codec/protobuf/proto-reader.ts'

/** Basic auth for the collector. */
export interface CollectorBasicAuth {
  username: string
  password: string
}

/** Bearer token auth for the collector (jaeger-client-java's `JAEGER_AUTH_TOKEN`). */
export interface CollectorBearerAuth {
  token: string
}

/** Collector credentials: `{ username, password }` or `{ token }`. */
export type CollectorAuth = CollectorBasicAuth | CollectorBearerAuth

/** The part of a `Response` the client reads (the global `Response` fits). */
export interface CollectorResponse {
  readonly status: number
  readonly statusText: string
  readonly headers: { get(name: string): string | null }
  arrayBuffer(): Promise<ArrayBuffer>
}

/**
 * The part of the global `fetch` the client calls: the global `fetch` itself
 * (default), a fake in tests, or `createNodeHttpFetch()` on Node, whose
 * built-in `fetch` costs several times more CPU per request.
 */
export type FetchLike = (input: string, init: RequestInit) => Promise<CollectorResponse>

/** Options of `createCollectorClient()`. */
export interface CollectorClientOptions {
  /** Collector endpoint (default `http://127.0.0.1:14268/api/traces`). Credentials in the URL become Basic auth. */
  url?: string
  auth?: CollectorAuth
  /** Extra request headers (a tenant header, …); their values are treated as secrets in logs. */
  headers?: Readonly<Record<string, string>>
  /** Per-request timeout in ms (default 10000). */
  timeoutMs?: number
  /** Statuses that mean "this record can never be accepted" (default 400, 413, 415). */
  permanentStatuses?: readonly number[]
  fetch?: FetchLike
  /** Request content type (default `application/x-thrift`; `application/x-protobuf` for OTLP/HTTP). */
  contentType?: string
  /** Read an OTLP `ExportTraceServiceResponse` from a 2xx answer and report its rejected spans. */
  otlp?: boolean
  /** The option the URL came from, for error messages (default `collectorUrl`). */
  urlOption?: string
}

/** What one POST came to. */
export interface PostResult {
  /** How to handle the record; `aborted` when the caller's signal stopped the request. */
  kind: OutcomeKind | 'aborted'
  /** HTTP status, 0 when there was no answer. */
  status: number
  /** Metrics label: the status (`202`), `timeout`, `network` or `aborted`. */
  label: string
  /** Secret-free one-line description, e.g. `503 Service Unavailable: queue full`. */
  detail: string
  /** `Retry-After` of a 429/503 answer, in ms. */
  retryAfterMs?: number
  /** Request duration in seconds (until the body was read). */
  seconds: number
  /** OTLP partial success: spans the receiver accepted the request without (counted as dropped). */
  rejectedSpans?: number
  /** The receiver's `error_message` for the rejected spans. */
  rejectedMessage?: string
}

/** A configured collector endpoint. */
export interface CollectorClient {
  /** The endpoint without credentials, for logs. */
  readonly displayUrl: string
  /** Strings that must never appear in logs (password, token, header values). */
  readonly secrets: readonly string[]
  /** POST one record's bytes unchanged. */
  post(body: Uint8Array, signal?: AbortSignal): Promise<PostResult>
  /**
   * Check the endpoint without sending spans (a GET: Jaeger answers 405 on
   * its POST-only endpoint). Returns an actionable warning, or undefined when
   * the endpoint looks right.
   */
  probe(): Promise<string | undefined>
}

/**
 * The `partial_success` of an OTLP/HTTP answer, or undefined when there is
 * none or the body is not protobuf (then the request counts as fully accepted).
 *
 * ```proto
 * message ExportTraceServiceResponse { ExportTracePartialSuccess partial_success = 1; }
 * message ExportTracePartialSuccess { int64 rejected_spans = 1; string error_message = 2; }
 * ```
 */
export function readPartialSuccess(body: Uint8Array): { rejectedSpans: number; message: string } | undefined {
  try {
    return decodeProto(body, 'ExportTraceServiceResponse', (reader) => {
      let found: { rejectedSpans: number; message: string } | undefined
      while (reader.more()) {
        const key = reader.key()
        if (key >>> 3 !== 1 || (key & 7) !== WireType.LEN) {
          reader.skip(key)
          continue
        }
        const inner = reader.message('ExportTracePartialSuccess')
        found = { rejectedSpans: 0, message: '' }
        while (inner.more()) {
          const k = inner.key()
          if (k >>> 3 === 1 && (k & 7) === WireType.VARINT) found.rejectedSpans = Number(inner.int64())
          else if (k >>> 3 === 2 && (k & 7) === WireType.LEN) found.message = inner.string()
          else inner.skip(k)
        }
      }
      return found
    })
  } catch {
    return undefined
  }
}

/** Default collector endpoint. */
export const DEFAULT_COLLECTOR_URL = 'http://127.0.0.1:14268/api/traces'
const DETAIL_BYTES = 300

function base64Utf8(text: string): string {
  let binary = ''
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte)
  return btoa(binary)
}

function authorization(auth: CollectorAuth | undefined): string | undefined {
  if (auth === undefined) return undefined
  if (typeof auth !== 'object' || auth === null) throw new TypeError('Cannot use collector auth: expected { username, password } or { token }')
  if ('token' in auth) {
    if (typeof auth.token !== 'string' || auth.token === '') throw new TypeError('Cannot use collector auth: `token` must be a non-empty string')
    return `Bearer ${auth.token}`
  }
  if (typeof auth.username !== 'string' || typeof auth.password !== 'string') {
    throw new TypeError('Cannot use collector auth: `username` and `password` must be strings')
  }
  return `Basic ${base64Utf8(`${auth.username}:${auth.password}`)}`
}

function describeFailure(error: unknown): string {
  const e = error as { name?: string; message?: string; code?: string; cause?: { code?: string; message?: string } }
  const code = e?.cause?.code ?? e?.code
  const message = e?.cause?.message ?? e?.message ?? String(error)
  return code && !message.includes(code) ? `${message} (${code})` : message
}

function parseRetryAfter(value: string | null): number | undefined {
  if (value === null) return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now())
}

/**
 * One signal that aborts after `timeoutMs` or when `signal` aborts, with a
 * `done()` that releases the timer and the listener (cheaper than
 * `AbortSignal.any()`, which keeps dependents on the long-lived signal).
 */
function requestSignal(timeoutMs: number, signal: AbortSignal | undefined): { signal: AbortSignal; done(): void } {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError')), timeoutMs)
  ;(timer as { unref?: () => void }).unref?.()
  const onAbort = (): void => controller.abort(signal!.reason)
  if (signal?.aborted) controller.abort(signal.reason)
  else signal?.addEventListener('abort', onAbort, { once: true })
  return {
    signal: controller.signal,
    done() {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
    },
  }
}

/** Build a client for one collector endpoint (`TypeError` for a bad URL or auth). */
export function createCollectorClient(options: CollectorClientOptions = {}): CollectorClient {
  let url: URL
  try {
    url = new URL(options.url ?? DEFAULT_COLLECTOR_URL)
  } catch {
    throw new TypeError(`Cannot use ${options.urlOption ?? 'collectorUrl'}: not an absolute URL`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`Cannot use ${options.urlOption ?? 'collectorUrl'}: protocol ${url.protocol} is not http: or https:`)
  let auth = options.auth
  // The HTTP client rejects URLs with credentials; move them into Basic auth.
  if (url.username !== '' || url.password !== '') {
    auth ??= { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) }
    url.username = ''
    url.password = ''
  }
  const target = url.toString()
  const displayUrl = `${url.origin}${url.pathname}`
  const timeoutMs = options.timeoutMs ?? 10_000
  if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) throw new RangeError(`Cannot use requestTimeoutMs ${timeoutMs}: must be a finite number > 0`)
  const permanent = new Set(options.permanentStatuses ?? DEFAULT_PERMANENT_STATUSES)
  const doFetch: FetchLike = options.fetch ?? ((input, init) => fetch(input, init))

  const headers: Record<string, string> = { ...options.headers, 'content-type': options.contentType ?? 'application/x-thrift' }
  const authHeader = authorization(auth)
  if (authHeader !== undefined) headers.authorization = authHeader
  const secrets: string[] = Object.values(options.headers ?? {})
  if (auth !== undefined && 'token' in auth) secrets.push(auth.token)
  else if (auth !== undefined) secrets.push(auth.password)
  if (authHeader !== undefined) secrets.push(authHeader.slice(authHeader.indexOf(' ') + 1))

  async function post(body: Uint8Array, signal?: AbortSignal): Promise<PostResult> {
    const started = performance.now()
    const seconds = (): number => (performance.now() - started) / 1000
    const request = requestSignal(timeoutMs, signal)
    try {
      const res = await doFetch(target, {
        method: 'POST',
        headers,
        body: body as Uint8Array<ArrayBuffer>,
        signal: request.signal,
        // A redirect is a configuration error, not something to re-POST spans to.
        redirect: 'manual',
      })
      // Always read the body, so the keep-alive connection can be reused.
      const text = new Uint8Array(await res.arrayBuffer())
      const kind = classifyStatus(res.status, permanent)
      const result: PostResult = { kind, status: res.status, label: String(res.status), detail: `${res.status} ${res.statusText}`.trim(), seconds: seconds() }
      if (kind === 'success' && options.otlp === true && text.length > 0) {
        const partial = readPartialSuccess(text)
        if (partial !== undefined && partial.rejectedSpans > 0) {
          result.rejectedSpans = partial.rejectedSpans
          result.rejectedMessage = partial.message
        }
      }
      if (kind !== 'success') {
        const snippet = new TextDecoder().decode(text.subarray(0, DETAIL_BYTES)).replace(/\s+/g, ' ').trim()
        if (snippet !== '') result.detail += `: ${snippet}`
        const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'))
        if (retryAfterMs !== undefined) result.retryAfterMs = retryAfterMs
      }
      return result
    } catch (error) {
      if (signal?.aborted) return { kind: 'aborted', status: 0, label: 'aborted', detail: 'request aborted (forwarder stopping)', seconds: seconds() }
      const name = (error as { name?: string })?.name
      if (name === 'TimeoutError' || name === 'AbortError') {
        return { kind: 'retry', status: 0, label: 'timeout', detail: `no answer within ${timeoutMs} ms`, seconds: seconds() }
      }
      return { kind: 'retry', status: 0, label: 'network', detail: describeFailure(error), seconds: seconds() }
    } finally {
      request.done()
    }
  }

  async function probe(): Promise<string | undefined> {
    const { authorization: auth, ...rest } = headers
    const probeHeaders: Record<string, string> = { ...rest }
    if (auth !== undefined) probeHeaders.authorization = auth
    try {
      const res = await doFetch(target, { method: 'GET', headers: probeHeaders, signal: AbortSignal.timeout(Math.min(timeoutMs, 5000)), redirect: 'manual' })
      await res.arrayBuffer()
      if (res.status === 404) return `${displayUrl} answers 404: check the path (the Jaeger collector serves POST /api/traces on port 14268)`
      if (res.status === 401 || res.status === 403) return `${displayUrl} answers ${res.status}: check the forwarder \`auth\` option`
      return undefined
    } catch (error) {
      return `${displayUrl} is not reachable (${describeFailure(error)}); records wait in Kafka until it is. A Jaeger v2 collector listens on localhost only unless JAEGER_LISTEN_HOST=0.0.0.0`
    }
  }

  return { displayUrl, secrets, post, probe }
}
