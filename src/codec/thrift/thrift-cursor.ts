// SPDX-License-Identifier: Apache-2.0
/**
 * What both Thrift protocol readers (`BinaryReader`, `CompactReader`) share:
 * the bounds-checked cursor over the input, strings and binaries (whose
 * length prefix each protocol writes its own way), the size and depth checks,
 * and the one decode error every malformed input ends in.
 * @module
 */
import { ErrorCodes, JaegerKafkaError } from '../../errors.ts'
import { TType } from './binary-writer.ts'

/** How deep unknown structs and collections may nest before the input counts as hostile. */
export const MAX_SKIP_DEPTH = 64
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

/** The name of a wire type id, for error messages. */
export function typeName(type: number): string {
  return TYPE_NAMES[type] ?? `unknown type ${type}`
}

/** Throw the decode error every malformed input ends in. */
export function decodeError(reason: string): never {
  throw new JaegerKafkaError(ErrorCodes.THRIFT_DECODE, `Cannot decode jaeger.thrift: ${reason}`)
}

/** A cursor over one protocol's bytes; subclasses read the protocol's values. */
export abstract class ThriftCursor {
  protected readonly bytes: Uint8Array
  protected readonly data: DataView
  protected pos = 0
  /** The id of the field whose header `fieldBegin()` read last. */
  fieldId = 0

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

  /** One unsigned byte. */
  u8(): number {
    this.need(1)
    return this.bytes[this.pos++]!
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

  /** The length prefix of a string or binary, checked against the bytes left (`checkedLength()`). */
  protected abstract length(): number

  /** `length`, read at byte `at`, if it is not negative and that many bytes are left. */
  protected checkedLength(length: number, at: number): number {
    if (length < 0) decodeError(`negative length ${length} at byte ${at}`)
    this.need(length)
    return length
  }

  /** Refuse a collection of `size` elements (read at byte `at`) that cannot fit in the bytes left. */
  protected checkCount(size: number, elemSize: number, what: string, at: number): void {
    if (size < 0) decodeError(`${what} has negative size ${size} at byte ${at}`)
    if (size * elemSize > this.remaining) {
      decodeError(`${what} claims ${size} elements at byte ${at}, only ${this.remaining} bytes left`)
    }
  }

  protected checkDepth(depth: number): void {
    if (depth >= MAX_SKIP_DEPTH) decodeError(`unknown fields nest deeper than ${MAX_SKIP_DEPTH} at byte ${this.pos}`)
  }

  protected skipBytes(count: number): void {
    this.need(count)
    this.pos += count
  }

  protected need(count: number): void {
    if (count > this.bytes.length - this.pos) {
      decodeError(`truncated at byte ${this.pos}: need ${count} bytes, ${this.bytes.length - this.pos} left`)
    }
  }
}
