// SPDX-License-Identifier: Apache-2.0
// `jaeger-kafka agent` against the real peers: unchanged jaeger-client apps
// (child processes on Node, no jaeger-kafka code) report to the agent over
// UDP (binary, their default) and HTTP (/api/traces); the agent puts every
// span on the topic; our forwarder moves them into the real Jaeger, where the
// exact count is read back. /api/traces answers 202 only for spans on the
// topic and 503 + Retry-After when Kafka is unreachable. The CLI runs once in
// a child process: metrics, healthz, SIGTERM → exit 0 with everything flushed.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from '../support/harness.ts'
import { makeBatch } from '../support/forwarder-fakes.ts'
import { runClientApp } from '../support/run-client-app.ts'
import { JAEGER_COLLECTOR_URL, KAFKA_BROKERS, uniqueTopic } from '../support/peers.ts'
import { startChild, stopChild } from '../support/faults.ts'
import { waitForSpanCensus } from '../support/span-census.ts'
import { createTopic, spanIdsOn } from '../support/span-topic.ts'
import { startAgent } from '../../agent/agent.node.ts'
import type { RunningAgent } from '../../agent/agent.node.ts'
import { createForwarder } from '../../forwarder/forwarder.ts'

const LOOPBACK = { compact: '127.0.0.1:0', binary: '127.0.0.1:0', http: '127.0.0.1:0', sampling: '127.0.0.1:0', admin: '127.0.0.1:0' }
const silent = { info: () => {}, error: () => {} }

/** Forward `topic` into the real Jaeger until every expected span of `traceIds` is there; the exact census. */
async function censusInJaeger(topic: string, traceIds: readonly string[], spansPerTrace: number) {
  const forwarder = createForwarder({ brokers: KAFKA_BROKERS, topic, groupId: `${topic}-fwd`, collectorUrl: JAEGER_COLLECTOR_URL, logger: silent })
  await forwarder.start()
  try {
    return await waitForSpanCensus(new Map(traceIds.map((id) => [id, spansPerTrace])))
  } finally {
    await forwarder.stop()
  }
}

async function withAgent<T>(topic: string, body: (agent: RunningAgent) => Promise<T>, brokers = KAFKA_BROKERS): Promise<T> {
  const agent = await startAgent({ listen: LOOPBACK, spool: false, kafka: { kafka: { brokers }, topic, closeTimeoutMs: 5_000 } })
  try {
    return await body(agent)
  } finally {
    await agent.close()
  }
}

test('an unchanged jaeger-client app (default UDPSender, binary) → agent → Kafka → forwarder → Jaeger: every span, exactly once', async () => {
  const topic = uniqueTopic('agent-udp')
  await createTopic(topic)
  const TRACES = 60
  const SPANS = 5
  await withAgent(topic, async (agent) => {
    const app = await runClientApp({ JAEGER_AGENT_HOST: '127.0.0.1', JAEGER_AGENT_PORT: String(agent.ports.binary), JAEGER_SERVICE_NAME: topic, APP_TRACES: String(TRACES), APP_SPANS: String(SPANS) })
    assert.deepEqual(app.errors, [])
    assert.equal(app.traceIds.length, TRACES)
    // The agent answers nothing over UDP: wait until it has passed every span to Kafka.
    const deadline = Date.now() + 30_000
    while (agent.stats().sender.spansDelivered < TRACES * SPANS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    const stats = agent.stats()
    assert.equal(stats.spans.binary, TRACES * SPANS, 'spans decoded from datagrams')
    assert.deepEqual(stats.datagrams.binary.malformed, {})
    assert.equal(stats.datagrams.binary.tooLarge, 0)
    assert.equal(stats.sender.spansDelivered, TRACES * SPANS)
    const census = await censusInJaeger(topic, app.traceIds, SPANS)
    assert.deepEqual(census, { unique: TRACES * SPANS, duplicates: 0, missing: 0, extra: 0, incompleteTraces: [] })
  })
})

test("jaeger-client's HTTPSender → agent /api/traces → Jaeger: every span; a 202 means the spans are already on the topic", async () => {
  const topic = uniqueTopic('agent-http')
  await createTopic(topic)
  const TRACES = 30
  const SPANS = 4
  await withAgent(topic, async (agent) => {
    const app = await runClientApp({ JAEGER_ENDPOINT: `http://127.0.0.1:${agent.ports.http}/api/traces`, JAEGER_SERVICE_NAME: topic, APP_TRACES: String(TRACES), APP_SPANS: String(SPANS) })
    assert.deepEqual(app.errors, [], 'the HTTPSender got only 2xx answers')
    const stats = agent.stats()
    assert.equal(stats.spans.http, TRACES * SPANS)
    assert.ok((stats.httpResponses[202] ?? 0) >= 1)
    assert.deepEqual(Object.keys(stats.httpResponses), ['202'])
    // Every 202 was sent after the broker acknowledged: the sender already counts every span delivered.
    assert.equal(stats.sender.spansDelivered, TRACES * SPANS)
    const census = await censusInJaeger(topic, app.traceIds, SPANS)
    assert.deepEqual(census, { unique: TRACES * SPANS, duplicates: 0, missing: 0, extra: 0, incompleteTraces: [] })

    // One POST by hand: as soon as it is answered 202, its spans can be read from the topic.
    const { bytes, spanIds } = makeBatch({ spans: 3, service: topic })
    const response = await fetch(`http://127.0.0.1:${agent.ports.http}/api/traces`, { method: 'POST', headers: { 'content-type': 'application/x-thrift' }, body: bytes as Uint8Array<ArrayBuffer> })
    assert.equal(response.status, 202)
    const onTopic = await spanIdsOn(topic, TRACES * SPANS + 3, 5_000)
    for (const id of spanIds) assert.ok(onTopic.includes(id.toString(16)), `span ${id.toString(16)} is on the topic`)
  })
})

test('/api/traces with Kafka unreachable and no spool: no 202, but 503 with Retry-After once the safe timeout passed', async () => {
  const topic = uniqueTopic('agent-http-down')
  // Nothing listens on port 1 of the loopback: the sender can never deliver.
  const agent = await startAgent({ listen: LOOPBACK, spool: false, httpSafeTimeoutMs: 1_500, kafka: { kafka: { brokers: ['127.0.0.1:1'] }, topic, closeTimeoutMs: 1_000 } })
  try {
    const { bytes } = makeBatch({ spans: 2 })
    const response = await fetch(`http://127.0.0.1:${agent.ports.http}/api/traces`, { method: 'POST', headers: { 'content-type': 'application/x-thrift' }, body: bytes as Uint8Array<ArrayBuffer> })
    assert.equal(response.status, 503)
    assert.equal(response.headers.get('retry-after'), '5')
    assert.match(await response.text(), /Cannot confirm the spans are safe within 1500 ms/)
    assert.equal(agent.stats().sender.spansDelivered, 0)
    const malformed = await fetch(`http://127.0.0.1:${agent.ports.http}/api/traces`, { method: 'POST', headers: { 'content-type': 'application/x-thrift' }, body: new Uint8Array([1, 2, 3]) })
    assert.equal(malformed.status, 400)
    assert.deepEqual(agent.stats().httpResponses, { 400: 1, 503: 1 })
  } finally {
    await agent.close()
  }
  // Closing counted the undeliverable spans as dropped, none silently lost.
  const stats = agent.stats().sender
  assert.equal(stats.spansDropped.closed, 2)
})

test('the CLI: `jaeger-kafka agent` serves /metrics and /healthz, and SIGTERM flushes every span to Kafka and exits 0', async () => {
  const topic = uniqueTopic('agent-cli')
  await createTopic(topic)
  const flags = [
    'agent',
    '--processor.jaeger-compact.server-host-port', '127.0.0.1:0',
    '--processor.jaeger-binary.server-host-port', '127.0.0.1:0',
    '--collector.http-server.host-port', '127.0.0.1:0',
    '--http-server.host-port', '127.0.0.1:0',
    '--admin.http.host-port', '127.0.0.1:0',
  ]
  const spoolDir = mkdtempSync(join(tmpdir(), 'agent-cli-spool-'))
  const child = startChild('cli/bin.ts', { JAEGER_KAFKA_BROKERS: KAFKA_BROKERS.join(','), JAEGER_KAFKA_TOPIC: topic, JAEGER_KAFKA_SPOOL_DIR: spoolDir }, flags, 'jaeger-kafka agent: ready')
  try {
    await child.ready
    const line = child.stdout().split('\n').find((l) => l.startsWith('jaeger-kafka agent: ready'))!
    const ports = JSON.parse(line.slice('jaeger-kafka agent: ready '.length)) as Record<string, number>
    const TRACES = 20
    const SPANS = 3
    const app = await runClientApp({ JAEGER_AGENT_HOST: '127.0.0.1', JAEGER_AGENT_PORT: String(ports.binary), JAEGER_SERVICE_NAME: topic, APP_TRACES: String(TRACES), APP_SPANS: String(SPANS) })
    assert.deepEqual(app.errors, [])
    const health = await fetch(`http://127.0.0.1:${ports.admin}/healthz`)
    assert.equal(health.status, 200)
    const body = (await health.json()) as { status: string; healthy: boolean; ports: Record<string, number> }
    assert.equal(body.status, 'running')
    assert.equal(body.ports.binary, ports.binary)
    // Stop right after the datagrams arrived: whatever is still buffered must be flushed by SIGTERM.
    let metrics = ''
    const deadline = Date.now() + 20_000
    while (!new RegExp(`^jaeger_kafka_agent_spans_received_total\\{transport="binary"\\} ${TRACES * SPANS}$`, 'm').test(metrics) && Date.now() < deadline) {
      metrics = await (await fetch(`http://127.0.0.1:${ports.admin}/metrics`)).text()
      await new Promise((r) => setTimeout(r, 50))
    }
    assert.match(metrics, new RegExp(`^jaeger_kafka_agent_datagrams_received_total\\{protocol="binary"\\} \\d+$`, 'm'))
    assert.match(metrics, /^jaeger_kafka_agent_udp_receive_buffer_bytes\{protocol="binary"\} \d+$/m)
    assert.match(metrics, /^jaeger_kafka_agent_up 1$/m)
    const exit = await stopChild(child, 'SIGTERM')
    assert.deepEqual(exit, { code: 0, signal: null }, child.stderr())
    assert.match(child.stderr(), new RegExp(`stopped after ${TRACES * SPANS} spans delivered, none dropped`))
    const onTopic = await spanIdsOn(topic, TRACES * SPANS)
    assert.equal(onTopic.length, TRACES * SPANS)
    assert.equal(new Set(onTopic).size, TRACES * SPANS)
  } finally {
    await stopChild(child, 'SIGKILL')
    rmSync(spoolDir, { recursive: true, force: true })
  }
})

test('spool on, Kafka unreachable: /api/traces answers 202 once the spans are on disk; the restarted agent replays them all to Kafka', async () => {
  const topic = uniqueTopic('agent-spool')
  await createTopic(topic)
  const dir = mkdtempSync(join(tmpdir(), 'agent-spool-'))
  const BATCHES = 12
  const SPANS = 5
  const expected: string[] = []
  try {
    const down = await startAgent({ listen: LOOPBACK, spool: { dir }, kafka: { kafka: { brokers: ['127.0.0.1:1'] }, topic, closeTimeoutMs: 2_000 } })
    try {
      for (let i = 0; i < BATCHES; i++) {
        const { bytes, spanIds } = makeBatch({ spans: SPANS, service: topic })
        const response = await fetch(`http://127.0.0.1:${down.ports.http}/api/traces`, { method: 'POST', headers: { 'content-type': 'application/x-thrift' }, body: bytes as Uint8Array<ArrayBuffer> })
        assert.equal(response.status, 202, await response.text())
        expected.push(...spanIds.map((id) => id.toString(16)))
      }
      const stats = down.stats()
      assert.equal(stats.spool?.pending.spans, BATCHES * SPANS, 'every span is waiting in the spool')
      assert.equal(stats.sender.spansDelivered, BATCHES * SPANS)
      const metrics = down.metricsText()
      assert.match(metrics, new RegExp(`^jaeger_kafka_agent_spool\\{stat="pending_spans"\\} ${BATCHES * SPANS}$`, 'm'))
    } finally {
      await down.close()
    }
    // Same spool directory, Kafka reachable: what the first run spooled goes to the topic.
    const up = await startAgent({ listen: LOOPBACK, spool: { dir }, kafka: { kafka: { brokers: KAFKA_BROKERS }, topic } })
    try {
      const deadline = Date.now() + 30_000
      while ((up.stats().spool?.pending.spans ?? 0) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
      assert.equal(up.stats().spool?.pending.spans, 0)
      assert.equal(up.stats().spool?.replayed.spans, BATCHES * SPANS)
    } finally {
      await up.close()
    }
    const onTopic = await spanIdsOn(topic, BATCHES * SPANS)
    assert.equal(onTopic.length, BATCHES * SPANS, 'each spooled span once')
    assert.deepEqual([...onTopic].sort(), [...expected].sort())
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
