// SPDX-License-Identifier: Apache-2.0
/**
 * `@confluentinc/kafka-javascript` adapter for the `KafkaProducer` port,
 * through its KafkaJS-compatible API (`require('@confluentinc/kafka-javascript').KafkaJS`).
 *
 * The client is a librdkafka addon that only Node loads (see the README's
 * runtime table), but this file uses no Node API: the addon takes any
 * `Uint8Array` as bytes, so the drop-in `initTracer()` (core code) can build
 * it when `client: 'confluent'` is selected. The package is an optional peer:
 * it is loaded only when this adapter builds a client.
 *
 * Differences from kafkajs that shape this file: producer settings (acks,
 * idempotence, compression) live in the producer's `kafkaJS: {…}` block, not
 * in `send()`; `ssl` there is a boolean, so PEM material goes in librdkafka
 * properties; errors carry librdkafka's numeric `code`; `send()` rewrites the
 * messages it is given (partition, timestamp, headers), so every call gets
 * fresh message objects.
 * @module
 */
import { ErrorCodes, JaegerKafkaError, describeError } from '../errors.ts'
import { nullLogger, safeLog } from './logger.ts'
import type { Logger } from './logger.ts'
import { KAFKA_COMPRESSIONS } from './types.ts'
import { librdkafkaTlsProperties } from './librdkafka-config.ts'
import type { KafkaClientOptions, KafkaCompression, KafkaProducer, KafkaRecord, KafkajsHeaders, KafkajsMessage, ProduceRequest } from './types.ts'

/** The npm package this adapter loads. */
export const CONFLUENT_PACKAGE = '@confluentinc/kafka-javascript'

/** Install hint for errors when the package is missing. */
export const CONFLUENT_INSTALL_HINT = `It is a native addon for Node only (Deno and Bun cannot load it). Install it (npm install ${CONFLUENT_PACKAGE}; on machines without its prebuilt binaries: CKJS_LINKING=dynamic npm install ${CONFLUENT_PACKAGE}), or choose another Kafka client.`

/** The part of a Confluent KafkaJS-API producer this adapter calls (structural). */
export interface ConfluentProducerLike {
  connect(): Promise<void>
  disconnect(): Promise<void>
  send(record: { topic: string; messages: KafkajsMessage[] }): Promise<unknown>
  flush?(options?: { timeout?: number }): Promise<void>
}

/** The part of `require('@confluentinc/kafka-javascript')` this adapter needs. */
export interface ConfluentModuleLike {
  KafkaJS: {
    Kafka: new (config: Record<string, unknown>) => { producer(config: Record<string, unknown>): ConfluentProducerLike }
  }
  /** librdkafka build features, e.g. `['gzip', 'snappy', 'lz4', 'ssl', 'sasl_scram']`. */
  features?: string[]
}

/** Options of `createConfluentProducer()`. Give `producer` or `brokers`. */
export interface ConfluentProducerOptions extends KafkaClientOptions {
  /** An existing Confluent KafkaJS-API producer (yours: not disconnected unless `disconnectOnClose`); its own acks/idempotence settings apply. */
  producer?: ConfluentProducerLike
  /** `none` (default), `gzip`, `snappy`, `lz4`, or `zstd` if its librdkafka was built with it. */
  compression?: KafkaCompression
  /** `message.timeout.ms`: how long librdkafka retries one record before failing it (default 30000). */
  messageTimeoutMs?: number
  /** Extra librdkafka properties (win over the ones above). */
  config?: Record<string, string | number | boolean>
  disconnectOnClose?: boolean
  /** Receives the client's log lines at or above `clientLogLevel`. */
  logger?: Logger
  /** Client log level routed to `logger` (default `nothing`: the sender logs outages itself). */
  clientLogLevel?: 'nothing' | 'error' | 'warn' | 'info' | 'debug'
  /** The module to use (default: loaded on first connect). */
  confluent?: ConfluentModuleLike
}

// The client's KafkaJS.logLevel values.
const LOG_LEVEL = { nothing: 0, error: 1, warn: 2, info: 3, debug: 4 } as const

// librdkafka error codes this adapter classifies (the client's `error.code`).
const ERR_MSG_SIZE_TOO_LARGE = 10
const ERR_INVALID_MSG_SIZE = 4
const ERR_RECORD_LIST_TOO_LARGE = 18
const ERR__FATAL = -150

function errorCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code
  return typeof code === 'number' ? code : undefined
}

/** True for a Confluent/librdkafka error that retrying the same bytes cannot fix. */
export function isConfluentTooLarge(error: unknown): boolean {
  const code = errorCode(error)
  return code === ERR_MSG_SIZE_TOO_LARGE || code === ERR_INVALID_MSG_SIZE || code === ERR_RECORD_LIST_TOO_LARGE
}

/** True for an error after which librdkafka's idempotent producer cannot continue. */
export function isConfluentFatal(error: unknown): boolean {
  return errorCode(error) === ERR__FATAL || (error as { fatal?: unknown } | null | undefined)?.fatal === true
}

/** Map a Confluent client failure onto the port's error contract (told apart by `error.code`). */
export function toConfluentProduceError(error: unknown, what = 'produce'): JaegerKafkaError {
  if (error instanceof JaegerKafkaError) return error
  if (isConfluentTooLarge(error)) {
    return new JaegerKafkaError(ErrorCodes.MESSAGE_TOO_LARGE, `Cannot ${what}: record too large (${describeError(error)})`, { cause: error })
  }
  return new JaegerKafkaError(ErrorCodes.KAFKA, `Cannot ${what}: ${describeError(error)}`, { cause: error })
}

/** A record as a fresh KafkaJS-API message (the client rewrites what it is given). */
export function toConfluentMessage(record: KafkaRecord): KafkajsMessage {
  const headers: KafkajsHeaders = {}
  for (const name of Object.keys(record.headers)) {
    const value = record.headers[name]
    if (value === undefined) continue
    // An array is a repeated key; the client writes one header per element.
    headers[name] = Array.isArray(value) ? [...(value as (string | Uint8Array)[])] : (value as string | Uint8Array)
  }
  const message: KafkajsMessage = { value: record.value, headers }
  if (record.key != null) message.key = record.key
  return message
}

/**
 * The producer config the options describe: the `kafkaJS` block plus
 * librdkafka properties (secrets included: never log the result).
 */
export function confluentProducerConfig(options: ConfluentProducerOptions, logger: Logger = nullLogger): Record<string, unknown> {
  const level = LOG_LEVEL[options.clientLogLevel ?? 'nothing']
  const idempotent = options.idempotent ?? true
  const kafkaJS: Record<string, unknown> = {
    brokers: options.brokers,
    clientId: options.clientId ?? 'jaeger-kafka',
    acks: -1,
    idempotent,
    compression: options.compression ?? 'none',
    allowAutoTopicCreation: true,
    logLevel: level,
    logger: clientLogger(logger, level),
  }
  if (options.ssl) kafkaJS.ssl = true
  if (options.sasl) kafkaJS.sasl = { mechanism: options.sasl.mechanism, username: options.sasl.username, password: options.sasl.password }
  const config: Record<string, unknown> = {
    kafkaJS,
    'message.timeout.ms': options.messageTimeoutMs ?? 30_000,
    // Our records are <= maxMessageBytes; let librdkafka batch several per request.
    'linger.ms': 5,
  }
  // ssl in the kafkaJS block is only a boolean: PEM material goes in librdkafka properties.
  return { ...config, ...librdkafkaTlsProperties(options.ssl), ...options.config }
}

// The client's logger interface, routed to ours.
function clientLogger(logger: Logger, level: number): Record<string, unknown> {
  let current = level
  const line = (severity: number, kind: 'error' | 'info') => (message: unknown) => {
    if (severity > current) return
    safeLog(logger, kind, `${CONFLUENT_PACKAGE}: ${String(message)}`)
  }
  const self: Record<string, unknown> = {
    error: line(LOG_LEVEL.error, 'error'),
    warn: line(LOG_LEVEL.warn, 'info'),
    info: line(LOG_LEVEL.info, 'info'),
    debug: line(LOG_LEVEL.debug, 'info'),
    setLogLevel: (next: number) => {
      current = Math.min(next, level)
    },
    namespace: () => self,
  }
  return self
}

function validate(options: ConfluentProducerOptions): void {
  if (typeof options !== 'object' || options === null) throw new TypeError('createConfluentProducer() needs an options object')
  if ((options.producer === undefined) === (options.brokers === undefined)) {
    throw new TypeError('createConfluentProducer() needs exactly one of `producer` or `brokers`')
  }
  if (options.brokers !== undefined) {
    if (!Array.isArray(options.brokers) || options.brokers.length === 0 || !options.brokers.every((b) => typeof b === 'string' && b.length > 0)) {
      throw new TypeError('`brokers` must be a non-empty array of "host:port" strings')
    }
  }
  if (options.compression !== undefined && !KAFKA_COMPRESSIONS.includes(options.compression)) {
    throw new RangeError(`Cannot use compression "${String(options.compression)}": expected one of ${KAFKA_COMPRESSIONS.join(', ')}`)
  }
}

/** Check a loaded module: the KafkaJS API is there, and the codec is in its librdkafka build. */
export function checkConfluentModule(module: ConfluentModuleLike, compression: KafkaCompression = 'none'): void {
  if (typeof module?.KafkaJS?.Kafka !== 'function') {
    throw new JaegerKafkaError(ErrorCodes.CONFIGURATION, `Cannot use ${CONFLUENT_PACKAGE}: the module has no KafkaJS.Kafka (version 1.x expected)`)
  }
  if (compression !== 'none' && module.features && !module.features.includes(compression)) {
    throw new JaegerKafkaError(
      ErrorCodes.CONFIGURATION,
      `Cannot use compression "${compression}": this ${CONFLUENT_PACKAGE} build's librdkafka supports ${module.features.filter((f) => KAFKA_COMPRESSIONS.includes(f as KafkaCompression)).join(', ') || 'none'}`,
    )
  }
}

/** Load the package (dynamic import); a CONFIGURATION error naming it when it cannot be loaded. */
export async function loadConfluent(): Promise<ConfluentModuleLike> {
  let loaded: { default?: ConfluentModuleLike } & ConfluentModuleLike
  try {
    loaded = (await import(CONFLUENT_PACKAGE)) as unknown as { default?: ConfluentModuleLike } & ConfluentModuleLike
  } catch (error) {
    throw new JaegerKafkaError(ErrorCodes.CONFIGURATION, `Cannot load ${CONFLUENT_PACKAGE}: ${describeError(error)}. ${CONFLUENT_INSTALL_HINT}`, { cause: error })
  }
  return loaded.default?.KafkaJS ? loaded.default : loaded
}

/**
 * Create a `KafkaProducer` backed by `@confluentinc/kafka-javascript`
 * (librdkafka; Node only). acks=all and idempotent by default.
 *
 * @example
 * ```ts
 * const producer = createConfluentProducer({ brokers: ['127.0.0.1:9092'], compression: 'lz4' })
 * const sender = new KafkaSender({ producer })
 * ```
 */
export function createConfluentProducer(options: ConfluentProducerOptions): KafkaProducer {
  validate(options)
  const logger = options.logger ?? nullLogger
  const ownsClient = options.disconnectOnClose ?? options.producer === undefined
  const given = options.producer

  let producer: ConfluentProducerLike | undefined = given
  // A producer the caller passed is assumed connected.
  let connected = given !== undefined
  let connecting: Promise<void> | undefined
  let disconnected = false
  let module: Promise<ConfluentModuleLike> | undefined

  async function createClient(): Promise<ConfluentProducerLike> {
    module ??= options.confluent ? Promise.resolve(options.confluent) : loadConfluent()
    const confluent = await module
    checkConfluentModule(confluent, options.compression)
    return new confluent.KafkaJS.Kafka({}).producer(confluentProducerConfig(options, logger))
  }

  async function connect(): Promise<void> {
    if (disconnected) throw new JaegerKafkaError(ErrorCodes.CLOSED, 'Cannot connect: the producer was disconnected')
    if (connected) return
    connecting ??= (async () => {
      try {
        const p = producer ?? (producer = await createClient())
        if (disconnected) return
        await p.connect()
        if (disconnected) return await disconnectClient(p)
        connected = true
      } catch (error) {
        if (disconnected) return
        // A failed connect leaves the client unusable: build a new one next time.
        if (!given) producer = undefined
        throw toConfluentProduceError(error, 'connect to Kafka')
      } finally {
        connecting = undefined
      }
    })()
    return connecting
  }

  async function send(request: ProduceRequest): Promise<void> {
    await connect()
    const p = producer as ConfluentProducerLike
    try {
      await p.send({ topic: request.topic, messages: request.messages.map(toConfluentMessage) })
    } catch (error) {
      if (isConfluentFatal(error) && !given && producer === p) {
        // The idempotent producer cannot continue: replace it for the next attempt.
        safeLog(logger, 'error', `jaeger-kafka: ${CONFLUENT_PACKAGE} producer failed fatally, replacing it: ${describeError(error)}`)
        producer = undefined
        connected = false
        void disconnectClient(p)
      }
      throw toConfluentProduceError(error)
    }
  }

  async function flush(timeoutMs: number): Promise<void> {
    const p = producer
    if (!p || !connected || typeof p.flush !== 'function') return
    try {
      await p.flush({ timeout: timeoutMs })
    } catch {
      // Undelivered records reject their own send(); flush only waits.
    }
  }

  async function disconnectClient(p: ConfluentProducerLike): Promise<void> {
    try {
      await p.disconnect()
    } catch (error) {
      safeLog(logger, 'error', `jaeger-kafka: ${CONFLUENT_PACKAGE} disconnect failed: ${describeError(error)}`)
    }
  }

  async function disconnect(): Promise<void> {
    disconnected = true
    await connecting?.catch(() => {})
    const p = producer
    if (p && connected) await disconnectClient(p)
    connected = false
  }

  // librdkafka keeps each record (and its idempotence sequence) until its delivery report.
  return { connect, send, flush, disconnect, ownsClient, name: 'confluent', maxInFlight: 8 }
}
