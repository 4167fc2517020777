// SPDX-License-Identifier: Apache-2.0
/**
 * `POST /api/traces` as jaeger-collector served it to jaeger-client's
 * HTTPSenders, as a web-standard handler: the body is a bare binary
 * jaeger.thrift `Batch` (`Content-Type: application/x-thrift` from the Node
 * and Java clients; the Java client adds `?format=jaeger.thrift`; basic-auth
 * headers are accepted and ignored, like jaeger-collector without auth).
 *
 * Unlike jaeger-collector, 202 means the spans are safe: the delivery engine
 * reported every span of the batch acknowledged by the broker (or held by the
 * spool). Otherwise 503 with `Retry-After`:
 * - the batch was dropped (buffer full, closed, a span that cannot be sent);
 * - or it was not safe within `safeTimeoutMs`. Its spans then stay buffered
 *   and may still be delivered, so a client that retries after this 503 can
 *   store them twice (jaeger-client's HTTPSenders do not retry; they count the
 *   spans as failed).
 * @module
 */
import { describeError } from '../src/errors.ts'
import { decodeBatch } from '../src/codec/thrift/jaeger-decode.ts'
import type { JaegerBatch } from '../src/codec/thrift/jaeger-types.ts'
import type { BatchOutcome } from '../senders/sender-types.ts'

/** Content types jaeger-collector accepted for a Thrift batch. */
export const THRIFT_CONTENT_TYPES: readonly string[] = ['application/x-thrift', 'application/vnd.apache.thrift.binary']

/** Default largest accepted body (16 MiB). */
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024
/** Default wait for a batch to be safe before answering 503 (jaeger-client Node's HTTPSender gives up after 5000 ms). */
export const DEFAULT_SAFE_TIMEOUT_MS = 4_000
/** `Retry-After` seconds on a 503. */
export const RETRY_AFTER_SECONDS = 5

/**
 * What the handler needs. `B` is what decode() makes of a body: a
 * `JaegerBatch` (decodeBatch, the default) or `ThriftBatchParts` (sliceBatch,
 * for jaeger_thrift records); both list their spans.
 */
export interface CollectorHandlerOptions<B extends { spans: readonly unknown[] } = JaegerBatch> {
  /** Decode and validate a body (throws `THRIFT_DECODE`); default decodeBatch. */
  decode?(body: Uint8Array): B
  /** Deliver one batch (KafkaSender.sendBatch / sendThriftBatch); never rejects. */
  send(batch: B): Promise<BatchOutcome>
  /** Largest body accepted; 413 beyond it. */
  maxBodyBytes?: number
  /** How long to wait for the batch to be safe before 503. */
  safeTimeoutMs?: number
  /** Called with each decoded batch's span count. */
  onBatch?(spans: number): void
  /** Called with each response's status. */
  onResponse?(status: number): void
}

function text(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(`${body}\n`, { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers } })
}

/** Resolves with the outcome, or undefined after `ms` (timer unref'd). */
function within(promise: Promise<BatchOutcome>, ms: number): Promise<BatchOutcome | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms)
    ;(timer as { unref?: () => void }).unref?.()
    promise.then((outcome) => {
      clearTimeout(timer)
      resolve(outcome)
    })
  })
}

/** The `/api/traces` handler. */
export function createCollectorHandler<B extends { spans: readonly unknown[] } = JaegerBatch>(options: CollectorHandlerOptions<B>): (request: Request) => Promise<Response> {
  const decode = options.decode ?? (decodeBatch as unknown as (body: Uint8Array) => B)
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
  const safeTimeoutMs = options.safeTimeoutMs ?? DEFAULT_SAFE_TIMEOUT_MS
  const handle = async (request: Request): Promise<Response> => {
    const url = new URL(request.url)
    if (url.pathname !== '/api/traces') return text(404, 'not found; POST jaeger.thrift batches to /api/traces')
    if (request.method !== 'POST') return text(405, 'method not allowed; POST a jaeger.thrift Batch', { allow: 'POST' })
    const contentType = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
    if (!THRIFT_CONTENT_TYPES.includes(contentType)) return text(400, `Unsupported content type: "${contentType}"; send a binary jaeger.thrift Batch as application/x-thrift`)
    const format = url.searchParams.get('format')
    if (format !== null && format.toLowerCase() !== 'jaeger.thrift') return text(400, `Unsupported format type: "${format}"; only jaeger.thrift`)
    const declared = Number(request.headers.get('content-length') ?? '0')
    if (declared > maxBodyBytes) return text(413, `Request body of ${declared} bytes exceeds the ${maxBodyBytes}-byte limit`)
    const body = new Uint8Array(await request.arrayBuffer())
    if (body.length > maxBodyBytes) return text(413, `Request body exceeds the ${maxBodyBytes}-byte limit`)
    let batch: B
    try {
      batch = decode(body)
    } catch (error) {
      return text(400, `Cannot decode the body as a binary jaeger.thrift Batch: ${describeError(error)}`)
    }
    options.onBatch?.(batch.spans.length)
    const outcome = await within(options.send(batch), safeTimeoutMs)
    const retry = { 'retry-after': String(RETRY_AFTER_SECONDS) }
    if (!outcome) return text(503, `Cannot confirm the spans are safe within ${safeTimeoutMs} ms (Kafka unreachable?); they stay buffered and may still be delivered, so a retry may store them twice`, retry)
    if (outcome.dropped > 0) return text(503, `${outcome.dropped} of ${batch.spans.length} spans were not delivered: ${outcome.error ?? 'dropped'}`, retry)
    return new Response(null, { status: 202 })
  }
  return async (request) => {
    let response: Response
    try {
      response = await handle(request)
    } catch (error) {
      response = text(500, `internal error: ${describeError(error)}`)
    }
    options.onResponse?.(response.status)
    return response
  }
}
