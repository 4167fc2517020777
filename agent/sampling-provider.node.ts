// SPDX-License-Identifier: Apache-2.0
/**
 * The agent's sampling strategies (Node): Jaeger's strategies file, read at
 * start and reloaded when it changes, or Jaeger's default (probabilistic
 * 0.001) without a file.
 *
 * Change detection polls the file's mtime and size (and compares the text),
 * like Jaeger's `--sampling.strategies-reload-interval` ticker: fs.watch
 * misses edits made by rename (editors, Kubernetes ConfigMap symlink swaps)
 * and behaves differently on Deno and Bun. A file that turns bad, or
 * disappears, keeps the last good strategies and is logged once per change
 * of the file, not on every poll.
 * @module
 */
import { readFile, stat } from 'node:fs/promises'
import { ErrorCodes, JaegerKafkaError, describeError } from '../src/errors.ts'
import { type Logger, nullLogger, safeLog } from '../src/kafka/logger.ts'
import {
  DEFAULT_SAMPLING_PROBABILITY,
  type SamplingEndpoint,
  type SamplingStrategies,
  defaultSamplingStrategies,
  encodeSamplingResponse,
  parseSamplingStrategies,
  strategyForService,
} from './sampling-strategies.ts'

/** How often the file is checked for changes by default. */
export const DEFAULT_SAMPLING_RELOAD_INTERVAL_MS = 5_000

export interface SamplingProviderOptions {
  /** Path of a Jaeger sampling-strategies JSON file; without one every service gets the default. */
  file?: string
  /** How often to check the file for changes (ms); 0 = never reload. Default 5000. */
  reloadIntervalMs?: number
  /** Probability served without a file (Jaeger's `--sampling.default-sampling-probability`). Default 0.001. */
  defaultSamplingProbability?: number
  logger?: Logger
}

/** Counters for the agent's /metrics. */
export interface SamplingProviderStats {
  /** Successful loads of a changed file after the first. */
  reloads: number
  /** Changed files that could not be loaded (unreadable or invalid); the last good strategies stayed. */
  reloadFailures: number
}

export interface SamplingProvider {
  /**
   * The JSON body (a fresh plain object) for `service`: for `GET /sampling`
   * (endpoint 'sampling', the default: enum names) or the legacy `GET /`
   * (endpoint 'legacy': enum numbers, what jaeger-client-java asks).
   */
  strategyFor(service: string, endpoint?: SamplingEndpoint): unknown
  stats(): SamplingProviderStats
  /** Stop watching the file. */
  close(): void
}

/** What a poll compares: a rename over the file (editors, ConfigMap swaps) changes ino. */
interface FileState {
  mtimeMs: number
  size: number
  ino: number
}

/**
 * Load the strategies (a missing or invalid file at start rejects with a
 * JaegerKafkaError CONFIGURATION naming the file and the bad field) and keep
 * them current.
 */
export async function loadSamplingProvider(options: SamplingProviderOptions = {}): Promise<SamplingProvider> {
  const logger = options.logger ?? nullLogger
  const defaultProbability = options.defaultSamplingProbability ?? DEFAULT_SAMPLING_PROBABILITY
  const reloadIntervalMs = options.reloadIntervalMs ?? DEFAULT_SAMPLING_RELOAD_INTERVAL_MS
  if (!(Number.isFinite(reloadIntervalMs) && reloadIntervalMs >= 0)) {
    throw new RangeError(`reloadIntervalMs must be a number of milliseconds >= 0 (got ${String(reloadIntervalMs)})`)
  }
  const stats: SamplingProviderStats = { reloads: 0, reloadFailures: 0 }
  const file = options.file
  if (file === undefined || file === '') {
    const strategies = defaultSamplingStrategies(defaultProbability)
    safeLog(logger, 'info', `sampling: no strategies file; every service gets probabilistic ${defaultProbability}`)
    return provider(() => strategies, () => {}, stats)
  }

  const parse = (text: string): SamplingStrategies =>
    parseSamplingStrategies(text, { source: file, defaultSamplingProbability: defaultProbability })
  let state: FileState
  let text: string
  try {
    state = await fileState(file)
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new JaegerKafkaError(ErrorCodes.CONFIGURATION, `Cannot load sampling strategies from ${file}: ${describeError(error)}`, { cause: error })
  }
  let current = parse(text)
  logLoaded(logger, file, current, 'loaded')

  let timer: ReturnType<typeof setInterval> | undefined
  let checking = false
  let closed = false
  // The file state whose failure was logged last: a bad file is reported once, not every poll.
  let failedAt: string | undefined
  const check = async (): Promise<void> => {
    if (checking || closed) return
    checking = true
    try {
      let next: FileState
      try {
        next = await fileState(file)
      } catch (error) {
        failOnce(`gone:${describeError(error)}`, `sampling: cannot read ${file} (${describeError(error)}); keeping the last good strategies`)
        return
      }
      if (next.mtimeMs === state.mtimeMs && next.size === state.size && next.ino === state.ino) return
      const key = `${next.mtimeMs}:${next.size}:${next.ino}`
      try {
        const nextText = await readFile(file, 'utf8')
        state = next
        if (nextText === text) return
        const parsed = parse(nextText)
        if (closed) return
        current = parsed
        text = nextText
        failedAt = undefined
        stats.reloads++
        logLoaded(logger, file, current, 'reloaded')
      } catch (error) {
        failOnce(key, `sampling: ${describeError(error)}; keeping the last good strategies`)
      }
    } finally {
      checking = false
    }
  }
  const failOnce = (key: string, message: string): void => {
    if (failedAt === key) return
    failedAt = key
    stats.reloadFailures++
    safeLog(logger, 'error', message)
  }
  if (reloadIntervalMs > 0) {
    timer = setInterval(() => void check(), reloadIntervalMs)
    ;(timer as { unref?: () => void }).unref?.()
  }
  return provider(() => current, () => {
    closed = true
    if (timer !== undefined) clearInterval(timer)
  }, stats)
}

function provider(strategies: () => SamplingStrategies, close: () => void, stats: SamplingProviderStats): SamplingProvider {
  return {
    strategyFor: (service, endpoint = 'sampling') => encodeSamplingResponse(strategyForService(strategies(), service), endpoint),
    stats: () => ({ ...stats }),
    close,
  }
}

async function fileState(file: string): Promise<FileState> {
  const s = await stat(file)
  if (!s.isFile()) throw new Error(`${file} is not a regular file`)
  return { mtimeMs: s.mtimeMs, size: s.size, ino: Number(s.ino ?? 0) }
}

function logLoaded(logger: Logger, file: string, strategies: SamplingStrategies, what: string): void {
  safeLog(logger, 'info', `sampling: ${what} ${file}: ${strategies.serviceStrategies.size} service strategies and a ${strategies.defaultStrategy.strategyType.toLowerCase()} default`)
  for (const warning of strategies.warnings) safeLog(logger, 'error', `sampling: ${file}: ${warning}`)
}
