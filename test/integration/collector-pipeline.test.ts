// SPDX-License-Identifier: Apache-2.0
// The OpenTelemetry Collector pipeline of docs/reading-the-span-topic.md, run
// with the peers' `jaeger` binary (an OTel Collector distribution carrying
// collector-contrib v0.140.1's kafka receiver and the collector's v0.140.0
// otlphttp exporter): kafka receivers (otlp_proto and jaeger_proto topics) →
// otlphttp exporter → the main Jaeger's OTLP/HTTP receiver. The drop-in app
// writes both topics; every span must be in the main Jaeger exactly once.
import assert from 'node:assert/strict'
import { test } from '../support/harness.ts'
import { dropInAppEnv, withEnv } from '../support/env.ts'
import { JAEGER_OTLP_URL, JAEGER_QUERY_URL, KAFKA_BROKERS, getTrace, uniqueTopic, waitForTrace } from '../support/peers.ts'
import { createTopics, waitUntilCommittedToEnd } from '../support/forwarder-kafka.ts'
import { freePort, metricSum, startCollector } from '../support/jaeger-process.ts'
import type { SpanEncoding } from '../../src/kafka/span-record.ts'
import { initTracerFromEnv } from '../../senders/init-tracer.ts'

const TRACES = 6
const SPANS_PER_TRACE = 3

/**
 * The page's collector config with this run's brokers, topics, group and ports.
 * Commit-after-export: the exporter's queue is off, so the receiver's
 * ConsumeTraces returns only once Jaeger answered (message_marking after: true
 * commits then); retries never give up (max_elapsed_time 0).
 */
function collectorConfig(o: { brokers: string[]; otlpTopic: string; jaegerProtoTopic: string; groupId: string; tracesEndpoint: string; metricsPort: number }): string {
  const receiver = (topic: string, encoding: string) => `
    brokers: ${JSON.stringify(o.brokers)}
    group_id: ${JSON.stringify(o.groupId)}
    initial_offset: earliest
    traces: {topic: ${JSON.stringify(topic)}, encoding: ${encoding}}
    message_marking: {after: true, on_error: false, on_permanent_error: true}`
  return `receivers:
  kafka/otlp:${receiver(o.otlpTopic, 'otlp_proto')}
  kafka/jaeger_proto:${receiver(o.jaegerProtoTopic, 'jaeger_proto')}
exporters:
  otlphttp:
    traces_endpoint: ${JSON.stringify(o.tracesEndpoint)}
    sending_queue: {enabled: false}
    retry_on_failure: {enabled: true, max_elapsed_time: 0}
service:
  pipelines:
    traces: {receivers: [kafka/otlp, kafka/jaeger_proto], exporters: [otlphttp]}
  telemetry:
    logs: {level: warn}
    metrics:
      level: normal
      readers: [{pull: {exporter: {prometheus: {host: "127.0.0.1", port: ${o.metricsPort}}}}}]
    traces: {level: none}
`
}

/** The drop-in app on `encoding`: TRACES traces of a root, a child and a grandchild. */
async function runApp(topic: string, service: string, encoding: SpanEncoding): Promise<string[]> {
  const errors: string[] = []
  const traces: string[] = []
  await withEnv(dropInAppEnv(topic, service, encoding), async () => {
    const tracer = initTracerFromEnv({}, { logger: { info: () => {}, error: (m: string) => errors.push(m) } })
    for (let i = 0; i < TRACES; i++) {
      const root = tracer.startSpan('GET /orders')
      const child = tracer.startSpan('SELECT orders', { childOf: root })
      tracer.startSpan('read row', { childOf: child }).finish()
      child.finish()
      root.finish()
      traces.push(root.context().toTraceId().padStart(16, '0'))
    }
    await new Promise<void>((resolve) => tracer.close(() => resolve()))
  })
  assert.deepEqual(errors, [], 'the tracer logged no error')
  return traces
}

test('OTel Collector pipeline (the jaeger binary): kafka receivers otlp_proto + jaeger_proto → otlphttp → Jaeger shows every span exactly once', async () => {
  const otlpTopic = uniqueTopic('collector-otlp')
  const jaegerProtoTopic = uniqueTopic('collector-jaeger-proto')
  const groupId = `${otlpTopic}-otel-collector`
  await createTopics([{ topic: otlpTopic, partitions: 3 }, { topic: jaegerProtoTopic, partitions: 3 }])
  const metricsPort = await freePort()
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`
  const collector = await startCollector(collectorConfig({ brokers: KAFKA_BROKERS, otlpTopic, jaegerProtoTopic, groupId, tracesEndpoint: JAEGER_OTLP_URL, metricsPort }), metricsUrl)
  try {
    const services = { otlp_proto: uniqueTopic('collector-app-otlp'), jaeger_proto: uniqueTopic('collector-app-jproto') }
    const sent = {
      otlp_proto: await runApp(otlpTopic, services.otlp_proto, 'otlp_proto'),
      jaeger_proto: await runApp(jaegerProtoTopic, services.jaeger_proto, 'jaeger_proto'),
    }
    // Committed after export (sending queue off): once at the end, Jaeger accepted everything.
    await waitUntilCommittedToEnd(groupId, otlpTopic, 60_000)
    await waitUntilCommittedToEnd(groupId, jaegerProtoTopic, 60_000)
    let total = 0
    for (const encoding of ['otlp_proto', 'jaeger_proto'] as const) {
      for (const traceId of sent[encoding]) {
        await waitForTrace(traceId, SPANS_PER_TRACE, 30_000, JAEGER_QUERY_URL)
        const trace = (await getTrace(traceId))!
        assert.equal(trace.spans.length, SPANS_PER_TRACE, `${encoding} trace ${traceId}: exactly ${SPANS_PER_TRACE} spans`)
        assert.equal(new Set(trace.spans.map((s) => s.spanID)).size, SPANS_PER_TRACE)
        const root = trace.spans.find((s) => s.operationName === 'GET /orders')!
        const child = trace.spans.find((s) => s.operationName === 'SELECT orders')!
        const leaf = trace.spans.find((s) => s.operationName === 'read row')!
        assert.deepEqual(child.references, [{ refType: 'CHILD_OF', traceID: traceId, spanID: root.spanID }])
        assert.deepEqual(leaf.references, [{ refType: 'CHILD_OF', traceID: traceId, spanID: child.spanID }])
        assert.equal(trace.processes[root.processID]?.serviceName, services[encoding])
        total += trace.spans.length
      }
    }
    assert.equal(total, 2 * TRACES * SPANS_PER_TRACE)
    assert.equal(await metricSum(metricsUrl, 'otelcol_receiver_accepted_spans_total'), total, 'the kafka receivers accepted every span')
    assert.equal(await metricSum(metricsUrl, 'otelcol_exporter_sent_spans_total'), total, 'otlphttp sent every span')
    assert.equal(await metricSum(metricsUrl, 'otelcol_exporter_send_failed_spans_total') ?? 0, 0)
    assert.equal(await metricSum(metricsUrl, 'otelcol_kafka_receiver_unmarshal_failed_spans_total') ?? 0, 0)
  } finally {
    await collector.stop()
  }
}, { timeout: 120_000 })
