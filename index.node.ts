// SPDX-License-Identifier: Apache-2.0
/**
 * Node-only adapters (`jaeger-kafka/node`): the node-rdkafka and
 * @confluentinc/kafka-javascript producers for KafkaSender (native addons; not
 * on Deno or Bun) and a node:http server for
 * the forwarder's `/metrics` and `/healthz` handler; `startAgent()`, the
 * jaeger-agent replacement (UDP, node:dgram).
 * @module
 */
export { createRdkafkaProducer, rdkafkaConfig } from './src/kafka/rdkafka.node.ts'
export type { RdkafkaProducerOptions, RdkafkaProducerLike, RdkafkaModuleLike } from './src/kafka/rdkafka.node.ts'
export { createConfluentProducer, confluentProducerConfig, toConfluentProduceError } from './src/kafka/confluent.ts'
export type { ConfluentProducerOptions, ConfluentProducerLike, ConfluentModuleLike } from './src/kafka/confluent.ts'
export { serveForwarderHttp } from './forwarder/metrics-server.node.ts'
export type { ForwarderHttpServer, ForwarderHttpServerOptions } from './forwarder/metrics-server.node.ts'
export { createNodeHttpFetch } from './forwarder/node-http-fetch.node.ts'
export type { NodeHttpFetch, NodeHttpFetchOptions } from './forwarder/node-http-fetch.node.ts'
export { startAgent, DEFAULT_AGENT_LISTEN } from './agent/agent.node.ts'
export type { AgentOptions, AgentListen, AgentPorts, AgentStats, RunningAgent } from './agent/agent.node.ts'
export type { AgentHealth } from './agent/agent-health.ts'
export { openFileSpool, DEFAULT_SPOOL_MAX_BYTES, DEFAULT_SPOOL_SEGMENT_BYTES, DEFAULT_SPOOL_FSYNC_INTERVAL_MS } from './senders/spool/file-spool.node.ts'
export type { FileSpool, FileSpoolOptions, SpoolFsync } from './senders/spool/file-spool.node.ts'
