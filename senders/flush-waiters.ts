// SPDX-License-Identifier: Apache-2.0
/**
 * `flush()` calls waiting for their batches: each waits until every batch
 * sealed up to its call settled (delivered or dropped), or until its timeout;
 * then it reports the outcome of the batch it sealed, exactly once.
 * @module
 */
import type { BatchReport } from './batch-sealer.ts'
import type { FlushResult, SenderCallback } from './sender-types.ts'

/** One waiting `flush()` call. */
export interface FlushWaiter {
  /** Settled once every batch with a seqNo up to this one settled. */
  untilSeqNo: number
  /** The batch(es) this flush sealed, if any. */
  report?: BatchReport
  callback?: SenderCallback
  resolve(result: FlushResult): void
  timer?: ReturnType<typeof setTimeout>
  done: boolean
}

/** What the waiters need from their sender. */
export interface FlushWaitersOptions {
  /** The lowest seqNo not yet settled (Infinity when none is). */
  minUnsettledSeqNo(): number
  /** Call a caller's callback safely. */
  invoke(callback: SenderCallback | undefined, numSpans: number, error?: string): void
  /** Report a settled flush's outcome through its callback or the metrics. */
  reportOutcome(callback: SenderCallback | undefined, delivered: number, dropped: number, error: string | undefined): void
}

/** The `flush()` calls of one sender, oldest first. */
export class FlushWaiters {
  private readonly options: FlushWaitersOptions
  private waiters: FlushWaiter[] = []

  constructor(options: FlushWaitersOptions) {
    this.options = options
  }

  /** Wait for `waiter`, giving up after `timeoutMs` (none when not finite). */
  add(waiter: FlushWaiter, timeoutMs: number): void {
    this.waiters.push(waiter)
    if (Number.isFinite(timeoutMs)) {
      waiter.timer = setTimeout(() => this.timedOut(waiter), timeoutMs)
      ;(waiter.timer as { unref?: () => void }).unref?.()
    }
    this.check()
  }

  /** Finish every waiter whose batches all settled. */
  check(): void {
    if (this.waiters.length === 0) return
    const min = this.options.minUnsettledSeqNo()
    while (this.waiters.length > 0 && (this.waiters[0] as FlushWaiter).untilSeqNo < min) {
      this.finish(this.waiters.shift() as FlushWaiter, false)
    }
  }

  private timedOut(waiter: FlushWaiter): void {
    if (waiter.done) return
    const index = this.waiters.indexOf(waiter)
    if (index >= 0) this.waiters.splice(index, 1)
    this.finish(waiter, true)
  }

  private finish(waiter: FlushWaiter, timedOut: boolean): void {
    waiter.done = true
    if (waiter.timer !== undefined) clearTimeout(waiter.timer)
    const report = waiter.report
    if (!report) {
      this.options.invoke(waiter.callback, 0)
      waiter.resolve({ spans: 0, timedOut })
      return
    }
    report.onComplete = undefined
    if (report.pending > 0) {
      // Still buffered: its outcome goes to the metrics when it settles.
      this.options.invoke(waiter.callback, 0)
      waiter.resolve({ spans: 0, timedOut: true })
      return
    }
    this.options.reportOutcome(waiter.callback, report.delivered, report.dropped, report.error)
    const result: FlushResult = report.dropped > 0 && report.delivered === 0 ? { spans: report.dropped, error: report.error ?? 'dropped', timedOut } : { spans: report.delivered, timedOut }
    waiter.resolve(result)
  }
}
