// SPDX-License-Identifier: Apache-2.0
// The drop-in initTracer()/initTracerFromEnv() with jaeger-client, the
// JAEGER_KAFKA_* variables, and KafkaReporter's span conversion, against a fake
// producer (no Kafka).
import assert from 'node:assert/strict'
import { Buffer } from 'node:buffer'
import { createRequire } from 'node:module'
import { test } from '../support/harness.ts'
import type { KafkaProducer, ProduceRequest } from '../../src/kafka/types.ts'
import { encodeJaegerClientSpan, fromJaegerClientProcess, fromJaegerClientSpan } from '../../src/codec/thrift/from-jaeger-client.ts'
import { decodeBatch } from '../../src/codec/thrift/jaeger-decode.ts'
import { getKafkaSender, initTracer, initTracerFromEnv } from '../../senders/init-tracer.ts'
import type { JaegerTracer } from '../../senders/init-tracer.ts'
import { KAFKA_ENV, kafkaConfigFromEnv } from '../../senders/kafka-config.ts'
import { KafkaReporter } from '../../senders/kafka-reporter.ts'
import { KafkaSender } from '../../senders/kafka-sender.ts'
import { clientSpanFromTracerSpan, clientTagsFromTracerTags, jaegerSpanFromTracerSpan } from '../../senders/tracer-span.ts'
import { encodeOtlpTraces } from '../../src/codec/otlp/index.ts'

const require = createRequire(import.meta.url)
const jaeger = require('jaeger-client') as {
  initTracer(config: unknown, options?: unknown): JaegerTracer
  RemoteReporter: new (sender: unknown, options?: unknown) => { close(cb?: () => void): void }
  opentracing: { childOf(ctx: unknown): unknown; followsFrom(ctx: unknown): unknown }
}
const ThriftUtils = (require('jaeger-client/dist/src/thrift.js') as { default: { spanToThrift(span: unknown): unknown } }).default

class FakeProducer implements KafkaProducer {
  readonly values: Uint8Array[] = []
  disconnects = 0
  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {
    this.disconnects++
  }
  async send(request: ProduceRequest): Promise<void> {
    for (const m of request.messages) this.values.push(m.value!) // the sender always produces bytes
  }
  spans(): { operationName: string; tags?: { key: string }[] }[] {
    return this.values.flatMap((v) => decodeBatch(v).spans)
  }
}

function countingMetrics(): { counts: Record<string, number>; factory: { createCounter(n: string, t?: Record<string, string>): { increment(d?: number): void }; createGauge(): { update(): void }; createTimer(): { record(): void } } } {
  const counts: Record<string, number> = {}
  return {
    counts,
    factory: {
      createCounter: (name, tags) => ({
        increment: (d = 1) => {
          const key = tags?.result ? `${name}{${tags.result}}` : name
          counts[key] = (counts[key] ?? 0) + d
        },
      }),
      createGauge: () => ({ update() {} }),
      createTimer: () => ({ record() {} }),
    },
  }
}

function logger(): { lines: string[]; info(m: string): void; error(m: string): void } {
  const lines: string[] = []
  return { lines, info: (m) => lines.push(`info ${m}`), error: (m) => lines.push(`error ${m}`) }
}

const close = (tracer: JaegerTracer): Promise<void> => new Promise((resolve) => tracer.close(() => resolve()))

function internals(tracer: JaegerTracer): { reporter: { name(): string; _sender?: unknown; sender?: unknown } } {
  return { reporter: (tracer as unknown as { _reporter: { name(): string; _sender?: unknown } })._reporter }
}

test('initTracer() without Kafka settings is jaeger-client\'s initTracer, untouched', async () => {
  const tracer = initTracer({ serviceName: 'plain', sampler: { type: 'const', param: 1 }, reporter: { agentHost: '127.0.0.1', agentPort: 6832 } })
  const { reporter } = internals(tracer)
  assert.equal(reporter.name(), 'RemoteReporter')
  assert.equal((reporter._sender as object).constructor.name, 'UDPSender')
  await close(tracer)
  const disabled = initTracer({ serviceName: 'off', disable: true, reporter: { kafka: { brokers: ['127.0.0.1:1'] } } })
  assert.equal(typeof disabled.startSpan, 'function')
  assert.equal((disabled as unknown as { _reporter?: unknown })._reporter, undefined, 'a no-op opentracing Tracer')
})

test('initTracer() with config.reporter.kafka and reporter "remote": jaeger-client\'s RemoteReporter counts every span once, after acks', async () => {
  const producer = new FakeProducer()
  const { counts, factory } = countingMetrics()
  const log = logger()
  const tracer = initTracer(
    { serviceName: 'orders', sampler: { type: 'const', param: 1 }, reporter: { agentHost: 'agent', collectorEndpoint: 'http://c:14268/api/traces', kafka: { producer, topic: 'spans-x', reporter: 'remote' } } },
    { metrics: factory as never, logger: log, tags: { region: 'eu' } },
  )
  const { reporter } = internals(tracer)
  assert.equal(reporter.name(), 'RemoteReporter')
  assert.ok(reporter._sender instanceof KafkaSender)
  assert.equal(getKafkaSender(tracer), reporter._sender)
  for (let i = 0; i < 250; i++) {
    const span = tracer.startSpan(`op-${i}`)
    span.setTag('i', i)
    span.finish()
  }
  await close(tracer)
  const spans = producer.spans()
  assert.equal(spans.length, 250)
  assert.deepEqual(spans.map((s) => s.operationName), Array.from({ length: 250 }, (_, i) => `op-${i}`))
  assert.equal(counts['jaeger:reporter_spans{ok}'], 250)
  assert.equal(counts['jaeger:reporter_spans{err}'] ?? 0, 0)
  assert.equal(counts['jaeger:reporter_spans{dropped}'] ?? 0, 0)
  const batch = decodeBatch(producer.values[0] as Uint8Array)
  assert.equal(batch.process.serviceName, 'orders')
  assert.ok(batch.process.tags?.some((t) => t.key === 'region' && t.vStr === 'eu'))
  assert.ok(batch.process.tags?.some((t) => t.key === 'client-uuid'))
  // One line says Kafka wins over the agent/collector settings.
  const wins = log.lines.filter((l) => l.includes('Kafka wins'))
  assert.equal(wins.length, 1)
  assert.match(wins[0] as string, /config\.reporter\.agentHost, config\.reporter\.collectorEndpoint/)
  assert.equal(producer.disconnects, 0, 'a producer passed in is not disconnected')
})

test('by default initTracer() puts KafkaReporter in front: same counters, every span once, after acks', async () => {
  const producer = new FakeProducer()
  const { counts, factory } = countingMetrics()
  const tracer = initTracer({ serviceName: 'fast', sampler: { type: 'const', param: 1 }, reporter: { logSpans: false, kafka: { producer } } }, { metrics: factory as never })
  const reporter = internals(tracer).reporter
  assert.ok(reporter instanceof KafkaReporter)
  assert.equal(getKafkaSender(tracer), reporter.sender)
  for (let i = 0; i < 10; i++) tracer.startSpan(`op-${i}`).finish()
  await close(tracer)
  assert.equal(producer.spans().length, 10)
  assert.equal(counts['jaeger:reporter_spans{ok}'], 10)
})

test('logSpans wraps the Kafka reporter in a CompositeReporter like jaeger-client does', async () => {
  const producer = new FakeProducer()
  const log = logger()
  const tracer = initTracer({ serviceName: 'logged', sampler: { type: 'const', param: 1 }, reporter: { logSpans: true, kafka: { producer } } }, { logger: log })
  assert.equal(internals(tracer).reporter.name(), 'CompositeReporter')
  assert.ok(getKafkaSender(tracer) instanceof KafkaSender)
  tracer.startSpan('hello').finish()
  await close(tracer)
  assert.equal(producer.spans().length, 1)
  assert.ok(log.lines.some((l) => l.includes('Reporting span')))
})

test('an explicit options.reporter wins over config.reporter.kafka', async () => {
  const producer = new FakeProducer()
  const sender = new KafkaSender({ producer })
  const mine = new jaeger.RemoteReporter(sender)
  const tracer = initTracer({ serviceName: 'mine', sampler: { type: 'const', param: 1 }, reporter: { kafka: { brokers: ['127.0.0.1:1'] } } }, { reporter: mine })
  assert.equal(internals(tracer).reporter, mine)
  await close(tracer)
})

test('clientSpanFromTracerSpan() encodes byte for byte like ThriftUtils.spanToThrift()', async () => {
  const captured: unknown[] = []
  const reporter = { report: (s: unknown) => captured.push(s), setProcess() {}, close: (cb?: () => void) => cb?.(), name: () => 'capture' }
  for (const traceId128bit of [false, true]) {
    const tracer = jaeger.initTracer({ serviceName: 'conv', sampler: { type: 'const', param: 1 } }, { reporter, traceId128bit })
    const parent = tracer.startSpan('parent')
    const other = tracer.startSpan('other')
    const span = tracer.startSpan('child', { references: [jaeger.opentracing.childOf(parent.context()) as never, jaeger.opentracing.followsFrom(other.context()) as never] })
    span.setTag('str', 'v')
    span.setTag('int', 42)
    span.setTag('float', 1.5)
    span.setTag('bool', true)
    span.setTag('obj', { a: 1 })
    span.setTag('null', null)
    span.setTag('undef', undefined)
    span.setTag('buf', Buffer.from([1, 2, 3]))
    span.log({ event: 'e', n: 3, ok: false }, Date.now() + 0.7)
    span.finish(Date.now() + 12.3456)
    parent.finish()
    other.finish()
  }
  assert.equal(captured.length, 6)
  for (const s of captured) {
    const expected = encodeJaegerClientSpan(ThriftUtils.spanToThrift(s))
    const actual = encodeJaegerClientSpan(clientSpanFromTracerSpan(s))
    assert.deepEqual([...actual], [...expected])
    // The protobuf encodings' direct conversion: the same JaegerSpan as through jaeger-client's object.
    assert.deepEqual(jaegerSpanFromTracerSpan(s), fromJaegerClientSpan(ThriftUtils.spanToThrift(s)))
  }
})

test('KafkaReporter with otlp_proto: records equal encodeOtlpTraces() of the spans through jaeger-client\'s objects; an unreadable span is counted encode_error', async () => {
  const captured: unknown[] = []
  const capture = { report: (s: unknown) => captured.push(s), setProcess() {}, close: (cb?: () => void) => cb?.(), name: () => 'capture' }
  const source = jaeger.initTracer({ serviceName: 'conv', sampler: { type: 'const', param: 1 } }, { reporter: capture })
  const parent = source.startSpan('parent')
  for (let i = 0; i < 3; i++) {
    const span = source.startSpan(`op-${i}`, { references: [jaeger.opentracing.childOf(parent.context()) as never] })
    span.setTag('span.kind', 'server')
    span.setTag('n', i)
    span.setTag('error', i === 2)
    span.log({ event: 'e', n: i })
    span.finish()
  }
  const producer = new FakeProducer()
  const drops: string[] = []
  const sender = new KafkaSender({ producer, encoding: 'otlp_proto', onDrop: (drop) => drops.push(drop.reason) })
  const reporter = new KafkaReporter(sender)
  const processTags = [{ key: 'hostname', value: 'h1' }, { key: 'jaeger.version', value: 'Node-3.19.0' }]
  reporter.setProcess('conv', processTags)
  for (const span of captured) reporter.report(span)
  const broken = captured[0] as { _startTime: number }
  reporter.report({ ...broken, _startTime: Number.NaN })
  await new Promise<void>((resolve) => reporter.close(() => resolve()))
  const process = fromJaegerClientProcess({ serviceName: 'conv', tags: clientTagsFromTracerTags(processTags) })
  const expected = encodeOtlpTraces(process, captured.map((span) => fromJaegerClientSpan(ThriftUtils.spanToThrift(span))))
  assert.equal(producer.values.length, 1)
  assert.deepEqual([...(producer.values[0] as Uint8Array)], [...expected])
  assert.deepEqual(drops, ['encode_error'])
  assert.equal(sender.stats().spansDelivered, 3)
})

test('initTracer() with JAEGER_KAFKA_BROKERS set but no config.reporter.kafka stays on UDP and logs one line naming initTracerFromEnv', async () => {
  const env = (globalThis as unknown as { process: { env: Record<string, string | undefined> } }).process.env
  const saved = env[KAFKA_ENV.BROKERS]
  const log = logger()
  const quiet = logger()
  let tracer: JaegerTracer | undefined
  let unset: JaegerTracer | undefined
  try {
    env[KAFKA_ENV.BROKERS] = '127.0.0.1:1'
    tracer = initTracer({ serviceName: 'env-ignored', sampler: { type: 'const', param: 1 }, reporter: { agentHost: '127.0.0.1', agentPort: 6832 } }, { logger: log })
    delete env[KAFKA_ENV.BROKERS]
    unset = initTracer({ serviceName: 'no-env', sampler: { type: 'const', param: 1 }, reporter: { agentHost: '127.0.0.1', agentPort: 6832 } }, { logger: quiet })
  } finally {
    if (saved === undefined) delete env[KAFKA_ENV.BROKERS]
    else env[KAFKA_ENV.BROKERS] = saved
  }
  const { reporter } = internals(tracer)
  assert.equal(reporter.name(), 'RemoteReporter', 'the semantics stay: jaeger-client\'s initTracer, untouched')
  assert.equal((reporter._sender as object).constructor.name, 'UDPSender')
  tracer.startSpan('x').finish()
  await close(tracer)
  await close(unset)
  const ours = log.lines.filter((l) => l.includes('jaeger-kafka'))
  assert.equal(ours.length, 1, `one line, got ${JSON.stringify(ours)}`)
  assert.match(ours[0] as string, /JAEGER_KAFKA_BROKERS/)
  assert.match(ours[0] as string, /initTracerFromEnv\(\)/)
  assert.match(ours[0] as string, /config\.reporter\.kafka/)
  assert.deepEqual(quiet.lines.filter((l) => l.includes('jaeger-kafka')), [], 'nothing to say without the variable')
})

test('initTracerFromEnv() reads JAEGER_KAFKA_* and says once that Kafka wins over JAEGER_AGENT_HOST; secrets never logged', async () => {
  const env = (globalThis as unknown as { process: { env: Record<string, string | undefined> } }).process.env
  const saved = { ...env }
  const log = logger()
  const secret = 's3cr3t-Pa55'
  Object.assign(env, {
    JAEGER_SERVICE_NAME: 'from-env',
    JAEGER_SAMPLER_TYPE: 'const',
    JAEGER_SAMPLER_PARAM: '1',
    JAEGER_AGENT_HOST: 'old-agent',
    [KAFKA_ENV.BROKERS]: '127.0.0.1:1',
    [KAFKA_ENV.TOPIC]: 'env-topic',
    [KAFKA_ENV.CLOSE_TIMEOUT]: '50',
    [KAFKA_ENV.FLUSH_TIMEOUT]: '50',
    [KAFKA_ENV.SASL_MECHANISM]: 'plain',
    [KAFKA_ENV.SASL_USERNAME]: 'user',
    [KAFKA_ENV.SASL_PASSWORD]: secret,
  })
  let tracer: JaegerTracer | undefined
  try {
    tracer = initTracerFromEnv({}, { logger: log })
  } finally {
    for (const key of Object.keys(env)) if (!(key in saved)) delete env[key]
    Object.assign(env, saved)
  }
  assert.equal(internals(tracer).reporter.name(), 'KafkaReporter')
  const sender = getKafkaSender(tracer) as KafkaSender
  assert.ok(sender instanceof KafkaSender)
  assert.equal((sender as unknown as { topic: string }).topic, 'env-topic')
  tracer.startSpan('x').finish()
  await close(tracer)
  await new Promise((r) => setTimeout(r, 100))
  const wins = log.lines.filter((l) => l.includes('Kafka wins'))
  assert.equal(wins.length, 1)
  assert.match(wins[0] as string, /JAEGER_AGENT_HOST/)
  assert.match(wins[0] as string, /topic "env-topic" on 127\.0\.0\.1:1/)
  assert.ok(log.lines.every((l) => !l.includes(secret)), 'the SASL password never appears in logs')
})

test('kafkaConfigFromEnv() maps every variable and names the bad one without echoing secrets', () => {
  const files: Record<string, string> = { '/ca.pem': '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n' }
  const read = (path: string, variable: string): string => {
    const content = files[path]
    if (content === undefined) throw new Error(`no ${variable}`)
    return content
  }
  assert.equal(kafkaConfigFromEnv({}, read), undefined)
  const full = kafkaConfigFromEnv(
    {
      JAEGER_KAFKA_BROKERS: 'k1:9092, k2:9092',
      JAEGER_KAFKA_TOPIC: 't',
      JAEGER_KAFKA_CLIENT_ID: 'app',
      JAEGER_KAFKA_COMPRESSION: 'GZIP',
      JAEGER_KAFKA_SSL_CA_FILE: '/ca.pem',
      JAEGER_KAFKA_SSL_CERT: '-----BEGIN CERTIFICATE-----\\nC\\n-----END CERTIFICATE-----',
      JAEGER_KAFKA_SSL_REJECT_UNAUTHORIZED: 'false',
      JAEGER_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      JAEGER_KAFKA_SASL_USERNAME: 'u',
      JAEGER_KAFKA_SASL_PASSWORD: 'p w',
      JAEGER_KAFKA_MAX_MESSAGE_BYTES: '500000',
      JAEGER_KAFKA_MAX_BUFFERED_BYTES: '1000000',
      JAEGER_KAFKA_FLUSH_TIMEOUT: '100',
      JAEGER_KAFKA_CLOSE_TIMEOUT: '200',
      JAEGER_KAFKA_REPORTER: 'kafka',
    },
    read,
  )
  assert.deepEqual(full, {
    brokers: ['k1:9092', 'k2:9092'],
    topic: 't',
    clientId: 'app',
    compression: 'gzip',
    ssl: { ca: files['/ca.pem'], cert: '-----BEGIN CERTIFICATE-----\nC\n-----END CERTIFICATE-----', rejectUnauthorized: false },
    sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p w' },
    maxMessageBytes: 500000,
    maxBufferedBytes: 1000000,
    flushTimeoutMs: 100,
    closeTimeoutMs: 200,
    reporter: 'kafka',
  })
  assert.deepEqual(kafkaConfigFromEnv({ JAEGER_KAFKA_BROKERS: 'k:1', JAEGER_KAFKA_SSL: 'true' }, read)?.ssl, true)
  assert.throws(() => kafkaConfigFromEnv({ JAEGER_KAFKA_BROKERS: 'k:1', JAEGER_KAFKA_COMPRESSION: 'brotli' }, read), /JAEGER_KAFKA_COMPRESSION/)
  assert.throws(() => kafkaConfigFromEnv({ JAEGER_KAFKA_BROKERS: 'k:1', JAEGER_KAFKA_SSL_CA: '/etc/ca.pem' }, read), /JAEGER_KAFKA_SSL_CA_FILE/)
  assert.throws(() => kafkaConfigFromEnv({ JAEGER_KAFKA_BROKERS: 'k:1', JAEGER_KAFKA_MAX_MESSAGE_BYTES: 'lots' }, read), RangeError)
  const secret = 'hunter2'
  for (const env of [
    { JAEGER_KAFKA_BROKERS: 'k:1', JAEGER_KAFKA_SASL_PASSWORD: secret },
    { JAEGER_KAFKA_BROKERS: 'k:1', JAEGER_KAFKA_SASL_MECHANISM: 'gssapi', JAEGER_KAFKA_SASL_USERNAME: 'u', JAEGER_KAFKA_SASL_PASSWORD: secret },
  ]) {
    assert.throws(
      () => kafkaConfigFromEnv(env, read),
      (e: unknown) => e instanceof Error && /JAEGER_KAFKA_SASL_MECHANISM/.test(e.message) && !e.message.includes(secret),
    )
  }
})

test('initTracer() fails fast on a compression kafkajs cannot do', () => {
  assert.throws(
    () => initTracer({ serviceName: 'z', sampler: { type: 'const', param: 1 }, reporter: { kafka: { brokers: ['127.0.0.1:1'], compression: 'snappy' } } }),
    (e: unknown) => e instanceof RangeError && /only gzip built in/.test(e.message),
  )
})
