// SPDX-License-Identifier: Apache-2.0
// Fault suite, scenario 7: a slow Jaeger. Our proxy holds every POST before
// passing it to the real collector, while a forwarder in a child process
// drains a pre-filled topic:
//   - bounded memory: the child's RSS (sampled from /proc every second) stays
//     within +150 MB of its RSS once started;
//   - POSTs in flight never exceed partitions × maxInFlightPerPartition (the
//     proxy tracks the most concurrent POSTs);
//   - steady progress: every 2 s window from the first acceptance to the end
//     forwards something;
//   - everything arrives: committed to the end, every trace complete in Jaeger.
// Short: 900 records × 30 spans, +250 ms per POST. Long
// (JAEGER_KAFKA_FAULTS_LONG=1): 6,000 records (2,000 per partition, above
// maxPendingPerPartition, so pause/resume is exercised), +400 ms per POST.
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { runtime, test } from '../support/harness.ts'
import { KAFKA_BROKERS, uniqueTopic } from '../support/peers.ts'
import { startCollectorProxy } from '../support/forwarder-proxy.ts'
import { waitFor } from '../support/forwarder-fakes.ts'
import { countByTrace, createTopics, produce, spanRecords, waitUntilCommittedToEnd } from '../support/forwarder-kafka.ts'
import { FAULTS_LONG, FAULTS_SKIP, incompleteTraces, reportFault, rssOf, sleep, startChild, stopChild } from '../support/faults.ts'

const CHILD = fileURLToPath(new URL('../support/forwarder-child.ts', import.meta.url))
const PARTITIONS = 3
const IN_FLIGHT = 4
const RECORDS = FAULTS_LONG ? 6_000 : 900
const SPANS = 30
const DELAY_MS = FAULTS_LONG ? 400 : 250
const MEMORY_BOUND = 150 * 1024 * 1024
const WINDOW_MS = 2_000
const hasProc = rssOf(globalThis.process?.pid ?? 0) !== undefined

test(`slow Jaeger (+${DELAY_MS} ms per POST, ${RECORDS} records): bounded memory, in-flight POSTs <= partitions × maxInFlightPerPartition, steady progress, everything arrives`, async () => {
  const topic = uniqueTopic('faults-slow')
  const groupId = `${topic}-group`
  await createTopics([{ topic, partitions: PARTITIONS }])
  const proxy = await startCollectorProxy()
  proxy.setDelay(DELAY_MS)
  const { records, traceIds } = spanRecords(RECORDS, SPANS, PARTITIONS, 'faults-slow')
  await produce(topic, records)
  const child = startChild(CHILD, { KAFKA_BROKERS: KAFKA_BROKERS.join(','), FWD_TOPIC: topic, FWD_GROUP: groupId, FWD_COLLECTOR_URL: proxy.url, FWD_IN_FLIGHT: String(IN_FLIGHT) })
  try {
    await child.ready
    const pid = child.proc.pid!
    const rssStart = rssOf(pid) ?? 0
    let rssMax = rssStart
    await waitFor(() => proxy.accepted().length > 0, 60_000, 'first record accepted')
    const firstAt = Date.now()
    // Sample RSS every second and progress every WINDOW_MS until everything is accepted.
    const windows: number[] = []
    let lastCount = proxy.accepted().length
    let lastWindowAt = firstAt
    while (countByTrace(proxy.accepted()).size < RECORDS && Date.now() - firstAt < 600_000) {
      await sleep(1_000)
      rssMax = Math.max(rssMax, rssOf(pid) ?? 0)
      if (Date.now() - lastWindowAt >= WINDOW_MS) {
        const n = proxy.accepted().length
        if (countByTrace(proxy.accepted()).size < RECORDS) windows.push(n - lastCount) // complete windows only
        lastCount = n
        lastWindowAt = Date.now()
      }
    }
    const drainSeconds = (Date.now() - firstAt) / 1000
    await waitUntilCommittedToEnd(groupId, topic, 60_000)
    const maxInFlight = proxy.maxPending()
    await stopChild(child, 'SIGTERM')

    assert.ok(maxInFlight <= PARTITIONS * IN_FLIGHT, `at most ${PARTITIONS * IN_FLIGHT} POSTs in flight, saw ${maxInFlight}`)
    assert.ok(maxInFlight > 1, 'the forwarder pipelined POSTs')
    assert.ok(windows.length > 0, 'the drain spanned at least one sampling window')
    assert.deepEqual(windows.filter((n) => n === 0), [], `every ${WINDOW_MS / 1000} s window forwarded something: ${windows.join(',')}`)
    if (hasProc) assert.ok(rssMax - rssStart < MEMORY_BOUND, `RSS grew ${((rssMax - rssStart) / 1048576).toFixed(0)} MB (bound 150 MB)`)

    const counts = countByTrace(proxy.accepted())
    assert.equal(counts.size, RECORDS, 'every record accepted')
    const duplicates = proxy.accepted().length - counts.size
    assert.equal(duplicates, 0, 'a slow collector causes no re-sends (requestTimeoutMs is 10 s)')
    const missing = await incompleteTraces(traceIds, SPANS, 60_000)
    assert.deepEqual(missing, [], 'every trace complete in Jaeger')

    const mb = (n: number) => (n / 1048576).toFixed(0)
    console.log(`[faults-slow ${runtime}] max in flight ${maxInFlight}, RSS ${mb(rssStart)} → max ${mb(rssMax)} MB, windows ${windows.join(',')}`)
    reportFault({
      scenario: '7 slow Jaeger',
      load: `${RECORDS} records × ${SPANS} spans pre-filled, ${PARTITIONS} partitions × ${IN_FLIGHT} in flight`,
      faults: `collector +${DELAY_MS} ms per POST`,
      sent: RECORDS * SPANS,
      delivered: counts.size * SPANS,
      duplicated: duplicates * SPANS,
      droppedCounted: 0,
      drainSeconds: Number(drainSeconds.toFixed(1)),
      notes: `max ${maxInFlight} POSTs in flight (bound ${PARTITIONS * IN_FLIGHT}); child RSS ${hasProc ? `${mb(rssStart)} → max ${mb(rssMax)} MB` : 'not sampled (no /proc)'}; min records per ${WINDOW_MS / 1000} s window ${Math.min(...windows)}; ${runtime}`,
    })
  } finally {
    await stopChild(child, 'SIGKILL')
    await proxy.close()
  }
}, { timeout: FAULTS_LONG ? 900_000 : 180_000, skip: FAULTS_SKIP })
