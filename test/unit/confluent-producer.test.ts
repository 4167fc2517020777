// SPDX-License-Identifier: Apache-2.0
// The @confluentinc/kafka-javascript adapter's option and error mapping, with
// a fake module (the real client is exercised in test/node/*confluent*.test.ts),
// and how the drop-in and the forwarder select it.
import assert from 'node:assert/strict'
import { test } from '../support/harness.ts'
import { JaegerKafkaError } from '../../src/errors.ts'
import { confluentProducerConfig, createConfluentProducer, toConfluentProduceError } from '../../src/kafka/confluent.ts'
import type { ConfluentModuleLike, ConfluentProducerLike } from '../../src/kafka/confluent.ts'
import type { KafkajsMessage } from '../../src/kafka/types.ts'
import { kafkaConfigFromEnv, senderOptionsFromConfig } from '../../senders/kafka-config.ts'
import { forwardOptions } from '../../cli/forward.ts'
import { resolveForwarderOptions } from '../../forwarder/options.ts'

const noFile = (): string => {
  throw new Error('no file')
}

function fakeModule(send: (messages: KafkajsMessage[]) => Promise<unknown>, features = ['gzip', 'snappy', 'lz4']) {
  const built: Record<string, unknown>[] = []
  const producers: { connects: number; disconnects: number }[] = []
  const module: ConfluentModuleLike = {
    features,
    KafkaJS: {
      Kafka: class {
        producer(config: Record<string, unknown>): ConfluentProducerLike {
          built.push(config)
          const state = { connects: 0, disconnects: 0 }
          producers.push(state)
          return {
            connect: async () => void state.connects++,
            disconnect: async () => void state.disconnects++,
            send: async ({ messages }) => send(messages),
          }
        }
      },
    },
  }
  return { module, built, producers }
}

function librdkafkaError(code: number, fatal = false): Error {
  return Object.assign(new Error(`librdkafka error ${code}`), { code, fatal })
}

test('confluentProducerConfig(): acks=all, idempotent, compression in the kafkaJS block; TLS PEM and SASL mapped', () => {
  const config = confluentProducerConfig({
    brokers: ['127.0.0.1:1'],
    compression: 'lz4',
    ssl: { ca: ['A', 'B'], cert: 'C', key: 'K', passphrase: 'P', rejectUnauthorized: false },
    sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' },
    config: { 'linger.ms': 50 },
  })
  const kafkaJS = config.kafkaJS as Record<string, unknown>
  assert.deepEqual([kafkaJS.acks, kafkaJS.idempotent, kafkaJS.compression, kafkaJS.ssl], [-1, true, 'lz4', true])
  assert.deepEqual(kafkaJS.brokers, ['127.0.0.1:1'])
  assert.deepEqual(kafkaJS.sasl, { mechanism: 'scram-sha-512', username: 'u', password: 'p' })
  assert.equal(config['ssl.ca.pem'], 'A\nB')
  assert.equal(config['ssl.certificate.pem'], 'C')
  assert.equal(config['ssl.key.pem'], 'K')
  assert.equal(config['ssl.key.password'], 'P')
  assert.equal(config['enable.ssl.certificate.verification'], false)
  assert.equal(config['linger.ms'], 50, 'extra librdkafka properties win')
  const plain = confluentProducerConfig({ brokers: ['h:1'], idempotent: false })
  assert.deepEqual([(plain.kafkaJS as Record<string, unknown>).idempotent, (plain.kafkaJS as Record<string, unknown>).ssl, plain['ssl.ca.pem']], [false, undefined, undefined])
})

test('toConfluentProduceError(): too-large codes go to the split path, everything else is transient', () => {
  for (const code of [10, 4, 18]) assert.equal(toConfluentProduceError(librdkafkaError(code)).code, 'MESSAGE_TOO_LARGE')
  for (const code of [-192, -195, -187, 7, -150]) assert.equal(toConfluentProduceError(librdkafkaError(code)).code, 'KAFKA')
  assert.equal(toConfluentProduceError('not even an error').code, 'KAFKA')
})

test('createConfluentProducer(): fresh messages per send (the client rewrites them), bytes and repeated headers kept', async () => {
  const seen: KafkajsMessage[][] = []
  const given: KafkajsMessage[] = []
  const { module, built } = fakeModule(async (messages) => {
    given.push(...messages)
    seen.push(messages.map((m) => ({ ...m })))
    for (const m of messages) Object.assign(m, { partition: -1, timestamp: 0, headers: [] })
  })
  const producer = createConfluentProducer({ brokers: ['h:1'], confluent: module, compression: 'snappy' })
  const value = new Uint8Array([1, 2, 3])
  const headers = { a: 'x', b: [new Uint8Array([9]), 'y'], gone: undefined }
  const record = { key: 'k', value, headers }
  await producer.send({ topic: 't', messages: [record] })
  await producer.send({ topic: 't', messages: [record] })
  assert.equal(built.length, 1, 'one client for both sends')
  assert.equal(seen.length, 2)
  assert.notEqual(given[0], given[1])
  assert.deepEqual(seen[1]![0]!.headers, { a: 'x', b: [new Uint8Array([9]), 'y'] })
  assert.equal(seen[1]![0]!.value, value)
  assert.equal(seen[1]![0]!.key, 'k')
  assert.deepEqual(headers, { a: 'x', b: [new Uint8Array([9]), 'y'], gone: undefined }, "the caller's record is untouched")
  assert.equal(producer.name, 'confluent')
  await producer.disconnect()
})

test('createConfluentProducer(): a fatal idempotence error replaces the client; too-large rejects as MESSAGE_TOO_LARGE', async () => {
  const failures = [librdkafkaError(-150, true), librdkafkaError(10)]
  const { module, built, producers } = fakeModule(async () => {
    const next = failures.shift()
    if (next) throw next
  })
  const producer = createConfluentProducer({ brokers: ['h:1'], confluent: module })
  const request = { topic: 't', messages: [{ value: new Uint8Array([1]), headers: {} }] }
  await assert.rejects(producer.send(request), (e: unknown) => e instanceof JaegerKafkaError && e.code === 'KAFKA')
  await assert.rejects(producer.send(request), (e: unknown) => e instanceof JaegerKafkaError && e.code === 'MESSAGE_TOO_LARGE')
  await producer.send(request)
  assert.equal(built.length, 2, 'a new client after the fatal error')
  assert.equal(producers[0]!.disconnects, 1, 'the broken client was disconnected')
  await producer.disconnect()
  await assert.rejects(producer.send(request), (e: unknown) => e instanceof JaegerKafkaError && e.code === 'CLOSED')
})

test('createConfluentProducer(): a codec missing from its librdkafka build, or a module without KafkaJS, is a clear error naming the package', async () => {
  const { module } = fakeModule(async () => {})
  await assert.rejects(createConfluentProducer({ brokers: ['h:1'], confluent: module, compression: 'zstd' }).connect(), /Cannot use compression "zstd": this @confluentinc\/kafka-javascript build's librdkafka supports gzip, snappy, lz4/)
  await assert.rejects(createConfluentProducer({ brokers: ['h:1'], confluent: {} as ConfluentModuleLike }).connect(), /Cannot use @confluentinc\/kafka-javascript: the module has no KafkaJS\.Kafka/)
  assert.throws(() => createConfluentProducer({ confluent: module } as never), /exactly one of `producer` or `brokers`/)
})

test('JAEGER_KAFKA_CLIENT=confluent selects the Confluent producer in the drop-in config; a bad name is a RangeError', () => {
  const config = kafkaConfigFromEnv({ JAEGER_KAFKA_BROKERS: 'h:1', JAEGER_KAFKA_CLIENT: 'Confluent', JAEGER_KAFKA_COMPRESSION: 'lz4' }, noFile)
  assert.equal(config?.client, 'confluent')
  const { module, built } = fakeModule(async () => {})
  const options = senderOptionsFromConfig(config!, { confluent: () => module })
  assert.equal(options.producer?.name, 'confluent')
  assert.equal(options.kafka, undefined)
  assert.equal(built.length, 0, 'the client is built on first connect')
  assert.throws(() => kafkaConfigFromEnv({ JAEGER_KAFKA_BROKERS: 'h:1', JAEGER_KAFKA_CLIENT: 'rdkafka' }, noFile), /JAEGER_KAFKA_CLIENT must be one of kafkajs, confluent, got "rdkafka"/)
  assert.throws(() => senderOptionsFromConfig({ brokers: 'h:1', client: 'x' as never }), /config\.reporter\.kafka\.client must be one of/)
  const missing = () => {
    throw new JaegerKafkaError('CONFIGURATION', 'Cannot load @confluentinc/kafka-javascript: not found')
  }
  assert.throws(() => senderOptionsFromConfig({ brokers: 'h:1', client: 'confluent' }, { confluent: missing }), /Cannot load @confluentinc\/kafka-javascript/)
  assert.equal(senderOptionsFromConfig({ brokers: 'h:1' }).kafka?.brokers?.[0], 'h:1', 'kafkajs stays the default')
})

test("the forwarder selects the Confluent consumer with --client / JAEGER_KAFKA_CLIENT; kafkajs stays the default; a bad name is a RangeError", () => {
  const io = { env: {}, readFile: noFile }
  assert.equal(forwardOptions(['--client', 'confluent'], io).options.client, 'confluent')
  assert.equal(forwardOptions([], { env: { JAEGER_KAFKA_CLIENT: 'confluent' }, readFile: noFile }).options.client, 'confluent')
  assert.equal(forwardOptions(['--client', 'kafkajs'], { env: { JAEGER_KAFKA_CLIENT: 'confluent' }, readFile: noFile }).options.client, 'kafkajs', 'the flag wins')
  assert.equal(resolveForwarderOptions({ brokers: ['h:1'] }).client, 'kafkajs')
  assert.throws(() => forwardOptions(['--client', 'rdkafka'], io), /JAEGER_KAFKA_CLIENT must be one of kafkajs, confluent/)
  assert.throws(() => resolveForwarderOptions({ brokers: ['h:1'], client: 'x' as never }), /Cannot use client "x": expected kafkajs or confluent/)
})
