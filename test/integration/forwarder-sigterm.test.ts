// SPDX-License-Identifier: Apache-2.0
// `jaeger-kafka forward` stopped with SIGTERM in each phase of its life, as a
// real process (cli/bin.ts with the current runtime) against the real broker:
//   - connecting (the broker is a closed port on 127.0.0.1),
//   - joining the group (behind a SIGKILLed member, so the join waits),
//   - draining a backlog through a slow collector.
// Each time: exit code 0, before a generous bound (never a precise time); when
// it forwarded, the committed offsets are exactly the records Jaeger
// accepted (admin fetchOffsets), and the group has no members once it is gone
// (admin describeGroups).
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { runtime, test } from '../support/harness.ts'
import { KAFKA_BROKERS, uniqueTopic } from '../support/peers.ts'
import { startCollectorProxy } from '../support/forwarder-proxy.ts'
import { waitFor } from '../support/forwarder-fakes.ts'
import { committedOffsets, countByTrace, createTopics, describeGroup, produce, spanRecords } from '../support/forwarder-kafka.ts'
import { startChild, stopChild } from '../support/faults.ts'
import type { Child } from '../support/faults.ts'

const CLI = fileURLToPath(new URL('../../cli/bin.ts', import.meta.url))
const LIBRARY_CHILD = fileURLToPath(new URL('../support/forwarder-child.ts', import.meta.url))
/** Generous: the requirement is "within a few seconds"; a loaded CI machine must not fail it. */
const EXIT_BOUND_MS = 15_000

function startCli(env: Record<string, string>): Child {
  return startChild(CLI, { JAEGER_KAFKA_METRICS_PORT: '0', ...env }, ['forward'], '\u0000never on stdout')
}

/** SIGTERM the child; resolves with its exit code and how long the exit took. */
async function sigterm(child: Child): Promise<{ code: number | null; signal: string | null; ms: number }> {
  const began = Date.now()
  const { code, signal } = await stopChild(child, 'SIGTERM', 30_000)
  return { code, signal, ms: Date.now() - began }
}

function assertCleanExit(phase: string, child: Child, exit: { code: number | null; signal: string | null; ms: number }): void {
  console.log(`[forwarder-sigterm ${runtime}] ${phase}: exit ${exit.code} ${exit.signal ?? ''} after ${exit.ms} ms`)
  assert.equal(exit.code, 0, `exit code 0 after SIGTERM while ${phase}:\n${child.stderr()}`)
  assert.ok(exit.ms < EXIT_BOUND_MS, `exited within ${EXIT_BOUND_MS} ms of SIGTERM while ${phase} (took ${exit.ms} ms)`)
  assert.match(child.stderr(), /jaeger-kafka forward: stopped after/)
}

async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

test('SIGTERM while connecting to an unreachable broker: exit 0 at once', async () => {
  const port = await closedPort()
  const topic = uniqueTopic('fwd-sigterm-connect')
  const cli = startCli({ JAEGER_KAFKA_BROKERS: `127.0.0.1:${port}`, JAEGER_KAFKA_TOPIC: topic, JAEGER_KAFKA_GROUP_ID: `${topic}-group` })
  try {
    // kafkajs logs each refused bootstrap attempt; it retries for ~9 s before giving up.
    await waitFor(() => /ECONNREFUSED/.test(cli.stderr()), 30_000, 'a refused connection attempt')
    const exit = await sigterm(cli)
    assertCleanExit('connecting', cli, exit)
    assert.doesNotMatch(cli.stderr(), /Cannot start the forwarder/, 'the stop is no start failure')
  } finally {
    await stopChild(cli, 'SIGKILL')
  }
}, { timeout: 60_000 })

test('SIGTERM while joining a group behind a SIGKILLed member: exit 0 at once, and the group empties', async () => {
  const topic = uniqueTopic('fwd-sigterm-join')
  const groupId = `${topic}-group`
  await createTopics([{ topic, partitions: 2 }])
  const proxy = await startCollectorProxy()
  // A member with a 30 s session (kafkajs's old default), killed: the next join waits for it to expire.
  const dead = startChild(LIBRARY_CHILD, { KAFKA_BROKERS: KAFKA_BROKERS.join(','), FWD_TOPIC: topic, FWD_GROUP: groupId, FWD_COLLECTOR_URL: proxy.url, FWD_SESSION_TIMEOUT: '30000' })
  let cli: Child | undefined
  try {
    await dead.ready
    await stopChild(dead, 'SIGKILL')
    cli = startCli({ JAEGER_KAFKA_BROKERS: KAFKA_BROKERS.join(','), JAEGER_KAFKA_TOPIC: topic, JAEGER_KAFKA_GROUP_ID: groupId, JAEGER_ENDPOINT: proxy.url })
    const c = cli
    // The forwarder's info lines go to stdout (console.info), kafkajs errors and the CLI's own to stderr.
    await waitFor(() => /Joining group/.test(c.stdout()), 30_000, 'the CLI joining')
    // The broker holds the join until the dead member's session expires.
    await waitFor(async () => (await describeGroup(groupId)).state === 'PreparingRebalance', 20_000, 'the group rebalancing')
    assert.doesNotMatch(cli.stdout(), /Joined group/, 'still joining when the SIGTERM arrives')
    const exit = await sigterm(cli)
    assertCleanExit('joining the group', cli, exit)
    assert.doesNotMatch(cli.stdout(), /Joined group/)
    assert.deepEqual([...(await committedOffsets(groupId, topic)).values()], [-1n, -1n], 'nothing forwarded, nothing committed')
    // The dead member leaves when its session expires; a member whose join was
    // cut short cannot send LeaveGroup (kafkajs learns its member id only when
    // the join completes), so the broker drops it after its own session (10 s).
    const began = Date.now()
    await waitFor(async () => (await describeGroup(groupId)).members.length === 0, 60_000, 'the group without members')
    console.log(`[forwarder-sigterm ${runtime}] group empty ${Date.now() - began} ms after the CLI exited`)
  } finally {
    await stopChild(dead, 'SIGKILL')
    if (cli) await stopChild(cli, 'SIGKILL')
    await proxy.close()
  }
}, { timeout: 120_000 })

test('SIGTERM while draining: exit 0 at once, committed offsets == records Jaeger accepted, group left', async () => {
  const topic = uniqueTopic('fwd-sigterm-drain')
  const groupId = `${topic}-group`
  const PARTITIONS = 2
  await createTopics([{ topic, partitions: PARTITIONS }])
  const proxy = await startCollectorProxy()
  proxy.setDelay(30) // a slow collector, so the stop lands mid-drain with POSTs in flight
  const { records, traceIds } = spanRecords(400, 2, PARTITIONS, 'fwd-sigterm')
  await produce(topic, records)
  const cli = startCli({ JAEGER_KAFKA_BROKERS: KAFKA_BROKERS.join(','), JAEGER_KAFKA_TOPIC: topic, JAEGER_KAFKA_GROUP_ID: groupId, JAEGER_ENDPOINT: proxy.url })
  try {
    await waitFor(() => proxy.accepted().length >= 40, 60_000, '40 records forwarded')
    assert.ok(proxy.pending() > 0 || proxy.accepted().length < records.length, 'mid-drain')
    const exit = await sigterm(cli)
    assertCleanExit('draining', cli, exit)
    assert.equal(proxy.pending(), 0, 'no POST left in flight after the exit')
    const accepted = countByTrace(proxy.accepted())
    assert.ok(accepted.size < records.length, 'stopped before the end of the backlog')
    for (const [id, n] of accepted) assert.equal(n, 1, `record ${id} forwarded once`)
    // spanRecords puts record i on partition i % PARTITIONS, in order.
    const committed = await committedOffsets(groupId, topic)
    for (let p = 0; p < PARTITIONS; p++) {
      const onP = traceIds.filter((_, i) => i % PARTITIONS === p)
      const acceptedOnP = onP.filter((id) => accepted.has(id)).length
      assert.equal(committed.get(p), BigInt(acceptedOnP), `partition ${p}: committed offset == records Jaeger accepted`)
      assert.deepEqual(onP.slice(0, acceptedOnP).filter((id) => !accepted.has(id)), [], `partition ${p}: the accepted records are the first ones`)
    }
    const group = await describeGroup(groupId)
    assert.deepEqual(group.members, [], `the group has no members once the CLI exited (state ${group.state})`)
  } finally {
    await stopChild(cli, 'SIGKILL')
    await proxy.close()
  }
}, { timeout: 90_000 })
