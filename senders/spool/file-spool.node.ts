// SPDX-License-Identifier: Apache-2.0
/**
 * `openFileSpool()`: the disk spool (a `SpanSpool`) in a directory of
 * numbered, append-only segment files (`0000000000000001.seg`, …) of frames
 * (`spool-frame.ts`), a `cursor` file (where the oldest unacknowledged frame
 * starts) and a `LOCK` file (pid of the process using the directory).
 *
 * Node-only (node:fs/promises, node:process); Deno and Bun run it through
 * their Node compatibility.
 *
 * Guarantees:
 * - At-least-once: a frame is deleted (its segment unlinked, or the cursor
 *   moved past it) only after `consume()`, i.e. after the broker acknowledged
 *   it. The cursor is rewritten after every consume, so a restart resends only
 *   frames acknowledged after the last cursor write that reached the disk:
 *   after a process crash (SIGKILL) at most the group in flight; after an OS
 *   crash, what was acknowledged since the last sync of the cursor
 *   (`fsync` policy below).
 * - A damaged tail (crash in the middle of a write, or an OS crash with
 *   unsynced data) is found at open by length and checksums, truncated and
 *   counted (`spool_corrupt`); it is never replayed.
 * - When appending would exceed `maxBytes`, the oldest segment is deleted and
 *   its unconsumed spans counted (`spool_full`).
 *
 * fsync policy (`fsync`):
 * - `interval` (default, every `fsyncIntervalMs` = 1000 ms): append() resolves
 *   once the bytes are written (in the OS page cache, which survives a process
 *   crash); data and cursor are synced once a second, so an OS crash or power
 *   loss loses at most about the last second. Like Redis' `appendfsync everysec`.
 * - `always`: append() resolves after fdatasync (appends waiting meanwhile are
 *   written and synced together). Survives power loss; costs a disk flush per group.
 * - `never`: the OS writes back when it likes (fastest; an OS crash may lose
 *   tens of seconds). A process crash still loses nothing written.
 * @module
 */
import { open, mkdir, readdir, readFile, unlink } from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { JaegerKafkaError, describeError } from '../../src/errors.ts'
import { nullLogger, safeLog } from '../../src/kafka/logger.ts'
import type { Logger } from '../../src/kafka/logger.ts'
import type { ProduceRequest } from '../../src/kafka/types.ts'
import { CURSOR_BYTES, decodeCursor, encodeCursor } from './spool-cursor.ts'
import { acquireLock, spoolError } from './spool-lock.node.ts'
import { FRAME_HEADER_BYTES, decodePayload, encodeFrame, readFrame, scanFrames, spanCountOf } from './spool-frame.ts'
import { emptySpoolStats } from './span-spool.ts'
import type { SpanSpool, SpoolCount, SpoolDropReason, SpoolEntry, SpoolStats } from './span-spool.ts'
import { integerAtLeast } from '../../src/option-checks.ts'

/** Default byte cap of a spool directory (1 GiB). */
export const DEFAULT_SPOOL_MAX_BYTES = 1024 * 1024 * 1024
/** Default segment size: 64 MiB, or a sixteenth of a smaller cap (at least 64 KiB). */
export const DEFAULT_SPOOL_SEGMENT_BYTES = 64 * 1024 * 1024
/** Default fsync interval of the `interval` policy. */
export const DEFAULT_SPOOL_FSYNC_INTERVAL_MS = 1000

/** When spooled bytes are forced to disk (see the module comment). */
export type SpoolFsync = 'always' | 'interval' | 'never'

/** Options of `openFileSpool()`. */
export interface FileSpoolOptions {
  /** The spool directory (created if missing). One process at a time. */
  dir: string
  /** Byte cap over all segment files (default 1 GiB); the oldest segment is dropped beyond it. */
  maxBytes?: number
  /** Segment file size (default 64 MiB, or maxBytes / 16 when smaller; at most maxBytes / 2). */
  segmentBytes?: number
  /** `interval` (default), `always` or `never`. */
  fsync?: SpoolFsync
  /** Sync period of the `interval` policy (default 1000 ms). */
  fsyncIntervalMs?: number
  logger?: Logger
}

/** A spool directory opened by this process. */
export interface FileSpool extends SpanSpool {
  readonly dir: string
  readonly fsync: SpoolFsync
}

interface Segment {
  readonly no: number
  readonly path: string
  size: number
  frames: number
  spans: number
  /** Bytes / frames / spans at the front already consumed (only the oldest segment has any). */
  consumedBytes: number
  consumedFrames: number
  consumedSpans: number
}

interface CheckedOut {
  readonly segment: number
  readonly offset: number
  readonly length: number
  readonly spans: number
  /** Its segment was dropped (for space, or damaged) while it was being replayed: counted by outcome, with this reason on release. */
  orphan: SpoolDropReason | undefined
}

interface PendingAppend {
  readonly frame: Uint8Array
  readonly spans: number
  resolve(): void
  reject(error: unknown): void
}

const SEGMENT_NAME = /^(\d{16})\.seg$/
const CURSOR_FILE = 'cursor'

const segmentName = (no: number): string => `${String(no).padStart(16, '0')}.seg`
const zeroCount = (): SpoolCount => ({ frames: 0, spans: 0, bytes: 0 })



/**
 * Open (or create) the spool in `options.dir`: take the lock, scan the
 * segments, truncate and count a damaged tail, and position the cursor.
 * Rejects with `JaegerKafkaError` `SPOOL` when the directory is locked by a
 * running process or unusable.
 */
export async function openFileSpool(options: FileSpoolOptions): Promise<FileSpool> {
  if (typeof options !== 'object' || options === null || typeof options.dir !== 'string' || options.dir === '') throw new TypeError('openFileSpool() needs `dir`')
  const maxBytes = integerAtLeast(options.maxBytes ?? DEFAULT_SPOOL_MAX_BYTES, 'maxBytes', 2 * 64 * 1024)
  const segmentBytes = integerAtLeast(options.segmentBytes ?? Math.max(64 * 1024, Math.min(DEFAULT_SPOOL_SEGMENT_BYTES, Math.floor(maxBytes / 16))), 'segmentBytes', 1024)
  if (segmentBytes > maxBytes / 2) throw new RangeError('`segmentBytes` must be at most half of `maxBytes` (the oldest segment is what gets dropped)')
  const fsync = options.fsync ?? 'interval'
  if (fsync !== 'always' && fsync !== 'interval' && fsync !== 'never') throw new RangeError(`\`fsync\` must be always, interval or never, got ${String(fsync)}`)
  const fsyncIntervalMs = integerAtLeast(options.fsyncIntervalMs ?? DEFAULT_SPOOL_FSYNC_INTERVAL_MS, 'fsyncIntervalMs')
  const logger = options.logger ?? nullLogger
  const dir = options.dir
  try {
    await mkdir(dir, { recursive: true })
  } catch (error) {
    throw spoolError(`Cannot open spool ${dir}: ${describeError(error)}`, error)
  }
  const lockPath = await acquireLock(dir, logger)
  try {
    const spool = new FileSpoolImpl({ dir, maxBytes, segmentBytes, fsync, fsyncIntervalMs, logger, lockPath })
    await spool.load()
    return spool
  } catch (error) {
    await unlink(lockPath).catch(() => {})
    throw error instanceof JaegerKafkaError ? error : spoolError(`Cannot open spool ${dir}: ${describeError(error)}`, error)
  }
}

interface Settings {
  dir: string
  maxBytes: number
  segmentBytes: number
  fsync: SpoolFsync
  fsyncIntervalMs: number
  logger: Logger
  lockPath: string
}

class FileSpoolImpl implements FileSpool {
  readonly dir: string
  readonly fsync: SpoolFsync
  private readonly settings: Settings
  private readonly segments: Segment[] = []
  private nextSegmentNo = 1
  /** The segment appends go to (always the last one), once this run appended. */
  private active: { no: number; handle: FileHandle } | undefined
  private reader: { no: number; handle: FileHandle } | undefined
  private cursorHandle: FileHandle | undefined
  private dirty = false
  private syncTimer: ReturnType<typeof setInterval> | undefined
  /** Every operation on the files runs in this chain, one at a time. */
  private chain: Promise<unknown> = Promise.resolve()
  private appendQueue: PendingAppend[] = []
  private writeScheduled = false
  private checkedOut: CheckedOut[] = []
  private closed = false
  private closing: Promise<void> | undefined
  private readonly counts = emptySpoolStats()

  constructor(settings: Settings) {
    this.settings = settings
    this.dir = settings.dir
    this.fsync = settings.fsync
  }

  get pendingFrames(): number {
    let frames = this.appendQueue.length
    for (const s of this.segments) frames += s.frames - s.consumedFrames
    return frames
  }

  stats(): SpoolStats {
    const pending = zeroCount()
    let diskBytes = 0
    for (const s of this.segments) {
      pending.frames += s.frames - s.consumedFrames
      pending.spans += s.spans - s.consumedSpans
      pending.bytes += s.size - s.consumedBytes
      diskBytes += s.size
    }
    const c = this.counts
    return {
      spooled: { ...c.spooled },
      replayed: { ...c.replayed },
      pending,
      recovered: { ...c.recovered },
      dropped: { ...c.dropped },
      droppedFrames: { ...c.droppedFrames },
      corrupt: { ...c.corrupt },
      segments: this.segments.length,
      diskBytes,
      maxBytes: this.settings.maxBytes,
    }
  }

  // ------------------------------------------------------------------ open

  /** Scan the directory: cursor, segments, damaged tails. */
  async load(): Promise<void> {
    const { dir, logger } = this.settings
    const numbers = (await readdir(dir))
      .map((name) => SEGMENT_NAME.exec(name))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b)
    // 'a+' creates it if missing; positioned writes need 'r+' (appends ignore the position on Linux).
    await (await open(join(dir, CURSOR_FILE), 'a+')).close()
    const cursorHandle = await open(join(dir, CURSOR_FILE), 'r+')
    this.cursorHandle = cursorHandle
    const cursorBytes = new Uint8Array(CURSOR_BYTES)
    const { bytesRead } = await cursorHandle.read(cursorBytes, 0, CURSOR_BYTES, 0)
    const cursor = bytesRead === 0 ? undefined : decodeCursor(cursorBytes.subarray(0, bytesRead))
    if (bytesRead > 0 && !cursor && numbers.length > 0) safeLog(logger, 'error', `jaeger-kafka: spool ${dir}: the cursor file is damaged; replaying from the oldest segment (frames already delivered are sent again)`)
    for (const no of numbers) {
      const path = join(dir, segmentName(no))
      if (cursor && no < cursor.segment) {
        // Consumed before the last run ended; it was about to be deleted.
        await unlink(path)
        continue
      }
      const segment = await this.scanSegment(no, path)
      if (cursor && no === cursor.segment && cursor.offset > 0) this.applyCursor(segment, cursor.offset)
      this.segments.push(segment)
      this.nextSegmentNo = no + 1
    }
    if (cursor && cursor.segment >= this.nextSegmentNo) this.nextSegmentNo = cursor.segment + 1
    // Drop segments left empty or fully consumed (the last one stays if it can take appends).
    this.scannedBoundaries.clear()
    while (this.segments.length > 0 && (this.segments[0] as Segment).consumedFrames >= (this.segments[0] as Segment).frames) await this.deleteOldest()
    const recovered = this.stats().pending
    this.counts.recovered = recovered
    if (recovered.frames > 0) safeLog(logger, 'info', `jaeger-kafka: spool ${dir}: ${recovered.frames} spooled batches (${recovered.spans} spans, ${recovered.bytes} bytes) from an earlier run will be replayed`)
    const first = this.segments[0]
    await this.writeCursor(first ? first.no : this.nextSegmentNo, first ? first.consumedBytes : 0)
    if (this.settings.fsync === 'interval') {
      this.syncTimer = setInterval(() => {
        if (this.dirty) this.enqueue(() => this.syncAll()).catch(() => {})
      }, this.settings.fsyncIntervalMs)
      ;(this.syncTimer as { unref?: () => void }).unref?.()
    }
  }

  /** Read every frame of one segment; truncate it at the first damaged or cut frame. */
  private async scanSegment(no: number, path: string): Promise<Segment> {
    const scan = scanFrames(new Uint8Array(await readFile(path)))
    const damage = scan.damage
    if (damage) {
      this.counts.corrupt.bytes += damage.bytes
      this.counts.corrupt.frames++
      this.counts.droppedFrames.spool_corrupt++
      if (damage.spanCount === undefined) this.counts.corrupt.unknownSpanFrames++
      else this.counts.dropped.spool_corrupt += damage.spanCount
      const spans = damage.spanCount === undefined ? 'span count unreadable' : `${damage.spanCount} spans`
      safeLog(this.settings.logger, 'error', `jaeger-kafka: spool ${this.settings.dir}: ${segmentName(no)} is damaged at byte ${scan.size} (${damage.why}); truncated ${damage.bytes} bytes (${spans}), counted as spool_corrupt`)
      const handle = await open(path, 'r+')
      try {
        await handle.truncate(scan.size)
        await handle.datasync()
      } finally {
        await handle.close()
      }
    }
    this.scannedBoundaries.set(no, scan.boundaries)
    return { no, path, size: scan.size, frames: scan.frames, spans: scan.spans, consumedBytes: 0, consumedFrames: 0, consumedSpans: 0 }
  }

  /** Frame starts found by the scan at open (to place the cursor). */
  private readonly scannedBoundaries = new Map<number, { offset: number; spansBefore: number }[]>()

  /** Mark the frames before the cursor's `offset` consumed (an offset between frames means a damaged cursor: replay all). */
  private applyCursor(segment: Segment, offset: number): void {
    const boundaries = this.scannedBoundaries.get(segment.no) ?? []
    if (offset >= segment.size) {
      segment.consumedBytes = segment.size
      segment.consumedFrames = segment.frames
      segment.consumedSpans = segment.spans
      return
    }
    const index = boundaries.findIndex((b) => b.offset === offset)
    if (index < 0) {
      safeLog(this.settings.logger, 'error', `jaeger-kafka: spool ${this.settings.dir}: the cursor (byte ${offset}) is not at a frame start; replaying ${segmentName(segment.no)} from its start`)
      return
    }
    segment.consumedBytes = offset
    segment.consumedFrames = index
    segment.consumedSpans = (boundaries[index] as { spansBefore: number }).spansBefore
  }

  // -------------------------------------------------------------- appends

  append(request: ProduceRequest): Promise<void> {
    if (this.closed) return Promise.reject(spoolError(`Cannot spool: spool ${this.dir} is closed`))
    let frame: Uint8Array
    try {
      frame = encodeFrame(request)
    } catch (error) {
      return Promise.reject(error)
    }
    if (frame.length > this.settings.maxBytes) {
      return Promise.reject(new RangeError(`Cannot spool: a ${frame.length}-byte frame does not fit the spool's ${this.settings.maxBytes}-byte cap`))
    }
    return new Promise<void>((resolve, reject) => {
      this.appendQueue.push({ frame, spans: spanCountOf(request.messages), resolve, reject })
      if (!this.writeScheduled) {
        this.writeScheduled = true
        this.enqueue(() => this.writeQueued()).catch(() => {})
      }
    })
  }

  /** Write every queued append (group commit: one sync for the group under `always`). */
  private async writeQueued(): Promise<void> {
    this.writeScheduled = false
    const group = this.appendQueue
    this.appendQueue = []
    const written: PendingAppend[] = []
    for (const item of group) {
      try {
        await this.writeFrame(item.frame, item.spans)
        written.push(item)
      } catch (error) {
        item.reject(spoolError(`Cannot spool: ${describeError(error)}`, error))
      }
    }
    if (written.length === 0) return
    try {
      if (this.settings.fsync === 'always') await this.active?.handle.datasync()
      else this.dirty = true
    } catch (error) {
      for (const item of written) item.reject(spoolError(`Cannot spool: fdatasync failed: ${describeError(error)}`, error))
      return
    }
    for (const item of written) item.resolve()
  }

  private async writeFrame(frame: Uint8Array, spans: number): Promise<void> {
    const { maxBytes, segmentBytes } = this.settings
    const total = (): number => this.segments.reduce((sum, s) => sum + s.size, 0)
    const last = this.segments[this.segments.length - 1]
    // A new segment when the last is full, or when it is the only one and the cap is reached (so it can be dropped).
    const needNew = !last || (last.size > 0 && (last.size + frame.length > segmentBytes || (this.segments.length === 1 && total() + frame.length > maxBytes)))
    const segment = needNew ? await this.roll() : await this.reopen(last)
    while (total() + frame.length > maxBytes && this.segments.length > 1) this.dropOldestForSpace(await this.deleteOldest())
    const handle = (this.active as { handle: FileHandle }).handle
    let done = 0
    try {
      while (done < frame.length) {
        const { bytesWritten } = await handle.write(frame, done, frame.length - done, segment.size + done)
        done += bytesWritten
      }
    } catch (error) {
      // Leave no partial frame behind for the next append to follow.
      await handle.truncate(segment.size).catch(() => {})
      throw error
    }
    segment.size += frame.length
    segment.frames++
    segment.spans += spans
    this.counts.spooled.frames++
    this.counts.spooled.spans += spans
    this.counts.spooled.bytes += frame.length
  }

  /** The last segment, open for appends (the first append of a run continues the earlier run's last segment). */
  private async reopen(last: Segment): Promise<Segment> {
    if (this.active?.no === last.no) return last
    this.active = { no: last.no, handle: await open(last.path, 'r+') }
    return last
  }

  /** Start a new active segment (syncing the previous one). */
  private async roll(): Promise<Segment> {
    if (this.active) {
      if (this.settings.fsync !== 'never') await this.active.handle.datasync().catch(() => {})
      await this.active.handle.close().catch(() => {})
      this.active = undefined
    }
    const no = this.nextSegmentNo++
    const path = join(this.settings.dir, segmentName(no))
    this.active = { no, handle: await open(path, 'wx+') }
    if (this.settings.fsync === 'always') await this.syncDir()
    const segment: Segment = { no, path, size: 0, frames: 0, spans: 0, consumedBytes: 0, consumedFrames: 0, consumedSpans: 0 }
    this.segments.push(segment)
    return segment
  }

  private dropOldestForSpace(segment: Segment): void {
    let frames = segment.frames - segment.consumedFrames
    let spans = segment.spans - segment.consumedSpans
    // Frames being replayed from it are counted by their outcome (consume or release).
    for (const entry of this.checkedOut) {
      if (entry.segment === segment.no && !entry.orphan) {
        entry.orphan = 'spool_full'
        frames--
        spans -= entry.spans
      }
    }
    this.counts.dropped.spool_full += spans
    this.counts.droppedFrames.spool_full += frames
    safeLog(this.settings.logger, 'error', `jaeger-kafka: spool ${this.settings.dir} is full (maxBytes ${this.settings.maxBytes}): dropped the oldest segment, ${frames} batches (${spans} spans), counted as spool_full`)
  }

  /** Delete the oldest segment, moving the cursor past it first. */
  private async deleteOldest(): Promise<Segment> {
    const oldest = this.segments.shift() as Segment
    const next = this.segments[0]
    await this.writeCursor(next ? next.no : this.nextSegmentNo, next ? next.consumedBytes : 0)
    if (this.reader?.no === oldest.no) {
      await this.reader.handle.close().catch(() => {})
      this.reader = undefined
    }
    if (this.active?.no === oldest.no) {
      await this.active.handle.close().catch(() => {})
      this.active = undefined
    }
    await unlink(oldest.path).catch((error: unknown) => {
      if ((error as { code?: unknown }).code !== 'ENOENT') throw error
    })
    return oldest
  }

  // --------------------------------------------------------------- replay

  peek(maxEntries: number, maxBytes: number): Promise<SpoolEntry[]> {
    return this.enqueue(async () => {
      this.checkedOut = []
      if (this.cursorHandle === undefined) return [] // closed
      const entries: SpoolEntry[] = []
      let bytes = 0
      for (const segment of this.segments) {
        let offset = segment.consumedBytes
        while (offset < segment.size && entries.length < maxEntries) {
          const frame = await this.readFrameAt(segment, offset)
          if (!frame) return entries // damaged: counted, the rest of the segment skipped; next peek goes on
          if (entries.length > 0 && bytes + frame.length > maxBytes) return entries
          entries.push(frame.entry)
          this.checkedOut.push({ segment: segment.no, offset, length: frame.length, spans: frame.entry.spanCount, orphan: undefined })
          bytes += frame.length
          offset += frame.length
        }
        if (entries.length >= maxEntries) break
      }
      return entries
    })
  }

  private async readFrameAt(segment: Segment, offset: number): Promise<{ entry: SpoolEntry; length: number } | undefined> {
    if (this.reader?.no !== segment.no) {
      await this.reader?.handle.close().catch(() => {})
      this.reader = { no: segment.no, handle: await open(segment.path, 'r') }
    }
    const handle = this.reader.handle
    const header = new Uint8Array(FRAME_HEADER_BYTES)
    await handle.read(header, 0, FRAME_HEADER_BYTES, offset)
    let read = readFrame(header)
    if (read.status === 'short' && read.needed > FRAME_HEADER_BYTES && offset + read.needed <= segment.size) {
      const whole = new Uint8Array(read.needed)
      let got = 0
      while (got < whole.length) {
        const { bytesRead } = await handle.read(whole, got, whole.length - got, offset + got)
        if (bytesRead === 0) break
        got += bytesRead
      }
      read = readFrame(whole.subarray(0, got))
    }
    if (read.status === 'ok') {
      try {
        return { entry: { ...decodePayload(read.payload, read.spanCount), bytes: read.length }, length: read.length }
      } catch (error) {
        return this.skipDamaged(segment, offset, describeError(error))
      }
    }
    return this.skipDamaged(segment, offset, read.status === 'corrupt' ? read.reason : 'frame cut short')
  }

  /** A frame that verified at open no longer does: count the rest of its segment as spool_corrupt and skip it. */
  private skipDamaged(segment: Segment, offset: number, why: string): undefined {
    let frames = segment.frames - segment.consumedFrames
    let spans = segment.spans - segment.consumedSpans
    // Frames of this segment already handed out in this peek are counted by their outcome.
    for (const entry of this.checkedOut) {
      if (entry.segment !== segment.no || entry.orphan) continue
      entry.orphan = 'spool_corrupt'
      frames--
      spans -= entry.spans
    }
    this.counts.dropped.spool_corrupt += spans
    this.counts.droppedFrames.spool_corrupt += frames
    this.counts.corrupt.frames += frames
    this.counts.corrupt.bytes += segment.size - offset
    safeLog(this.settings.logger, 'error', `jaeger-kafka: spool ${this.settings.dir}: ${segmentName(segment.no)} became unreadable at byte ${offset} (${why}); skipped ${frames} batches (${spans} spans), counted as spool_corrupt`)
    segment.consumedFrames = segment.frames
    segment.consumedSpans = segment.spans
    segment.consumedBytes = segment.size
    return undefined
  }

  consume(count: number, outcome: 'replayed' | 'too_large'): Promise<void> {
    return this.enqueue(async () => {
      if (this.cursorHandle === undefined) return // closed: these frames are replayed again next time
      const done = this.checkedOut.splice(0, count)
      for (const entry of done) {
        if (outcome === 'replayed') {
          this.counts.replayed.frames++
          this.counts.replayed.spans += entry.spans
          this.counts.replayed.bytes += entry.length
        } else {
          this.counts.dropped.too_large += entry.spans
          this.counts.droppedFrames.too_large++
        }
        if (entry.orphan) continue
        const segment = this.segments[0]
        if (!segment || segment.no !== entry.segment || segment.consumedBytes !== entry.offset) continue // skipped as damaged meanwhile
        segment.consumedBytes += entry.length
        segment.consumedFrames++
        segment.consumedSpans += entry.spans
        await this.afterConsume()
      }
      const first = this.segments[0]
      await this.writeCursor(first ? first.no : this.nextSegmentNo, first ? first.consumedBytes : 0)
    })
  }

  /** Delete the oldest segments once everything in them is consumed. */
  private async afterConsume(): Promise<void> {
    while (this.segments.length > 0) {
      const first = this.segments[0] as Segment
      if (first.consumedFrames < first.frames || first.size > first.consumedBytes) return
      // Everything in it consumed (the active one too: the next append starts a fresh segment).
      await this.deleteOldest()
    }
  }

  release(): void {
    for (const entry of this.checkedOut) {
      if (!entry.orphan) continue
      this.counts.dropped[entry.orphan] += entry.spans
      this.counts.droppedFrames[entry.orphan]++
    }
    this.checkedOut = []
  }

  // ---------------------------------------------------------------- sync

  private async writeCursor(segment: number, offset: number): Promise<void> {
    const handle = this.cursorHandle
    if (!handle) return
    await handle.write(encodeCursor(segment, offset), 0, CURSOR_BYTES, 0)
    if (this.settings.fsync === 'always') await handle.datasync()
    else this.dirty = true
  }

  private async syncAll(): Promise<void> {
    this.dirty = false
    await this.active?.handle.datasync().catch((error: unknown) => safeLog(this.settings.logger, 'error', `jaeger-kafka: spool ${this.dir}: fdatasync failed: ${describeError(error)}`))
    await this.cursorHandle?.datasync().catch(() => {})
  }

  /** Make a new file's directory entry durable (`always` only). */
  private async syncDir(): Promise<void> {
    try {
      const handle = await open(this.settings.dir, 'r')
      try {
        await handle.sync()
      } finally {
        await handle.close()
      }
    } catch {
      // Not every platform can open a directory; the file data itself is synced.
    }
  }

  private enqueue<T>(op: () => Promise<T>): Promise<T> {
    const run = this.chain.then(op)
    this.chain = run.catch(() => {})
    return run
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown()
    return this.closing
  }

  private async shutdown(): Promise<void> {
    this.closed = true
    if (this.syncTimer !== undefined) clearInterval(this.syncTimer)
    await this.enqueue(async () => {
      if (this.appendQueue.length > 0) await this.writeQueued()
      if (this.settings.fsync !== 'never') await this.syncAll()
      await this.active?.handle.close().catch(() => {})
      await this.reader?.handle.close().catch(() => {})
      await this.cursorHandle?.close().catch(() => {})
      this.active = undefined
      this.reader = undefined
      this.cursorHandle = undefined
    }).catch((error: unknown) => safeLog(this.settings.logger, 'error', `jaeger-kafka: spool ${this.dir}: close failed: ${describeError(error)}`))
    await unlink(this.settings.lockPath).catch(() => {})
  }
}

