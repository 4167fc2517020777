// SPDX-License-Identifier: Apache-2.0
/**
 * One span-topic record as the forwarder handles it, and its validation:
 * the `jaeger-kafka-encoding` header routes it (no header = `jaeger_thrift`,
 * what every earlier sender wrote), our decoder for that encoding checks the
 * value and counts its spans, and the result says what to POST where:
 * - `jaeger_thrift`: the record's bytes to the collector (`/api/traces`);
 * - `otlp_proto`: the record's bytes to the OTLP/HTTP receiver (`/v1/traces`);
 * - `jaeger_proto`: the one span with its process, re-encoded as a Thrift
 *   `Batch` for the collector (both are Jaeger's own model, so nothing is
 *   mapped; see docs/forwarder.md). The encoded Thrift `Process` and `Span`
 *   are kept too, so consecutive records of one process can be joined into
 *   one `Batch` (`post-group.ts`).
 * @module
 */
import { describeError } from '../src/errors.ts'
import { SPAN_ENCODING_HEADER, encodingFromHeader } from '../src/kafka/span-record.ts'
import type { SpanEncoding } from '../src/kafka/span-record.ts'
import { summarizeBatch } from '../src/codec/thrift/jaeger-decode.ts'
import { assembleBatch, encodeProcess, encodeSpan } from '../src/codec/thrift/jaeger-encode.ts'
import { decodeOtlpTraces } from '../src/codec/otlp/otlp-decode.ts'
import { decodeJaegerProtoSpan } from '../src/codec/jaeger-proto/jaeger-proto-decode.ts'

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
export type InvalidReason = 'thrift-decode' | 'otlp-decode' | 'jaeger-proto-decode' | 'unsupported-encoding'

/** Where a valid record is POSTed: the collector's `/api/traces` (Thrift) or the OTLP/HTTP receiver. */
export type ForwardTarget = 'collector' | 'otlp'

/** The result of validating a record. */
export type Validation =
  | {
      readonly ok: true
      readonly spanCount: number
      readonly encoding: SpanEncoding
      readonly target: ForwardTarget
      /** What to POST: the record's own bytes, or (jaeger_proto) a Thrift Batch holding its span. */
      readonly body: Uint8Array
      /** jaeger_proto only: the Thrift-encoded `Process` and `Span` the body was assembled from. */
      readonly thrift?: ThriftParts
    }
  | { readonly ok: false; readonly reason: InvalidReason; readonly message: string }

/** A Thrift `Process` and one `Span`, each encoded on its own (`assembleBatch()` joins them without re-encoding). */
export interface ThriftParts {
  readonly process: Uint8Array
  readonly span: Uint8Array
}

const utf8 = new TextDecoder()

const DECODE_REASON: Record<SpanEncoding, InvalidReason> = {
  jaeger_thrift: 'thrift-decode',
  otlp_proto: 'otlp-decode',
  jaeger_proto: 'jaeger-proto-decode',
}

/** A header's value as text (the last of repeated values, like OpenTracing's last-wins). */
export function headerText(value: RecordHeaderValue): string | undefined {
  if (value === undefined || value === null) return undefined
  if (Array.isArray(value)) return value.length === 0 ? undefined : headerText(value[value.length - 1] as Uint8Array | string)
  return typeof value === 'string' ? value : utf8.decode(value as Uint8Array)
}

/** The encoding a record names (`jaeger_thrift` without the header), or the header text when it is unknown. */
export function recordEncoding(record: SpanRecord): SpanEncoding | { unknown: string } {
  const text = headerText(record.headers[SPAN_ENCODING_HEADER])
  if (text === undefined) return 'jaeger_thrift'
  return encodingFromHeader(text) ?? { unknown: text }
}

function decodeValue(encoding: SpanEncoding, value: Uint8Array): { spanCount: number; target: ForwardTarget; body: Uint8Array; thrift?: ThriftParts } {
  switch (encoding) {
    case 'jaeger_thrift':
      return { spanCount: summarizeBatch(value).spanCount, target: 'collector', body: value }
    case 'otlp_proto': {
      let spanCount = 0
      for (const resourceSpans of decodeOtlpTraces(value).resourceSpans) {
        for (const scopeSpans of resourceSpans.scopeSpans) spanCount += scopeSpans.spans.length
      }
      return { spanCount, target: 'otlp', body: value }
    }
    case 'jaeger_proto': {
      const decoded = decodeJaegerProtoSpan(value)
      // encodeSpan() returns a view into a shared slab: keep a copy.
      const thrift = { process: encodeProcess(decoded.process), span: encodeSpan(decoded.span).slice() }
      return { spanCount: 1, target: 'collector', body: assembleBatch({ process: thrift.process, spans: [thrift.span] }), thrift }
    }
  }
}

/** Route a record by its encoding header and decode its value with our decoder (counting the spans). */
export function validateRecord(record: SpanRecord): Validation {
  const encoding = recordEncoding(record)
  if (typeof encoding === 'object') {
    return { ok: false, reason: 'unsupported-encoding', message: `${SPAN_ENCODING_HEADER} is "${encoding.unknown.slice(0, 100)}", not one of jaeger_thrift, otlp_proto, jaeger_proto` }
  }
  const reason = DECODE_REASON[encoding]
  if (record.value === null || record.value.length === 0) {
    return { ok: false, reason, message: 'the record has no value (tombstone or empty)' }
  }
  try {
    return { ok: true, encoding, ...decodeValue(encoding, record.value) }
  } catch (error) {
    return { ok: false, reason, message: (error as Error)?.message ?? describeError(error) }
  }
}
