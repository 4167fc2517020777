// SPDX-License-Identifier: Apache-2.0
// One unchanged Node jaeger-client app for bench/agent.ts, in its own process:
// jaeger-client's own RemoteReporter and UDPSender (emitBatch, Thrift binary,
// what the agent's 6832 port takes) create BENCH_SPANS reference spans at
// BENCH_RATE spans/s (0 = as fast as the loop goes), then flush. The sender is
// wrapped, not changed: a Sender that passes every call through and counts
// the flush outcomes jaeger-client reports through its callbacks (one
// successful flush = one datagram handed to the kernel). Prints one JSON line.
//
// env: AGENT_PORT, BENCH_SPANS, BENCH_RATE, BENCH_SERVICE
import { createRequire } from 'node:module'
import process from 'node:process'
import { finishReferenceSpan } from './reference-spans.ts'

const require = createRequire(import.meta.url)
// deno-lint-ignore no-explicit-any
type Loose = any
const jaeger = require('jaeger-client') as Loose
// The class initTracer() builds for `agentHost`/`agentPort`; the package's index does not export it.
const UDPSender = require('jaeger-client/dist/src/reporters/udp_sender.js').default as Loose

const N = Number(process.env.BENCH_SPANS ?? 50_000)
const RATE = Number(process.env.BENCH_RATE ?? 0)
const PORT = Number(process.env.AGENT_PORT ?? 6832)
const TICK_MS = 5
const silent = { info() {}, error() {} }

// What the client itself knows left it: spans in datagrams the kernel took, and the rest by error.
const counts = { datagrams: 0, spansSent: 0, sendErrors: 0, spansFailed: 0, lastError: '' }

type FlushCallback = (numSpans: number, err?: string) => void
function counted(callback?: FlushCallback): FlushCallback {
  return (numSpans, err) => {
    if (numSpans > 0 && err) {
      counts.sendErrors++
      counts.spansFailed += numSpans
      counts.lastError = String(err)
    } else if (numSpans > 0) {
      counts.datagrams++
      counts.spansSent += numSpans
    }
    callback?.(numSpans, err)
  }
}

const udp = new UDPSender({ host: '127.0.0.1', port: PORT, logger: silent })
const countingSender = {
  setProcess: (p: unknown) => udp.setProcess(p),
  append: (span: unknown, callback?: FlushCallback) => udp.append(span, counted(callback)),
  flush: (callback?: FlushCallback) => udp.flush(counted(callback)),
  close: () => udp.close(),
}
const reporter = new jaeger.RemoteReporter(countingSender, { logger: silent })
const tracer = jaeger.initTracer({ serviceName: process.env.BENCH_SERVICE ?? 'users-api', sampler: { type: 'const', param: 1 } }, { reporter, logger: silent })
const parentRef = [jaeger.opentracing.childOf(tracer.startSpan('parent').context())]

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
const t0 = performance.now()
let created = 0
while (created < N) {
  // Paced: catch up to RATE × elapsed, then sleep a tick; unpaced: chunks of 1000, yielding to I/O between them.
  const due = RATE > 0 ? Math.min(N, Math.floor(((performance.now() - t0) / 1000) * RATE)) : Math.min(N, created + 1000)
  for (; created < due; created++) finishReferenceSpan(tracer, parentRef)
  if (RATE > 0) await sleep(TICK_MS)
  else await new Promise((r) => setImmediate(r))
}
const tProduced = performance.now()
await new Promise<void>((resolve) => reporter.flush(() => resolve()))
// The last datagrams' send callbacks may still be pending: wait until every span is accounted for (10 s at most).
const deadline = Date.now() + 10_000
while (counts.spansSent + counts.spansFailed < N && Date.now() < deadline) await sleep(20)
const result = { created: N, ...counts, sendSeconds: (tProduced - t0) / 1000, rate: RATE }
await new Promise<void>((resolve) => reporter.close(() => resolve()))
console.log(JSON.stringify(result))
process.exit(0)
