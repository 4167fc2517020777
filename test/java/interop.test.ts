// SPDX-License-Identifier: Apache-2.0
// Java interop tier (Node only): the real Java libraries a Java fleet runs —
// io.opentracing.contrib:opentracing-kafka-client 0.1.15 and the legacy 0.1.2
// (second_span_ headers), io.jaegertracing:jaeger-client 1.8.1,
// kafka-clients 3.9 — against our real broker (KAFKA_BROKERS) and Jaeger
// (JAEGER_COLLECTOR_URL / JAEGER_QUERY_URL). The Java side lives in
// test/java/{common,current,legacy} and prints one JSON line per run.
// Without java/mvn the tests are skipped with a printed reason; with CI=true
// or JAEGER_KAFKA_REQUIRE_JAVA=1 they fail instead.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import jaeger from 'jaeger-client'
import kafkajs from 'kafkajs'
import * as opentracing from 'opentracing'
import { waitFor } from '../support/forwarder-fakes.ts'
import { baggageArgs, runJava } from '../support/java.ts'
import { javaTest } from '../support/java-test.ts'
import { JAEGER_COLLECTOR_URL, KAFKA_BROKERS, getTrace, uniqueTopic, waitForTrace } from '../support/peers.ts'
import { createTopic } from '../support/span-topic.ts'
import { KafkaConsumerCarrier, extractContext, injectHeaders, tracedSend } from '../../carriers/index.ts'

/** Baggage every scenario carries: the characters section 1 of issue 9 is about. */
const BAGGAGE: Record<string, string> = {
  space: 'hello world',
  comma: 'a, b,c',
  equals: 'k=v=w',
  percent: '100% sure',
  escape: 'a%41b %2C',
  semicolon: 'x; y;z',
  unicode: 'wörld ✓ 日本 🚀',
  mixed: 'hello wörld, a=b; 100%',
}

// ---- Java side: what the programs print --------------------------------------------------------

interface JavaContext {
  traceIdHigh: string
  traceIdLow: string
  spanId: string
  parentId: string
  flags: number
  sampled: boolean
  debug: boolean
  baggage: Record<string, string>
}
interface JavaSpan extends JavaContext {
  operation: string
  kind: string
  references: { type: string; spanId: string }[]
}
type Headers = [string, string | null][]

// ---- Node side ---------------------------------------------------------------------------------

interface NodeContext {
  traceIdStr: string
  spanIdStr: string
  parentIdStr: string | null
  baggage: Record<string, string>
  isSampled(): boolean
  isDebug(): boolean
  isValid: boolean
}
interface NodeSpan extends opentracing.Span {
  context(): NodeContext & opentracing.SpanContext
}
interface NodeTracer extends opentracing.Tracer {
  close(cb?: () => void): void
}
const { initTracer } = jaeger as unknown as {
  initTracer(config: object, options: object): NodeTracer
}

const { InMemoryReporter } = jaeger as unknown as { InMemoryReporter: new () => { spans: (NodeSpan & { operationName: string })[] } }

function nodeTracer(service: string, traceId128bit = false): NodeTracer & { reported: InstanceType<typeof InMemoryReporter> } {
  const reported = new InMemoryReporter()
  const tracer = initTracer({ serviceName: service, sampler: { type: 'const', param: 1 } }, { reporter: reported, traceId128bit, logger: { info() {}, error() {} } })
  return Object.assign(tracer, { reported })
}

/** A hex id as a number: Java prints fixed width, jaeger-client (Node) drops leading zeros. */
const id = (hex: string | null | undefined): bigint => BigInt(`0x${hex === null || hex === undefined || hex === '' ? '0' : hex}`)
const javaTraceId = (c: JavaContext): bigint => (id(c.traceIdHigh) << 64n) | id(c.traceIdLow)

const kafka = new kafkajs.Kafka({ clientId: 'java-interop', brokers: KAFKA_BROKERS, logLevel: kafkajs.logLevel.NOTHING })

/** Every message on `topic` from the beginning, once `count` arrived (polls the condition). */
async function readMessages(topic: string, count: number, timeoutMs = 30_000): Promise<kafkajs.KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: `${topic}-node-reader` })
  await consumer.connect()
  try {
    await consumer.subscribe({ topic, fromBeginning: true })
    const messages: kafkajs.KafkaMessage[] = []
    await consumer.run({ eachMessage: async ({ message }) => { messages.push(message) } })
    await waitFor(() => messages.length >= count, timeoutMs, `${count} messages on ${topic}`)
    assert.equal(messages.length, count, `messages read from ${topic}`)
    return messages
  } finally {
    await consumer.disconnect()
  }
}

/** The Node jaeger-client context our carrier extracts equals the Java span, baggage included. */
function assertSameContext(node: NodeContext | null, java: JavaContext, what: string): void {
  assert.ok(node !== null, `${what}: a context was extracted`)
  assert.equal(id(node.traceIdStr), javaTraceId(java), `${what}: trace id`)
  assert.equal(id(node.spanIdStr), id(java.spanId), `${what}: span id`)
  assert.equal(id(node.parentIdStr), id(java.parentId), `${what}: parent id`)
  assert.equal(node.isSampled(), java.sampled, `${what}: sampled flag`)
  assert.equal(node.isDebug(), java.debug, `${what}: debug flag`)
  assert.deepEqual({ ...node.baggage }, java.baggage, `${what}: baggage`)
}

// ---- Java → Node ---------------------------------------------------------------------------

async function javaToNode(idBits: 64 | 128, sampling: 'unsampled' | 'sampled' | 'debug'): Promise<void> {
  const topic = uniqueTopic('java-to-node')
  await createTopic(topic, 1)
  const java = await runJava<{ root: JavaSpan; injected: JavaContext; producer?: JavaSpan; headers: Headers }>(
    'current', 'jaegerkafka.interop.ProduceTraced', [topic, String(idBits), sampling, ...baggageArgs(BAGGAGE)], KAFKA_BROKERS)
  // The context TracingKafkaProducer put on the record: its To_<topic> span, child of the root.
  const injected = java.injected
  assert.equal(id(injected.parentId), id(java.root.spanId), 'the producer span is a child of the Java root span')
  assert.equal(injected.traceIdHigh === '0000000000000000', idBits === 64, 'Java trace id width')
  assert.equal(injected.debug, sampling === 'debug')
  assert.equal(injected.sampled, sampling !== 'unsampled')
  assert.deepEqual(injected.baggage, BAGGAGE, 'Java kept the baggage as set')
  if (sampling === 'unsampled') {
    assert.equal(java.producer, undefined, 'an unsampled span is not reported')
  } else {
    assert.equal(java.producer?.operation, `To_${topic}`)
    assert.equal(java.producer?.spanId, injected.spanId)
    assert.deepEqual(java.producer?.references, [{ type: 'child_of', spanId: java.root.spanId }])
  }

  const [message] = await readMessages(topic, 1)
  assert.ok(message !== undefined)
  const tracer = nodeTracer('node-consumer')
  const context = extractContext(tracer, message) as NodeContext | null
  assertSameContext(context, injected, `Java ${idBits}-bit ${sampling} → Node`)
  // What the Java tracer wrote is raw TEXT_MAP: the exact strings.
  const carrier = new KafkaConsumerCarrier(message)
  for (const [key, value] of Object.entries(BAGGAGE)) assert.equal(carrier.get(`uberctx-${key}`), value, `uberctx-${key} on the wire`)
  // And a consumer span follows from the Java producer span in the same trace.
  const span = tracer.startSpan('From_java', { references: [opentracing.followsFrom(context as never)] }) as NodeSpan
  assert.equal(id(span.context().traceIdStr), javaTraceId(injected))
  assert.equal(span.getBaggageItem('mixed'), BAGGAGE.mixed)
  span.finish()
  tracer.close()
}

javaTest('Java 0.1.15 TracingKafkaProducer → Node (64-bit, sampled, baggage)', () => javaToNode(64, 'sampled'))
javaTest('Java 0.1.15 TracingKafkaProducer → Node (128-bit, debug, baggage)', () => javaToNode(128, 'debug'))
javaTest('Java 0.1.15 TracingKafkaProducer → Node (64-bit, not sampled, baggage)', () => javaToNode(64, 'unsampled'))

// ---- Node → Java ---------------------------------------------------------------------------

javaTest('Node tracedSend / injectHeaders → Java 0.1.15 consumer: extractSpanContext, buildAndFinishChildSpan (TEXT_MAP 64/128-bit, HTTP_HEADERS)', async () => {
  const topic = uniqueTopic('node-to-java')
  await createTopic(topic, 1)
  const producer = kafka.producer()
  await producer.connect()
  const sent: Record<string, { span: NodeSpan; root: NodeSpan }> = {}
  try {
    for (const [key, bits, debug, format] of [
      ['text-map-64', false, false, opentracing.FORMAT_TEXT_MAP],
      ['text-map-128-debug', true, true, opentracing.FORMAT_TEXT_MAP],
      ['http-headers-64', false, false, opentracing.FORMAT_HTTP_HEADERS],
    ] as const) {
      const tracer = nodeTracer(`node-producer-${key}`, bits)
      const root = tracer.startSpan('node-root') as NodeSpan
      if (debug) root.setTag(opentracing.Tags.SAMPLING_PRIORITY, 1)
      for (const [k, v] of Object.entries(BAGGAGE)) root.setBaggageItem(k, v)
      if (format === opentracing.FORMAT_TEXT_MAP) {
        // tracedSend's producer span (To_<topic>, finished on the ack) is what goes on the headers.
        await tracedSend(tracer, producer, { topic, messages: [{ key, value: 'from node' }] }, { childOf: root })
        const span = tracer.reported.spans.find((s) => s.operationName === `To_${topic}`)
        assert.ok(span !== undefined, 'tracedSend reported its producer span')
        sent[key] = { span, root }
      } else {
        const message = injectHeaders(tracer, root, { key, value: 'from node' }, { format })
        await producer.send({ topic, messages: [message] })
        sent[key] = { span: root, root }
      }
      root.finish()
      tracer.close()
    }
  } finally {
    await producer.disconnect()
  }

  const java = await runJava<{ records: { key: string; textMap: JavaContext | null; httpHeaders: JavaContext | string | null; headers: Headers }[]; consumerSpans: JavaSpan[] }>(
    'current', 'jaegerkafka.interop.ConsumeTraced', [topic, '3'], KAFKA_BROKERS)
  assert.equal(java.records.length, 3)
  for (const record of java.records) {
    const { span, root } = sent[record.key] ?? assert.fail(`unexpected key ${record.key}`)
    const node = span.context()
    const read = record.key.startsWith('http-headers') ? record.httpHeaders : record.textMap
    assert.ok(read !== null && typeof read === 'object', `${record.key}: Java extracted a context (${String(read)})`)
    assert.equal(javaTraceId(read), id(node.traceIdStr), `${record.key}: trace id`)
    assert.equal(read.traceIdHigh !== '0000000000000000', record.key.includes('128'), `${record.key}: 128-bit trace id`)
    assert.equal(id(read.spanId), id(node.spanIdStr), `${record.key}: span id`)
    assert.equal(id(read.parentId), id(node.parentIdStr), `${record.key}: parent id`)
    if (span !== root) assert.equal(id(read.parentId), id(root.context().spanIdStr), `${record.key}: parent is the Node root span`)
    assert.equal(read.sampled, true, `${record.key}: sampled`)
    assert.equal(read.debug, record.key.includes('debug'), `${record.key}: debug`)
    // The bug of issue 9 §1: a Java consumer must see exactly the strings the Node producer set.
    assert.deepEqual(read.baggage, BAGGAGE, `${record.key}: baggage as the Java consumer sees it`)
    // TracingKafkaConsumer's own consumer span follows from the Node span.
    const consumerSpan = java.consumerSpans.find((s) => s.references.some((r) => id(r.spanId) === id(node.spanIdStr)))
    assert.ok(consumerSpan !== undefined, `${record.key}: a Java From_ span references the Node span`)
    assert.equal(consumerSpan.references[0]?.type, 'follows_from')
    assert.equal(javaTraceId(consumerSpan), id(node.traceIdStr))
    // buildAndFinishChildSpan reads TEXT_MAP: it sees HTTP_HEADERS values still encoded, as jaeger-client does.
    const viaTextMap = record.key.startsWith('http-headers')
      ? Object.fromEntries(Object.entries(BAGGAGE).map(([k, v]) => [k, encodeURIComponent(v)]))
      : BAGGAGE
    assert.deepEqual(consumerSpan.baggage, viaTextMap, `${record.key}: baggage on the Java consumer span`)
  }
})

// ---- legacy 0.1.2 --------------------------------------------------------------------------

javaTest('Java 0.1.2 producer → Node, and 0.1.2 second_span_ headers read by our consumer carrier', async () => {
  const inTopic = uniqueTopic('legacy-in')
  const outTopic = uniqueTopic('legacy-out')
  await createTopic(inTopic, 1)
  await createTopic(outTopic, 1)
  const java = await runJava<{ root: JavaSpan; producer: JavaSpan; consumer: JavaSpan; relayedHeaders: Headers[] }>(
    'legacy', 'jaegerkafka.interop.legacy.LegacyRelay', [inTopic, outTopic, '128', 'debug', ...baggageArgs(BAGGAGE)], KAFKA_BROKERS)
  assert.equal(java.relayedHeaders.length, 1)
  const relayedKeys = (java.relayedHeaders[0] ?? []).map(([k]) => k)
  assert.ok(relayedKeys.includes('second_span_uber-trace-id'), `0.1.2 wrote second_span_ headers: ${relayedKeys.join(', ')}`)
  assert.deepEqual(java.consumer.references, [{ type: 'follows_from', spanId: java.producer.spanId }])

  const tracer = nodeTracer('node-legacy')
  const [first] = await readMessages(inTopic, 1)
  assertSameContext(extractContext(tracer, first) as NodeContext | null, java.producer, 'Java 0.1.2 producer → Node')
  const [relayed] = await readMessages(outTopic, 1)
  // With legacySecondSpan, second_span_* (the Java consumer span) wins over the producer's headers.
  assertSameContext(extractContext(tracer, relayed, { legacySecondSpan: true }) as NodeContext | null, java.consumer, 'Java 0.1.2 second_span_ → Node')
  // By default (off) the same message reads as the producer's context.
  assertSameContext(extractContext(tracer, relayed) as NodeContext | null, java.producer, 'second_span_ ignored by default')
  tracer.close()
})

// ---- a Java-serialised Batch through `jaeger-kafka forward` --------------------------------------

javaTest('Java jaeger-thrift Batch (TBinaryProtocol) → jaeger-kafka forward → Jaeger', async () => {
  const topic = uniqueTopic('java-batch')
  await createTopic(topic, 1)
  const random = (): string => Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, '0')).join('')
  const [high, low] = [random(), random()]
  const first = `1${random().slice(1, 12)}0000` // room for count consecutive ids
  const service = `java-batch-${random().slice(0, 6)}`
  const count = 5
  const java = await runJava<{ bytes: number; spanIds: string[] }>(
    'current', 'jaegerkafka.interop.ProduceBatch', [topic, service, high, low, first, String(count)], KAFKA_BROKERS)
  assert.equal(java.spanIds.length, count)

  const forwarder = spawn(process.execPath, ['--import=tsx', 'cli/bin.ts', 'forward', '--brokers', KAFKA_BROKERS.join(','), '--topic', topic, '--group', `${topic}-fwd`, '--collector', JAEGER_COLLECTOR_URL, '--metrics-port', '0'],
    { stdio: ['ignore', 'inherit', 'inherit'] })
  const exited = new Promise<number | null>((resolve) => forwarder.on('close', resolve))
  try {
    const traceId = `${high}${low}`
    const trace = await waitForTrace(traceId, count, 60_000)
    assert.equal(trace.spans.length, count, 'spans of the trace in Jaeger')
    assert.deepEqual(trace.spans.map((s) => s.spanID.padStart(16, '0')).sort(), [...java.spanIds].sort())
    const firstSpan = trace.spans.find((s) => id(s.spanID) === id(java.spanIds[0]))
    assert.ok(firstSpan !== undefined)
    assert.equal(trace.processes[firstSpan.processID]?.serviceName, service)
    for (const span of trace.spans) {
      assert.equal(id(span.traceID), (id(high) << 64n) | id(low))
      if (span !== firstSpan) assert.deepEqual(span.references.map((r) => [r.refType, id(r.spanID)]), [['CHILD_OF', id(java.spanIds[0])]])
    }
    // Still exactly `count` once the forwarder had time for any duplicate.
    assert.equal((await getTrace(traceId))?.spans.length, count)
  } finally {
    forwarder.kill('SIGTERM')
    assert.equal(await exited, 0, 'forwarder exits 0 on SIGTERM')
  }
})
