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

/** Wire types (the low 3 bits of a field key). */
export const WireType = { VARINT: 0, FIXED64: 1, LEN: 2, FIXED32: 5 } as const
export type WireType = (typeof WireType)[keyof typeof WireType]

const TWO_POW_32 = 2 ** 32
// Up to this many UTF-16 units a JS loop beats TextEncoder.encodeInto (call overhead).
const ASCII_LOOP_MAX = 64
const SCRATCH_BYTES = 64 * 1024
// The shared scratch writer is dropped after a call that grew it past this.
const MAX_RETAINED_BYTES = 1 << 20

const utf8 = new TextEncoder()

/** Bytes a varint of `value` (an integer in [0, 2^32)) takes. */
function varint32Size(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : value < 0x10000000 ? 4 : 5
}

/** A growable protobuf writer; capacity doubles when it runs out. */
export class ProtoWriter {
  private bytes: Uint8Array<ArrayBuffer>
  private data: DataView
  private pos = 0

  constructor(initialCapacity = 1024) {
    this.bytes = new Uint8Array(initialCapacity)
    this.data = new DataView(this.bytes.buffer)
  }

  /** Bytes written so far. */
  get length(): number {
    return this.pos
  }

  /** Bytes the writer can hold before it grows. */
  get capacity(): number {
    return this.bytes.length
  }

  /** Start over, keeping the allocated buffer. */
  reset(): void {
    this.pos = 0
  }

  /** The bytes written from offset `start` on, as a view that later writes or reset() may overwrite. */
  view(start = 0): Uint8Array<ArrayBuffer> {
    return this.bytes.subarray(start, this.pos)
  }

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

  /** Length-delimited bytes: `len` varint + the bytes. */
  bytesField(value: Uint8Array): void {
    this.varint32(value.length)
    this.ensure(value.length)
    this.bytes.set(value, this.pos)
    this.pos += value.length
  }

  /** Length-delimited UTF-8 string; lone surrogates become U+FFFD, as in every UTF-8 encoder. */
  string(value: string): void {
    const units = value.length
    // UTF-8 needs at most 3 bytes per UTF-16 unit; +5 for the longest length varint.
    this.ensure(5 + units * 3)
    const bytes = this.bytes
    const start = this.pos + 1
    let ascii = 0
    if (units <= ASCII_LOOP_MAX) {
      for (; ascii < units; ascii++) {
        const unit = value.charCodeAt(ascii)
        if (unit >= 0x80) break
        bytes[start + ascii] = unit
      }
    }
    let end = start + ascii
    if (ascii < units) {
      // Cutting after an ASCII unit never splits a surrogate pair.
      end += utf8.encodeInto(ascii === 0 ? value : value.slice(ascii), bytes.subarray(end)).written
    }
    this.pos = end
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

  /** Bytes copied as they are (already-encoded messages). */
  raw(value: Uint8Array): void {
    this.ensure(value.length)
    this.bytes.set(value, this.pos)
    this.pos += value.length
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

  private ensure(bytes: number): void {
    if (this.pos + bytes > this.bytes.length) this.grow(this.pos + bytes)
  }

  private grow(needed: number): void {
    const next = new Uint8Array(Math.max(needed, this.bytes.length * 2))
    next.set(this.bytes.subarray(0, this.pos))
    this.bytes = next
    this.data = new DataView(next.buffer)
  }
}

// Created on first use and set aside while in use, so a re-entrant call gets a writer of its own.
let scratch: ProtoWriter | undefined

/**
 * Encode `value` with `write` into a new exact-size buffer of its own (on a
 * reused scratch writer, so only the result is allocated).
 */
export function encodeProto<T>(value: T, write: (writer: ProtoWriter, value: T) => void): Uint8Array<ArrayBuffer> {
  const writer = scratch ?? new ProtoWriter(SCRATCH_BYTES)
  scratch = undefined
  writer.reset()
  try {
    write(writer, value)
    return writer.view().slice()
  } finally {
    scratch = writer.capacity <= MAX_RETAINED_BYTES ? writer : undefined
  }
}
