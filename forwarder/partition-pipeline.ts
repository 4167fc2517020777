// SPDX-License-Identifier: Apache-2.0
/**
 * The forwarding loop of one topic-partition, decoupled from the Kafka
 * client's fetch loop: fetched records queue here in offset order, up to
 * `maxInFlight` POSTs run at once (started in offset order), and the offset
 * to commit only moves past records that were forwarded (2xx) or
 * dead-lettered. A retryable failure holds this partition alone: failed
 * records go back to the front of the queue, the partition waits out one
 * capped, jittered backoff step (one log line per step), then probes with a
 * single POST before pipelining again. Other partitions are not affected.
 *
 * A POST carries one record, or several consecutive queued records joined
 * into one body (`post-group.ts`: otlp_proto records, jaeger_proto records of
 * one process), up to `limits`. Every record of a POST shares its fate: all
 * are committable after a 2xx, all go back to the queue after a retryable
 * failure. A permanent rejection (400/413/415) of a joined POST says nothing
 * about which record is bad, so its records are POSTed again one by one, and
 * only the one rejected alone is dead-lettered.
 * @module
 */
import { describeError } from '../src/errors.ts'
import { backoffDelay } from '../src/retry.ts'
import type { ResolvedForwarderRetry } from './retry-policy.ts'
import { configHint } from './classify.ts'
import type { PostResult } from './collector-client.ts'
import { deadLetterMessage } from './dead-letter.ts'
import type { DeadLetterInfo, DeadLetterMessage } from './dead-letter.ts'
import type { SafeLogger } from './logger.ts'
import type { ForwarderMetrics, PartitionState } from './metrics.ts'
import { createOffsetTracker } from './offset-tracker.ts'
import { validateRecord } from './record.ts'
import type { ForwardTarget, SpanRecord, Validation } from './record.ts'
import { canJoin, joinedBody, joinedSize } from './post-group.ts'
import type { PostLimits, ValidRecord } from './post-group.ts'
import { Aborted, raceAbort, sleep } from './abortable.ts'

/** What a pipeline needs from the forwarder. */
export interface PipelineDeps {
  topic: string
  partition: number
  /** POSTs started at once (1 = strictly one after another). */
  maxInFlight: number
  /** How many consecutive joinable records one POST may carry (default: one record per POST). */
  limits?: PostLimits
  /** Fetching pauses while this many records are registered but not committable. */
  maxPending: number
  retry: ResolvedForwarderRetry
  /** POST a validated record's body to its target (the collector's `/api/traces` or the OTLP receiver). */
  post(body: Uint8Array, signal: AbortSignal, target: ForwardTarget): Promise<PostResult>
  /** Produce one record to the dead-letter topic; rejects on failure. */
  deadLetter(message: DeadLetterMessage): Promise<void>
  deadLetterTopic: string
  collectorName: string
  /** The OTLP endpoint, for logs (default: `collectorName`). */
  otlpName?: string
  metrics: ForwarderMetrics
  logger: SafeLogger
  /** The committable offset moved forward. */
  onProgress(): void
  /** Stop / restart fetching this partition (backpressure). */
  pause(): void
  resume(): void
  random?: () => number
}

/** One partition's forwarding state. */
export interface PartitionPipeline {
  readonly topic: string
  readonly partition: number
  /** Queue fetched records (re-deliveries of offsets already seen are skipped); returns how many were new. */
  accept(records: readonly SpanRecord[], batchLastOffset?: bigint): number
  /** Offset to commit now (last contiguous finished offset + 1). */
  readonly committable: bigint | undefined
  /** What the forwarder committed last for this partition. */
  lastCommitted: bigint | undefined
  /** True while this pipeline asked for fetching to be paused. */
  readonly paused: boolean
  state(): PartitionState
  /**
   * Stop: drop queued records (they stay uncommitted in Kafka), let POSTs
   * in flight finish for up to `timeoutMs`, then abort the rest.
   */
  drain(timeoutMs: number): Promise<void>
  /** The partition was revoked: drop everything at once, abort what is in flight. */
  abandon(): void
}

interface Item {
  readonly record: SpanRecord
  /**
   * Set by `validateAhead()` in slices of at most VALIDATE_SLICE_MS, or just
   * before the record's first POST if that comes first. Decoding a whole
   * fetched batch (~40 records of 24 KB) in the fetch handler held the event
   * loop for milliseconds while POST answers waited; decoding only right
   * before each POST put the decode on every POST's critical path instead
   * (both measured with bench/forwarder.ts).
   */
  validation?: Validation
  attempts: number
  /** Set when a joined POST holding this record was rejected as permanent: POST it alone from now on. */
  alone?: boolean
}

const seconds = (ms: number): string => (ms / 1000).toFixed(ms < 10_000 ? 1 : 0)

/**
 * Longest stretch of validation between two turns of the event loop, ms (a
 * 24 KB record takes ~0.06 ms). 0.25 rather than 1: 1 partition × 4 in flight
 * drained 0.85–1.05× of the direct loop against 0.71–0.78× with 1 ms, in 3
 * of 3 paired rounds (bench/forwarder.ts, 2000 records, load 2–3).
 */
const VALIDATE_SLICE_MS = 0.25

/** A pipeline for one assigned partition. */
export function createPartitionPipeline(deps: PipelineDeps): PartitionPipeline {
  const { topic, partition, metrics, logger } = deps
  const random = deps.random ?? Math.random
  const where = `${topic}[${partition}]`
  const tracker = createOffsetTracker()
  const queue: Item[] = []
  const inFlight = new Set<Item>()
  const limits: PostLimits = deps.limits ?? { maxBytes: 0, maxRecords: 1 }
  // POSTs (or dead-letter writes) running now; `inFlight` counts their records.
  let running = 0
  const runs = new Set<Promise<void>>()
  const controller = new AbortController()
  let closing = false
  let paused = false
  // Consecutive backoff steps of this partition (reset by a success after the probe).
  let step = 0
  let backoffTimer: ReturnType<typeof setTimeout> | undefined
  let probing = false
  let lastCommitted: bigint | undefined
  let validateTimer: ReturnType<typeof setTimeout> | undefined
  // Queue position up to which records are validated (records before it were validated or started).
  let validatedUpTo = 0

  function requeue(item: Item): void {
    // Keep the queue in offset order: a failed record goes back before later ones.
    let i = 0
    while (i < queue.length && queue[i]!.record.offset < item.record.offset) i++
    queue.splice(i, 0, item)
    // It was POSTed, so it is validated: inside or right after the validated prefix, the prefix grows.
    if (i <= validatedUpTo) validatedUpTo++
  }

  function finish(item: Item): void {
    tracker.complete(item.record.offset)
    deps.onProgress()
  }

  function checkBackpressure(): void {
    if (closing) return
    const pending = tracker.pending
    if (!paused && pending >= deps.maxPending) {
      paused = true
      deps.pause()
    } else if (paused && pending <= deps.maxPending / 2) {
      paused = false
      deps.resume()
    }
  }

  function pump(): void {
    if (closing || backoffTimer !== undefined) return
    const limit = probing ? 1 : deps.maxInFlight
    while (running < limit && queue.length > 0) {
      const group = takeGroup()
      for (const item of group) inFlight.add(item)
      running++
      const run = process(group).catch((error) => {
        // Not expected (process() handles its own failures); keep the records uncommitted.
        logger.error(`Cannot forward ${where} ${offsets(group)}: unexpected ${describeError(error)}`)
        for (const item of group) inFlight.delete(item)
      })
      runs.add(run)
      void run.finally(() => {
        running--
        runs.delete(run)
        checkBackpressure()
        pump()
      })
    }
  }

  function shiftQueue(): Item {
    if (validatedUpTo > 0) validatedUpTo--
    return queue.shift()!
  }

  /**
   * The next POST's records: the first queued record, and the queued records
   * right after it that can join it (valid, same encoding and process, not
   * marked `alone`), within `limits`. Validates them if `validateAhead()` has
   * not yet (validation always comes before a POST).
   */
  function takeGroup(): Item[] {
    const first = shiftQueue()
    const head = validate(first)
    if (!head.ok || first.alone === true || limits.maxRecords <= 1) return [first]
    const group = [first]
    let bytes = head.body.length
    while (queue.length > 0 && group.length < limits.maxRecords) {
      const next = queue[0]!
      if (next.alone === true) break
      const v = validate(next)
      if (!v.ok || !canJoin(head, v) || bytes + joinedSize(v) > limits.maxBytes) break
      bytes += joinedSize(v)
      group.push(shiftQueue())
    }
    return group
  }

  // "offset 7" or "offsets 7-12 (6 records)", for log lines.
  function offsets(group: readonly Item[]): string {
    const first = group[0]!.record.offset
    if (group.length === 1) return `offset ${first}`
    return `offsets ${first}-${group[group.length - 1]!.record.offset} (${group.length} records)`
  }

  // Where the item's POSTs go, for log lines (validated before any POST).
  function targetName(item: Item): string {
    return item.validation?.ok === true && item.validation.target === 'otlp' ? (deps.otlpName ?? deps.collectorName) : deps.collectorName
  }

  function recovered(): void {
    // A success outside a backoff wait ends the outage for this partition.
    if (backoffTimer !== undefined) return
    if (step > 0) logger.info(`${where}: ${deps.collectorName} accepts records again after ${step} backoff step${step === 1 ? '' : 's'}`)
    step = 0
    probing = false
  }

  function backOff(group: readonly Item[], result: PostResult): void {
    for (const item of group) {
      inFlight.delete(item)
      requeue(item)
    }
    const item = group[0]!
    // Several POSTs in flight can fail for the same outage: one step, one log line.
    if (backoffTimer !== undefined || closing) return
    step++
    let delay = result.kind === 'config' ? deps.retry.configErrorDelayMs : backoffDelay(step, deps.retry, random)
    if (result.retryAfterMs !== undefined) delay = Math.min(deps.retry.maxDelayMs, Math.max(delay, result.retryAfterMs))
    metrics.retry(result.label)
    const waiting = queue.length
    if (result.kind === 'config') {
      logger.error(
        `Cannot forward ${where} ${offsets(group)} to ${targetName(item)}: ${result.detail}. ` +
          `This is a configuration error: ${configHint(result.status)}. Records stay in Kafka; retry ${step} in ${seconds(delay)} s`,
      )
    } else {
      logger.warn(
        `Cannot forward ${where} ${offsets(group)} to ${targetName(item)}: ${result.detail}; ` +
          `retry ${step} in ${seconds(delay)} s (partition held, ${waiting} record${waiting === 1 ? '' : 's'} waiting)`,
      )
    }
    backoffTimer = setTimeout(() => {
      backoffTimer = undefined
      probing = true
      pump()
    }, delay)
    ;(backoffTimer as { unref?: () => void }).unref?.()
  }

  async function deadLetter(item: Item, info: DeadLetterInfo): Promise<boolean> {
    const message = deadLetterMessage(item.record, info)
    for (let attempt = 1; ; attempt++) {
      if (controller.signal.aborted) return false
      try {
        // A produce call cannot be cancelled; stop() stops waiting for it.
        await raceAbort(deps.deadLetter(message), controller.signal)
        metrics.deadLettered(info.reason)
        logger.warn(`Dead-lettered ${where} offset ${item.record.offset} to ${deps.deadLetterTopic}: ${info.reason}: ${info.message.slice(0, 200)}`)
        return true
      } catch (error) {
        if (error instanceof Aborted) return false
        metrics.deadLetterError()
        metrics.retry('dead-letter')
        const delay = backoffDelay(attempt, deps.retry, random)
        logger.warn(
          `Cannot write ${where} offset ${item.record.offset} to dead-letter topic ${deps.deadLetterTopic}: ${describeError(error)}; ` +
            `retry ${attempt} in ${seconds(delay)} s (offset not committed)`,
        )
        try {
          await sleep(delay, controller.signal)
        } catch {
          return false
        }
      }
    }
  }

  function validate(item: Item): Validation {
    if (item.validation === undefined) {
      item.validation = validateRecord(item.record)
      if (item.validation.ok) metrics.consumed(topic, partition, 0, item.validation.spanCount, item.validation.encoding)
    }
    return item.validation
  }

  /** Validate queued records ahead of their POSTs, yielding to I/O every VALIDATE_SLICE_MS. */
  function validateAhead(): void {
    validateTimer = undefined
    if (closing) return
    const until = performance.now() + VALIDATE_SLICE_MS
    validatedUpTo = Math.min(validatedUpTo, queue.length)
    while (validatedUpTo < queue.length && performance.now() < until) validate(queue[validatedUpTo++]!)
    if (validatedUpTo < queue.length) scheduleValidation()
  }

  function scheduleValidation(): void {
    if (validateTimer !== undefined || closing) return
    validateTimer = setTimeout(validateAhead, 0)
    ;(validateTimer as { unref?: () => void }).unref?.()
  }

  async function process(group: Item[]): Promise<void> {
    const first = group[0]!
    const validation = validate(first)
    if (!validation.ok) {
      // Invalid records are never joined (takeGroup()): dead-letter this one alone, without a POST.
      if (await deadLetter(first, { reason: validation.reason, message: validation.message, attempts: 0 })) finish(first)
      inFlight.delete(first)
      return
    }
    const valid = group.map((item) => item.validation as ValidRecord)
    for (const item of group) item.attempts++
    const result = await deps.post(joinedBody(valid), controller.signal, validation.target)
    metrics.post(result.label, result.seconds, validation.encoding)
    switch (result.kind) {
      case 'success': {
        // An OTLP partial success: the rejected spans are dropped (a retry would be rejected again).
        let spans = 0
        for (const v of valid) spans += v.spanCount
        const rejected = Math.min(result.rejectedSpans ?? 0, spans)
        if (rejected > 0) {
          metrics.rejected(validation.encoding, rejected)
          logger.warn(`${targetName(first)} rejected ${rejected} of ${spans} spans of ${where} ${offsets(group)} (dropped): ${(result.rejectedMessage ?? '').slice(0, 200)}`)
        }
        // The answer does not say which records the rejected spans were in: take them from the first ones, so the totals stay exact.
        let unassigned = rejected
        for (let i = 0; i < group.length; i++) {
          const dropped = Math.min(unassigned, valid[i]!.spanCount)
          unassigned -= dropped
          inFlight.delete(group[i]!)
          metrics.forwarded(topic, partition, valid[i]!.spanCount - dropped, valid[i]!.encoding)
          finish(group[i]!)
        }
        recovered()
        return
      }
      case 'aborted':
        for (const item of group) inFlight.delete(item)
        return
      case 'permanent': {
        recovered()
        if (group.length > 1) {
          // Which record is bad? POST each one alone; only the one rejected alone is dead-lettered.
          logger.warn(`${targetName(first)} rejected a joined POST of ${where} ${offsets(group)}: ${result.detail.slice(0, 200)}; POSTing them one by one`)
          for (const item of group) {
            item.alone = true
            inFlight.delete(item)
            requeue(item)
          }
          return
        }
        const info: DeadLetterInfo = { reason: 'collector-rejected', message: result.detail, status: result.status, attempts: first.attempts }
        if (await deadLetter(first, info)) finish(first)
        inFlight.delete(first)
        return
      }
      case 'retry': {
        const exhausted = group.filter((item) => item.attempts >= deps.retry.maxAttempts)
        if (exhausted.length < group.length) backOff(group.filter((item) => item.attempts < deps.retry.maxAttempts), result)
        for (const item of exhausted) {
          const info: DeadLetterInfo = { reason: 'retries-exhausted', message: result.detail, status: result.status, attempts: item.attempts }
          if (await deadLetter(item, info)) finish(item)
          inFlight.delete(item)
        }
        return
      }
      case 'config':
        backOff(group, result)
        return
    }
  }

  function stopTimers(): void {
    closing = true
    if (backoffTimer !== undefined) clearTimeout(backoffTimer)
    backoffTimer = undefined
    if (validateTimer !== undefined) clearTimeout(validateTimer)
    validateTimer = undefined
    queue.length = 0
    validatedUpTo = 0
  }

  return {
    topic,
    partition,
    accept(records, batchLastOffset) {
      if (closing) return 0
      let added = 0
      for (const record of records) {
        const last = tracker.last
        if (last !== undefined && record.offset <= last) continue
        tracker.add(record.offset)
        queue.push({ record, attempts: 0 })
        added++
      }
      // Transaction markers after the last record need no work but must be committed past.
      const last = tracker.last
      if (batchLastOffset !== undefined && (last === undefined || batchLastOffset > last)) tracker.add(batchLastOffset, true)
      // Spans are counted as consumed when the record is validated.
      if (added > 0) metrics.consumed(topic, partition, added, 0)
      checkBackpressure()
      pump()
      scheduleValidation()
      return added
    },
    get committable() {
      return tracker.committable
    },
    get lastCommitted() {
      return lastCommitted
    },
    set lastCommitted(value) {
      lastCommitted = value
    },
    get paused() {
      return paused
    },
    state() {
      return { topic, partition, queued: queue.length, inFlight: inFlight.size, retrying: backoffTimer !== undefined, paused }
    },
    async drain(timeoutMs) {
      stopTimers()
      if (runs.size > 0) {
        let timer: ReturnType<typeof setTimeout> | undefined
        const timedOut = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMs)
          ;(timer as { unref?: () => void }).unref?.()
        })
        await Promise.race([Promise.allSettled([...runs]), timedOut])
        clearTimeout(timer)
      }
      // Whatever is still running is cut off; its records stay uncommitted.
      controller.abort()
      while (runs.size > 0) await Promise.allSettled([...runs])
    },
    abandon() {
      stopTimers()
      controller.abort()
    },
  }
}
