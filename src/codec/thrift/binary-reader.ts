// SPDX-License-Identifier: Apache-2.0
/**
 * Bounds-checked TBinaryProtocol reader. Every read checks the bytes left
 * first, lengths and collection sizes are checked against the bytes left
 * before anything is allocated or looped over, and skipping unknown fields is
 * depth-limited, so hostile input costs O(input) time and memory. Every
 * failure is a `JaegerKafkaError` with code `THRIFT_DECODE`.
 * @module
 */
import { TType } from './binary-writer.ts'
import { ThriftCursor, decodeError, typeName } from './thrift-cursor.ts'
import type { MessageHeader, ThriftReader } from './thrift-reader.ts'

// Strict TBinaryProtocol message envelopes start with this version word.
const VERSION_1 = 0x80010000 | 0
const VERSION_MASK = 0xffff0000 | 0

/** Fewest bytes one value of each type takes on the wire (a struct: its STOP byte). */
const MIN_SIZE: Readonly<Record<number, number>> = {
  [TType.BOOL]: 1,
  [TType.BYTE]: 1,
  [TType.DOUBLE]: 8,
  [TType.I16]: 2,
  [TType.I32]: 4,
  [TType.I64]: 8,
  [TType.STRING]: 4,
  [TType.STRUCT]: 1,
  [TType.MAP]: 6,
  [TType.SET]: 5,
  [TType.LIST]: 5,
}

/** A cursor over TBinaryProtocol bytes. */
export class BinaryReader extends ThriftCursor implements ThriftReader {
  /** A field header `type:u8, id:i16` (just the STOP byte at the end of a struct). */
  fieldBegin(_previousId: number): number {
    const type = this.u8()
    if (type !== TType.STOP) this.fieldId = this.i16()
    return type
  }

  /**
   * A strict message envelope: `version|type:i32, name:string, seqid:i32`.
   * The old unversioned form (name first) is refused: no jaeger client writes it.
   */
  messageBegin(): MessageHeader {
    const word = this.i32()
    if ((word & VERSION_MASK) !== VERSION_1) {
      const found = `0x${(word >>> 16).toString(16).padStart(4, '0')}`
      const hint = word >>> 24 === 0x82 ? ' (compact protocol?)' : ''
      decodeError(`not a strict binary-protocol message: starts with ${found}${hint}, expected 0x8001`)
    }
    const name = this.string()
    const seqId = this.i32()
    return { name, type: word & 0xff, seqId }
  }

  i16(): number {
    this.need(2)
    const value = this.data.getInt16(this.pos)
    this.pos += 2
    return value
  }

  i32(): number {
    this.need(4)
    const value = this.data.getInt32(this.pos)
    this.pos += 4
    return value
  }

  /** Signed i64. */
  i64(): bigint {
    this.need(8)
    const value = this.data.getBigInt64(this.pos)
    this.pos += 8
    return value
  }

  double(): number {
    this.need(8)
    const value = this.data.getFloat64(this.pos)
    this.pos += 8
    return value
  }

  /** Any non-zero byte is true (as thriftrw reads it). */
  bool(): boolean {
    return this.u8() !== 0
  }

  /**
   * A list header whose element type must be `elemType`; returns the size,
   * checked so that `size` elements fit in the bytes left.
   */
  list(elemType: TType, what: string): number {
    const type = this.u8()
    const size = this.i32()
    if (type !== elemType) decodeError(`${what} is a list of ${typeName(type)}, expected ${typeName(elemType)}`)
    this.checkCount(size, MIN_SIZE[elemType]!, what, this.pos - 4)
    return size
  }

  /** Skip one value of wire type `type` (an unknown field's value). */
  skip(type: number): void {
    this.skipValue(type, 0)
  }

  private skipValue(type: number, depth: number): void {
    switch (type) {
      case TType.BOOL:
      case TType.BYTE:
        this.skipBytes(1)
        return
      case TType.I16:
        this.skipBytes(2)
        return
      case TType.I32:
        this.skipBytes(4)
        return
      case TType.DOUBLE:
      case TType.I64:
        this.skipBytes(8)
        return
      case TType.STRING:
        this.skipString()
        return
      case TType.STRUCT:
        this.checkDepth(depth)
        for (let field = this.u8(); field !== TType.STOP; field = this.u8()) {
          this.skipBytes(2)
          this.skipValue(field, depth + 1)
        }
        return
      case TType.MAP: {
        this.checkDepth(depth)
        const keyType = this.u8()
        const valueType = this.u8()
        const size = this.i32()
        this.skipElements(size, keyType, valueType, depth)
        return
      }
      case TType.SET:
      case TType.LIST: {
        this.checkDepth(depth)
        const elemType = this.u8()
        const size = this.i32()
        this.skipElements(size, elemType, undefined, depth)
        return
      }
      default:
        decodeError(`${typeName(type)} at byte ${this.pos}`)
    }
  }

  /** Skip `size` collection elements (map entries when `valueType` is given). */
  private skipElements(size: number, elemType: number, valueType: number | undefined, depth: number): void {
    const elemSize = MIN_SIZE[elemType]
    const valueSize = valueType === undefined ? 0 : MIN_SIZE[valueType]
    if (elemSize === undefined) decodeError(`collection of ${typeName(elemType)} at byte ${this.pos}`)
    if (valueSize === undefined) decodeError(`map of ${typeName(valueType!)} values at byte ${this.pos}`)
    this.checkCount(size, elemSize + valueSize, 'collection', this.pos - 4)
    for (let i = 0; i < size; i++) {
      this.skipValue(elemType, depth + 1)
      if (valueType !== undefined) this.skipValue(valueType, depth + 1)
    }
  }

  /** A string/binary length (`len:i32`), checked against the bytes left. */
  protected length(): number {
    const length = this.i32()
    return this.checkedLength(length, this.pos - 4)
  }
}
