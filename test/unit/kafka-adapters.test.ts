// SPDX-License-Identifier: Apache-2.0
// The kafkajs and node-rdkafka adapters against fake clients: what they hand
// the client (acks, compression, bytes, headers), when they connect, how they
// classify errors, and that node-rdkafka sends resolve on delivery reports.
import assert from 'node:assert/strict'
import { test } from '../support/harness.ts'
import { ErrorCodes, isJaegerKafkaError } from '../../src/errors.ts'
import { createKafkajsProducer, toProduceError } from '../../src/kafka/kafkajs.ts'
import type { KafkajsProducerLike } from '../../src/kafka/types.ts'
import { createRdkafkaProducer, rdkafkaConfig } from '../../src/kafka/rdkafka.node.ts'
import type { RdkafkaModuleLike, RdkafkaProducerLike } from '../../src/kafka/rdkafka.node.ts'

type SendArgs = Parameters<KafkajsProducerLike['send']>[0]

class FakeKafkajsProducer implements KafkajsProducerLike {
  sent: SendArgs[] = []
  connects = 0
  disconnects = 0
  failWith: unknown
  async connect(): Promise<void> {
    this.connects++
  }
  async disconnect(): Promise<void> {
    this.disconnects++
  }
  async send(record: SendArgs): Promise<unknown> {
    if (this.failWith) {
      const error = this.failWith
      this.failWith = undefined
      throw error
    }
    this.sent.push(record)
    return [{ errorCode: 0 }]
  }
}

const record = { topic: 'spans', messages: [{ value: new Uint8Array([1, 2, 3]), headers: { 'jaeger-kafka-encoding': 'jaeger.thrift.binary.batch', bin: new Uint8Array([9]) } }] }

test('kafkajs adapter sends acks=all, the chosen compression, bytes as Buffers and headers unchanged', async () => {
  const fake = new FakeKafkajsProducer()
  const producer = createKafkajsProducer({ producer: fake, compression: 'gzip' })
  await producer.send(record)
  const sent = fake.sent[0] as SendArgs
  assert.equal(sent.topic, 'spans')
  assert.equal(sent.acks, -1)
  assert.equal(sent.compression, 1)
  const message = sent.messages[0] as { key?: unknown; value: Uint8Array; headers: Record<string, unknown> }
  assert.equal('key' in message, false, 'no partition key')
  assert.ok(message.value instanceof Uint8Array)
  const B = (globalThis as { Buffer?: { isBuffer(v: unknown): boolean } }).Buffer
  if (B) assert.ok(B.isBuffer(message.value), 'kafkajs needs a Buffer')
  assert.deepEqual([...message.value], [1, 2, 3])
  assert.equal(message.headers['jaeger-kafka-encoding'], 'jaeger.thrift.binary.batch')
  assert.deepEqual([...(message.headers.bin as Uint8Array)], [9])
  // The caller's record is not mutated.
  assert.ok(!(B?.isBuffer(record.messages[0]?.value) ?? false))
})

test('kafkajs adapter treats a passed producer as connected and yours: reconnects only after "disconnected", never disconnects it', async () => {
  const fake = new FakeKafkajsProducer()
  const producer = createKafkajsProducer({ producer: fake })
  assert.equal(producer.ownsClient, false)
  await producer.send(record)
  assert.equal(fake.connects, 0)
  fake.failWith = Object.assign(new Error('The producer is disconnected'), { name: 'KafkaJSError', retriable: true })
  await assert.rejects(producer.send(record), (e: unknown) => isJaegerKafkaError(e) && e.code === ErrorCodes.KAFKA)
  await producer.send(record)
  assert.equal(fake.connects, 1)
  assert.equal(createKafkajsProducer({ producer: fake, disconnectOnClose: true }).ownsClient, true)
})

test('kafkajs adapter builds an idempotent producer from a Kafka instance and owns it', async () => {
  const fake = new FakeKafkajsProducer()
  let config: Record<string, unknown> | undefined
  const producer = createKafkajsProducer({
    kafka: {
      producer: (c) => {
        config = c
        return fake
      },
    },
  })
  assert.equal(producer.ownsClient, true)
  await producer.send(record)
  assert.equal(config?.idempotent, true)
  assert.equal(fake.connects, 1)
  await producer.send(record)
  assert.equal(fake.connects, 1, 'connects once')
  await producer.disconnect()
  assert.equal(fake.disconnects, 1)
  await assert.rejects(producer.send(record), (e: unknown) => isJaegerKafkaError(e) && e.code === ErrorCodes.CLOSED)
})

test('kafkajs errors map to MESSAGE_TOO_LARGE (permanent) or KAFKA (transient: the sender retries it)', () => {
  const tooLarge = toProduceError(Object.assign(new Error('The request included a message larger than the max message size'), { name: 'KafkaJSProtocolError', type: 'MESSAGE_TOO_LARGE', retriable: false }))
  assert.equal(tooLarge.code, ErrorCodes.MESSAGE_TOO_LARGE)
  const wrapped = toProduceError(Object.assign(new Error('retries exceeded'), { cause: { type: 'RECORD_LIST_TOO_LARGE' } }))
  assert.equal(wrapped.code, ErrorCodes.MESSAGE_TOO_LARGE)
  const down = toProduceError(Object.assign(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092'), { name: 'KafkaJSConnectionError' }))
  assert.equal(down.code, ErrorCodes.KAFKA)
  assert.match(down.message, /^Cannot produce: KafkaJSConnectionError: Connection error/)
})

test('kafkajs adapter rejects snappy/lz4/zstd without a registered codec, clearly', async () => {
  const producer = createKafkajsProducer({ brokers: ['127.0.0.1:1'], compression: 'zstd' })
  await assert.rejects(producer.connect(), (e: unknown) => isJaegerKafkaError(e) && e.code === ErrorCodes.CONFIGURATION && /only gzip built in/.test(e.message))
})

test('kafkajs adapter options are validated', () => {
  assert.throws(() => createKafkajsProducer({}), TypeError)
  assert.throws(() => createKafkajsProducer({ brokers: [] }), TypeError)
  assert.throws(() => createKafkajsProducer({ brokers: ['a:1'], producer: new FakeKafkajsProducer() }), TypeError)
  assert.throws(() => createKafkajsProducer({ brokers: ['a:1'], compression: 'brotli' as never }), RangeError)
  assert.throws(() => createKafkajsProducer({ brokers: ['a:1'], retries: 0 }), RangeError)
})

// ------------------------------------------------------------ node-rdkafka

interface Produced {
  topic: string
  value: Uint8Array
  key: unknown
  opaque: unknown
  headers: Record<string, unknown>[]
}

class FakeRdkafkaProducer implements RdkafkaProducerLike {
  connected = false
  produced: Produced[] = []
  listeners = new Map<string, ((...args: never[]) => void)[]>()
  pollInterval: unknown = undefined
  flushes = 0
  throwOnProduce: unknown
  _cb_configs = { event: { delivery_cb: true } }
  config: Record<string, unknown>
  constructor(config: Record<string, unknown> = {}) {
    this.config = config
  }
  connect(_options: unknown, cb?: (err: unknown) => void): void {
    this.connected = true
    queueMicrotask(() => cb?.(null))
  }
  disconnect(_timeout: number, cb?: (err: unknown) => void): void {
    this.connected = false
    queueMicrotask(() => cb?.(null))
  }
  isConnected(): boolean {
    return this.connected
  }
  produce(topic: string, _partition: number | null, value: Uint8Array | null, key?: unknown, _ts?: unknown, opaque?: unknown, headers?: Record<string, unknown>[]): void {
    if (this.throwOnProduce) throw this.throwOnProduce
    this.produced.push({ topic, value: value as Uint8Array, key, opaque, headers: headers ?? [] })
  }
  flush(_timeout: number, cb?: (err: unknown) => void): void {
    this.flushes++
    queueMicrotask(() => cb?.(null))
  }
  setPollInterval(interval: number): void {
    this.pollInterval = interval
  }
  on(event: string, listener: (...args: never[]) => void): void {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener])
  }
  removeListener(event: string, listener: (...args: never[]) => void): void {
    this.listeners.set(event, (this.listeners.get(event) ?? []).filter((l) => l !== listener))
  }
  /** Emit the delivery report of the i-th produced message. */
  report(i: number, error: unknown = null): void {
    const p = this.produced[i] as Produced
    for (const l of this.listeners.get('delivery-report') ?? []) (l as (e: unknown, r: unknown) => void)(error, { topic: p.topic, partition: 0, offset: i, opaque: p.opaque, size: p.value.length })
  }
}

test('node-rdkafka adapter resolves each send only on its own delivery report', async () => {
  const fake = new FakeRdkafkaProducer()
  const producer = createRdkafkaProducer({ producer: fake })
  await producer.connect()
  let firstDone = false
  const first = producer.send(record).then(() => (firstDone = true))
  const second = producer.send(record)
  await new Promise((r) => setTimeout(r, 5))
  assert.equal(fake.produced.length, 2)
  assert.equal(fake.pollInterval, 20, 'polls so delivery reports arrive')
  assert.equal(firstDone, false)
  fake.report(1)
  await second
  assert.equal(firstDone, false, 'the other record is still unacknowledged')
  fake.report(0, { code: -192, message: 'Local: Message timed out' })
  await assert.rejects(first, (e: unknown) => isJaegerKafkaError(e) && e.code === ErrorCodes.KAFKA)
  const p = fake.produced[0] as Produced
  assert.equal(p.topic, 'spans')
  assert.equal(p.key, null)
  assert.deepEqual([...p.value], [1, 2, 3])
  assert.deepEqual(Object.keys(p.headers[0] ?? {}), ['jaeger-kafka-encoding'])
  assert.equal(p.headers[0]?.['jaeger-kafka-encoding'], 'jaeger.thrift.binary.batch')
})

test('node-rdkafka adapter classifies a local size error as MESSAGE_TOO_LARGE and a full queue as KAFKA (transient)', async () => {
  const fake = new FakeRdkafkaProducer()
  const producer = createRdkafkaProducer({ producer: fake })
  await producer.connect()
  fake.throwOnProduce = Object.assign(new Error('Broker: Message size too large'), { code: 10 })
  await assert.rejects(producer.send(record), (e: unknown) => isJaegerKafkaError(e) && e.code === ErrorCodes.MESSAGE_TOO_LARGE)
  fake.throwOnProduce = Object.assign(new Error('Local: Queue full'), { code: -184 })
  await assert.rejects(producer.send(record), (e: unknown) => isJaegerKafkaError(e) && e.code === ErrorCodes.KAFKA)
})

test('node-rdkafka adapter builds its producer with delivery reports, idempotence and acks=all, and owns it', async () => {
  let built: FakeRdkafkaProducer | undefined
  const rdkafka: RdkafkaModuleLike = {
    Producer: class extends FakeRdkafkaProducer {
      constructor(config: Record<string, unknown>) {
        super(config)
        built = this
      }
    } as unknown as RdkafkaModuleLike['Producer'],
    features: ['gzip', 'snappy', 'lz4'],
  }
  const producer = createRdkafkaProducer({ brokers: ['b1:9092', 'b2:9092'], compression: 'lz4', rdkafka })
  assert.equal(producer.ownsClient, true)
  await producer.connect()
  assert.equal(built?.config['metadata.broker.list'], 'b1:9092,b2:9092')
  assert.equal(built?.config.dr_cb, true)
  assert.equal(built?.config['enable.idempotence'], true)
  assert.equal(built?.config.acks, -1)
  assert.equal(built?.config['compression.codec'], 'lz4')
  const pending = producer.send(record)
  await new Promise((r) => setTimeout(r, 1))
  await producer.flush?.(1000)
  assert.equal(built?.flushes, 1)
  await producer.disconnect()
  await assert.rejects(pending, (e: unknown) => isJaegerKafkaError(e) && e.code === ErrorCodes.CLOSED)

  const zstd = createRdkafkaProducer({ brokers: ['b:1'], compression: 'zstd', rdkafka })
  await assert.rejects(zstd.connect(), (e: unknown) => isJaegerKafkaError(e) && e.code === ErrorCodes.CONFIGURATION && /gzip, snappy, lz4/.test(e.message))
})

test('node-rdkafka config maps TLS and SASL without logging secrets, and refuses a producer without dr_cb', () => {
  const config = rdkafkaConfig({ brokers: ['b:9093'], ssl: { ca: '-----BEGIN CERTIFICATE-----\nx', rejectUnauthorized: false }, sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' } })
  assert.equal(config['security.protocol'], 'sasl_ssl')
  assert.equal(config['sasl.mechanisms'], 'SCRAM-SHA-512')
  assert.equal(config['ssl.ca.pem'], '-----BEGIN CERTIFICATE-----\nx')
  assert.equal(config['enable.ssl.certificate.verification'], false)
  const noReports = new FakeRdkafkaProducer()
  noReports._cb_configs = { event: { delivery_cb: false } }
  assert.throws(() => createRdkafkaProducer({ producer: noReports }), /dr_cb: true/)
})

test('concurrent first connect() and send() share one client (kafkajs and node-rdkafka)', async () => {
  let kafkajsBuilt = 0
  const fake = new FakeKafkajsProducer()
  const viaKafkajs = createKafkajsProducer({
    kafka: {
      producer: () => {
        kafkajsBuilt++
        return fake
      },
    },
  })
  await Promise.all([viaKafkajs.connect(), viaKafkajs.send(record), viaKafkajs.send(record)])
  assert.equal(kafkajsBuilt, 1)
  assert.equal(fake.connects, 1)

  const built: FakeRdkafkaProducer[] = []
  const rdkafka: RdkafkaModuleLike = {
    Producer: class extends FakeRdkafkaProducer {
      constructor(config: Record<string, unknown>) {
        super(config)
        built.push(this)
      }
    } as unknown as RdkafkaModuleLike['Producer'],
  }
  const viaRdkafka = createRdkafkaProducer({ brokers: ['b:1'], rdkafka })
  const connecting = viaRdkafka.connect()
  const sending = viaRdkafka.send(record)
  await connecting
  await new Promise((r) => setTimeout(r, 1))
  assert.equal(built.length, 1)
  built[0]?.report(0)
  await sending
  await viaRdkafka.disconnect()
})

test('kafkajs adapter: disconnect() during a connect that hangs returns at once, and closes the client again if that connect lands', async () => {
  const fake = new FakeKafkajsProducer()
  let land: () => void = () => {}
  fake.connect = () => {
    fake.connects++
    return new Promise<void>((resolve) => {
      land = resolve
    })
  }
  const producer = createKafkajsProducer({ kafka: { producer: () => fake } })
  const connecting = producer.connect()
  for (let i = 0; i < 50 && fake.connects === 0; i++) await new Promise((r) => setTimeout(r, 10))
  assert.equal(fake.connects, 1, 'the connect is in flight')
  await producer.disconnect() // must not wait for the hanging connect
  assert.equal(fake.disconnects, 1)
  land()
  await connecting // a connect a disconnect cut short is no failure
  assert.equal(fake.disconnects, 2, 'what the late connect opened is closed')
  await producer.disconnect()
  assert.equal(fake.disconnects, 2, 'a second disconnect() has nothing left to close')
  await assert.rejects(producer.connect(), (e: unknown) => isJaegerKafkaError(e) && e.code === ErrorCodes.CLOSED)
})
