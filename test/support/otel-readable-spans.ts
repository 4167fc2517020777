// SPDX-License-Identifier: Apache-2.0
// The OTel SDK's model of spans we wrote as OTLP: ReadableSpans (what
// @opentelemetry/otlp-transformer's ProtobufTraceSerializer takes) built from
// our decoded OTLP, for the SDK cross-check test and the OTLP encode benchmark.
// Only what the SDK can express is kept (sdkSubset).
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import type { OtlpAnyValue, OtlpKeyValue, OtlpSpan, OtlpTracesData } from '../../src/codec/otlp/index.ts'
import { bytesToHex } from './protobuf-views.ts'

function hrTime(nanos: bigint): [number, number] {
  return [Number(nanos / 1_000_000_000n), Number(nanos % 1_000_000_000n)]
}

/** What an SDK attribute can hold: an int only within the safe range, a double only when not integral (else the SDK writes an int). */
function sdkExpressible(kv: OtlpKeyValue): boolean {
  const value: OtlpAnyValue = kv.value
  if (value.type === 'int') return value.value >= BigInt(Number.MIN_SAFE_INTEGER) && value.value <= BigInt(Number.MAX_SAFE_INTEGER)
  if (value.type === 'double') return !Number.isInteger(value.value)
  return value.type === 'string' || value.type === 'bool' || value.type === 'bytes'
}

function sdkAttributes(kvs: readonly OtlpKeyValue[]): Record<string, unknown> {
  return Object.fromEntries(kvs.map((kv) => [kv.key, kv.value.type === 'int' ? Number(kv.value.value) : (kv.value as { value: unknown }).value]))
}

/** Our decoded spans with only what the SDK model can express. */
export function sdkSubset(data: OtlpTracesData): OtlpTracesData {
  const keep = (kvs: OtlpKeyValue[]) => kvs.filter(sdkExpressible)
  return {
    resourceSpans: data.resourceSpans.map((rs) => ({
      ...rs,
      resource: { attributes: keep(rs.resource!.attributes), droppedAttributesCount: 0 },
      scopeSpans: rs.scopeSpans.map((ss) => ({
        ...ss,
        spans: ss.spans.map((span): OtlpSpan => ({
          ...span,
          attributes: keep(span.attributes),
          events: span.events.map((event) => ({ ...event, attributes: keep(event.attributes) })),
          links: span.links.map((link) => ({ ...link, attributes: keep(link.attributes) })),
        })),
      })),
    })),
  }
}

export function toReadableSpans(data: OtlpTracesData): ReadableSpan[] {
  const rs = data.resourceSpans[0]!
  const resource = { attributes: sdkAttributes(rs.resource!.attributes) }
  // The serializer groups spans by resource and scope identity: one of each, as in an SDK.
  const instrumentationScope = { name: '' }
  return rs.scopeSpans[0]!.spans.map((span) => {
    const traceId = bytesToHex(span.traceId)
    const spanContext = { traceId, spanId: bytesToHex(span.spanId), traceFlags: span.flags & 0xff }
    return {
      name: span.name,
      kind: span.kind === 0 ? undefined : span.kind - 1,
      spanContext: () => spanContext,
      parentSpanContext: span.parentSpanId.length === 0 ? undefined : { traceId, spanId: bytesToHex(span.parentSpanId), traceFlags: 1 },
      startTime: hrTime(span.startTimeUnixNano),
      endTime: hrTime(span.endTimeUnixNano),
      status: { code: span.status?.code ?? 0, message: span.status?.message || undefined },
      attributes: sdkAttributes(span.attributes),
      links: span.links.map((link) => ({ context: { traceId: bytesToHex(link.traceId), spanId: bytesToHex(link.spanId), traceFlags: 0 }, attributes: sdkAttributes(link.attributes), droppedAttributesCount: 0 })),
      events: span.events.map((event) => ({ name: event.name, time: hrTime(event.timeUnixNano), attributes: sdkAttributes(event.attributes), droppedAttributesCount: 0 })),
      duration: hrTime(span.endTimeUnixNano - span.startTimeUnixNano),
      ended: true,
      resource,
      instrumentationScope,
      droppedAttributesCount: 0,
      droppedEventsCount: 0,
      droppedLinksCount: 0,
    } as unknown as ReadableSpan
  })
}

