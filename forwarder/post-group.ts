// SPDX-License-Identifier: Apache-2.0
/**
 * Joining consecutive validated records into one POST body, so a topic of
 * small records (otlp_proto: one trace per record; jaeger_proto: one span)
 * does not cost one HTTP request per record:
 * - `otlp_proto`: the records' bytes concatenated. `TracesData` is
 *   `repeated ResourceSpans resource_spans = 1;`, and protobuf merges a
 *   repeated field over concatenated messages, so the joined bytes are one
 *   valid `TracesData` holding every record's `ResourceSpans`, each record's
 *   bytes unchanged.
 * - `jaeger_proto` with the same process (byte-identical Thrift `Process`):
 *   one Thrift `Batch { process, spans: [every record's span] }`.
 * - `jaeger_thrift` records are never joined: each is already a Batch with
 *   its own process, and `/api/traces` takes one Batch per request.
 * @module
 */
import { assembleBatch } from '../src/codec/thrift/jaeger-encode.ts'
import type { Validation } from './record.ts'

/** A record that passed validation. */
export type ValidRecord = Extract<Validation, { ok: true }>

/** How much one joined POST may carry. */
export interface PostLimits {
  /** Body bytes at most (a single record larger than this is still POSTed, alone). */
  readonly maxBytes: number
  /** Records at most. */
  readonly maxRecords: number
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** True if `next` may go into the same POST as `head` (the group's first record). */
export function canJoin(head: ValidRecord, next: ValidRecord): boolean {
  if (head.encoding !== next.encoding) return false
  if (head.encoding === 'otlp_proto') return true
  if (head.encoding === 'jaeger_proto') return head.thrift !== undefined && next.thrift !== undefined && sameBytes(head.thrift.process, next.thrift.process)
  return false
}

/** The bytes `record` adds to a joined body (an upper bound for jaeger_proto: its process is written once). */
export function joinedSize(record: ValidRecord): number {
  return record.encoding === 'jaeger_proto' && record.thrift !== undefined ? record.thrift.span.length : record.body.length
}

/** The one body for records that `canJoin()` accepted, in their order. */
export function joinedBody(records: readonly ValidRecord[]): Uint8Array {
  const head = records[0]!
  if (records.length === 1) return head.body
  if (head.encoding === 'jaeger_proto') return assembleBatch({ process: head.thrift!.process, spans: records.map((r) => r.thrift!.span) })
  let size = 0
  for (const r of records) size += r.body.length
  const body = new Uint8Array(size)
  let at = 0
  for (const r of records) {
    body.set(r.body, at)
    at += r.body.length
  }
  return body
}
