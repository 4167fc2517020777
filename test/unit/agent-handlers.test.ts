// SPDX-License-Identifier: Apache-2.0
// The agent's web-standard parts without sockets or Kafka: POST /api/traces
// (202 only when safe, 400/413/503), the sampling route, the datagram
// handler's counting of good and bad datagrams, listen addresses, the
// /proc/net/udp drops column and the /metrics text.
import assert from 'node:assert/strict'
import { test } from '../support/harness.ts'
import { makeBatch } from '../support/forwarder-fakes.ts'
import { ErrorCodes, JaegerKafkaError } from '../../src/errors.ts'
import { decodeBatch, decodeProcess, decodeSpan, sliceBatch } from '../../src/codec/thrift/jaeger-decode.ts'
import type { ThriftBatchParts } from '../../src/codec/thrift/jaeger-decode.ts'
import { TagType } from '../../src/codec/thrift/jaeger-types.ts'
import type { JaegerBatch, JaegerSpan } from '../../src/codec/thrift/jaeger-types.ts'
import type { BatchOutcome } from '../../senders/sender-types.ts'
import { createCollectorHandler, RETRY_AFTER_SECONDS } from '../../agent/collector-handler.ts'
import { createSamplingHandler } from '../../agent/sampling-handler.ts'
import { createDatagramHandler, malformedReason } from '../../agent/datagram-handler.ts'
import { createAgentMetrics } from '../../agent/agent-metrics.ts'
import { decodeEmitBatch } from '../../src/codec/thrift/agent-decode.ts'
import { apacheEmitBatch, MessageType } from '../support/apache-thrift.ts'
import { parseListenAddress } from '../../agent/listen-address.ts'
import { dropsInTable } from '../../agent/kernel-drops.node.ts'
import type { KafkaSenderStats } from '../../senders/sender-types.ts'

const silent = { info() {}, error() {} }

function post(body: Uint8Array, headers: Record<string, string> = { 'content-type': 'application/x-thrift' }, path = '/api/traces'): Request {
  return new Request(`http://agent${path}`, { method: 'POST', headers, body: body as Uint8Array<ArrayBuffer> })
}

test('POST /api/traces answers 202 only after the batch was delivered, and passes the decoded batch on', async () => {
  const { bytes, spanIds } = makeBatch({ spans: 3 })
  let release: (outcome: BatchOutcome) => void = () => {}
  const sent: JaegerBatch[] = []
  const statuses: number[] = []
  const handler = createCollectorHandler({
    send: (batch) => {
      sent.push(batch)
      return new Promise((resolve) => (release = resolve))
    },
    onResponse: (status) => statuses.push(status),
  })
  let answered = false
  const response = handler(post(bytes)).then((r) => {
    answered = true
    return r
  })
  await new Promise((r) => setTimeout(r, 20))
  assert.equal(answered, false, 'no answer before the sender resolved')
  release({ delivered: 3, dropped: 0 })
  assert.equal((await response).status, 202)
  assert.deepEqual(sent[0]!.spans.map((s) => s.spanId), spanIds)
  assert.deepEqual(statuses, [202])
})

test('POST /api/traces with decode: sliceBatch passes the Batch\'s structs on, and refuses what decodeBatch refuses with 400', async () => {
  const { bytes, spanIds } = makeBatch({ spans: 4 })
  const sent: ThriftBatchParts[] = []
  const handler = createCollectorHandler({ decode: sliceBatch, send: async (parts) => (sent.push(parts), { delivered: parts.spans.length, dropped: 0 }) })
  assert.equal((await handler(post(bytes))).status, 202)
  assert.deepEqual(sent[0]!.spans.map((part) => decodeSpan(part).spanId), spanIds)
  assert.deepEqual(decodeProcess(sent[0]!.process), decodeBatch(bytes).process)
  const truncated = await handler(post(bytes.subarray(0, bytes.length - 5)))
  assert.equal(truncated.status, 400)
  assert.match(await truncated.text(), /Cannot decode the body as a binary jaeger.thrift Batch: .*truncated/)
  assert.equal(sent.length, 1)
})

test('POST /api/traces accepts what the Java HttpSender sends: ?format=jaeger.thrift and a charset or basic auth', async () => {
  const { bytes } = makeBatch({ spans: 1 })
  const handler = createCollectorHandler({ send: async (b) => ({ delivered: b.spans.length, dropped: 0 }) })
  const javaLike = post(bytes, { 'content-type': 'application/x-thrift; charset=utf-8', authorization: 'Basic dTpw' }, '/api/traces?format=jaeger.thrift')
  assert.equal((await handler(javaLike)).status, 202)
  assert.equal((await handler(post(bytes, { 'content-type': 'application/vnd.apache.thrift.binary' }))).status, 202)
})

test('POST /api/traces: 400 for a malformed body, a wrong content type or format; 404/405 elsewhere; nothing is sent', async () => {
  let sends = 0
  const statuses: number[] = []
  const handler = createCollectorHandler({ send: async () => ((sends++, { delivered: 0, dropped: 0 })), onResponse: (s) => statuses.push(s) })
  const { bytes } = makeBatch({ spans: 2 })
  const bad = await handler(post(bytes.subarray(0, bytes.length - 3)))
  assert.equal(bad.status, 400)
  assert.match(await bad.text(), /Cannot decode the body as a binary jaeger\.thrift Batch/)
  const json = await handler(post(bytes, { 'content-type': 'application/json' }))
  assert.equal(json.status, 400)
  assert.match(await json.text(), /Unsupported content type/)
  assert.equal((await handler(post(bytes, { 'content-type': 'application/x-thrift' }, '/api/traces?format=zipkin.thrift'))).status, 400)
  assert.equal((await handler(post(bytes, { 'content-type': 'application/x-thrift' }, '/v1/traces'))).status, 404)
  assert.equal((await handler(new Request('http://agent/api/traces'))).status, 405)
  assert.equal(sends, 0)
  assert.deepEqual(statuses, [400, 400, 400, 404, 405])
})

test('POST /api/traces: 413 over the body cap', async () => {
  const handler = createCollectorHandler({ send: async () => ({ delivered: 0, dropped: 0 }), maxBodyBytes: 100 })
  const { bytes } = makeBatch({ spans: 10 })
  assert.ok(bytes.length > 100)
  const response = await handler(post(bytes))
  assert.equal(response.status, 413)
})

test('POST /api/traces: 503 with Retry-After when spans were dropped or not safe within the timeout', async () => {
  const { bytes } = makeBatch({ spans: 2 })
  const dropping = createCollectorHandler({ send: async () => ({ delivered: 1, dropped: 1, error: 'Cannot buffer spans: full' }) })
  const dropped = await dropping(post(bytes))
  assert.equal(dropped.status, 503)
  assert.equal(dropped.headers.get('retry-after'), String(RETRY_AFTER_SECONDS))
  assert.match(await dropped.text(), /1 of 2 spans were not delivered: Cannot buffer spans: full/)
  const hanging = createCollectorHandler({ send: () => new Promise<BatchOutcome>(() => {}), safeTimeoutMs: 30 })
  const keepAlive = setInterval(() => {}, 10)
  const late = await hanging(post(bytes)).finally(() => clearInterval(keepAlive))
  assert.equal(late.status, 503)
  assert.equal(late.headers.get('retry-after'), String(RETRY_AFTER_SECONDS))
  assert.match(await late.text(), /may store them twice/)
})

test('the sampling route answers /sampling?service= and the legacy /?service= from the source, 400 without one service', async () => {
  const asked: string[] = []
  const statuses: number[] = []
  const handler = createSamplingHandler({ strategyFor: (service, endpoint) => (asked.push(`${service}@${endpoint}`), { strategyType: 'PROBABILISTIC', probabilisticSampling: { samplingRate: 0.5 } }) }, (s) => statuses.push(s))
  const a = await handler(new Request('http://agent/sampling?service=orders'))
  assert.equal(a.status, 200)
  assert.equal(a.headers.get('content-type'), 'application/json')
  assert.deepEqual(await a.json(), { strategyType: 'PROBABILISTIC', probabilisticSampling: { samplingRate: 0.5 } })
  assert.equal((await handler(new Request('http://agent/?service=billing'))).status, 200)
  const none = await handler(new Request('http://agent/sampling'))
  assert.equal(none.status, 400)
  assert.match(await none.text(), /'service' parameter must be provided once/)
  assert.equal((await handler(new Request('http://agent/sampling?service=a&service=b'))).status, 400)
  assert.equal((await handler(new Request('http://agent/other?service=a'))).status, 404)
  const throwing = createSamplingHandler({ strategyFor: () => { throw new Error('boom') } })
  assert.equal((await throwing(new Request('http://agent/sampling?service=x'))).status, 500)
  assert.deepEqual(asked, ['orders@sampling', 'billing@legacy'])
  assert.deepEqual(statuses, [200, 200, 400, 400, 404])
})

test('the datagram handler sends decoded batches and counts too-large and malformed datagrams by reason, never throwing', () => {
  const metrics = createAgentMetrics()
  const sent: JaegerBatch[] = []
  const { bytes } = makeBatch({ spans: 4 })
  const handle = createDatagramHandler({
    protocol: 'binary',
    maxPacketSize: 1000,
    // The test's decoder: a bare Batch, or a decode error like the real decoder's.
    decode: (datagram) => {
      if (datagram.length === 0) throw new JaegerKafkaError(ErrorCodes.THRIFT_DECODE, 'Cannot decode emitBatch: empty datagram')
      return decodeBatch(datagram)
    },
    send: (batch) => {
      sent.push(batch)
      throw new Error('a throwing sender must not escape')
    },
    metrics,
    logger: silent,
  })
  handle(bytes)
  handle(new Uint8Array(1001))
  handle(new Uint8Array(0))
  handle(bytes.subarray(0, 10))
  const snap = metrics.snapshot()
  assert.equal(sent.length, 1)
  assert.equal(snap.datagrams.binary.received, 4)
  assert.equal(snap.datagrams.binary.tooLarge, 1)
  assert.equal(snap.datagrams.binary.malformed.empty, 1)
  assert.equal(Object.values(snap.datagrams.binary.malformed).reduce((a, b) => a + b, 0), 2)
  assert.equal(snap.batches.binary, 1)
  assert.equal(snap.spans.binary, 4)
  assert.equal(snap.datagrams.compact.received, 0)
})

test('by default the datagram handler decodes every datagram IPv4 can carry (65507 bytes), past jaeger-agent\'s 65000', () => {
  const metrics = createAgentMetrics()
  const sent: JaegerBatch[] = []
  const handle = createDatagramHandler({ protocol: 'binary', decode: decodeEmitBatch, send: (batch) => void sent.push(batch), metrics, logger: silent })
  const span = (i: number, tag: string): JaegerSpan => ({
    traceIdLow: 7n, traceIdHigh: 0n, spanId: BigInt(i + 1), parentSpanId: 0n, operationName: `op-${i}`,
    flags: 1, startTime: 1_700_000_000_000_000n, duration: 10n, tags: [{ key: 'pad', vType: TagType.STRING, vStr: tag }],
  })
  // 64 spans padded so the datagram lands between 65000 and 65507 bytes, like the Node UDPSender's overruns.
  const base = apacheEmitBatch('binary', { process: { serviceName: 'svc', tags: [] }, spans: Array.from({ length: 64 }, (_, i) => span(i, '')) }).length
  const pad = 'x'.repeat(Math.floor((65_300 - base) / 64))
  const datagram = apacheEmitBatch('binary', { process: { serviceName: 'svc', tags: [] }, spans: Array.from({ length: 64 }, (_, i) => span(i, pad)) })
  assert.ok(datagram.length > 65_000 && datagram.length <= 65_507, `datagram of ${datagram.length} bytes`)
  handle(datagram)
  const snap = metrics.snapshot()
  assert.equal(snap.datagrams.binary.tooLarge, 0)
  assert.equal(sent.length, 1)
  assert.equal(sent[0]!.spans.length, 64)
  assert.equal(sent[0]!.spans[63]!.tags?.[0]?.vStr, pad)
})

test('malformedReason() labels decodeEmitBatch() errors with a small fixed set of reasons', () => {
  const reason = (bytes: Uint8Array, protocol: 'compact' | 'binary') => {
    try {
      decodeEmitBatch(bytes, protocol)
    } catch (error) {
      return malformedReason(bytes, error)
    }
    throw new Error('decoded')
  }
  const batch = { process: { serviceName: 's', tags: [] }, spans: [] }
  const datagram = apacheEmitBatch('binary', batch)
  assert.equal(decodeEmitBatch(datagram, 'binary').process.serviceName, 's')
  assert.equal(malformedReason(new Uint8Array(0), new Error('x')), 'empty')
  assert.equal(reason(new Uint8Array([...datagram, 0]), 'binary'), 'trailing_bytes')
  assert.equal(reason(datagram.subarray(0, datagram.length - 4), 'binary'), 'truncated')
  assert.equal(reason(datagram, 'compact'), 'wrong_protocol')
  assert.equal(reason(apacheEmitBatch('binary', batch, { name: 'emitZipkinBatch' }), 'binary'), 'wrong_method')
  assert.equal(reason(apacheEmitBatch('compact', batch, { type: MessageType.REPLY }), 'compact'), 'wrong_message_type')
  assert.equal(malformedReason(datagram, new Error('something else')), 'invalid')
})

test('parseListenAddress() reads jaeger-agent style host:port, :port (every interface) and [v6]:port', () => {
  assert.deepEqual(parseListenAddress(':6831', 'f'), { host: '0.0.0.0', port: 6831 })
  assert.deepEqual(parseListenAddress('127.0.0.1:0', 'f'), { host: '127.0.0.1', port: 0 })
  assert.deepEqual(parseListenAddress('[::1]:5778', 'f'), { host: '::1', port: 5778 })
  assert.throws(() => parseListenAddress('6831', '--x'), /--x must be host:port/)
  assert.throws(() => parseListenAddress('host:99999', '--x'), RangeError)
  assert.throws(() => parseListenAddress('::1:80', '--x'), /brackets/)
})

test('dropsInTable() sums the drops column of /proc/net/udp rows on a local port', () => {
  const table = [
    '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops            ',
    ' 1234: 0100007F:1AB0 00000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 99 2 0000000000000000 17         ',
    ' 1235: 00000000:1AB1 00000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 98 2 0000000000000000 0          ',
    ' 1236: 0100007F:1AB0 00000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 97 2 0000000000000000 5          ',
  ].join('\n')
  assert.equal(dropsInTable(table, 0x1ab0), 22)
  assert.equal(dropsInTable(table, 0x1ab1), 0)
  assert.equal(dropsInTable(table, 0x1ab2), undefined)
  assert.equal(dropsInTable('sl local_address\n', 1), undefined)
})

test('the agent metrics render jaeger_kafka_agent_* series with the sender counters mirrored, never counting twice', () => {
  const metrics = createAgentMetrics()
  metrics.datagram('compact')
  metrics.malformed('compact', 'truncated')
  metrics.kernelDrops('binary', 3)
  metrics.kernelDrops('binary', 5)
  metrics.receiveBuffer('binary', 425984)
  const stats = (delivered: number, full: number): Omit<KafkaSenderStats, 'spool'> & { spool?: object } => ({
    spansAppended: delivered + full, spansDelivered: delivered, spansTrimmed: 0,
    spansDropped: { too_large: 0, buffer_full: full, closed: 0, encode_error: 0 },
    batchesSealed: 1, batchesDelivered: 1, bytesDelivered: 10, sendAttempts: 1, sendFailures: 0,
    bufferedSpans: 2, bufferedBytes: 20, bufferedBatches: 1, inFlightBatches: 0, maxMessageBytes: 1000,
    spool: { pending: { records: 4 }, droppedSpans: { spool_full: 1 } },
  })
  metrics.render(stats(10, 1))
  const text = metrics.render(stats(12, 1))
  assert.match(text, /^jaeger_kafka_agent_datagrams_received_total\{protocol="compact"\} 1$/m)
  assert.match(text, /^jaeger_kafka_agent_datagrams_malformed_total\{protocol="compact",reason="truncated"\} 1$/m)
  assert.match(text, /^jaeger_kafka_agent_udp_kernel_drops_total\{protocol="binary"\} 5$/m)
  assert.match(text, /^jaeger_kafka_agent_udp_receive_buffer_bytes\{protocol="binary"\} 425984$/m)
  assert.match(text, /^jaeger_kafka_agent_spans_delivered_total 12$/m)
  assert.match(text, /^jaeger_kafka_agent_spans_dropped_total\{reason="buffer_full"\} 1$/m)
  assert.match(text, /^jaeger_kafka_agent_buffered_spans 2$/m)
  assert.match(text, /^jaeger_kafka_agent_spool\{stat="pending_records"\} 4$/m)
  assert.match(text, /^jaeger_kafka_agent_spool\{stat="dropped_spans_spool_full"\} 1$/m)
  assert.match(text, /^jaeger_kafka_agent_up 0$/m)
})
