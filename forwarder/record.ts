// SPDX-License-Identifier: Apache-2.0
/**
 * One span-topic record as the forwarder handles it, and its validation: the
 * value must be exactly one jaeger.thrift `Batch` (decoded with our codec),
 * and, when the record says which encoding it carries, that encoding must be
 * the binary Thrift batch `KafkaSender` writes.
 * @module
 */
import { describeError } from '../src/errors.ts'
import { SPAN_ENCODING_HEADER, SPAN_ENCODING_THRIFT_BATCH } from '../src/kafka/span-record.ts'
import { summarizeBatch } from '../src/codec/thrift/jaeger-decode.ts'

import type { RecordHeaderValue } from '../src/kafka/types.ts'

export type { RecordHeaderValue } from '../src/kafka/types.ts'

/** A consumed span-topic record. The byte arrays are the client's own (never copied, never mutated). */
export interface SpanRecord {
  readonly topic: string
  readonly partition: number
  readonly offset: bigint
  readonly key: Uint8Array | null
  readonly value: Uint8Array | null
  readonly headers: Readonly<Record<string, RecordHeaderValue>>
  /** Record timestamp (ms since the epoch, as a string), if the client gave one. */
  readonly timestamp?: string
}

/** Why a record cannot be forwarded at all. */
export type InvalidReason = 'thrift-decode' | 'unsupported-encoding'

/** The result of validating a record. */
export type Validation =
  | { readonly ok: true; readonly spanCount: number }
  | { readonly ok: false; readonly reason: InvalidReason; readonly message: string }

const utf8 = new TextDecoder()

/** A header's value as text (the last of repeated values, like OpenTracing's last-wins). */
export function headerText(value: RecordHeaderValue): string | undefined {
  if (value === undefined || value === null) return undefined
  if (Array.isArray(value)) return value.length === 0 ? undefined : headerText(value[value.length - 1] as Uint8Array | string)
  return typeof value === 'string' ? value : utf8.decode(value as Uint8Array)
}

/** Check a record's encoding header and decode its value as a Batch (counting the spans). */
export function validateRecord(record: SpanRecord): Validation {
  const encoding = headerText(record.headers[SPAN_ENCODING_HEADER])
  if (encoding !== undefined && encoding !== SPAN_ENCODING_THRIFT_BATCH) {
    return { ok: false, reason: 'unsupported-encoding', message: `${SPAN_ENCODING_HEADER} is "${encoding.slice(0, 100)}", expected "${SPAN_ENCODING_THRIFT_BATCH}"` }
  }
  if (record.value === null || record.value.length === 0) {
    return { ok: false, reason: 'thrift-decode', message: 'the record has no value (tombstone or empty)' }
  }
  try {
    return { ok: true, spanCount: summarizeBatch(record.value).spanCount }
  } catch (error) {
    return { ok: false, reason: 'thrift-decode', message: (error as Error)?.message ?? describeError(error) }
  }
}
