// SPDX-License-Identifier: Apache-2.0
/**
 * node-rdkafka adapter for the `KafkaProducer` port. Node only: node-rdkafka
 * is a NAN addon that Deno and Bun cannot load.
 *
 * Builds its own `Producer` (node-rdkafka is loaded on first connect) or wraps
 * one you created with `dr_cb: true`. Every `send()` resolves on the record's
 * own delivery report, so "sent" means acknowledged (`acks=all`). Delivery
 * reports need polling: the adapter sets node-rdkafka's (unref'd) poll
 * interval, and `flush()` keeps the process alive while `close()` drains.
 * @module
 */
import { Buffer } from 'node:buffer'
import { ErrorCodes, JaegerKafkaError, describeError } from '../errors.ts'
import { nullLogger, safeLog } from './logger.ts'
import type { Logger } from './logger.ts'
import { KAFKA_COMPRESSIONS } from './types.ts'
import { librdkafkaTlsProperties } from './librdkafka-config.ts'
import type { KafkaClientOptions, KafkaCompression, KafkaProducer, KafkaRecord, ProduceRequest } from './types.ts'

/** The part of a node-rdkafka `Producer` this adapter calls (structural). */
export interface RdkafkaProducerLike {
  connect(options?: { timeout?: number }, cb?: (err: unknown) => void): unknown
  disconnect(timeout: number, cb?: (err: unknown) => void): unknown
  isConnected(): boolean
  produce(topic: string, partition: number | null, value: Buffer | null, key?: Buffer | string | null, timestamp?: number | null, opaque?: unknown, headers?: Record<string, string | Buffer>[]): unknown
  flush(timeout: number, cb?: (err: unknown) => void): unknown
  setPollInterval(interval: number): unknown
  on(event: string, listener: (...args: never[]) => void): unknown
  removeListener(event: string, listener: (...args: never[]) => void): unknown
  pollInterval?: unknown
}

/** The part of the node-rdkafka module this adapter needs to build a producer. */
export interface RdkafkaModuleLike {
  Producer: new (config: Record<string, unknown>, topicConfig?: Record<string, unknown>) => RdkafkaProducerLike
  features?: string[]
}

/** Options of `createRdkafkaProducer()`. Give `producer` or `brokers`. */
export interface RdkafkaProducerOptions extends KafkaClientOptions {
  /** An existing node-rdkafka Producer created with `dr_cb: true` (yours: not disconnected unless `disconnectOnClose`). */
  producer?: RdkafkaProducerLike
  /** node-rdkafka: `none` (default), `gzip`, `snappy`, `lz4`, or `zstd` if librdkafka was built with it. */
  compression?: KafkaCompression
  /** `message.timeout.ms`: how long librdkafka retries one record before failing it (default 30000). */
  messageTimeoutMs?: number
  /** Connect (metadata) timeout in ms (default 5000). */
  connectTimeoutMs?: number
  /** Delivery-report poll interval in ms (default 20). */
  pollIntervalMs?: number
  /** Extra librdkafka properties (win over the ones above). */
  config?: Record<string, string | number | boolean>
  disconnectOnClose?: boolean
  logger?: Logger
  /** The node-rdkafka module to use (default: loaded on first connect). */
  rdkafka?: RdkafkaModuleLike
}

interface Pending {
  resolve(): void
  reject(error: unknown): void
}

// librdkafka error codes this adapter classifies.
const ERR_MSG_SIZE_TOO_LARGE = 10
const ERR_INVALID_MSG_SIZE = 4
const ERR__MSG_TOO_LARGE_LOCAL = -10 // older bindings report the local size check as -10

function errorCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | undefined)?.code
  return typeof code === 'number' ? code : undefined
}

function isTooLarge(error: unknown): boolean {
  const code = errorCode(error)
  if (code === ERR_MSG_SIZE_TOO_LARGE || code === ERR_INVALID_MSG_SIZE || code === ERR__MSG_TOO_LARGE_LOCAL) return true
  return /size too large/i.test(String((error as { message?: unknown } | undefined)?.message ?? ''))
}

function toProduceError(error: unknown, what: string): JaegerKafkaError {
  if (error instanceof JaegerKafkaError) return error
  if (isTooLarge(error)) {
    return new JaegerKafkaError(ErrorCodes.MESSAGE_TOO_LARGE, `Cannot ${what}: record too large (${describeError(error)})`, { cause: error })
  }
  return new JaegerKafkaError(ErrorCodes.KAFKA, `Cannot ${what}: ${describeError(error)}`, { cause: error })
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

function toRdkafkaHeaders(record: KafkaRecord): Record<string, string | Buffer>[] {
  const headers: Record<string, string | Buffer>[] = []
  for (const name of Object.keys(record.headers)) {
    const value = record.headers[name]
    if (value === undefined) continue
    // node-rdkafka takes one single-key object per header; an array is a repeated key.
    for (const one of (Array.isArray(value) ? value : [value]) as (string | Uint8Array)[]) {
      headers.push({ [name]: typeof one === 'string' ? one : toBuffer(one) })
    }
  }
  return headers
}

/** The librdkafka properties the options describe (secrets included: never log the result). */
export function rdkafkaConfig(options: RdkafkaProducerOptions): Record<string, unknown> {
  const config: Record<string, unknown> = {
    'metadata.broker.list': (options.brokers ?? []).join(','),
    'client.id': options.clientId ?? 'jaeger-kafka',
    dr_cb: true,
    'enable.idempotence': options.idempotent ?? true,
    acks: -1,
    'message.timeout.ms': options.messageTimeoutMs ?? 30_000,
    'compression.codec': options.compression ?? 'none',
    // Our records are <= maxMessageBytes; let librdkafka batch several per request.
    'linger.ms': 5,
  }
  const tls = options.ssl
  const sasl = options.sasl
  if (sasl) {
    config['security.protocol'] = tls ? 'sasl_ssl' : 'sasl_plaintext'
    config['sasl.mechanisms'] = sasl.mechanism.toUpperCase()
    config['sasl.username'] = sasl.username
    config['sasl.password'] = sasl.password
  } else if (tls) {
    config['security.protocol'] = 'ssl'
  }
  return { ...config, ...librdkafkaTlsProperties(tls), ...options.config }
}

function validate(options: RdkafkaProducerOptions): void {
  if (typeof options !== 'object' || options === null) throw new TypeError('createRdkafkaProducer() needs an options object')
  if ((options.producer === undefined) === (options.brokers === undefined)) {
    throw new TypeError('createRdkafkaProducer() needs exactly one of `producer` or `brokers`')
  }
  if (options.brokers !== undefined && (!Array.isArray(options.brokers) || options.brokers.length === 0)) {
    throw new TypeError('`brokers` must be a non-empty array of "host:port" strings')
  }
  if (options.compression !== undefined && !KAFKA_COMPRESSIONS.includes(options.compression)) {
    throw new RangeError(`Cannot use compression "${String(options.compression)}": expected one of ${KAFKA_COMPRESSIONS.join(', ')}`)
  }
  const callbacks = (options.producer as { _cb_configs?: { event?: { delivery_cb?: unknown } } } | undefined)?._cb_configs
  if (callbacks && !callbacks.event?.delivery_cb) {
    throw new TypeError('The node-rdkafka Producer must be created with `dr_cb: true`: the sender counts spans as sent only on delivery reports')
  }
}

async function loadRdkafka(): Promise<RdkafkaModuleLike> {
  const loaded = (await import('node-rdkafka')) as unknown as { default?: RdkafkaModuleLike } & RdkafkaModuleLike
  return loaded.default?.Producer ? loaded.default : loaded
}

/**
 * Create a `KafkaProducer` backed by node-rdkafka (Node only).
 *
 * @example
 * ```ts
 * const producer = createRdkafkaProducer({ brokers: ['127.0.0.1:9092'], compression: 'lz4' })
 * const sender = new KafkaSender({ producer })
 * ```
 */
export function createRdkafkaProducer(options: RdkafkaProducerOptions): KafkaProducer {
  validate(options)
  const logger = options.logger ?? nullLogger
  const ownsClient = options.disconnectOnClose ?? options.producer === undefined
  const connectTimeoutMs = options.connectTimeoutMs ?? 5_000
  const pollIntervalMs = options.pollIntervalMs ?? 20
  const pending = new Map<object, Pending>()

  let producer: RdkafkaProducerLike | undefined = options.producer
  let listening = false
  let connecting: Promise<void> | undefined
  let disconnected = false

  const onDelivery = (error: unknown, report: { opaque?: unknown } | undefined): void => {
    const token = report?.opaque
    if (typeof token !== 'object' || token === null) return
    const entry = pending.get(token)
    if (!entry) return
    pending.delete(token)
    if (error) entry.reject(toProduceError(error, 'produce'))
    else entry.resolve()
  }

  let building: Promise<RdkafkaProducerLike> | undefined

  // Memoized: concurrent first calls must share one client.
  function build(): Promise<RdkafkaProducerLike> {
    building ??= createClient()
    return building
  }

  async function createClient(): Promise<RdkafkaProducerLike> {
    if (producer) return producer
    const rdkafka = options.rdkafka ?? (await loadRdkafka())
    const compression = options.compression ?? 'none'
    if (compression !== 'none' && rdkafka.features && !rdkafka.features.includes(compression)) {
      throw new JaegerKafkaError(
        ErrorCodes.CONFIGURATION,
        `Cannot use compression "${compression}": this librdkafka build supports ${rdkafka.features.filter((f) => KAFKA_COMPRESSIONS.includes(f as KafkaCompression)).join(', ') || 'none'}`,
      )
    }
    producer = new rdkafka.Producer(rdkafkaConfig(options))
    return producer
  }

  async function connect(): Promise<void> {
    if (disconnected) throw new JaegerKafkaError(ErrorCodes.CLOSED, 'Cannot connect: the producer was disconnected')
    const p = await build()
    if (!listening) {
      p.on('delivery-report', onDelivery as (...args: never[]) => void)
      listening = true
    }
    if (p.isConnected()) return ensurePolling(p)
    connecting ??= new Promise<void>((resolve, reject) => {
      p.connect({ timeout: connectTimeoutMs }, (error) => {
        connecting = undefined
        if (error) reject(toProduceError(error, 'connect to Kafka'))
        else resolve()
      })
    })
    await connecting
    ensurePolling(p)
  }

  function ensurePolling(p: RdkafkaProducerLike): void {
    // Without poll() no delivery report is ever emitted (Blizzard/node-rdkafka#308).
    if (p.pollInterval === undefined || p.pollInterval === null) p.setPollInterval(pollIntervalMs)
  }

  async function send(request: ProduceRequest): Promise<void> {
    await connect()
    const p = producer as RdkafkaProducerLike
    const waits: Promise<void>[] = []
    for (const record of request.messages) {
      const token = {}
      waits.push(
        new Promise<void>((resolve, reject) => {
          pending.set(token, { resolve, reject })
          try {
            const key = record.key == null ? null : typeof record.key === 'string' ? record.key : toBuffer(record.key)
            p.produce(request.topic, null, record.value === null ? null : toBuffer(record.value), key, Date.now(), token, toRdkafkaHeaders(record))
          } catch (error) {
            pending.delete(token)
            reject(toProduceError(error, 'produce'))
          }
        }),
      )
    }
    await Promise.all(waits)
  }

  async function flush(timeoutMs: number): Promise<void> {
    const p = producer
    if (!p || !p.isConnected() || pending.size === 0) return
    await new Promise<void>((resolve) => {
      try {
        p.flush(timeoutMs, () => resolve())
      } catch {
        resolve()
      }
    })
  }

  async function disconnect(): Promise<void> {
    disconnected = true
    await building?.catch(() => {})
    await connecting?.catch(() => {})
    const p = producer
    if (!p) return
    if (p.isConnected()) {
      await new Promise<void>((resolve) => {
        try {
          p.disconnect(2_000, (error) => {
            if (error) safeLog(logger, 'error', `jaeger-kafka: node-rdkafka disconnect failed: ${describeError(error)}`)
            resolve()
          })
        } catch (error) {
          safeLog(logger, 'error', `jaeger-kafka: node-rdkafka disconnect failed: ${describeError(error)}`)
          resolve()
        }
      })
    }
    if (listening) p.removeListener('delivery-report', onDelivery as (...args: never[]) => void)
    listening = false
    for (const [token, entry] of pending) {
      pending.delete(token)
      entry.reject(new JaegerKafkaError(ErrorCodes.CLOSED, 'Cannot deliver: the producer disconnected before the delivery report'))
    }
  }

  // librdkafka keeps each record (and its idempotence sequence) until its delivery report.
  return { connect, send, flush, disconnect, ownsClient, name: 'node-rdkafka', maxInFlight: 8 }
}
