// SPDX-License-Identifier: Apache-2.0
// The forwarder's metrics registry, Prometheus text and HTTP handler.
import assert from 'node:assert/strict'
import { test } from '../support/harness.ts'
import { createMetricsRegistry, formatValue, PROMETHEUS_CONTENT_TYPE } from '../../forwarder/metrics-registry.ts'
import { createForwarderMetrics } from '../../forwarder/metrics.ts'
import { createForwarderHttpHandler } from '../../forwarder/http-handler.ts'
import type { ForwarderHealth } from '../../forwarder/http-handler.ts'

// One sample line: name, optional labels, value (the text format grammar, simplified).
const SAMPLE = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\["\\n])*",?)*\})? (-?[0-9.e+-]+|\+Inf|-Inf|NaN)$/

function checkExposition(text: string): void {
  assert.ok(text.endsWith('\n'), 'ends with a newline')
  const typed = new Set<string>()
  for (const line of text.trimEnd().split('\n')) {
    if (line.startsWith('# HELP ')) continue
    const type = /^# TYPE (\S+) (counter|gauge|histogram)$/.exec(line)
    if (type) {
      assert.ok(!typed.has(type[1]!), `TYPE ${type[1]} appears once`)
      typed.add(type[1]!)
      continue
    }
    assert.match(line, SAMPLE)
  }
}

test('the registry renders counters, gauges and histograms in the Prometheus text format', () => {
  const registry = createMetricsRegistry()
  const counter = registry.counter('demo_requests_total', 'Requests.\nSecond line with \\ backslash.', ['status'])
  const gauge = registry.gauge('demo_lag', 'Lag.', ['topic', 'partition'])
  const histogram = registry.histogram('demo_seconds', 'Latency.', [0.1, 1])
  counter.inc({ status: '202' })
  counter.inc({ status: '202' }, 2)
  counter.inc({ status: 'a"b\\c\nd' })
  gauge.set({ topic: 't', partition: '0' }, 42)
  histogram.observe(0.05)
  histogram.observe(0.5)
  histogram.observe(7)
  const text = registry.render()
  checkExposition(text)
  assert.match(text, /^# HELP demo_requests_total Requests\.\\nSecond line with \\\\ backslash\.$/m)
  assert.match(text, /^demo_requests_total\{status="202"\} 3$/m)
  assert.match(text, /^demo_requests_total\{status="a\\"b\\\\c\\nd"\} 1$/m)
  assert.match(text, /^demo_lag\{topic="t",partition="0"\} 42$/m)
  assert.match(text, /^demo_seconds_bucket\{le="0.1"\} 1$/m)
  assert.match(text, /^demo_seconds_bucket\{le="1"\} 2$/m)
  assert.match(text, /^demo_seconds_bucket\{le="\+Inf"\} 3$/m)
  assert.match(text, /^demo_seconds_sum 7.55$/m)
  assert.match(text, /^demo_seconds_count 3$/m)
  assert.equal(counter.get({ status: '202' }), 3)
})

test('the registry rejects invalid names, duplicate metrics and negative counter increments', () => {
  const registry = createMetricsRegistry()
  registry.counter('ok_total', 'x')
  assert.throws(() => registry.counter('ok_total', 'x'), TypeError)
  assert.throws(() => registry.counter('bad-name', 'x'), TypeError)
  assert.throws(() => registry.gauge('g', 'x', ['le']), TypeError)
  assert.throws(() => registry.counter('c_total', 'x').inc(undefined, -1), RangeError)
  assert.equal(formatValue(Infinity), '+Inf')
  assert.equal(formatValue(Number.NaN), 'NaN')
})

test('forwarder metrics report consumed, forwarded, posts by status, retries, dead letters and lag', () => {
  const metrics = createForwarderMetrics()
  metrics.setPartitionSource(() => [
    { topic: 'spans', partition: 0, queued: 3, inFlight: 2, retrying: true, paused: false },
    { topic: 'spans', partition: 1, queued: 0, inFlight: 0, retrying: false, paused: false },
  ])
  metrics.consumed('spans', 0, 4, 10)
  metrics.forwarded('spans', 0, 5)
  metrics.post('202', 0.004)
  metrics.post('503', 0.002)
  metrics.post('network', 0.001)
  metrics.retry('503')
  metrics.deadLettered('thrift-decode')
  metrics.commit(true)
  metrics.committed('spans', 0, 7n)
  metrics.highWatermark('spans', 0, 20n)
  metrics.highWatermark('spans', 0, 12n) // an older fetch must not lower it
  metrics.highWatermark('spans', 1, 5n)
  metrics.setUp(true)

  const snap = metrics.snapshot()
  assert.equal(snap.recordsConsumed, 4)
  assert.equal(snap.spansConsumed, 10)
  assert.equal(snap.spansForwarded, 5)
  assert.deepEqual(snap.posts, { '202': 1, '503': 1, network: 1 })
  assert.equal(snap.retries, 1)
  assert.deepEqual(snap.deadLettered, { 'thrift-decode': 1 })
  assert.equal(snap.postLatencySeconds.count, 3)
  const p0 = snap.partitions.find((p) => p.partition === 0)!
  assert.equal(p0.committedOffset, '7')
  assert.equal(p0.highWatermark, '20')
  assert.equal(p0.lag, 13)
  assert.equal(snap.partitions.find((p) => p.partition === 1)!.lag, undefined, 'no lag without a committed offset')

  const text = metrics.render()
  checkExposition(text)
  assert.match(text, /^jaeger_kafka_forwarder_posts_total\{status="503"\} 1$/m)
  assert.match(text, /^jaeger_kafka_forwarder_lag_records\{topic="spans",partition="0"\} 13$/m)
  assert.match(text, /^jaeger_kafka_forwarder_committed_offset\{topic="spans",partition="0"\} 7$/m)
  assert.match(text, /^jaeger_kafka_forwarder_partition_retrying\{topic="spans",partition="0"\} 1$/m)
  assert.match(text, /^jaeger_kafka_forwarder_dead_lettered_total\{reason="thrift-decode"\} 1$/m)
  assert.match(text, /^jaeger_kafka_forwarder_up 1$/m)
  assert.match(text, /^jaeger_kafka_forwarder_post_duration_seconds_count 3$/m)

  metrics.forget('spans', 0)
  assert.doesNotMatch(metrics.render(), /committed_offset\{topic="spans",partition="0"\}/)
})

function health(overrides: Partial<ForwarderHealth> = {}): ForwarderHealth {
  return { status: 'running', healthy: true, topic: 't', groupId: 'g', partitions: 1, retryingPartitions: 0, ...overrides }
}

test('the HTTP handler serves /metrics as Prometheus text and /healthz as JSON', async () => {
  let current = health()
  const handler = createForwarderHttpHandler({ metricsText: async () => 'x_total 1\n', health: () => current })
  const metrics = await handler(new Request('http://localhost/metrics'))
  assert.equal(metrics.status, 200)
  assert.equal(metrics.headers.get('content-type'), PROMETHEUS_CONTENT_TYPE)
  assert.equal(await metrics.text(), 'x_total 1\n')

  const ok = await handler(new Request('http://localhost/healthz'))
  assert.equal(ok.status, 200)
  assert.equal(((await ok.json()) as ForwarderHealth).status, 'running')

  current = health({ status: 'failed', healthy: false, error: 'consumer crashed' })
  const failed = await handler(new Request('http://localhost/healthz'))
  assert.equal(failed.status, 503)
  assert.equal(((await failed.json()) as ForwarderHealth).error, 'consumer crashed')

  assert.equal((await handler(new Request('http://localhost/other'))).status, 404)
  assert.equal((await handler(new Request('http://localhost/metrics', { method: 'POST', body: 'x' }))).status, 405)
  const head = await handler(new Request('http://localhost/metrics', { method: 'HEAD' }))
  assert.equal(head.status, 200)
  assert.equal(await head.text(), '')
})
