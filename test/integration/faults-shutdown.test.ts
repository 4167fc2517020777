// SPDX-License-Identifier: Apache-2.0
// Fault suite, scenario 6: SIGTERM during load.
//   (a) an app (test/support/faults-app.ts) producing spans gets SIGTERM; its
//       handler calls tracer.close(); it exits by itself (no process.exit)
//       within closeTimeoutMs, and every span the sender reported delivered is
//       on the topic (records decoded and counted);
//   (b) `jaeger-kafka forward` (cli/bin.ts) gets SIGTERM mid-drain: exit code
//       0, and the committed offsets equal the records the collector accepted
//       (counted per record by our proxy): exactly the first ones per partition.
// Short: ~2 s of load / 400 records. Long (JAEGER_KAFKA_FAULTS_LONG=1): 20 s / 4,000.
import assert from 'node:assert/strict'
import type { Buffer } from 'node:buffer'
import { fileURLToPath } from 'node:url'
import { runtime, test } from '../support/harness.ts'
import { KAFKA_BROKERS, uniqueTopic } from '../support/peers.ts'
import { startCollectorProxy } from '../support/forwarder-proxy.ts'
import { waitFor } from '../support/forwarder-fakes.ts'
import { committedOffsets, countByTrace, createTopics, endOffsets, produce, readTopic, spanRecords } from '../support/forwarder-kafka.ts'
import { FAULTS_LONG, FAULTS_SKIP, reportFault, sleep, startChild, stopChild } from '../support/faults.ts'
import { decodeBatch } from '../../src/codec/thrift/jaeger-decode.ts'

const APP = fileURLToPath(new URL('../support/faults-app.ts', import.meta.url))
const CLI = fileURLToPath(new URL('../../cli/bin.ts', import.meta.url))
const CLOSE_TIMEOUT_MS = 5_000
/** Process start-up and teardown on top of closeTimeoutMs (runtime exit, not the sender). */
const EXIT_SLACK_MS = 3_000
const LOAD_MS = FAULTS_LONG ? 20_000 : 2_000
const RECORDS = FAULTS_LONG ? 4_000 : 400

test(`an app SIGTERMed under load (${LOAD_MS / 1000} s) closes its tracer, exits by itself, and every span reported delivered is on the topic`, async () => {
  const topic = uniqueTopic('faults-shutdown-app')
  await createTopics([{ topic, partitions: 3 }])
  const app = startChild(APP, { KAFKA_BROKERS: KAFKA_BROKERS.join(','), APP_TOPIC: topic, APP_CLOSE_TIMEOUT_MS: String(CLOSE_TIMEOUT_MS) })
  try {
    await app.ready
    await sleep(LOAD_MS)
    const termAt = Date.now()
    const ended = await stopChild(app, 'SIGTERM', CLOSE_TIMEOUT_MS + EXIT_SLACK_MS)
    const exitMs = Date.now() - termAt
    assert.notEqual(ended.signal, 'SIGKILL', `the app did not exit by itself within closeTimeoutMs (+${EXIT_SLACK_MS} ms):\n${app.stderr()}`)
    // Deno's child_process reports a child that handled SIGTERM and exited 0 as killed by SIGTERM.
    if (runtime !== 'deno') assert.equal(ended.code, 0, app.stderr())
    const line = app.stdout().trim().split('\n').at(-1)!
    const report = JSON.parse(line) as { produced: number; closeMs: number; stats: { spansAppended: number; spansDelivered: number; spansDropped: Record<string, number>; bufferedSpans: number; batchesDelivered: number } }
    assert.equal(report.stats.spansAppended, report.produced, 'every finished span reached the sender')
    assert.equal(report.stats.bufferedSpans, 0)
    const dropped = Object.values(report.stats.spansDropped).reduce((a, b) => a + b, 0)
    assert.equal(report.stats.spansDelivered + dropped, report.produced, 'delivered + dropped == produced')
    assert.equal(dropped, 0, 'a healthy broker: nothing dropped at close')

    // Every delivered span is on the topic (all records, decoded).
    const ends = await endOffsets(topic)
    const recordCount = Number([...ends.values()].reduce((a, b) => a + b, 0n))
    const messages = await readTopic(topic, recordCount, 60_000)
    const spanIds: string[] = []
    for (const m of messages) for (const span of decodeBatch(m.value as Buffer).spans) spanIds.push(span.spanId.toString(16))
    const unique = new Set(spanIds).size
    assert.equal(unique, report.stats.spansDelivered, 'exactly the delivered spans are on the topic')
    console.log(`[faults-shutdown app ${runtime}] ${report.produced} spans, close() took ${report.closeMs} ms, exit ${exitMs} ms after SIGTERM`)
    reportFault({
      scenario: '6a app SIGTERM',
      load: `${report.produced} spans over ~${LOAD_MS / 1000} s (20 spans / 10 ms tick), 3 partitions`,
      faults: 'SIGTERM → tracer.close()',
      sent: report.produced,
      delivered: unique,
      duplicated: spanIds.length - unique,
      droppedCounted: dropped,
      drainSeconds: Number((report.closeMs / 1000).toFixed(2)),
      notes: `drain = close() duration; process exited ${exitMs} ms after SIGTERM (closeTimeoutMs ${CLOSE_TIMEOUT_MS}) without process.exit(); ${runtime}`,
    })
  } finally {
    await stopChild(app, 'SIGKILL')
  }
}, { timeout: 120_000, skip: FAULTS_SKIP })

test(`\`jaeger-kafka forward\` SIGTERMed mid-drain (${RECORDS} records) exits 0 and commits exactly the records the collector accepted`, async () => {
  const topic = uniqueTopic('faults-shutdown-cli')
  const groupId = `${topic}-group`
  const PARTITIONS = 2
  await createTopics([{ topic, partitions: PARTITIONS }])
  const proxy = await startCollectorProxy()
  proxy.setDelay(30) // a slow collector, so SIGTERM lands with POSTs in flight
  const { records, traceIds } = spanRecords(RECORDS, 2, PARTITIONS, 'faults-shutdown-cli')
  await produce(topic, records)
  const cli = startChild(CLI, {}, ['forward', '--brokers', KAFKA_BROKERS.join(','), '--topic', topic, '--group', groupId, '--collector', proxy.url, '--metrics-port', '0'])
  try {
    await waitFor(() => proxy.accepted().length >= RECORDS / 4, 60_000, `a quarter of the backlog forwarded:\n${cli.stderr()}`)
    const termAt = Date.now()
    const ended = await stopChild(cli, 'SIGTERM', 30_000)
    const stopSeconds = (Date.now() - termAt) / 1000
    assert.notEqual(ended.signal, 'SIGKILL', `the CLI did not stop on SIGTERM:\n${cli.stderr()}`)
    if (runtime === 'deno') assert.ok(ended.code === 0 || ended.signal === 'SIGTERM', `exit ${JSON.stringify(ended)}`)
    else assert.equal(ended.code, 0, `exit code 0:\n${cli.stderr()}`)
    assert.match(cli.stderr(), /jaeger-kafka forward: stopped after/)
    assert.equal(proxy.pending(), 0, 'no POST left in flight after the CLI exited')

    const accepted = countByTrace(proxy.accepted())
    const duplicates = proxy.accepted().length - accepted.size
    assert.equal(duplicates, 0, 'nothing accepted twice within one run')
    const committed = await committedOffsets(groupId, topic)
    const committedTotal = [...committed.values()].reduce((a, b) => a + (b < 0n ? 0n : b), 0n)
    assert.ok(accepted.size < RECORDS, 'SIGTERM landed before the end of the backlog')
    assert.equal(committedTotal, BigInt(accepted.size), 'committed offsets == records the collector accepted')
    // Per partition: the accepted records are exactly offsets [0, committed).
    for (let p = 0; p < PARTITIONS; p++) {
      const c = Number(committed.get(p) ?? 0n)
      const expected = traceIds.filter((_, i) => i % PARTITIONS === p).slice(0, Math.max(0, c))
      const got = traceIds.filter((id, i) => i % PARTITIONS === p && accepted.has(id))
      assert.deepEqual(got, expected, `partition ${p}: accepted == the first ${c} records`)
    }
    reportFault({
      scenario: '6b CLI forward SIGTERM',
      load: `${RECORDS} records × 2 spans pre-filled, ${PARTITIONS} partitions, collector +30 ms`,
      faults: 'SIGTERM mid-drain',
      sent: accepted.size * 2,
      delivered: accepted.size * 2,
      duplicated: duplicates * 2,
      droppedCounted: 0,
      drainSeconds: Number(stopSeconds.toFixed(2)),
      notes: `sent = spans accepted before the stop; committed ${committedTotal} records == ${accepted.size} accepted; the other ${RECORDS - accepted.size} stay uncommitted in Kafka; drain = SIGTERM to exit; ${runtime}`,
    })
  } finally {
    await stopChild(cli, 'SIGKILL')
    await proxy.close()
  }
}, { timeout: 120_000, skip: FAULTS_SKIP })
