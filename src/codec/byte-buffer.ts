// SPDX-License-Identifier: Apache-2.0
/**
 * The growable byte buffer under both wire writers (Thrift's `BinaryWriter`,
 * protobuf's `ProtoWriter`): a `Uint8Array` + `DataView` whose capacity
 * doubles when it runs out, the UTF-8 string copy they share, the reused
 * scratch writer their one-shot encoders run on, and the shared slabs their
 * per-span encoders write into.
 * @module
 */

// Up to this many UTF-16 units a JS loop beats TextEncoder.encodeInto (call overhead).
const ASCII_LOOP_MAX = 64
// A scratch writer is dropped after a call that grew it past this.
const MAX_RETAINED_BYTES = 1 << 20

const utf8 = new TextEncoder()

/** Growable bytes; subclasses add the wire format's writes. */
export class ByteBuffer {
  protected bytes: Uint8Array<ArrayBuffer>
  protected data: DataView
  protected pos = 0

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

  /** Bytes copied as they are (already-encoded structures). */
  raw(value: Uint8Array): void {
    this.ensure(value.length)
    this.bytes.set(value, this.pos)
    this.pos += value.length
  }

  /**
   * Write `value` as UTF-8 at offset `start` (the caller ensured 3 bytes per
   * UTF-16 unit) and return the end offset; lone surrogates become U+FFFD, as
   * in every UTF-8 encoder. Does not move `pos`.
   */
  protected utf8At(start: number, value: string): number {
    const units = value.length
    const bytes = this.bytes
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
    return end
  }

  protected ensure(bytes: number): void {
    if (this.pos + bytes > this.bytes.length) this.grow(this.pos + bytes)
  }

  protected grow(needed: number): void {
    const next = new Uint8Array(Math.max(needed, this.bytes.length * 2))
    next.set(this.bytes.subarray(0, this.pos))
    this.bytes = next
    this.data = new DataView(next.buffer)
  }
}

/** An encoder into a new exact-size buffer: `write` runs on a reused scratch writer, so only the result is allocated. */
export type ScratchEncoder<W> = <T>(value: T, write: (writer: W, value: T) => void) => Uint8Array<ArrayBuffer>

/**
 * Make a scratch encoder over writers from `create`. The scratch writer is
 * set aside while in use, so a re-entrant call (a getter that encodes) simply
 * gets a writer of its own.
 */
export function scratchEncoder<W extends ByteBuffer>(create: () => W): ScratchEncoder<W> {
  let scratch: W | undefined
  return (value, write) => {
    const writer = scratch ?? create()
    scratch = undefined
    writer.reset()
    try {
      write(writer, value)
      return writer.view().slice()
    } finally {
      scratch = writer.capacity <= MAX_RETAINED_BYTES ? writer : undefined
    }
  }
}

// Allocating an ArrayBuffer per encoded span costs more than encoding it, so
// spans are written straight into shared slabs and returned as views, as
// Node's Buffer.allocUnsafe() pools small buffers.
/** Size of a pooled encoder's slab. */
export const POOL_SLAB_BYTES = 64 * 1024
// A slab with less room than this is retired, so a typical span never makes it grow.
const SLAB_HEADROOM = 2 * 1024

/**
 * Make an encoder whose results are usually views into a shared slab of
 * POOL_SLAB_BYTES from `create` (mind `byteOffset` when taking `.buffer`); a
 * value that outgrows the slab's free space gets a buffer of its own. A slab
 * is never written again below its last result, so views stay valid.
 */
export function pooledEncoder<W extends ByteBuffer>(create: () => W): ScratchEncoder<W> {
  let slab: W | undefined
  return (value, write) => {
    const writer = slab ?? create()
    slab = undefined
    const start = writer.length
    try {
      write(writer, value)
      return writer.capacity > POOL_SLAB_BYTES ? writer.view(start).slice() : writer.view(start)
    } finally {
      // After a failed write the slab keeps the partial bytes; nothing refers to them.
      const keep = writer.capacity === POOL_SLAB_BYTES && writer.capacity - writer.length >= SLAB_HEADROOM
      slab = keep ? writer : undefined
    }
  }
}
