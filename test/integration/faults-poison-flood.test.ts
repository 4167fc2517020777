// SPDX-License-Identifier: Apache-2.0
// Fault suite, scenario 4: a poison flood against the real Kafka and the real
// Jaeger. Random-byte records (our decoder rejects them) and batches our
// decoder accepts but the real Jaeger answers 400 for, interleaved with valid
// records: every valid span is in Jaeger, every poison record is in the
// dead-letter topic with its reason header at its original offset, and the
// forwarder finishes without a stall. Throughput is measured, not asserted:
// valid records/s over the second half of the drain, against a poison-free
// baseline run of the same valid records in the same test.
// Short: 200 random + 20 rejected among 2,000 valid. Long
// (JAEGER_KAFKA_FAULTS_LONG=1): 1,000 + 100 among 10,000.
import assert from 'node:assert/strict'
import { runtime, test } from '../support/harness.ts'
import { JAEGER_COLLECTOR_URL, KAFKA_BROKERS, uniqueTopic } from '../support/peers.ts'
import { captureLogger, makeJaegerRejectedBatch, randomBytes } from '../support/forwarder-fakes.ts'
import { createTopics, endOffsets, produce, readTopic, spanRecords, waitUntilCommittedToEnd } from '../support/forwarder-kafka.ts'
import type { TestRecord } from '../support/forwarder-kafka.ts'
import { FAULTS_LONG, FAULTS_SKIP, incompleteTraces, reportFault, sleep } from '../support/faults.ts'
import { createForwarder } from '../../forwarder/forwarder.ts'

const VALID = FAULTS_LONG ? 10_000 : 2_000
const RANDOM = FAULTS_LONG ? 1_000 : 200
const REJECTED = FAULTS_LONG ? 100 : 20
const SPANS = 2
const PARTITIONS = 2
const text = (value: unknown): string | undefined => (value === undefined ? undefined : String(value))

interface Drain {
  /** Valid records/s between half and all of them forwarded. */
  secondHalfRate: number
  seconds: number
  forwarded: number
  deadLettered: Record<string, number>
}

/** Forward `topic` to the real Jaeger until committed to its end; measure the drain. */
async function drain(topic: string, validCount: number): Promise<Drain> {
  const groupId = `${topic}-group`
  const forwarder = createForwarder({ brokers: KAFKA_BROKERS, topic, groupId, collectorUrl: JAEGER_COLLECTOR_URL, logger: captureLogger(), clientLogLevel: 'nothing' })
  try {
    await forwarder.start()
    const began = Date.now()
    let halfAt = 0
    let doneAt = 0
    const sampling = (async () => {
      while (doneAt === 0 && Date.now() - began < 300_000) {
        const n = forwarder.metrics().recordsForwarded
        if (halfAt === 0 && n >= validCount / 2) halfAt = Date.now()
        if (n >= validCount) doneAt = Date.now()
        await sleep(20)
      }
    })()
    await waitUntilCommittedToEnd(groupId, topic, 300_000)
    await sampling
    const m = forwarder.metrics()
    return {
      secondHalfRate: validCount / 2 / (Math.max(1, doneAt - halfAt) / 1000),
      seconds: (Date.now() - began) / 1000,
      forwarded: m.recordsForwarded,
      deadLettered: m.deadLettered,
    }
  } finally {
    await forwarder.stop()
  }
}

test(`poison flood (${RANDOM} random + ${REJECTED} Jaeger-rejected among ${VALID} valid records): every valid span in Jaeger, every poison record dead-lettered with its reason, no stall`, async () => {
  const baselineTopic = uniqueTopic('faults-poison-base')
  const topic = uniqueTopic('faults-poison')
  const dlq = `${topic}.dlq`
  await createTopics([{ topic: baselineTopic, partitions: PARTITIONS }, { topic, partitions: PARTITIONS }, { topic: dlq, partitions: 1 }])

  // Baseline: the same number of valid records, no poison.
  const base = spanRecords(VALID, SPANS, PARTITIONS, 'faults-poison-base')
  await produce(baselineTopic, base.records)
  const baseline = await drain(baselineTopic, VALID)
  assert.equal(baseline.forwarded, VALID)

  // Poisoned: poison spread evenly through the valid records, on both partitions.
  const valid = spanRecords(VALID, SPANS, PARTITIONS, 'faults-poison')
  const poisonTotal = RANDOM + REJECTED
  const records: TestRecord[] = []
  const expectedReason = new Map<string, string>() // `${partition}:${offset}` → reason
  const nextOffset = Array.from({ length: PARTITIONS }, () => 0)
  const push = (record: TestRecord, reason?: string): void => {
    const partition = record.partition ?? 0
    if (reason) expectedReason.set(`${partition}:${nextOffset[partition]}`, reason)
    nextOffset[partition]!++
    records.push(record)
  }
  let poisonPlaced = 0
  for (let i = 0; i < VALID; i++) {
    push(valid.records[i]!)
    // After valid record i, place poison so that poisonTotal land evenly over VALID.
    while (poisonPlaced < Math.floor(((i + 1) * poisonTotal) / VALID)) {
      const partition = poisonPlaced % PARTITIONS
      // Every (RANDOM/REJECTED)-th poison record is a Jaeger-rejected batch.
      const rejected = poisonPlaced % Math.floor(poisonTotal / REJECTED) === 0 && [...expectedReason.values()].filter((r) => r === 'collector-rejected').length < REJECTED
      if (rejected) push({ value: makeJaegerRejectedBatch().bytes, key: `rejected-${poisonPlaced}`, partition }, 'collector-rejected')
      else push({ value: randomBytes(16 + (poisonPlaced % 500)), key: `random-${poisonPlaced}`, partition }, 'thrift-decode')
      poisonPlaced++
    }
  }
  const byReason = (reason: string): number => [...expectedReason.values()].filter((r) => r === reason).length
  assert.equal(byReason('collector-rejected'), REJECTED)
  assert.equal(byReason('thrift-decode'), RANDOM)
  await produce(topic, records)
  const poisoned = await drain(topic, VALID)

  // Nothing stalled: committed to the end, every valid record forwarded, every poison record dead-lettered.
  assert.equal(poisoned.forwarded, VALID)
  assert.deepEqual(poisoned.deadLettered, { 'thrift-decode': RANDOM, 'collector-rejected': REJECTED })
  const ends = await endOffsets(topic)
  assert.equal([...ends.values()].reduce((a, b) => a + b, 0n), BigInt(VALID + poisonTotal))

  // Every poison record in the DLQ, at its original offset, with its reason.
  const letters = await readTopic(dlq, poisonTotal, 60_000)
  assert.equal(letters.length, poisonTotal)
  const seen = new Map<string, string>()
  for (const m of letters) {
    assert.equal(text(m.headers?.['x-jaeger-kafka-original-topic']), topic)
    const at = `${text(m.headers?.['x-jaeger-kafka-original-partition'])}:${text(m.headers?.['x-jaeger-kafka-original-offset'])}`
    assert.ok(!seen.has(at), `one dead letter per poison record (${at})`)
    seen.set(at, text(m.headers?.['x-jaeger-kafka-error'])!)
    if (seen.get(at) === 'collector-rejected') assert.equal(text(m.headers?.['x-jaeger-kafka-status']), '400')
  }
  assert.deepEqual(new Map([...seen].sort()), new Map([...expectedReason].sort()), 'exactly the poison records, each with its reason')

  // Every valid span in the real Jaeger.
  const missing = await incompleteTraces(valid.traceIds, SPANS, 60_000)
  assert.deepEqual(missing, [], 'every valid trace complete in Jaeger')

  const ratio = poisoned.secondHalfRate / baseline.secondHalfRate
  console.log(`[faults-poison ${runtime}] second-half valid records/s: baseline ${baseline.secondHalfRate.toFixed(0)}, poisoned ${poisoned.secondHalfRate.toFixed(0)} (ratio ${ratio.toFixed(2)})`)
  reportFault({
    scenario: '4 poison flood',
    load: `${VALID} valid records × ${SPANS} spans + ${RANDOM} random + ${REJECTED} Jaeger-400 records, ${PARTITIONS} partitions`,
    faults: `${poisonTotal} poison records interleaved`,
    sent: VALID * SPANS,
    delivered: poisoned.forwarded * SPANS,
    duplicated: 0,
    droppedCounted: poisonTotal,
    drainSeconds: Number(poisoned.seconds.toFixed(1)),
    notes: `dropped = poison records dead-lettered (all found in the DLQ with reason); second-half throughput ${poisoned.secondHalfRate.toFixed(0)} vs baseline ${baseline.secondHalfRate.toFixed(0)} valid records/s (ratio ${ratio.toFixed(2)}); ${runtime}`,
  })
}, { timeout: FAULTS_LONG ? 900_000 : 240_000, skip: FAULTS_SKIP })
