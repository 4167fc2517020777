// SPDX-License-Identifier: Apache-2.0
/**
 * The spool port: what `createSpoolingProducer()` needs from a spool
 * (`openFileSpool()` in `file-spool.node.ts` is the implementation; unit
 * tests may use another).
 * @module
 */
import type { ProduceRequest } from '../../src/kafka/types.ts'

/** Why spooled spans were dropped. */
export type SpoolDropReason = 'spool_full' | 'spool_corrupt' | 'too_large'

/** Every `SpoolDropReason`. */
export const SPOOL_DROP_REASONS: readonly SpoolDropReason[] = ['spool_full', 'spool_corrupt', 'too_large']

/** A count of spooled send() calls ("frames"), the spans they hold and their bytes on disk. */
export interface SpoolCount {
  frames: number
  spans: number
  bytes: number
}

/** A snapshot of a spool's counters (since it was opened, except `pending`, `segments`, `diskBytes`). */
export interface SpoolStats {
  /** Appended (durable per the fsync policy). */
  spooled: SpoolCount
  /** Sent to the broker from the spool and acknowledged. */
  replayed: SpoolCount
  /** On disk, not yet acknowledged (includes what an earlier run left). */
  pending: SpoolCount
  /** What an earlier run left, found when the spool was opened. */
  recovered: SpoolCount
  /** Spans dropped, by reason (`spool_corrupt`: spans of damaged frames whose header was readable). */
  dropped: Record<SpoolDropReason, number>
  /** Frames dropped, by reason. */
  droppedFrames: Record<SpoolDropReason, number>
  /** Damaged bytes truncated or skipped, and frames whose span count was unreadable (cut inside the header). */
  corrupt: { bytes: number; frames: number; unknownSpanFrames: number }
  /** Segment files on disk. */
  segments: number
  /** Bytes of every segment file (acknowledged frames of the oldest segment included, until it is deleted). */
  diskBytes: number
  /** The spool's byte cap. */
  maxBytes: number
}

/** One spooled send() call handed out for replay. */
export interface SpoolEntry {
  readonly request: ProduceRequest
  readonly spanCount: number
  /** Frame bytes on disk. */
  readonly bytes: number
}

/**
 * A durable FIFO of send() calls.
 * Replay protocol: `peek()` hands out the oldest entries (the same ones until
 * they are consumed or released); `consume(n)` after the broker acknowledged
 * the first `n`; `release()` after a failed attempt.
 */
export interface SpanSpool {
  /** Append one send() call; resolves once written (and on disk when fsync is `always`). Rejects if it cannot be spooled. */
  append(request: ProduceRequest): Promise<void>
  /** The oldest entries not yet consumed: at least one if any, then more while within `maxEntries` and `maxBytes`. */
  peek(maxEntries: number, maxBytes: number): Promise<SpoolEntry[]>
  /** The first `count` peeked entries are done: `replayed` (acknowledged) or dropped as `too_large`. */
  consume(count: number, outcome: 'replayed' | 'too_large'): Promise<void>
  /** The peeked entries were not delivered; the next `peek()` starts over. */
  release(): void
  /** Frames on disk not yet consumed (appends in progress included). */
  readonly pendingFrames: number
  stats(): SpoolStats
  /** Write the cursor, sync, release the lock. What is pending stays for the next open. */
  close(): Promise<void>
}

/** The stats of a spool that is not open (yet): all zero. */
export function emptySpoolStats(maxBytes = 0): SpoolStats {
  const count = (): SpoolCount => ({ frames: 0, spans: 0, bytes: 0 })
  const reasons = (): Record<SpoolDropReason, number> => ({ spool_full: 0, spool_corrupt: 0, too_large: 0 })
  return {
    spooled: count(),
    replayed: count(),
    pending: count(),
    recovered: count(),
    dropped: reasons(),
    droppedFrames: reasons(),
    corrupt: { bytes: 0, frames: 0, unknownSpanFrames: 0 },
    segments: 0,
    diskBytes: 0,
    maxBytes,
  }
}
