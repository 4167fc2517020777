// SPDX-License-Identifier: Apache-2.0
// The agent's UDP ports and sampling port against the real broker:
//   - compact-protocol emitBatch datagrams written by Apache Thrift's own
//     TCompactProtocol (an independent writer) → every span on the topic;
//   - garbage (random bytes, truncated datagrams, binary into the compact
//     port and back, a wrong method, empty, max-size and over-size) mixed
//     into valid traffic from an unchanged jaeger-client app: every valid
//     span on the topic, every bad datagram counted by reason in /metrics,
//     the agent still healthy;
//   - GET /sampling?service= and the legacy /?service= from a strategies file.
import assert from 'node:assert/strict'
import { createSocket } from 'node:dgram'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from '../support/harness.ts'
import { apacheEmitBatch } from '../support/apache-thrift.ts'
import { prng } from '../support/prng.ts'
import { runClientApp } from '../support/run-client-app.ts'
import { KAFKA_BROKERS, uniqueTopic } from '../support/peers.ts'
import { createTopic, spanIdsOn } from '../support/span-topic.ts'
import { startAgent } from '../../agent/agent.node.ts'
import type { JaegerBatch } from '../../src/codec/thrift/jaeger-types.ts'

const LOOPBACK = { compact: '127.0.0.1:0', binary: '127.0.0.1:0', http: '127.0.0.1:0', sampling: '127.0.0.1:0', admin: '127.0.0.1:0' }

/** Send each datagram to 127.0.0.1:port, one at a time. */
async function sendDatagrams(port: number, datagrams: readonly Uint8Array[]): Promise<void> {
  const socket = createSocket('udp4')
  try {
    for (const datagram of datagrams) {
      await new Promise<void>((resolve, reject) => socket.send(datagram, port, '127.0.0.1', (error) => (error ? reject(error) : resolve())))
    }
  } finally {
    socket.close()
  }
}

function batchOf(service: string, traceId: bigint, spans: number): JaegerBatch {
  return {
    process: { serviceName: service, tags: [] },
    spans: Array.from({ length: spans }, (_, i) => ({
      traceIdLow: traceId,
      traceIdHigh: 0n,
      spanId: traceId * 100n + BigInt(i + 1),
      parentSpanId: 0n,
      operationName: `compact-${i}`,
      flags: 1,
      startTime: BigInt(Date.now()) * 1000n,
      duration: 10n,
      tags: [],
    })),
  }
}

/** Random bytes whose first byte (0) is no protocol's: every decoder calls them the wrong protocol. */
function garbage(random: () => number, length: number): Uint8Array {
  const bytes = Uint8Array.from({ length }, () => Math.floor(random() * 256))
  if (length > 0) bytes[0] = 0
  return bytes
}

async function until(check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
}

test('compact emitBatch datagrams written by Apache Thrift TCompactProtocol → agent → every span on the topic', async () => {
  const topic = uniqueTopic('agent-compact')
  await createTopic(topic)
  const agent = await startAgent({ listen: LOOPBACK, spool: false, kafka: { kafka: { brokers: KAFKA_BROKERS }, topic } })
  const BATCHES = 25
  const SPANS = 4
  try {
    const datagrams = Array.from({ length: BATCHES }, (_, i) => apacheEmitBatch('compact', batchOf(topic, BigInt(1000 + i), SPANS), { seqId: i }))
    await sendDatagrams(agent.ports.compact!, datagrams)
    await until(() => agent.stats().sender.spansDelivered >= BATCHES * SPANS)
    const stats = agent.stats()
    assert.equal(stats.datagrams.compact.received, BATCHES)
    assert.deepEqual(stats.datagrams.compact.malformed, {})
    assert.equal(stats.spans.compact, BATCHES * SPANS)
    assert.equal(stats.sender.spansDelivered, BATCHES * SPANS)
  } finally {
    await agent.close()
  }
  const ids = await spanIdsOn(topic, BATCHES * SPANS)
  assert.equal(ids.length, BATCHES * SPANS)
  assert.equal(new Set(ids).size, BATCHES * SPANS)
})

test('garbage mixed into valid UDP traffic: every valid span delivered, every bad datagram counted by reason, the agent alive', async () => {
  const topic = uniqueTopic('agent-garbage')
  await createTopic(topic)
  // jaeger-agent's 65000-byte max packet size (the default takes every IPv4 datagram), so oversize datagrams exist.
  const agent = await startAgent({ listen: LOOPBACK, spool: false, maxPacketSize: 65_000, kafka: { kafka: { brokers: KAFKA_BROKERS }, topic } })
  const random = prng(13)
  const TRACES = 40
  const SPANS = 5
  const COMPACT_BATCHES = 10
  const COMPACT_SPANS = 3
  try {
    const valid = (protocol: 'compact' | 'binary', i: number) => apacheEmitBatch(protocol, batchOf(topic, BigInt(5000 + i), COMPACT_SPANS), { seqId: i })
    const goodCompact = Array.from({ length: COMPACT_BATCHES }, (_, i) => valid('compact', i))
    const sample = valid('binary', 99)
    const sampleCompact = valid('compact', 98)
    // Per port: datagram → the reason it must be counted under.
    const bad = {
      binary: [
        ...Array.from({ length: 5 }, () => [garbage(random, 1 + Math.floor(random() * 500)), 'wrong_protocol'] as const),
        [sampleCompact, 'wrong_protocol'] as const,
        [sample.subarray(0, sample.length - 7), 'truncated'] as const,
        [sample.subarray(0, 30), 'truncated'] as const,
        [apacheEmitBatch('binary', batchOf(topic, 1n, 1), { name: 'emitZipkinBatch' }), 'wrong_method'] as const,
        [new Uint8Array(0), 'empty'] as const,
        [garbage(random, 65_000), 'wrong_protocol'] as const,
      ],
      compact: [
        ...Array.from({ length: 5 }, () => [garbage(random, 1 + Math.floor(random() * 500)), 'wrong_protocol'] as const),
        [sample, 'wrong_protocol'] as const,
        [sampleCompact.subarray(0, sampleCompact.length - 5), 'truncated'] as const,
        [apacheEmitBatch('compact', batchOf(topic, 2n, 1), { name: 'emitZipkinBatch' }), 'wrong_method'] as const,
        [new Uint8Array(0), 'empty'] as const,
        [garbage(random, 65_000), 'wrong_protocol'] as const,
      ],
    }
    const oversize = { binary: [garbage(random, 65_001), garbage(random, 65_507)], compact: [garbage(random, 65_100)] }
    const app = runClientApp({ JAEGER_AGENT_HOST: '127.0.0.1', JAEGER_AGENT_PORT: String(agent.ports.binary), JAEGER_SERVICE_NAME: topic, APP_TRACES: String(TRACES), APP_SPANS: String(SPANS) })
    // Interleave garbage with valid compact batches while the app sends its binary datagrams.
    for (let i = 0; i < COMPACT_BATCHES; i++) {
      await sendDatagrams(agent.ports.compact!, [goodCompact[i]!])
      if (i < bad.binary.length) await sendDatagrams(agent.ports.binary!, [bad.binary[i]![0]])
      if (i < bad.compact.length) await sendDatagrams(agent.ports.compact!, [bad.compact[i]![0]])
    }
    await sendDatagrams(agent.ports.binary!, [...bad.binary.slice(COMPACT_BATCHES).map(([d]) => d), ...oversize.binary])
    await sendDatagrams(agent.ports.compact!, [...bad.compact.slice(COMPACT_BATCHES).map(([d]) => d), ...oversize.compact])
    assert.deepEqual((await app).errors, [])
    const validSpans = TRACES * SPANS + COMPACT_BATCHES * COMPACT_SPANS
    const badTotal = bad.binary.length + bad.compact.length
    await until(() => {
      const s = agent.stats()
      const malformed = [s.datagrams.binary, s.datagrams.compact].reduce((n, d) => n + Object.values(d.malformed).reduce((a, b) => a + b, 0), 0)
      return s.sender.spansDelivered >= validSpans && malformed >= badTotal
    })
    const expected = (list: readonly (readonly [Uint8Array, string])[]) => {
      const counts: Record<string, number> = {}
      for (const [, reason] of list) counts[reason] = (counts[reason] ?? 0) + 1
      return counts
    }
    const stats = agent.stats()
    assert.deepEqual(stats.datagrams.binary.malformed, expected(bad.binary))
    assert.deepEqual(stats.datagrams.compact.malformed, expected(bad.compact))
    assert.equal(stats.datagrams.binary.tooLarge, oversize.binary.length)
    assert.equal(stats.datagrams.compact.tooLarge, oversize.compact.length)
    assert.equal(stats.datagrams.compact.received, COMPACT_BATCHES + bad.compact.length + oversize.compact.length)
    assert.equal(stats.datagrams.binary.kernelDrops ?? 0, 0, 'the kernel dropped nothing')
    assert.equal(stats.spans.binary, TRACES * SPANS)
    assert.equal(stats.spans.compact, COMPACT_BATCHES * COMPACT_SPANS)
    assert.equal(stats.sender.spansDelivered, validSpans)

    const metrics = await (await fetch(`http://127.0.0.1:${agent.ports.admin}/metrics`)).text()
    for (const [protocol, list] of Object.entries(bad)) {
      for (const [reason, count] of Object.entries(expected(list))) {
        assert.match(metrics, new RegExp(`^jaeger_kafka_agent_datagrams_malformed_total\\{protocol="${protocol}",reason="${reason}"\\} ${count}$`, 'm'))
      }
    }
    assert.match(metrics, new RegExp(`^jaeger_kafka_agent_datagrams_too_large_total\\{protocol="binary"\\} ${oversize.binary.length}$`, 'm'))
    assert.match(metrics, new RegExp(`^jaeger_kafka_agent_spans_delivered_total ${validSpans}$`, 'm'))
    const health = await fetch(`http://127.0.0.1:${agent.ports.admin}/healthz`)
    assert.equal(health.status, 200, 'still running after the garbage')

    const ids = await spanIdsOn(topic, validSpans)
    assert.equal(ids.length, validSpans)
    assert.equal(new Set(ids).size, validSpans)
  } finally {
    await agent.close()
  }
})

test('the sampling port serves a strategies file: /sampling?service= (enum names) and the legacy /?service= (enum numbers)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'agent-sampling-'))
  const file = join(dir, 'strategies.json')
  writeFileSync(file, JSON.stringify({ service_strategies: [{ service: 'orders', type: 'probabilistic', param: 0.8 }], default_strategy: { type: 'ratelimiting', param: 5 } }))
  const agent = await startAgent({ listen: { ...LOOPBACK, compact: false, binary: false, http: false }, samplingStrategiesFile: file, spool: false, kafka: { kafka: { brokers: KAFKA_BROKERS } } })
  try {
    const base = `http://127.0.0.1:${agent.ports.sampling}`
    const orders = await fetch(`${base}/sampling?service=orders`)
    assert.equal(orders.status, 200)
    assert.deepEqual(await orders.json(), { strategyType: 'PROBABILISTIC', probabilisticSampling: { samplingRate: 0.8 } })
    assert.deepEqual(await (await fetch(`${base}/?service=billing`)).json(), { strategyType: 1, rateLimitingSampling: { maxTracesPerSecond: 5 } })
    assert.equal((await fetch(`${base}/sampling`)).status, 400)
    assert.equal(agent.ports.compact, undefined)
    const metrics = await (await fetch(`http://127.0.0.1:${agent.ports.admin}/metrics`)).text()
    assert.match(metrics, /^jaeger_kafka_agent_sampling_responses_total\{status="200"\} 2$/m)
    assert.match(metrics, /^jaeger_kafka_agent_sampling_responses_total\{status="400"\} 1$/m)
  } finally {
    await agent.close()
    rmSync(dir, { recursive: true, force: true })
  }
})
