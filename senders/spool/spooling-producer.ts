// SPDX-License-Identifier: Apache-2.0
/**
 * `createSpoolingProducer()`: a `KafkaProducer` in front of a real one that
 * puts what Kafka cannot take into a `SpanSpool` and replays it in order.
 *
 * States:
 * - `direct`: `send()` goes to the real producer. A failure that is not
 *   `MESSAGE_TOO_LARGE` (those pass through, so the sender's queue splits the
 *   batch) appends the request to the spool and resolves once it is written:
 *   the batch is safe. The producer turns to `spooling`.
 * - `spooling` (the spool holds anything): new sends go straight to the spool
 *   (so order is kept) and resolve once written; a replay loop sends the
 *   oldest spooled requests to the real producer (several frames of one
 *   topic per produce call, within `replayMaxBytes`), consumes them only after
 *   the broker acknowledged them, and backs off with `src/retry.ts` between
 *   failed attempts (timers unref'd). Empty again: back to `direct`.
 * - `closed`: replay stopped; what is still spooled stays for the next start.
 *
 * Delivery is at-least-once: a send that failed may still have reached the
 * broker, and a replayed group acknowledged just before a crash (before the
 * spool's cursor moved) is replayed again after the restart.
 * @module
 */
import { ErrorCodes, JaegerKafkaError, describeError, isJaegerKafkaError } from '../../src/errors.ts'
import { nullLogger, safeLog } from '../../src/kafka/logger.ts'
import type { Logger } from '../../src/kafka/logger.ts'
import type { KafkaProducer, KafkaRecord, ProduceRequest } from '../../src/kafka/types.ts'
import { SENDER_RETRY_DEFAULTS, backoffDelay, resolveRetry } from '../../src/retry.ts'
import type { ResolvedRetry, RetryOptions } from '../../src/retry.ts'
import { emptySpoolStats } from './span-spool.ts'
import type { SpanSpool, SpoolEntry, SpoolStats } from './span-spool.ts'
import { integerAtLeast } from '../../src/option-checks.ts'

/** Default most bytes of spooled frames replayed in one produce call (one record batch must stay under the broker's limit). */
export const DEFAULT_REPLAY_MAX_BYTES = 512 * 1024
/** Default most spooled frames replayed in one produce call. */
export const DEFAULT_REPLAY_MAX_FRAMES = 64

/** Options of `createSpoolingProducer()`. */
export interface SpoolingProducerOptions {
  /** Backoff between failed replay attempts (default: the sender's, 200 ms doubling to 5 s). */
  retry?: RetryOptions
  /** Most spooled bytes per replay produce call (default 512 KiB; a larger single frame goes alone). */
  replayMaxBytes?: number
  /** Most spooled frames per replay produce call (default 64). */
  replayMaxFrames?: number
  logger?: Logger
  /** Random source for the backoff jitter (tests). */
  random?: () => number
}

/** `direct`, `spooling` or `closed` (see the module comment). */
export type SpoolingMode = 'direct' | 'spooling' | 'closed'

/** What `spoolStats()` returns: the spool's counters plus the producer's state. */
export interface SpoolingStats extends SpoolStats {
  mode: SpoolingMode
  /** Replay produce calls made / failed. */
  replayAttempts: number
  replayFailures: number
}

/** A `KafkaProducer` backed by a spool. */
export interface SpoolingProducer extends KafkaProducer {
  spoolStats(): SpoolingStats
  readonly mode: SpoolingMode
  /** Resolves when the spool is empty and the producer is `direct` again (or closed). */
  whenDrained(): Promise<void>
  /**
   * Stop replaying (after waiting up to `drainTimeoutMs`, default 0, for the
   * spool to empty while replay succeeds), wait for appends, close the spool.
   * Does not disconnect the real producer. Never rejects.
   */
  close(options?: { drainTimeoutMs?: number }): Promise<void>
}

function isTooLarge(error: unknown): boolean {
  return isJaegerKafkaError(error) && error.code === ErrorCodes.MESSAGE_TOO_LARGE
}

function attempt(fn: () => Promise<void>): Promise<void> {
  try {
    return Promise.resolve(fn())
  } catch (error) {
    return Promise.reject(error)
  }
}


/** The leading entries that share the first one's topic (one produce call is one topic). */
function sameTopicPrefix(entries: readonly SpoolEntry[]): SpoolEntry[] {
  const topic = entries[0]?.request.topic
  const prefix: SpoolEntry[] = []
  for (const entry of entries) {
    if (entry.request.topic !== topic) break
    prefix.push(entry)
  }
  return prefix
}

/**
 * Wrap `producer` so that what it cannot take goes to `spool` and is replayed
 * in order (see the module comment). `spool` may still be opening (a
 * Promise): sends go direct meanwhile; if it fails to open, the error is
 * logged and failed sends reject as they would without a spool.
 */
export function createSpoolingProducer(producer: KafkaProducer, spool: SpanSpool | Promise<SpanSpool>, options: SpoolingProducerOptions = {}): SpoolingProducer {
  return new SpoolingProducerImpl(producer, spool, options)
}

class SpoolingProducerImpl implements SpoolingProducer {
  readonly maxInFlight: number | undefined
  readonly ownsClient: boolean | undefined
  readonly name: string
  private readonly producer: KafkaProducer
  /** The spool once open; undefined while opening or when it could not be opened. */
  private spool: SpanSpool | undefined
  private readonly opening: Promise<SpanSpool | undefined>
  private readonly logger: Logger
  private readonly backoff: ResolvedRetry
  private readonly random: (() => number) | undefined
  private readonly replayMaxBytes: number
  private readonly replayMaxFrames: number
  private state: SpoolingMode = 'direct'
  private loop: Promise<void> | undefined
  private draining = false
  private sleeper: { timer: ReturnType<typeof setTimeout>; wake: () => void } | undefined
  private drainWaiters: (() => void)[] = []
  private replayAttempts = 0
  private replayFailures = 0
  private closing: Promise<void> | undefined

  constructor(producer: KafkaProducer, spool: SpanSpool | Promise<SpanSpool>, options: SpoolingProducerOptions) {
    this.producer = producer
    this.logger = options.logger ?? nullLogger
    this.backoff = resolveRetry(options.retry, SENDER_RETRY_DEFAULTS)
    this.random = options.random
    this.replayMaxBytes = integerAtLeast(options.replayMaxBytes ?? DEFAULT_REPLAY_MAX_BYTES, 'replayMaxBytes')
    this.replayMaxFrames = integerAtLeast(options.replayMaxFrames ?? DEFAULT_REPLAY_MAX_FRAMES, 'replayMaxFrames')
    this.maxInFlight = producer.maxInFlight
    this.ownsClient = producer.ownsClient
    this.name = `${producer.name ?? 'producer'}+spool`
    // `opening` is set before anything awaits it (the replay loop starts from `opened`).
    const opened = (s: SpanSpool): void => {
      this.spool = s
      // What an earlier run left is replayed at once.
      if (s.pendingFrames > 0 && this.state === 'direct') this.startSpooling(false)
    }
    if (spool instanceof Promise) {
      this.opening = spool.then(
        (s) => {
          opened(s)
          return s
        },
        (error: unknown) => {
          safeLog(this.logger, 'error', `jaeger-kafka: cannot open the spool: ${describeError(error)}; running without it (undelivered spans stay in memory only)`)
          return undefined
        },
      )
    } else {
      this.opening = Promise.resolve(spool)
      opened(spool)
    }
  }

  get mode(): SpoolingMode {
    return this.state
  }

  connect(): Promise<void> {
    return attempt(() => this.producer.connect())
  }

  disconnect(): Promise<void> {
    return attempt(() => this.producer.disconnect())
  }

  flush(timeoutMs: number): Promise<void> {
    const flush = this.producer.flush
    return flush ? attempt(() => flush.call(this.producer, timeoutMs)) : Promise.resolve()
  }

  send(request: ProduceRequest): Promise<void> {
    if (this.state === 'closed') return Promise.reject(new JaegerKafkaError(ErrorCodes.CLOSED, 'Cannot send: the spooling producer is closed'))
    if (this.state === 'spooling') return this.append(request, undefined)
    return attempt(() => this.producer.send(request)).catch((error: unknown) => {
      if (isTooLarge(error) || this.state === 'closed' || request.messages.length === 0) throw error
      const spooled = this.append(request, error)
      if (this.state === 'direct') {
        safeLog(this.logger, 'error', `jaeger-kafka: cannot produce to topic "${request.topic}": ${describeError(error)}; spooling to disk until Kafka takes records again`)
        this.startSpooling(true)
      }
      return spooled
    })
  }

  whenDrained(): Promise<void> {
    if (this.state !== 'spooling') return Promise.resolve()
    return new Promise((resolve) => this.drainWaiters.push(resolve))
  }

  spoolStats(): SpoolingStats {
    return { ...(this.spool?.stats() ?? emptySpoolStats()), mode: this.state, replayAttempts: this.replayAttempts, replayFailures: this.replayFailures }
  }

  close(options: { drainTimeoutMs?: number } = {}): Promise<void> {
    this.closing ??= this.shutdown(options.drainTimeoutMs ?? 0)
    return this.closing
  }

  // ------------------------------------------------------------- internals

  /** Append to the spool; a failure rejects with the send's own error when there was one (the caller's queue keeps the batch). */
  private append(request: ProduceRequest, sendError: unknown): Promise<void> {
    const spool = this.spool
    if (!spool) {
      // Still opening: wait for it; could not open: behave as if there were no spool.
      return this.opening.then((opened) => {
        if (!opened) throw sendError ?? new JaegerKafkaError(ErrorCodes.SPOOL, 'Cannot spool: the spool could not be opened')
        return this.append(request, sendError)
      })
    }
    return spool.append(request).catch((error: unknown) => {
      safeLog(this.logger, 'error', `jaeger-kafka: cannot spool ${request.messages.length} records: ${describeError(error)}; the sender keeps them in memory and retries`)
      throw sendError ?? error
    })
  }

  private startSpooling(afterFailure: boolean): void {
    this.state = 'spooling'
    this.loop ??= this.replay(afterFailure ? 1 : 0).finally(() => {
      this.loop = undefined
    })
  }

  private async replay(initialFailures: number): Promise<void> {
    const spool = await this.opening
    if (!spool) {
      // Sends that failed meanwhile were rejected to the caller; nothing is on disk.
      if (this.state === 'spooling') this.state = 'direct'
      this.resolveDrained()
      return
    }
    let failures = initialFailures
    let single = false
    while (this.state === 'spooling') {
      if (failures > 0) {
        if (this.draining) break
        await this.sleep(backoffDelay(failures, this.backoff, this.random))
        if (this.state !== 'spooling') break
      }
      let entries: SpoolEntry[]
      try {
        entries = await spool.peek(single ? 1 : this.replayMaxFrames, this.replayMaxBytes)
      } catch (error) {
        safeLog(this.logger, 'error', `jaeger-kafka: cannot read the spool: ${describeError(error)}`)
        failures++
        continue
      }
      if (this.state !== 'spooling') {
        spool.release()
        break
      }
      if (entries.length === 0) {
        if (spool.pendingFrames > 0) continue // appends being written: peek again after them
        this.state = 'direct'
        safeLog(this.logger, 'info', 'jaeger-kafka: the spool is empty; producing directly again')
        this.resolveDrained()
        break
      }
      const group = sameTopicPrefix(entries)
      const messages: KafkaRecord[] = []
      for (const entry of group) messages.push(...entry.request.messages)
      this.replayAttempts++
      try {
        await attempt(() => this.producer.send({ topic: (group[0] as SpoolEntry).request.topic, messages }))
      } catch (error) {
        this.replayFailures++
        if (isTooLarge(error)) {
          if (group.length > 1) {
            spool.release()
            single = true // one frame at a time until one gets through
            continue
          }
          safeLog(this.logger, 'error', `jaeger-kafka: the broker rejects a spooled batch (${group[0]?.spanCount} spans) as too large; dropped, counted as too_large`)
          await spool.consume(1, 'too_large').catch(() => {
            failures++ // back off rather than spin on a spool that cannot move on
          })
          continue
        }
        spool.release()
        failures++
        if (failures === 1 || failures % 10 === 0) safeLog(this.logger, 'error', `jaeger-kafka: cannot replay the spool to topic "${group[0]?.request.topic}": ${describeError(error)}; ${spool.pendingFrames} batches wait on disk (attempt ${failures})`)
        continue
      }
      if (failures > 0) safeLog(this.logger, 'info', `jaeger-kafka: replaying the spool after ${failures} failed attempts`)
      failures = 0
      single = false
      try {
        await spool.consume(group.length, 'replayed')
      } catch (error) {
        safeLog(this.logger, 'error', `jaeger-kafka: cannot advance the spool: ${describeError(error)}; these batches may be sent again`)
      }
    }
    if (this.state !== 'spooling') this.resolveDrained()
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.sleeper = undefined
        resolve()
      }, ms)
      ;(timer as { unref?: () => void }).unref?.()
      this.sleeper = { timer, wake: resolve }
    })
  }

  private wake(): void {
    if (!this.sleeper) return
    clearTimeout(this.sleeper.timer)
    const { wake } = this.sleeper
    this.sleeper = undefined
    wake()
  }

  private resolveDrained(): void {
    const waiters = this.drainWaiters
    this.drainWaiters = []
    for (const resolve of waiters) resolve()
  }

  private async shutdown(drainTimeoutMs: number): Promise<void> {
    if (this.state === 'spooling' && drainTimeoutMs > 0) {
      // Try now rather than after the backoff; stop at the first failure.
      this.draining = true
      this.wake()
      await waitAtMost(Promise.race([this.whenDrained(), this.loop ?? Promise.resolve()]), drainTimeoutMs)
    }
    this.state = 'closed'
    this.wake()
    // A replay produce call in flight: its ack lets the spool move on (else it is replayed again next start).
    if (this.loop) await waitAtMost(this.loop, 5_000)
    this.resolveDrained()
    const spool = this.spool ?? (await waitAtMost(this.opening, 5_000).then(() => this.spool))
    await spool?.close().catch((error: unknown) => safeLog(this.logger, 'error', `jaeger-kafka: cannot close the spool: ${describeError(error)}`))
  }
}

/** Wait for `promise` at most `ms` (unref'd timer). */
function waitAtMost(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms)
    ;(timer as { unref?: () => void }).unref?.()
    promise.then(
      () => {
        clearTimeout(timer)
        resolve()
      },
      () => {
        clearTimeout(timer)
        resolve()
      },
    )
  })
}
