// SPDX-License-Identifier: Apache-2.0
// Byte helpers for hand-built wire input in tests.

/** The parts (byte arrays or plain byte lists) one after another in a new Uint8Array. */
export function concat(...parts: (Uint8Array | readonly number[])[]): Uint8Array {
  const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0))
  let at = 0
  for (const part of parts) {
    bytes.set(part, at)
    at += part.length
  }
  return bytes
}
