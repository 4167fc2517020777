// SPDX-License-Identifier: Apache-2.0
/**
 * `startAgent()`: a drop-in replacement for jaeger-agent whose spans go to
 * Kafka. It listens where jaeger-agent did (UDP 6831 compact and 6832 binary
 * `emitBatch`, HTTP 5778 sampling, admin 14271) plus jaeger-collector's HTTP
 * `POST /api/traces` (14268), and hands every received batch to one
 * `KafkaSender` (`sendBatch()`, or `sendThriftBatch()` for binary Thrift
 * with jaeger_thrift records): the same delivery engine, encodings,
 * counters and buffer cap as an app's sender. `close()` stops the listeners,
 * flushes the sender and resolves; it never rejects.
 * @module
 */
import { describeError } from '../src/errors.ts'
import { decodeEmitBatch, sliceEmitBatch } from '../src/codec/thrift/agent-decode.ts'
import { sliceBatch } from '../src/codec/thrift/jaeger-decode.ts'
import type { ThriftBatchParts } from '../src/codec/thrift/jaeger-decode.ts'
import { nullLogger, safeLog } from '../src/kafka/logger.ts'
import type { Logger } from '../src/kafka/logger.ts'
import type { JaegerBatch } from '../src/codec/thrift/jaeger-types.ts'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createKafkajsProducer } from '../src/kafka/kafkajs.ts'
import type { KafkaProducer } from '../src/kafka/types.ts'
import { KafkaSender } from '../senders/kafka-sender.ts'
import { openFileSpool } from '../senders/spool/file-spool.node.ts'
import type { FileSpoolOptions } from '../senders/spool/file-spool.node.ts'
import { createSpoolingProducer } from '../senders/spool/spooling-producer.ts'
import type { SpoolingProducer, SpoolingStats } from '../senders/spool/spooling-producer.ts'
import type { KafkaSenderOptions } from '../senders/kafka-sender.ts'
import type { KafkaSenderStats } from '../senders/sender-types.ts'
import { createForwarderHttpHandler } from '../forwarder/http-handler.ts'
import { serveForwarderHttp } from '../forwarder/metrics-server.node.ts'
import type { ForwarderHttpServer } from '../forwarder/metrics-server.node.ts'
import { createAgentMetrics } from './agent-metrics.ts'
import type { AgentMetricsSnapshot } from './agent-metrics.ts'
import type { AgentHealth } from './agent-health.ts'
import { createCollectorHandler, DEFAULT_MAX_BODY_BYTES, DEFAULT_SAFE_TIMEOUT_MS } from './collector-handler.ts'
import { createDatagramHandler, DEFAULT_MAX_PACKET_SIZE } from './datagram-handler.ts'
import type { UdpProtocol } from './datagram-handler.ts'
import { udpKernelDrops } from './kernel-drops.node.ts'
import { formatAddress, parseListenAddress } from './listen-address.ts'
import { createSamplingHandler } from './sampling-handler.ts'
import type { StrategySource } from './sampling-handler.ts'
import { loadSamplingProvider } from './sampling-provider.node.ts'
import type { SamplingProviderStats } from './sampling-provider.node.ts'
import { DEFAULT_RECV_BUFFER_SIZE, listenUdp } from './udp-listener.node.ts'
import type { UdpListener } from './udp-listener.node.ts'
import { integerAtLeast } from '../src/option-checks.ts'

/** The agent's listeners: `host:port` or `:port` (every interface), or false for off. */
export interface AgentListen {
  /** UDP emitBatch, Thrift compact (jaeger-agent's 6831). Default `:6831`. */
  compact?: string | false
  /** UDP emitBatch, Thrift binary (jaeger-agent's 6832). Default `:6832`. */
  binary?: string | false
  /** HTTP POST /api/traces (jaeger-collector's 14268). Default `:14268`. */
  http?: string | false
  /** HTTP GET /sampling?service= and /?service= (jaeger-agent's 5778). Default `:5778`. */
  sampling?: string | false
  /** HTTP /metrics and /healthz (jaeger-agent's admin port 14271). Default `:14271`. */
  admin?: string | false
}

/** Default listen addresses: jaeger-agent's and jaeger-collector's ports on every interface. */
export const DEFAULT_AGENT_LISTEN: Required<AgentListen> = {
  compact: ':6831',
  binary: ':6832',
  http: ':14268',
  sampling: ':5778',
  admin: ':14271',
}

/** Options of `startAgent()`. */
export interface AgentOptions {
  /** The delivery engine to use (it is closed by `close()`); or give `kafka`. */
  sender?: KafkaSender
  /** Options of the `KafkaSender` the agent builds (`producer` or `kafka`, topic, encoding, buffer…). */
  kafka?: KafkaSenderOptions
  /**
   * The disk spool in front of the producer (on by default, in
   * `DEFAULT_AGENT_SPOOL_DIR`, 1 GiB, fsync once a second): batches Kafka
   * cannot take are written to disk, count as safe (202), and are replayed in
   * order when Kafka is back, also after a restart. `false` turns it off. Not
   * used with `sender` (give that sender its own spool).
   */
  spool?: false | Omit<FileSpoolOptions, 'logger'>
  /** Where to listen (see `DEFAULT_AGENT_LISTEN`). Tests pass `127.0.0.1:0` for each. */
  listen?: AgentListen
  /** UDP receive buffer to ask the kernel for, bytes (default 16 MiB; capped by net.core.rmem_max). */
  recvBufferSize?: number
  /** Largest datagram decoded; larger ones are counted `too_large` (default 65507, the IPv4 UDP maximum; jaeger-agent's is 65000). */
  maxPacketSize?: number
  /** Largest `/api/traces` body (default 16 MiB); 413 beyond. */
  maxBodyBytes?: number
  /** How long `/api/traces` waits for its batch to be safe before 503 (default 4000 ms). */
  httpSafeTimeoutMs?: number
  /**
   * Sampling strategies for the sampling port (a `SamplingProvider`; closed by
   * `close()`). Default: `loadSamplingProvider()` of `samplingStrategiesFile`
   * (reloaded on change), or Jaeger's default (probabilistic 0.001) without one.
   */
  sampling?: StrategySource & { close?(): void; stats?(): SamplingProviderStats }
  /** Jaeger sampling-strategies JSON file (`--sampling.strategies-file`). */
  samplingStrategiesFile?: string
  /** How often the strategies file is checked for changes, ms (default 5000; 0 = never). */
  samplingReloadIntervalMs?: number
  /** Probability served to every service without a strategies file (default 0.001). */
  defaultSamplingProbability?: number
  logger?: Logger
}

/** Bound ports (undefined for a listener that is off). */
export interface AgentPorts {
  compact: number | undefined
  binary: number | undefined
  http: number | undefined
  sampling: number | undefined
  admin: number | undefined
}

/** What `RunningAgent.stats()` returns. */
export interface AgentStats extends AgentMetricsSnapshot {
  sender: KafkaSenderStats
  /** The spool's counters, when the spool is on. */
  spool?: SpoolingStats
}

/** Where the agent spools by default: `<os tmpdir>/jaeger-kafka-agent-spool` (give a volume in containers). */
export const DEFAULT_AGENT_SPOOL_DIR = join(tmpdir(), 'jaeger-kafka-agent-spool')

/** A running agent. */
export interface RunningAgent {
  readonly ports: AgentPorts
  /** The agent's and its sender's counters. */
  stats(): AgentStats
  /** Prometheus text of `/metrics`. */
  metricsText(): string
  /** Stop the listeners, flush the sender (up to its close timeout), stop the HTTP servers. Never rejects. */
  close(): Promise<void>
}


/**
 * Start the agent: bind every listener that is on, then resolve with the
 * bound ports. Throws (after closing what it opened) if a listener cannot bind.
 *
 * @example
 * ```ts
 * const agent = await startAgent({ kafka: { kafka: { brokers: ['kafka:9092'] } } })
 * process.once('SIGTERM', () => agent.close().then(() => process.exit(0)))
 * ```
 */
export async function startAgent(options: AgentOptions = {}): Promise<RunningAgent> {
  if (typeof options !== 'object' || options === null) throw new TypeError('startAgent() needs an options object')
  const logger = options.logger ?? nullLogger
  const listen = { ...DEFAULT_AGENT_LISTEN, ...options.listen }
  const recvBufferSize = integerAtLeast(options.recvBufferSize ?? DEFAULT_RECV_BUFFER_SIZE, 'recvBufferSize')
  const maxPacketSize = integerAtLeast(options.maxPacketSize ?? DEFAULT_MAX_PACKET_SIZE, 'maxPacketSize')
  const maxBodyBytes = integerAtLeast(options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, 'maxBodyBytes')
  const safeTimeoutMs = integerAtLeast(options.httpSafeTimeoutMs ?? DEFAULT_SAFE_TIMEOUT_MS, 'httpSafeTimeoutMs')
  // Parse every address before binding anything.
  const address = (name: keyof AgentListen, flag: string) => {
    const value = listen[name]
    return value === false || value === undefined ? undefined : parseListenAddress(value, flag)
  }
  const compactAt = address('compact', 'listen.compact')
  const binaryAt = address('binary', 'listen.binary')
  const httpAt = address('http', 'listen.http')
  const samplingAt = address('sampling', 'listen.sampling')
  const adminAt = address('admin', 'listen.admin')

  // Load the strategies first: a bad strategies file fails the start before anything is bound.
  const sampling =
    samplingAt === undefined
      ? undefined
      : (options.sampling ??
        (await loadSamplingProvider({
          logger,
          ...(options.samplingStrategiesFile !== undefined && { file: options.samplingStrategiesFile }),
          ...(options.samplingReloadIntervalMs !== undefined && { reloadIntervalMs: options.samplingReloadIntervalMs }),
          ...(options.defaultSamplingProbability !== undefined && { defaultSamplingProbability: options.defaultSamplingProbability }),
        })))
  let sender: KafkaSender
  let spooling: SpoolingProducer | undefined
  let base: KafkaProducer | undefined
  if (options.sender) {
    sender = options.sender
  } else if (options.spool === false) {
    // JAEGER_KAFKA_SPOOL_DIR reaches the sender options too (kafkaConfigFromEnv): the agent's own spool setting decides.
    sender = new KafkaSender({ logger, ...options.kafka, spoolDir: undefined, spool: undefined })
  } else {
    // The spool sits between the sender and the real producer: what Kafka cannot take is safe on disk.
    const kafka = options.kafka ?? {}
    if (kafka.producer === undefined && kafka.kafka === undefined) throw new TypeError('startAgent() needs `kafka` (KafkaSender options with `producer` or `kafka`) or `sender`')
    base = kafka.producer ?? createKafkajsProducer({ logger, ...kafka.kafka })
    const spoolOptions = { dir: DEFAULT_AGENT_SPOOL_DIR, ...options.spool }
    try {
      spooling = createSpoolingProducer(base, await openFileSpool({ ...spoolOptions, logger }), { logger })
    } catch (error) {
      sampling?.close?.()
      throw new RangeError(`Cannot open the spool in ${spoolOptions.dir} (give another --spool-dir, or --spool-dir off): ${describeError(error)}`)
    }
    safeLog(logger, 'info', `jaeger-kafka agent: spooling to ${spoolOptions.dir} when Kafka cannot take a batch (cap ${spoolOptions.maxBytes ?? 'default 1 GiB'} bytes, fsync ${spoolOptions.fsync ?? 'interval'}); ${spooling.spoolStats().pending.spans} spans left by an earlier run are replayed first`)
    // The agent closes the spool, then the producer, after the sender flushed into them.
    // Not a second spool in the sender (spoolDir may come from JAEGER_KAFKA_SPOOL_DIR): the one above is the agent's.
    sender = new KafkaSender({ logger, ...kafka, kafka: undefined, spoolDir: undefined, spool: undefined, producer: spooling, disconnectOnClose: false })
  }
  const metrics = createAgentMetrics()
  const send = (batch: JaegerBatch) => sender.sendBatch(batch.process, batch.spans)
  // jaeger_thrift records take a binary Batch's Process and Span structs as they are: validated, not rebuilt
  // (decoding every span into objects and encoding it again was most of the agent's CPU per span).
  const passThrough = sender.encoding === 'jaeger_thrift'
  const sendThrift = (parts: ThriftBatchParts) => sender.sendThriftBatch(parts)
  const udp: { protocol: UdpProtocol; listener: UdpListener }[] = []
  const servers: ForwarderHttpServer[] = []
  const ports: AgentPorts = { compact: undefined, binary: undefined, http: undefined, sampling: undefined, admin: undefined }
  let status: AgentHealth['status'] = 'running'

  const refreshKernelDrops = (): void => {
    for (const { protocol, listener } of udp) {
      const drops = udpKernelDrops(listener.port)
      if (drops !== undefined) metrics.kernelDrops(protocol, drops)
    }
  }
  const metricsText = (): string => {
    refreshKernelDrops()
    const reloads = sampling?.stats?.()
    if (reloads) metrics.samplingReloads(reloads.reloads, reloads.reloadFailures)
    return metrics.render(spooling ? { ...sender.stats(), spool: spooling.spoolStats() } : sender.stats())
  }
  const health = (): AgentHealth => ({ status, healthy: status === 'running', bufferedSpans: sender.stats().bufferedSpans, ports: { ...ports } })

  const closeAll = async (): Promise<void> => {
    await Promise.all(udp.map(({ listener }) => listener.close()))
    await sender.close()
    if (spooling) {
      await spooling.close()
      // Disconnect a producer the agent built (or one that says the sender may).
      if (base && (options.kafka?.producer === undefined || (options.kafka.disconnectOnClose ?? base.ownsClient))) {
        // Bounded like KafkaSender's own disconnect: a stuck client must not hold the exit.
        let timer: ReturnType<typeof setTimeout> | undefined
        await Promise.race([
          base.disconnect().catch((error: unknown) => safeLog(logger, 'error', `jaeger-kafka agent: disconnect failed: ${describeError(error)}`)),
          new Promise<void>((resolve) => {
            timer = setTimeout(() => {
              safeLog(logger, 'error', 'jaeger-kafka agent: the producer did not disconnect within 5000 ms')
              resolve()
            }, 5_000)
          }),
        ])
        clearTimeout(timer)
      }
    }
    await Promise.all(servers.map((server) => server.close().catch(() => {})))
    try {
      sampling?.close?.()
    } catch {
      // A provider that fails to close must not fail shutdown.
    }
  }

  try {
    for (const [protocol, at] of [['compact', compactAt], ['binary', binaryAt]] as const) {
      if (!at) continue
      const listener = await listenUdp({
        host: at.host,
        port: at.port,
        recvBufferSize,
        logger,
        onDatagram:
          protocol === 'binary' && passThrough
            ? createDatagramHandler({ protocol, maxPacketSize, decode: sliceEmitBatch, send: sendThrift, metrics, logger })
            : createDatagramHandler({ protocol, maxPacketSize, decode: decodeEmitBatch, send, metrics, logger }),
      })
      udp.push({ protocol, listener })
      ports[protocol] = listener.port
      if (listener.recvBufferSize !== undefined) metrics.receiveBuffer(protocol, listener.recvBufferSize)
      const granted = listener.recvBufferSize === undefined ? 'unknown' : `${listener.recvBufferSize} bytes`
      const capped = listener.recvBufferSize !== undefined && listener.recvBufferSize < recvBufferSize
      safeLog(
        logger,
        capped ? 'error' : 'info',
        `jaeger-kafka agent: UDP ${protocol} emitBatch on ${formatAddress(at.host, listener.port)}; receive buffer: asked ${recvBufferSize} bytes, kernel granted ${granted}` +
          (capped ? ` (capped by net.core.rmem_max: raise it, e.g. sysctl -w net.core.rmem_max=${recvBufferSize})` : '') +
          '. A too-small net.core.rmem_max is the usual cause of silent UDP span loss (see udp_kernel_drops_total on /metrics).',
      )
    }
    if (httpAt) {
      const common = { maxBodyBytes, safeTimeoutMs, onBatch: (spans: number) => metrics.batch('http', spans), onResponse: (code: number) => metrics.httpResponse(code) }
      const handler = passThrough ? createCollectorHandler({ ...common, decode: sliceBatch, send: sendThrift }) : createCollectorHandler({ ...common, send })
      const server = await serveForwarderHttp(handler, { host: httpAt.host, port: httpAt.port, maxBodyBytes, onBodyTooLarge: () => metrics.httpResponse(413) })
      servers.push(server)
      ports.http = server.port
      safeLog(logger, 'info', `jaeger-kafka agent: POST /api/traces on ${formatAddress(httpAt.host, server.port)} (202 once the spans are safe in Kafka${spooling ? ' or the spool' : ''}, else 503 after ${safeTimeoutMs} ms)`)
    }
    if (samplingAt && sampling) {
      const server = await serveForwarderHttp(createSamplingHandler(sampling, (code) => metrics.samplingResponse(code)), { host: samplingAt.host, port: samplingAt.port })
      servers.push(server)
      ports.sampling = server.port
      const from = options.sampling ? 'the given provider' : (options.samplingStrategiesFile ?? "Jaeger's default, probabilistic 0.001 (no --sampling.strategies-file)")
      safeLog(logger, 'info', `jaeger-kafka agent: sampling strategies on http://${formatAddress(samplingAt.host, server.port)}/sampling?service=NAME from ${from}`)
    }
    if (adminAt) {
      const server = await serveForwarderHttp(createForwarderHttpHandler({ metricsText, health }), { host: adminAt.host, port: adminAt.port })
      servers.push(server)
      ports.admin = server.port
      safeLog(logger, 'info', `jaeger-kafka agent: /metrics and /healthz on http://${formatAddress(adminAt.host, server.port)}`)
    }
  } catch (error) {
    await closeAll()
    throw new RangeError(`Cannot start the agent: ${describeError(error)}`)
  }
  metrics.setUp(true)

  let closing: Promise<void> | undefined
  return {
    ports,
    stats: () => {
      refreshKernelDrops()
      const stats: AgentStats = { ...metrics.snapshot(), sender: sender.stats() }
      if (spooling) stats.spool = spooling.spoolStats()
      return stats
    },
    metricsText,
    close: () =>
      (closing ??= (async () => {
        status = 'stopping'
        metrics.setUp(false)
        try {
          await closeAll()
        } catch (error) {
          safeLog(logger, 'error', `jaeger-kafka agent: close failed: ${describeError(error)}`)
        }
        status = 'stopped'
      })()),
  }
}
