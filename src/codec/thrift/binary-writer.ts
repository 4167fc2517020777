// SPDX-License-Identifier: Apache-2.0
/**
 * TBinaryProtocol primitives: the Thrift wire type ids and a growable byte
 * writer over `Uint8Array` + `DataView` (all multi-byte values big-endian).
 *
 * The writer does not validate: callers (the jaeger.thrift encoders) check
 * values first and pass only well-typed, in-range ones.
 * @module
 */
import { ByteBuffer, POOL_SLAB_BYTES, pooledEncoder, scratchEncoder } from '../byte-buffer.ts'

/** Thrift wire type ids (`TType`) as TBinaryProtocol writes them. */
export const TType = {
  STOP: 0,
  BOOL: 2,
  BYTE: 3,
  DOUBLE: 4,
  I16: 6,
  I32: 8,
  I64: 10,
  STRING: 11,
  STRUCT: 12,
  MAP: 13,
  SET: 14,
  LIST: 15,
} as const
export type TType = (typeof TType)[keyof typeof TType]

const TWO_POW_32 = 2 ** 32
const SCRATCH_BYTES = 64 * 1024

/** A growable TBinaryProtocol writer; capacity doubles when it runs out. */
export class BinaryWriter extends ByteBuffer {
  /** Field header: `type:u8, id:i16`. */
  fieldHeader(type: TType, id: number): void {
    this.ensure(3)
    const bytes = this.bytes
    const pos = this.pos
    bytes[pos] = type
    bytes[pos + 1] = id >>> 8
    bytes[pos + 2] = id
    this.pos = pos + 3
  }

  /** The STOP byte that ends a struct. */
  stop(): void {
    this.ensure(1)
    this.bytes[this.pos++] = TType.STOP
  }

  /** List (or set) header: `elemType:u8, size:i32`. */
  listHeader(elemType: TType, size: number): void {
    this.ensure(5)
    this.bytes[this.pos] = elemType
    this.data.setInt32(this.pos + 1, size)
    this.pos += 5
  }

  bool(value: boolean): void {
    this.ensure(1)
    this.bytes[this.pos++] = value ? 1 : 0
  }

  i32(value: number): void {
    this.ensure(4)
    this.data.setInt32(this.pos, value)
    this.pos += 4
  }

  /** i64 from a bigint in [-2^63, 2^64); unsigned values keep their 64 bits. */
  i64(value: bigint): void {
    this.ensure(8)
    this.data.setBigInt64(this.pos, value)
    this.pos += 8
  }

  /** i64 from an integral number in [-2^63, 2^63) (exact, no bigint on the way). */
  i64Number(value: number): void {
    this.ensure(8)
    const high = Math.floor(value / TWO_POW_32)
    this.data.setInt32(this.pos, high)
    this.data.setUint32(this.pos + 4, value - high * TWO_POW_32)
    this.pos += 8
  }

  /** i64 from its 8 big-endian bytes (node-int64 Buffers, as jaeger-client holds ids). */
  i64Bytes(value: Uint8Array): void {
    this.ensure(8)
    const bytes = this.bytes
    const pos = this.pos
    bytes[pos] = value[0]!
    bytes[pos + 1] = value[1]!
    bytes[pos + 2] = value[2]!
    bytes[pos + 3] = value[3]!
    bytes[pos + 4] = value[4]!
    bytes[pos + 5] = value[5]!
    bytes[pos + 6] = value[6]!
    bytes[pos + 7] = value[7]!
    this.pos = pos + 8
  }

  /** IEEE 754 double, big-endian. */
  double(value: number): void {
    this.ensure(8)
    this.data.setFloat64(this.pos, value)
    this.pos += 8
  }

  /** `len:i32` + UTF-8 bytes; lone surrogates become U+FFFD, as in every UTF-8 encoder. */
  string(value: string): void {
    // UTF-8 needs at most 3 bytes per UTF-16 unit (a surrogate pair: 4 bytes for 2 units).
    this.ensure(4 + value.length * 3)
    const start = this.pos + 4
    const end = this.utf8At(start, value)
    this.data.setInt32(this.pos, end - start)
    this.pos = end
  }

  /** `len:i32` + the bytes. */
  binary(value: Uint8Array): void {
    this.ensure(4 + value.length)
    this.data.setInt32(this.pos, value.length)
    this.bytes.set(value, this.pos + 4)
    this.pos += 4 + value.length
  }
}

/**
 * Encode `value` with `write` into a new exact-size buffer of its own (on a
 * reused scratch writer, so only the result is allocated).
 */
export const encodeToBytes = scratchEncoder(() => new BinaryWriter(SCRATCH_BYTES))

/**
 * Encode `value` with `write`. The result is usually a view into a shared
 * 64 KiB slab (mind `byteOffset` when taking its `.buffer`); a value that
 * outgrows the slab's free space gets a buffer of its own.
 */
export const encodeToPooledBytes = pooledEncoder(() => new BinaryWriter(POOL_SLAB_BYTES))
