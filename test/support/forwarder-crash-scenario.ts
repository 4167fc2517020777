// SPDX-License-Identifier: Apache-2.0
// A forwarder process killed with SIGKILL in the middle of draining a
// backlog, then restarted: no span is lost, and the only duplicates are the
// records it had forwarded but not yet committed when it died (counted
// exactly). The child runs with the current runtime and the given Kafka client.
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { runtime } from './harness.ts'
import { KAFKA_BROKERS, uniqueTopic, waitForTrace } from './peers.ts'
import { startCollectorProxy } from './forwarder-proxy.ts'
import { waitFor } from './forwarder-fakes.ts'
import { committedOffsets, countByTrace, createTopics, endOffsets, produce, spanRecords, waitUntilCommittedToEnd } from './forwarder-kafka.ts'
import { startChild, stopChild } from './faults.ts'
import type { Child } from './faults.ts'

const CHILD = fileURLToPath(new URL('./forwarder-child.ts', import.meta.url))
const PARTITIONS = 2
const RECORDS = 300
const SPANS = 2

/** Kill a forwarder child (`client`) mid-drain with SIGKILL, restart it, check no loss and exact duplicates. */
export async function forwarderCrashScenario(client: 'kafkajs' | 'confluent'): Promise<void> {
  const topic = uniqueTopic('fwd-crash')
  const groupId = `${topic}-group`
  await createTopics([{ topic, partitions: PARTITIONS }])
  const proxy = await startCollectorProxy()
  proxy.setDelay(20) // a slow collector, so the kill lands mid-drain
  const { records, traceIds } = spanRecords(RECORDS, SPANS, PARTITIONS)
  await produce(topic, records)
  const env = { KAFKA_BROKERS: KAFKA_BROKERS.join(','), FWD_TOPIC: topic, FWD_GROUP: groupId, FWD_COLLECTOR_URL: proxy.url, FWD_CLIENT: client }

  let first: Child | undefined
  let second: Child | undefined
  try {
    first = startChild(CHILD, env)
    await first.ready
    await waitFor(() => proxy.accepted().length >= RECORDS / 4, 30_000, 'a quarter of the backlog forwarded')
    await stopChild(first, 'SIGKILL')
    // Requests the dead child had in flight still reach Jaeger: let them land.
    await waitFor(() => proxy.pending() === 0, 10_000, 'proxy idle')
    const committedAtKill = await committedOffsets(groupId, topic)
    const acceptedBefore = countByTrace(proxy.accepted())
    assert.ok(acceptedBefore.size < RECORDS, 'killed before the backlog was drained')

    // Which accepted records lie at or after the committed offset: the restart re-sends exactly these.
    const position = (i: number) => ({ partition: i % PARTITIONS, offset: BigInt(Math.floor(i / PARTITIONS)) })
    const uncommittedButForwarded = traceIds.filter((id, i) => {
      const { partition, offset } = position(i)
      const committed = committedAtKill.get(partition) ?? -1n
      return acceptedBefore.has(id) && offset >= committed
    }).length

    second = startChild(CHILD, env)
    await second.ready
    await waitUntilCommittedToEnd(groupId, topic, 40_000)
    const exit = await stopChild(second, 'SIGTERM')
    assert.equal(exit.code, 0, `graceful stop on SIGTERM:\n${second.stderr()}`)
    assert.ok(second.stdout().includes('stopped'), `graceful stop on SIGTERM:\n${second.stderr()}`)
    assert.deepEqual(await committedOffsets(groupId, topic), await endOffsets(topic))

    const counts = countByTrace(proxy.accepted())
    const lost = traceIds.filter((id) => !counts.has(id))
    assert.deepEqual(lost, [], 'no record lost')
    const duplicates = [...counts.values()].reduce((sum, n) => sum + (n - 1), 0)
    console.log(
      `[forwarder-crash ${runtime} ${client}] accepted before kill: ${acceptedBefore.size}, committed at kill: ` +
        `${[...committedAtKill.values()].map(String).join('+')}, forwarded but uncommitted at kill: ${uncommittedButForwarded}, duplicates after restart: ${duplicates}`,
    )
    assert.equal(duplicates, uncommittedButForwarded, 'duplicates are exactly the records forwarded but not committed at the kill')
    for (const [, n] of counts) assert.ok(n <= 2, 'no record sent more than twice')

    for (let i = 0; i < traceIds.length; i += 20) {
      const traces = await Promise.all(traceIds.slice(i, i + 20).map((id) => waitForTrace(id, SPANS)))
      for (const trace of traces) assert.equal(trace.spans.length, SPANS)
    }
  } finally {
    if (first) await stopChild(first, 'SIGKILL')
    if (second) await stopChild(second, 'SIGKILL')
    await proxy.close()
  }
}
