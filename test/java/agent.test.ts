// SPDX-License-Identifier: Apache-2.0
// Java tier (Node only): unchanged Java jaeger-client 1.8.1 apps against
// `jaeger-kafka agent` in place of jaeger-agent.
// - Spans: the stock RemoteReporter over its UdpSender (Agent.emitBatch in
//   Thrift compact, jaeger-agent's 6831) and over its HttpSender (a binary
//   Batch POSTed to /api/traces?format=jaeger.thrift) → agent → Kafka →
//   `jaeger-kafka forward` → Jaeger: every span, counted in Jaeger's query API.
// - Sampling: its RemoteControlledSampler + HttpSamplingManager, which asks
//   the legacy `GET /?service=X` and Gson-parses the body, gets exactly the
//   file's strategy (per-operation included), the default for a service the
//   file does not name, and a changed file without a restart.
// The Java side is test/java/current (AgentSend, RemoteSampler).
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runJava } from '../support/java.ts'
import { javaTest } from '../support/java-test.ts'
import { JAEGER_COLLECTOR_URL, KAFKA_BROKERS, type JaegerQueryTrace, getTrace, uniqueTopic } from '../support/peers.ts'
import { waitForSpanCensus } from '../support/span-census.ts'
import { createTopic } from '../support/span-topic.ts'
import { startAgent } from '../../agent/agent.node.ts'
import type { RunningAgent } from '../../agent/agent.node.ts'
import { loadSamplingProvider } from '../../agent/sampling-provider.node.ts'
import { createForwarder } from '../../forwarder/forwarder.ts'

const random = (): string => Array.from(crypto.getRandomValues(new Uint8Array(4)), (b) => b.toString(16).padStart(2, '0')).join('')
const id = (hex: string): bigint => BigInt(`0x${hex === '' ? '0' : hex}`)
/** Every listener off unless a test turns it on, on 127.0.0.1 port 0. */
const OFF = { compact: false, binary: false, http: false, sampling: false, admin: false } as const
const LOCAL = '127.0.0.1:0'
const silent = { info: () => {}, error: () => {} }

// ---- spans ------------------------------------------------------------------------------------

interface AgentSendResult {
  traceIdHigh: string
  traceIdLow: string
  spanIds: string[]
  reporterOk: number
  reporterErr: number
  reporterDropped: number
}

/** An agent on a fresh topic and our forwarder draining it into Jaeger, for `body`. */
async function withAgentPipeline(listen: { compact?: string; http?: string }, body: (agent: RunningAgent) => Promise<void>): Promise<void> {
  const topic = uniqueTopic('java-agent')
  await createTopic(topic, 1)
  const agent = await startAgent({ kafka: { kafka: { brokers: KAFKA_BROKERS }, topic, closeTimeoutMs: 5_000 }, listen: { ...OFF, ...listen }, logger: silent })
  const forwarder = createForwarder({ brokers: KAFKA_BROKERS, topic, groupId: `${topic}-fwd`, collectorUrl: JAEGER_COLLECTOR_URL, logger: silent })
  await forwarder.start()
  try {
    await body(agent)
  } finally {
    await agent.close()
    await forwarder.stop()
  }
}

/** The Java app's one trace is in Jaeger with exactly its spans, tags and process. */
async function assertJavaTrace(java: AgentSendResult, service: string, sender: 'udp' | 'http', count: number): Promise<void> {
  assert.deepEqual([java.reporterOk, java.reporterErr, java.reporterDropped], [count, 0, 0], 'the Java reporter sent every span')
  const traceId = `${java.traceIdHigh}${java.traceIdLow}`
  // Exact, duplicates included (raw reads), once every span arrived.
  const census = await waitForSpanCensus(new Map([[traceId, count]]))
  assert.deepEqual(census, { unique: count, duplicates: 0, missing: 0, extra: 0, incompleteTraces: [] }, 'every Java span in Jaeger, once')
  const trace = await getTrace(traceId)
  if (trace === undefined) assert.fail(`trace ${traceId} not in Jaeger`)
  const processes: JaegerQueryTrace['processes'] = trace.processes
  assert.equal(trace.spans.length, count, 'spans of the trace in Jaeger')
  assert.deepEqual(trace.spans.map((s) => s.spanID.padStart(16, '0')).sort(), [...java.spanIds].sort(), 'exactly the Java span ids')
  const rootId = id(java.spanIds[0] ?? '')
  const indexes = new Set<unknown>()
  for (const span of trace.spans) {
    assert.equal(id(span.traceID), (id(java.traceIdHigh) << 64n) | id(java.traceIdLow))
    const proc = processes[span.processID]
    assert.equal(proc?.serviceName, service)
    const processTags = Object.fromEntries((proc?.tags ?? []).map((t) => [t.key, t.value]))
    assert.equal(processTags['interop.sender'], sender, 'the tracer tag set in Java')
    // The client's own process tags (jaeger.version, hostname, ip), as Jaeger v2's OTel translator stores them.
    assert.equal(processTags['opencensus.exporterversion'], 'Jaeger-Java-1.8.1', 'jaeger.version from the Java client')
    assert.equal(typeof processTags['host.name'], 'string', 'hostname from the Java client')
    assert.equal(typeof processTags.ip, 'string', 'ip from the Java client')
    const tags = Object.fromEntries(span.tags.map((t) => [t.key, t.value]))
    indexes.add(tags['java.index'])
    if (id(span.spanID) === rootId) {
      assert.equal(span.operationName, 'java-agent-root')
      assert.deepEqual(span.references, [])
    } else {
      assert.equal(span.operationName, `java-agent-op-${String(tags['java.index'])}`)
      assert.deepEqual(span.references.map((r) => [r.refType, id(r.spanID)]), [['CHILD_OF', rootId]])
    }
  }
  assert.equal(indexes.size, count, 'every span index once')
}

// 1500 spans are about 138 KB of compact Thrift: the UdpSender packs them
// into datagrams of up to 65000 bytes, so three emitBatch datagrams arrive.
const COUNT = 1500

javaTest('agent: UdpSender (compact emitBatch on the 6831 listener) → agent → Kafka → forward → Jaeger: every span', async () => {
  await withAgentPipeline({ compact: LOCAL }, async (agent) => {
    const service = `java-udp-${random()}`
    const java = await runJava<AgentSendResult>('current', 'jaegerkafka.interop.AgentSend', ['udp', `127.0.0.1:${agent.ports.compact}`, service, String(COUNT)], KAFKA_BROKERS)
    await assertJavaTrace(java, service, 'udp', COUNT)
    const stats = agent.stats()
    assert.deepEqual(stats.datagrams.compact.malformed, {}, 'every Java datagram decoded')
    assert.equal(stats.datagrams.compact.tooLarge, 0)
    assert.ok(stats.datagrams.compact.received >= 2, `the spans came in several datagrams (${stats.datagrams.compact.received})`)
    assert.equal(stats.batches.compact, stats.datagrams.compact.received)
    assert.equal(stats.spans.compact, COUNT)
    assert.equal(stats.sender.spansDelivered, COUNT, 'the agent delivered every span to Kafka')
  })
})

javaTest('agent: HttpSender (POST /api/traces) → agent → Kafka → forward → Jaeger: every span', async () => {
  await withAgentPipeline({ http: LOCAL }, async (agent) => {
    const service = `java-http-${random()}`
    const java = await runJava<AgentSendResult>('current', 'jaegerkafka.interop.AgentSend', ['http', `http://127.0.0.1:${agent.ports.http}/api/traces`, service, String(COUNT)], KAFKA_BROKERS)
    await assertJavaTrace(java, service, 'http', COUNT)
    const stats = agent.stats()
    assert.equal(stats.spans.http, COUNT)
    assert.deepEqual(Object.keys(stats.httpResponses), ['202'], 'every POST answered 202')
    assert.equal(stats.sender.spansDelivered, COUNT, 'the agent delivered every span to Kafka')
  })
})

// ---- sampling ---------------------------------------------------------------------------------

interface SamplerLine {
  service: string
  operations: Record<string, { type: string; param: number }>
}

javaTest('agent: RemoteControlledSampler gets the file\'s strategy through the agent, the default for another service, and a changed file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'jk-java-sampling-'))
  const file = join(dir, 'strategies.json')
  await writeFile(file, JSON.stringify({
    default_strategy: { type: 'ratelimiting', param: 7 },
    service_strategies: [{
      service: 'java-sampled', type: 'probabilistic', param: 0.25,
      operation_strategies: [{ operation: 'op-a', type: 'probabilistic', param: 0.75 }],
    }],
  }))
  const sampling = await loadSamplingProvider({ file, reloadIntervalMs: 50 })
  const agent = await startAgent({ kafka: { kafka: { brokers: KAFKA_BROKERS }, topic: uniqueTopic('java-sampling'), closeTimeoutMs: 5_000 }, listen: { ...OFF, sampling: LOCAL }, sampling, logger: silent })
  const hostPort = `127.0.0.1:${agent.ports.sampling}`
  try {
    // The agent answers both paths; Java asks the legacy one (enum as a number).
    const legacy = await (await fetch(`http://${hostPort}/?service=java-sampled`)).json() as { strategyType: unknown }
    const current = await (await fetch(`http://${hostPort}/sampling?service=java-sampled`)).json() as { strategyType: unknown }
    assert.equal(legacy.strategyType, 0)
    assert.equal(current.strategyType, 'PROBABILISTIC')

    // A service the file does not name: the file's default, a rate limiter of 7 traces/s.
    const other = await runJava<SamplerLine>('current', 'jaegerkafka.interop.RemoteSampler', [hostPort, 'java-other', '1', 'op-a'], KAFKA_BROKERS)
    assert.deepEqual(other.operations, { 'op-a': { type: 'ratelimiting', param: 7 } })

    // The named service: per-operation sampling (op-a 0.75, others the service's 0.25);
    // then the file changes under the running agent and the running Java app follows.
    const lines: SamplerLine[] = []
    const last = await runJava<SamplerLine>('current', 'jaegerkafka.interop.RemoteSampler', [hostPort, 'java-sampled', '2', 'op-a', 'op-b'], KAFKA_BROKERS, (line) => {
      lines.push(JSON.parse(line) as SamplerLine)
      if (lines.length === 1) {
        void writeFile(file, JSON.stringify({ service_strategies: [{ service: 'java-sampled', type: 'probabilistic', param: 0.5 }] }))
      }
    })
    assert.equal(lines.length, 2)
    // GuaranteedThroughputSampler reports "lowerbound" for an id above the probabilistic boundary, with the operation's rate.
    assert.deepEqual(lines[0]?.operations, { 'op-a': { type: 'lowerbound', param: 0.75 }, 'op-b': { type: 'lowerbound', param: 0.25 } })
    assert.deepEqual(last.operations, { 'op-a': { type: 'probabilistic', param: 0.5 }, 'op-b': { type: 'probabilistic', param: 0.5 } })
    assert.equal(sampling.stats().reloads, 1)
  } finally {
    await agent.close()
    await rm(dir, { recursive: true, force: true })
  }
})
