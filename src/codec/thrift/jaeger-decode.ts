// SPDX-License-Identifier: Apache-2.0
/**
 * jaeger.thrift decoder into the plain types of `jaeger-types.ts`, over a
 * `ThriftReader` (TBinaryProtocol here; TCompactProtocol for agent datagrams).
 * Like thriftrw it takes fields in any order, skips unknown field ids of any
 * valid type, enforces required fields, and rejects a known
 * field id with the wrong wire type or an enum value outside the IDL. Every
 * failure is a `JaegerKafkaError` with code `THRIFT_DECODE`.
 * @module
 */
import { BinaryReader } from './binary-reader.ts'
import { TType } from './binary-writer.ts'
import { decodeError, typeName } from './thrift-cursor.ts'
import type { ThriftReader } from './thrift-reader.ts'
import type {
  ClientStats,
  JaegerBatch,
  JaegerLog,
  JaegerProcess,
  JaegerSpan,
  JaegerSpanRef,
  JaegerTag,
  SpanRefType,
  TagType,
} from './jaeger-types.ts'

type FieldSpec = readonly [name: string, type: TType, presence: 'required' | 'optional']

interface StructSpec {
  readonly name: string
  readonly fields: Readonly<Record<number, FieldSpec>>
  /** Bit mask (1 << id) of the required field ids. */
  readonly required: number
}

function spec(name: string, fields: Record<number, FieldSpec>): StructSpec {
  let required = 0
  for (const [id, field] of Object.entries(fields)) if (field[2] === 'required') required |= 1 << Number(id)
  return { name, fields, required }
}

const TAG = spec('Tag', {
  1: ['key', TType.STRING, 'required'],
  2: ['vType', TType.I32, 'required'],
  3: ['vStr', TType.STRING, 'optional'],
  4: ['vDouble', TType.DOUBLE, 'optional'],
  5: ['vBool', TType.BOOL, 'optional'],
  6: ['vLong', TType.I64, 'optional'],
  7: ['vBinary', TType.STRING, 'optional'],
})
const LOG = spec('Log', {
  1: ['timestamp', TType.I64, 'required'],
  2: ['fields', TType.LIST, 'required'],
})
const SPAN_REF = spec('SpanRef', {
  1: ['refType', TType.I32, 'required'],
  2: ['traceIdLow', TType.I64, 'required'],
  3: ['traceIdHigh', TType.I64, 'required'],
  4: ['spanId', TType.I64, 'required'],
})
const SPAN = spec('Span', {
  1: ['traceIdLow', TType.I64, 'required'],
  2: ['traceIdHigh', TType.I64, 'required'],
  3: ['spanId', TType.I64, 'required'],
  4: ['parentSpanId', TType.I64, 'required'],
  5: ['operationName', TType.STRING, 'required'],
  6: ['references', TType.LIST, 'optional'],
  7: ['flags', TType.I32, 'required'],
  8: ['startTime', TType.I64, 'required'],
  9: ['duration', TType.I64, 'required'],
  10: ['tags', TType.LIST, 'optional'],
  11: ['logs', TType.LIST, 'optional'],
})
const PROCESS = spec('Process', {
  1: ['serviceName', TType.STRING, 'required'],
  2: ['tags', TType.LIST, 'optional'],
})
const CLIENT_STATS = spec('ClientStats', {
  1: ['fullQueueDroppedSpans', TType.I64, 'required'],
  2: ['tooLargeDroppedSpans', TType.I64, 'required'],
  3: ['failedToEmitSpans', TType.I64, 'required'],
})
const BATCH = spec('Batch', {
  1: ['process', TType.STRUCT, 'required'],
  2: ['spans', TType.LIST, 'required'],
  3: ['seqNo', TType.I64, 'optional'],
  4: ['stats', TType.STRUCT, 'optional'],
})

/**
 * True when `id` is a field of `struct` (and then `type` must be its wire type);
 * false for an unknown id, whose value the caller skips.
 */
function isKnownField(struct: StructSpec, id: number, type: number): boolean {
  const field = struct.fields[id]
  if (field === undefined) return false
  if (field[1] !== type) {
    decodeError(`${struct.name} field ${id} (${field[0]}) is ${typeName(type)}, expected ${typeName(field[1])}`)
  }
  return true
}

function checkRequired(struct: StructSpec, seen: number): void {
  if ((seen & struct.required) === struct.required) return
  const missing = Object.entries(struct.fields)
    .filter(([id]) => (struct.required & ~seen & (1 << Number(id))) !== 0)
    .map(([id, field]) => `${id} (${field[0]})`)
  decodeError(`${struct.name} is missing required field${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`)
}

/** Read a Tag; with `keep` false it is validated only and undefined is returned. */
function readTag(reader: ThriftReader, keep: boolean): JaegerTag | undefined {
  let seen = 0
  let key = ''
  let vType = 0
  let vStr: string | undefined
  let vDouble: number | undefined
  let vBool: boolean | undefined
  let vLong: bigint | undefined
  let vBinary: Uint8Array | undefined
  let id = 0
  for (let type = reader.fieldBegin(id); type !== TType.STOP; type = reader.fieldBegin(id)) {
    id = reader.fieldId
    if (!isKnownField(TAG, id, type)) {
      reader.skip(type)
      continue
    }
    seen |= 1 << id
    switch (id) {
      case 1:
        if (keep) key = reader.string()
        else reader.skipString()
        break
      case 2:
        vType = reader.i32()
        if (vType < 0 || vType > 4) decodeError(`Tag vType ${vType} is not a TagType`)
        break
      case 3:
        if (keep) vStr = reader.string()
        else reader.skipString()
        break
      case 4:
        vDouble = reader.double()
        break
      case 5:
        vBool = reader.bool()
        break
      case 6:
        vLong = reader.i64()
        break
      case 7:
        if (keep) vBinary = reader.binary()
        else reader.skipString()
        break
    }
  }
  checkRequired(TAG, seen)
  if (!keep) return undefined
  const tag: JaegerTag = { key, vType: vType as TagType }
  if (vStr !== undefined) tag.vStr = vStr
  if (vDouble !== undefined) tag.vDouble = vDouble
  if (vBool !== undefined) tag.vBool = vBool
  if (vLong !== undefined) tag.vLong = vLong
  if (vBinary !== undefined) tag.vBinary = vBinary
  return tag
}

/** Read a list<Tag>; with `keep` false the tags are validated only and the list is empty. */
function readTags(reader: ThriftReader, what: string, keep: boolean): JaegerTag[] {
  const size = reader.list(TType.STRUCT, what)
  const tags: JaegerTag[] = []
  for (let i = 0; i < size; i++) {
    const tag = readTag(reader, keep)
    if (tag !== undefined) tags.push(tag)
  }
  return tags
}

function readLog(reader: ThriftReader, keep: boolean): JaegerLog {
  let seen = 0
  let timestamp = 0n
  let fields: JaegerTag[] = []
  let id = 0
  for (let type = reader.fieldBegin(id); type !== TType.STOP; type = reader.fieldBegin(id)) {
    id = reader.fieldId
    if (!isKnownField(LOG, id, type)) {
      reader.skip(type)
      continue
    }
    seen |= 1 << id
    if (id === 1) timestamp = reader.i64()
    else fields = readTags(reader, 'Log.fields', keep)
  }
  checkRequired(LOG, seen)
  return { timestamp, fields }
}

function readSpanRef(reader: ThriftReader): JaegerSpanRef {
  let seen = 0
  let refType = 0
  let traceIdLow = 0n
  let traceIdHigh = 0n
  let spanId = 0n
  let id = 0
  for (let type = reader.fieldBegin(id); type !== TType.STOP; type = reader.fieldBegin(id)) {
    id = reader.fieldId
    if (!isKnownField(SPAN_REF, id, type)) {
      reader.skip(type)
      continue
    }
    seen |= 1 << id
    switch (id) {
      case 1:
        refType = reader.i32()
        if (refType !== 0 && refType !== 1) decodeError(`SpanRef refType ${refType} is not a SpanRefType`)
        break
      case 2:
        traceIdLow = reader.i64()
        break
      case 3:
        traceIdHigh = reader.i64()
        break
      case 4:
        spanId = reader.i64()
        break
    }
  }
  checkRequired(SPAN_REF, seen)
  return { refType: refType as SpanRefType, traceIdLow, traceIdHigh, spanId }
}

/** Read a Span; with `keep` false its tags and logs are validated but not materialised. */
function readSpan(reader: ThriftReader, keep: boolean): JaegerSpan {
  let seen = 0
  let traceIdLow = 0n
  let traceIdHigh = 0n
  let spanId = 0n
  let parentSpanId = 0n
  let operationName = ''
  let references: JaegerSpanRef[] | undefined
  let flags = 0
  let startTime = 0n
  let duration = 0n
  let tags: JaegerTag[] | undefined
  let logs: JaegerLog[] | undefined
  let id = 0
  for (let type = reader.fieldBegin(id); type !== TType.STOP; type = reader.fieldBegin(id)) {
    id = reader.fieldId
    if (!isKnownField(SPAN, id, type)) {
      reader.skip(type)
      continue
    }
    seen |= 1 << id
    switch (id) {
      case 1:
        traceIdLow = reader.i64()
        break
      case 2:
        traceIdHigh = reader.i64()
        break
      case 3:
        spanId = reader.i64()
        break
      case 4:
        parentSpanId = reader.i64()
        break
      case 5:
        operationName = reader.string()
        break
      case 6: {
        const size = reader.list(TType.STRUCT, 'Span.references')
        references = []
        for (let i = 0; i < size; i++) references.push(readSpanRef(reader))
        break
      }
      case 7:
        flags = reader.i32()
        break
      case 8:
        startTime = reader.i64()
        break
      case 9:
        duration = reader.i64()
        break
      case 10:
        tags = readTags(reader, 'Span.tags', keep)
        break
      case 11: {
        const size = reader.list(TType.STRUCT, 'Span.logs')
        logs = []
        for (let i = 0; i < size; i++) logs.push(readLog(reader, keep))
        break
      }
    }
  }
  checkRequired(SPAN, seen)
  const span: JaegerSpan = { traceIdLow, traceIdHigh, spanId, parentSpanId, operationName, flags, startTime, duration }
  if (references !== undefined) span.references = references
  if (tags !== undefined) span.tags = tags
  if (logs !== undefined) span.logs = logs
  return span
}

function readProcess(reader: ThriftReader, keep: boolean): JaegerProcess {
  let seen = 0
  let serviceName = ''
  let tags: JaegerTag[] | undefined
  let id = 0
  for (let type = reader.fieldBegin(id); type !== TType.STOP; type = reader.fieldBegin(id)) {
    id = reader.fieldId
    if (!isKnownField(PROCESS, id, type)) {
      reader.skip(type)
      continue
    }
    seen |= 1 << id
    if (id === 1) serviceName = reader.string()
    else tags = readTags(reader, 'Process.tags', keep)
  }
  checkRequired(PROCESS, seen)
  const process: JaegerProcess = { serviceName }
  if (tags !== undefined) process.tags = tags
  return process
}

function readClientStats(reader: ThriftReader): ClientStats {
  let seen = 0
  let fullQueueDroppedSpans = 0n
  let tooLargeDroppedSpans = 0n
  let failedToEmitSpans = 0n
  let id = 0
  for (let type = reader.fieldBegin(id); type !== TType.STOP; type = reader.fieldBegin(id)) {
    id = reader.fieldId
    if (!isKnownField(CLIENT_STATS, id, type)) {
      reader.skip(type)
      continue
    }
    seen |= 1 << id
    const value = reader.i64()
    if (id === 1) fullQueueDroppedSpans = value
    else if (id === 2) tooLargeDroppedSpans = value
    else failedToEmitSpans = value
  }
  checkRequired(CLIENT_STATS, seen)
  return { fullQueueDroppedSpans, tooLargeDroppedSpans, failedToEmitSpans }
}

/**
 * Where readBatch() found a Batch's structs, as `reader.remaining` counts:
 * the Process from `process[0]` to `process[1]`, span i from `spans[i]` to
 * `spans[i + 1]` (the last field of each kind counts, as in the decoded Batch).
 */
export interface StructBounds {
  process: [number, number]
  spans: number[]
}

/**
 * A Batch received in Thrift binary, validated like decodeBatch() and kept as
 * the bytes of its Process and Span structs (views of the input), so a
 * jaeger_thrift record can take them as they are: no decode into objects, no
 * re-encode (`KafkaSender.sendThriftBatch()`).
 */
export interface ThriftBatchParts {
  /** The Batch's `Process` struct, Thrift binary. */
  process: Uint8Array
  /** Each `Span` struct of the Batch, Thrift binary, in order. */
  spans: Uint8Array[]
}

/**
 * Read a Batch struct from `reader` (either protocol); with `keep` false its
 * tags and logs are validated but not materialised. With `bounds` it also
 * records where its structs lie. Does not check for trailing bytes: the
 * caller knows what may follow.
 */
export function readBatch(reader: ThriftReader, keep: boolean, bounds?: StructBounds): JaegerBatch {
  let seen = 0
  let process: JaegerProcess = { serviceName: '' }
  let spans: JaegerSpan[] = []
  let seqNo: bigint | undefined
  let stats: ClientStats | undefined
  let id = 0
  for (let type = reader.fieldBegin(id); type !== TType.STOP; type = reader.fieldBegin(id)) {
    id = reader.fieldId
    if (!isKnownField(BATCH, id, type)) {
      reader.skip(type)
      continue
    }
    seen |= 1 << id
    switch (id) {
      case 1:
        if (bounds) bounds.process[0] = reader.remaining
        process = readProcess(reader, keep)
        if (bounds) bounds.process[1] = reader.remaining
        break
      case 2: {
        const size = reader.list(TType.STRUCT, 'Batch.spans')
        spans = []
        if (bounds) bounds.spans = []
        for (let i = 0; i < size; i++) {
          bounds?.spans.push(reader.remaining)
          spans.push(readSpan(reader, keep))
        }
        bounds?.spans.push(reader.remaining)
        break
      }
      case 3:
        seqNo = reader.i64()
        break
      case 4:
        stats = readClientStats(reader)
        break
    }
  }
  checkRequired(BATCH, seen)
  const batch: JaegerBatch = { process, spans }
  if (seqNo !== undefined) batch.seqNo = seqNo
  if (stats !== undefined) batch.stats = stats
  return batch
}

/** Refuse bytes after the last struct of the input. */
export function checkEnd(reader: ThriftReader, struct: string): void {
  if (reader.remaining !== 0) decodeError(`${reader.remaining} trailing bytes after the ${struct}`)
}

/**
 * Decode a bare `Batch` struct (a span-topic record, a `POST /api/traces`
 * body). Throws `JaegerKafkaError` `THRIFT_DECODE` for anything that is not
 * exactly one valid Batch, trailing bytes included.
 */
export function decodeBatch(bytes: Uint8Array): JaegerBatch {
  const reader = new BinaryReader(bytes)
  const batch = readBatch(reader, true)
  checkEnd(reader, 'Batch')
  return batch
}

/**
 * Validate the Batch `reader` (TBinaryProtocol over `bytes`) is at, exactly
 * as decodeBatch() does but without materialising tags and logs, and return
 * its Process and Span structs as views of `bytes`. The caller checks what
 * may follow the Batch.
 */
export function readBatchParts(bytes: Uint8Array, reader: BinaryReader): ThriftBatchParts {
  const bounds: StructBounds = { process: [0, 0], spans: [] }
  readBatch(reader, false, bounds)
  const at = (remaining: number): number => bytes.length - remaining
  const spans: Uint8Array[] = []
  for (let i = 0; i + 1 < bounds.spans.length; i++) spans.push(bytes.subarray(at(bounds.spans[i] as number), at(bounds.spans[i + 1] as number)))
  return { process: bytes.subarray(at(bounds.process[0]), at(bounds.process[1])), spans }
}

/** sliceBatch(): decodeBatch() for a bare Batch, returning its structs' bytes (ThriftBatchParts). */
export function sliceBatch(bytes: Uint8Array): ThriftBatchParts {
  const reader = new BinaryReader(bytes)
  const parts = readBatchParts(bytes, reader)
  checkEnd(reader, 'Batch')
  return parts
}

/** Decode one complete `Process` struct (as encodeProcess() writes it); throws `THRIFT_DECODE`. */
export function decodeProcess(bytes: Uint8Array): JaegerProcess {
  const reader = new BinaryReader(bytes)
  const process = readProcess(reader, true)
  checkEnd(reader, 'Process')
  return process
}

/** Decode one complete `Span` struct (as encodeSpan() writes it); throws `THRIFT_DECODE`. */
export function decodeSpan(bytes: Uint8Array): JaegerSpan {
  const reader = new BinaryReader(bytes)
  const span = readSpan(reader, true)
  checkEnd(reader, 'Span')
  return span
}

/** What summarizeBatch() reports about a Batch. */
export interface BatchSummary {
  serviceName: string
  spanCount: number
  /** Distinct trace ids (traceIdHex()) in order of first appearance. */
  traceIds: string[]
}

/**
 * Validate a Batch exactly as decodeBatch() does, without materialising tags
 * and logs, and report its service, span count and trace ids.
 */
export function summarizeBatch(bytes: Uint8Array): BatchSummary {
  const reader = new BinaryReader(bytes)
  const batch = readBatch(reader, false)
  checkEnd(reader, 'Batch')
  const traceIds = new Set<string>()
  for (const span of batch.spans) traceIds.add(traceIdHex(span.traceIdHigh, span.traceIdLow))
  return { serviceName: batch.process.serviceName, spanCount: batch.spans.length, traceIds: [...traceIds] }
}

/**
 * A trace id as Jaeger prints it: lowercase unsigned hex, 16 digits when
 * `high` is 0, else 32.
 */
export function traceIdHex(high: bigint, low: bigint): string {
  const lowHex = BigInt.asUintN(64, low).toString(16).padStart(16, '0')
  return high === 0n ? lowHex : BigInt.asUintN(64, high).toString(16).padStart(16, '0') + lowHex
}
