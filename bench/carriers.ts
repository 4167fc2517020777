// SPDX-License-Identifier: Apache-2.0
// Cost of one inject + one extract per message with jaeger-client's tracer:
// through our carriers (kafkajs message shape, node-rdkafka array shape, and
// the injectHeaders/extractContext helpers) versus the same tracer with a
// plain-object TEXT_MAP carrier (the floor: no Kafka shapes, no bytes).
// The consumer side reads header values as bytes, as the clients hand them
// over. Median of ROUNDS rounds; prints a markdown table and writes it to
// bench/results/carriers-<runtime>.md.
//
//   npx tsx bench/carriers.ts
//   npx deno run -A bench/carriers.ts
//   npx bun bench/carriers.ts
import jaeger from 'jaeger-client'
import { FORMAT_TEXT_MAP } from 'opentracing'
import { RUNTIME, startConditions } from './header.ts'
import {
  KafkaConsumerCarrier, KafkaProducerCarrier, extractContext, injectHeaders, type KafkajsHeaders, type RdkafkaHeaders,
} from '../carriers/index.ts'

const ROUNDS = 7
const MESSAGES = 50_000
const WARMUP = 20_000

const runtime = RUNTIME
const conditions = startConditions()

// @types/jaeger-client does not declare InMemoryReporter.
const { initTracer, InMemoryReporter } = jaeger as unknown as {
  initTracer: typeof jaeger.initTracer
  InMemoryReporter: new () => { clear(): void }
}
const reporter = new InMemoryReporter()
const tracer = initTracer(
  { serviceName: 'bench', sampler: { type: 'const', param: 1 } },
  { reporter: reporter as never, logger: { info() {}, error() {} } },
)
const plain = tracer.startSpan('plain')
const withBaggage = tracer.startSpan('baggage')
withBaggage.setBaggageItem('tenant', 'acme')
withBaggage.setBaggageItem('request', 'a=b, c ✓')

const encoder = new TextEncoder()
let sink = 0

/** What kafkajs hands a consumer: the same keys, values as bytes. */
function asConsumedKafkajs(headers: KafkajsHeaders): { value: Uint8Array; offset: string; headers: KafkajsHeaders } {
  const out: KafkajsHeaders = {}
  for (const key of Object.keys(headers)) out[key] = encoder.encode(headers[key] as string)
  return { value: encoder.encode('v'), offset: '1', headers: out }
}

function asConsumedRdkafka(headers: RdkafkaHeaders): { value: Uint8Array; offset: number; headers: RdkafkaHeaders } {
  return {
    value: encoder.encode('v'),
    offset: 1,
    headers: headers.map((h) => {
      const [key] = Object.keys(h) as [string]
      return { [key]: encoder.encode(h[key] as string) }
    }),
  }
}

type Case = { name: string; run: (span: typeof plain) => void }

const cases: Case[] = [
  {
    name: 'baseline: plain object TEXT_MAP',
    run(span) {
      const carrier: Record<string, string> = {}
      tracer.inject(span.context(), FORMAT_TEXT_MAP, carrier)
      const ctx = tracer.extract(FORMAT_TEXT_MAP, carrier)
      if (ctx) sink++
    },
  },
  {
    name: 'carriers: kafkajs message',
    run(span) {
      const message: { value: string; headers?: KafkajsHeaders } = { value: 'v' }
      tracer.inject(span.context(), FORMAT_TEXT_MAP, new KafkaProducerCarrier(message))
      const consumed = asConsumedKafkajs(message.headers as KafkajsHeaders)
      const ctx = tracer.extract(FORMAT_TEXT_MAP, new KafkaConsumerCarrier(consumed))
      if (ctx) sink++
    },
  },
  {
    name: 'carriers: node-rdkafka headers array',
    run(span) {
      const headers: RdkafkaHeaders = []
      tracer.inject(span.context(), FORMAT_TEXT_MAP, new KafkaProducerCarrier(headers))
      const consumed = asConsumedRdkafka(headers)
      const ctx = tracer.extract(FORMAT_TEXT_MAP, new KafkaConsumerCarrier(consumed))
      if (ctx) sink++
    },
  },
  {
    name: 'helpers: injectHeaders + extractContext',
    run(span) {
      const message = injectHeaders(tracer, span, { value: 'v' } as { value: string; headers?: KafkajsHeaders })
      const ctx = extractContext(tracer, asConsumedKafkajs(message.headers as KafkajsHeaders))
      if (ctx) sink++
    },
  },
]

/** Cost of building the consumed (bytes) message alone, subtracted from the carrier rows. */
function consumedCost(span: typeof plain, shape: 'kafkajs' | 'rdkafka'): number {
  const headers: Record<string, string> = {}
  tracer.inject(span.context(), FORMAT_TEXT_MAP, headers)
  const rd = Object.keys(headers).map((k) => ({ [k]: headers[k] as string }))
  const t0 = performance.now()
  for (let i = 0; i < MESSAGES; i++) {
    const consumed = shape === 'kafkajs' ? asConsumedKafkajs(headers) : asConsumedRdkafka(rd)
    if (consumed.offset) sink++
  }
  return ((performance.now() - t0) * 1000) / MESSAGES
}

function time(run: () => void, n: number): number {
  const t0 = performance.now()
  for (let i = 0; i < n; i++) run()
  return ((performance.now() - t0) * 1000) / n
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] as number
}

const rows: string[] = []
for (const [label, span] of [['no baggage', plain], ['2 baggage items', withBaggage]] as const) {
  for (const c of cases) time(() => c.run(span), WARMUP)
  // Rounds interleave the cases so drift hits them alike.
  const samples = new Map<string, number[]>(cases.map((c) => [c.name, []]))
  const shapeCost = { kafkajs: [] as number[], rdkafka: [] as number[] }
  for (let r = 0; r < ROUNDS; r++) {
    for (const c of cases) samples.get(c.name)!.push(time(() => c.run(span), MESSAGES))
    shapeCost.kafkajs.push(consumedCost(span, 'kafkajs'))
    shapeCost.rdkafka.push(consumedCost(span, 'rdkafka'))
  }
  const base = median(samples.get(cases[0]!.name)!)
  for (const c of cases) {
    const us = median(samples.get(c.name)!)
    const fixture = c.name.includes('rdkafka') ? median(shapeCost.rdkafka) : c.name === cases[0]!.name ? 0 : median(shapeCost.kafkajs)
    const net = us - fixture
    rows.push(`| ${label} | ${c.name} | ${us.toFixed(3)} | ${fixture === 0 ? '–' : net.toFixed(3)} | ${(us / base).toFixed(2)}× |`)
  }
}
reporter.clear()

const table = [
  `### Carriers: inject + extract per message, jaeger-client (${runtime})`,
  '',
  conditions.line(),
  '',
  `Median of ${ROUNDS} rounds × ${MESSAGES.toLocaleString('en')} messages (after ${WARMUP.toLocaleString('en')} warm-up).`,
  '"net" subtracts building the consumed message with byte-valued headers (the bench fixture, not carrier work).',
  '',
  '| span | path | µs/message | net µs/message | vs baseline |',
  '|---|---|---:|---:|---:|',
  ...rows,
  '',
].join('\n')

console.log(table)
if (sink === 0) console.log('(no contexts extracted?)')

const url = new URL(`./results/carriers-${runtime}.md`, import.meta.url)
await writeResult(url, table)

async function writeResult(target: URL, text: string): Promise<void> {
  // Benchmarks are scripts, not core code: node:fs is fine on every runtime.
  const fs = await import('node:fs/promises')
  const { fileURLToPath } = await import('node:url')
  const path = fileURLToPath(target)
  await fs.mkdir(path.slice(0, path.lastIndexOf('/')), { recursive: true })
  await fs.writeFile(path, text)
  console.log(`written to ${path}`)
}
