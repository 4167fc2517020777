// SPDX-License-Identifier: Apache-2.0
// Jaeger's own Kafka ingester (a private `jaeger-ingester` peer: the kafka
// receiver of collector-contrib v0.140.1 with message_marking after: true,
// into a memory store) stopped while a drop-in app keeps producing otlp_proto
// records, once with a clean stop (SIGTERM) and once with SIGKILL:
//   1. the app makes traces; the ingester stores and commits them; the app
//      makes more; the ingester stores them (its accepted-spans counter);
//   2. the ingester is stopped/killed at once (within its 1 s autocommit);
//      the group's committed offsets are read (nothing commits after that);
//   3. the app makes more traces while the ingester is down: all delivered;
//   4. the ingester starts again and resumes at the committed offsets.
// Its store is memory, so it restarts empty: what it holds afterwards is what
// it read after the restart. Exactly the spans of records at or past the
// committed offsets must be there (every one produced during the outage, none
// from a committed record); the spans it re-read from step 1 are what a durable
// store would hold twice (at-least-once). A clean stop must commit everything
// it stored (0 re-read); after SIGKILL the test prints how many it re-read.
// Stops and kills peers, so it runs only with JAEGER_KAFKA_OUTAGE_TESTS=1.
import assert from 'node:assert/strict'
import kafkajs from 'kafkajs'
import { test } from '../support/harness.ts'
import { FAULTS_SKIP, reportFault, sleep } from '../support/faults.ts'
import { KAFKA_BROKERS, uniqueTopic } from '../support/peers.ts'
import { privateIngester } from '../support/jaeger-process.ts'
import type { PrivateIngester } from '../support/jaeger-process.ts'
import { waitForSpanCensus } from '../support/span-census.ts'
import { createTopic, distinctSpansPerTrace, spanRecordsOn } from '../support/span-topic.ts'
import { getKafkaSender, initTracer } from '../../senders/init-tracer.ts'
import type { JaegerTracer } from '../../senders/init-tracer.ts'
import type { KafkaSender } from '../../senders/kafka-sender.ts'
import { droppedSpans } from '../support/sender-setup.ts'

const TRACES = 200
const SPANS_PER_TRACE = 3
const PARTITIONS = 3
// Counted once the pipeline returned: after the memory store wrote the spans (no batch processor).
const ACCEPTED = 'otelcol_receiver_accepted_spans_total'

const kafka = new kafkajs.Kafka({ clientId: 'outage-ingester', brokers: KAFKA_BROKERS, logLevel: kafkajs.logLevel.NOTHING })

/** `TRACES` traces of `SPANS_PER_TRACE` spans, then wait until the broker acknowledged every span made so far. */
async function makeTraces(tracer: JaegerTracer, sender: KafkaSender, step: string, made: number): Promise<number> {
  for (let i = 0; i < TRACES; i++) {
    const root = tracer.startSpan(`${step} request`)
    for (let j = 1; j < SPANS_PER_TRACE; j++) {
      const child = tracer.startSpan(`${step} step ${j}`, { childOf: root })
      child.setTag('i', i)
      child.finish()
    }
    root.finish()
  }
  const total = made + TRACES * SPANS_PER_TRACE
  const deadline = Date.now() + 30_000
  while (sender.stats().spansDelivered < total && Date.now() < deadline) {
    await sender.flush()
    await sleep(50)
  }
  assert.equal(sender.stats().spansDelivered, total, `the broker acknowledged the ${step} spans`)
  return total
}

/** Offsets by partition: committed by the ingester's group (-1: none) or the topic's ends. */
async function offsets(ingester: PrivateIngester): Promise<{ committed: Map<number, bigint>; ends: Map<number, bigint> }> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const [group] = await admin.fetchOffsets({ groupId: ingester.groupId, topics: [ingester.topic] })
    const ends = await admin.fetchTopicOffsets(ingester.topic)
    return {
      committed: new Map((group?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)])),
      ends: new Map(ends.map((p) => [p.partition, BigInt(p.high)])),
    }
  } finally {
    await admin.disconnect()
  }
}

/** Whether the group committed every partition to its end (a partition without records needs no commit). */
function committedToEnd(o: { committed: Map<number, bigint>; ends: Map<number, bigint> }): boolean {
  return [...o.ends].every(([p, end]) => end === 0n || o.committed.get(p) === end)
}

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached after ${timeoutMs} ms`)
    await sleep(everyMs)
  }
}

for (const [how, label] of [['stop', 'a clean stop (SIGTERM)'], ['kill', 'SIGKILL']] as const) {
  test(`otlp_proto: Jaeger's Kafka ingester down after ${label} while the app produces: after its restart every span past the committed offsets is in its query API exactly once`, async () => {
    const topic = uniqueTopic(`outage-ingester-${how}`)
    await createTopic(topic, PARTITIONS)
    const ingester = await privateIngester(topic, 'otlp_proto')
    const service = uniqueTopic(`outage-ingester-app-${how}`)
    const tracer = initTracer({ serviceName: service, sampler: { type: 'const', param: 1 }, reporter: { flushIntervalMs: 100, kafka: { brokers: KAFKA_BROKERS, topic, encoding: 'otlp_proto' } } })
    const sender = getKafkaSender(tracer) as KafkaSender
    try {
      await ingester.start()

      // 1. Before the outage: a first lot stored and committed, then a second
      // lot stored (accepted = written to memory), maybe not committed yet.
      const first = await makeTraces(tracer, sender, 'first', 0)
      await waitFor('the ingester accepted the first lot', async () => (await ingester.counter(ACCEPTED, 'receiver="kafka"')) >= first)
      await waitFor('the ingester committed the first lot', async () => committedToEnd(await offsets(ingester)), 30_000, 250)
      const before = await makeTraces(tracer, sender, 'second', first)
      await waitFor('the ingester accepted the second lot', async () => (await ingester.counter(ACCEPTED, 'receiver="kafka"')) >= before)
      // 2. Down at once, possibly before its next autocommit (1 s).
      await (how === 'stop' ? ingester.stop() : ingester.kill())
      const atOutage = await offsets(ingester)
      const beforeRecords = await spanRecordsOn(topic, before, 5_000)
      assert.equal(beforeRecords.flatMap((r) => r.spanIds).length, before, 'the topic holds the spans once')

      // 3. During the outage.
      const total = await makeTraces(tracer, sender, 'during', before)
      assert.equal(droppedSpans(sender.stats()), 0)

      // 4. Back: it resumes at the committed offsets.
      await ingester.start()
      const records = await spanRecordsOn(topic, total, 5_000)
      assert.equal(records.flatMap((r) => r.spanIds).length, total)
      assert.equal(new Set(records.flatMap((r) => r.spanIds)).size, total, 'every span on the topic once')
      const committedAt = (p: number): bigint => {
        const c = atOutage.committed.get(p) ?? -1n
        return c < 0n ? 0n : c
      }
      const reread = records.filter((r) => r.offset >= committedAt(r.partition))
      const rereadFromBefore = reread.filter((r) => r.offset < atOutage.ends.get(r.partition)!)
      const rereadSpans = rereadFromBefore.reduce((n, r) => n + r.spanIds.length, 0)
      const expected = distinctSpansPerTrace(reread)
      // Traces only in committed records must stay absent: count them too, expecting 0.
      for (const traceId of distinctSpansPerTrace(records).keys()) if (!expected.has(traceId)) expected.set(traceId, 0)
      const census = await waitForSpanCensus(expected, ingester.queryUrl, 60_000)
      const expectedSpans = total - before + rereadSpans
      assert.deepEqual(census.incompleteTraces, [], `${census.missing} spans missing in the ingester's query API`)
      assert.equal(census.unique, expectedSpans, 'every span past the committed offsets, each once')
      assert.equal(census.extra, 0, 'no span of a committed record was read again')
      assert.equal(census.duplicates, 0)
      await waitFor('the restarted ingester accepted what it read', async () => (await ingester.counter(ACCEPTED, 'receiver="kafka"')) >= expectedSpans, 30_000, 200)
      assert.equal(await ingester.counter(ACCEPTED, 'receiver="kafka"'), expectedSpans, 'it accepted exactly what it re-read and the outage spans')
      await waitFor('the ingester committed to the end of the topic', async () => committedToEnd(await offsets(ingester)), 30_000, 250)

      const uncommitted = [...atOutage.ends].map(([p, end]) => Number(end - committedAt(p))).reduce((a, b) => a + b, 0)
      const committedRecords = beforeRecords.length - uncommitted
      if (how === 'stop') {
        assert.ok(committedToEnd(atOutage), `a clean stop commits every record it stored: ${[...atOutage.committed]} of ${[...atOutage.ends]}`)
        assert.equal(rereadSpans, 0)
      }
      console.log(`ingester ${how}: ${before} spans stored before the outage (${first} of them committed before the second lot), ${uncommitted} of ${beforeRecords.length} records uncommitted when it went down (${committedRecords} committed), ${rereadSpans} spans re-read after the restart (a durable store would hold them twice), ${total - before} produced during the outage, all ${expectedSpans} expected in its query API`)
      reportFault({
        scenario: `ingester ${how === 'stop' ? 'clean stop' : 'SIGKILL'} (otlp_proto)`,
        load: `${total} spans in ${records.length} records (${TRACES * 3} traces of ${SPANS_PER_TRACE}), ${PARTITIONS} partitions`,
        faults: `Jaeger's Kafka ingester ${how === 'stop' ? 'stopped (SIGTERM)' : 'killed (SIGKILL)'} right after storing ${before} spans; ${total - before} spans produced while down`,
        sent: total,
        delivered: before + census.unique - rereadSpans,
        duplicated: rereadSpans,
        droppedCounted: droppedSpans(sender.stats()),
        drainSeconds: null,
        notes: `memory store: restarted empty; ${uncommitted} records uncommitted at the outage, re-read once`,
      })
    } finally {
      await new Promise<void>((resolve) => tracer.close(() => resolve()))
      await ingester.close()
    }
  }, { timeout: 180_000, skip: FAULTS_SKIP })
}
