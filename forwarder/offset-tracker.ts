// SPDX-License-Identifier: Apache-2.0
/**
 * Per-partition offset bookkeeping: records complete in any order (pipelined
 * POSTs, retries, dead-lettering), but the offset to commit only ever moves to
 * just after the highest *contiguous* completed record, so a commit never
 * skips a record that is neither forwarded nor dead-lettered. Offsets need
 * not be consecutive (compacted topics, transaction markers).
 * @module
 */

/** Contiguous-completion tracker for one partition. */
export interface OffsetTracker {
  /** Register the next offset (strictly greater than the previous one); `done` for a marker that needs no work. */
  add(offset: bigint, done?: boolean): void
  /** Mark a registered offset complete (idempotent; unknown offsets throw `RangeError`). */
  complete(offset: bigint): void
  /** The offset to commit (last contiguous completed offset + 1), or undefined before the first one. */
  readonly committable: bigint | undefined
  /** The highest offset registered so far, or undefined. */
  readonly last: bigint | undefined
  /** Registered offsets not yet covered by `committable`. */
  readonly pending: number
}

interface Entry {
  offset: bigint
  done: boolean
}

/** A tracker with nothing registered. */
export function createOffsetTracker(): OffsetTracker {
  let entries: Entry[] = []
  let head = 0
  const byOffset = new Map<bigint, Entry>()
  let committable: bigint | undefined
  let last: bigint | undefined

  const advance = (): void => {
    while (head < entries.length && entries[head]!.done) {
      const entry = entries[head++]!
      committable = entry.offset + 1n
      byOffset.delete(entry.offset)
    }
    // Drop the consumed prefix now and then, not on every call.
    if (head > 1024 && head * 2 > entries.length) {
      entries = entries.slice(head)
      head = 0
    }
  }

  return {
    add(offset, done = false) {
      if (typeof offset !== 'bigint') throw new TypeError('Cannot track offset: expected a bigint')
      if (last !== undefined && offset <= last) throw new RangeError(`Cannot track offset ${offset}: not after ${last}`)
      last = offset
      const entry = { offset, done }
      entries.push(entry)
      byOffset.set(offset, entry)
      if (done) advance()
    },
    complete(offset) {
      const entry = byOffset.get(offset)
      if (entry === undefined) {
        if (committable !== undefined && offset < committable) return
        throw new RangeError(`Cannot complete offset ${offset}: it was never tracked`)
      }
      entry.done = true
      advance()
    },
    get committable() {
      return committable
    },
    get last() {
      return last
    },
    get pending() {
      return entries.length - head
    },
  }
}
