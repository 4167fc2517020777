// SPDX-License-Identifier: Apache-2.0
// The outage tests count spans in Jaeger's query API with raw reads so that a
// span stored twice is counted, not hidden: this pins that down on the real
// Jaeger. The same OTLP request POSTed twice is stored twice (memory store);
// the adjusted read (DeduplicateSpans) shows each span once, the raw read and
// waitForSpanCensus show both copies.
import assert from 'node:assert/strict'
import { test } from '../support/harness.ts'
import { JAEGER_OTLP_URL, JAEGER_QUERY_URL, getTrace, waitForTrace } from '../support/peers.ts'
import { nextTraceId } from '../support/forwarder-fakes.ts'
import { waitForSpanCensus } from '../support/span-census.ts'
import { encodeOtlpTraces } from '../../src/codec/otlp/otlp-encode.ts'
import { TagType } from '../../src/codec/thrift/jaeger-types.ts'
import type { JaegerSpan } from '../../src/codec/thrift/jaeger-types.ts'

test('a span stored twice: Jaeger\'s query API shows it once, the raw census counts the duplicate', async () => {
  const traceIdLow = nextTraceId()
  const startTime = BigInt(Date.now()) * 1000n
  const spans: JaegerSpan[] = [1n, 2n, 3n].map((spanId) => ({
    traceIdLow, traceIdHigh: 0n, spanId, parentSpanId: 0n, operationName: 'stored twice', flags: 1, startTime, duration: 10n,
    tags: [{ key: 'copy', vType: TagType.STRING, vStr: 'same bytes' }],
  }))
  const body = encodeOtlpTraces({ serviceName: 'span-census', tags: [] }, spans)
  for (let i = 0; i < 2; i++) {
    const res = await fetch(JAEGER_OTLP_URL, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body })
    await res.arrayBuffer()
    assert.equal(res.status, 200)
  }
  const traceId = traceIdLow.toString(16).padStart(16, '0')
  await waitForTrace(traceId, 3)
  // Each POST is answered once the batch processor took it; storage follows.
  let census = await waitForSpanCensus(new Map([[traceId, 3]]), JAEGER_QUERY_URL, 20_000)
  for (const deadline = Date.now() + 10_000; census.duplicates < 3 && Date.now() < deadline;) {
    census = await waitForSpanCensus(new Map([[traceId, 3]]), JAEGER_QUERY_URL, 20_000)
  }
  assert.deepEqual(census, { unique: 3, duplicates: 3, missing: 0, extra: 0, incompleteTraces: [] })
  assert.equal((await getTrace(traceId))!.spans.length, 3, 'the adjusted read hides the copies')
})
