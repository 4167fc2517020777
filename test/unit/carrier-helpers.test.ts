// SPDX-License-Identifier: Apache-2.0
// injectHeaders, extractContext, producer/consumer spans, finishProducerSpan
// and the kafkajs wrappers, checked on the spans jaeger-client reports
// (InMemoryReporter), with fake producers instead of a broker.
import assert from 'node:assert/strict'
import { Buffer } from 'node:buffer'
import jaeger from 'jaeger-client'
import * as opentracing from 'opentracing'
import { test } from '../support/harness.ts'
import { ErrorCodes, isJaegerKafkaError } from '../../src/errors.ts'
import {
  extractContext, finishProducerSpan, injectHeaders, markSpanError, startConsumerSpan, startProducerSpan,
  traceEachBatch, traceEachMessage, tracedSend,
} from '../../carriers/index.ts'
import type { KafkajsConsumedMessage, KafkajsHeaders, KafkajsMessage, RdkafkaHeaders } from '../../carriers/index.ts'

interface JaegerSpan extends opentracing.Span {
  operationName: string
  _tags: Array<{ key: string; value: unknown }>
  _logs: Array<{ fields: Array<{ key: string; value: unknown }> }>
  _references: opentracing.Reference[]
}
interface JaegerContext extends opentracing.SpanContext {
  traceIdStr: string
  spanIdStr: string
  parentIdStr: string | null
  isValid: boolean
}
interface JaegerModule {
  initTracer: typeof jaeger.initTracer
  InMemoryReporter: new () => { spans: JaegerSpan[]; clear(): void }
  ZipkinB3TextMapCodec: typeof jaeger.ZipkinB3TextMapCodec
}
const { initTracer, InMemoryReporter, ZipkinB3TextMapCodec } = jaeger as unknown as JaegerModule

function setup(): { tracer: opentracing.Tracer; reported: () => Reported[]; clear: () => void } {
  const reporter = new InMemoryReporter()
  const tracer = initTracer({ serviceName: 'helpers-test', sampler: { type: 'const', param: 1 } }, { reporter: reporter as never, logger: { info() {}, error() {} } })
  return { tracer, reported: () => reporter.spans.map(describe), clear: () => reporter.clear() }
}

interface Reported {
  name: string
  traceId: string
  spanId: string
  parentId: string | null
  tags: Record<string, unknown>
  refs: Array<[string, string]>
  logs: Array<Record<string, unknown>>
}

function describe(span: JaegerSpan): Reported {
  const ctx = span.context() as JaegerContext
  return {
    name: span.operationName,
    traceId: ctx.traceIdStr,
    spanId: ctx.spanIdStr,
    parentId: ctx.parentIdStr ?? null,
    tags: Object.fromEntries(span._tags.map((t) => [t.key, t.value])),
    refs: span._references.map((r) => [r.type(), (r.referencedContext() as JaegerContext).spanIdStr]),
    logs: span._logs.map((l) => Object.fromEntries(l.fields.map((f) => [f.key, f.value]))),
  }
}

function ids(span: opentracing.Span): { traceId: string; spanId: string } {
  const ctx = span.context() as JaegerContext
  return { traceId: ctx.traceIdStr, spanId: ctx.spanIdStr }
}

/** What kafkajs hands eachMessage: the produced headers as Buffers. */
function consumed(message: { headers?: KafkajsHeaders }, offset = '5'): KafkajsConsumedMessage {
  const headers: KafkajsHeaders = {}
  for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = Buffer.from(String(v))
  return { key: Buffer.from('key-1'), value: Buffer.from('v'), offset, timestamp: '0', headers }
}

function deferred<T>(): { promise: Promise<T>; resolve(v: T): void; reject(e: unknown): void } {
  let resolve!: (v: T) => void
  let reject!: (e: unknown) => void
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej })
  return { promise, resolve, reject }
}

// ---- injectHeaders ---------------------------------------------------------

test('injectHeaders() writes into the message and returns it; twice leaves one uber-trace-id', () => {
  const { tracer } = setup()
  const span = tracer.startSpan('x')
  const message: KafkajsMessage = { value: 'v' }
  assert.equal(injectHeaders(tracer, span, message), message)
  injectHeaders(tracer, span, message)
  assert.deepEqual(message.headers, { 'uber-trace-id': span.context().toString() })
})

test('injectHeaders() with mutate: false returns a traced copy of a frozen message', () => {
  const { tracer } = setup()
  const span = tracer.startSpan('x')
  const original = Object.freeze({ value: 'v', key: 'k', headers: Object.freeze({ keep: 'me', 'uber-trace-id': 'stale:1:0:1' }) })
  const copy = injectHeaders(tracer, span, original, { mutate: false })
  assert.notEqual(copy, original)
  assert.deepEqual(original.headers, { keep: 'me', 'uber-trace-id': 'stale:1:0:1' })
  assert.deepEqual(copy, { value: 'v', key: 'k', headers: { keep: 'me', 'uber-trace-id': span.context().toString() } })
  const list = Object.freeze([{ keep: 'me' }]) as unknown as RdkafkaHeaders
  const listCopy = injectHeaders(tracer, span, list, { mutate: false })
  assert.deepEqual(list, [{ keep: 'me' }])
  assert.deepEqual(listCopy, [{ keep: 'me' }, { 'uber-trace-id': span.context().toString() }])
})

test('injectHeaders() on a frozen message without mutate: false throws READ_ONLY_CARRIER', () => {
  const { tracer } = setup()
  assert.throws(() => injectHeaders(tracer, tracer.startSpan('x'), Object.freeze({ value: 'v' })), (e: unknown) =>
    isJaegerKafkaError(e) && e.code === ErrorCodes.READ_ONLY_CARRIER && /mutate: false/.test(e.message))
})

test('injectHeaders() adds W3C beside the tracer\'s format, also for a B3-codec jaeger tracer', () => {
  const { tracer } = setup()
  const span = tracer.startSpan('x')
  const rdkafka = injectHeaders(tracer, span, [] as RdkafkaHeaders, { formats: ['w3c'] })
  assert.deepEqual(rdkafka.map((h) => Object.keys(h)[0]), ['uber-trace-id', 'traceparent'])

  const b3Tracer = setup().tracer as opentracing.Tracer & { registerInjector(format: string, codec: unknown): void }
  b3Tracer.registerInjector(opentracing.FORMAT_TEXT_MAP, new ZipkinB3TextMapCodec({ urlEncoding: false }))
  const b3Span = b3Tracer.startSpan('b3')
  const message = injectHeaders(b3Tracer, b3Span, { value: 'v' } as KafkajsMessage, { formats: ['w3c'] })
  const { traceId, spanId } = ids(b3Span)
  assert.equal(message.headers?.traceparent, `00-${traceId.padStart(32, '0')}-${spanId.padStart(16, '0')}-01`)
  assert.equal(message.headers?.['x-b3-traceid'], traceId)
})

test('injectHeaders() with a null span leaves the target as it is', () => {
  const { tracer } = setup()
  const message: KafkajsMessage = { value: 'v' }
  assert.equal(injectHeaders(tracer, null, message), message)
  assert.equal(message.headers, undefined)
})

test('injectHeaders() accepts a span context and FORMAT_HTTP_HEADERS', () => {
  const { tracer } = setup()
  const span = tracer.startSpan('x')
  span.setBaggageItem('who', 'a b')
  const message = injectHeaders(tracer, span.context(), { value: 'v' } as KafkajsMessage, { format: opentracing.FORMAT_HTTP_HEADERS })
  assert.equal(message.headers?.['uberctx-who'], 'a%20b')
  const back = extractContext(tracer, consumed(message), { format: opentracing.FORMAT_HTTP_HEADERS })
  assert.equal(tracer.startSpan('y', { childOf: back ?? undefined }).getBaggageItem('who'), 'a b')
})

// ---- extractContext -------------------------------------------------------

test('extractContext() returns the producer\'s context from a consumed message', () => {
  const { tracer } = setup()
  const span = tracer.startSpan('x')
  const ctx = extractContext(tracer, consumed(injectHeaders(tracer, span, { value: 'v' } as KafkajsMessage)))
  assert.equal(ctx?.toString(), span.context().toString())
})

const noContext: Array<[string, unknown]> = [
  ['a malformed uber-trace-id', { headers: { 'uber-trace-id': Buffer.from('not:a:trace') }, value: null, offset: '1' }],
  ['no headers', { value: null, offset: '1' }],
  ['a zero trace ID', { 'uber-trace-id': '0:1:0:1' }],
  ['only a jaeger-debug-id', { 'jaeger-debug-id': 'dbg' }],
  ['a string', 'uber-trace-id'],
  ['null', null],
  ['a proxy that throws', new Proxy({}, { ownKeys() { throw new Error('boom') }, get() { throw new Error('boom') } })],
]
for (const [name, source] of noContext) {
  test(`extractContext() returns null for ${name}`, () => {
    assert.equal(extractContext(setup().tracer, source), null)
  })
}

test('extractContext() never throws, even when the tracer does', () => {
  const throwing = { extract(): never { throw new Error('Unsupported format') } }
  assert.equal(extractContext(throwing, { 'uber-trace-id': 'a:b:0:1' }), null)
  assert.equal(extractContext(setup().tracer, { 'uber-trace-id': 'a:b:0:1' }, { format: 'no-such-format' }), null)
})

test('extractContext() with allowContainer returns jaeger-client\'s debug-id container', () => {
  const ctx = extractContext(setup().tracer, { 'jaeger-debug-id': 'dbg' }, { allowContainer: true }) as JaegerContext & { debugId: string }
  assert.equal(ctx.isValid, false)
  assert.equal(ctx.debugId, 'dbg')
})

test('extractContext() judges non-jaeger contexts by toTraceId()', () => {
  const fake = (id: string) => ({ extract: () => ({ toTraceId: () => id }) })
  assert.equal(extractContext(fake(''), {}), null)
  assert.equal(extractContext(fake('00000000'), {}), null)
  assert.notEqual(extractContext(fake('abc'), {}), null)
})

// ---- spans ------------------------------------------------------------------

test('startProducerSpan() names To_<topic>, tags like java-kafka-client, is ChildOf its parent and injects', () => {
  const { tracer, reported } = setup()
  const parent = tracer.startSpan('parent')
  const message: KafkajsMessage = { value: 'v' }
  const span = startProducerSpan(tracer, { topic: 'orders', message, childOf: parent, partition: 2 })
  span.finish()
  const [r] = reported()
  assert.ok(r)
  assert.equal(r.name, 'To_orders')
  assert.deepEqual(r.tags, { 'span.kind': 'producer', component: 'jaeger-kafka', 'peer.service': 'kafka', 'message_bus.destination': 'orders', partition: 2 })
  assert.deepEqual(r.refs, [['child_of', ids(parent).spanId]])
  assert.equal(r.traceId, ids(parent).traceId)
  assert.equal(message.headers?.['uber-trace-id'], span.context().toString())
})

test('startProducerSpan() without childOf continues the context already in the message (java-kafka-client rule)', () => {
  const { tracer, reported } = setup()
  const upstream = tracer.startSpan('upstream')
  const message = injectHeaders(tracer, upstream, { value: 'v' } as KafkajsMessage)
  startProducerSpan(tracer, { topic: 't', message }).finish()
  startProducerSpan(tracer, { topic: 't', message: { value: 'v' }, childOf: null }).finish()
  const [continued, root] = reported()
  assert.deepEqual(continued?.refs, [['child_of', ids(upstream).spanId]])
  assert.deepEqual(root?.refs, [])
  assert.notEqual(root?.traceId, ids(upstream).traceId)
})

test('startProducerSpan() adds OTel messaging.* attributes and custom names on request', () => {
  const { tracer, reported } = setup()
  startProducerSpan(tracer, { topic: 'orders', message: { key: 'k1', value: null }, messaging: true, operationName: (t) => `send ${t}`, tags: { extra: 1 } }).finish()
  const [r] = reported()
  assert.equal(r?.name, 'send orders')
  assert.equal(r?.tags['messaging.system'], 'kafka')
  assert.equal(r?.tags['messaging.destination.name'], 'orders')
  assert.equal(r?.tags['messaging.operation.type'], 'send')
  assert.equal(r?.tags['messaging.kafka.message.key'], 'k1')
  assert.equal(r?.tags['messaging.kafka.message.tombstone'], true)
  assert.equal(r?.tags.extra, 1)
})

test('startProducerSpan() on a frozen message starts the span, leaves the message untraced and logs why', () => {
  const { tracer, reported } = setup()
  const logged: string[] = []
  const frozen = Object.freeze({ value: 'v' })
  const span = startProducerSpan(tracer, { topic: 't', message: frozen, logger: { error: (m) => logged.push(m) } })
  span.finish()
  assert.deepEqual(frozen, { value: 'v' })
  assert.equal(reported().length, 1)
  assert.equal(logged.length, 1)
  assert.match(logged[0] ?? '', /frozen or read-only; use tracedSend or injectHeaders/)
  assert.throws(() => startProducerSpan(tracer, { topic: '' } as never), TypeError)
})

test('startConsumerSpan() names From_<topic> and FOLLOWS_FROM the producer span, with partition and offset', () => {
  const { tracer, reported } = setup()
  const producer = tracer.startSpan('produce')
  const message = consumed(injectHeaders(tracer, producer, { value: 'v' } as KafkajsMessage), '42')
  startConsumerSpan(tracer, { topic: 'orders', partition: 3, message }).finish()
  const [r] = reported()
  assert.equal(r?.name, 'From_orders')
  assert.deepEqual(r?.tags, { 'span.kind': 'consumer', component: 'jaeger-kafka', 'peer.service': 'kafka', 'message_bus.destination': 'orders', partition: 3, offset: 42 })
  assert.deepEqual(r?.refs, [['follows_from', ids(producer).spanId]])
  assert.equal(r?.traceId, ids(producer).traceId)
  assert.equal(r?.parentId, ids(producer).spanId)
})

test('startConsumerSpan() uses CHILD_OF on request and messaging.* attributes', () => {
  const { tracer, reported } = setup()
  const producer = tracer.startSpan('produce')
  const message = consumed(injectHeaders(tracer, producer, { value: 'v' } as KafkajsMessage), '18446744073709551615')
  startConsumerSpan(tracer, { topic: 'o', partition: 0, message, reference: 'child_of', messaging: true }).finish()
  const [r] = reported()
  assert.deepEqual(r?.refs, [['child_of', ids(producer).spanId]])
  assert.equal(r?.tags.offset, '18446744073709551615', 'an offset beyond 2^53 stays a string')
  assert.equal(r?.tags['messaging.operation.type'], 'process')
  assert.equal(r?.tags['messaging.destination.partition.id'], '0')
  assert.equal(r?.tags['messaging.kafka.message.key'], 'key-1')
})

test('startConsumerSpan() starts a new trace without references when the message has no context', () => {
  const { tracer, reported } = setup()
  startConsumerSpan(tracer, { topic: 't', partition: 0, message: { value: null, offset: '1', headers: { 'uber-trace-id': Buffer.from('bad') } } }).finish()
  startConsumerSpan(tracer, { topic: 't', message: null }).finish()
  for (const r of reported()) {
    assert.deepEqual(r.refs, [])
    assert.equal(r.parentId, null)
  }
})

test('startConsumerSpan() turns a lone jaeger-debug-id into a debug trace', () => {
  const { tracer, reported } = setup()
  const span = startConsumerSpan(tracer, { topic: 't', message: { value: null, offset: '1', headers: { 'jaeger-debug-id': Buffer.from('find-me') } } })
  span.finish()
  assert.equal(reported()[0]?.tags['jaeger-debug-id'], 'find-me')
  assert.equal((span.context() as unknown as { isDebug(): boolean }).isDebug(), true)
})

test('markSpanError() tags error=true and logs event, error.object, error.kind, message, stack', () => {
  const { tracer, reported } = setup()
  const span = tracer.startSpan('x')
  const error = new RangeError('broker said no')
  markSpanError(span, error)
  markSpanError(span, 'plain string')
  span.finish()
  const [r] = reported()
  assert.equal(r?.tags.error, true)
  assert.deepEqual(Object.keys(r?.logs[0] ?? {}).sort(), ['error.kind', 'error.object', 'event', 'message', 'stack'])
  assert.equal(r?.logs[0]?.event, 'error')
  assert.equal(r?.logs[0]?.message, 'broker said no')
  assert.equal(r?.logs[0]?.['error.kind'], 'RangeError')
  assert.equal(r?.logs[1]?.message, 'plain string')
})

test('finishProducerSpan() finishes on acknowledgement, not before', async () => {
  const { tracer, reported } = setup()
  const ack = deferred<string>()
  const done = finishProducerSpan(tracer.startSpan('x'), ack.promise)
  await Promise.resolve()
  assert.equal(reported().length, 0)
  ack.resolve('metadata')
  assert.equal(await done, 'metadata')
  assert.equal(reported().length, 1)
  assert.equal(reported()[0]?.tags.error, undefined)
})

test('finishProducerSpan() tags a failed send and passes the rejection on', async () => {
  const { tracer, reported } = setup()
  await assert.rejects(finishProducerSpan(tracer.startSpan('x'), Promise.reject(new Error('KAFKA_STORAGE_ERROR'))), /KAFKA_STORAGE_ERROR/)
  assert.equal(reported()[0]?.tags.error, true)
  finishProducerSpan(tracer.startSpan('cb'), new Error('delivery failed'))
  finishProducerSpan(tracer.startSpan('ok'), null)
  assert.equal(reported()[1]?.tags.error, true)
  assert.equal(reported()[2]?.tags.error, undefined)
})

// ---- kafkajs wrappers -------------------------------------------------------

interface SentRecord { topic: string; messages: KafkajsMessage[] }

test('tracedSend() sends traced copies, leaves the caller\'s record alone and finishes spans on ack', async () => {
  const { tracer, reported } = setup()
  const parent = tracer.startSpan('parent')
  const ack = deferred<Array<{ topicName: string; partition: number; baseOffset: string }>>()
  const sent: SentRecord[] = []
  const producer = { send(record: SentRecord) { sent.push(record); return ack.promise } }
  const messages: readonly KafkajsMessage[] = Object.freeze([Object.freeze({ value: 'a' }), Object.freeze({ value: 'b', headers: Object.freeze({ keep: 'me' }) })])
  const record = Object.freeze({ topic: 'orders', acks: -1, messages })
  const result = tracedSend(tracer, producer, record as unknown as SentRecord & { acks: number }, { childOf: parent })
  await Promise.resolve()
  assert.equal(reported().length, 0, 'no span finishes before the broker acknowledges')
  assert.equal(sent[0]?.messages.length, 2)
  assert.equal((sent[0] as unknown as { acks: number }).acks, -1)
  assert.equal(record.messages[0]?.headers, undefined)
  assert.deepEqual(record.messages[1]?.headers, { keep: 'me' })
  ack.resolve([{ topicName: 'orders', partition: 4, baseOffset: '100' }])
  await result
  const spans = reported()
  assert.deepEqual(spans.map((s) => [s.name, s.tags.partition, s.tags.offset]), [['To_orders', 4, 100], ['To_orders', 4, 101]])
  for (const [i, s] of spans.entries()) {
    assert.deepEqual(s.refs, [['child_of', ids(parent).spanId]])
    assert.equal(sent[0]?.messages[i]?.headers?.['uber-trace-id'], `${s.traceId}:${s.spanId}:${s.parentId}:1`)
  }
  assert.equal(sent[0]?.messages[1]?.headers?.keep, 'me')
})

test('tracedSend() tags every span of a failed send and rejects', async () => {
  const { tracer, reported } = setup()
  const producer = { send: () => Promise.reject(new Error('LEADER_NOT_AVAILABLE')) }
  await assert.rejects(tracedSend(tracer, producer, { topic: 't', messages: [{ value: 'a' }, { value: 'b' }] }), /LEADER_NOT_AVAILABLE/)
  assert.deepEqual(reported().map((s) => s.tags.error), [true, true])
  await assert.rejects(tracedSend(tracer, producer, { topic: 't' } as never), TypeError)
})

test('traceEachMessage() hands the handler its consumer span and keeps consume→produce in one trace', async () => {
  const { tracer, reported } = setup()
  const root = tracer.startSpan('root')
  const first = consumed(injectHeaders(tracer, root, { value: 'v' } as KafkajsMessage))
  const sent: SentRecord[] = []
  const producer = { send: async (record: SentRecord) => { sent.push(record); return [] } }
  let handed: opentracing.Span | undefined
  const eachMessage = traceEachMessage(tracer, async ({ message }, span) => {
    handed = span
    await tracedSend(tracer, producer, { topic: 'next', messages: [{ value: message.value }] }, { childOf: span })
  })
  await eachMessage({ topic: 'in', partition: 1, message: first })
  assert.ok(handed)
  root.finish()
  const [produced, consumer] = reported()
  assert.equal(produced?.name, 'To_next')
  assert.equal(consumer?.name, 'From_in')
  assert.deepEqual(consumer?.refs, [['follows_from', ids(root).spanId]])
  assert.deepEqual(produced?.refs, [['child_of', consumer?.spanId]])
  assert.equal(new Set(reported().map((s) => s.traceId)).size, 1)
  assert.equal(extractContext(tracer, consumed(sent[0]?.messages[0] ?? {}))?.toString().split(':')[1], produced?.spanId)
})

test('traceEachMessage() tags a failing handler\'s span and rethrows', async () => {
  const { tracer, reported } = setup()
  const eachMessage = traceEachMessage(tracer, () => { throw new Error('poison') })
  await assert.rejects(eachMessage({ topic: 'in', partition: 0, message: consumed({}) }), /poison/)
  assert.equal(reported()[0]?.tags.error, true)
  assert.equal(reported()[0]?.logs[0]?.message, 'poison')
})

test('traceEachBatch() gives a batch span referring to the producers and per-message spans in their own traces', async () => {
  const { tracer, reported } = setup()
  const producers = [tracer.startSpan('p1'), tracer.startSpan('p2')]
  const messages = [
    consumed(injectHeaders(tracer, producers[0], { value: 'a' } as KafkajsMessage), '10'),
    consumed(injectHeaders(tracer, producers[0], { value: 'b' } as KafkajsMessage), '11'),
    consumed(injectHeaders(tracer, producers[1], { value: 'c' } as KafkajsMessage), '12'),
    consumed({}, '13'),
  ]
  let batchSpanId = ''
  const eachBatch = traceEachBatch(tracer, async ({ batch }, tracing) => {
    batchSpanId = ids(tracing.span).spanId
    for (const message of batch.messages) tracing.spanFor(message)
    assert.equal(tracing.spanFor(batch.messages[0] as KafkajsConsumedMessage), tracing.spanFor(batch.messages[0] as KafkajsConsumedMessage))
    tracing.finish(batch.messages[0] as KafkajsConsumedMessage, new Error('one failed'))
  }, { messaging: true })
  await eachBatch({ batch: { topic: 'in', partition: 0, messages } })
  const spans = reported()
  const batchSpan = spans.find((s) => s.spanId === batchSpanId)
  assert.ok(batchSpan)
  assert.deepEqual(batchSpan.refs, [['follows_from', ids(producers[0] as opentracing.Span).spanId], ['follows_from', ids(producers[1] as opentracing.Span).spanId]])
  assert.equal(batchSpan.tags['messaging.batch.message_count'], 4)
  const perMessage = spans.filter((s) => s !== batchSpan)
  assert.equal(perMessage.length, 4)
  assert.deepEqual(perMessage.map((s) => s.tags.offset).sort(), [10, 11, 12, 13])
  const byOffset = new Map(perMessage.map((s) => [s.tags.offset, s]))
  assert.equal(byOffset.get(10)?.tags.error, true)
  assert.equal(byOffset.get(12)?.traceId, ids(producers[1] as opentracing.Span).traceId, 'a message keeps its own trace')
  assert.deepEqual(byOffset.get(13)?.refs, [['child_of', batchSpanId]], 'a message without context joins the batch trace')
})

test('traceEachBatch() caps the batch span\'s references and tags a failing handler', async () => {
  const { tracer, reported } = setup()
  const messages = Array.from({ length: 5 }, (_, i) => consumed(injectHeaders(tracer, tracer.startSpan(`p${i}`), { value: 'v' } as KafkajsMessage), String(i)))
  const eachBatch = traceEachBatch(tracer, () => { throw new Error('batch failed') }, { maxBatchReferences: 2 })
  await assert.rejects(eachBatch({ batch: { topic: 'in', partition: 0, messages } }), /batch failed/)
  const [batchSpan] = reported()
  assert.equal(batchSpan?.refs.length, 2)
  assert.equal(batchSpan?.tags.error, true)
  assert.throws(() => traceEachBatch(tracer, () => {}, { maxBatchReferences: -1 }), RangeError)
})
