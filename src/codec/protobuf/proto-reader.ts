// SPDX-License-Identifier: Apache-2.0
/**
 * A strict protobuf wire reader for our own decoders. Every read is
 * bounds-checked; anything malformed (a truncated or over-long varint, a
 * length past the end, a wire type the field does not have, nesting deeper
 * than MAX_DEPTH, an unknown or deprecated group wire type) is a
 * `JaegerKafkaError` PROTOBUF_DECODE naming what and where. No read allocates
 * more than the input holds, and every loop consumes input, so no hang.
 * @module
 */
import { ErrorCodes, JaegerKafkaError } from '../../errors.ts'
import { WireType } from './proto-writer.ts'

/** Deepest nesting of length-delimited messages a decoder may enter. */
export const MAX_DEPTH = 32

const utf8 = new TextDecoder('utf-8', { fatal: true })

export function protoDecodeError(message: string, cause?: unknown): JaegerKafkaError {
  return new JaegerKafkaError(ErrorCodes.PROTOBUF_DECODE, `Malformed protobuf: ${message}`, { cause })
}

/** Reads one message: the bytes from `pos` to `end`. */
export class ProtoReader {
  readonly bytes: Uint8Array
  pos: number
  readonly end: number
  readonly depth: number
  private readonly data: DataView

  constructor(bytes: Uint8Array, start = 0, end = bytes.length, depth = 0) {
    this.bytes = bytes
    this.pos = start
    this.end = end
    this.depth = depth
    this.data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  /** True while the message has bytes left. */
  more(): boolean {
    return this.pos < this.end
  }

  /** The next field key as `{field, wireType}` packed: field = key >>> 3, wire type = key & 7. */
  key(): number {
    const at = this.pos
    const key = this.varint32()
    const field = key >>> 3
    const wireType = key & 7
    if (field === 0) throw protoDecodeError(`field number 0 at offset ${at}`)
    if (wireType !== 0 && wireType !== 1 && wireType !== 2 && wireType !== 5) {
      throw protoDecodeError(`unsupported wire type ${wireType} (field ${field}) at offset ${at}`)
    }
    return key
  }

  /** Fail unless `key` has wire type `expected` (a known field written with the wrong type). */
  expect(key: number, expected: WireType, what: string): void {
    if ((key & 7) !== expected) {
      throw protoDecodeError(`${what} (field ${key >>> 3}) has wire type ${key & 7}, expected ${expected} at offset ${this.pos}`)
    }
  }

  /** A varint that must fit in 32 bits (keys, lengths, enums, uint32). */
  varint32(): number {
    const value = this.varint64()
    if (value > 0xffffffffn) throw protoDecodeError(`varint ${value} does not fit in 32 bits at offset ${this.pos}`)
    return Number(value)
  }

  /** A varint as an unsigned 64-bit bigint (at most 10 bytes). */
  varint64(): bigint {
    const bytes = this.bytes
    let pos = this.pos
    // Fast path: up to 4 bytes (28 bits) in plain numbers.
    let low = 0
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= this.end) throw protoDecodeError(`truncated varint at offset ${this.pos}`)
      const byte = bytes[pos++]!
      low |= (byte & 0x7f) << shift
      if (byte < 0x80) {
        this.pos = pos
        return BigInt(low >>> 0)
      }
    }
    let value = BigInt(low >>> 0)
    for (let shift = 28n; ; shift += 7n) {
      if (pos >= this.end) throw protoDecodeError(`truncated varint at offset ${this.pos}`)
      if (shift > 63n) throw protoDecodeError(`varint longer than 10 bytes at offset ${this.pos}`)
      const byte = bytes[pos++]!
      value |= BigInt(byte & 0x7f) << shift
      if (byte < 0x80) break
    }
    this.pos = pos
    return BigInt.asUintN(64, value)
  }

  /** A varint int64 (two's complement). */
  int64(): bigint {
    return BigInt.asIntN(64, this.varint64())
  }

  bool(): boolean {
    return this.varint64() !== 0n
  }

  fixed32(): number {
    this.need(4, 'fixed32')
    const value = this.data.getUint32(this.pos, true)
    this.pos += 4
    return value
  }

  fixed64(): bigint {
    this.need(8, 'fixed64')
    const value = this.data.getBigUint64(this.pos, true)
    this.pos += 8
    return value
  }

  double(): number {
    this.need(8, 'double')
    const value = this.data.getFloat64(this.pos, true)
    this.pos += 8
    return value
  }

  /** A length-delimited field's bounds `[start, end)`, checked against this message's end. */
  private span(): [number, number] {
    const at = this.pos
    const length = this.varint32()
    if (length > this.end - this.pos) {
      throw protoDecodeError(`length ${length} at offset ${at} runs past the end (${this.end - this.pos} bytes left)`)
    }
    const start = this.pos
    this.pos += length
    return [start, this.pos]
  }

  /** Length-delimited bytes, copied (the result does not alias the input). */
  bytesField(): Uint8Array {
    const [start, end] = this.span()
    return this.bytes.slice(start, end)
  }

  /** Length-delimited bytes that must be exactly `size` long (ids), as a view. */
  fixedBytes(size: number, what: string): Uint8Array {
    const [start, end] = this.span()
    if (end - start !== size) throw protoDecodeError(`${what} is ${end - start} bytes, expected ${size}`)
    return this.bytes.subarray(start, end)
  }

  /** Length-delimited UTF-8 string (invalid UTF-8 is an error, as protobuf requires for `string`). */
  string(): string {
    const [start, end] = this.span()
    if (start === end) return ''
    try {
      return utf8.decode(this.bytes.subarray(start, end))
    } catch (error) {
      throw protoDecodeError(`invalid UTF-8 in a string at offset ${start}`, error)
    }
  }

  /** A nested message: a reader over its bytes, one level deeper. */
  message(what: string): ProtoReader {
    if (this.depth >= MAX_DEPTH) throw protoDecodeError(`${what} nested deeper than ${MAX_DEPTH} at offset ${this.pos}`)
    const [start, end] = this.span()
    return new ProtoReader(this.bytes, start, end, this.depth + 1)
  }

  /** Skip a field of an unknown number (proto3 readers ignore them). */
  skip(key: number): void {
    switch (key & 7) {
      case WireType.VARINT:
        this.varint64()
        return
      case WireType.FIXED64:
        this.need(8, 'fixed64')
        this.pos += 8
        return
      case WireType.LEN:
        this.span()
        return
      case WireType.FIXED32:
        this.need(4, 'fixed32')
        this.pos += 4
        return
      default:
        throw protoDecodeError(`unsupported wire type ${key & 7} at offset ${this.pos}`)
    }
  }

  private need(bytes: number, what: string): void {
    if (this.end - this.pos < bytes) throw protoDecodeError(`truncated ${what} at offset ${this.pos}`)
  }
}

/**
 * Run a decoder over `bytes`; anything it throws that is not already a
 * PROTOBUF_DECODE error (a RangeError from a bug, say) becomes one.
 */
export function decodeProto<T>(bytes: Uint8Array, what: string, read: (reader: ProtoReader) => T): T {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`${what}: bytes must be a Uint8Array`)
  try {
    return read(new ProtoReader(bytes))
  } catch (error) {
    if (error instanceof JaegerKafkaError) throw error
    throw protoDecodeError(`${what}: ${error instanceof Error ? error.message : String(error)}`, error)
  }
}
