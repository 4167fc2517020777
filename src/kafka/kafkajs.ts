// SPDX-License-Identifier: Apache-2.0
/**
 * kafkajs adapter for the `KafkaProducer` port (pure JS: Node, Deno, Bun).
 *
 * Either builds its own kafkajs client from connection options (kafkajs is
 * loaded on first connect, so importing this module costs nothing), wraps a
 * `Kafka` instance you already have, or wraps a kafkajs producer you already
 * created and connected. Produces with `acks=all` (-1) and, for producers it
 * builds, idempotence on.
 * @module
 */
import { ErrorCodes, JaegerKafkaError, describeError } from '../errors.ts'
import { nullLogger, safeLog } from './logger.ts'
import type { Logger } from './logger.ts'
import { KAFKA_COMPRESSIONS } from './types.ts'
import type { KafkaClientOptions, KafkaCompression, KafkaProducer, KafkaRecord, KafkajsHeaders, KafkajsLike, KafkajsMessage, KafkajsProducerLike, ProduceRequest } from './types.ts'

/** Options of `createKafkajsProducer()`. Give `producer`, `kafka` or `brokers`. */
export interface KafkajsProducerOptions extends KafkaClientOptions {
  /** An existing kafkajs producer (yours: not disconnected by the sender unless `disconnectOnClose`). */
  producer?: KafkajsProducerLike
  /** An existing kafkajs `Kafka` instance; the adapter creates (and owns) a producer from it. */
  kafka?: Pick<KafkajsLike, 'producer'>
  /** kafkajs: `none` (default) or `gzip`; `snappy`/`lz4`/`zstd` only if you registered a kafkajs codec for it. */
  compression?: KafkaCompression
  /** Broker-side ack timeout per produce request in ms (default 30000). */
  ackTimeoutMs?: number
  /** kafkajs connection timeout in ms (default 3000). */
  connectionTimeoutMs?: number
  /** kafkajs request timeout in ms (default 30000). */
  requestTimeoutMs?: number
  /**
   * Retries kafkajs makes inside one `send()` before it rejects (default 2).
   * The sender retries rejected batches itself with capped backoff.
   */
  retries?: number
  /** Disconnect on close even if the producer was passed in (default: only what the adapter built). */
  disconnectOnClose?: boolean
  /** Receives kafkajs's own log lines at or above `clientLogLevel`. */
  logger?: Logger
  /** kafkajs log level routed to `logger` (default `nothing`: the sender logs outages itself). */
  clientLogLevel?: 'nothing' | 'error' | 'warn' | 'info' | 'debug'
}

// kafkajs CompressionTypes values.
const COMPRESSION_CODE: Record<KafkaCompression, number> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 }
const LOG_LEVEL = { nothing: 0, error: 1, warn: 2, info: 4, debug: 5 } as const

interface KafkajsModule {
  Kafka: new (config: Record<string, unknown>) => KafkajsLike
  CompressionCodecs: Record<number, unknown>
}

type BufferCtor = { from(data: ArrayBufferLike, byteOffset: number, length: number): Uint8Array }

// kafkajs only accepts Node Buffers for bytes (`Buffer.isBuffer`); a plain
// Uint8Array would be stringified. kafkajs cannot run without a Buffer global,
// so where kafkajs runs one exists; wrap the same memory, no copy.
function toClientBytes(bytes: Uint8Array): Uint8Array {
  const B = (globalThis as { Buffer?: BufferCtor }).Buffer
  return B ? B.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes
}

function toClientHeaderValue(value: string | Uint8Array): string | Uint8Array {
  return typeof value === 'string' ? value : toClientBytes(value)
}

function toKafkajsMessage(record: KafkaRecord): KafkajsMessage {
  const headers: KafkajsHeaders = {}
  for (const name of Object.keys(record.headers)) {
    const value = record.headers[name]
    if (value === undefined) continue
    // An array is a repeated key (dead letters keep the original headers); kafkajs writes each.
    headers[name] = Array.isArray(value) ? value.map(toClientHeaderValue) : toClientHeaderValue(value as string | Uint8Array)
  }
  const message: KafkajsMessage = { value: record.value === null ? null : toClientBytes(record.value), headers }
  if (record.key != null) message.key = typeof record.key === 'string' ? record.key : toClientBytes(record.key)
  return message
}

/**
 * Whether kafkajs can use compression `code`: its codec table has an entry
 * for every type, but the built-in snappy/lz4/zstd entries only throw
 * "not implemented" until you register a real codec factory.
 */
export function hasKafkajsCodec(codecs: Record<number, unknown> | undefined, code: number): boolean {
  const factory = codecs?.[code]
  if (typeof factory !== 'function') return false
  try {
    factory()
    return true
  } catch {
    return false
  }
}

function isMessageTooLarge(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 4; depth++) {
    const type = (e as { type?: unknown }).type
    if (type === 'MESSAGE_TOO_LARGE' || type === 'RECORD_LIST_TOO_LARGE') return true
    e = (e as { cause?: unknown; originalError?: unknown }).cause ?? (e as { originalError?: unknown }).originalError
  }
  return false
}

/** Map a kafkajs failure onto the port's error contract. */
export function toProduceError(error: unknown): JaegerKafkaError {
  if (error instanceof JaegerKafkaError) return error
  if (isMessageTooLarge(error)) {
    return new JaegerKafkaError(ErrorCodes.MESSAGE_TOO_LARGE, `Cannot produce: the broker rejected the record as too large (${describeError(error)})`, { cause: error })
  }
  return new JaegerKafkaError(ErrorCodes.KAFKA, `Cannot produce: ${describeError(error)}`, { cause: error })
}

function validate(options: KafkajsProducerOptions): void {
  if (typeof options !== 'object' || options === null) throw new TypeError('createKafkajsProducer() needs an options object')
  const sources = [options.producer, options.kafka, options.brokers].filter((v) => v !== undefined).length
  if (sources !== 1) throw new TypeError('createKafkajsProducer() needs exactly one of `producer`, `kafka` or `brokers`')
  if (options.brokers !== undefined) {
    if (!Array.isArray(options.brokers) || options.brokers.length === 0 || !options.brokers.every((b) => typeof b === 'string' && b.length > 0)) {
      throw new TypeError('`brokers` must be a non-empty array of "host:port" strings')
    }
  }
  if (options.compression !== undefined && !KAFKA_COMPRESSIONS.includes(options.compression)) {
    throw new RangeError(`Cannot use compression "${String(options.compression)}": expected one of ${KAFKA_COMPRESSIONS.join(', ')}`)
  }
  if (options.retries !== undefined && (!Number.isInteger(options.retries) || options.retries < 1)) {
    throw new RangeError('`retries` must be an integer >= 1 (kafkajs idempotent producers need at least one)')
  }
}

/**
 * Create a `KafkaProducer` backed by kafkajs.
 *
 * @example
 * ```ts
 * const producer = createKafkajsProducer({ brokers: ['127.0.0.1:9092'], compression: 'gzip' })
 * const sender = new KafkaSender({ producer })
 * ```
 */
export function createKafkajsProducer(options: KafkajsProducerOptions): KafkaProducer {
  validate(options)
  const compression = options.compression ?? 'none'
  const compressionCode = COMPRESSION_CODE[compression]
  const ackTimeoutMs = options.ackTimeoutMs ?? 30_000
  const logger = options.logger ?? nullLogger
  const ownsClient = options.disconnectOnClose ?? options.producer === undefined

  let producer: KafkajsProducerLike | undefined = options.producer
  // A producer the caller passed is assumed connected until kafkajs says otherwise.
  let connected = options.producer !== undefined
  let connecting: Promise<void> | undefined
  let disconnected = false

  let building: Promise<KafkajsProducerLike> | undefined

  // Memoized: concurrent first calls must share one client.
  function build(): Promise<KafkajsProducerLike> {
    building ??= createClient()
    return building
  }

  async function createClient(): Promise<KafkajsProducerLike> {
    if (producer) return producer
    const loaded = (await import('kafkajs')) as unknown as { default?: KafkajsModule } & KafkajsModule
    // kafkajs is CommonJS: its whole API is the default export (named-export detection misses some of it).
    const kafkajs: KafkajsModule = loaded.default?.Kafka ? loaded.default : loaded
    if (compressionCode > 1 && !hasKafkajsCodec(kafkajs.CompressionCodecs, compressionCode)) {
      throw new JaegerKafkaError(
        ErrorCodes.CONFIGURATION,
        `Cannot use compression "${compression}" with kafkajs: no codec registered (kafkajs has only gzip built in; register one in kafkajs CompressionCodecs, or use gzip, or the node-rdkafka adapter)`,
      )
    }
    let kafka: Pick<KafkajsLike, 'producer'> | undefined = options.kafka
    if (!kafka) {
      const level = LOG_LEVEL[options.clientLogLevel ?? 'nothing']
      kafka = new kafkajs.Kafka({
        brokers: options.brokers,
        clientId: options.clientId ?? 'jaeger-kafka',
        ssl: options.ssl,
        sasl: options.sasl,
        connectionTimeout: options.connectionTimeoutMs ?? 3_000,
        requestTimeout: options.requestTimeoutMs ?? 30_000,
        // Short client-level retries (connect, metadata): the sender retries with its own backoff,
        // and long kafkajs retry chains would keep a closing process alive.
        retry: { retries: options.retries ?? 2, initialRetryTime: 100, maxRetryTime: 2_000 },
        logLevel: level,
        logCreator: () => (entry: { namespace?: string; level: number; log: { message?: string } }) => {
          if (entry.level > level) return
          const text = `kafkajs${entry.namespace ? ` ${entry.namespace}` : ''}: ${entry.log.message ?? ''}`
          safeLog(logger, entry.level <= 1 ? 'error' : 'info', text)
        },
      })
    }
    producer = kafka.producer({
      idempotent: options.idempotent ?? true,
      // Brokers keep idempotent ordering only with at most 5 in-flight requests per connection.
      maxInFlightRequests: options.idempotent === false ? undefined : 5,
      retry: { retries: options.retries ?? 2, initialRetryTime: 100, maxRetryTime: 2_000 },
      allowAutoTopicCreation: true,
    })
    return producer
  }

  async function connect(): Promise<void> {
    if (disconnected) throw new JaegerKafkaError(ErrorCodes.CLOSED, 'Cannot connect: the producer was disconnected')
    if (connected) return
    if (!connecting) {
      connecting = (async () => {
        try {
          const p = await build()
          // disconnect() came first: do not connect at all.
          if (disconnected) return
          await p.connect()
          // disconnect() came during the connect (kafkajs cannot cancel one): close what it opened.
          if (disconnected) return await disconnectClient(p)
          connected = true
        } catch (error) {
          // A connect that a disconnect() cut short is no failure to report.
          if (disconnected) return
          if (error instanceof JaegerKafkaError) throw error
          throw new JaegerKafkaError(ErrorCodes.KAFKA, `Cannot connect to Kafka: ${describeError(error)}`, { cause: error })
        } finally {
          connecting = undefined
        }
      })()
    }
    return connecting
  }

  async function send(request: ProduceRequest): Promise<void> {
    await connect()
    const p = producer as KafkajsProducerLike
    try {
      await p.send({
        topic: request.topic,
        messages: request.messages.map(toKafkajsMessage),
        acks: -1,
        timeout: ackTimeoutMs,
        compression: compressionCode,
      })
    } catch (error) {
      // "The producer is disconnected": reconnect before the next attempt.
      if ((error as { name?: string }).name === 'KafkaJSError' && /disconnect/i.test(String((error as Error).message))) connected = false
      throw toProduceError(error)
    }
  }

  async function disconnectClient(p: KafkajsProducerLike): Promise<void> {
    try {
      await p.disconnect()
    } catch (error) {
      safeLog(logger, 'error', `jaeger-kafka: kafkajs disconnect failed: ${describeError(error)}`)
    } finally {
      connected = false
    }
  }

  // Does not wait for a connect in flight (a stop must not hang on an unreachable broker):
  // the client is disconnected now, and once more if that connect still lands (see connect()).
  async function disconnect(): Promise<void> {
    disconnected = true
    const p = producer
    if (!p || (!connected && connecting === undefined)) return
    await disconnectClient(p)
  }

  // See KafkaProducer.maxInFlight: idempotent kafkajs producers must retry a failed record before sending another.
  const idempotent = options.producer !== undefined ? true : options.idempotent ?? true
  return { connect, send, disconnect, ownsClient, name: 'kafkajs', maxInFlight: idempotent ? 1 : 5 }
}
