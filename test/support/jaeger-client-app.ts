// SPDX-License-Identifier: Apache-2.0
// An unchanged jaeger-client app: initTracerFromEnv() and whatever sender its
// environment picks (UDPSender to JAEGER_AGENT_HOST:JAEGER_AGENT_PORT, binary
// Thrift, by default; HTTPSender when JAEGER_ENDPOINT is set). Nothing of
// jaeger-kafka is loaded. Reports APP_TRACES traces of APP_SPANS spans (a root
// and its children), closes the tracer (which flushes), then prints one JSON
// line `{ traceIds, errors }` (errors: what the tracer logged as errors).
// Always run with Node: `node --import tsx test/support/jaeger-client-app.ts`.
import process from 'node:process'
import jaeger from 'jaeger-client'

const traces = Number(process.env.APP_TRACES ?? '10')
const spans = Number(process.env.APP_SPANS ?? '5')
const errors: string[] = []
const tracer = jaeger.initTracerFromEnv(
  { serviceName: process.env.JAEGER_SERVICE_NAME ?? 'jaeger-client-app', sampler: { type: 'const', param: 1 } },
  { logger: { info: () => {}, error: (message: string) => errors.push(message) } },
)

const traceIds: string[] = []
for (let t = 0; t < traces; t++) {
  const root = tracer.startSpan('request')
  root.setTag('n', t)
  traceIds.push(root.context().toTraceId())
  for (let s = 1; s < spans; s++) tracer.startSpan(`step-${s}`, { childOf: root }).finish()
  root.finish()
  // Let the reporter's timers and the socket run between traces, as in a real app.
  if (t % 20 === 19) await new Promise((resolve) => setTimeout(resolve, 5))
}
tracer.close(() => {
  console.log(JSON.stringify({ traceIds, errors }))
})
