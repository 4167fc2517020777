// SPDX-License-Identifier: Apache-2.0
/**
 * The disk spool's frame: one `KafkaProducer.send()` call (topic, records with
 * key, value and headers) plus the number of spans its records hold, so a
 * frame that is dropped is counted in spans. Web-standard bytes only; the
 * files live in `file-spool.node.ts`.
 *
 * Checksum: CRC-32C (see `src/codec/crc32c.ts`), as Kafka's own record
 * batches use: better error detection than CRC-32 (IEEE) at these sizes, and
 * the same table-driven cost in JavaScript. The header has its own checksum so
 * the span count of a frame whose payload is damaged is still known (and
 * counted) exactly; only a frame cut inside its 16-byte header has no known
 * span count.
 * @module
 */
import { ErrorCodes, JaegerKafkaError } from '../../src/errors.ts'
import { crc32c } from '../../src/codec/crc32c.ts'
import { SPAN_COUNT_HEADER } from '../../src/kafka/span-record.ts'
import type { KafkaHeaders, KafkaRecord, ProduceRequest, RecordHeaderValue } from '../../src/kafka/types.ts'

/** Bytes of a frame header. */
export const FRAME_HEADER_BYTES = 16
/** Largest payload a frame may carry (a sanity bound a damaged length field cannot get past). */
export const MAX_FRAME_PAYLOAD_BYTES = 256 * 1024 * 1024
/** Payload layout version written by this code. */
const PAYLOAD_VERSION = 1

const KEY_UNDEFINED = 0
const KEY_NULL = 1
const KEY_STRING = 2
const KEY_BYTES = 3
const HEADER_STRING = 1
const HEADER_BYTES = 2
/** Flag on a header entry that is one element of an array value (a repeated key). */
const HEADER_ARRAY_ELEMENT = 0x80

const utf8 = new TextEncoder()
const utf8Decoder = new TextDecoder('utf-8', { fatal: true })

/** One spooled send() call, as read back. */
export interface SpooledRequest {
  readonly request: ProduceRequest
  /** Spans the records hold (sum of their span-count headers). */
  readonly spanCount: number
}

/**
 * Spans in `messages`: the sum of their `jaeger-kafka-span-count` headers
 * (a record without one counts 0; its drop is still counted in records).
 */
export function spanCountOf(messages: readonly KafkaRecord[]): number {
  let total = 0
  for (const message of messages) {
    let value: RecordHeaderValue = message.headers[SPAN_COUNT_HEADER]
    if (Array.isArray(value)) value = value[0] as string | Uint8Array | undefined
    if (value === undefined) continue
    const text = typeof value === 'string' ? value : new TextDecoder().decode(value as Uint8Array)
    const n = Number.parseInt(text, 10)
    if (Number.isSafeInteger(n) && n > 0) total += n
  }
  return total
}

interface HeaderEntry {
  name: Uint8Array
  kind: number
  value: Uint8Array
}

function headerEntries(headers: KafkaHeaders): HeaderEntry[] {
  const entries: HeaderEntry[] = []
  const add = (name: Uint8Array, value: string | Uint8Array, flag: number): void => {
    if (typeof value === 'string') entries.push({ name, kind: HEADER_STRING | flag, value: utf8.encode(value) })
    else entries.push({ name, kind: HEADER_BYTES | flag, value })
  }
  for (const [key, value] of Object.entries(headers)) {
    if (value === undefined) continue
    const name = utf8.encode(key)
    if (Array.isArray(value)) for (const element of value as readonly (string | Uint8Array)[]) add(name, element, HEADER_ARRAY_ELEMENT)
    else add(name, value as string | Uint8Array, 0)
  }
  return entries
}

/*
 * Frame (all integers big-endian):
 *
 *   offset 0   u32  payload length N (<= MAX_FRAME_PAYLOAD_BYTES)
 *   offset 4   u32  span count (sum of the records' span-count headers)
 *   offset 8   u32  CRC-32C of bytes 0..7
 *   offset 12  u32  CRC-32C of the payload
 *   offset 16  N bytes payload:
 *     u8   payload version = 1
 *     u16  topic length, topic (UTF-8)
 *     u32  record count
 *     per record:
 *       u8   key kind: 0 undefined, 1 null, 2 string (UTF-8), 3 bytes
 *       u32  key length, key          (kinds 2 and 3 only)
 *       i32  value length (-1: null), value
 *       u16  header entry count
 *       per header entry (an array value is one entry per element, in order):
 *         u16  name length, name (UTF-8)
 *         u8   kind: 1 string (UTF-8), 2 bytes; | 0x80 when an element of an array value
 *         u32  value length, value
 */
/** One frame holding `request` (a spooled send() call). Never mutates the request. */
export function encodeFrame(request: ProduceRequest): Uint8Array {
  const topic = utf8.encode(request.topic)
  if (topic.length > 0xffff) throw new RangeError(`Cannot spool: topic name is ${topic.length} bytes (limit 65535)`)
  const records = request.messages.map((message) => {
    const key = message.key === undefined || message.key === null ? undefined : typeof message.key === 'string' ? utf8.encode(message.key) : message.key
    const headers = headerEntries(message.headers)
    if (headers.length > 0xffff) throw new RangeError(`Cannot spool: a record has ${headers.length} header entries (limit 65535)`)
    return { message, key, headers }
  })
  let size = 1 + 2 + topic.length + 4
  for (const { message, key, headers } of records) {
    size += 1 + (key ? 4 + key.length : 0) + 4 + (message.value?.length ?? 0) + 2
    for (const entry of headers) size += 2 + entry.name.length + 1 + 4 + entry.value.length
  }
  if (size > MAX_FRAME_PAYLOAD_BYTES) throw new RangeError(`Cannot spool: ${size} bytes exceed the ${MAX_FRAME_PAYLOAD_BYTES}-byte frame limit`)
  const frame = new Uint8Array(FRAME_HEADER_BYTES + size)
  const view = new DataView(frame.buffer)
  let at = FRAME_HEADER_BYTES
  const bytes = (b: Uint8Array): void => {
    frame.set(b, at)
    at += b.length
  }
  view.setUint8(at++, PAYLOAD_VERSION)
  view.setUint16(at, topic.length)
  at += 2
  bytes(topic)
  view.setUint32(at, records.length)
  at += 4
  for (const { message, key, headers } of records) {
    const keyKind = message.key === undefined ? KEY_UNDEFINED : message.key === null ? KEY_NULL : typeof message.key === 'string' ? KEY_STRING : KEY_BYTES
    view.setUint8(at++, keyKind)
    if (key) {
      view.setUint32(at, key.length)
      at += 4
      bytes(key)
    }
    view.setInt32(at, message.value === null ? -1 : message.value.length)
    at += 4
    if (message.value !== null) bytes(message.value)
    view.setUint16(at, headers.length)
    at += 2
    for (const entry of headers) {
      view.setUint16(at, entry.name.length)
      at += 2
      bytes(entry.name)
      view.setUint8(at++, entry.kind)
      view.setUint32(at, entry.value.length)
      at += 4
      bytes(entry.value)
    }
  }
  view.setUint32(0, size)
  view.setUint32(4, spanCountOf(request.messages))
  view.setUint32(8, crc32c(frame.subarray(0, 8)))
  view.setUint32(12, crc32c(frame.subarray(FRAME_HEADER_BYTES)))
  return frame
}

/** What `readFrame()` found at an offset. */
export type FrameRead =
  /** A whole, checksummed frame of `length` bytes (header included). */
  | { readonly status: 'ok'; readonly length: number; readonly spanCount: number; readonly payload: Uint8Array }
  /** Fewer bytes than the frame needs: `needed` in total (the header's, while the header itself is cut); `spanCount` once the header is whole. */
  | { readonly status: 'short'; readonly needed: number; readonly spanCount?: number }
  /** Not a frame: a damaged header (span count unknown) or payload (span count from the verified header). */
  | { readonly status: 'corrupt'; readonly reason: string; readonly spanCount?: number }

/** Read the frame at `offset` of `bytes` (the bytes that follow may be all there is). */
export function readFrame(bytes: Uint8Array, offset = 0): FrameRead {
  const available = bytes.length - offset
  if (available < FRAME_HEADER_BYTES) return { status: 'short', needed: FRAME_HEADER_BYTES }
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, FRAME_HEADER_BYTES)
  if (crc32c(bytes.subarray(offset, offset + 8)) !== view.getUint32(8)) return { status: 'corrupt', reason: 'header checksum mismatch' }
  const payloadLength = view.getUint32(0)
  const spanCount = view.getUint32(4)
  if (payloadLength > MAX_FRAME_PAYLOAD_BYTES) return { status: 'corrupt', reason: `payload length ${payloadLength} exceeds the frame limit`, spanCount }
  const length = FRAME_HEADER_BYTES + payloadLength
  if (available < length) return { status: 'short', needed: length, spanCount }
  const payload = bytes.subarray(offset + FRAME_HEADER_BYTES, offset + length)
  if (crc32c(payload) !== view.getUint32(12)) return { status: 'corrupt', reason: 'payload checksum mismatch', spanCount }
  return { status: 'ok', length, spanCount, payload }
}

/**
 * The send() call a checksummed payload holds. Throws `JaegerKafkaError`
 * `SPOOL` for a payload this version cannot read (never returns garbage).
 */
export function decodePayload(payload: Uint8Array, spanCount: number): SpooledRequest {
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength)
  let at = 0
  const need = (n: number): void => {
    if (at + n > payload.length) throw new JaegerKafkaError(ErrorCodes.SPOOL, `Cannot read spooled frame: truncated at byte ${at} of ${payload.length}`)
  }
  const take = (n: number): Uint8Array => {
    need(n)
    const out = payload.slice(at, at + n)
    at += n
    return out
  }
  const u8 = (): number => {
    need(1)
    return view.getUint8(at++)
  }
  const u16 = (): number => {
    need(2)
    at += 2
    return view.getUint16(at - 2)
  }
  const u32 = (): number => {
    need(4)
    at += 4
    return view.getUint32(at - 4)
  }
  const text = (n: number): string => {
    const raw = take(n)
    try {
      return utf8Decoder.decode(raw)
    } catch {
      throw new JaegerKafkaError(ErrorCodes.SPOOL, `Cannot read spooled frame: invalid UTF-8 at byte ${at}`)
    }
  }
  const version = u8()
  if (version !== PAYLOAD_VERSION) throw new JaegerKafkaError(ErrorCodes.SPOOL, `Cannot read spooled frame: payload version ${version} (this version reads ${PAYLOAD_VERSION})`)
  const topic = text(u16())
  const count = u32()
  // Each record takes at least 7 bytes: a hostile count cannot allocate beyond the payload.
  if (count * 7 > payload.length - at) throw new JaegerKafkaError(ErrorCodes.SPOOL, `Cannot read spooled frame: ${count} records cannot fit in ${payload.length} bytes`)
  const messages: KafkaRecord[] = []
  for (let i = 0; i < count; i++) {
    const keyKind = u8()
    let key: Uint8Array | string | null | undefined
    if (keyKind === KEY_NULL) key = null
    else if (keyKind === KEY_STRING) key = text(u32())
    else if (keyKind === KEY_BYTES) key = take(u32())
    else if (keyKind !== KEY_UNDEFINED) throw new JaegerKafkaError(ErrorCodes.SPOOL, `Cannot read spooled frame: unknown key kind ${keyKind}`)
    need(4)
    const valueLength = view.getInt32(at)
    at += 4
    if (valueLength < -1) throw new JaegerKafkaError(ErrorCodes.SPOOL, `Cannot read spooled frame: value length ${valueLength}`)
    const value = valueLength === -1 ? null : take(valueLength)
    const headers: Record<string, RecordHeaderValue> = {}
    const entries = u16()
    for (let h = 0; h < entries; h++) {
      const name = text(u16())
      const kind = u8()
      const base = kind & ~HEADER_ARRAY_ELEMENT
      if (base !== HEADER_STRING && base !== HEADER_BYTES) throw new JaegerKafkaError(ErrorCodes.SPOOL, `Cannot read spooled frame: unknown header kind ${kind}`)
      const length = u32()
      const headerValue = base === HEADER_STRING ? text(length) : take(length)
      if (kind & HEADER_ARRAY_ELEMENT) {
        const existing = headers[name]
        headers[name] = Array.isArray(existing) ? [...(existing as (string | Uint8Array)[]), headerValue] : [headerValue]
      } else {
        headers[name] = headerValue
      }
    }
    const record: { key?: Uint8Array | string | null; value: Uint8Array | null; headers: KafkaHeaders } = { value, headers }
    if (key !== undefined) record.key = key
    messages.push(record)
  }
  if (at !== payload.length) throw new JaegerKafkaError(ErrorCodes.SPOOL, `Cannot read spooled frame: ${payload.length - at} trailing bytes`)
  return { request: { topic, messages }, spanCount }
}

/** What `scanFrames()` found in a segment's bytes. */
export interface FrameScan {
  /** Whole, checksummed frames from the start. */
  frames: number
  spans: number
  /** Bytes of those frames (where a damaged tail starts). */
  size: number
  /** Start of each whole frame, with the spans of the frames before it. */
  boundaries: { offset: number; spansBefore: number }[]
  /** The first frame that is not whole: everything from `size` on is unusable. */
  damage?: { bytes: number; spanCount?: number; why: string }
}

/** Walk the frames of `bytes` up to the first one that is cut short or damaged (no resync: there is no marker to find the next). */
export function scanFrames(bytes: Uint8Array): FrameScan {
  const scan: FrameScan = { frames: 0, spans: 0, size: 0, boundaries: [] }
  let offset = 0
  while (offset < bytes.length) {
    const read = readFrame(bytes, offset)
    if (read.status !== 'ok') {
      const damaged = bytes.length - offset
      const why = read.status === 'short' ? `a frame cut short (${damaged} of ${read.needed} bytes)` : read.reason
      scan.damage = read.spanCount === undefined ? { bytes: damaged, why } : { bytes: damaged, spanCount: read.spanCount, why }
      break
    }
    scan.boundaries.push({ offset, spansBefore: scan.spans })
    scan.frames++
    scan.spans += read.spanCount
    offset += read.length
  }
  scan.size = offset
  return scan
}
