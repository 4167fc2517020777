// SPDX-License-Identifier: Apache-2.0
/**
 * `jaeger-kafka forward`: run the forwarder from flags and environment
 * variables until SIGTERM/SIGINT, then drain, commit and exit 0.
 * @module
 */
import { createForwarder } from '../forwarder/forwarder.ts'
import type { Forwarder } from '../forwarder/forwarder.ts'
import type { ForwarderOptions } from '../forwarder/options.ts'
import { serveForwarderHttp } from '../forwarder/metrics-server.node.ts'
import { kafkaConfigFromEnv, parseBrokers } from '../senders/kafka-config.ts'
import { parseFlags, positiveInteger } from './args.ts'
import type { CliIo } from './io.ts'

export const FORWARD_HELP = `Usage: jaeger-kafka forward [flags]

Consume span records from a Kafka topic and POST each one to Jaeger, routed by its
jaeger-kafka-encoding header: jaeger_thrift (or no header) unchanged to the collector,
otlp_proto unchanged to the OTLP/HTTP receiver, jaeger_proto as a one-span Thrift
Batch to the collector. An offset is committed only after the collector accepted
the record (2xx); 5xx/429/network errors are retried with backoff; records the
collector can never accept (undecodable, unknown encoding, 400/413/415) go to the dead-letter topic.
Stops cleanly on SIGTERM/SIGINT at any moment, also while connecting or joining
the group (finishes in-flight POSTs, commits, leaves the group, exits 0).

Flags (environment variable in brackets; flags win):
  --brokers LIST         Kafka bootstrap brokers, comma-separated [JAEGER_KAFKA_BROKERS]
                         (default 127.0.0.1:9092)
  --client NAME          Kafka client: kafkajs or confluent (@confluentinc/kafka-javascript,
                         Node only) [JAEGER_KAFKA_CLIENT] (default kafkajs)
  --topic NAME           span topic [JAEGER_KAFKA_TOPIC] (default jaeger-spans)
  --group ID             consumer group [JAEGER_KAFKA_GROUP_ID] (default jaeger-kafka-forwarder)
  --dlq-topic NAME       dead-letter topic [JAEGER_KAFKA_DLQ_TOPIC] (default <topic>.dlq)
  --collector URL        collector endpoint [JAEGER_ENDPOINT]
                         (default http://127.0.0.1:14268/api/traces)
  --otlp-endpoint URL    OTLP/HTTP traces endpoint for otlp_proto records
                         [JAEGER_KAFKA_OTLP_ENDPOINT] (default: the collector's host, port 4318, /v1/traces)
  --metrics-port N       serve /metrics and /healthz on this port [JAEGER_KAFKA_METRICS_PORT]
                         (default 14271; 0 = off)
  --metrics-host HOST    interface for /metrics [JAEGER_KAFKA_METRICS_HOST] (default 127.0.0.1)
  --request-timeout MS   per-POST timeout [JAEGER_KAFKA_REQUEST_TIMEOUT] (default 10000)
  --in-flight N          POSTs in flight per partition [JAEGER_KAFKA_IN_FLIGHT] (default 4)
  --max-post-bytes N     bytes one POST of joined otlp_proto / jaeger_proto records may carry
                         [JAEGER_KAFKA_MAX_POST_BYTES] (default 1048576)
  --max-post-records N   records one joined POST may carry, 1 = one POST per record
                         [JAEGER_KAFKA_MAX_POST_RECORDS] (default 1000)
  --session-timeout MS   group session timeout: a crashed forwarder's partitions move to
                         the others after this long [JAEGER_KAFKA_SESSION_TIMEOUT]
                         (default 10000; at least the broker's group.min.session.timeout.ms, 6000)
  --heartbeat-interval MS  [JAEGER_KAFKA_HEARTBEAT_INTERVAL] (default 3000, or a third of a
                         shorter session timeout)
  --rebalance-timeout MS how long a rebalance waits for members to rejoin
                         [JAEGER_KAFKA_REBALANCE_TIMEOUT] (default 60000)
  --help                 this text

Collector auth (environment only, so secrets stay out of shell history and ps):
  JAEGER_USER + JAEGER_PASSWORD   Basic auth
  JAEGER_AUTH_TOKEN               Bearer token

Kafka TLS and SASL (environment only): JAEGER_KAFKA_SSL=true, JAEGER_KAFKA_SSL_CA_FILE,
  JAEGER_KAFKA_SSL_CERT_FILE, JAEGER_KAFKA_SSL_KEY_FILE, JAEGER_KAFKA_SASL_MECHANISM
  (plain | scram-sha-256 | scram-sha-512), JAEGER_KAFKA_SASL_USERNAME, JAEGER_KAFKA_SASL_PASSWORD.

Example:
  JAEGER_KAFKA_BROKERS=kafka:9092 JAEGER_ENDPOINT=http://jaeger:14268/api/traces \\
    npx jaeger-kafka forward --metrics-port 14271
`

const FLAGS = {
  brokers: { type: 'string' },
  client: { type: 'string' },
  topic: { type: 'string' },
  group: { type: 'string' },
  'dlq-topic': { type: 'string' },
  collector: { type: 'string' },
  'otlp-endpoint': { type: 'string' },
  'metrics-port': { type: 'string' },
  'metrics-host': { type: 'string' },
  'request-timeout': { type: 'string' },
  'in-flight': { type: 'string' },
  'max-post-bytes': { type: 'string' },
  'max-post-records': { type: 'string' },
  'session-timeout': { type: 'string' },
  'heartbeat-interval': { type: 'string' },
  'rebalance-timeout': { type: 'string' },
  help: { type: 'boolean' },
} as const

/** Forwarder options from flags + env (pure; exported for tests). */
export function forwardOptions(argv: readonly string[], io: Pick<CliIo, 'env' | 'readFile'>): { options: ForwarderOptions; metricsPort: number; metricsHost: string } {
  const flags = parseFlags(argv, FLAGS)
  const env = io.env
  const kafka = kafkaConfigFromEnv({ ...env, JAEGER_KAFKA_BROKERS: (flags.brokers as string | undefined) ?? env.JAEGER_KAFKA_BROKERS ?? '127.0.0.1:9092', JAEGER_KAFKA_CLIENT: (flags.client as string | undefined) ?? env.JAEGER_KAFKA_CLIENT }, io.readFile)
  const options: ForwarderOptions = {
    brokers: parseBrokers(kafka?.brokers ?? []),
    topic: (flags.topic as string | undefined) ?? kafka?.topic,
    groupId: (flags.group as string | undefined) ?? env.JAEGER_KAFKA_GROUP_ID,
    deadLetterTopic: (flags['dlq-topic'] as string | undefined) ?? env.JAEGER_KAFKA_DLQ_TOPIC,
    collectorUrl: (flags.collector as string | undefined) ?? env.JAEGER_ENDPOINT,
    otlpEndpoint: (flags['otlp-endpoint'] as string | undefined) ?? env.JAEGER_KAFKA_OTLP_ENDPOINT,
    requestTimeoutMs: positiveInteger('--request-timeout', flags['request-timeout'] ?? env.JAEGER_KAFKA_REQUEST_TIMEOUT),
    maxInFlightPerPartition: positiveInteger('--in-flight', flags['in-flight'] ?? env.JAEGER_KAFKA_IN_FLIGHT),
    maxPostBytes: positiveInteger('--max-post-bytes', flags['max-post-bytes'] ?? env.JAEGER_KAFKA_MAX_POST_BYTES),
    maxPostRecords: positiveInteger('--max-post-records', flags['max-post-records'] ?? env.JAEGER_KAFKA_MAX_POST_RECORDS),
    sessionTimeoutMs: positiveInteger('--session-timeout', flags['session-timeout'] ?? env.JAEGER_KAFKA_SESSION_TIMEOUT),
    heartbeatIntervalMs: positiveInteger('--heartbeat-interval', flags['heartbeat-interval'] ?? env.JAEGER_KAFKA_HEARTBEAT_INTERVAL),
    rebalanceTimeoutMs: positiveInteger('--rebalance-timeout', flags['rebalance-timeout'] ?? env.JAEGER_KAFKA_REBALANCE_TIMEOUT),
  }
  if (kafka?.clientId !== undefined) options.clientId = kafka.clientId
  if (kafka?.client !== undefined) options.client = kafka.client
  if (kafka?.ssl !== undefined) options.ssl = kafka.ssl
  if (kafka?.sasl !== undefined) options.sasl = kafka.sasl
  if (env.JAEGER_AUTH_TOKEN) options.auth = { token: env.JAEGER_AUTH_TOKEN }
  else if (env.JAEGER_USER || env.JAEGER_PASSWORD) {
    if (!env.JAEGER_USER || !env.JAEGER_PASSWORD) throw new TypeError('Set both JAEGER_USER and JAEGER_PASSWORD for Basic auth')
    options.auth = { username: env.JAEGER_USER, password: env.JAEGER_PASSWORD }
  }
  // Drop unset keys so the forwarder's defaults apply.
  for (const key of Object.keys(options) as (keyof ForwarderOptions)[]) if (options[key] === undefined) delete options[key]
  const metricsPort = positiveInteger('--metrics-port', flags['metrics-port'] ?? env.JAEGER_KAFKA_METRICS_PORT) ?? 14271
  const metricsHost = (flags['metrics-host'] as string | undefined) ?? env.JAEGER_KAFKA_METRICS_HOST ?? '127.0.0.1'
  return { options, metricsPort, metricsHost }
}

/** Run until a stop signal; resolves with the exit code. */
export async function runForward(argv: readonly string[], io: CliIo): Promise<number> {
  if (argv.includes('--help')) {
    io.out(FORWARD_HELP)
    return 0
  }
  const { options, metricsPort, metricsHost } = forwardOptions(argv, io)
  const forwarder: Forwarder = createForwarder({ ...options, logger: io.logger, ...(io.fetch ? { fetch: io.fetch } : {}) })
  // Listen before start(): a stop signal while connecting or joining the group
  // cuts start() short (it then resolves) instead of waiting for it.
  let stopSignalled = false
  const stopped = new Promise<void>((resolve) =>
    io.onStopSignal(() => {
      stopSignalled = true
      io.err('jaeger-kafka forward: stopping (finishing in-flight POSTs, committing, leaving the group)')
      void forwarder.stop()
      resolve()
    }),
  )
  await forwarder.start()
  const server = !stopSignalled && metricsPort > 0 ? await serveForwarderHttp(forwarder.handler, { port: metricsPort, host: metricsHost }) : undefined
  if (!stopSignalled) io.err(`jaeger-kafka forward: ${options.topic ?? 'jaeger-spans'} → ${options.collectorUrl ?? 'http://127.0.0.1:14268/api/traces'}${server ? `, metrics on ${server.url}/metrics` : ''}`)
  await stopped
  await forwarder.stop()
  await server?.close()
  const m = forwarder.metrics()
  io.err(`jaeger-kafka forward: stopped after ${m.recordsConsumed} records, ${m.spansForwarded} spans forwarded in ${Object.values(m.postsByEncoding).reduce((a, b) => a + b, 0)} POSTs, ${Object.values(m.deadLettered).reduce((a, b) => a + b, 0)} dead-lettered`)
  return 0
}
