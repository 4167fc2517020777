// SPDX-License-Identifier: Apache-2.0
// Where the real peers are, and small helpers to use them from tests on any
// runtime. The peers themselves are started by scripts/peers.mjs.
import { spawnSync } from 'node:child_process'

export const KAFKA_BROKERS = (readEnv('KAFKA_BROKERS') ?? `127.0.0.1:${readEnv('KAFKA_PORT') ?? 9092}`).split(',')
/**
 * The scripts/peers.mjs name of the broker at KAFKA_BROKERS, which outage tests
 * stop and kill: `kafka` (3.9) by default, `kafka4` in the Kafka 4 tier.
 */
export const BROKER_PEER: BrokerPeer = readEnv('JAEGER_KAFKA_BROKER_PEER') === 'kafka4' ? 'kafka4' : 'kafka'
export type BrokerPeer = 'kafka' | 'kafka4'
export const JAEGER_COLLECTOR_URL = readEnv('JAEGER_COLLECTOR_URL') ?? `http://127.0.0.1:${readEnv('JAEGER_COLLECTOR_PORT') ?? 14268}/api/traces`
export const JAEGER_QUERY_URL = readEnv('JAEGER_QUERY_URL') ?? `http://127.0.0.1:${readEnv('JAEGER_QUERY_PORT') ?? 16686}`
/** The main jaeger's OTLP/HTTP receiver (same pipeline and store as the collector). */
export const JAEGER_OTLP_URL = readEnv('JAEGER_OTLP_URL') ?? `http://127.0.0.1:${readEnv('JAEGER_OTLP_HTTP_PORT') ?? 4318}/v1/traces`
/** jaeger-ingester (scripts/peers.mjs): Jaeger's Kafka receiver reading JAEGER_INGESTER_TOPIC from KAFKA_BROKERS. */
// The URLs follow the scripts/peers.mjs port variables when only those are set.
export const JAEGER_INGESTER_QUERY_URL = readEnv('JAEGER_INGESTER_QUERY_URL') ?? `http://127.0.0.1:${readEnv('JAEGER_INGESTER_QUERY_PORT') ?? 16687}`
export const JAEGER_INGESTER_METRICS_URL = readEnv('JAEGER_INGESTER_METRICS_URL') ?? `http://127.0.0.1:${readEnv('JAEGER_INGESTER_METRICS_PORT') ?? 8889}/metrics`
export const JAEGER_INGESTER_TOPIC = readEnv('JAEGER_INGESTER_TOPIC') ?? 'jaeger-spans-otlp'
export const JAEGER_INGESTER_GROUP_ID = readEnv('JAEGER_INGESTER_GROUP_ID') ?? 'jaeger-ingester'

function readEnv(name: string): string | undefined {
  const value = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env[name]
  return value === undefined || value === '' ? undefined : value
}

/** A topic name no other test run uses. */
export function uniqueTopic(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`
}

/** Run `node scripts/peers.mjs <command> <name>` (stop/start/kill a peer in an outage test). */
export function peers(command: 'start' | 'stop' | 'kill' | 'status', name: BrokerPeer | 'jaeger'): void {
  const r = spawnSync('node', ['scripts/peers.mjs', command, name], { stdio: ['ignore', 'ignore', 'inherit'] })
  if (r.status !== 0) throw new Error(`peers ${command} ${name} failed with exit ${r.status}`)
}

export interface JaegerQuerySpan {
  traceID: string
  spanID: string
  operationName: string
  references: { refType: string; traceID: string; spanID: string }[]
  tags: { key: string; type: string; value: unknown }[]
  logs: { timestamp: number; fields: { key: string; type: string; value: unknown }[] }[]
  processID: string
  startTime: number
  duration: number
}

export interface JaegerQueryTrace {
  traceID: string
  spans: JaegerQuerySpan[]
  processes: Record<string, { serviceName: string; tags: { key: string; value: unknown }[] }>
}

/** GET /api/traces/{id} from the real Jaeger query service; undefined while not (yet) stored. */
export async function getTrace(traceIdHex: string, queryUrl = JAEGER_QUERY_URL): Promise<JaegerQueryTrace | undefined> {
  const res = await fetch(`${queryUrl}/api/traces/${traceIdHex}`, { signal: AbortSignal.timeout(5000) })
  const body = (await res.json()) as { data?: JaegerQueryTrace[] }
  if (res.status === 404) return undefined
  if (res.status !== 200) throw new Error(`GET /api/traces/${traceIdHex} answered ${res.status}: ${JSON.stringify(body)}`)
  return body.data?.[0]
}

/**
 * Poll Jaeger until the trace holds at least `minSpans` spans (Jaeger's batch
 * processor stores spans ~100 ms after accepting them).
 */
export async function waitForTrace(traceIdHex: string, minSpans = 1, timeoutMs = 20_000, queryUrl = JAEGER_QUERY_URL): Promise<JaegerQueryTrace> {
  const deadline = Date.now() + timeoutMs
  let last: JaegerQueryTrace | undefined
  while (Date.now() < deadline) {
    last = await getTrace(traceIdHex, queryUrl)
    if (last && last.spans.length >= minSpans) return last
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`trace ${traceIdHex} has ${last?.spans.length ?? 0} of ${minSpans} spans in Jaeger (${queryUrl}) after ${timeoutMs} ms`)
}
