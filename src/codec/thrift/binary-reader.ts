// SPDX-License-Identifier: Apache-2.0
/**
 * Bounds-checked TBinaryProtocol reader. Every read checks the bytes left
 * first, lengths and collection sizes are checked against the bytes left
 * before anything is allocated or looped over, and skipping unknown fields is
 * depth-limited, so hostile input costs O(input) time and memory. Every
 * failure is a `JaegerKafkaError` with code `THRIFT_DECODE`.
 * @module
 */
import { ErrorCodes, JaegerKafkaError } from '../../errors.ts'
import { TType } from './binary-writer.ts'

/** How deep unknown structs and collections may nest before the input counts as hostile. */
const MAX_SKIP_DEPTH = 64
// Up to this many bytes a JS loop beats TextDecoder.decode (call overhead).
const ASCII_LOOP_MAX = 32

// ignoreBOM keeps a leading U+FEFF in the string instead of silently dropping it.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true })

const TYPE_NAMES: Readonly<Record<number, string>> = {
  [TType.BOOL]: 'BOOL',
  [TType.BYTE]: 'BYTE',
  [TType.DOUBLE]: 'DOUBLE',
  [TType.I16]: 'I16',
  [TType.I32]: 'I32',
  [TType.I64]: 'I64',
  [TType.STRING]: 'STRING',
  [TType.STRUCT]: 'STRUCT',
  [TType.MAP]: 'MAP',
  [TType.SET]: 'SET',
  [TType.LIST]: 'LIST',
}

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

/** The name of a wire type id, for error messages. */
export function typeName(type: number): string {
  return TYPE_NAMES[type] ?? `unknown type ${type}`
}

/** Throw the decode error every malformed input ends in. */
export function decodeError(reason: string): never {
  throw new JaegerKafkaError(ErrorCodes.THRIFT_DECODE, `Cannot decode jaeger.thrift: ${reason}`)
}

/** A cursor over TBinaryProtocol bytes. */
export class BinaryReader {
  private readonly bytes: Uint8Array
  private readonly data: DataView
  private pos = 0

  constructor(input: Uint8Array) {
    if (!(input instanceof Uint8Array)) throw new TypeError('Cannot decode jaeger.thrift: expected a Uint8Array')
    // A plain Uint8Array view, so slices are copies even when the input is a Buffer.
    this.bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength)
    this.data = new DataView(input.buffer, input.byteOffset, input.byteLength)
  }

  /** Bytes not read yet. */
  get remaining(): number {
    return this.bytes.length - this.pos
  }

  /** One unsigned byte: a field type, list element type or map key/value type. */
  u8(): number {
    this.need(1)
    return this.bytes[this.pos++]!
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

  /** UTF-8 string; invalid sequences decode to U+FFFD. */
  string(): string {
    const length = this.length()
    const bytes = this.bytes
    const start = this.pos
    const end = start + length
    this.pos = end
    if (length <= ASCII_LOOP_MAX) {
      let text = ''
      for (let i = start; i < end; i++) {
        const byte = bytes[i]!
        if (byte >= 0x80) return utf8.decode(bytes.subarray(start, end))
        text += String.fromCharCode(byte)
      }
      return text
    }
    return utf8.decode(bytes.subarray(start, end))
  }

  /** Binary as a copy, so the result does not pin or alias the input. */
  binary(): Uint8Array {
    const length = this.length()
    const start = this.pos
    this.pos += length
    return this.bytes.slice(start, this.pos)
  }

  /** Skip a string or binary. */
  skipString(): void {
    const length = this.length()
    this.pos += length
  }

  /**
   * A list header whose element type must be `elemType`; returns the size,
   * checked so that `size` elements fit in the bytes left.
   */
  list(elemType: TType, what: string): number {
    const type = this.u8()
    const size = this.i32()
    if (type !== elemType) decodeError(`${what} is a list of ${typeName(type)}, expected ${typeName(elemType)}`)
    this.checkCount(size, MIN_SIZE[elemType]!, what)
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
    this.checkCount(size, elemSize + valueSize, 'collection')
    for (let i = 0; i < size; i++) {
      this.skipValue(elemType, depth + 1)
      if (valueType !== undefined) this.skipValue(valueType, depth + 1)
    }
  }

  /** A string/binary length, checked against the bytes left. */
  private length(): number {
    const length = this.i32()
    if (length < 0) decodeError(`negative length ${length} at byte ${this.pos - 4}`)
    this.need(length)
    return length
  }

  private checkCount(size: number, elemSize: number, what: string): void {
    if (size < 0) decodeError(`${what} has negative size ${size} at byte ${this.pos - 4}`)
    if (size * elemSize > this.remaining) {
      decodeError(`${what} claims ${size} elements at byte ${this.pos - 4}, only ${this.remaining} bytes left`)
    }
  }

  private checkDepth(depth: number): void {
    if (depth >= MAX_SKIP_DEPTH) decodeError(`unknown fields nest deeper than ${MAX_SKIP_DEPTH} at byte ${this.pos}`)
  }

  private skipBytes(count: number): void {
    this.need(count)
    this.pos += count
  }

  private need(count: number): void {
    if (count > this.bytes.length - this.pos) {
      decodeError(`truncated at byte ${this.pos}: need ${count} bytes, ${this.bytes.length - this.pos} left`)
    }
  }
}
