// SPDX-License-Identifier: Apache-2.0
/**
 * Protocol Buffers wire format primitives: the wire types and a growable
 * writer over `Uint8Array` + `DataView` (fixed-width values little-endian).
 *
 * Nested messages and strings are length-delimited. The writer reserves one
 * length byte, writes the body, and back-patches the length; a body of 128
 * bytes or more (rare for tags and events) is moved right by the extra length
 * bytes. So there is no size pass and the output is canonical (minimal
 * varints), byte-identical to what protoc-generated marshallers write.
 *
 * Like the Thrift writer it does not validate: the message writers check
 * values first.
 * @module
 */
import { ByteBuffer, POOL_SLAB_BYTES, pooledEncoder, scratchEncoder } from '../byte-buffer.ts'

/** Wire types (the low 3 bits of a field key). */
export const WireType = { VARINT: 0, FIXED64: 1, LEN: 2, FIXED32: 5 } as const
export type WireType = (typeof WireType)[keyof typeof WireType]

const TWO_POW_32 = 2 ** 32
const SCRATCH_BYTES = 64 * 1024

/** Bytes a varint of `value` (an integer in [0, 2^32)) takes. */
function varint32Size(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : value < 0x10000000 ? 4 : 5
}

/** A growable protobuf writer; capacity doubles when it runs out. */
export class ProtoWriter extends ByteBuffer {
  /** Field key: `(field << 3) | wireType` as a varint. */
  key(field: number, wireType: WireType): void {
    const key = (field << 3) | wireType
    if (key < 0x80) this.byte(key)
    else this.varint32(key)
  }

  /** One byte (a precomputed one-byte key or a small varint). */
  byte(value: number): void {
    if (this.pos >= this.bytes.length) this.grow(this.pos + 1)
    this.bytes[this.pos++] = value
  }

  /** Varint of an integer in [0, 2^32). */
  varint32(value: number): void {
    this.ensure(5)
    const bytes = this.bytes
    let pos = this.pos
    while (value >= 0x80) {
      bytes[pos++] = (value & 0x7f) | 0x80
      value >>>= 7
    }
    bytes[pos++] = value
    this.pos = pos
  }

  /** Varint of an int64/uint64 from a bigint (negative values take 10 bytes, two's complement). */
  varint64(value: bigint): void {
    const unsigned = BigInt.asUintN(64, value)
    if (unsigned < 0x100000000n) {
      this.varint32(Number(unsigned))
      return
    }
    this.ensure(10)
    const bytes = this.bytes
    let pos = this.pos
    let low = Number(unsigned & 0xffffffffn)
    let high = Number(unsigned >> 32n)
    // 7 bits at a time across the two 32-bit halves.
    while (high > 0 || low >= 0x80) {
      bytes[pos++] = (low & 0x7f) | 0x80
      low = ((low >>> 7) | ((high & 0x7f) << 25)) >>> 0
      high >>>= 7
    }
    bytes[pos++] = low
    this.pos = pos
  }

  /** fixed32, little-endian. */
  fixed32(value: number): void {
    this.ensure(4)
    this.data.setUint32(this.pos, value, true)
    this.pos += 4
  }

  /** fixed64 from a bigint (its low 64 bits: setBigUint64 wraps), little-endian. */
  fixed64(value: bigint): void {
    this.ensure(8)
    this.data.setBigUint64(this.pos, value, true)
    this.pos += 8
  }

  /**
   * fixed64 of `micros × 1000` (nanoseconds) for micros in [0, 2^53), in
   * plain numbers: every partial product stays below 2^53, so it is exact and
   * allocates no bigint. Other values take the bigint path.
   */
  fixed64MicrosAsNanos(micros: bigint): void {
    const value = Number(micros)
    if (!(value >= 0 && value <= Number.MAX_SAFE_INTEGER)) {
      this.fixed64(micros * 1000n)
      return
    }
    const high = Math.floor(value / TWO_POW_32)
    const lowProduct = (value - high * TWO_POW_32) * 1000
    const carry = Math.floor(lowProduct / TWO_POW_32)
    this.ensure(8)
    this.data.setUint32(this.pos, lowProduct - carry * TWO_POW_32, true)
    this.data.setUint32(this.pos + 4, (high * 1000 + carry) >>> 0, true)
    this.pos += 8
  }

  /** fixed64 from a non-negative integral number below 2^53 (no bigint on the way). */
  fixed64Number(value: number): void {
    this.ensure(8)
    const high = Math.floor(value / TWO_POW_32)
    this.data.setUint32(this.pos, value - high * TWO_POW_32, true)
    this.data.setUint32(this.pos + 4, high, true)
    this.pos += 8
  }

  /** IEEE 754 double, little-endian. */
  double(value: number): void {
    this.ensure(8)
    this.data.setFloat64(this.pos, value, true)
    this.pos += 8
  }

  /** A 64-bit id (signed or unsigned spelling) as 8 big-endian bytes, the id byte order of OTLP and api_v2. */
  id64(value: bigint): void {
    this.ensure(8)
    this.data.setBigUint64(this.pos, value)
    this.pos += 8
  }

  /** A bytes field holding a 16-byte id (`high` then `low`, big-endian): key, length 16, the id. Fields 1–15 only (one-byte key). */
  id128Field(field: number, high: bigint, low: bigint): void {
    this.ensure(19)
    const pos = this.pos
    this.bytes[pos] = (field << 3) | WireType.LEN
    this.bytes[pos + 1] = 16
    this.data.setBigUint64(pos + 2, high)
    this.data.setBigUint64(pos + 10, low)
    this.pos = pos + 18
  }

  /** A bytes field holding an 8-byte id (big-endian): key, length 8, the id. Fields 1–15 only (one-byte key). */
  id64Field(field: number, id: bigint): void {
    this.ensure(10)
    const pos = this.pos
    this.bytes[pos] = (field << 3) | WireType.LEN
    this.bytes[pos + 1] = 8
    this.data.setBigUint64(pos + 2, id)
    this.pos = pos + 10
  }

  /** Length-delimited bytes: `len` varint + the bytes. */
  bytesField(value: Uint8Array): void {
    this.varint32(value.length)
    this.ensure(value.length)
    this.bytes.set(value, this.pos)
    this.pos += value.length
  }

  /** Length-delimited UTF-8 string; lone surrogates become U+FFFD, as in every UTF-8 encoder. */
  string(value: string): void {
    // UTF-8 needs at most 3 bytes per UTF-16 unit; +5 for the longest length varint.
    this.ensure(5 + value.length * 3)
    const start = this.pos + 1
    this.pos = this.utf8At(start, value)
    this.patchLength(start)
  }

  /** Start a length-delimited field (a nested message); returns the mark for end(). */
  begin(field: number): number {
    this.key(field, WireType.LEN)
    this.ensure(1)
    this.pos += 1
    return this.pos
  }

  /** End the nested message begun at `mark`: write its length before it. */
  end(mark: number): void {
    this.patchLength(mark)
  }

  /** The body runs from `start` to pos with one byte reserved before it: write its length there. */
  private patchLength(start: number): void {
    const length = this.pos - start
    if (length < 0x80) {
      this.bytes[start - 1] = length
      return
    }
    const extra = varint32Size(length) - 1
    this.ensure(extra)
    const bytes = this.bytes
    bytes.copyWithin(start + extra, start, this.pos)
    let pos = start - 1
    let value = length
    while (value >= 0x80) {
      bytes[pos++] = (value & 0x7f) | 0x80
      value >>>= 7
    }
    bytes[pos] = value
    this.pos += extra
  }
}

/**
 * Encode `value` with `write` into a new exact-size buffer of its own (on a
 * reused scratch writer, so only the result is allocated).
 */
export const encodeProto = scratchEncoder(() => new ProtoWriter(SCRATCH_BYTES))

/**
 * Encode `value` with `write`, usually into a view of a shared slab (for the
 * many small per-span encodings a sender keeps; mind `byteOffset` when taking
 * `.buffer`).
 */
export const encodeProtoPooled = pooledEncoder(() => new ProtoWriter(POOL_SLAB_BYTES))
