// SPDX-License-Identifier: Apache-2.0
// The package's own clients through the locked-down peers, on every runtime:
// KafkaSender / initTracerFromEnv() producing to the SASL_SSL and SSL
// listeners of kafka-secure with credentials from options and from
// JAEGER_KAFKA_* variables, and the forwarder consuming over SASL_SSL and
// POSTing through the authenticating proxy in front of the real Jaeger
// collector. A 401 must be a configuration error (records kept in Kafka, never
// dead-lettered), and no password or token may appear in logs, errors,
// /healthz or /metrics.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import kafkajs from 'kafkajs'
import { test } from '../support/harness.ts'
import { withEnv } from '../support/env.ts'
import { createAuthProxy } from '../support/auth-proxy.ts'
import type { AuthProxy } from '../support/auth-proxy.ts'
import { uniqueTopic, waitForTrace } from '../support/peers.ts'
import { ensureSecureKafka, secureKafkaCa, secureKafkajsConfig, secureKafkaSecrets } from '../support/secure-kafka.ts'
import type { SecureKafkaAccess } from '../support/secure-kafka.ts'
import { decodeBatch } from '../../src/codec/thrift/jaeger-decode.ts'
import { TagType } from '../../src/codec/thrift/jaeger-types.ts'
import type { JaegerSpan } from '../../src/codec/thrift/jaeger-types.ts'
import { KafkaSender } from '../../senders/kafka-sender.ts'
import { KAFKA_ENV } from '../../senders/kafka-config.ts'
import { initTracerFromEnv } from '../../senders/init-tracer.ts'
import type { JaegerTracer } from '../../senders/init-tracer.ts'
import { createForwarder } from '../../forwarder/forwarder.ts'
import type { Forwarder } from '../../forwarder/forwarder.ts'
import type { ForwarderOptions } from '../../forwarder/options.ts'

const { Kafka, logLevel } = kafkajs

const credentials = ensureSecureKafka()
const ca = secureKafkaCa(credentials)
const COLLECTOR_USER = 'forwarder'
const COLLECTOR_PASSWORD = randomBytes(12).toString('hex')
const COLLECTOR_TOKEN = randomBytes(16).toString('hex')
/** Every secret in play: Kafka user passwords and the collector password and token. */
const SECRETS = [...secureKafkaSecrets(credentials), COLLECTOR_PASSWORD, COLLECTOR_TOKEN]

/** A logger that keeps every line (jaeger-client's and the forwarder's `{ info, warn?, error }`). */
function capture(): { lines: string[]; logger: { info(m: string): void; warn(m: string): void; error(m: string): void } } {
  const lines: string[] = []
  return { lines, logger: { info: (m) => lines.push(`info ${m}`), warn: (m) => lines.push(`warn ${m}`), error: (m) => lines.push(`error ${m}`) } }
}

/** Fail naming where a secret showed up (without printing the secret). */
function assertNoSecrets(where: string, text: string, secrets: readonly string[] = SECRETS): void {
  for (const [i, secret] of secrets.entries()) {
    assert.ok(!text.includes(secret), `secret #${i} appears in ${where}`)
    const base64 = btoa(secret)
    assert.ok(!text.includes(base64), `secret #${i} appears base64-encoded in ${where}`)
  }
}

function randomId(): bigint {
  return (BigInt(`0x${randomBytes(8).toString('hex')}`) & 0x7fff_ffff_ffff_ffffn) | 1n
}

function spans(count: number, operationName: string): { traceId: string; spans: JaegerSpan[] } {
  const traceIdLow = randomId()
  const start = BigInt(Date.now()) * 1000n
  return {
    traceId: traceIdLow.toString(16).padStart(16, '0'),
    spans: Array.from({ length: count }, (_, i) => ({
      traceIdLow,
      traceIdHigh: 0n,
      spanId: randomId(),
      parentSpanId: 0n,
      operationName: `${operationName}-${i}`,
      flags: 1,
      startTime: start + BigInt(i),
      duration: 100n,
      tags: [{ key: 'i', vType: TagType.LONG, vLong: BigInt(i) }],
    })),
  }
}

function secureKafka(access: SecureKafkaAccess) {
  return new Kafka({ ...secureKafkajsConfig(access), logLevel: logLevel.NOTHING })
}

async function createTopic(topic: string): Promise<void> {
  const admin = secureKafka('plain').admin()
  await admin.connect()
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true })
  } finally {
    await admin.disconnect()
  }
}

/** Read `topic` from the start until `count` spans arrived; returns their operation names. */
async function readSpans(topic: string, count: number): Promise<{ names: string[]; services: string[] }> {
  const consumer = secureKafka('scram-sha-512').consumer({ groupId: `${topic}-reader` })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const names: string[] = []
  const services: string[] = []
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${names.length} of ${count} spans on ${topic} after 30 s`)), 30_000)
      void consumer.run({
        eachMessage: async ({ message }) => {
          const batch = decodeBatch(message.value as Uint8Array)
          services.push(batch.process.serviceName)
          names.push(...batch.spans.map((s) => s.operationName))
          if (names.length >= count) {
            clearTimeout(timer)
            resolve()
          }
        },
      })
    })
  } finally {
    await consumer.disconnect()
  }
  return { names, services }
}

/** Put spans on `topic` with a KafkaSender over SASL_SSL SCRAM-SHA-512. */
async function produceSpans(topic: string, list: JaegerSpan[]): Promise<void> {
  const config = secureKafkajsConfig('scram-sha-512')
  const sender = new KafkaSender({ kafka: { brokers: config.brokers, ssl: config.ssl, sasl: config.sasl! }, topic })
  sender.setJaegerProcess({ serviceName: uniqueTopic('security-pipeline') })
  for (const span of list) sender.appendSpan(span)
  const result = await sender.close()
  assert.equal(result.delivered, list.length)
}

const closeTracer = (tracer: JaegerTracer): Promise<void> => new Promise((resolve) => tracer.close(() => resolve()))

async function traceThroughEnvTracer(topic: string, env: Record<string, string>): Promise<string[]> {
  const { lines, logger } = capture()
  const names = ['env-a', 'env-b', 'env-c']
  await withEnv({ JAEGER_SERVICE_NAME: 'security-env', JAEGER_SAMPLER_TYPE: 'const', JAEGER_SAMPLER_PARAM: '1', [KAFKA_ENV.TOPIC]: topic, ...env }, async () => {
    const tracer = initTracerFromEnv({}, { logger })
    for (const name of names) tracer.startSpan(name).finish()
    await closeTracer(tracer)
  })
  const { names: received, services } = await readSpans(topic, names.length)
  assert.deepEqual(received.sort(), names)
  assert.ok(services.every((s) => s === 'security-env'))
  assertNoSecrets('the tracer log', lines.join('\n'))
  return lines
}

// ------------------------------------------------------------------ sender

test('KafkaSender with SCRAM-SHA-512 and the CA in its options delivers spans over SASL_SSL', async () => {
  const topic = uniqueTopic('security-sender-options')
  await createTopic(topic)
  const { spans: list } = spans(25, 'options')
  await produceSpans(topic, list)
  const { names } = await readSpans(topic, list.length)
  assert.deepEqual(names.sort(), list.map((s) => s.operationName).sort())
}, { timeout: 90_000 })

test('initTracerFromEnv() takes PLAIN credentials and a CA file from JAEGER_KAFKA_* and delivers spans over SASL_SSL', async () => {
  const topic = uniqueTopic('security-sender-env-sasl')
  await createTopic(topic)
  const { username, password } = credentials.users.plain
  await traceThroughEnvTracer(topic, {
    [KAFKA_ENV.BROKERS]: credentials.saslSslBrokers.join(','),
    [KAFKA_ENV.SASL_MECHANISM]: 'PLAIN',
    [KAFKA_ENV.SASL_USERNAME]: username,
    [KAFKA_ENV.SASL_PASSWORD]: password,
    [`${KAFKA_ENV.SSL_CA}_FILE`]: credentials.caFile,
  })
}, { timeout: 90_000 })

test('initTracerFromEnv() takes SCRAM-SHA-512 credentials and an inline CA from JAEGER_KAFKA_*', async () => {
  const topic = uniqueTopic('security-sender-env-scram')
  await createTopic(topic)
  const { username, password } = credentials.users.scram
  await traceThroughEnvTracer(topic, {
    [KAFKA_ENV.BROKERS]: credentials.saslSslBrokers.join(','),
    [KAFKA_ENV.SASL_MECHANISM]: 'scram-sha-512',
    [KAFKA_ENV.SASL_USERNAME]: username,
    [KAFKA_ENV.SASL_PASSWORD]: password,
    // Single-line PEM with literal \n, as container env files carry it.
    [KAFKA_ENV.SSL_CA]: ca.trim().replace(/\n/g, '\\n'),
  })
}, { timeout: 90_000 })

test('initTracerFromEnv() reaches the SSL-only listener with JAEGER_KAFKA_SSL_CA_FILE and no SASL', async () => {
  const topic = uniqueTopic('security-sender-env-ssl')
  await createTopic(topic)
  await traceThroughEnvTracer(topic, {
    [KAFKA_ENV.BROKERS]: credentials.sslBrokers.join(','),
    [`${KAFKA_ENV.SSL_CA}_FILE`]: credentials.caFile,
  })
}, { timeout: 90_000 })

test('KafkaSender with a wrong SCRAM password keeps spans buffered, names the SASL failure, and never prints the password', async () => {
  const wrong = `wrong-${randomBytes(8).toString('hex')}`
  const { lines, logger } = capture()
  const config = secureKafkajsConfig('scram-sha-512', { password: wrong })
  const errors: string[] = []
  const sender = new KafkaSender({
    kafka: { brokers: config.brokers, ssl: config.ssl, sasl: config.sasl!, clientLogLevel: 'debug' },
    topic: uniqueTopic('security-sender-wrong'),
    logger,
    flushTimeoutMs: 2000,
    closeTimeoutMs: 2000,
  })
  sender.setJaegerProcess({ serviceName: 'security-wrong-password' })
  for (const span of spans(3, 'wrong').spans) sender.appendSpan(span, (_n, error) => error !== undefined && errors.push(error))
  // Keep the loop alive: the sender's own timers are unref'ed.
  const keepAlive = setInterval(() => {}, 1000)
  try {
    const flushed = await sender.flush()
    assert.equal(flushed.timedOut, true, 'nothing can be acknowledged')
    const closed = await sender.close()
    assert.equal(closed.delivered, 0)
    assert.equal(closed.undelivered, 3)
    assert.equal(closed.dropped.closed, 3, 'dropped only because close() timed out')
  } finally {
    clearInterval(keepAlive)
  }
  const log = lines.join('\n')
  assert.match(log, /KafkaJSSASLAuthenticationError: SASL SCRAM SHA512 authentication failed/)
  assertNoSecrets('the sender log and callback errors', `${log}\n${errors.join('\n')}`, [...SECRETS, wrong])
}, { timeout: 60_000 })

// --------------------------------------------------------------- forwarder

async function withAuthProxy<T>(body: (proxy: AuthProxy) => Promise<T>): Promise<T> {
  const proxy = createAuthProxy({ basic: { username: COLLECTOR_USER, password: COLLECTOR_PASSWORD }, bearer: { token: COLLECTOR_TOKEN } })
  await proxy.start()
  try {
    return await body(proxy)
  } finally {
    await proxy.stop()
  }
}

function forwarderOptions(topic: string, logger: ForwarderOptions['logger'], extra: Partial<ForwarderOptions>): ForwarderOptions {
  const config = secureKafkajsConfig('plain')
  return {
    brokers: config.brokers,
    ssl: config.ssl,
    sasl: config.sasl!,
    topic,
    groupId: `${topic}-forwarder`,
    logger,
    clientLogLevel: 'debug',
    commitIntervalMs: 50,
    drainTimeoutMs: 2000,
    // A short fetch wait lets stop() return quickly (it waits for the fetch in flight).
    consumerConfig: { maxWaitTimeInMs: 500 },
    ...extra,
  }
}

async function stopAndCheck(forwarder: Forwarder, lines: string[], extraSecrets: string[] = []): Promise<void> {
  const metrics = await forwarder.metricsText()
  const health = JSON.stringify(forwarder.health())
  await forwarder.stop()
  assertNoSecrets('/metrics', metrics, [...SECRETS, ...extraSecrets])
  assertNoSecrets('/healthz', health, [...SECRETS, ...extraSecrets])
  assertNoSecrets('the forwarder log', lines.join('\n'), [...SECRETS, ...extraSecrets])
}

async function forwardAndFind(auth: Partial<ForwarderOptions>, collectorUrl: (proxy: AuthProxy) => string, label: string): Promise<void> {
  await withAuthProxy(async (proxy) => {
    const topic = uniqueTopic(`security-forward-${label}`)
    await createTopic(topic)
    const { traceId, spans: list } = spans(4, label)
    await produceSpans(topic, list)
    const { lines, logger } = capture()
    const forwarder = createForwarder(forwarderOptions(topic, logger, { collectorUrl: collectorUrl(proxy), ...auth }))
    await forwarder.start()
    try {
      const trace = await waitForTrace(traceId, list.length, 30_000)
      assert.deepEqual(trace.spans.map((s) => s.operationName).sort(), list.map((s) => s.operationName).sort())
      assert.ok((proxy.counts()[202] ?? 0) >= 1)
      assert.equal(proxy.counts()[401], undefined)
    } finally {
      await stopAndCheck(forwarder, lines)
    }
  })
}

test('the forwarder consumes over SASL_SSL and POSTs through the auth proxy with Basic credentials from its options', () =>
  forwardAndFind({ auth: { username: COLLECTOR_USER, password: COLLECTOR_PASSWORD } }, (proxy) => proxy.collectorUrl, 'basic'), { timeout: 90_000 })

test('the forwarder POSTs through the auth proxy with a Bearer token from its options', () =>
  forwardAndFind({ auth: { token: COLLECTOR_TOKEN } }, (proxy) => proxy.collectorUrl, 'bearer'), { timeout: 90_000 })

test('the forwarder turns credentials in collectorUrl into Basic auth', () =>
  forwardAndFind({}, (proxy) => proxy.collectorUrl.replace('http://', `http://${COLLECTOR_USER}:${COLLECTOR_PASSWORD}@`), 'url'), { timeout: 90_000 })

test('a 401 from the collector is a configuration error: records stay in Kafka, none is dead-lettered, a fixed forwarder delivers them', () =>
  withAuthProxy(async (proxy) => {
    const topic = uniqueTopic('security-forward-401')
    await createTopic(topic)
    const { traceId, spans: list } = spans(3, 'unauthorized')
    await produceSpans(topic, list)
    const wrongToken = `${COLLECTOR_TOKEN}-old`
    const first = capture()
    const options = forwarderOptions(topic, first.logger, { collectorUrl: proxy.collectorUrl, auth: { token: wrongToken }, retry: { configErrorDelayMs: 200 } })
    const forwarder = createForwarder(options)
    await forwarder.start()
    try {
      // (The proxy also counts the forwarder's start-up GET probe; its metrics count POSTs only.)
      const deadline = Date.now() + 30_000
      while ((forwarder.metrics().posts['401'] ?? 0) < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
      const snapshot = forwarder.metrics()
      assert.ok((snapshot.posts['401'] ?? 0) >= 3, 'the forwarder keeps retrying the rejected record')
      assert.ok((proxy.counts()[401] ?? 0) >= 3)
      assert.equal(snapshot.recordsForwarded, 0)
      assert.deepEqual(snapshot.deadLettered, {})
      assert.equal(forwarder.health().status, 'running', 'a rejected configuration does not crash the forwarder')
      assert.match(first.lines.join('\n'), /401.*configuration error.*auth/s)
    } finally {
      await stopAndCheck(forwarder, first.lines, [wrongToken])
    }
    assert.equal(proxy.forwarded.length, 0)

    const admin = secureKafka('plain').admin()
    await admin.connect()
    try {
      const [group] = await admin.fetchOffsets({ groupId: options.groupId!, topics: [topic] })
      assert.deepEqual(group?.partitions.map((p) => p.offset), ['-1'], 'nothing was committed')
      const dlq = `${topic}.dlq`
      if ((await admin.listTopics()).includes(dlq)) {
        assert.deepEqual((await admin.fetchTopicOffsets(dlq)).map((p) => p.high), ['0'], 'the dead-letter topic is empty')
      }
    } finally {
      await admin.disconnect()
    }

    // Same group, right token: the records still in Kafka reach Jaeger.
    const second = capture()
    const fixed = createForwarder({ ...options, logger: second.logger, auth: { token: COLLECTOR_TOKEN } })
    await fixed.start()
    try {
      const trace = await waitForTrace(traceId, list.length, 30_000)
      assert.equal(trace.spans.length, list.length)
      assert.deepEqual(fixed.metrics().deadLettered, {})
    } finally {
      await stopAndCheck(fixed, second.lines)
    }
  }), { timeout: 120_000 })

test('a forwarder with a wrong Kafka password fails start() naming SASL, and the password appears nowhere', async () => {
  const wrong = `wrong-${randomBytes(8).toString('hex')}`
  const { lines, logger } = capture()
  const topic = uniqueTopic('security-forward-wrong-sasl')
  const config = secureKafkajsConfig('scram-sha-512', { password: wrong })
  const forwarder = createForwarder(forwarderOptions(topic, logger, {
    sasl: config.sasl!,
    auth: { username: COLLECTOR_USER, password: COLLECTOR_PASSWORD },
  }))
  let error: Error | undefined
  try {
    await forwarder.start()
  } catch (e) {
    error = e as Error
  }
  assert.ok(error, 'start() rejects')
  assert.match(error.message, /SASL SCRAM SHA512 authentication failed/)
  assert.equal(forwarder.health().status, 'failed')
  assertNoSecrets('the start() error', `${error.message}\n${String((error as { cause?: unknown }).cause)}`, [...SECRETS, wrong])
  await stopAndCheck(forwarder, lines, [wrong])
}, { timeout: 60_000 })
