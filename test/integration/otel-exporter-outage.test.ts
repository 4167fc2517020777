// SPDX-License-Identifier: Apache-2.0
// Real Kafka outage (60 s; JAEGER_KAFKA_OUTAGE_MS to change) under two OTel SDK
// apps (test/support/otel-exporter-app.ts: BasicTracerProvider +
// BatchSpanProcessor + KafkaSpanExporter, otlp_proto) running as child processes
// and producing steadily, then SIGTERM → provider.shutdown():
//   - default buffer cap: every span the app ended reached the exporter (none
//     lost in BatchSpanProcessor's queue: its exports do not wait while Kafka
//     is down), none dropped, every span on the topic exactly once by id;
//   - tiny cap (maxBufferedBytes 256 KiB): the exporter drops the oldest
//     batches, counted (buffer_full), and delivered + dropped == ended spans,
//     with exactly the delivered spans on the topic.
// Both apps exit by themselves. It stops the shared Kafka peer, so it only
// runs with JAEGER_KAFKA_OUTAGE_TESTS=1 (the suite running serially).
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { runtime, test } from '../support/harness.ts'
import { KAFKA_BROKERS, uniqueTopic } from '../support/peers.ts'
import { FAULTS_SKIP, peersAsync, sleep, startChild, stopChild } from '../support/faults.ts'
import type { Child } from '../support/faults.ts'
import { createTopics, endOffsets, readTopic } from '../support/forwarder-kafka.ts'
import { decodeOtlpTraces } from '../../src/codec/otlp/index.ts'
import { SPAN_ENCODING_HEADER } from '../../src/kafka/span-record.ts'
import type { KafkaSpanExporterStats } from '../../otel.ts'

const env = (globalThis as unknown as { process: { env: Record<string, string | undefined> } }).process.env
const OUTAGE_MS = Number(env.JAEGER_KAFKA_OUTAGE_MS ?? 60_000)
const APP = fileURLToPath(new URL('../support/otel-exporter-app.ts', import.meta.url))

interface Report {
  produced: number
  throws: number
  /** provider.shutdown()'s rejection, if BatchSpanProcessor's last export reported FAILED. */
  shutdownError?: string
  stats: KafkaSpanExporterStats
  closeMs: number
}

/** Span ids (hex) of every span on `topic`, duplicates kept (all records are otlp_proto). */
async function spanIdsOn(topic: string): Promise<string[]> {
  const records = Number([...(await endOffsets(topic)).values()].reduce((a, b) => a + b, 0n))
  const ids: string[] = []
  for (const message of await readTopic(topic, records, 60_000)) {
    assert.equal(String(message.headers?.[SPAN_ENCODING_HEADER]), 'otlp_proto')
    for (const rs of decodeOtlpTraces(message.value!).resourceSpans) {
      for (const ss of rs.scopeSpans) for (const span of ss.spans) ids.push(Array.from(span.spanId, (b) => b.toString(16).padStart(2, '0')).join(''))
    }
  }
  return ids
}

async function finish(app: Child): Promise<Report> {
  const ended = await stopChild(app, 'SIGTERM', 45_000)
  assert.notEqual(ended.signal, 'SIGKILL', `the app did not exit by itself:\n${app.stdout().slice(-2000)}\n${app.stderr()}`)
  // Deno's child_process reports a child that handled SIGTERM and exited 0 as killed by SIGTERM.
  if (runtime !== 'deno') assert.equal(ended.code, 0, app.stderr())
  const line = app.stdout().trim().split('\n').filter((l) => l.startsWith('{')).at(-1)
  assert.ok(line, `the app printed its report:\n${app.stdout()}\n${app.stderr()}`)
  return JSON.parse(line) as Report
}

test(`Kafka stopped ${OUTAGE_MS / 1000} s under OTel SDK apps: 0 lost within the exporter's cap, drops == counter beyond it, shutdown() flushes and the apps exit`, async () => {
  const roomyTopic = uniqueTopic('otel-outage-roomy')
  const tinyTopic = uniqueTopic('otel-outage-tiny')
  await createTopics([{ topic: roomyTopic, partitions: 3 }, { topic: tinyTopic, partitions: 3 }])
  const brokers = KAFKA_BROKERS.join(',')
  const roomy = startChild(APP, { KAFKA_BROKERS: brokers, APP_TOPIC: roomyTopic })
  const tiny = startChild(APP, { KAFKA_BROKERS: brokers, APP_TOPIC: tinyTopic, APP_MAX_BUFFERED_BYTES: String(256 * 1024), APP_MAX_MESSAGE_BYTES: String(32 * 1024) })
  let kafkaStopped = false
  let reports: Report[]
  try {
    await Promise.all([roomy.ready, tiny.ready])
    await sleep(3_000)
    await peersAsync('stop', 'kafka')
    kafkaStopped = true
    await sleep(OUTAGE_MS)
    await peersAsync('start', 'kafka')
    kafkaStopped = false
    await sleep(5_000)
    reports = [await finish(roomy), await finish(tiny)]
  } finally {
    if (kafkaStopped) await peersAsync('start', 'kafka')
    await stopChild(roomy, 'SIGKILL')
    await stopChild(tiny, 'SIGKILL')
  }
  const [r, t] = reports
  for (const report of [r!, t!]) {
    assert.equal(report.throws, 0, 'the app never saw a throw')
    assert.equal(report.stats.spansAppended, report.produced, 'every ended span reached the exporter (BatchSpanProcessor dropped none)')
    assert.equal(report.stats.bufferedSpans, 0)
    assert.ok(report.stats.exportsFailed > 0, 'exports during the outage reported FAILED (spans buffered)')
  }
  console.log(`[otel-exporter-outage ${runtime}] roomy ${JSON.stringify({ produced: r!.produced, delivered: r!.stats.spansDelivered, failed: r!.stats.exportsFailed, closeMs: r!.closeMs, shutdownError: r!.shutdownError ?? null })} tiny ${JSON.stringify({ produced: t!.produced, delivered: t!.stats.spansDelivered, dropped: t!.stats.spansDropped })}`)

  // Within the cap: nothing dropped, every span on the topic once by id.
  assert.deepEqual(r!.stats.spansDropped, { too_large: 0, buffer_full: 0, closed: 0, encode_error: 0 })
  assert.equal(r!.stats.spansDelivered, r!.produced)
  const roomyIds = await spanIdsOn(roomyTopic)
  assert.equal(new Set(roomyIds).size, r!.produced, 'every span is on the topic')

  // Beyond the cap: drops counted exactly; only the delivered spans are on the topic.
  assert.ok(t!.stats.spansDropped.buffer_full > 0, 'the tiny cap was hit')
  assert.equal(t!.stats.spansDropped.too_large + t!.stats.spansDropped.closed + t!.stats.spansDropped.encode_error, 0)
  assert.equal(t!.stats.spansDelivered + t!.stats.spansDropped.buffer_full, t!.produced)
  const tinyIds = await spanIdsOn(tinyTopic)
  assert.equal(new Set(tinyIds).size, t!.stats.spansDelivered)
}, { timeout: OUTAGE_MS + 180_000, skip: FAULTS_SKIP })
