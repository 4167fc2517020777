// SPDX-License-Identifier: Apache-2.0
// Test doubles and fixtures for the forwarder: span batches built with our
// encoder, a fake kafkajs client (consumer, dead-letter producer, admin)
// driven by the test, a fake collector `fetch`, a capturing logger and a
// polling helper.
import { encodeBatch } from '../../src/codec/thrift/jaeger-encode.ts'
import type { KafkajsConsumedMessage, KafkajsEachBatchPayload, KafkajsLike, KafkajsMessage } from '../../src/kafka/types.ts'
import type { ForwarderLogger } from '../../forwarder/logger.ts'

let traceCounter = BigInt(Date.now()) * 1000n + BigInt(Math.floor(Math.random() * 1000))

/** A fresh 64-bit trace id (never 0, unique within the process). */
export function nextTraceId(): bigint {
  traceCounter += 1n
  return BigInt.asUintN(63, traceCounter * 2654435761n) | 1n
}

/** A valid Batch of `spans` spans, all in one new trace; returns the bytes and the trace id. */
export function makeBatch(options: { spans?: number; service?: string; traceId?: bigint } = {}): { bytes: Uint8Array; traceId: bigint; spanIds: bigint[] } {
  const traceId = options.traceId ?? nextTraceId()
  const now = BigInt(Date.now()) * 1000n
  const count = options.spans ?? 1
  const spanIds = Array.from({ length: count }, (_, i) => BigInt(i + 1) * 7919n + (traceId & 0xffffn))
  const bytes = encodeBatch({
    process: { serviceName: options.service ?? 'forwarder-test', tags: [{ key: 'hostname', vType: 0, vStr: 'test-host' }] },
    spans: spanIds.map((spanId, i) => ({
      traceIdLow: traceId,
      traceIdHigh: 0n,
      spanId,
      parentSpanId: i === 0 ? 0n : spanIds[0]!,
      operationName: `op-${i}`,
      flags: 1,
      startTime: now + BigInt(i),
      duration: 100n,
    })),
  })
  return { bytes, traceId, spanIds }
}

/**
 * A Batch our decoder accepts but the real Jaeger collector answers 400 for:
 * an unknown Batch field holding 64 nested lists with one i32 at the bottom.
 * Go Thrift counts the i32 as nesting level 65 ("Depth limit exceeded");
 * our decoder only limits container depth (64).
 */
export function makeJaegerRejectedBatch(): { bytes: Uint8Array; traceId: bigint } {
  const { bytes, traceId } = makeBatch()
  const field = [15, 0, 99]
  for (let level = 0; level < 64; level++) field.push(level === 63 ? 8 : 15, 0, 0, 0, 1)
  field.push(0, 0, 0, 7)
  const out = new Uint8Array(bytes.length + field.length)
  out.set(bytes.subarray(0, bytes.length - 1))
  out.set(field, bytes.length - 1)
  out[out.length - 1] = 0 // the Batch's STOP
  return { bytes: out, traceId }
}

/** Bytes that are no Thrift Batch at all. */
export function randomBytes(length = 64): Uint8Array {
  const bytes = new Uint8Array(length)
  crypto.getRandomValues(bytes)
  bytes[0] = 0xff // not a valid field type, whatever follows
  return bytes
}

/** Poll `condition` until it is true (or throw after `timeoutMs`). */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

/** A logger that keeps every line. */
export function captureLogger(): ForwarderLogger & { lines: { level: string; message: string }[] } {
  const lines: { level: string; message: string }[] = []
  return {
    lines,
    info: (message) => lines.push({ level: 'info', message }),
    warn: (message) => lines.push({ level: 'warn', message }),
    error: (message) => lines.push({ level: 'error', message }),
  }
}

/** What the fake collector answers for one request: a status, or an Error to throw (connection failure). */
export type FakeAnswer = number | Error | { status: number; body?: string; headers?: Record<string, string> }

/** A fake `fetch` for the collector that records every POST (the start-up GET probe gets 405, like Jaeger). */
export function fakeCollector(answer: (body: Uint8Array, call: number) => FakeAnswer | Promise<FakeAnswer>, probeAnswer: FakeAnswer = 405) {
  const requests: { url: string; init: RequestInit; body: Uint8Array }[] = []
  const fetch = async (url: string, init: RequestInit): Promise<Response> => {
    if (init.method === 'GET') {
      if (probeAnswer instanceof Error) throw probeAnswer
      return new Response(null, { status: typeof probeAnswer === 'number' ? probeAnswer : probeAnswer.status })
    }
    const body = init.body as Uint8Array
    requests.push({ url, init, body })
    const signal = init.signal
    const outcome = await Promise.race([
      Promise.resolve(answer(body, requests.length)),
      new Promise<never>((_, reject) => {
        if (signal?.aborted) reject(signal.reason)
        signal?.addEventListener('abort', () => reject(signal.reason), { once: true })
      }),
    ])
    if (outcome instanceof Error) throw outcome
    const spec = typeof outcome === 'number' ? { status: outcome } : outcome
    return new Response(spec.status === 204 ? null : spec.body ?? '', { status: spec.status, headers: spec.headers })
  }
  return { fetch, requests }
}

interface FakeMessage {
  offset: number | string
  value: Uint8Array | null
  key?: Uint8Array | null
  headers?: KafkajsConsumedMessage['headers']
}

/** A fake kafkajs client: the test delivers batches and group joins; commits, pauses and dead letters are recorded. */
export function fakeKafka(options: {
  failSends?: number
  missingTopicFor?: number
  /** These calls never settle on their own (a broker that is unreachable, a join behind a dead member, a hung disconnect); `release()` settles them. */
  hang?: ('producer.connect' | 'consumer.connect' | 'subscribe' | 'run' | 'consumer.disconnect')[]
} = {}) {
  const events = { GROUP_JOIN: 'consumer.group_join', CRASH: 'consumer.crash' } as const
  const listeners = new Map<string, ((event: { payload: unknown }) => void)[]>()
  const commits: { topic: string; partition: number; offset: string }[][] = []
  const pauses: { op: 'pause' | 'resume'; topic: string; partitions?: number[] }[] = []
  const sent: { topic: string; messages: KafkajsMessage[] }[] = []
  let failSends = options.failSends ?? 0
  let missingTopicFor = options.missingTopicFor ?? 0
  let runConfig: { autoCommit?: boolean; eachBatchAutoResolve?: boolean; eachBatch: (payload: KafkajsEachBatchPayload) => Promise<void> } | undefined
  const resolved = new Map<string, string>()
  const state = { connected: 0, disconnected: 0, producerDisconnected: 0, subscribed: [] as string[], fromBeginning: undefined as boolean | undefined, consumerConfig: undefined as Record<string, unknown> | undefined }
  const hung = new Set(options.hang ?? [])
  const releases = new Map<string, () => void>()
  const entered = new Set<string>()
  const maybeHang = async (name: NonNullable<typeof options.hang>[number]): Promise<void> => {
    entered.add(name)
    if (hung.has(name)) await new Promise<void>((resolve) => releases.set(name, resolve))
  }

  const kafka: KafkajsLike = {
    consumer(config) {
      state.consumerConfig = config
      return {
        events,
        async connect() {
          await maybeHang('consumer.connect')
          state.connected++
        },
        async disconnect() {
          state.disconnected++
          await maybeHang('consumer.disconnect')
        },
        async subscribe(s) {
          await maybeHang('subscribe')
          if (missingTopicFor > 0) {
            missingTopicFor--
            throw Object.assign(new Error('This server does not host this topic-partition'), { type: 'UNKNOWN_TOPIC_OR_PARTITION' })
          }
          state.subscribed.push(...s.topics)
          state.fromBeginning = s.fromBeginning
        },
        async run(config) {
          runConfig = config
          await maybeHang('run')
        },
        async commitOffsets(offsets) {
          commits.push(offsets.map((o) => ({ ...o })))
        },
        pause(topics) {
          for (const t of topics) pauses.push({ op: 'pause', ...t })
        },
        resume(topics) {
          for (const t of topics) pauses.push({ op: 'resume', ...t })
        },
        on(event, listener) {
          listeners.set(event, [...(listeners.get(event) ?? []), listener])
          return () => {}
        },
      }
    },
    producer() {
      return {
        async connect() {
          await maybeHang('producer.connect')
        },
        async disconnect() {
          state.producerDisconnected++
        },
        async send(record) {
          if (failSends > 0) {
            failSends--
            throw new Error('KafkaJSNumberOfRetriesExceeded: broker unavailable')
          }
          sent.push({ topic: record.topic, messages: record.messages })
        },
      }
    },
    admin() {
      return {
        async connect() {},
        async disconnect() {},
        async fetchTopicOffsets() {
          return []
        },
        async fetchOffsets() {
          return []
        },
      }
    },
  }

  return {
    kafka,
    commits,
    pauses,
    sent,
    state,
    get runConfig() {
      return runConfig
    },
    /** Whether the forwarder has called this (hung or not). */
    entered: (name: string): boolean => entered.has(name),
    /** Settle a hung call (as if the broker answered late). */
    release(name: string): void {
      hung.delete(name as never)
      releases.get(name)?.()
    },
    /** The last committed offset per partition, as the group would see it. */
    committed(topic: string, partition: number): string | undefined {
      for (let i = commits.length - 1; i >= 0; i--) {
        const hit = commits[i]!.find((c) => c.topic === topic && c.partition === partition)
        if (hit) return hit.offset
      }
      return undefined
    },
    resolvedOffset(topic: string, partition: number): string | undefined {
      return resolved.get(`${topic}:${partition}`)
    },
    join(memberAssignment: Record<string, number[]>): void {
      for (const listener of listeners.get(events.GROUP_JOIN) ?? []) listener({ payload: { memberAssignment } })
    },
    crash(error: Error, restart: boolean): void {
      for (const listener of listeners.get(events.CRASH) ?? []) listener({ payload: { error, restart } })
    },
    async deliver(topic: string, partition: number, messages: FakeMessage[], highWatermark?: number): Promise<void> {
      if (!runConfig) throw new Error('consumer.run() was not called')
      const last = messages[messages.length - 1]
      const msgs: KafkajsConsumedMessage[] = messages.map((m) => ({
        offset: String(m.offset),
        key: m.key ?? null,
        value: m.value,
        headers: m.headers ?? {},
        timestamp: '1700000000000',
      }))
      await runConfig.eachBatch({
        batch: {
          topic,
          partition,
          highWatermark: String(highWatermark ?? (last ? Number(last.offset) + 1 : 0)),
          messages: msgs,
          lastOffset: () => String(last?.offset ?? -1),
        },
        resolveOffset: (offset) => {
          resolved.set(`${topic}:${partition}`, offset)
        },
        heartbeat: async () => {},
        isRunning: () => true,
        isStale: () => false,
      })
    },
  }
}
