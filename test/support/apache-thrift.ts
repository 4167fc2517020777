// SPDX-License-Identifier: Apache-2.0
// Apache Thrift's Node library (`thrift` 0.24.0): the independent reference
// for TCompactProtocol (and TBinaryProtocol) bytes. Its protocol writers and
// readers are driven by hand here, field by field as generated code would,
// with no IDL code generation.
import { Buffer } from 'node:buffer'
import { createRequire } from 'node:module'
import type { JaegerBatch, JaegerLog, JaegerProcess, JaegerSpan, JaegerSpanRef, JaegerTag } from '../../src/codec/thrift/index.ts'

const require = createRequire(import.meta.url)

// Apache's protocol objects are untyped JS; their methods are called by name, as generated code does.
export type Protocol = any

type TypeName = 'STOP' | 'BOOL' | 'BYTE' | 'DOUBLE' | 'I16' | 'I32' | 'I64' | 'STRING' | 'STRUCT' | 'MAP' | 'SET' | 'LIST' | 'UUID'

interface ApacheThrift {
  Thrift: { Type: Record<TypeName, number>; MessageType: Record<'CALL' | 'REPLY' | 'EXCEPTION' | 'ONEWAY', number> }
  TBufferedTransport: new (buffer?: unknown, onFlush?: (bytes: Uint8Array) => void) => Record<string, any>
  TCompactProtocol: new (transport: unknown) => Protocol
  TBinaryProtocol: new (transport: unknown) => Protocol
  fromBigInt(value: bigint): unknown
  toBigInt(value: unknown): bigint
}

export const apache = require('thrift') as ApacheThrift
export const T = apache.Thrift.Type
export const MessageType = apache.Thrift.MessageType

export type ApacheProtocol = 'compact' | 'binary'

/** Bytes written by `write` through Apache's `protocol` writer. */
export function apacheWrite(protocol: ApacheProtocol, write: (out: Protocol) => void): Uint8Array {
  let bytes: Uint8Array | undefined
  const transport = new apache.TBufferedTransport(undefined, (flushed) => (bytes = new Uint8Array(flushed)))
  const out = protocol === 'compact' ? new apache.TCompactProtocol(transport) : new apache.TBinaryProtocol(transport)
  write(out)
  transport.flush()
  if (bytes === undefined) throw new Error('the thrift transport flushed nothing')
  return bytes
}

/** Extra fields a struct writer adds: called after the known fields, before STOP. */
export type ExtraFields = (out: Protocol, struct: 'Tag' | 'Log' | 'SpanRef' | 'Span' | 'Process' | 'ClientStats' | 'Batch' | 'args') => void

export interface WriteOptions {
  /** Write each struct's known fields in reverse id order (compact: negative deltas, long-form headers). */
  reverse?: boolean
  extra?: ExtraFields
}

type FieldWriter = [id: number, write: () => void]

function writeStruct(out: Protocol, name: Parameters<ExtraFields>[1], fields: FieldWriter[], options: WriteOptions): void {
  out.writeStructBegin(name)
  for (const [, write] of options.reverse ? [...fields].reverse() : fields) write()
  options.extra?.(out, name)
  out.writeFieldStop()
  out.writeStructEnd()
}

function field(out: Protocol, name: string, type: number, id: number, value: () => void): FieldWriter {
  return [
    id,
    () => {
      out.writeFieldBegin(name, type, id)
      value()
      out.writeFieldEnd()
    },
  ]
}

function writeList<V>(out: Protocol, values: readonly V[], write: (value: V) => void): void {
  out.writeListBegin(T.STRUCT, values.length)
  for (const value of values) write(value)
  out.writeListEnd()
}

export function writeTag(out: Protocol, tag: JaegerTag, options: WriteOptions = {}): void {
  const fields = [field(out, 'key', T.STRING, 1, () => out.writeString(tag.key)), field(out, 'vType', T.I32, 2, () => out.writeI32(tag.vType))]
  if (tag.vStr !== undefined) fields.push(field(out, 'vStr', T.STRING, 3, () => out.writeString(tag.vStr)))
  if (tag.vDouble !== undefined) fields.push(field(out, 'vDouble', T.DOUBLE, 4, () => out.writeDouble(tag.vDouble)))
  if (tag.vBool !== undefined) fields.push(field(out, 'vBool', T.BOOL, 5, () => out.writeBool(tag.vBool)))
  if (tag.vLong !== undefined) fields.push(field(out, 'vLong', T.I64, 6, () => out.writeI64(apache.fromBigInt(tag.vLong!))))
  if (tag.vBinary !== undefined) fields.push(field(out, 'vBinary', T.STRING, 7, () => out.writeBinary(Buffer.from(tag.vBinary!))))
  writeStruct(out, 'Tag', fields, options)
}

function writeLog(out: Protocol, log: JaegerLog, options: WriteOptions): void {
  writeStruct(
    out,
    'Log',
    [
      field(out, 'timestamp', T.I64, 1, () => out.writeI64(apache.fromBigInt(log.timestamp))),
      field(out, 'fields', T.LIST, 2, () => writeList(out, log.fields, (tag) => writeTag(out, tag, options))),
    ],
    options,
  )
}

function writeSpanRef(out: Protocol, ref: JaegerSpanRef, options: WriteOptions): void {
  writeStruct(
    out,
    'SpanRef',
    [
      field(out, 'refType', T.I32, 1, () => out.writeI32(ref.refType)),
      field(out, 'traceIdLow', T.I64, 2, () => out.writeI64(apache.fromBigInt(ref.traceIdLow))),
      field(out, 'traceIdHigh', T.I64, 3, () => out.writeI64(apache.fromBigInt(ref.traceIdHigh))),
      field(out, 'spanId', T.I64, 4, () => out.writeI64(apache.fromBigInt(ref.spanId))),
    ],
    options,
  )
}

export function writeSpan(out: Protocol, span: JaegerSpan, options: WriteOptions = {}): void {
  const i64 = (name: string, id: number, value: bigint) => field(out, name, T.I64, id, () => out.writeI64(apache.fromBigInt(value)))
  const fields = [
    i64('traceIdLow', 1, span.traceIdLow),
    i64('traceIdHigh', 2, span.traceIdHigh),
    i64('spanId', 3, span.spanId),
    i64('parentSpanId', 4, span.parentSpanId),
    field(out, 'operationName', T.STRING, 5, () => out.writeString(span.operationName)),
  ]
  if (span.references !== undefined) {
    fields.push(field(out, 'references', T.LIST, 6, () => writeList(out, span.references!, (ref) => writeSpanRef(out, ref, options))))
  }
  fields.push(field(out, 'flags', T.I32, 7, () => out.writeI32(span.flags)), i64('startTime', 8, span.startTime), i64('duration', 9, span.duration))
  if (span.tags !== undefined) fields.push(field(out, 'tags', T.LIST, 10, () => writeList(out, span.tags!, (tag) => writeTag(out, tag, options))))
  if (span.logs !== undefined) fields.push(field(out, 'logs', T.LIST, 11, () => writeList(out, span.logs!, (log) => writeLog(out, log, options))))
  writeStruct(out, 'Span', fields, options)
}

function writeProcess(out: Protocol, process: JaegerProcess, options: WriteOptions): void {
  const fields = [field(out, 'serviceName', T.STRING, 1, () => out.writeString(process.serviceName))]
  if (process.tags !== undefined) fields.push(field(out, 'tags', T.LIST, 2, () => writeList(out, process.tags!, (tag) => writeTag(out, tag, options))))
  writeStruct(out, 'Process', fields, options)
}

export function writeBatch(out: Protocol, batch: JaegerBatch, options: WriteOptions = {}): void {
  const fields = [
    field(out, 'process', T.STRUCT, 1, () => writeProcess(out, batch.process, options)),
    field(out, 'spans', T.LIST, 2, () => writeList(out, batch.spans, (span) => writeSpan(out, span, options))),
  ]
  if (batch.seqNo !== undefined) fields.push(field(out, 'seqNo', T.I64, 3, () => out.writeI64(apache.fromBigInt(batch.seqNo!))))
  const stats = batch.stats
  if (stats !== undefined) {
    fields.push(
      field(out, 'stats', T.STRUCT, 4, () =>
        writeStruct(
          out,
          'ClientStats',
          [
            field(out, 'fullQueueDroppedSpans', T.I64, 1, () => out.writeI64(apache.fromBigInt(stats.fullQueueDroppedSpans))),
            field(out, 'tooLargeDroppedSpans', T.I64, 2, () => out.writeI64(apache.fromBigInt(stats.tooLargeDroppedSpans))),
            field(out, 'failedToEmitSpans', T.I64, 3, () => out.writeI64(apache.fromBigInt(stats.failedToEmitSpans))),
          ],
          options,
        ),
      ),
    )
  }
  writeStruct(out, 'Batch', fields, options)
}

export interface EmitBatchOptions extends WriteOptions {
  name?: string
  type?: number
  seqId?: number
}

/** A whole `Agent.emitBatch` message (envelope + args) as Apache Thrift writes it. */
export function apacheEmitBatch(protocol: ApacheProtocol, batch: JaegerBatch, options: EmitBatchOptions = {}): Uint8Array {
  return apacheWrite(protocol, (out) => {
    out.writeMessageBegin(options.name ?? 'emitBatch', options.type ?? MessageType.ONEWAY, options.seqId ?? 0)
    writeStruct(out, 'args', [field(out, 'batch', T.STRUCT, 1, () => writeBatch(out, batch, options))], options)
    out.writeMessageEnd()
  })
}

// ------------------------------------------------ reading (bench baseline) --

/** What Apache's generated JS code would build: plain objects, i64 as bigint. */
type Loose = Record<string, unknown>

function readStruct(input: Protocol, onField: (type: number, id: number) => boolean): void {
  input.readStructBegin()
  for (;;) {
    const { ftype, fid } = input.readFieldBegin()
    if (ftype === T.STOP) break
    if (!onField(ftype, fid)) input.skip(ftype)
    input.readFieldEnd()
  }
  input.readStructEnd()
}

function readList<V>(input: Protocol, read: () => V): V[] {
  const { size } = input.readListBegin()
  const values: V[] = []
  for (let i = 0; i < size; i++) values.push(read())
  input.readListEnd()
  return values
}

const i64 = (input: Protocol): bigint => apache.toBigInt(input.readI64())

function readTag(input: Protocol): Loose {
  const tag: Loose = {}
  readStruct(input, (type, id) => {
    if (id === 1 && type === T.STRING) tag.key = input.readString()
    else if (id === 2 && type === T.I32) tag.vType = input.readI32()
    else if (id === 3 && type === T.STRING) tag.vStr = input.readString()
    else if (id === 4 && type === T.DOUBLE) tag.vDouble = input.readDouble()
    else if (id === 5 && type === T.BOOL) tag.vBool = input.readBool()
    else if (id === 6 && type === T.I64) tag.vLong = i64(input)
    else if (id === 7 && type === T.STRING) tag.vBinary = input.readBinary()
    else return false
    return true
  })
  return tag
}

function readSpan(input: Protocol): Loose {
  const span: Loose = {}
  const names = ['', 'traceIdLow', 'traceIdHigh', 'spanId', 'parentSpanId', '', '', '', 'startTime', 'duration']
  readStruct(input, (type, id) => {
    if (type === T.I64 && names[id]) span[names[id]!] = i64(input)
    else if (id === 5 && type === T.STRING) span.operationName = input.readString()
    else if (id === 7 && type === T.I32) span.flags = input.readI32()
    else if (id === 6 && type === T.LIST) {
      span.references = readList(input, () => {
        const ref: Loose = {}
        readStruct(input, (refType, refId) => {
          if (refId === 1 && refType === T.I32) ref.refType = input.readI32()
          else if (refType === T.I64 && refId >= 2 && refId <= 4) ref[['traceIdLow', 'traceIdHigh', 'spanId'][refId - 2]!] = i64(input)
          else return false
          return true
        })
        return ref
      })
    } else if (id === 10 && type === T.LIST) span.tags = readList(input, () => readTag(input))
    else if (id === 11 && type === T.LIST) {
      span.logs = readList(input, () => {
        const log: Loose = {}
        readStruct(input, (logType, logId) => {
          if (logId === 1 && logType === T.I64) log.timestamp = i64(input)
          else if (logId === 2 && logType === T.LIST) log.fields = readList(input, () => readTag(input))
          else return false
          return true
        })
        return log
      })
    } else return false
    return true
  })
  return span
}

/** Decode an emitBatch message with Apache's protocol readers (the bench's baseline). */
export function apacheReadEmitBatch(protocol: ApacheProtocol, bytes: Uint8Array): Loose {
  const transport = new apache.TBufferedTransport()
  transport.inBuf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  transport.readCursor = 0
  transport.writeCursor = bytes.length
  const input = protocol === 'compact' ? new apache.TCompactProtocol(transport) : new apache.TBinaryProtocol(transport)
  const message = input.readMessageBegin()
  if (message.fname !== 'emitBatch') throw new Error(`not emitBatch: ${message.fname}`)
  const batch: Loose = {}
  readStruct(input, (argType, argId) => {
    if (argId !== 1 || argType !== T.STRUCT) return false
    readStruct(input, (type, id) => {
      if (id === 1 && type === T.STRUCT) {
        const process: Loose = {}
        readStruct(input, (pType, pId) => {
          if (pId === 1 && pType === T.STRING) process.serviceName = input.readString()
          else if (pId === 2 && pType === T.LIST) process.tags = readList(input, () => readTag(input))
          else return false
          return true
        })
        batch.process = process
      } else if (id === 2 && type === T.LIST) batch.spans = readList(input, () => readSpan(input))
      else return false
      return true
    })
    return true
  })
  input.readMessageEnd()
  return batch
}
