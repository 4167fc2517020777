// SPDX-License-Identifier: Apache-2.0
// A KafkaSender for unit tests (fast retries, process set) and its drop total.
import { KafkaSender } from '../../senders/kafka-sender.ts'
import type { KafkaSenderOptions } from '../../senders/kafka-sender.ts'
import { DROP_REASONS } from '../../senders/sender-types.ts'
import type { KafkaSenderStats } from '../../senders/sender-types.ts'
import type { KafkaProducer } from '../../src/kafka/types.ts'

/** A sender on `producer` with 1–4 ms retries and `process` (jaeger-client shape) set. */
export function newTestSender(producer: KafkaProducer, process: unknown, options: Partial<KafkaSenderOptions> = {}): KafkaSender {
  const sender = new KafkaSender({ producer, retry: { initialDelayMs: 1, maxDelayMs: 4 }, ...options })
  sender.setProcess(process)
  return sender
}

/** Spans dropped for any reason. */
export function droppedSpans(stats: KafkaSenderStats): number {
  return DROP_REASONS.reduce((sum, r) => sum + stats.spansDropped[r], 0)
}
