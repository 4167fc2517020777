// SPDX-License-Identifier: Apache-2.0
// A fleet half-way through its move to OpenTelemetry: three services over
// Kafka, one trace, one span pipeline (docs/otel.md walks through it).
//
//   A checkout  jaeger-client + our carriers, spans via KafkaSender (jaeger_thrift)
//        │ [orders]   uber-trace-id, uberctx-customer
//   B enricher  OTel SDK native: propagation.extract/inject with kafkaHeadersGetter/Setter,
//        │            spans via KafkaSpanExporter (otlp_proto)
//        │ [enriched] uber-trace-id + traceparent, uberctx-customer, uberctx-enriched-by
//   C shipping  unchanged OpenTracing code (our span helpers) on the OTel SDK through
//                 @opentelemetry/shim-opentracing, spans via KafkaSpanExporter (jaeger_thrift)
//
// All three write to one span topic; `jaeger-kafka forward` (or the Jaeger
// ingester, for otlp_proto records) takes it to Jaeger. Baggage set in A
// (`customer`, `note`) and in B (`enriched-by`) reaches C, which tags its span
// with what it received.
//
//   KAFKA_BROKERS=127.0.0.1:9092 npx tsx examples/otel-migration.ts
//   npx deno run -A examples/otel-migration.ts        npx bun examples/otel-migration.ts
//   then: jaeger-kafka forward --brokers 127.0.0.1:9092 --topic <spansTopic printed> \
//           --collector http://127.0.0.1:14268/api/traces
//
// Env: KAFKA_BROKERS, SPANS_TOPIC (default jaeger-spans), ORDERS (3),
//      RUN (a suffix for topics and service names; default random).
// Prints one JSON line (trace ids, topics, services, what C saw) and exits
// once every span was acknowledged by the broker.
import kafkajs from 'kafkajs'
import * as opentracing from 'opentracing'
import { ROOT_CONTEXT, SpanKind, propagation, trace, type Context, type Span } from '@opentelemetry/api'
import { CompositePropagator, W3CTraceContextPropagator } from '@opentelemetry/core'
import { JaegerPropagator } from '@opentelemetry/propagator-jaeger'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { TracerShim } from '@opentelemetry/shim-opentracing'
import { kafkaHeadersGetter, kafkaHeadersSetter, traceEachMessage, tracedSend, withRawJaegerBaggage } from '../carriers/index.ts'
import { initTracer } from '../senders/index.ts'
import { KafkaSpanExporter } from '../otel.ts'

const env = (name: string, fallback: string): string => (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env[name] || fallback
const brokers = env('KAFKA_BROKERS', '127.0.0.1:9092').split(',')
const spansTopic = env('SPANS_TOPIC', 'jaeger-spans')
const orderCount = Number(env('ORDERS', '3'))
const run = env('RUN', Math.random().toString(36).slice(2, 8))
const topics = { orders: `orders-${run}`, enriched: `enriched-${run}` }
const services = { a: `checkout-${run}`, b: `enricher-${run}`, c: `shipping-${run}` }

// One propagator for every OTel service of the fleet: uber-trace-id and
// uberctx-* for jaeger-client neighbours, traceparent for OTel ones.
// Extraction runs in order and the last one that finds a context wins.
// withRawJaegerBaggage: uberctx-* values raw on Kafka, as jaeger-client's
// TEXT_MAP writes them (JaegerPropagator alone URL-encodes them).
const fleetPropagator = withRawJaegerBaggage(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new JaegerPropagator()] }))
propagation.setGlobalPropagator(fleetPropagator)

const kafka = new kafkajs.Kafka({ clientId: 'otel-migration', brokers, logLevel: kafkajs.logLevel.NOTHING })
const admin = kafka.admin()
await admin.connect()
await admin.createTopics({ topics: [{ topic: topics.orders }, { topic: topics.enriched }, { topic: spansTopic }], waitForLeaders: true })
await admin.disconnect()
const producer = kafka.producer({ idempotent: true })
await producer.connect()

// ---- A: jaeger-client, our carriers, spans through KafkaSender ------------
const tracerA = initTracer({ serviceName: services.a, sampler: { type: 'const', param: 1 }, reporter: { kafka: { brokers, topic: spansTopic } } })

// ---- B: OTel SDK native ---------------------------------------------------
const providerB = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': services.b }),
  spanProcessors: [new BatchSpanProcessor(new KafkaSpanExporter({ brokers, topic: spansTopic }))],
})
const tracerB = providerB.getTracer('otel-migration-enricher', '1.0.0')

/**
 * B's consumer span: the producer's context as parent, so the span stays in
 * the producer's trace, and a link to that same context marked
 * `opentracing.ref_type=follows_from`. Jaeger folds the two into one
 * FOLLOWS_FROM reference: what jaeger-client services get from our helpers.
 */
function startConsumerSpan(name: string, extracted: Context): Span {
  const producerContext = trace.getSpanContext(extracted)
  const links = producerContext === undefined ? [] : [{ context: producerContext, attributes: { 'opentracing.ref_type': 'follows_from' } }]
  return tracerB.startSpan(name, { kind: SpanKind.CONSUMER, links, attributes: { 'messaging.system': 'kafka', 'messaging.destination.name': topics.orders } }, extracted)
}

// ---- C: OpenTracing code on the OTel SDK through the shim -----------------
const providerC = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': services.c }),
  spanProcessors: [new BatchSpanProcessor(new KafkaSpanExporter({ brokers, topic: spansTopic, encoding: 'jaeger_thrift' }))],
})
const tracerC = new TracerShim(providerC.getTracer('otel-migration-shipping', '1.0.0'), { textMapPropagator: fleetPropagator }) as unknown as opentracing.Tracer

let handled = 0
let allHandled!: () => void
const done = new Promise<void>((resolve) => { allHandled = resolve })
const seenByC: Array<{ traceId: string; customer: string | undefined; note: string | undefined; enrichedBy: string | undefined }> = []

const consumerB = kafka.consumer({ groupId: `enricher-${run}`, maxWaitTimeInMs: 200 })
await consumerB.connect()
await consumerB.subscribe({ topic: topics.orders, fromBeginning: true })
await consumerB.run({
  eachMessage: async ({ message }) => {
    // kafkajs delivers header values as Buffers: OTel's default getter would hand
    // them to the propagators as they are, and the trace would break here.
    const extracted = propagation.extract(ROOT_CONTEXT, message, kafkaHeadersGetter)
    const consumerSpan = startConsumerSpan(`From_${topics.orders}`, extracted)
    const customer = propagation.getBaggage(extracted)?.getEntry('customer')?.value
    if (customer !== undefined) consumerSpan.setAttribute('baggage.customer', customer)
    // Baggage of our own, beside what came in.
    const baggage = (propagation.getBaggage(extracted) ?? propagation.createBaggage()).setEntry('enriched-by', { value: services.b })
    const handling = propagation.setBaggage(trace.setSpan(extracted, consumerSpan), baggage)
    const producerSpan = tracerB.startSpan(`To_${topics.enriched}`, { kind: SpanKind.PRODUCER, attributes: { 'messaging.system': 'kafka', 'messaging.destination.name': topics.enriched } }, handling)
    const out = { key: message.key, value: `${String(message.value)} +enriched` }
    propagation.inject(trace.setSpan(handling, producerSpan), out, kafkaHeadersSetter)
    try {
      await producer.send({ topic: topics.enriched, acks: -1, messages: [out] })
    } finally {
      producerSpan.end()
      consumerSpan.end()
    }
  },
})

const consumerC = kafka.consumer({ groupId: `shipping-${run}`, maxWaitTimeInMs: 200 })
await consumerC.connect()
await consumerC.subscribe({ topic: topics.enriched, fromBeginning: true })
await consumerC.run({
  // The same OpenTracing code as on jaeger-client: the helpers extract with the
  // shim (which reads our consumer carrier) and start the span FOLLOWS_FROM.
  eachMessage: traceEachMessage(tracerC, async (_payload, span) => {
    const customer = span.getBaggageItem('customer')
    const note = span.getBaggageItem('note')
    const enrichedBy = span.getBaggageItem('enriched-by')
    span.setTag('baggage.customer', customer)
    span.setTag('baggage.note', note)
    span.setTag('baggage.enriched-by', enrichedBy)
    const ship = tracerC.startSpan('ship', { childOf: span })
    ship.finish()
    seenByC.push({ traceId: span.context().toTraceId(), customer, note, enrichedBy })
    if (++handled === orderCount) allHandled()
  }),
})

// ---- A sends the orders ---------------------------------------------------
const traceIds: string[] = []
for (let i = 0; i < orderCount; i++) {
  const checkout = tracerA.startSpan('checkout')
  checkout.setBaggageItem('customer', `c-${i}`)
  checkout.setBaggageItem('note', 'gift wrap, 100% ü') // not URL-safe: raw on the wire all along
  traceIds.push(checkout.context().toTraceId())
  await tracedSend(tracerA, producer, { topic: topics.orders, acks: -1, messages: [{ key: `order-${i}`, value: 'book' }] }, { childOf: checkout })
  checkout.finish()
}

await done
await Promise.all([consumerB.disconnect(), consumerC.disconnect()])
await producer.disconnect()
// Flush every service's spans to the span topic (each waits for the broker's acks).
await new Promise<void>((resolve) => tracerA.close(() => resolve()))
await Promise.all([providerB.shutdown(), providerC.shutdown()])
// The example's own topics go; the span topic stays for the forwarder.
await admin.connect()
await admin.deleteTopics({ topics: [topics.orders, topics.enriched] })
await admin.disconnect()
console.log(JSON.stringify({ traceIds, spansTopic, topics, services, seenByC }))
