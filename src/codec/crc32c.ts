// SPDX-License-Identifier: Apache-2.0
/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum Kafka's
 * record batches, ext4 metadata and LevelDB/RocksDB logs use. Chosen over
 * CRC-32 (IEEE) for its larger Hamming distance at the frame sizes a spool
 * writes. Table-driven, slicing by 4 bytes: web-standard, no dependency.
 * @module
 */

const TABLES: Uint32Array[] = (() => {
  const tables = [new Uint32Array(256), new Uint32Array(256), new Uint32Array(256), new Uint32Array(256)] as [Uint32Array, Uint32Array, Uint32Array, Uint32Array]
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1
    tables[0][n] = c >>> 0
  }
  for (let n = 0; n < 256; n++) {
    let c = tables[0][n] as number
    for (let t = 1; t < 4; t++) {
      c = ((tables[0][c & 0xff] as number) ^ (c >>> 8)) >>> 0
      ;(tables[t] as Uint32Array)[n] = c
    }
  }
  return tables
})()

/**
 * CRC-32C of `bytes` (continuing from `crc`, the result of an earlier call,
 * to checksum data in pieces). `crc32c(utf8('123456789')) === 0xE3069283`.
 */
export function crc32c(bytes: Uint8Array, crc = 0): number {
  const [t0, t1, t2, t3] = TABLES as [Uint32Array, Uint32Array, Uint32Array, Uint32Array]
  let c = ~crc >>> 0
  let i = 0
  const end4 = bytes.length - (bytes.length % 4)
  for (; i < end4; i += 4) {
    c ^= (bytes[i] as number) | ((bytes[i + 1] as number) << 8) | ((bytes[i + 2] as number) << 16) | ((bytes[i + 3] as number) << 24)
    c = (t3[c & 0xff] as number) ^ (t2[(c >>> 8) & 0xff] as number) ^ (t1[(c >>> 16) & 0xff] as number) ^ (t0[c >>> 24] as number)
  }
  for (; i < bytes.length; i++) c = (t0[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8)
  return ~c >>> 0
}
