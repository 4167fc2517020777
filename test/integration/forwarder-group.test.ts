// SPDX-License-Identifier: Apache-2.0
// Two forwarders in one consumer group on the real broker, each in its own
// process (current runtime) behind its own counting proxy in front of the real
// Jaeger. Both drain a 4-partition span topic; one is SIGKILLed mid-drain and
// the other takes over its partitions after the session timeout (the default,
// 10 s). Asserted:
//   - 0 spans lost: the distinct (trace id, span id) pairs in Jaeger's query
//     API equal what was produced;
//   - duplicates, counted at the proxies (which see every POST: Jaeger's query
//     API merges identical copies of a span, except zero-duration ones), are
//     exactly the records the killed forwarder had forwarded but not committed
//     at the kill (its POSTs in flight and those since its last commit), and
//     so never more than them.
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { runtime, test } from '../support/harness.ts'
import { KAFKA_BROKERS, getTrace, uniqueTopic } from '../support/peers.ts'
import { startCollectorProxy } from '../support/forwarder-proxy.ts'
import { waitFor } from '../support/forwarder-fakes.ts'
import { committedOffsets, countByTrace, createTopics, describeGroup, endOffsets, produce, spanRecords, waitUntilCommittedToEnd } from '../support/forwarder-kafka.ts'
import { incompleteTraces, startChild, stopChild } from '../support/faults.ts'
import type { Child } from '../support/faults.ts'

const CHILD = fileURLToPath(new URL('../support/forwarder-child.ts', import.meta.url))
const PARTITIONS = 4
const RECORDS = 800
const SPANS = 2

/** The partitions of the child's last "Joined group" line, or undefined before its first join. */
function assigned(child: Child): number[] | undefined {
  const joins = [...child.stderr().matchAll(/Joined group [^:]+: \S+ partitions \[([\d, ]*)\]/g)]
  const last = joins.at(-1)
  return last ? last[1]!.split(',').filter((p) => p.trim() !== '').map(Number) : undefined
}

test('two forwarders in one group: one SIGKILLed mid-drain, the other takes over its partitions; 0 spans lost, duplicates only the killed one\'s uncommitted records', async () => {
  const topic = uniqueTopic('fwd-group')
  const groupId = `${topic}-group`
  await createTopics([{ topic, partitions: PARTITIONS }])
  const proxyA = await startCollectorProxy()
  const proxyB = await startCollectorProxy()
  proxyA.setDelay(25) // slow collectors, so the kill lands mid-drain with POSTs in flight
  proxyB.setDelay(25)
  const { records, traceIds } = spanRecords(RECORDS, SPANS, PARTITIONS, 'fwd-group')
  // spanRecords puts record i on partition i % PARTITIONS, in order.
  const where = new Map(traceIds.map((id, i) => [id, { partition: i % PARTITIONS, offset: BigInt(Math.floor(i / PARTITIONS)) }]))
  const env = { KAFKA_BROKERS: KAFKA_BROKERS.join(','), FWD_TOPIC: topic, FWD_GROUP: groupId, FWD_SESSION_TIMEOUT: '10000' }

  let a: Child | undefined
  let b: Child | undefined
  try {
    a = startChild(CHILD, { ...env, FWD_COLLECTOR_URL: proxyA.url })
    await a.ready
    b = startChild(CHILD, { ...env, FWD_COLLECTOR_URL: proxyB.url })
    await b.ready
    const first = a
    const second = b
    // After B's join, A rejoins: two partitions each.
    await waitFor(() => assigned(first)?.length === 2 && assigned(second)?.length === 2, 30_000, 'two partitions each')
    const partitionsOfA = assigned(first)!
    // Produced once the group is settled: B's join moved partitions away from A
    // while the topic was empty, so it caused no re-delivery (a rebalance
    // re-delivers what the old owner forwarded but had not committed yet).
    await produce(topic, records)
    const acceptedByA = (): number => proxyA.accepted().length
    const before = acceptedByA()
    await waitFor(() => acceptedByA() >= before + 40 && proxyB.accepted().length >= 40, 60_000, 'both forwarding')

    const inFlightAtKill = proxyA.pending()
    await stopChild(a, 'SIGKILL')
    const killedAt = Date.now()
    // POSTs A had in flight still reach Jaeger through its proxy: let them land.
    await waitFor(() => proxyA.pending() === 0, 10_000, 'proxy A idle')
    const committedAtKill = await committedOffsets(groupId, topic)
    assert.equal(assigned(second)!.length, 2, 'B has not taken over yet when the offsets are read')
    const byA = countByTrace(proxyA.accepted())
    const uncommittedByA = [...byA.keys()].filter((id) => {
      const at = where.get(id)!
      return partitionsOfA.includes(at.partition) && at.offset >= (committedAtKill.get(at.partition) ?? -1n)
    })
    assert.ok(byA.size < RECORDS / 2, 'A was killed before it drained its partitions')

    // B gets A's partitions once A's session expires.
    await waitFor(() => assigned(second)?.length === PARTITIONS, 40_000, 'B owns every partition')
    const takeoverMs = Date.now() - killedAt
    await waitUntilCommittedToEnd(groupId, topic, 90_000)
    const exit = await stopChild(b, 'SIGTERM')
    assert.equal(exit.code, 0, `B stopped cleanly:\n${b.stderr()}`)
    assert.deepEqual(await committedOffsets(groupId, topic), await endOffsets(topic))
    assert.deepEqual((await describeGroup(groupId)).members, [], 'B left the group')

    // Duplicates, counted where every POST is seen: the two proxies.
    const all = countByTrace([...proxyA.accepted(), ...proxyB.accepted()])
    assert.deepEqual(traceIds.filter((id) => !all.has(id)), [], 'every record accepted by the collector')
    const duplicated = [...all].filter(([, n]) => n > 1).map(([id]) => id)
    for (const [id, n] of all) assert.ok(n <= 2, `record ${id} accepted ${n} times`)
    const byB = countByTrace(proxyB.accepted())
    assert.ok(partitionsOfA.every((p) => traceIds.some((id) => byB.has(id) && where.get(id)!.partition === p)), 'B forwarded records of every partition A had')

    // 0 spans lost, counted in Jaeger's query API: distinct (trace, span) pairs.
    assert.deepEqual(await incompleteTraces(traceIds, SPANS, 60_000), [], 'every trace complete in Jaeger')
    const spanKeys = new Set<string>()
    for (let i = 0; i < traceIds.length; i += 16) {
      const traces = await Promise.all(traceIds.slice(i, i + 16).map((id) => getTrace(id)))
      for (const trace of traces) for (const span of trace?.spans ?? []) spanKeys.add(`${span.traceID}:${span.spanID}`)
    }
    console.log(
      `[forwarder-group ${runtime}] produced ${RECORDS} records / ${RECORDS * SPANS} spans; distinct spans in Jaeger ${spanKeys.size}; ` +
        `A accepted ${byA.size}, in flight at the kill ${inFlightAtKill}, forwarded but uncommitted at the kill ${uncommittedByA.length}; ` +
        `duplicates at the proxies ${duplicated.length} records (${duplicated.length * SPANS} spans); B owned all partitions ${takeoverMs} ms after the kill`,
    )
    assert.equal(spanKeys.size, RECORDS * SPANS, 'distinct spans in Jaeger == spans produced')
    assert.deepEqual(duplicated.sort(), [...uncommittedByA].sort(), 'the duplicates are exactly the records A forwarded but had not committed at the kill')
    assert.ok(duplicated.length <= uncommittedByA.length)
  } finally {
    if (a) await stopChild(a, 'SIGKILL')
    if (b) await stopChild(b, 'SIGKILL')
    await proxyA.close()
    await proxyB.close()
  }
}, { timeout: 240_000 })
