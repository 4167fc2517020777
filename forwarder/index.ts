// SPDX-License-Identifier: Apache-2.0
/**
 * The forwarder: span topic → Jaeger collector, at least once, with
 * contiguous per-partition commits, retries with capped jittered backoff, a
 * dead-letter topic for records that can never be accepted, Prometheus
 * metrics and a health endpoint, as a web-standard
 * `(request: Request) => Promise<Response>` handler. Runs on Node, Deno and
 * Bun. Node-only adapters: `metrics-server.node.ts` (`serveForwarderHttp`) and
 * `node-http-fetch.node.ts` (`createNodeHttpFetch`), exported from `jaeger-kafka/node`.
 * @module
 */
export { createForwarder } from './forwarder.ts'
export type { Forwarder } from './forwarder.ts'
export { DEFAULT_GROUP_ID } from './options.ts'
export type { ClientLogLevel, ForwarderOptions } from './options.ts'
export type { ForwarderRetryOptions } from './retry-policy.ts'
/** The forwarder's `retry` option (the same as `ForwarderRetryOptions`). */
export type { ForwarderRetryOptions as RetryOptions } from './retry-policy.ts'
export { DEFAULT_PERMANENT_STATUSES } from './classify.ts'
export { DEFAULT_COLLECTOR_URL } from './collector-client.ts'
export type { CollectorAuth, CollectorBasicAuth, CollectorBearerAuth, CollectorResponse, FetchLike } from './collector-client.ts'
export { DEAD_LETTER_HEADERS } from './dead-letter.ts'
export type { DeadLetterReason } from './dead-letter.ts'
export type { ForwarderMetricsSnapshot, PartitionSnapshot, PartitionState } from './metrics.ts'
export type { HistogramSnapshot } from './metrics-registry.ts'
export { createForwarderHttpHandler } from './http-handler.ts'
export type { ForwarderHealth, ForwarderHttpHandler } from './http-handler.ts'
export type { ForwarderLogger } from './logger.ts'
export type { KafkajsLike } from '../src/kafka/types.ts'
