// SPDX-License-Identifier: Apache-2.0
// Benchmark sink, run as its own process by bench/sender.ts so its CPU is not
// the sender's: `udp` (jaeger-agent stand-in: Agent.emitBatch datagrams,
// 4 MiB receive buffer requested, which Linux doubles when rmem_max allows),
// `udp-default` (the same with the kernel's default receive buffer,
// net.core.rmem_default, as a jaeger-agent gets unless configured) or `http` (collector stand-in: answers every
// POST /api/traces with 202). Prints {"port":N} once listening; on the line
// "report" on stdin it decodes what it received and prints
// {"spans","bytes","messages","lastByteAt"} (lastByteAt: epoch ms).
import { Buffer } from 'node:buffer'
import { createSocket } from 'node:dgram'
import { createServer } from 'node:http'
import process from 'node:process'
import { createInterface } from 'node:readline'
import { summarizeBatch } from '../src/codec/thrift/jaeger-decode.ts'

const mode = process.argv[2]
const received: Uint8Array[] = []
let bytes = 0
let lastByteAt = 0
const now = (): number => performance.timeOrigin + performance.now()

// Agent.emitBatch as thriftrw writes it: strict message header (4), name
// "emitBatch" (4 + 9), seqid (4), args field 1 header (3), the Batch, args STOP (1).
const EMIT_BATCH_PREFIX = 4 + 4 + 9 + 4 + 3

function countSpans(): number {
  let spans = 0
  for (const message of received) {
    const batch = mode !== 'http' ? message.subarray(EMIT_BATCH_PREFIX, message.length - 1) : message
    try {
      spans += summarizeBatch(batch).spanCount
    } catch {
      // a truncated or corrupt message counts as lost
    }
  }
  return spans
}

function listening(port: number): void {
  console.log(JSON.stringify({ port }))
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line.trim() !== 'report') return
    console.log(JSON.stringify({ spans: countSpans(), bytes, messages: received.length, lastByteAt }))
    received.length = 0
    bytes = 0
    lastByteAt = 0
  })
}

if (mode === 'udp' || mode === 'udp-default') {
  const socket = createSocket(mode === 'udp' ? { type: 'udp4', recvBufferSize: 4 * 1024 * 1024 } : { type: 'udp4' })
  socket.on('message', (message) => {
    received.push(message)
    bytes += message.length
    lastByteAt = now()
  })
  socket.bind(0, '127.0.0.1', () => listening(socket.address().port))
} else if (mode === 'http') {
  const server = createServer((req, res) => {
    const chunks: Uint8Array[] = []
    req.on('data', (chunk: Uint8Array) => chunks.push(chunk))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      received.push(body)
      bytes += body.length
      lastByteAt = now()
      res.writeHead(202).end()
    })
  })
  server.listen(0, '127.0.0.1', () => {
    const address = server.address()
    listening(typeof address === 'object' && address ? address.port : 0)
  })
} else {
  console.error('usage: sender-sink.ts udp|udp-default|http')
  process.exit(2)
}
