// SPDX-License-Identifier: Apache-2.0
// Fault suite, scenario 2: a forwarder in a child process is SIGKILLed five
// times while it drains a pre-filled topic, and restarted each time.
//   - 0 spans lost: every trace in the real Jaeger with its exact span count;
//   - duplicates (records the collector accepted more than once, counted per
//     record by our proxy) are exactly the records that were accepted but not
//     committed at a kill and re-sent by the next run, and never more than the
//     sum over the kills of the accepted-but-uncommitted records (committed
//     offsets read with the admin API after each kill).
// Short: 1,000 records × 2 spans. Long (JAEGER_KAFKA_FAULTS_LONG=1): 6,000.
// Runs the child with the current runtime (Node + tsx, Deno, Bun).
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { runtime, test } from '../support/harness.ts'
import { KAFKA_BROKERS, uniqueTopic } from '../support/peers.ts'
import { startCollectorProxy } from '../support/forwarder-proxy.ts'
import { waitFor } from '../support/forwarder-fakes.ts'
import { committedOffsets, countByTrace, createTopics, endOffsets, produce, spanRecords, waitUntilCommittedToEnd } from '../support/forwarder-kafka.ts'
import { FAULTS_LONG, FAULTS_SKIP, incompleteTraces, reportFault, startChild, stopChild } from '../support/faults.ts'
import type { Child } from '../support/faults.ts'

const CHILD = fileURLToPath(new URL('../support/forwarder-child.ts', import.meta.url))
const PARTITIONS = 2
const RECORDS = FAULTS_LONG ? 6_000 : 1_000
const SPANS = 2
const KILLS = 5
/** Records each run forwards before it is killed. */
const STEP = Math.floor(RECORDS / 10)

test(`a forwarder SIGKILLed ${KILLS} times while draining ${RECORDS} records loses no span; duplicates are exactly the accepted-but-uncommitted records at the kills`, async () => {
  const topic = uniqueTopic('faults-crash-loop')
  const groupId = `${topic}-group`
  await createTopics([{ topic, partitions: PARTITIONS }])
  const proxy = await startCollectorProxy()
  proxy.setDelay(20) // a slow collector, so each kill lands mid-drain with POSTs in flight
  const { records, traceIds } = spanRecords(RECORDS, SPANS, PARTITIONS, 'faults-crash-loop')
  await produce(topic, records)
  const env = { KAFKA_BROKERS: KAFKA_BROKERS.join(','), FWD_TOPIC: topic, FWD_GROUP: groupId, FWD_COLLECTOR_URL: proxy.url }
  // spanRecords puts record i on partition i % PARTITIONS, produced in order.
  const offsetOf = new Map(traceIds.map((id, i) => [id, { partition: i % PARTITIONS, offset: BigInt(Math.floor(i / PARTITIONS)) }]))
  const acceptedIn = (from: number): Set<string> =>
    new Set([...countByTrace(proxy.requests.slice(from).filter((r) => r.status >= 200 && r.status < 300).map((r) => r.body)).keys()])

  const children: Child[] = []
  const perKill: { committed: string; uncommitted: number; resentNext: number }[] = []
  const uncommittedSets: Set<string>[] = []
  const runStarts: number[] = []
  const began = Date.now()
  try {
    for (let k = 0; k <= KILLS; k++) {
      runStarts.push(proxy.requests.length)
      const child = startChild(CHILD, env)
      children.push(child)
      await child.ready
      if (k === KILLS) break
      const before = proxy.accepted().length
      await waitFor(() => proxy.accepted().length >= before + STEP, 60_000, `run ${k + 1} forwarded ${STEP} records`)
      await stopChild(child, 'SIGKILL')
      // POSTs the dead child had in flight still reach Jaeger through the proxy: let them land.
      await waitFor(() => proxy.pending() === 0, 10_000, 'proxy idle')
      const committed = await committedOffsets(groupId, topic)
      const acceptedSoFar = acceptedIn(0)
      assert.ok(acceptedSoFar.size < RECORDS, `kill ${k + 1} landed before the backlog was drained`)
      const uncommitted = new Set([...acceptedSoFar].filter((id) => {
        const at = offsetOf.get(id)!
        return at.offset >= (committed.get(at.partition) ?? -1n)
      }))
      uncommittedSets.push(uncommitted)
      perKill.push({ committed: [...committed.values()].map(String).join('+'), uncommitted: uncommitted.size, resentNext: 0 })
    }
    const last = children[KILLS]!
    await waitUntilCommittedToEnd(groupId, topic, 120_000)
    const drainSeconds = (Date.now() - began) / 1000
    const exit = await stopChild(last, 'SIGTERM')
    assert.equal(exit.code, 0, `graceful stop on SIGTERM:\n${last.stderr()}`)
    assert.ok(last.stdout().includes('stopped'), `graceful stop on SIGTERM:\n${last.stderr()}`)
    assert.deepEqual(await committedOffsets(groupId, topic), await endOffsets(topic))

    // No record lost; duplicates accounted for kill by kill.
    const counts = countByTrace(proxy.accepted())
    const lost = traceIds.filter((id) => !counts.has(id))
    assert.deepEqual(lost, [], 'every record accepted by the collector')
    const duplicates = [...counts.values()].reduce((sum, n) => sum + (n - 1), 0)
    let resent = 0
    for (let k = 0; k < KILLS; k++) {
      const nextRun = new Set([...countByTrace(proxy.requests.slice(runStarts[k + 1], runStarts[k + 2]).filter((r) => r.status >= 200 && r.status < 300).map((r) => r.body)).keys()])
      perKill[k]!.resentNext = [...uncommittedSets[k]!].filter((id) => nextRun.has(id)).length
      resent += perKill[k]!.resentNext
    }
    const bound = perKill.reduce((sum, p) => sum + p.uncommitted, 0)
    console.log(`[faults-crash-loop ${runtime}] per kill: ${JSON.stringify(perKill)}; duplicates ${duplicates}, bound ${bound}`)
    assert.equal(duplicates, resent, 'every duplicate is a record accepted but uncommitted at a kill, re-sent by the next run')
    assert.ok(duplicates <= bound, `duplicates ${duplicates} <= accepted-but-uncommitted at the kills ${bound}`)

    // Every trace complete in the real Jaeger, exact span counts.
    const missing = await incompleteTraces(traceIds, SPANS, 60_000)
    assert.deepEqual(missing, [], 'every trace complete in Jaeger')

    reportFault({
      scenario: '2 forwarder crash loop',
      load: `${RECORDS} records × ${SPANS} spans pre-filled, ${PARTITIONS} partitions, collector +20 ms`,
      faults: `forwarder SIGKILL ×${KILLS}, restarted`,
      sent: RECORDS * SPANS,
      delivered: counts.size * SPANS,
      duplicated: duplicates * SPANS,
      droppedCounted: 0,
      drainSeconds: Number(drainSeconds.toFixed(1)),
      notes: `uncommitted at kills: ${perKill.map((p) => p.uncommitted).join(', ')} records (sum ${bound}); re-sent: ${perKill.map((p) => p.resentNext).join(', ')}; ${runtime}`,
    })
  } finally {
    for (const child of children) await stopChild(child, 'SIGKILL')
    await proxy.close()
  }
}, { timeout: FAULTS_LONG ? 600_000 : 240_000, skip: FAULTS_SKIP })
