// SPDX-License-Identifier: Apache-2.0
// The disk spool across a crash: with Kafka stopped, an app (KafkaSender with
// `spoolDir`, in a child process) appends spans until every one is in the
// spool, and is killed with SIGKILL. Kafka comes back; the app restarted on
// the same spoolDir replays: the topic then holds every spooled span id,
// none missing, none foreign; duplicates are counted and reported.
// Stops the shared Kafka peer: only with JAEGER_KAFKA_OUTAGE_TESTS=1.
// JAEGER_KAFKA_FAULTS_LONG=1 spools 20x more spans over two kill/restart rounds.
import assert from 'node:assert/strict'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from '../support/harness.ts'
import { FAULTS_LONG, FAULTS_SKIP, peersAsync, reportFault, startChild, stopChild } from '../support/faults.ts'
import { createTopic, spanIdsOn } from '../support/span-topic.ts'
import { KAFKA_BROKERS, uniqueTopic } from '../support/peers.ts'

const APP = 'test/support/spool-app.ts'
const SPANS_PER_ROUND = FAULTS_LONG ? 20_000 : 1_000
const ROUNDS = FAULTS_LONG ? 2 : 1

function jsonAfter(prefix: string, text: string): Record<string, unknown> {
  const line = text.split('\n').find((l) => l.startsWith(prefix))
  assert.ok(line, `the app printed "${prefix}"`)
  return JSON.parse(line.slice(prefix.length)) as Record<string, unknown>
}

test('spans spooled during a Kafka outage survive SIGKILL of the app and are on the topic after a restart', async () => {
  const topic = uniqueTopic('spool-restart')
  const root = await mkdtemp(join(tmpdir(), 'jaeger-kafka-spool-it-'))
  const spoolDir = join(root, 'spool')
  const traceId = Math.floor(Math.random() * 0xffffffff).toString(16).padStart(8, '0') + '00000001'
  const env = { KAFKA_BROKERS: KAFKA_BROKERS.join(','), APP_TOPIC: topic, APP_SPOOL_DIR: spoolDir, APP_TRACE_ID: traceId }
  const expected = new Set<string>()
  let replayStats: Record<string, unknown> = {}
  try {
    await createTopic(topic)
    await peersAsync('stop', 'kafka')
    for (let round = 0; round < ROUNDS; round++) {
      const firstId = 0x1000 + round * SPANS_PER_ROUND
      for (let i = 0; i < SPANS_PER_ROUND; i++) expected.add((firstId + i).toString(16))
      const app = startChild(APP, { ...env, APP_SPANS: String(SPANS_PER_ROUND), APP_FIRST_ID: String(firstId) }, [], 'spooled ')
      await app.ready
      const spooled = jsonAfter('spooled ', app.stdout()) as { spooled: { spans: number }; pending: { spans: number } }
      assert.equal(spooled.pending.spans, SPANS_PER_ROUND * (round + 1), 'this round and what earlier rounds left are pending')
      const ended = await stopChild(app, 'SIGKILL')
      assert.equal(ended.signal, 'SIGKILL')
      assert.ok((await readdir(spoolDir)).includes('LOCK'), 'the killed app left its lock behind')
    }
    await peersAsync('start', 'kafka')
    const replay = startChild(APP, { ...env, APP_SPANS: '0' }, [], 'replayed ')
    await replay.ready
    const exit = await replay.exited
    assert.equal(exit.code, 0, replay.stderr())
    replayStats = jsonAfter('replayed ', replay.stdout())
    const recovered = replayStats.recovered as { spans: number }
    const replayed = replayStats.replayed as { spans: number }
    assert.equal(recovered.spans, expected.size, 'the restart found every spooled span (stale lock taken over)')
    assert.equal(replayed.spans, expected.size)
    const ids = await spanIdsOn(topic, expected.size)
    const onTopic = new Set(ids)
    const missing = [...expected].filter((id) => !onTopic.has(id))
    const foreign = [...onTopic].filter((id) => !expected.has(id))
    assert.deepEqual(missing, [], 'every spooled span is on the topic')
    assert.deepEqual(foreign, [])
    const duplicated = ids.length - onTopic.size
    reportFault({
      scenario: 'sender spool: SIGKILL during a Kafka outage, restart replays',
      load: `${expected.size} spans over ${ROUNDS} kill/restart round(s)`,
      faults: 'Kafka stopped; app SIGKILLed after spooling; Kafka started; app restarted',
      sent: expected.size,
      delivered: onTopic.size,
      duplicated,
      droppedCounted: 0,
      drainSeconds: null,
      notes: `replay stats: ${JSON.stringify({ replayAttempts: replayStats.replayAttempts, replayFailures: replayStats.replayFailures })}`,
    })
    // Nothing was acknowledged before the kill, so nothing can be resent: duplicates would mean the replay resent a group.
    assert.equal(duplicated, 0, `duplicates on the topic: ${duplicated}`)
  } finally {
    await peersAsync('start', 'kafka')
    await rm(root, { recursive: true, force: true })
  }
}, { skip: FAULTS_SKIP, timeout: FAULTS_LONG ? 600_000 : 180_000 })
