// SPDX-License-Identifier: Apache-2.0
/**
 * `@confluentinc/kafka-javascript` behind the kafkajs-shaped `KafkajsLike`
 * port, so the forwarder can consume with it (`client: 'confluent'`).
 *
 * Its KafkaJS API is close to kafkajs but not the same, and this file bridges
 * exactly the differences the forwarder meets:
 * - settings go in a `kafkaJS: {…}` block; `fromBeginning` and `autoCommit`
 *   belong to the consumer's config, not to `subscribe()` / `run()`, so the
 *   consumer is built at `subscribe()`;
 * - it has no `on()`/`events`: `GROUP_JOIN` is raised from librdkafka's
 *   `rebalance_cb` with the whole current assignment (eager and cooperative
 *   protocols alike); it never crashes the kafkajs way (no `CRASH`);
 * - producers take acks/idempotence per producer, never per `send()`.
 * Types only from the port; the module is handed in by the caller.
 * @module
 */
import type { ConfluentModuleLike } from './confluent.ts'
import { librdkafkaTlsProperties } from './librdkafka-config.ts'
import type { KafkaClientOptions, KafkajsAdminLike, KafkajsConsumerLike, KafkajsLike, KafkajsMessage, KafkajsProducerLike, KafkajsTopicPartitions } from './types.ts'

/** The Confluent KafkaJS-API consumer calls this bridge makes (structural). */
interface ConfluentConsumer {
  connect(): Promise<void>
  disconnect(): Promise<void>
  subscribe(subscription: { topics: string[] }): Promise<void>
  run(config: Record<string, unknown>): Promise<void>
  commitOffsets(offsets: { topic: string; partition: number; offset: string }[]): Promise<void>
  pause(topics: KafkajsTopicPartitions): void
  resume(topics: KafkajsTopicPartitions): void
}

interface ConfluentKafka {
  consumer(config: Record<string, unknown>): ConfluentConsumer
  producer(config: Record<string, unknown>): { connect(): Promise<void>; disconnect(): Promise<void>; send(r: { topic: string; messages: KafkajsMessage[] }): Promise<unknown> }
  admin(config?: Record<string, unknown>): KafkajsAdminLike
}

/** Options of `confluentAsKafkajs()`: the connection, and the client's log level. */
export interface ConfluentKafkajsOptions extends Pick<KafkaClientOptions, 'brokers' | 'clientId' | 'ssl' | 'sasl'> {
  /** The loaded `@confluentinc/kafka-javascript` module. */
  confluent: ConfluentModuleLike
  /** The client's KafkaJS.logLevel (0 nothing … 4 debug; default 0). */
  logLevel?: number
}

// Consumer settings the forwarder passes that the kafkaJS block understands.
const CONSUMER_KEYS = ['groupId', 'sessionTimeout', 'rebalanceTimeout', 'heartbeatInterval', 'maxWaitTimeInMs', 'maxBytesPerPartition', 'minBytes', 'maxBytes', 'readUncommitted', 'partitionAssigners']
const ERR__ASSIGN_PARTITIONS = -175
const ERR__REVOKE_PARTITIONS = -174
const GROUP_JOIN = 'consumer.group_join'
const CRASH = 'consumer.crash'

/**
 * A `KafkajsLike` backed by @confluentinc/kafka-javascript (Node only: the
 * module is a native addon), for `createForwarder({ kafka })`.
 */
export function confluentAsKafkajs(options: ConfluentKafkajsOptions): KafkajsLike {
  const common: Record<string, unknown> = {
    brokers: options.brokers,
    clientId: options.clientId ?? 'jaeger-kafka-forwarder',
    logLevel: options.logLevel ?? 0,
  }
  if (options.ssl) common.ssl = true
  if (options.sasl) common.sasl = { ...options.sasl }
  // ssl in the kafkaJS block is only a boolean: PEM material goes in librdkafka properties.
  const rdkafkaTls = librdkafkaTlsProperties(options.ssl)
  const kafka = new options.confluent.KafkaJS.Kafka({}) as unknown as ConfluentKafka

  function consumer(config: Record<string, unknown>): KafkajsConsumerLike {
    const kafkaJS: Record<string, unknown> = { ...common, autoCommit: false }
    for (const key of CONSUMER_KEYS) if (config[key] !== undefined) kafkaJS[key] = config[key]
    const listeners = new Map<string, ((event: { payload: unknown }) => void)[]>()
    const assigned = new Map<string, { topic: string; partition: number }>()
    let real: ConfluentConsumer | undefined

    // librdkafka's rebalance callback: keep the whole assignment and tell the forwarder (GROUP_JOIN).
    const rebalance = (error: { code?: number }, assignment: { topic: string; partition: number }[]): void => {
      if (error?.code === ERR__ASSIGN_PARTITIONS) for (const tp of assignment) assigned.set(`${tp.topic}:${tp.partition}`, tp)
      else if (error?.code === ERR__REVOKE_PARTITIONS) for (const tp of assignment) assigned.delete(`${tp.topic}:${tp.partition}`)
      else return
      const memberAssignment: Record<string, number[]> = {}
      for (const { topic, partition } of assigned.values()) (memberAssignment[topic] ??= []).push(partition)
      for (const listener of listeners.get(GROUP_JOIN) ?? []) listener({ payload: { memberAssignment } })
    }

    const built = (): ConfluentConsumer => {
      if (!real) throw new Error('Cannot use the Confluent consumer before subscribe()')
      return real
    }

    return {
      // Built and connected at subscribe(), where fromBeginning is known.
      connect: async () => {},
      disconnect: async () => {
        await real?.disconnect()
      },
      subscribe: async ({ topics, fromBeginning }) => {
        real = kafka.consumer({ kafkaJS: { ...kafkaJS, fromBeginning: fromBeginning ?? false }, rebalance_cb: rebalance, ...rdkafkaTls })
        await real.connect()
        await real.subscribe({ topics })
      },
      run: async ({ eachBatch, eachBatchAutoResolve, partitionsConsumedConcurrently }) => {
        await built().run({ eachBatch, eachBatchAutoResolve, partitionsConsumedConcurrently })
      },
      commitOffsets: (offsets) => built().commitOffsets(offsets),
      pause: (topics) => built().pause(topics),
      resume: (topics) => built().resume(topics),
      on: (event, listener) => {
        const list = listeners.get(event) ?? []
        list.push(listener)
        listeners.set(event, list)
        return undefined
      },
      events: { GROUP_JOIN, CRASH },
    }
  }

  function producer(config: Record<string, unknown> = {}): KafkajsProducerLike {
    const real = kafka.producer({
      kafkaJS: { ...common, acks: -1, idempotent: config.idempotent === true, allowAutoTopicCreation: config.allowAutoTopicCreation !== false },
      ...rdkafkaTls,
    })
    return {
      connect: () => real.connect(),
      disconnect: () => real.disconnect(),
      // acks/timeout/compression are producer settings here; the client rewrites messages, so copy them.
      send: ({ topic, messages }) => real.send({ topic, messages: messages.map((m) => ({ ...m })) }),
    }
  }

  function admin(): KafkajsAdminLike {
    return kafka.admin({ kafkaJS: { ...common }, ...rdkafkaTls })
  }

  return { consumer, producer, admin }
}
