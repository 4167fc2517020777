// SPDX-License-Identifier: Apache-2.0
/**
 * kafkajs helpers, without monkey-patching: `tracedSend()` wraps one
 * `producer.send()`, `traceEachMessage()` / `traceEachBatch()` wrap the
 * consumer's `eachMessage` / `eachBatch` handler and hand it its consumer
 * span, so what the handler produces (with `childOf: span`) stays in the
 * same trace. Only structural kafkajs types are used.
 * @module
 */
import type { PropagationFormat } from '../src/context/trace-context.ts'
import { extractContext } from './extract.ts'
import { copyTarget } from './inject.ts'
import {
  baseTags, consumerSpan, finishSpan, markSpanError, nameFor, offsetTag, parentOptions, startProducerSpan,
  type ConsumerSpanCommonOptions, type SpanCommonOptions,
} from './spans.ts'
import { guarded, noopSpan, reportTracingError, type TracingLogger } from './tracing-guard.ts'
import type { KafkajsConsumedMessage, KafkajsMessage, SpanLike, SpanOptionsLike, TracerLike } from './types.ts'

/** The part of a kafkajs `ProducerRecord` the helper reads. */
export interface KafkajsRecord {
  topic: string
  messages: KafkajsMessage[]
}

/** Anything with kafkajs' `send(record)`: a `Producer` or a `Transaction`. */
export interface KafkajsSender<R, Rec extends KafkajsRecord> {
  send(record: Rec): Promise<R>
}

/** Options of {@link tracedSend}. */
export interface TracedSendOptions extends SpanCommonOptions {
  /**
   * Parent of every producer span (ChildOf), e.g. the consumer span a
   * `traceEachMessage` handler received. Default: each message's own
   * context, if its headers carry one.
   */
  childOf?: unknown
  /** Extra formats to inject beside the tracer's own, e.g. `['w3c']`. */
  formats?: readonly PropagationFormat[]
}

interface RecordMetadataLike {
  partition?: unknown
  baseOffset?: unknown
  offset?: unknown
}

/**
 * Send a kafkajs record with one `To_<topic>` producer span per message.
 * The messages sent are traced copies (the caller's record and messages are
 * not modified, frozen ones are fine). The spans finish when the broker
 * acknowledges; on failure they are tagged `error=true` and the rejection is
 * passed on. When the acknowledgement names a single partition, the spans
 * also get `partition` and `offset` tags.
 *
 * @example
 * await tracedSend(tracer, producer, { topic: 'orders', messages: [{ value: 'hi' }] }, { childOf: span })
 */
export async function tracedSend<R, Rec extends KafkajsRecord, S extends SpanLike>(
  tracer: TracerLike<S>,
  producer: KafkajsSender<R, Rec>,
  record: Rec,
  options: TracedSendOptions = {},
): Promise<R> {
  if (typeof record !== 'object' || record === null || !Array.isArray(record.messages)) {
    throw new TypeError('Cannot send: record must be a kafkajs ProducerRecord with a messages array')
  }
  const spans: S[] = []
  const messages = record.messages.map((message) => {
    const copy = copyTarget(message, 'message')
    try {
      spans.push(startProducerSpan(tracer, { ...options, topic: record.topic, message: copy, kind: 'message', partition: message.partition }))
    } catch (error) {
      // Whatever tracing could not do, the message is still sent (untraced).
      reportTracingError(options.logger, `tracing a message for ${String(record.topic)}`, error)
      spans.push(noopSpan())
    }
    return copy
  })
  return finishAll(spans, producer.send({ ...record, messages }), options.logger)
}

async function finishAll<R>(spans: SpanLike[], sent: Promise<R>, logger: TracingLogger | undefined): Promise<R> {
  let result: R
  try {
    result = await sent
  } catch (error) {
    for (const span of spans) finishSpan(span, error, logger)
    throw error
  }
  const metadata = Array.isArray(result) && result.length === 1 ? (result[0] as RecordMetadataLike) : undefined
  const base = offsetTag(metadata?.baseOffset ?? metadata?.offset)
  spans.forEach((span, i) => {
    guarded(logger, 'span.setTag', () => {
      if (typeof metadata?.partition === 'number') span.setTag('partition', metadata.partition)
      if (typeof base === 'number' && Number.isSafeInteger(base + i)) span.setTag('offset', base + i)
    })
    finishSpan(span, undefined, logger)
  })
  return result
}

/** What kafkajs passes to `eachMessage`. */
export interface EachMessagePayloadLike {
  topic: string
  partition: number
  message: KafkajsConsumedMessage
}

/**
 * Wrap a kafkajs `eachMessage` handler: each message gets a `From_<topic>`
 * consumer span (FOLLOWS_FROM its producer span by default), passed to the
 * handler as its second argument and finished when the handler settles
 * (tagged `error=true` if it throws; the error is rethrown).
 *
 * @example
 * await consumer.run({
 *   eachMessage: traceEachMessage(tracer, async ({ message }, span) => {
 *     await tracedSend(tracer, producer, { topic: 'next', messages: [{ value: message.value }] }, { childOf: span })
 *   }),
 * })
 */
export function traceEachMessage<P extends EachMessagePayloadLike, S extends SpanLike>(
  tracer: TracerLike<S>,
  handler: (payload: P, span: S) => unknown,
  options: ConsumerSpanCommonOptions = {},
): (payload: P) => Promise<void> {
  return async (payload: P): Promise<void> => {
    const span = consumerSpan(tracer, options, payload.topic, payload.partition, payload.message, undefined, null)
    try {
      await handler(payload, span)
    } catch (error) {
      markSpanError(span, error, options.logger)
      throw error
    } finally {
      guarded(options.logger, 'span.finish', () => span.finish())
    }
  }
}

/** What kafkajs passes to `eachBatch` (the part the wrapper reads). */
export interface EachBatchPayloadLike {
  batch: {
    topic: string
    partition: number
    messages: KafkajsConsumedMessage[]
  }
}

/** Tracing handed to an `eachBatch` handler. */
export interface BatchTracing<S> {
  /**
   * The batch span `From_<topic>`, with FOLLOWS_FROM references to the
   * batch's producer spans (the first {@link BatchOptions.maxBatchReferences}
   * distinct ones); its parent is the first of them.
   */
  span: S
  /**
   * The consumer span of one message, started at the first call:
   * FOLLOWS_FROM the message's producer span (keeping its trace), or a child
   * of the batch span when the message carries no context. Finished when the
   * handler settles, or earlier by {@link BatchTracing.finish}.
   */
  spanFor(message: KafkajsConsumedMessage): S
  /** Finish a message's span now (e.g. after `resolveOffset`), tagged failed if `error` is given. */
  finish(message: KafkajsConsumedMessage, error?: unknown): void
}

/** Options of {@link traceEachBatch}. */
export interface BatchOptions extends ConsumerSpanCommonOptions {
  /** Cap on the batch span's references (each is a SpanRef on the wire). Default 32. */
  maxBatchReferences?: number
}

function contextKey(context: unknown): string | null {
  const c = context as { toTraceId?: () => unknown; toSpanId?: () => unknown }
  if (typeof c.toTraceId !== 'function' || typeof c.toSpanId !== 'function') return null
  return `${String(c.toTraceId())}:${String(c.toSpanId())}`
}

/**
 * Wrap a kafkajs `eachBatch` handler: the batch gets a `From_<topic>` span
 * referring to the messages' producer spans, and the handler can get a
 * per-message consumer span with `tracing.spanFor(message)`. Every span is
 * finished when the handler settles; a throw tags the batch span
 * `error=true` and is rethrown.
 *
 * @example
 * eachBatch: traceEachBatch(tracer, async ({ batch, resolveOffset }, tracing) => {
 *   for (const message of batch.messages) {
 *     await handle(message, tracing.spanFor(message))
 *     tracing.finish(message)
 *     resolveOffset(message.offset)
 *   }
 * })
 */
export function traceEachBatch<P extends EachBatchPayloadLike, S extends SpanLike>(
  tracer: TracerLike<S>,
  handler: (payload: P, tracing: BatchTracing<S>) => unknown,
  options: BatchOptions = {},
): (payload: P) => Promise<void> {
  const cap = options.maxBatchReferences ?? 32
  if (!Number.isInteger(cap) || cap < 0) throw new RangeError(`Cannot trace eachBatch: maxBatchReferences must be a non-negative integer, got ${cap}`)
  return async (payload: P): Promise<void> => {
    const { topic, partition, messages } = payload.batch
    // Producer contexts of the batch, distinct, up to the cap.
    const contexts: unknown[] = []
    const seen = new Set<string>()
    for (const message of messages) {
      if (contexts.length >= cap) break
      const context = extractContext(tracer, message, options)
      if (context === null) continue
      const key = contextKey(context)
      if (key !== null) {
        if (seen.has(key)) continue
        seen.add(key)
      }
      contexts.push(context)
    }
    const batchSpan = startBatchSpan(tracer, topic, partition, messages.length, contexts, options)
    const open = new Map<KafkajsConsumedMessage, S>()
    const done = new Set<KafkajsConsumedMessage>()
    const tracing: BatchTracing<S> = {
      span: batchSpan,
      spanFor(message) {
        let span = open.get(message)
        if (span === undefined) {
          span = consumerSpan(tracer, options, topic, partition, message, undefined, batchSpan)
          open.set(message, span)
        }
        return span
      },
      finish(message, error) {
        const span = open.get(message)
        if (span === undefined || done.has(message)) return
        done.add(message)
        finishSpan(span, error, options.logger)
      },
    }
    try {
      await handler(payload, tracing)
    } catch (error) {
      markSpanError(batchSpan, error, options.logger)
      throw error
    } finally {
      for (const message of open.keys()) tracing.finish(message)
      guarded(options.logger, 'span.finish', () => batchSpan.finish())
    }
  }
}

function startBatchSpan<S extends SpanLike>(tracer: TracerLike<S>, topic: string, partition: number, count: number, contexts: unknown[], options: BatchOptions): S {
  let spanOptions: SpanOptionsLike = {}
  if (contexts.length > 0) {
    const first = parentOptions(tracer, contexts[0], 'follows_from')
    const references = [...(first.references ?? [])]
    for (let i = 1; i < contexts.length; i++) references.push(...(parentOptions(tracer, contexts[i], 'follows_from').references ?? []))
    spanOptions = { ...first, references }
  }
  const tags = baseTags('consumer', options, topic, partition)
  if (options.messaging === true) {
    tags['messaging.system'] = 'kafka'
    tags['messaging.destination.name'] = topic
    tags['messaging.destination.partition.id'] = String(partition)
    tags['messaging.operation.type'] = 'receive'
    tags['messaging.operation.name'] = 'receive'
    tags['messaging.batch.message_count'] = count
  }
  spanOptions.tags = options.tags === undefined ? tags : { ...tags, ...options.tags }
  if (options.startTime !== undefined) spanOptions.startTime = options.startTime
  try {
    return tracer.startSpan(nameFor(options.operationName, 'From_', topic), spanOptions)
  } catch (error) {
    reportTracingError(options.logger, `tracer.startSpan(From_${topic}) for a batch`, error)
    return noopSpan()
  }
}
