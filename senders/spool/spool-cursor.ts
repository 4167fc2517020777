// SPDX-License-Identifier: Apache-2.0
/**
 * The disk spool's cursor: where the oldest frame not yet acknowledged by the
 * broker starts (segment number and byte offset). Rewritten in place after
 * every acknowledgement; its checksum tells a torn write from a cursor, and a
 * damaged cursor means "replay from the oldest segment" (duplicates, never loss).
 * @module
 */
import { crc32c } from '../../src/codec/crc32c.ts'

const CURSOR_MAGIC = 0x4a4b5343 // "JKSC"
/** Bytes of the cursor file. */
export const CURSOR_BYTES = 28

/*
 * cursor file (28 bytes, big-endian), rewritten in place:
 *   u32 magic "JKSC", u32 version 1, u64 segment number, u64 byte offset in it, u32 CRC-32C of bytes 0..23
 */
/** The cursor file's bytes for (`segment`, `offset`). */
export function encodeCursor(segment: number, offset: number): Uint8Array {
  const bytes = new Uint8Array(CURSOR_BYTES)
  const view = new DataView(bytes.buffer)
  view.setUint32(0, CURSOR_MAGIC)
  view.setUint32(4, 1)
  view.setBigUint64(8, BigInt(segment))
  view.setBigUint64(16, BigInt(offset))
  view.setUint32(24, crc32c(bytes.subarray(0, 24)))
  return bytes
}

/** The position a cursor file holds, or undefined when it is not one (short, other magic or version, checksum mismatch). */
export function decodeCursor(bytes: Uint8Array): { segment: number; offset: number } | undefined {
  if (bytes.length < CURSOR_BYTES) return undefined
  const view = new DataView(bytes.buffer, bytes.byteOffset, CURSOR_BYTES)
  if (view.getUint32(0) !== CURSOR_MAGIC || view.getUint32(4) !== 1 || crc32c(bytes.subarray(0, 24)) !== view.getUint32(24)) return undefined
  return { segment: Number(view.getBigUint64(8)), offset: Number(view.getBigUint64(16)) }
}
