// SPDX-License-Identifier: Apache-2.0
/**
 * Producer and consumer spans for Kafka messages, named and tagged like
 * opentracing-contrib/java-kafka-client: `To_<topic>` / `From_<topic>`,
 * `span.kind`, `component`, `peer.service=kafka`, `message_bus.destination`,
 * `partition`, `offset`; optionally OTel `messaging.*` attributes.
 * @module
 */
import { FORMAT_TEXT_MAP, Tags, Tracer as BaseTracer, childOf as childOfReference, followsFrom as followsFromReference } from 'opentracing'
import type { PropagationFormat } from '../src/context/trace-context.ts'
import { decodeSingleValue } from '../src/headers.ts'
import type { ConsumerCarrierOptions } from './consumer-carrier.ts'
import { extractContext, extractWith, usableContext } from './extract.ts'
import { contextOf } from './inject.ts'
import { KafkaProducerCarrier, completeFormats, readOnlyReason } from './producer-carrier.ts'
import { guarded, noopSpan, reportTracingError, type TracingLogger } from './tracing-guard.ts'
import type { ConsumerSource, ProducerTarget, SpanLike, SpanOptionsLike, TargetKind, TracerLike } from './types.ts'

/** Default `component` tag. */
export const COMPONENT = 'jaeger-kafka'

/** An operation name, or a function of the topic. */
export type OperationName = string | ((topic: string) => string)

/** Options shared by every span helper. */
export interface SpanCommonOptions {
  /** Span name; default `To_<topic>` (producer) / `From_<topic>` (consumer). */
  operationName?: OperationName
  /** `component` tag. Default `'jaeger-kafka'`. */
  component?: string
  /** Extra tags, applied after the standard ones. */
  tags?: Record<string, unknown>
  /** Also set OTel semantic-convention `messaging.*` attributes. Default false. */
  messaging?: boolean
  /** Start time in milliseconds since the epoch (OpenTracing's unit). */
  startTime?: number
  /**
   * Where a tracer failure is reported (the helpers never let one reach the
   * send or the handler). Default `console`.
   */
  logger?: TracingLogger
}

/** Options of {@link startProducerSpan}. */
export interface ProducerSpanOptions extends SpanCommonOptions {
  /** Destination topic. */
  topic: string
  /** The message (or headers) to inject the new span's context into. */
  message?: ProducerTarget
  /**
   * Parent span or span context (ChildOf). Default: the context already in
   * `message`'s headers, if any (java-kafka-client's rule), else none. Pass
   * `null` for "no parent".
   */
  childOf?: unknown
  /** Partition, when the caller chose one. */
  partition?: number
  /** Inject the span's context into `message` (in place). Default true. */
  inject?: boolean
  /** Extra formats to inject beside the tracer's own (see `injectHeaders`). */
  formats?: readonly PropagationFormat[]
  /** How to read an ambiguous `message`. Default `'auto'`. */
  kind?: TargetKind
  /** OpenTracing format for the injection. Default `FORMAT_TEXT_MAP`. */
  format?: string
}

/** How a consumer span refers to the producer span. */
export type ReferenceType = 'follows_from' | 'child_of'

/** Options of {@link startConsumerSpan}, besides the message's coordinates. */
export interface ConsumerSpanCommonOptions extends SpanCommonOptions, ConsumerCarrierOptions {
  /** Reference to the producer's context: FOLLOWS_FROM (default, OpenTracing's rule for messaging) or CHILD_OF. */
  reference?: ReferenceType
}

/** Options of {@link startConsumerSpan}. */
export interface ConsumerSpanOptions extends ConsumerSpanCommonOptions {
  /** Source topic. */
  topic: string
  /** Source partition. */
  partition?: number
  /** The consumed message (kafkajs or node-rdkafka) or its headers. */
  message: ConsumerSource
  /** Offset; default `message.offset`. */
  offset?: string | number
}

export function nameFor(option: OperationName | undefined, prefix: string, topic: string): string {
  if (typeof option === 'function') return option(topic)
  return option ?? `${prefix}${topic}`
}

function checkTopic(topic: unknown, helper: string): string {
  if (typeof topic !== 'string' || topic === '') throw new TypeError(`Cannot start ${helper} span: topic must be a non-empty string, got ${JSON.stringify(topic)}`)
  return topic
}

/** A Kafka offset as a tag value: a number when exact, else the string. */
export function offsetTag(offset: unknown): number | string | undefined {
  if (typeof offset === 'number') return Number.isFinite(offset) ? offset : undefined
  if (typeof offset === 'string' && /^\d{1,20}$/.test(offset)) {
    const n = Number(offset)
    return Number.isSafeInteger(n) ? n : offset
  }
  if (typeof offset === 'bigint') return Number.isSafeInteger(Number(offset)) ? Number(offset) : String(offset)
  return undefined
}

/**
 * Span options referring to `parent`. jaeger-client puts only `references`
 * on the wire and takes its parent from them; OTel's TracerShim parents only
 * on `childOf` (references become links). So both are passed, except to
 * tracers using opentracing's base `startSpan`, which turns `childOf` into a
 * second reference itself.
 */
export function parentOptions(tracer: { startSpan: unknown }, parent: unknown, type: ReferenceType): SpanOptionsLike {
  const reference = type === 'follows_from' ? followsFromReference(parent as never) : childOfReference(parent as never)
  if (tracer.startSpan === BaseTracer.prototype.startSpan) return { references: [reference] }
  return { childOf: parent, references: [reference] }
}

function messagingTags(tags: Record<string, unknown>, operation: 'send' | 'process', topic: string, partition: unknown, message: unknown): void {
  tags['messaging.system'] = 'kafka'
  tags['messaging.destination.name'] = topic
  tags['messaging.operation.type'] = operation
  tags['messaging.operation.name'] = operation
  if (typeof partition === 'number') tags['messaging.destination.partition.id'] = String(partition)
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return
  const record = message as Record<string, unknown>
  if ('key' in record && record.key !== null && record.key !== undefined) {
    const key = decodeSingleValue(record.key)
    if (key !== undefined) tags['messaging.kafka.message.key'] = key
  }
  if ('value' in record && record.value === null) tags['messaging.kafka.message.tombstone'] = true
}

export function baseTags(kind: string, options: SpanCommonOptions, topic: string, partition: unknown): Record<string, unknown> {
  const tags: Record<string, unknown> = {
    [Tags.SPAN_KIND]: kind,
    [Tags.COMPONENT]: options.component ?? COMPONENT,
    [Tags.PEER_SERVICE]: 'kafka',
    [Tags.MESSAGE_BUS_DESTINATION]: topic,
  }
  if (typeof partition === 'number') tags.partition = partition
  return tags
}

function withOptional(options: SpanOptionsLike, startTime: number | undefined, tags: Record<string, unknown>, extra: Record<string, unknown> | undefined): SpanOptionsLike {
  options.tags = extra === undefined ? tags : { ...tags, ...extra }
  if (startTime !== undefined) options.startTime = startTime
  return options
}

/**
 * Start a `To_<topic>` producer span (`span.kind=producer`), ChildOf
 * `childOf` or the context already in the message, and inject its context
 * into `message` (in place; a frozen message is left untraced and logged:
 * use `tracedSend` or `injectHeaders(…, { mutate: false })` for those).
 * A tracer that throws is logged and gives a no-op span: the caller's send
 * goes ahead. Finish the span when the broker acknowledges:
 * {@link finishProducerSpan} or `tracedSend`.
 *
 * @example
 * const message = { value: 'hi' }
 * const span = startProducerSpan(tracer, { topic: 'orders', message, childOf: parentSpan })
 * await finishProducerSpan(span, producer.send({ topic: 'orders', messages: [message] }))
 */
export function startProducerSpan<S extends SpanLike>(tracer: TracerLike<S>, options: ProducerSpanOptions): S {
  const topic = checkTopic(options?.topic, 'a producer')
  const message = options.message
  const carrier = message !== undefined && options.inject !== false
    ? new KafkaProducerCarrier(message, { formats: options.formats, kind: options.kind })
    : null
  const parent = options.childOf !== undefined
    ? contextOf(options.childOf)
    : message !== undefined ? extractContext(tracer, message, { kind: options.kind }) : null
  const spanOptions: SpanOptionsLike = parent === null || parent === undefined ? {} : parentOptions(tracer, parent, 'child_of')
  const tags = baseTags(Tags.SPAN_KIND_MESSAGING_PRODUCER, options, topic, options.partition)
  if (options.messaging === true) messagingTags(tags, 'send', topic, options.partition, message)
  let span: S
  try {
    span = tracer.startSpan(nameFor(options.operationName, 'To_', topic), withOptional(spanOptions, options.startTime, tags, options.tags))
  } catch (error) {
    reportTracingError(options.logger, `tracer.startSpan(To_${topic})`, error)
    return noopSpan()
  }
  if (carrier !== null) {
    guarded(options.logger, `tracer.inject into a message for ${topic}`, () => {
      tracer.inject(span.context(), options.format ?? FORMAT_TEXT_MAP, carrier)
      completeFormats(carrier)
    })
    const readOnly = readOnlyReason(carrier)
    if (readOnly !== null) {
      reportTracingError(options.logger, `injecting into a message for ${topic}`, `${readOnly} is frozen or read-only; use tracedSend or injectHeaders(…, { mutate: false })`)
    }
  }
  return span
}

/**
 * Start a `From_<topic>` consumer span (`span.kind=consumer`) for a consumed
 * message, with a FOLLOWS_FROM (default) or CHILD_OF reference to the
 * producer's context extracted from its headers (jaeger, W3C or B3). Without
 * a context it starts a new trace (a jaeger-client debug trace when only
 * `jaeger-debug-id` is present). Never throws on a malformed message.
 *
 * @example
 * const span = startConsumerSpan(tracer, { topic, partition, message })
 * try { await handle(message) } finally { span.finish() }
 */
export function startConsumerSpan<S extends SpanLike>(tracer: TracerLike<S>, options: ConsumerSpanOptions): S {
  return consumerSpan(tracer, options, options.topic, options.partition, options.message, options.offset, null)
}

/**
 * `startConsumerSpan` with the message's coordinates passed apart (no
 * per-message object spread: V8 makes that slow) and a fallback: when the
 * message carries no context, the span is a child of `fallbackParent` (a
 * span) instead of a new trace. Internal to the carriers.
 */
export function consumerSpan<S extends SpanLike>(
  tracer: TracerLike<S>,
  options: ConsumerSpanCommonOptions,
  topic: unknown,
  partition: number | undefined,
  message: ConsumerSource,
  offsetOption: string | number | undefined,
  fallbackParent: SpanLike | null,
): S {
  const name = checkTopic(topic, 'a consumer')
  const extracted = extractWith(tracer, message, options, true)
  let spanOptions: SpanOptionsLike = {}
  if (usableContext(extracted) !== null) spanOptions = parentOptions(tracer, extracted, options.reference ?? 'follows_from')
  else if (fallbackParent !== null) spanOptions = parentOptions(tracer, fallbackParent.context(), 'child_of')
  else if (extracted !== null) spanOptions = { childOf: extracted }
  const tags = baseTags(Tags.SPAN_KIND_MESSAGING_CONSUMER, options, name, partition)
  const record = message as { offset?: unknown } | null | undefined
  const offset = offsetTag(offsetOption ?? (typeof record === 'object' && record !== null && !Array.isArray(record) ? record.offset : undefined))
  if (offset !== undefined) tags.offset = offset
  if (options.messaging === true) {
    messagingTags(tags, 'process', name, partition, message)
    if (offset !== undefined) tags['messaging.kafka.offset'] = offset
  }
  try {
    return tracer.startSpan(nameFor(options.operationName, 'From_', name), withOptional(spanOptions, options.startTime, tags, options.tags))
  } catch (error) {
    reportTracingError(options.logger, `tracer.startSpan(From_${name})`, error)
    return noopSpan()
  }
}

/**
 * Mark a span failed, the OpenTracing way: tag `error=true` and log
 * `event: 'error'`, `error.object`, `error.kind`, `message`, `stack`.
 */
export function markSpanError(span: SpanLike, error: unknown, logger?: TracingLogger): void {
  guarded(logger, 'marking a span failed', () => tagError(span, error))
}

function tagError(span: SpanLike, error: unknown): void {
  span.setTag(Tags.ERROR, true)
  const fields: Record<string, unknown> = { event: 'error', 'error.object': error }
  if (typeof error === 'object' && error !== null) {
    const e = error as { name?: unknown; message?: unknown; stack?: unknown }
    if (typeof e.name === 'string') fields['error.kind'] = e.name
    fields.message = typeof e.message === 'string' ? e.message : String(error)
    if (typeof e.stack === 'string') fields.stack = e.stack
  } else {
    fields.message = String(error)
  }
  span.log(fields)
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
}

/**
 * Finish a producer span when the send settles: pass the send's promise and
 * get it back; a rejection tags the span as failed (and still rejects).
 * For callback clients (node-rdkafka delivery reports), pass the delivery
 * error instead (`null`/`undefined` for success): the span finishes now.
 *
 * @example
 * await finishProducerSpan(span, producer.send(record))
 * // node-rdkafka, in the 'delivery-report' handler: finishProducerSpan(report.opaque, err)
 */
export function finishProducerSpan<T>(span: SpanLike, outcome: PromiseLike<T>, logger?: TracingLogger): Promise<T>
export function finishProducerSpan(span: SpanLike, error?: unknown, logger?: TracingLogger): void
export function finishProducerSpan<T>(span: SpanLike, outcome?: PromiseLike<T> | unknown, logger?: TracingLogger): Promise<T> | void {
  if (isThenable(outcome)) {
    return Promise.resolve(outcome as PromiseLike<T>).then(
      (result) => {
        finishSpan(span, undefined, logger)
        return result
      },
      (error: unknown) => {
        finishSpan(span, error, logger)
        throw error
      },
    )
  }
  finishSpan(span, outcome, logger)
}

/** Tag `error` (when given) and finish; a tracer that throws is reported, never passed on. */
export function finishSpan(span: SpanLike, error: unknown, logger: TracingLogger | undefined): void {
  if (error !== null && error !== undefined) markSpanError(span, error, logger)
  guarded(logger, 'span.finish', () => span.finish())
}
