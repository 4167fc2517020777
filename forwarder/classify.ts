// SPDX-License-Identifier: Apache-2.0
/**
 * What a collector answer means for the record that was POSTed.
 *
 * - `success`: 2xx; the record may be committed.
 * - `permanent`: the collector rejected this record's bytes (400, 413, 415 by
 *   default); retrying cannot help, so it goes to the dead-letter topic.
 * - `retry`: the collector is down, overloaded or slow (connection error,
 *   timeout, 408, 425, 429, 5xx); retry with backoff, partition held.
 * - `config`: the collector refuses *us*, not the record (401, 403, 404, 405,
 *   any other 4xx, 1xx/3xx); every record would fail the same way, so records
 *   stay in Kafka and the forwarder retries slowly until someone fixes the
 *   configuration. Never dead-lettered.
 * @module
 */

/** How a POST outcome is handled. */
export type OutcomeKind = 'success' | 'permanent' | 'retry' | 'config'

/** Statuses that dead-letter the record by default. */
export const DEFAULT_PERMANENT_STATUSES: readonly number[] = [400, 413, 415]

const RETRYABLE_4XX = new Set([408, 425, 429])

/** Classify an HTTP status from the collector. */
export function classifyStatus(status: number, permanent: ReadonlySet<number> = new Set(DEFAULT_PERMANENT_STATUSES)): OutcomeKind {
  if (status >= 200 && status < 300) return 'success'
  if (permanent.has(status)) return 'permanent'
  if (status >= 500 || RETRYABLE_4XX.has(status)) return 'retry'
  return 'config'
}

/** An actionable hint for a configuration error status, for the log line. */
export function configHint(status: number): string {
  switch (status) {
    case 401:
    case 403:
    case 407:
      return 'check the forwarder `auth` option (Basic username/password or Bearer token)'
    case 404:
      return 'check `collectorUrl`: the Jaeger collector serves POST /api/traces (port 14268)'
    case 405:
      return 'check `collectorUrl`: this endpoint does not accept POST'
    default:
      if (status >= 300 && status < 400) return 'check `collectorUrl`: the collector redirects; point it at the final URL'
      return 'check `collectorUrl`, `auth` and `headers`'
  }
}
