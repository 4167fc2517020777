// SPDX-License-Identifier: Apache-2.0
/**
 * `jaeger-kafka agent`: run the jaeger-agent replacement from jaeger-agent's
 * and jaeger-collector's own flags (so existing manifests keep working) and
 * `JAEGER_KAFKA_*` env, until SIGTERM/SIGINT; then stop listening, flush to
 * Kafka and exit 0.
 * @module
 */
import { DEFAULT_AGENT_SPOOL_DIR, startAgent } from '../agent/agent.node.ts'
import type { AgentListen, AgentOptions } from '../agent/agent.node.ts'
import { parseListenAddress } from '../agent/listen-address.ts'
import { kafkaConfigFromEnv, senderOptionsFromConfig } from '../senders/kafka-config.ts'
import { parseFlags, positiveInteger } from './args.ts'
import type { CliIo } from './io.ts'

export const AGENT_HELP = `Usage: jaeger-kafka agent [flags]

Take jaeger-agent's place: receive spans where jaeger-agent and jaeger-collector did
and put every one on the Kafka span topic (acks=all, retried, counted), for our
forwarder (or Jaeger's ingester) to store.
  UDP  6831  Agent.emitBatch, Thrift compact (jaeger-client Java, Go, Python)
  UDP  6832  Agent.emitBatch, Thrift binary (jaeger-client Node)
  HTTP 14268 POST /api/traces (jaeger-client HTTPSenders): 202 only once the spans are
             safe in Kafka; 503 + Retry-After when they are not within --http-safe-timeout
  HTTP 5778  GET /sampling?service=NAME and /?service=NAME (remote samplers)
  HTTP 14271 /metrics (Prometheus) and /healthz

Listen flags take host:port; ":port" binds every interface, as jaeger-agent did
(environment variable in brackets, jaeger-agent's naming; flags win):
  --processor.jaeger-compact.server-host-port ADDR  [PROCESSOR_JAEGER_COMPACT_SERVER_HOST_PORT] (default :6831)
  --processor.jaeger-binary.server-host-port ADDR   [PROCESSOR_JAEGER_BINARY_SERVER_HOST_PORT] (default :6832)
  --collector.http-server.host-port ADDR            [COLLECTOR_HTTP_SERVER_HOST_PORT] (default :14268)
  --http-server.host-port ADDR                      sampling [HTTP_SERVER_HOST_PORT] (default :5778)
  --admin.http.host-port ADDR                       /metrics, /healthz [ADMIN_HTTP_HOST_PORT] (default :14271)
  Give "off" to turn a listener off.

Sampling (jaeger's flag names):
  --sampling.strategies-file PATH   Jaeger sampling-strategies JSON (per-service, per-operation,
                           probabilistic / ratelimiting), reloaded on change [SAMPLING_STRATEGIES_FILE]
                           (default: none, every service gets probabilistic 0.001)
  --sampling.strategies-reload-interval DURATION  e.g. 5s, 1m, 0 = never [SAMPLING_STRATEGIES_RELOAD_INTERVAL]
                           (default 5s)
  --sampling.default-sampling-probability P  served without a file
                           [SAMPLING_DEFAULT_SAMPLING_PROBABILITY] (default 0.001)

Spool (on by default): batches Kafka cannot take are written to disk, count as safe (202 on
/api/traces), and are replayed in order once Kafka is back, also after a restart:
  --spool-dir DIR          [JAEGER_KAFKA_SPOOL_DIR] (default <tmpdir>/jaeger-kafka-agent-spool;
                           "off" = no spool: Kafka outages then fill the memory buffer and drop)
  --spool-max-bytes N      cap on disk; beyond it the oldest spooled spans are dropped and counted
                           [JAEGER_KAFKA_SPOOL_MAX_BYTES] (default 1073741824, 1 GiB)
  --spool-fsync POLICY     interval (sync once a second; default) | always (before every answer)
                           | never (the OS decides) [JAEGER_KAFKA_SPOOL_FSYNC]

Other flags:
  --brokers LIST           Kafka bootstrap brokers [JAEGER_KAFKA_BROKERS] (default 127.0.0.1:9092)
  --topic NAME             span topic [JAEGER_KAFKA_TOPIC] (default jaeger-spans)
  --udp-recv-buffer-size N UDP receive buffer to ask for, bytes [JAEGER_KAFKA_UDP_RECV_BUFFER_SIZE]
                           (default 16777216; the kernel caps it at net.core.rmem_max; also read
                           from --processor.jaeger-{compact,binary}.server-socket-buffer-size)
  --udp-max-packet-size N  largest datagram decoded [JAEGER_KAFKA_UDP_MAX_PACKET_SIZE] (default 65507,
                           every IPv4 datagram; jaeger-agent's is 65000, which Node jaeger-client
                           overruns; also --processor.jaeger-{compact,binary}.server-max-packet-size)
  --http-max-body-bytes N  largest /api/traces body, 413 beyond [JAEGER_KAFKA_HTTP_MAX_BODY_BYTES]
                           (default 16777216)
  --http-safe-timeout MS   how long /api/traces waits for Kafka before 503 [JAEGER_KAFKA_HTTP_SAFE_TIMEOUT]
                           (default 4000)
  --help                   this text

Kafka (environment, as for initTracer and the forwarder): JAEGER_KAFKA_BROKERS, JAEGER_KAFKA_TOPIC,
  JAEGER_KAFKA_ENCODING (jaeger_thrift | otlp_proto | jaeger_proto), JAEGER_KAFKA_CLIENT,
  JAEGER_KAFKA_CLIENT_ID, JAEGER_KAFKA_COMPRESSION, JAEGER_KAFKA_MAX_MESSAGE_BYTES,
  JAEGER_KAFKA_MAX_BUFFERED_BYTES, JAEGER_KAFKA_CLOSE_TIMEOUT (how long SIGTERM waits for Kafka),
  JAEGER_KAFKA_SSL*, JAEGER_KAFKA_SASL_*.

Example (a sidecar next to unchanged apps):
  JAEGER_KAFKA_BROKERS=kafka:9092 npx jaeger-kafka agent --admin.http.host-port 127.0.0.1:14271
See docs/agent.md.
`

const LISTEN_FLAGS: readonly { flag: string; env: string; key: keyof AgentListen }[] = [
  { flag: 'processor.jaeger-compact.server-host-port', env: 'PROCESSOR_JAEGER_COMPACT_SERVER_HOST_PORT', key: 'compact' },
  { flag: 'processor.jaeger-binary.server-host-port', env: 'PROCESSOR_JAEGER_BINARY_SERVER_HOST_PORT', key: 'binary' },
  { flag: 'collector.http-server.host-port', env: 'COLLECTOR_HTTP_SERVER_HOST_PORT', key: 'http' },
  { flag: 'http-server.host-port', env: 'HTTP_SERVER_HOST_PORT', key: 'sampling' },
  { flag: 'admin.http.host-port', env: 'ADMIN_HTTP_HOST_PORT', key: 'admin' },
]

const FLAGS = {
  'processor.jaeger-compact.server-host-port': { type: 'string' },
  'processor.jaeger-binary.server-host-port': { type: 'string' },
  'processor.jaeger-compact.server-socket-buffer-size': { type: 'string' },
  'processor.jaeger-binary.server-socket-buffer-size': { type: 'string' },
  'processor.jaeger-compact.server-max-packet-size': { type: 'string' },
  'processor.jaeger-binary.server-max-packet-size': { type: 'string' },
  'collector.http-server.host-port': { type: 'string' },
  'http-server.host-port': { type: 'string' },
  'admin.http.host-port': { type: 'string' },
  'sampling.strategies-file': { type: 'string' },
  'sampling.strategies-reload-interval': { type: 'string' },
  'sampling.default-sampling-probability': { type: 'string' },
  'spool-dir': { type: 'string' },
  'spool-max-bytes': { type: 'string' },
  'spool-fsync': { type: 'string' },
  brokers: { type: 'string' },
  topic: { type: 'string' },
  'udp-recv-buffer-size': { type: 'string' },
  'udp-max-packet-size': { type: 'string' },
  'http-max-body-bytes': { type: 'string' },
  'http-safe-timeout': { type: 'string' },
  help: { type: 'boolean' },
} as const

/** The larger of the given sizes, or undefined when none is set. */
function largest(name: string, ...raw: (string | boolean | undefined)[]): number | undefined {
  const values = raw.map((r) => positiveInteger(name, r)).filter((v): v is number => v !== undefined && v > 0)
  return values.length === 0 ? undefined : Math.max(...values)
}

/**
 * jaeger-agent flags that have no meaning here (where it forwarded to, its own
 * logging and metrics backends, worker pools): accepted so an existing
 * manifest still starts, and named in a log line.
 */
const IGNORED_JAEGER_AGENT_FLAGS = [/^reporter\./, /^log-level$/, /^metrics-backend$/, /^metrics-http-route$/, /^agent\.tags$/, /^jaeger\.tags$/, /^processor\.[a-z-]+\.(workers|server-queue-size)$/, /^admin\.http\.tls\./, /^http-server\.tls\./]

/** Split jaeger-agent flags we ignore from the rest of `argv`. */
export function withoutIgnoredFlags(argv: readonly string[]): { argv: string[]; ignored: string[] } {
  const rest: string[] = []
  const ignored: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    const name = arg.startsWith('--') ? arg.slice(2).split('=')[0] as string : ''
    if (!IGNORED_JAEGER_AGENT_FLAGS.some((pattern) => pattern.test(name))) {
      rest.push(arg)
      continue
    }
    ignored.push(`--${name}`)
    // Its value, when given as a separate argument.
    if (!arg.includes('=') && i + 1 < argv.length && !(argv[i + 1] as string).startsWith('--')) i++
  }
  return { argv: rest, ignored }
}

/** A Go-style duration (`500ms`, `5s`, `1m`, `1h`, `0`) or plain milliseconds, in ms. */
export function parseDurationMs(name: string, raw: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(raw.trim())
  if (!match) throw new RangeError(`${name} must be a duration like 500ms, 5s or 1m, got "${raw}"`)
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[(match[2] ?? 'ms') as 'ms' | 's' | 'm' | 'h']
  return Math.round(Number(match[1]) * unit)
}

/** Agent options from flags + env (pure; exported for tests). */
export function agentOptions(argv: readonly string[], io: Pick<CliIo, 'env' | 'readFile' | 'logger'>): AgentOptions {
  const flags = parseFlags(argv, FLAGS)
  const env = io.env
  const listen: AgentListen = {}
  for (const { flag, env: name, key } of LISTEN_FLAGS) {
    const value = (flags[flag] as string | undefined) ?? env[name]
    if (value === undefined) continue
    // Checked here so the error names the flag (or variable) the value came from.
    if (value !== 'off') parseListenAddress(value, flags[flag] !== undefined ? `--${flag}` : name)
    listen[key] = value === 'off' ? false : value
  }
  const kafka = kafkaConfigFromEnv(
    {
      ...env,
      JAEGER_KAFKA_BROKERS: (flags.brokers as string | undefined) ?? env.JAEGER_KAFKA_BROKERS ?? '127.0.0.1:9092',
      JAEGER_KAFKA_TOPIC: (flags.topic as string | undefined) ?? env.JAEGER_KAFKA_TOPIC,
    },
    io.readFile,
  )
  const options: AgentOptions = { listen, logger: io.logger }
  if (kafka) options.kafka = { ...senderOptionsFromConfig(kafka, { logger: io.logger }), logger: io.logger }
  const recv = largest(
    '--udp-recv-buffer-size',
    flags['udp-recv-buffer-size'] ?? env.JAEGER_KAFKA_UDP_RECV_BUFFER_SIZE,
    flags['processor.jaeger-compact.server-socket-buffer-size'],
    flags['processor.jaeger-binary.server-socket-buffer-size'],
  )
  if (recv !== undefined) options.recvBufferSize = recv
  const packet = largest(
    '--udp-max-packet-size',
    flags['udp-max-packet-size'] ?? env.JAEGER_KAFKA_UDP_MAX_PACKET_SIZE,
    flags['processor.jaeger-compact.server-max-packet-size'],
    flags['processor.jaeger-binary.server-max-packet-size'],
  )
  if (packet !== undefined) options.maxPacketSize = packet
  const body = positiveInteger('--http-max-body-bytes', flags['http-max-body-bytes'] ?? env.JAEGER_KAFKA_HTTP_MAX_BODY_BYTES)
  if (body !== undefined) options.maxBodyBytes = body
  const spoolDir = (flags['spool-dir'] as string | undefined) ?? env.JAEGER_KAFKA_SPOOL_DIR
  if (spoolDir === 'off') options.spool = false
  else {
    const spool: NonNullable<Exclude<AgentOptions['spool'], false>> = { dir: spoolDir ?? DEFAULT_AGENT_SPOOL_DIR }
    const maxBytes = positiveInteger('--spool-max-bytes', flags['spool-max-bytes'] ?? env.JAEGER_KAFKA_SPOOL_MAX_BYTES)
    if (maxBytes !== undefined) spool.maxBytes = maxBytes
    const fsync = (flags['spool-fsync'] as string | undefined) ?? env.JAEGER_KAFKA_SPOOL_FSYNC
    if (fsync !== undefined) {
      if (fsync !== 'always' && fsync !== 'interval' && fsync !== 'never') throw new RangeError(`--spool-fsync must be always, interval or never, got "${fsync}"`)
      spool.fsync = fsync
    }
    options.spool = spool
  }
  const file = (flags['sampling.strategies-file'] as string | undefined) ?? env.SAMPLING_STRATEGIES_FILE
  if (file) options.samplingStrategiesFile = file
  const reload = (flags['sampling.strategies-reload-interval'] as string | undefined) ?? env.SAMPLING_STRATEGIES_RELOAD_INTERVAL
  if (reload !== undefined) options.samplingReloadIntervalMs = parseDurationMs('--sampling.strategies-reload-interval', reload)
  const probability = (flags['sampling.default-sampling-probability'] as string | undefined) ?? env.SAMPLING_DEFAULT_SAMPLING_PROBABILITY
  if (probability !== undefined) {
    const p = Number(probability)
    if (!(p >= 0 && p <= 1)) throw new RangeError(`--sampling.default-sampling-probability must be between 0 and 1, got "${probability}"`)
    options.defaultSamplingProbability = p
  }
  const safe = positiveInteger('--http-safe-timeout', flags['http-safe-timeout'] ?? env.JAEGER_KAFKA_HTTP_SAFE_TIMEOUT)
  if (safe !== undefined) options.httpSafeTimeoutMs = safe
  return options
}

/** Run until a stop signal; resolves with the exit code. */
export async function runAgent(argv: readonly string[], io: CliIo): Promise<number> {
  if (argv.includes('--help')) {
    io.out(AGENT_HELP)
    return 0
  }
  const { argv: used, ignored } = withoutIgnoredFlags(argv)
  if (ignored.length > 0) io.err(`jaeger-kafka agent: ignoring jaeger-agent flags that have no meaning here (spans go to Kafka): ${ignored.join(', ')}`)
  const options = agentOptions(used, io)
  let stop: () => void = () => {}
  const stopped = new Promise<void>((resolve) => {
    stop = resolve
  })
  io.onStopSignal(() => stop())
  const agent = await startAgent(options)
  const p = agent.ports
  // One line a supervisor (or a test) can read the bound ports from.
  io.out(`jaeger-kafka agent: ready ${JSON.stringify(p)}`)
  await stopped
  io.err('jaeger-kafka agent: stopping (closing the listeners, flushing to Kafka)')
  await agent.close()
  const s = agent.stats()
  const dropped = Object.entries(s.sender.spansDropped).filter(([, n]) => n > 0)
  io.err(`jaeger-kafka agent: stopped after ${s.sender.spansDelivered} spans delivered` + (dropped.length > 0 ? `, dropped ${dropped.map(([r, n]) => `${r}: ${n}`).join(', ')}` : ', none dropped'))
  return 0
}
