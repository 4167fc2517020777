// SPDX-License-Identifier: Apache-2.0
// startAgent() on loopback sockets with a fake producer (no Kafka): UDP
// datagrams of both protocols become records under their own process, the
// admin port answers, close() flushes and stops; a bad strategies file or a
// locked spool directory fails the start with a clear error. Binary Thrift
// passes through into jaeger_thrift records; other encodings decode it.
import assert from 'node:assert/strict'
import { Buffer } from 'node:buffer'
import { createSocket } from 'node:dgram'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from '../support/harness.ts'
import { apacheEmitBatch } from '../support/apache-thrift.ts'
import { decodeBatch } from '../../src/codec/thrift/jaeger-decode.ts'
import { sliceEmitBatch } from '../../src/codec/thrift/agent-decode.ts'
import { decodeOtlpTraces } from '../../src/codec/otlp/index.ts'
import type { JaegerBatch } from '../../src/codec/thrift/jaeger-types.ts'
import type { KafkaProducer, ProduceRequest } from '../../src/kafka/types.ts'
import { startAgent } from '../../agent/agent.node.ts'

const LOOPBACK = { compact: '127.0.0.1:0', binary: '127.0.0.1:0', http: '127.0.0.1:0', sampling: '127.0.0.1:0', admin: '127.0.0.1:0' }

class AckingProducer implements KafkaProducer {
  readonly records: Uint8Array[] = []
  disconnects = 0
  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {
    this.disconnects++
  }
  async send(request: ProduceRequest): Promise<void> {
    for (const m of request.messages) this.records.push(m.value as Uint8Array)
  }
}

function batch(service: string, spans: number, first: bigint): JaegerBatch {
  return {
    process: { serviceName: service, tags: [] },
    spans: Array.from({ length: spans }, (_, i) => ({ traceIdLow: 7n, traceIdHigh: 0n, spanId: first + BigInt(i), parentSpanId: 0n, operationName: 'op', flags: 1, startTime: 1n, duration: 1n })),
  }
}

async function send(port: number, datagram: Uint8Array): Promise<void> {
  const socket = createSocket('udp4')
  await new Promise<void>((resolve, reject) => socket.send(datagram, port, '127.0.0.1', (error) => (error ? reject(error) : resolve())))
  socket.close()
}

test('startAgent(): compact and binary datagrams become records under their own process; /healthz; close() stops everything', async () => {
  const producer = new AckingProducer()
  const agent = await startAgent({ listen: LOOPBACK, spool: false, kafka: { producer, disconnectOnClose: true } })
  for (const port of Object.values(agent.ports)) assert.ok(typeof port === 'number' && port > 0)
  await send(agent.ports.compact!, apacheEmitBatch('compact', batch('java-app', 3, 10n)))
  await send(agent.ports.binary!, apacheEmitBatch('binary', batch('node-app', 2, 20n)))
  const deadline = Date.now() + 10_000
  while (agent.stats().sender.spansDelivered < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
  const got = producer.records.map((value) => decodeBatch(value)).map((b) => [b.process.serviceName, b.spans.map((s) => s.spanId)])
  assert.deepEqual(got.sort(), [['java-app', [10n, 11n, 12n]], ['node-app', [20n, 21n]]])
  const health = await fetch(`http://127.0.0.1:${agent.ports.admin}/healthz`)
  assert.equal(health.status, 200)
  assert.equal(((await health.json()) as { status: string }).status, 'running')
  await agent.close()
  await agent.close()
  assert.equal(producer.disconnects, 1)
  await assert.rejects(fetch(`http://127.0.0.1:${agent.ports.admin}/healthz`))
  assert.equal(agent.stats().spans.compact, 3)
  assert.equal(agent.stats().spans.binary, 2)
})

test('startAgent(): binary datagrams and /api/traces bodies pass through into jaeger_thrift records; other encodings get decoded spans', async () => {
  for (const encoding of ['jaeger_thrift', 'otlp_proto'] as const) {
    const producer = new AckingProducer()
    const agent = await startAgent({ listen: LOOPBACK, spool: false, kafka: { producer, encoding } })
    try {
      const datagram = apacheEmitBatch('binary', batch('node-app', 3, 30n))
      await send(agent.ports.binary!, datagram)
      await send(agent.ports.compact!, apacheEmitBatch('compact', batch('java-app', 2, 40n)))
      const body = apacheEmitBatch('binary', batch('http-app', 2, 50n)).subarray(4 + 4 + 'emitBatch'.length + 4 + 3, -1)
      const response = await fetch(`http://127.0.0.1:${agent.ports.http}/api/traces`, { method: 'POST', headers: { 'content-type': 'application/x-thrift' }, body: body as Uint8Array<ArrayBuffer> })
      assert.equal(response.status, 202, encoding)
      const deadline = Date.now() + 10_000
      while (agent.stats().sender.spansDelivered < 7 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
      const spans: [string, bigint][] = []
      for (const value of producer.records) {
        if (encoding === 'jaeger_thrift') {
          const record = decodeBatch(value)
          for (const span of record.spans) spans.push([record.process.serviceName, span.spanId])
        } else {
          for (const rs of decodeOtlpTraces(value).resourceSpans) {
            const service = rs.resource?.attributes.find((a) => a.key === 'service.name')?.value
            for (const ss of rs.scopeSpans) for (const span of ss.spans) spans.push([service?.type === 'string' ? service.value : '?', BigInt(`0x${Buffer.from(span.spanId).toString('hex')}`)])
          }
        }
      }
      const expected: [string, bigint][] = [['http-app', 50n], ['http-app', 51n], ['java-app', 40n], ['java-app', 41n], ['node-app', 30n], ['node-app', 31n], ['node-app', 32n]]
      assert.deepEqual(spans.sort(([a, x], [b, y]) => a.localeCompare(b) || Number(x - y)), expected, encoding)
      if (encoding === 'jaeger_thrift') {
        // The binary datagram's span structs are in its record byte for byte.
        const record = producer.records.find((value) => decodeBatch(value).process.serviceName === 'node-app')!
        for (const part of sliceEmitBatch(datagram).spans) assert.ok(Buffer.from(record).includes(Buffer.from(part)), 'span struct passed through')
      }
    } finally {
      await agent.close()
    }
  }
})

test('startAgent() rejects with a clear error for a bad strategies file or a spool directory another agent holds', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'agent-start-'))
  try {
    const file = join(dir, 'strategies.json')
    writeFileSync(file, '{"default_strategy": {"type": "sometimes"}}')
    await assert.rejects(startAgent({ listen: LOOPBACK, spool: false, samplingStrategiesFile: file, kafka: { producer: new AckingProducer() } }), /strategies\.json/)
    const first = await startAgent({ listen: LOOPBACK, spool: { dir: join(dir, 'spool') }, kafka: { producer: new AckingProducer() } })
    try {
      await assert.rejects(startAgent({ listen: LOOPBACK, spool: { dir: join(dir, 'spool') }, kafka: { producer: new AckingProducer() } }), /Cannot open the spool in .*spool/)
    } finally {
      await first.close()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
