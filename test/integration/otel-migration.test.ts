// SPDX-License-Identifier: Apache-2.0
// The mixed fleet of docs/otel.md against the real peers, on every runtime:
//   1. kafkajs really delivers header values as Buffers: OTel's JaegerPropagator
//      with the default getter starts a new trace, with kafkaHeadersGetter it
//      continues the jaeger-client producer's;
//   2. examples/otel-migration.ts (jaeger-client → OTel SDK native → OpenTracing
//      code on the OTel shim, spans from all three through one span topic and
//      our forwarder): in Jaeger's query API each order is ONE trace of exactly
//      six spans over the three services, with the references designed at each
//      hop, and the baggage set in jaeger-client (and in the OTel service)
//      arrives in the shim service, exact even where it is not URL-safe.
import assert from 'node:assert/strict'
import { ROOT_CONTEXT, defaultTextMapGetter, propagation, trace } from '@opentelemetry/api'
import { JaegerPropagator } from '@opentelemetry/propagator-jaeger'
import jaeger from 'jaeger-client'
import kafkajs from 'kafkajs'
import { test } from '../support/harness.ts'
import { startChild } from '../support/faults.ts'
import { JAEGER_COLLECTOR_URL, JAEGER_OTLP_URL, JAEGER_QUERY_URL, KAFKA_BROKERS, uniqueTopic, waitForTrace } from '../support/peers.ts'
import type { JaegerQuerySpan, JaegerQueryTrace } from '../support/peers.ts'
import { kafkaHeadersGetter, tracedSend } from '../../carriers/index.ts'
import { createForwarder } from '../../forwarder/forwarder.ts'

const kafka = new kafkajs.Kafka({ clientId: 'otel-migration-test', brokers: KAFKA_BROKERS, logLevel: kafkajs.logLevel.NOTHING })

test('kafkajs-delivered Buffer headers: JaegerPropagator starts a new trace with the default getter, continues it with kafkaHeadersGetter', async () => {
  const topic = uniqueTopic('otel-getter')
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true })
  await admin.disconnect()
  const { initTracer, InMemoryReporter } = jaeger as unknown as { initTracer: typeof jaeger.initTracer; InMemoryReporter: new () => unknown }
  const tracer = initTracer({ serviceName: 'otel-getter', sampler: { type: 'const', param: 1 } }, { reporter: new InMemoryReporter() as never, logger: { info() {}, error() {} } })
  const producer = kafka.producer()
  await producer.connect()
  const request = tracer.startSpan('request')
  request.setBaggageItem('customer', 'c-42')
  await tracedSend(tracer, producer, { topic, messages: [{ value: 'order' }] }, { childOf: request })
  await producer.disconnect()

  const consumer = kafka.consumer({ groupId: `${topic}-g`, maxWaitTimeInMs: 200 })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const message = await new Promise<kafkajs.KafkaMessage>((resolve) => {
    void consumer.run({ eachMessage: async ({ message }) => resolve(message) })
  })
  await consumer.disconnect()

  const jaegerPropagator = new JaegerPropagator()
  assert.ok(message.headers?.['uber-trace-id'] instanceof Uint8Array, 'kafkajs delivers header values as Buffers')
  assert.equal(trace.getSpanContext(jaegerPropagator.extract(ROOT_CONTEXT, message.headers, defaultTextMapGetter)), undefined)
  const extracted = jaegerPropagator.extract(ROOT_CONTEXT, message, kafkaHeadersGetter)
  assert.equal(trace.getSpanContext(extracted)?.traceId, request.context().toTraceId().padStart(32, '0'))
  assert.equal(propagation.getBaggage(extracted)?.getEntry('customer')?.value, 'c-42')
}, { timeout: 60_000 })

/** The example's baggage value that is not URL-safe (withRawJaegerBaggage keeps it exact). */
const NOTE = 'gift wrap, 100% ü'

interface ExampleOutput {
  traceIds: string[]
  spansTopic: string
  topics: { orders: string; enriched: string }
  services: { a: string; b: string; c: string }
  seenByC: Array<{ traceId: string; customer?: string; note?: string; enrichedBy?: string }>
}

const tagsOf = (span: JaegerQuerySpan): Record<string, unknown> => Object.fromEntries(span.tags.map((t) => [t.key, t.value]))

async function tracesOfService(service: string): Promise<string[]> {
  const res = await fetch(`${JAEGER_QUERY_URL}/api/traces?service=${encodeURIComponent(service)}&limit=1000&lookback=1h`, { signal: AbortSignal.timeout(5000) })
  const body = (await res.json()) as { data?: JaegerQueryTrace[] }
  return (body.data ?? []).map((t) => t.traceID)
}

test('examples/otel-migration.ts: jaeger-client → OTel SDK → shim is one trace per order in Jaeger, references and baggage intact', async () => {
  const run = uniqueTopic('fleet').replace(/^fleet-/, '')
  const orders = 3
  const spansTopic = `fleet-spans-${run}`
  const child = startChild('examples/otel-migration.ts', { KAFKA_BROKERS: KAFKA_BROKERS.join(','), SPANS_TOPIC: spansTopic, ORDERS: String(orders), RUN: run }, [], '"seenByC"')
  const exit = await child.exited
  assert.equal(exit.code, 0, `the example failed:\n${child.stderr()}`)
  const output = JSON.parse(child.stdout().trim().split('\n').pop() ?? '') as ExampleOutput
  assert.equal(output.traceIds.length, orders)
  const { a, b, c } = output.services

  // In process, C saw the baggage of A and of B, in A's trace.
  assert.deepEqual(
    output.seenByC.map((s) => [s.traceId.replace(/^0+/, ''), s.customer, s.note, s.enrichedBy]).sort(),
    output.traceIds.map((id, i) => [id.replace(/^0+/, ''), `c-${i}`, NOTE, b]).sort(),
  )

  const forwarder = createForwarder({
    brokers: KAFKA_BROKERS, topic: spansTopic, groupId: `${spansTopic}-fwd`, collectorUrl: JAEGER_COLLECTOR_URL, otlpEndpoint: JAEGER_OTLP_URL,
    logger: { info: () => {}, error: () => {} },
  })
  await forwarder.start()
  try {
    for (const [i, id] of output.traceIds.entries()) {
      const found = await waitForTrace(id, 6, 60_000)
      assert.equal(found.spans.length, 6, `trace ${id}: ${found.spans.map((s) => s.operationName).join(', ')}`)
      assert.equal(new Set(found.spans.map((s) => s.traceID)).size, 1)
      const service = (s: JaegerQuerySpan): string | undefined => found.processes[s.processID]?.serviceName
      const byName = new Map(found.spans.map((s) => [s.operationName, s]))
      const span = (name: string): JaegerQuerySpan => {
        const s = byName.get(name)
        assert.ok(s, `trace ${id} has ${name}`)
        return s
      }
      const checkout = span('checkout')
      const toOrders = span(`To_${output.topics.orders}`)
      const fromOrders = span(`From_${output.topics.orders}`)
      const toEnriched = span(`To_${output.topics.enriched}`)
      const fromEnriched = span(`From_${output.topics.enriched}`)
      const ship = span('ship')
      assert.deepEqual([checkout, toOrders, fromOrders, toEnriched, fromEnriched, ship].map(service), [a, a, b, b, c, c])
      const refs = (s: JaegerQuerySpan): string[][] => s.references.map((r) => [r.refType, r.spanID])
      assert.deepEqual(refs(checkout), [])
      assert.deepEqual(refs(toOrders), [['CHILD_OF', checkout.spanID]])
      // Each Kafka hop is one FOLLOWS_FROM, as between jaeger-client services:
      // OTel native (parent + follows_from link) and the shim (parent + link) alike.
      assert.deepEqual(refs(fromOrders), [['FOLLOWS_FROM', toOrders.spanID]])
      assert.deepEqual(refs(toEnriched), [['CHILD_OF', fromOrders.spanID]])
      assert.deepEqual(refs(fromEnriched), [['FOLLOWS_FROM', toEnriched.spanID]])
      assert.deepEqual(refs(ship), [['CHILD_OF', fromEnriched.spanID]])
      // span.kind: from the OTel span kind for B. The shim starts every span INTERNAL; C
      // exports jaeger_thrift, whose span.kind tags (the helpers' attribute `consumer`, then
      // the kind `internal`) Jaeger's Thrift receiver reads back as the span kind: the last wins.
      const kinds = (s: JaegerQuerySpan): unknown[] => s.tags.filter((t) => t.key === 'span.kind').map((t) => t.value)
      assert.deepEqual([toOrders, fromOrders, toEnriched, fromEnriched, ship].map(kinds), [['producer'], ['consumer'], ['producer'], ['internal'], ['internal']])
      // Baggage: A → B (jaeger-client → OTel), A and B → C (OTel → shim).
      assert.equal(tagsOf(fromOrders)['baggage.customer'], `c-${i}`)
      assert.equal(tagsOf(fromEnriched)['baggage.customer'], `c-${i}`)
      assert.equal(tagsOf(fromEnriched)['baggage.enriched-by'], b)
      assert.equal(tagsOf(fromEnriched)['baggage.note'], NOTE)
    }
    // Exactly the example's traces and spans: nothing extra under its services.
    for (const service of [a, b, c]) {
      assert.deepEqual((await tracesOfService(service)).map((t) => t.replace(/^0+/, '')).sort(), output.traceIds.map((t) => t.replace(/^0+/, '')).sort(), service)
    }
  } finally {
    await forwarder.stop()
  }
}, { timeout: 180_000 })
