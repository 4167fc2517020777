// SPDX-License-Identifier: Apache-2.0
/**
 * OTLP `TracesData` / `ExportTraceServiceRequest` decoder (for `inspect` and
 * the forwarder): any valid OTLP trace payload, not only ours. Unknown fields
 * are skipped; malformed bytes are a PROTOBUF_DECODE error. Field numbers are
 * in the comments of `otlp-encode.ts`; the messages we never write (ArrayValue,
 * KeyValueList, InstrumentationScope) are noted here.
 * @module
 */
import { WireType } from '../protobuf/proto-writer.ts'
import { ProtoReader, decodeProto, protoDecodeError } from '../protobuf/proto-reader.ts'
import type {
  OtlpAnyValue,
  OtlpEvent,
  OtlpKeyValue,
  OtlpLink,
  OtlpResource,
  OtlpResourceSpans,
  OtlpScope,
  OtlpScopeSpans,
  OtlpSpan,
  OtlpStatus,
  OtlpTracesData,
} from './otlp-types.ts'

const EMPTY = new Uint8Array(0)

/** An id field: empty (absent) or exactly `size` bytes, copied. */
function readId(reader: ProtoReader, key: number, size: number, what: string): Uint8Array {
  reader.expect(key, WireType.LEN, what)
  const bytes = reader.bytesField()
  if (bytes.length !== 0 && bytes.length !== size) throw protoDecodeError(`${what} is ${bytes.length} bytes, expected ${size}`)
  return bytes
}

/** message ArrayValue { repeated AnyValue values = 1; } */
function readArrayValue(reader: ProtoReader): OtlpAnyValue[] {
  const values: OtlpAnyValue[] = []
  while (reader.more()) {
    const key = reader.key()
    if (key >>> 3 === 1) {
      reader.expect(key, WireType.LEN, 'ArrayValue.values')
      values.push(readAnyValue(reader.message('AnyValue')))
    } else reader.skip(key)
  }
  return values
}

/** message KeyValueList { repeated KeyValue values = 1; } */
function readKeyValueList(reader: ProtoReader): OtlpKeyValue[] {
  const values: OtlpKeyValue[] = []
  while (reader.more()) {
    const key = reader.key()
    if (key >>> 3 === 1) {
      reader.expect(key, WireType.LEN, 'KeyValueList.values')
      values.push(readKeyValue(reader.message('KeyValue')))
    } else reader.skip(key)
  }
  return values
}

function readAnyValue(reader: ProtoReader): OtlpAnyValue {
  // A oneof: the last field read wins, as in protobuf.
  let value: OtlpAnyValue = { type: 'empty' }
  while (reader.more()) {
    const key = reader.key()
    switch (key >>> 3) {
      case 1: reader.expect(key, WireType.LEN, 'AnyValue.string_value'); value = { type: 'string', value: reader.string() }; break
      case 2: reader.expect(key, WireType.VARINT, 'AnyValue.bool_value'); value = { type: 'bool', value: reader.bool() }; break
      case 3: reader.expect(key, WireType.VARINT, 'AnyValue.int_value'); value = { type: 'int', value: reader.int64() }; break
      case 4: reader.expect(key, WireType.FIXED64, 'AnyValue.double_value'); value = { type: 'double', value: reader.double() }; break
      case 5: reader.expect(key, WireType.LEN, 'AnyValue.array_value'); value = { type: 'array', value: readArrayValue(reader.message('ArrayValue')) }; break
      case 6: reader.expect(key, WireType.LEN, 'AnyValue.kvlist_value'); value = { type: 'kvlist', value: readKeyValueList(reader.message('KeyValueList')) }; break
      case 7: reader.expect(key, WireType.LEN, 'AnyValue.bytes_value'); value = { type: 'bytes', value: reader.bytesField() }; break
      default: reader.skip(key)
    }
  }
  return value
}

function readKeyValue(reader: ProtoReader): OtlpKeyValue {
  const kv: OtlpKeyValue = { key: '', value: { type: 'empty' } }
  while (reader.more()) {
    const key = reader.key()
    switch (key >>> 3) {
      case 1: reader.expect(key, WireType.LEN, 'KeyValue.key'); kv.key = reader.string(); break
      case 2: reader.expect(key, WireType.LEN, 'KeyValue.value'); kv.value = readAnyValue(reader.message('AnyValue')); break
      default: reader.skip(key)
    }
  }
  return kv
}

function attribute(reader: ProtoReader, key: number, what: string): OtlpKeyValue {
  reader.expect(key, WireType.LEN, what)
  return readKeyValue(reader.message('KeyValue'))
}

function uint32(reader: ProtoReader, key: number, what: string): number {
  reader.expect(key, WireType.VARINT, what)
  return Number(BigInt.asUintN(32, reader.varint64()))
}

function readEvent(reader: ProtoReader): OtlpEvent {
  const event: OtlpEvent = { timeUnixNano: 0n, name: '', attributes: [], droppedAttributesCount: 0 }
  while (reader.more()) {
    const key = reader.key()
    switch (key >>> 3) {
      case 1: reader.expect(key, WireType.FIXED64, 'Event.time_unix_nano'); event.timeUnixNano = reader.fixed64(); break
      case 2: reader.expect(key, WireType.LEN, 'Event.name'); event.name = reader.string(); break
      case 3: event.attributes.push(attribute(reader, key, 'Event.attributes')); break
      case 4: event.droppedAttributesCount = uint32(reader, key, 'Event.dropped_attributes_count'); break
      default: reader.skip(key)
    }
  }
  return event
}

function readLink(reader: ProtoReader): OtlpLink {
  const link: OtlpLink = { traceId: EMPTY, spanId: EMPTY, traceState: '', attributes: [], droppedAttributesCount: 0, flags: 0 }
  while (reader.more()) {
    const key = reader.key()
    switch (key >>> 3) {
      case 1: link.traceId = readId(reader, key, 16, 'Link.trace_id'); break
      case 2: link.spanId = readId(reader, key, 8, 'Link.span_id'); break
      case 3: reader.expect(key, WireType.LEN, 'Link.trace_state'); link.traceState = reader.string(); break
      case 4: link.attributes.push(attribute(reader, key, 'Link.attributes')); break
      case 5: link.droppedAttributesCount = uint32(reader, key, 'Link.dropped_attributes_count'); break
      case 6: reader.expect(key, WireType.FIXED32, 'Link.flags'); link.flags = reader.fixed32(); break
      default: reader.skip(key)
    }
  }
  return link
}

function readStatus(reader: ProtoReader): OtlpStatus {
  const status: OtlpStatus = { message: '', code: 0 }
  while (reader.more()) {
    const key = reader.key()
    switch (key >>> 3) {
      case 2: reader.expect(key, WireType.LEN, 'Status.message'); status.message = reader.string(); break
      case 3: reader.expect(key, WireType.VARINT, 'Status.code'); status.code = Number(BigInt.asIntN(32, reader.varint64())); break
      default: reader.skip(key)
    }
  }
  return status
}

function readSpan(reader: ProtoReader): OtlpSpan {
  const span: OtlpSpan = {
    traceId: EMPTY, spanId: EMPTY, traceState: '', parentSpanId: EMPTY, flags: 0, name: '', kind: 0,
    startTimeUnixNano: 0n, endTimeUnixNano: 0n, attributes: [], droppedAttributesCount: 0,
    events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0,
  }
  while (reader.more()) {
    const key = reader.key()
    switch (key >>> 3) {
      case 1: span.traceId = readId(reader, key, 16, 'Span.trace_id'); break
      case 2: span.spanId = readId(reader, key, 8, 'Span.span_id'); break
      case 3: reader.expect(key, WireType.LEN, 'Span.trace_state'); span.traceState = reader.string(); break
      case 4: span.parentSpanId = readId(reader, key, 8, 'Span.parent_span_id'); break
      case 5: reader.expect(key, WireType.LEN, 'Span.name'); span.name = reader.string(); break
      case 6: reader.expect(key, WireType.VARINT, 'Span.kind'); span.kind = Number(BigInt.asIntN(32, reader.varint64())); break
      case 7: reader.expect(key, WireType.FIXED64, 'Span.start_time_unix_nano'); span.startTimeUnixNano = reader.fixed64(); break
      case 8: reader.expect(key, WireType.FIXED64, 'Span.end_time_unix_nano'); span.endTimeUnixNano = reader.fixed64(); break
      case 9: span.attributes.push(attribute(reader, key, 'Span.attributes')); break
      case 10: span.droppedAttributesCount = uint32(reader, key, 'Span.dropped_attributes_count'); break
      case 11: reader.expect(key, WireType.LEN, 'Span.events'); span.events.push(readEvent(reader.message('Event'))); break
      case 12: span.droppedEventsCount = uint32(reader, key, 'Span.dropped_events_count'); break
      case 13: reader.expect(key, WireType.LEN, 'Span.links'); span.links.push(readLink(reader.message('Link'))); break
      case 14: span.droppedLinksCount = uint32(reader, key, 'Span.dropped_links_count'); break
      case 15: reader.expect(key, WireType.LEN, 'Span.status'); span.status = readStatus(reader.message('Status')); break
      case 16: reader.expect(key, WireType.FIXED32, 'Span.flags'); span.flags = reader.fixed32(); break
      default: reader.skip(key)
    }
  }
  return span
}

/** message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; } */
function readScope(reader: ProtoReader): OtlpScope {
  const scope: OtlpScope = { name: '', version: '', attributes: [], droppedAttributesCount: 0 }
  while (reader.more()) {
    const key = reader.key()
    switch (key >>> 3) {
      case 1: reader.expect(key, WireType.LEN, 'InstrumentationScope.name'); scope.name = reader.string(); break
      case 2: reader.expect(key, WireType.LEN, 'InstrumentationScope.version'); scope.version = reader.string(); break
      case 3: scope.attributes.push(attribute(reader, key, 'InstrumentationScope.attributes')); break
      case 4: scope.droppedAttributesCount = uint32(reader, key, 'InstrumentationScope.dropped_attributes_count'); break
      default: reader.skip(key)
    }
  }
  return scope
}

function readScopeSpans(reader: ProtoReader): OtlpScopeSpans {
  const scopeSpans: OtlpScopeSpans = { spans: [], schemaUrl: '' }
  while (reader.more()) {
    const key = reader.key()
    switch (key >>> 3) {
      case 1: reader.expect(key, WireType.LEN, 'ScopeSpans.scope'); scopeSpans.scope = readScope(reader.message('InstrumentationScope')); break
      case 2: reader.expect(key, WireType.LEN, 'ScopeSpans.spans'); scopeSpans.spans.push(readSpan(reader.message('Span'))); break
      case 3: reader.expect(key, WireType.LEN, 'ScopeSpans.schema_url'); scopeSpans.schemaUrl = reader.string(); break
      default: reader.skip(key)
    }
  }
  return scopeSpans
}

function readResource(reader: ProtoReader): OtlpResource {
  const resource: OtlpResource = { attributes: [], droppedAttributesCount: 0 }
  while (reader.more()) {
    const key = reader.key()
    switch (key >>> 3) {
      case 1: resource.attributes.push(attribute(reader, key, 'Resource.attributes')); break
      case 2: resource.droppedAttributesCount = uint32(reader, key, 'Resource.dropped_attributes_count'); break
      default: reader.skip(key)
    }
  }
  return resource
}

function readResourceSpans(reader: ProtoReader): OtlpResourceSpans {
  const resourceSpans: OtlpResourceSpans = { scopeSpans: [], schemaUrl: '' }
  while (reader.more()) {
    const key = reader.key()
    switch (key >>> 3) {
      case 1: reader.expect(key, WireType.LEN, 'ResourceSpans.resource'); resourceSpans.resource = readResource(reader.message('Resource')); break
      case 2: reader.expect(key, WireType.LEN, 'ResourceSpans.scope_spans'); resourceSpans.scopeSpans.push(readScopeSpans(reader.message('ScopeSpans'))); break
      case 3: reader.expect(key, WireType.LEN, 'ResourceSpans.schema_url'); resourceSpans.schemaUrl = reader.string(); break
      default: reader.skip(key)
    }
  }
  return resourceSpans
}

/** Decode one OTLP `TracesData` / `ExportTraceServiceRequest`. Throws PROTOBUF_DECODE for malformed bytes. */
export function decodeOtlpTraces(bytes: Uint8Array): OtlpTracesData {
  return decodeProto(bytes, 'OTLP TracesData', (reader) => {
    const data: OtlpTracesData = { resourceSpans: [] }
    while (reader.more()) {
      const key = reader.key()
      if (key >>> 3 === 1) {
        reader.expect(key, WireType.LEN, 'TracesData.resource_spans')
        data.resourceSpans.push(readResourceSpans(reader.message('ResourceSpans')))
      } else reader.skip(key)
    }
    return data
  })
}
