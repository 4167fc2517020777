// SPDX-License-Identifier: Apache-2.0
// kafkajs against the locked-down broker (`kafka-secure` in scripts/peers.mjs)
// on every runtime: produce + consume over SASL_SSL with PLAIN and with
// SCRAM-SHA-512 and over SSL, and the ways a misconfigured client must fail:
// quickly, with an error that says what is wrong, never by hanging.
// Users and passwords come from the broker's credentials.json.
import assert from 'node:assert/strict'
import kafkajs from 'kafkajs'
import { test } from '../support/harness.ts'
import { uniqueTopic } from '../support/peers.ts'
import { ensureSecureKafka, secureKafkaCa, secureKafkajsConfig } from '../support/secure-kafka.ts'
import type { SecureKafkaAccess } from '../support/secure-kafka.ts'

const { Kafka, logLevel } = kafkajs
type KafkaConfig = ConstructorParameters<typeof Kafka>[0]

const credentials = ensureSecureKafka()

/** The rejection of `promise`, or a failure if it resolves or is still pending after `seconds` (a hang). */
async function rejectionWithin(promise: Promise<unknown>, seconds: number): Promise<Error> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const hang = new Promise<'hang'>((resolve) => {
    timer = setTimeout(() => resolve('hang'), seconds * 1000)
  })
  try {
    const outcome = await Promise.race([promise.then(() => 'resolved' as const, (error: unknown) => error as Error), hang])
    assert.notEqual(outcome, 'hang', `still pending after ${seconds} s: the client hangs instead of failing`)
    assert.notEqual(outcome, 'resolved', 'the connection succeeded but should have been refused')
    return outcome as Error
  } finally {
    clearTimeout(timer)
  }
}

/** Connect an admin client and describe the cluster; always disconnects. */
async function describeCluster(config: KafkaConfig): Promise<void> {
  const admin = new Kafka({ ...config, logLevel: logLevel.NOTHING }).admin()
  try {
    await admin.connect()
    await admin.describeCluster()
  } finally {
    await admin.disconnect().catch(() => {})
  }
}

async function roundTrip(access: SecureKafkaAccess): Promise<void> {
  const kafka = new Kafka({ ...secureKafkajsConfig(access), logLevel: logLevel.NOTHING })
  const topic = uniqueTopic(`security-${access}`)
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true })
  await admin.disconnect()

  const sent = ['first', 'second', 'third'].map((word) => `${access}:${word}`)
  const producer = kafka.producer()
  await producer.connect()
  await producer.send({ topic, acks: -1, messages: sent.map((value, i) => ({ key: `k${i}`, value, headers: { 'uber-trace-id': `abc:de${i}:0:1` } })) })
  await producer.disconnect()

  const consumer = kafka.consumer({ groupId: `${topic}-group` })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const received: { value: string; header: string }[] = []
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${received.length} of ${sent.length} messages within 30 s`)), 30_000)
      void consumer.run({
        eachMessage: async ({ message }) => {
          received.push({ value: String(message.value), header: String(message.headers?.['uber-trace-id']) })
          if (received.length === sent.length) {
            clearTimeout(timer)
            resolve()
          }
        },
      })
    })
  } finally {
    await consumer.disconnect()
  }
  assert.deepEqual(received.map((r) => r.value), sent)
  assert.deepEqual(received.map((r) => r.header), sent.map((_, i) => `abc:de${i}:0:1`))
}

test('kafkajs produces and consumes over SASL_SSL with a PLAIN user', () => roundTrip('plain'), { timeout: 90_000 })

test('kafkajs produces and consumes over SASL_SSL with a SCRAM-SHA-512 user', () => roundTrip('scram-sha-512'), { timeout: 90_000 })

test('kafkajs produces and consumes over SSL trusting the test CA, without a client certificate', () => roundTrip('ssl'), { timeout: 90_000 })

test('a wrong PLAIN password fails at once with KafkaJSSASLAuthenticationError naming PLAIN', async () => {
  const error = await rejectionWithin(describeCluster(secureKafkajsConfig('plain', { password: 'not-the-password' })), 10)
  assert.equal(error.name, 'KafkaJSSASLAuthenticationError')
  assert.match(error.message, /SASL PLAIN authentication failed/)
  assert.match(error.message, /Invalid username or password/)
  assert.equal((error as { retriable?: boolean }).retriable, false)
})

test('a wrong SCRAM-SHA-512 password fails at once with KafkaJSSASLAuthenticationError naming SCRAM', async () => {
  const error = await rejectionWithin(describeCluster(secureKafkajsConfig('scram-sha-512', { password: 'not-the-password' })), 10)
  assert.equal(error.name, 'KafkaJSSASLAuthenticationError')
  assert.match(error.message, /SASL SCRAM SHA512 authentication failed/)
  assert.match(error.message, /SCRAM-SHA-512/)
  assert.equal((error as { retriable?: boolean }).retriable, false)
})

test('the PLAIN user cannot log in with SCRAM-SHA-512 (the mechanisms keep separate user stores)', async () => {
  const { username, password } = credentials.users.plain
  const config = secureKafkajsConfig('scram-sha-512')
  const error = await rejectionWithin(describeCluster({ ...config, sasl: { mechanism: 'scram-sha-512', username, password } }), 10)
  assert.equal(error.name, 'KafkaJSSASLAuthenticationError')
  assert.match(error.message, /SCRAM/)
})

test('a plain-text client on the SASL_SSL and SSL ports fails with a closed connection instead of hanging', async () => {
  for (const brokers of [credentials.saslSslBrokers, credentials.sslBrokers]) {
    const error = await rejectionWithin(describeCluster({ clientId: 'security-plaintext', brokers, retry: { retries: 0 }, connectionTimeout: 3000 }), 15)
    // kafkajs wraps the last attempt's error.
    const cause = (error as { cause?: Error }).cause ?? error
    assert.equal(cause.name, 'KafkaJSConnectionClosedError', `${brokers[0]}: ${error.name}: ${error.message}`)
  }
})

test('TLS without SASL on the SASL_SSL port is refused instead of hanging', async () => {
  const error = await rejectionWithin(
    describeCluster({ clientId: 'security-no-sasl', brokers: credentials.saslSslBrokers, ssl: { ca: [secureKafkaCa(credentials)] }, retry: { retries: 0 } }),
    15,
  )
  const cause = (error as { cause?: Error }).cause ?? error
  assert.match(cause.name, /^KafkaJSConnection(Closed)?Error$/)
})

test('a client that does not trust the test CA fails with a certificate error', async () => {
  const error = await rejectionWithin(
    describeCluster({ clientId: 'security-untrusted', brokers: credentials.sslBrokers, ssl: true, retry: { retries: 0 }, connectionTimeout: 3000 }),
    15,
  )
  const cause = (error as { cause?: Error }).cause ?? error
  assert.equal(cause.name, 'KafkaJSConnectionError')
  assert.match(cause.message, /self[- ]signed certificate/)
})
