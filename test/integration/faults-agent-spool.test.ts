// SPDX-License-Identifier: Apache-2.0
// The agent's disk spool against real faults: `jaeger-kafka agent` (the CLI,
// a child process) receives an unchanged Node jaeger-client app's UDPSender
// datagrams while Kafka is stopped.
// 1. Outage + agent SIGKILL: everything the first agent spooled before it was
//    killed, and everything the restarted agent (same --spool-dir) spooled
//    during the rest of the outage, is on the topic after Kafka returns:
//    0 lost (counted per trace), replayed in order (per partition, each
//    sender's Batch seqNo increases), duplicates counted.
// 2. Spool cap exceeded: spans on the topic + the spool_full counter equal the
//    spans the agent received, exactly.
// The outage lasts ~15 s (60 s with JAEGER_KAFKA_FAULTS_LONG=1). Stops the
// shared Kafka peer: only with JAEGER_KAFKA_OUTAGE_TESTS=1.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from '../support/harness.ts'
import { FAULTS_LONG, FAULTS_SKIP, peersAsync, reportFault, sleep, stopChild } from '../support/faults.ts'
import { startAgentCli } from '../support/agent-cli.ts'
import type { AgentCli } from '../support/agent-cli.ts'
import { runClientApp as runJaegerClientApp } from '../support/run-client-app.ts'
import { createTopic, distinctSpansPerTrace, spanRecordsOn } from '../support/span-topic.ts'
import type { SpanTopicRecord } from '../support/span-topic.ts'
import { KAFKA_BROKERS, uniqueTopic } from '../support/peers.ts'

const OUTAGE_MS = FAULTS_LONG ? 60_000 : 15_000
const SPANS_PER_TRACE = 4

type Agent = AgentCli

function startAgent(topic: string, spoolDir: string, extra: string[] = []): Promise<Agent> {
  return startAgentCli({ JAEGER_KAFKA_BROKERS: KAFKA_BROKERS.join(','), JAEGER_KAFKA_TOPIC: topic }, ['--spool-dir', spoolDir, ...extra])
}

/** One Prometheus sample of the agent's /metrics (0 when absent). */
async function metric(agent: Agent, series: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${agent.ports.admin}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line ? Number(line.slice(series.length + 1)) : 0
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(100)
  }
}

/** The unchanged jaeger-client app (Node, default UDPSender, binary) sending `traces` traces to `port`; its trace ids. */
async function runClientApp(port: number, service: string, traces: number): Promise<string[]> {
  const result = await runJaegerClientApp({ JAEGER_AGENT_HOST: '127.0.0.1', JAEGER_AGENT_PORT: String(port), JAEGER_SERVICE_NAME: service, APP_TRACES: String(traces), APP_SPANS: String(SPANS_PER_TRACE) })
  if (result.errors.length > 0) throw new Error(`jaeger-client app logged errors: ${result.errors.join('; ')}`)
  return result.traceIds
}

/** Send `traces` traces per second of app runs for `ms` (the apps keep sending during the outage). */
async function sendFor(port: number, service: string, ms: number, tracesPerRun: number): Promise<string[]> {
  const ids: string[] = []
  const end = Date.now() + ms
  do ids.push(...(await runClientApp(port, service, tracesPerRun)))
  while (Date.now() < end)
  return ids
}

/** Records out of order: per partition and sender (key prefix), a seqNo not above the previous one (duplicates excluded). */
function outOfOrder(records: readonly SpanTopicRecord[]): number {
  const last = new Map<string, bigint>()
  const seen = new Set<string>()
  let bad = 0
  for (const record of records) {
    if (seen.has(`${record.partition}/${record.key}`)) continue
    seen.add(`${record.partition}/${record.key}`)
    const stream = `${record.partition}/${record.key.slice(0, record.key.lastIndexOf('-'))}`
    const previous = last.get(stream)
    const seqNo = record.seqNo ?? -1n
    if (previous !== undefined && seqNo <= previous) bad++
    last.set(stream, seqNo)
  }
  return bad
}

/** trace id → distinct span ids, and the total of span copies. */
function census(records: readonly SpanTopicRecord[]): { perTrace: Map<string, number>; distinct: number; copies: number } {
  const perTrace = distinctSpansPerTrace(records)
  const distinct = [...perTrace.values()].reduce((n, spans) => n + spans, 0)
  return { perTrace, distinct, copies: records.reduce((n, r) => n + r.spanIds.length, 0) }
}

test('agent + spool: Kafka down while a jaeger-client app sends, the agent SIGKILLed and restarted mid-outage: 0 spans lost, replayed in order', async () => {
  const topic = uniqueTopic('agent-spool-outage')
  const root = await mkdtemp(join(tmpdir(), 'jaeger-kafka-agent-spool-'))
  const spoolDir = join(root, 'spool')
  let first: Agent | undefined
  let second: Agent | undefined
  try {
    await createTopic(topic)
    await peersAsync('stop', 'kafka')
    const outageStarted = Date.now()
    first = await startAgent(topic, spoolDir)
    const wave1 = await sendFor(first.ports.binary as number, topic, OUTAGE_MS / 3, 50)
    const sent1 = wave1.length * SPANS_PER_TRACE
    const agent1 = first
    await until('the first agent spooled every span it received', async () => (await metric(agent1, 'jaeger_kafka_agent_spool{stat="spooled_spans"}')) === sent1)
    const received1 = await metric(first, 'jaeger_kafka_agent_spans_received_total{transport="binary"}')
    assert.equal(received1, sent1, 'no datagram lost on loopback')
    const killed = await stopChild(first.child, 'SIGKILL')
    assert.equal(killed.signal, 'SIGKILL')
    second = await startAgent(topic, spoolDir)
    const agent2 = second
    assert.equal(await metric(second, 'jaeger_kafka_agent_spool{stat="recovered_spans"}'), sent1, 'the restarted agent found every span spooled before the kill')
    const wave2 = await sendFor(second.ports.binary as number, topic, Math.max(1_000, OUTAGE_MS - (Date.now() - outageStarted)), 50)
    const sent2 = wave2.length * SPANS_PER_TRACE
    await until('the second agent spooled every span it received', async () => (await metric(agent2, 'jaeger_kafka_agent_spool{stat="spooled_spans"}')) === sent2)
    const outageMs = Date.now() - outageStarted
    await peersAsync('start', 'kafka')
    const drainStarted = Date.now()
    await until('the spool drained', async () => (await metric(agent2, 'jaeger_kafka_agent_spool{stat="pending_spans"}')) === 0 && (await metric(agent2, 'jaeger_kafka_agent_spool{stat="replayed_spans"}')) === sent1 + sent2, 120_000)
    const drainSeconds = (Date.now() - drainStarted) / 1000
    const exit = await stopChild(second.child, 'SIGTERM')
    assert.equal(exit.code, 0, second.child.stderr())
    const records = await spanRecordsOn(topic, sent1 + sent2)
    const { perTrace, distinct, copies } = census(records)
    const expectedTraces = [...wave1, ...wave2]
    const incomplete = expectedTraces.filter((id) => perTrace.get(id.padStart(16, '0')) !== SPANS_PER_TRACE && perTrace.get(id) !== SPANS_PER_TRACE)
    const duplicated = copies - distinct
    reportFault({
      scenario: 'agent spool: Kafka outage, agent SIGKILL + restart mid-outage',
      load: `jaeger-client UDPSender, ${expectedTraces.length} traces x ${SPANS_PER_TRACE} spans over a ${Math.round(outageMs / 1000)} s outage`,
      faults: 'Kafka stopped; agent SIGKILLed after spooling wave 1; agent restarted on the same spool; Kafka started',
      sent: sent1 + sent2,
      delivered: distinct,
      duplicated,
      droppedCounted: 0,
      drainSeconds,
      notes: `spooled before the kill: ${sent1} spans; after the restart: ${sent2}`,
    })
    assert.deepEqual(incomplete, [], 'every trace complete on the topic')
    assert.equal(distinct, sent1 + sent2, '0 lost, nothing foreign')
    assert.equal(outOfOrder(records), 0, 'replayed in order')
    // The first agent never reached Kafka, so a duplicate could only come from a resent replay group.
    assert.equal(duplicated, 0)
  } finally {
    if (first) await stopChild(first.child, 'SIGKILL')
    if (second) await stopChild(second.child, 'SIGKILL')
    await peersAsync('start', 'kafka')
    await rm(root, { recursive: true, force: true })
  }
}, { skip: FAULTS_SKIP, timeout: FAULTS_LONG ? 600_000 : 240_000 })

test('agent + spool: a spool cap exceeded during an outage drops the oldest spans, and the topic plus the spool_full counter equal what was received', async () => {
  const topic = uniqueTopic('agent-spool-cap')
  const root = await mkdtemp(join(tmpdir(), 'jaeger-kafka-agent-spool-cap-'))
  let agent: Agent | undefined
  try {
    await createTopic(topic)
    await peersAsync('stop', 'kafka')
    // 128 KiB in 64 KiB segments: a few hundred traces overflow it.
    agent = await startAgent(topic, join(root, 'spool'), ['--spool-max-bytes', String(128 * 1024)])
    const running = agent
    const traces = await sendFor(agent.ports.binary as number, topic, 3_000, 200)
    const received = traces.length * SPANS_PER_TRACE
    await until('every received span spooled or dropped', async () => (await metric(running, 'jaeger_kafka_agent_spool{stat="spooled_spans"}')) === received)
    assert.equal(await metric(agent, 'jaeger_kafka_agent_spans_received_total{transport="binary"}'), received)
    const droppedFull = await metric(agent, 'jaeger_kafka_agent_spool{stat="dropped_spool_full"}')
    assert.ok(droppedFull > 0, `the cap was exceeded (${received} spans received)`)
    await peersAsync('start', 'kafka')
    await until('the spool drained', async () => (await metric(running, 'jaeger_kafka_agent_spool{stat="pending_spans"}')) === 0, 120_000)
    const replayed = await metric(agent, 'jaeger_kafka_agent_spool{stat="replayed_spans"}')
    const senderDrops = ['too_large', 'buffer_full', 'closed', 'encode_error']
    let otherDrops = 0
    for (const reason of senderDrops) otherDrops += await metric(agent, `jaeger_kafka_agent_spans_dropped_total{reason="${reason}"}`)
    const exit = await stopChild(agent.child, 'SIGTERM')
    assert.equal(exit.code, 0, agent.child.stderr())
    const { distinct, copies } = census(await spanRecordsOn(topic, received - droppedFull))
    reportFault({
      scenario: 'agent spool: cap exceeded during a Kafka outage',
      load: `jaeger-client UDPSender, ${traces.length} traces x ${SPANS_PER_TRACE} spans into a 128 KiB spool`,
      faults: 'Kafka stopped while sending; started after',
      sent: received,
      delivered: distinct,
      duplicated: copies - distinct,
      droppedCounted: droppedFull,
      drainSeconds: null,
    })
    assert.equal(otherDrops, 0)
    assert.equal(replayed, received - droppedFull)
    assert.equal(distinct + droppedFull, received, 'on the topic + counted spool_full = received, exactly')
    assert.equal(copies, distinct, 'no duplicates')
  } finally {
    if (agent) await stopChild(agent.child, 'SIGKILL')
    await peersAsync('start', 'kafka')
    await rm(root, { recursive: true, force: true })
  }
}, { skip: FAULTS_SKIP, timeout: FAULTS_LONG ? 600_000 : 240_000 })
