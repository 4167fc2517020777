// SPDX-License-Identifier: Apache-2.0
/**
 * Bounds-checked TCompactProtocol reader (apache/thrift
 * doc/specs/thrift-compact-protocol.md), as strict as `BinaryReader`: every
 * read checks the bytes left first, lengths and collection sizes are checked
 * against the bytes left before anything is allocated or looped over, varints
 * longer than their type allows (or carrying bits above it) are refused, and
 * skipping unknown fields is depth-limited, so hostile input costs O(input)
 * time and memory. Every failure is a `JaegerKafkaError` `THRIFT_DECODE`.
 *
 * Wire types are reported as TBinaryProtocol `TType` ids (see `thrift-reader.ts`).
 * @module
 */
import { TType } from './binary-writer.ts'
import { ThriftCursor, decodeError, typeName } from './thrift-cursor.ts'
import type { MessageHeader, ThriftReader } from './thrift-reader.ts'

/** The first byte of every compact message. */
const PROTOCOL_ID = 0x82
const VERSION = 1
/** TType id we report for a compact UUID (16 bytes; no jaeger.thrift field has one). */
const UUID = 16
const TWO_POW_32 = 2 ** 32
/** |high word| below this: the i64 fits a double exactly, so no bigint arithmetic is needed. */
const SAFE_HIGH = 2 ** 21

/**
 * Compact type id → TType. Field headers use 1/2 for BOOL true/false; element
 * types use 2 for BOOL (some writers 1, which readers accept). 0 is STOP in a
 * field header and invalid as an element type.
 */
const TTYPE_OF: readonly (number | undefined)[] = [
  undefined,
  TType.BOOL,
  TType.BOOL,
  TType.BYTE,
  TType.I16,
  TType.I32,
  TType.I64,
  TType.DOUBLE,
  TType.STRING,
  TType.LIST,
  TType.SET,
  TType.MAP,
  TType.STRUCT,
  UUID,
]

/** Fewest bytes one value of each TType takes in compact (a struct: its STOP byte). */
const MIN_SIZE: Readonly<Record<number, number>> = {
  [TType.BOOL]: 1,
  [TType.BYTE]: 1,
  [TType.DOUBLE]: 8,
  [TType.I16]: 1,
  [TType.I32]: 1,
  [TType.I64]: 1,
  [TType.STRING]: 1,
  [TType.STRUCT]: 1,
  [TType.MAP]: 1,
  [TType.SET]: 1,
  [TType.LIST]: 1,
  [UUID]: 16,
}

/** A cursor over TCompactProtocol bytes. */
export class CompactReader extends ThriftCursor implements ThriftReader {
  /** The value a BOOL field header carried (compact has no separate bool field value). */
  private fieldBool = false
  // The two 32-bit halves of the last varint64 read (no allocation per i64).
  private low = 0
  private high = 0
  /** The element type (TType) of the last list/set header read. */
  private elemType = 0

  /**
   * A field header: `delta:4 type:4` (long form: delta 0, then the id as a
   * zigzag varint i16), or the STOP byte 0.
   */
  fieldBegin(previousId: number): number {
    const at = this.pos
    const header = this.u8()
    if (header === 0) return TType.STOP
    const compactType = header & 0x0f
    const type = TTYPE_OF[compactType]
    if (type === undefined) decodeError(`field header 0x${header.toString(16)} at byte ${at} has ${compactType === 0 ? 'type 0 (STOP) with a delta' : `unknown type ${compactType}`}`)
    if (compactType <= 2) this.fieldBool = compactType === 1
    const delta = header >>> 4
    const id = delta === 0 ? this.i16() : previousId + delta
    if (id > 0x7fff) decodeError(`field id ${id} at byte ${at} is beyond i16`)
    this.fieldId = id
    return type
  }

  /**
   * A message envelope: `0x82, type:3|version:5, seqid:varint, name:string`.
   */
  messageBegin(): MessageHeader {
    const id = this.u8()
    if (id !== PROTOCOL_ID) {
      const hint = id === 0x80 ? ' (binary protocol?)' : ''
      decodeError(`not a compact-protocol message: protocol id 0x${id.toString(16).padStart(2, '0')}${hint}, expected 0x82`)
    }
    const versionAndType = this.u8()
    const version = versionAndType & 0x1f
    if (version !== VERSION) decodeError(`compact protocol version ${version}, expected ${VERSION}`)
    const seqId = this.varint32() | 0
    const name = this.string()
    return { name, type: versionAndType >>> 5, seqId }
  }

  /** Zigzag varint i16. */
  i16(): number {
    const at = this.pos
    const value = this.i32()
    if (value < -0x8000 || value > 0x7fff) decodeError(`i16 varint at byte ${at} is out of range (${value})`)
    return value
  }

  /** Zigzag varint i32. */
  i32(): number {
    const n = this.varint32()
    return (n >>> 1) ^ -(n & 1)
  }

  /** Zigzag varint i64, signed. */
  i64(): bigint {
    this.varint64()
    const low = this.low
    const high = this.high
    const sign = -(low & 1)
    const valueLow = (((low >>> 1) | (high << 31)) ^ sign) >>> 0
    const valueHigh = (high >>> 1) ^ sign
    if (valueHigh >= -SAFE_HIGH && valueHigh < SAFE_HIGH) return BigInt(valueHigh * TWO_POW_32 + valueLow)
    return BigInt.asIntN(64, (BigInt(valueHigh >>> 0) << 32n) | BigInt(valueLow))
  }

  /** IEEE 754 double, little-endian (a de-facto compact protocol rule). */
  double(): number {
    this.need(8)
    const value = this.data.getFloat64(this.pos, true)
    this.pos += 8
    return value
  }

  /** The value the BOOL field header just read carried. */
  bool(): boolean {
    return this.fieldBool
  }

  /**
   * A list header `size:4 type:4` (size 15: the size follows as a varint)
   * whose element type must be `elemType`; returns the size, checked so that
   * `size` elements fit in the bytes left.
   */
  list(elemType: TType, what: string): number {
    const at = this.pos
    const size = this.collectionHeader()
    const type = this.elemType
    if (type !== elemType) decodeError(`${what} is a list of ${typeName(type)}, expected ${typeName(elemType)}`)
    this.checkCount(size, MIN_SIZE[elemType]!, what, at)
    return size
  }

  /** Skip the value of an unknown field (a BOOL field's value is in its header). */
  skip(type: number): void {
    if (type !== TType.BOOL) this.skipValue(type, 0)
  }

  private skipValue(type: number, depth: number): void {
    switch (type) {
      case TType.BOOL:
      case TType.BYTE:
        this.skipBytes(1)
        return
      case TType.I16:
      case TType.I32:
        this.varint32()
        return
      case TType.I64:
        this.varint64()
        return
      case TType.DOUBLE:
        this.skipBytes(8)
        return
      case UUID:
        this.skipBytes(16)
        return
      case TType.STRING:
        this.skipString()
        return
      case TType.STRUCT: {
        this.checkDepth(depth)
        let id = 0
        for (let field = this.fieldBegin(id); field !== TType.STOP; field = this.fieldBegin(id)) {
          id = this.fieldId
          if (field !== TType.BOOL) this.skipValue(field, depth + 1)
        }
        return
      }
      case TType.MAP: {
        this.checkDepth(depth)
        const at = this.pos
        const size = this.size()
        if (size === 0) return
        const types = this.u8()
        const keyType = this.elementType(types >>> 4)
        const valueType = this.elementType(types & 0x0f)
        this.checkCount(size, MIN_SIZE[keyType]! + MIN_SIZE[valueType]!, 'map', at)
        for (let i = 0; i < size; i++) {
          this.skipValue(keyType, depth + 1)
          this.skipValue(valueType, depth + 1)
        }
        return
      }
      case TType.SET:
      case TType.LIST: {
        this.checkDepth(depth)
        const at = this.pos
        const size = this.collectionHeader()
        const elemType = this.elemType
        this.checkCount(size, MIN_SIZE[elemType]!, 'collection', at)
        for (let i = 0; i < size; i++) this.skipValue(elemType, depth + 1)
        return
      }
      default:
        decodeError(`${typeName(type)} at byte ${this.pos}`)
    }
  }

  /** A list/set header: size nibble (15: a varint size follows) and element type (into `elemType`); returns the size. */
  private collectionHeader(): number {
    const header = this.u8()
    this.elemType = this.elementType(header & 0x0f)
    return header >>> 4 === 15 ? this.size() : header >>> 4
  }

  private elementType(compactType: number): number {
    const type = TTYPE_OF[compactType]
    if (type === undefined) decodeError(`collection element type ${compactType} at byte ${this.pos - 1} is not a compact type`)
    return type
  }

  /** A collection size: a varint read as an i32 (`checkCount()` refuses a negative one). */
  private size(): number {
    return this.varint32() | 0
  }

  /** A string/binary length: a varint read as an i32, checked against the bytes left. */
  protected length(): number {
    const at = this.pos
    return this.checkedLength(this.varint32() | 0, at)
  }

  /** An unsigned varint of at most 32 bits (5 bytes, the last with at most 4 bits). */
  private varint32(): number {
    const bytes = this.bytes
    const end = bytes.length
    let pos = this.pos
    let result = 0
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= end) this.truncatedVarint(end)
      const byte = bytes[pos++]!
      result |= (byte & 0x7f) << shift
      if (byte < 0x80) {
        this.pos = pos
        return result >>> 0
      }
    }
    if (pos >= end) this.truncatedVarint(end)
    const last = bytes[pos++]!
    if (last > 0x0f) decodeError(`varint at byte ${this.pos} is longer than 32 bits`)
    this.pos = pos
    return (result | (last << 28)) >>> 0
  }

  /**
   * An unsigned varint of at most 64 bits (10 bytes, the last with at most 1
   * bit) into `low`/`high`.
   */
  private varint64(): void {
    const bytes = this.bytes
    const end = bytes.length
    let pos = this.pos
    let low = 0
    let high = 0
    let byte = 0x80
    // Bytes 1-4: bits 0-27 of the low word.
    for (let shift = 0; shift < 28 && byte >= 0x80; shift += 7) {
      if (pos >= end) this.truncatedVarint(end)
      byte = bytes[pos++]!
      low |= (byte & 0x7f) << shift
    }
    // Byte 5: bits 28-31 of the low word, 0-2 of the high word.
    if (byte >= 0x80) {
      if (pos >= end) this.truncatedVarint(end)
      byte = bytes[pos++]!
      low |= (byte & 0x7f) << 28
      high = (byte & 0x7f) >>> 4
    }
    // Bytes 6-9: bits 3-30 of the high word.
    for (let shift = 3; shift < 31 && byte >= 0x80; shift += 7) {
      if (pos >= end) this.truncatedVarint(end)
      byte = bytes[pos++]!
      high |= (byte & 0x7f) << shift
    }
    // Byte 10: bit 31 of the high word, nothing more.
    if (byte >= 0x80) {
      if (pos >= end) this.truncatedVarint(end)
      byte = bytes[pos++]!
      if (byte > 1) decodeError(`varint at byte ${this.pos} is longer than 64 bits`)
      high |= byte << 31
    }
    this.pos = pos
    this.low = low
    this.high = high
  }

  private truncatedVarint(end: number): never {
    decodeError(`truncated at byte ${end}: varint from byte ${this.pos} has no last byte`)
  }
}
