// SPDX-License-Identifier: Apache-2.0
// Tracing never breaks the business path (issue 9 §5): a tracer whose
// startSpan, inject, setTag or finish throws, and frozen messages, are
// logged; the message is still sent and the handler still runs. The OTel
// setter never throws.
import assert from 'node:assert/strict'
import { Buffer } from 'node:buffer'
import jaeger from 'jaeger-client'
import * as opentracing from 'opentracing'
import { test } from '../support/harness.ts'
import {
  kafkaHeadersSetter, startConsumerSpan, startProducerSpan, traceEachBatch, traceEachMessage, tracedSend,
} from '../../carriers/index.ts'
import type { KafkajsConsumedMessage, KafkajsMessage } from '../../carriers/index.ts'

const { initTracer, InMemoryReporter } = jaeger as unknown as {
  initTracer(config: object, options: object): opentracing.Tracer
  InMemoryReporter: new () => { spans: unknown[] }
}

function realTracer(): { tracer: opentracing.Tracer; reported: () => number } {
  const reporter = new InMemoryReporter()
  const tracer = initTracer({ serviceName: 'business-path', sampler: { type: 'const', param: 1 } }, { reporter, logger: { info() {}, error() {} } })
  return { tracer, reported: () => reporter.spans.length }
}

type Breakage = 'startSpan' | 'inject' | 'extract' | 'finish' | 'setTag'

/** A jaeger-client tracer with one of its calls (or its spans' calls) throwing. */
function brokenTracer(broken: Breakage): opentracing.Tracer {
  const { tracer } = realTracer()
  const boom = (): never => { throw new Error(`${broken} exploded`) }
  return {
    startSpan(name: string, options?: opentracing.SpanOptions) {
      if (broken === 'startSpan') boom()
      const span = tracer.startSpan(name, options)
      if (broken === 'finish') span.finish = boom
      if (broken === 'setTag') span.setTag = boom
      return span
    },
    inject(context: opentracing.SpanContext, format: string, carrier: unknown) {
      if (broken === 'inject') boom()
      tracer.inject(context, format, carrier)
    },
    extract(format: string, carrier: unknown) {
      if (broken === 'extract') boom()
      return tracer.extract(format, carrier)
    },
  } as unknown as opentracing.Tracer
}

function logger(): { error(m: string): void; lines: string[] } {
  const lines: string[] = []
  return { error: (m: string) => lines.push(m), lines }
}

function recordingProducer(): { send(record: { topic: string; messages: KafkajsMessage[] }): Promise<unknown[]>; sent: KafkajsMessage[][] } {
  const sent: KafkajsMessage[][] = []
  return {
    sent,
    send: async (record) => {
      sent.push(record.messages)
      return [{ topicName: record.topic, partition: 0, errorCode: 0, baseOffset: '7' }]
    },
  }
}

for (const broken of ['startSpan', 'inject', 'extract', 'finish', 'setTag'] as const) {
  test(`tracedSend: a tracer whose ${broken} throws is logged and the message is still sent`, async () => {
    const producer = recordingProducer()
    const log = logger()
    const message = Object.freeze({ key: 'k', value: 'v' })
    const result = await tracedSend(brokenTracer(broken), producer, Object.freeze({ topic: 'orders', messages: [message] }), { logger: log })
    assert.deepEqual(result, [{ topicName: 'orders', partition: 0, errorCode: 0, baseOffset: '7' }])
    assert.equal(producer.sent.length, 1)
    assert.equal(producer.sent[0]?.[0]?.value, 'v')
    assert.deepEqual(message, { key: 'k', value: 'v' }, 'the caller\'s message is untouched')
    // extract failures are silent by design (extractContext never throws, a message without context is normal).
    if (broken !== 'extract') assert.ok(log.lines.some((l) => l.includes(`${broken} exploded`)), log.lines.join('\n'))
    if (broken === 'startSpan' || broken === 'inject') assert.equal(producer.sent[0]?.[0]?.headers?.['uber-trace-id'], undefined)
  })

  test(`traceEachMessage: a tracer whose ${broken} throws is logged and the handler still runs`, async () => {
    const log = logger()
    let handled = 0
    let gotSpan = false
    const eachMessage = traceEachMessage(brokenTracer(broken), async (_payload, span) => {
      handled++
      gotSpan = typeof span.context === 'function'
    }, { logger: log })
    const message = { key: null, value: Buffer.from('v'), offset: '3', timestamp: '0', attributes: 0, headers: {} } as unknown as KafkajsConsumedMessage
    await eachMessage({ topic: 'orders', partition: 0, message})
    assert.equal(handled, 1)
    assert.equal(gotSpan, true)
    if (broken === 'startSpan' || broken === 'finish') assert.ok(log.lines.some((l) => l.includes(`${broken} exploded`)))
  })
}

test('traceEachMessage: the handler\'s own error is still passed on when finish throws', async () => {
  const log = logger()
  const eachMessage = traceEachMessage(brokenTracer('finish'), async () => { throw new Error('handler failed') }, { logger: log })
  const message = { key: null, value: null, offset: '1', timestamp: '0', attributes: 0, headers: {} } as unknown as KafkajsConsumedMessage
  await assert.rejects(eachMessage({ topic: 't', partition: 0, message}), /handler failed/)
  assert.ok(log.lines.some((l) => l.includes('finish exploded')))
})

test('traceEachBatch: a tracer whose startSpan throws gives no-op spans and the handler still runs', async () => {
  const log = logger()
  const messages = [1, 2].map((i) => ({ key: null, value: Buffer.from(String(i)), offset: String(i), timestamp: '0', attributes: 0, headers: {} })) as unknown as KafkajsConsumedMessage[]
  let seen = 0
  const eachBatch = traceEachBatch(brokenTracer('startSpan'), async ({ batch }, tracing) => {
    for (const message of batch.messages) {
      tracing.spanFor(message).setTag('ok', true)
      tracing.finish(message)
      seen++
    }
  }, { logger: log })
  await eachBatch({ batch: { topic: 't', partition: 0, messages } })
  assert.equal(seen, 2)
  assert.equal(log.lines.length, 3, log.lines.join('\n'))
})

test('startProducerSpan / startConsumerSpan: a throwing startSpan gives a no-op span, never a throw', () => {
  const log = logger()
  const message = { value: 'v' }
  const producerSpan = startProducerSpan(brokenTracer('startSpan'), { topic: 't', message, logger: log })
  producerSpan.setTag('x', 1).finish()
  assert.deepEqual(message, { value: 'v' })
  const consumerSpan = startConsumerSpan(brokenTracer('startSpan'), { topic: 't', message: { value: null, headers: {} } as never, logger: log })
  consumerSpan.finish()
  assert.equal(log.lines.length, 2)
})

test('kafkaHeadersSetter never throws: frozen and sealed targets, non-object carriers', () => {
  const frozen = Object.freeze({ value: 'v', headers: Object.freeze({}) })
  const sealed = { value: 'v', headers: Object.seal({ a: 'b' }) }
  const targets: unknown[] = [frozen, sealed, Object.freeze([]), Object.seal({}), 'headers', 42, null, undefined, new Uint8Array(2), () => {}, { value: 'v', headers: 'nope' }]
  for (const target of targets) assert.doesNotThrow(() => kafkaHeadersSetter.set(target, 'traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'))
  assert.deepEqual(frozen, { value: 'v', headers: {} })
  assert.deepEqual(sealed.headers, { a: 'b' })
  // And a normal message still gets the header.
  const message: { value: string; headers?: Record<string, string> } = { value: 'v' }
  kafkaHeadersSetter.set(message, 'traceparent', 'x-y')
  assert.deepEqual(message.headers, { traceparent: 'x-y' })
})
