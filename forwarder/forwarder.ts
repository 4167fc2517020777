// SPDX-License-Identifier: Apache-2.0
/**
 * The forwarder: a kafkajs consumer group on the span topic that POSTs every
 * record's bytes, unchanged, to the Jaeger collector and commits a
 * partition's offset only past records the collector accepted (2xx) or that
 * were written to the dead-letter topic.
 *
 * Why `eachBatch` that only queues: kafkajs 2.x fetches from a broker, hands
 * the batches of all partitions to the handler, and waits for *all* of them
 * before fetching from that broker again. A handler that sat in a retry loop
 * would therefore hold every partition led by the same broker. Here the
 * handler validates and queues the records in a per-partition pipeline
 * (`partition-pipeline.ts`), resolves them so the next fetch moves on, and
 * returns at once; pipelines forward, retry and dead-letter on their own
 * schedule, pause fetching of their partition when too much is pending, and
 * the forwarder commits what they finished (coalesced, explicit
 * `commitOffsets`, offset + 1). Because handlers return quickly, kafkajs
 * keeps heartbeating on its own, however long a partition retries.
 * @module
 */
import { ErrorCodes, JaegerKafkaError, describeError } from '../src/errors.ts'
import { checkConfluentModule, loadConfluent } from '../src/kafka/confluent.ts'
import { confluentAsKafkajs } from '../src/kafka/confluent-kafkajs.ts'
import { raceAbort } from './abortable.ts'
import { createCollectorClient } from './collector-client.ts'
import { createForwarderHttpHandler } from './http-handler.ts'
import type { ForwarderHealth, ForwarderHttpHandler } from './http-handler.ts'
import type {
  KafkaProducer,
  KafkajsAdminLike,
  KafkajsConsumedMessage,
  KafkajsConsumerLike,
  KafkajsEachBatchPayload,
  KafkajsLike,
  RecordHeaderValue,
} from '../src/kafka/types.ts'
import { createDeadLetterProducer } from './dead-letter.ts'
import { safeLogger } from './logger.ts'
import { createForwarderMetrics } from './metrics.ts'
import type { ForwarderMetricsSnapshot, PartitionState } from './metrics.ts'
import { resolveForwarderOptions } from './options.ts'
import type { ForwarderOptions } from './options.ts'
import { createPartitionPipeline } from './partition-pipeline.ts'
import type { PartitionPipeline } from './partition-pipeline.ts'
import type { SpanRecord } from './record.ts'

/** A running (or runnable) forwarder. */
export interface Forwarder {
  /**
   * Connect, join the group and start forwarding; resolves once the group is
   * joined, or as soon as stop() is called meanwhile (connecting, joining).
   */
  start(): Promise<void>
  /**
   * Stop fetching, let POSTs in flight finish (up to `drainTimeoutMs`), commit
   * what was forwarded or dead-lettered (up to `closeTimeoutMs`), leave the
   * group and disconnect (up to `closeTimeoutMs`). Works at any moment: during
   * start() it cuts the connect or group join short. Idempotent.
   */
  stop(): Promise<void>
  /** Counters, latency histogram and per-partition offsets, lag and state. */
  metrics(): ForwarderMetricsSnapshot
  /** The Prometheus text of `/metrics` (refreshes high watermarks first, at most every `watermarkRefreshMs`). */
  metricsText(): Promise<string>
  /** What `/healthz` reports. */
  health(): ForwarderHealth
  /** `(request: Request) => Promise<Response>` serving `/metrics` and `/healthz`. */
  readonly handler: ForwarderHttpHandler
}

type KafkajsModule = { Kafka: new (config: Record<string, unknown>) => KafkajsLike }

const LOG_LEVEL = { nothing: 0, error: 1, warn: 2, info: 4, debug: 5 } as const

function toRecord(topic: string, partition: number, message: KafkajsConsumedMessage): SpanRecord {
  // kafkajs hands Buffers (or null) for key, value and header values.
  return {
    topic,
    partition,
    offset: BigInt(message.offset),
    key: (message.key as Uint8Array | null | undefined) ?? null,
    value: (message.value as Uint8Array | null | undefined) ?? null,
    headers: (message.headers ?? {}) as Record<string, RecordHeaderValue>,
    timestamp: message.timestamp,
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined
  return Promise.race([
    promise,
    new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ms)
      ;(timer as { unref?: () => void }).unref?.()
    }),
  ]).finally(() => clearTimeout(timer))
}

/**
 * Create a forwarder from the span topic to the Jaeger collector.
 *
 * @example
 * ```ts
 * const forwarder = createForwarder({ brokers: ['127.0.0.1:9092'], collectorUrl: 'http://127.0.0.1:14268/api/traces' })
 * await forwarder.start()
 * Deno.serve({ port: 14271 }, forwarder.handler) // or serveForwarderHttp() on Node
 * // on SIGTERM:
 * await forwarder.stop()
 * ```
 */
export function createForwarder(options: ForwarderOptions): Forwarder {
  const o = resolveForwarderOptions(options)
  // The collector and the OTLP endpoint (otlp_proto records) share auth, headers, timeout and statuses.
  const shared = {
    ...(o.auth ? { auth: o.auth } : {}),
    headers: o.headers,
    timeoutMs: o.requestTimeoutMs,
    permanentStatuses: o.permanentStatuses,
    ...(o.fetch ? { fetch: o.fetch } : {}),
  }
  const collector = createCollectorClient({ url: o.collectorUrl, ...shared })
  const otlp = createCollectorClient({ url: o.otlpEndpoint, ...shared, contentType: 'application/x-protobuf', otlp: true, urlOption: 'otlpEndpoint' })
  const secrets = [...new Set([...collector.secrets, ...otlp.secrets])]
  if (o.sasl) secrets.push(o.sasl.password)
  if (typeof o.ssl === 'object' && o.ssl.passphrase) secrets.push(o.ssl.passphrase)
  const logger = safeLogger(o.logger, secrets)
  const metrics = createForwarderMetrics()

  let status: ForwarderHealth['status'] = 'idle'
  let failure: string | undefined
  let consumer: KafkajsConsumerLike | undefined
  let producer: KafkaProducer | undefined
  let admin: KafkajsAdminLike | undefined
  let adminConnected = false
  let starting: Promise<void> | undefined
  let stopping: Promise<void> | undefined
  // Aborted by stop(): start() stops waiting for kafkajs, and its retries stop.
  const stopRequested = new AbortController()

  const pipelines = new Map<string, PartitionPipeline>()
  let assignment: { topic: string; partition: number }[] = []
  const key = (topic: string, partition: number): string => `${topic}\u0000${partition}`

  // --- commits -------------------------------------------------------------
  let commitTimer: ReturnType<typeof setTimeout> | undefined
  let commitChain: Promise<void> = Promise.resolve()
  let lastCommitError = ''
  let lastCommitErrorAt = 0

  function scheduleCommit(): void {
    if (commitTimer !== undefined || (status !== 'running' && status !== 'starting')) return
    commitTimer = setTimeout(() => {
      commitTimer = undefined
      commitChain = commitChain.then(commitNow)
    }, o.commitIntervalMs)
    ;(commitTimer as { unref?: () => void }).unref?.()
  }

  async function commitNow(): Promise<void> {
    if (!consumer) return
    const due: { pipeline: PartitionPipeline; offset: bigint }[] = []
    for (const pipeline of pipelines.values()) {
      const offset = pipeline.committable
      if (offset !== undefined && (pipeline.lastCommitted === undefined || offset > pipeline.lastCommitted)) due.push({ pipeline, offset })
    }
    if (due.length === 0) return
    try {
      await consumer.commitOffsets(due.map(({ pipeline, offset }) => ({ topic: pipeline.topic, partition: pipeline.partition, offset: offset.toString() })))
      for (const { pipeline, offset } of due) {
        pipeline.lastCommitted = offset
        metrics.committed(pipeline.topic, pipeline.partition, offset)
      }
      metrics.commit(true)
    } catch (error) {
      metrics.commit(false)
      const text = describeError(error)
      // One line per distinct failure (or per 30 s), not one per attempt.
      if (text !== lastCommitError || Date.now() - lastCommitErrorAt > 30_000) {
        logger.warn(`Cannot commit offsets of group ${o.groupId}: ${text}; will retry (records stay uncommitted, never lost)`)
        lastCommitError = text
        lastCommitErrorAt = Date.now()
      }
      scheduleCommit()
    }
  }

  // --- partitions ----------------------------------------------------------
  function pausePartition(topic: string, partition: number): void {
    try {
      consumer?.pause([{ topic, partitions: [partition] }])
    } catch (error) {
      logger.warn(`Cannot pause ${topic}[${partition}]: ${describeError(error)}`)
    }
  }

  function resumePartition(topic: string, partition: number): void {
    if (status !== 'running' && status !== 'starting') return
    try {
      consumer?.resume([{ topic, partitions: [partition] }])
    } catch (error) {
      logger.warn(`Cannot resume ${topic}[${partition}]: ${describeError(error)}`)
    }
  }

  function pipelineFor(topic: string, partition: number): PartitionPipeline {
    const k = key(topic, partition)
    let pipeline = pipelines.get(k)
    if (pipeline === undefined) {
      pipeline = createPartitionPipeline({
        topic,
        partition,
        maxInFlight: o.maxInFlightPerPartition,
        limits: { maxBytes: o.maxPostBytes, maxRecords: o.maxPostRecords },
        maxPending: o.maxPendingPerPartition,
        retry: o.retry,
        post: (body, signal, target) => (target === 'otlp' ? otlp : collector).post(body, signal),
        deadLetter: async (message) => {
          await producer!.send({ topic: o.deadLetterTopic, messages: [message] })
        },
        deadLetterTopic: o.deadLetterTopic,
        collectorName: collector.displayUrl,
        otlpName: otlp.displayUrl,
        metrics,
        logger,
        onProgress: scheduleCommit,
        pause: () => pausePartition(topic, partition),
        resume: () => resumePartition(topic, partition),
        random: o.random,
      })
      pipelines.set(k, pipeline)
    }
    return pipeline
  }

  function onAssignment(payload: unknown): void {
    const memberAssignment = (payload as { memberAssignment?: Record<string, number[]> })?.memberAssignment ?? {}
    const next: { topic: string; partition: number }[] = []
    for (const [topic, partitions] of Object.entries(memberAssignment)) for (const partition of partitions) next.push({ topic, partition })
    const keep = new Set(next.map((a) => key(a.topic, a.partition)))
    for (const [k, pipeline] of pipelines) {
      if (keep.has(k)) continue
      // Revoked: whatever it did not commit is re-read by the new owner.
      pipeline.abandon()
      pipelines.delete(k)
      metrics.forget(pipeline.topic, pipeline.partition)
    }
    assignment = next.sort((a, b) => a.partition - b.partition)
    // Kept pipelines keep their queues (re-fetched offsets are skipped); a
    // restarted kafkajs consumer forgot their pauses, so apply them again.
    for (const pipeline of pipelines.values()) if (pipeline.paused) pausePartition(pipeline.topic, pipeline.partition)
    if (status === 'stopping') {
      try {
        consumer?.pause([{ topic: o.topic }])
      } catch {
        // Disconnecting anyway.
      }
    }
    logger.info(`Joined group ${o.groupId}: ${o.topic} partitions [${assignment.map((a) => a.partition).join(', ')}]`)
  }

  function onCrash(payload: unknown): void {
    // A join cut short by stop() ends in a kafkajs crash: expected, not news.
    if (stopRequested.signal.aborted) return
    const { error, restart } = (payload ?? {}) as { error?: unknown; restart?: boolean }
    if (restart) {
      logger.warn(`Kafka consumer crashed (${describeError(error)}); kafkajs restarts it`)
      return
    }
    failure = describeError(error)
    logger.error(`Kafka consumer crashed and will not restart: ${failure}. Nothing more is forwarded; restart the forwarder`)
    if (status === 'running') {
      status = 'failed'
      metrics.setUp(false)
      for (const pipeline of pipelines.values()) pipeline.abandon()
    }
  }

  async function eachBatch({ batch, resolveOffset, isStale }: KafkajsEachBatchPayload): Promise<void> {
    if ((status !== 'running' && status !== 'starting') || isStale() || batch.messages.length === 0) return
    const pipeline = pipelineFor(batch.topic, batch.partition)
    metrics.highWatermark(batch.topic, batch.partition, BigInt(batch.highWatermark))
    pipeline.accept(
      batch.messages.map((m) => toRecord(batch.topic, batch.partition, m)),
      BigInt(batch.lastOffset()),
    )
    // "Resolved" only moves kafkajs's fetch position; commits are ours.
    resolveOffset(batch.messages[batch.messages.length - 1]!.offset)
  }

  function partitionStates(): PartitionState[] {
    return assignment.map(({ topic, partition }) => pipelines.get(key(topic, partition))?.state() ?? { topic, partition, queued: 0, inFlight: 0, retrying: false, paused: false })
  }
  metrics.setPartitionSource(partitionStates)

  // --- lag -----------------------------------------------------------------
  let lastRefresh = 0
  let refreshing: Promise<void> | undefined
  let lastRefreshError = ''

  async function refreshWatermarks(): Promise<void> {
    if (!admin || status !== 'running' || Date.now() - lastRefresh < o.watermarkRefreshMs) return
    lastRefresh = Date.now()
    const a = admin
    refreshing ??= (async () => {
      try {
        if (!adminConnected) {
          await a.connect()
          adminConnected = true
        }
        const mine = new Set(assignment.map((x) => x.partition))
        const low = new Map<number, bigint>()
        for (const { partition, offset, high, low: earliest } of await a.fetchTopicOffsets(o.topic)) {
          if (!mine.has(partition)) continue
          const end = BigInt(high ?? offset)
          metrics.highWatermark(o.topic, partition, end)
          low.set(partition, o.fromBeginning && earliest !== undefined ? BigInt(earliest) : end)
        }
        // Partitions this instance has not committed yet: read the group's offsets.
        const unknown = assignment.filter((x) => pipelines.get(key(x.topic, x.partition))?.lastCommitted === undefined)
        if (unknown.length > 0) {
          const groups = await a.fetchOffsets({ groupId: o.groupId, topics: [o.topic] })
          for (const { partitions } of groups) {
            for (const { partition, offset } of partitions) {
              const mineNow = pipelines.get(key(o.topic, partition))
              if (!unknown.some((x) => x.partition === partition) || mineNow?.lastCommitted !== undefined) continue
              // No committed offset yet: the group starts at the earliest (or latest) offset.
              const start = BigInt(offset) >= 0n ? BigInt(offset) : low.get(partition)
              if (start !== undefined) metrics.committed(o.topic, partition, start)
            }
          }
        }
      } catch (error) {
        const text = describeError(error)
        if (text !== lastRefreshError) logger.warn(`Cannot read high watermarks for lag metrics: ${text}`)
        lastRefreshError = text
      } finally {
        refreshing = undefined
      }
    })()
    await withTimeout(refreshing, 3_000)
  }

  // --- lifecycle -----------------------------------------------------------
  async function buildKafka(): Promise<KafkajsLike> {
    if (o.kafka) return o.kafka
    if (o.client === 'confluent') {
      const confluent = await loadConfluent()
      checkConfluentModule(confluent)
      return confluentAsKafkajs({ confluent, brokers: o.brokers, clientId: o.clientId, ...(o.ssl !== undefined && { ssl: o.ssl }), ...(o.sasl !== undefined && { sasl: o.sasl }), logLevel: { nothing: 0, error: 1, warn: 2, info: 3, debug: 4 }[o.clientLogLevel] })
    }
    const loaded = (await import('kafkajs')) as unknown as { default?: KafkajsModule } & KafkajsModule
    const kafkajs: KafkajsModule = loaded.Kafka ? loaded : (loaded.default as KafkajsModule)
    const level = LOG_LEVEL[o.clientLogLevel]
    return new kafkajs.Kafka({
      brokers: o.brokers,
      clientId: o.clientId,
      ssl: o.ssl,
      sasl: o.sasl,
      connectionTimeout: o.connectionTimeoutMs,
      logLevel: level,
      logCreator: () => (entry: { namespace?: string; level: number; log: { message?: string; error?: string } }) => {
        if (entry.level > level) return
        const text = `kafkajs${entry.namespace ? ` ${entry.namespace}` : ''}: ${entry.log.message ?? ''}${entry.log.error ? ` (${entry.log.error})` : ''}`
        if (entry.level <= 1) logger.error(text)
        else if (entry.level === 2) logger.warn(text)
        else logger.info(text)
      },
    })
  }

  /**
   * Disconnect the consumer (which leaves the group, so the others get its
   * partitions at once), the producer and the admin, at most `timeoutMs`:
   * kafkajs's disconnect waits for requests in flight, such as a JoinGroup
   * the broker holds until a crashed member's session expires.
   */
  async function disconnectAll(timeoutMs = o.closeTimeoutMs): Promise<void> {
    const steps: [string, (() => Promise<void>) | undefined][] = [
      ['consumer', consumer && (() => consumer!.disconnect())],
      ['dead-letter producer', producer && (() => producer!.disconnect())],
      ['admin', admin && adminConnected ? () => admin!.disconnect() : undefined],
    ]
    adminConnected = false
    const pending = new Set<string>()
    const all = Promise.all(steps.map(async ([name, step]) => {
      if (!step) return
      pending.add(name)
      try {
        await step()
      } catch (error) {
        logger.warn(`Cannot disconnect the ${name}: ${describeError(error)}`)
      } finally {
        pending.delete(name)
      }
    }))
    await withTimeout(all, timeoutMs)
    if (pending.size > 0) {
      logger.warn(`Gave up disconnecting the ${[...pending].join(' and ')} after ${timeoutMs} ms; the broker drops this member from group ${o.groupId} after the session timeout (${o.sessionTimeoutMs} ms)`)
    }
  }

  /**
   * `promise` (a kafkajs connect or run), or `Aborted` as soon as stop() is
   * called. kafkajs cannot cancel a connect or a join, so one that still
   * succeeds after the stop is disconnected then.
   */
  function unlessStopped<T>(promise: Promise<T>, client: { disconnect(): Promise<void> }): Promise<T> {
    promise.then(
      () => (stopRequested.signal.aborted ? client.disconnect() : undefined),
      () => {},
    ).catch(() => {})
    return raceAbort(promise, stopRequested.signal)
  }

  /**
   * Subscribe, waiting a few seconds for a topic the broker is still creating
   * (auto-create answers the first metadata request with "unknown topic").
   */
  async function subscribe(c: KafkajsConsumerLike): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        // A metadata request, which kafkajs retries while the broker is away.
        await raceAbort(c.subscribe({ topics: [o.topic], fromBeginning: o.fromBeginning }), stopRequested.signal)
        return
      } catch (error) {
        const type = (error as { type?: string })?.type
        const missing = type === 'UNKNOWN_TOPIC_OR_PARTITION' || type === 'LEADER_NOT_AVAILABLE'
        if (!missing) throw error
        if (attempt >= 20) {
          throw new JaegerKafkaError(ErrorCodes.KAFKA, `Cannot subscribe to topic ${o.topic}: it does not exist (create it, or enable auto.create.topics.enable on the brokers)`, { cause: error })
        }
        // A referenced timer (unlike the pipelines' backoff sleeps): start() is what keeps the caller waiting.
        await raceAbort(new Promise((resolve) => setTimeout(resolve, 250)), stopRequested.signal)
      }
    }
  }

  async function start(): Promise<void> {
    if (status !== 'idle') throw new JaegerKafkaError(ErrorCodes.CLOSED, `Cannot start the forwarder: it is ${status} (create a new one to start again)`)
    status = 'starting'
    starting = (async () => {
      try {
        const kafka = await raceAbort(buildKafka(), stopRequested.signal)
        const userRetry = (o.consumerConfig.retry ?? {}) as { restartOnFailure?: (error: Error) => Promise<boolean> }
        const c = kafka.consumer({
          // A short fetch long-poll, so stop() (which waits for the current fetch) is quick; and
          // kafkajs sleeps this long when every partition is paused (backpressure), so after a
          // resume the next fetch waited up to 1 s while the queue ran dry (bench/forwarder.ts:
          // 3.1 of 4 POSTs in flight on a 3000-record backlog with 1000 ms, 3.95 with 200 ms).
          maxWaitTimeInMs: 200,
          sessionTimeout: o.sessionTimeoutMs,
          heartbeatInterval: o.heartbeatIntervalMs,
          rebalanceTimeout: o.rebalanceTimeoutMs,
          ...o.consumerConfig,
          // After stop(), a crash (e.g. the join it cut short) must not restart the consumer.
          retry: { ...userRetry, restartOnFailure: async (error: Error) => !stopRequested.signal.aborted && (userRetry.restartOnFailure ? await userRetry.restartOnFailure(error) : true) },
          groupId: o.groupId,
        })
        const p = createDeadLetterProducer(kafka)
        consumer = c
        producer = p
        admin = kafka.admin()
        c.on(c.events.GROUP_JOIN, (event) => onAssignment(event.payload))
        c.on(c.events.CRASH, (event) => onCrash(event.payload))
        await unlessStopped(p.connect(), p)
        await unlessStopped(c.connect(), c)
        await subscribe(c)
        // Resolves once the group is joined, which waits for every member to
        // rejoin (a crashed one: until its session timeout expires).
        logger.info(`Joining group ${o.groupId} on ${o.topic}`)
        await unlessStopped(c.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: o.partitionsConsumedConcurrently,
          eachBatch,
        }), c)
      } catch (error) {
        // stop() was called: it disconnects; start() just ends.
        if (stopRequested.signal.aborted) return
        status = 'failed'
        failure = describeError(error)
        await disconnectAll()
        if (error instanceof JaegerKafkaError) throw error
        throw new JaegerKafkaError(ErrorCodes.KAFKA, `Cannot start the forwarder: ${failure}`, { cause: error })
      }
      if (status !== 'starting' || stopRequested.signal.aborted) return
      status = 'running'
      metrics.setUp(true)
      logger.info(`Forwarding ${o.topic} (group ${o.groupId}) to ${collector.displayUrl}; dead letters to ${o.deadLetterTopic}`)
      // An early, actionable hint (wrong path, unreachable); never blocks or fails start().
      void collector.probe().then((warning) => {
        if (warning) logger.warn(warning)
      })
    })()
    return starting
  }

  async function stop(): Promise<void> {
    if (stopping) return stopping
    stopRequested.abort()
    // Stop fetching right away, before anything else is awaited.
    if (status === 'running') {
      try {
        consumer?.pause([{ topic: o.topic }])
      } catch {
        // Paused again below once start() settled.
      }
    }
    stopping = (async () => {
      if (status === 'idle') {
        status = 'stopped'
        return
      }
      // Settles at once: start() races the stop signal.
      await starting?.catch(() => {})
      if (status === 'stopped') return
      // Only a forwarder that joined the group has records to drain and commit.
      const wasRunning = status === 'running'
      status = 'stopping'
      metrics.setUp(false)
      if (commitTimer !== undefined) clearTimeout(commitTimer)
      commitTimer = undefined
      if (consumer && wasRunning) {
        try {
          // Stop fetching; the consumer stays in the group so the final commit counts.
          consumer.pause([{ topic: o.topic }])
        } catch {
          // Not running (failed start): nothing is fetched anyway.
        }
        await Promise.all([...pipelines.values()].map((p) => p.drain(o.drainTimeoutMs)))
        const committing = commitChain.then(commitNow)
        if ((await withTimeout(committing.then(() => true), o.closeTimeoutMs)) === undefined) {
          logger.warn(`The final commit did not finish within ${o.closeTimeoutMs} ms; the records after the last commit are forwarded again by the next owner`)
        }
        const committed = [...pipelines.values()].filter((p) => p.lastCommitted !== undefined).map((p) => `${p.partition}@${p.lastCommitted}`)
        logger.info(`Stopped; committed ${o.topic} ${committed.length > 0 ? committed.join(', ') : '(nothing new)'}`)
      }
      for (const pipeline of pipelines.values()) pipeline.abandon()
      // A consumer stopped before its join completed has no membership to give
      // back (kafkajs learns its member id only from the join's answer) and its
      // disconnect would wait for that answer: give it a moment, not more.
      await disconnectAll(wasRunning ? o.closeTimeoutMs : Math.min(o.closeTimeoutMs, 1_000))
      status = 'stopped'
    })()
    return stopping
  }

  function health(): ForwarderHealth {
    const h: ForwarderHealth = {
      status,
      healthy: status === 'running',
      topic: o.topic,
      groupId: o.groupId,
      partitions: assignment.length,
      retryingPartitions: [...pipelines.values()].filter((p) => p.state().retrying).length,
    }
    if (failure !== undefined) h.error = failure
    return h
  }

  async function metricsText(): Promise<string> {
    await refreshWatermarks()
    return metrics.render()
  }

  return {
    start,
    stop,
    metrics: () => metrics.snapshot(),
    metricsText,
    health,
    handler: createForwarderHttpHandler({ metricsText, health }),
  }
}
