// SPDX-License-Identifier: Apache-2.0
/**
 * `KafkaSenderOptions.spoolDir`: the sender's producer wrapped in a
 * `SpoolingProducer` over a file spool.
 *
 * Why a dynamic import here: the file spool needs the Node file system
 * (`file-spool.node.ts`); a static import would make every runtime and bundle
 * load `node:fs`, and `new KafkaSender()` is synchronous. So the module is
 * loaded (and the spool opened) in the background only when `spoolDir` is set;
 * the producer sends directly until then and spools once it is open. Node,
 * Deno and Bun all run it (their `node:fs/promises`).
 * @module
 */
import type { Logger } from '../../src/kafka/logger.ts'
import type { KafkaProducer } from '../../src/kafka/types.ts'
import type { RetryOptions } from '../../src/retry.ts'
import type { SpanSpool } from './span-spool.ts'
import { createSpoolingProducer } from './spooling-producer.ts'
import type { SpoolingProducer } from './spooling-producer.ts'

/** `KafkaSenderOptions.spool`: tuning of the spool in `spoolDir` (see docs/sender.md, "Spool"). */
export interface SenderSpoolOptions {
  /** Byte cap of the spool directory (default 1 GiB); beyond it the oldest segment is dropped (`spool_full`). */
  maxBytes?: number
  /** Segment file size (default 64 MiB, or maxBytes / 16 when smaller). */
  segmentBytes?: number
  /** `interval` (default: synced every `fsyncIntervalMs`, 1000 ms), `always` (fdatasync before a send resolves) or `never`. */
  fsync?: 'always' | 'interval' | 'never'
  fsyncIntervalMs?: number
  /** Most spooled bytes per replay produce call (default 512 KiB). */
  replayMaxBytes?: number
  /**
   * How long `close()` lets the replay empty the spool while Kafka takes
   * records (default: the sender's `closeTimeoutMs`); it stops at the first
   * failed attempt. What is left stays on disk for the next start.
   */
  drainOnCloseMs?: number
}

/** Wrap `producer` with a spool in `dir` (opened in the background). */
export function spoolSenderProducer(producer: KafkaProducer, dir: string, options: SenderSpoolOptions, logger: Logger, retry: RetryOptions | undefined): SpoolingProducer {
  if (typeof dir !== 'string' || dir === '') throw new TypeError('`spoolDir` must be a non-empty path')
  const opening: Promise<SpanSpool> = import('./file-spool.node.ts').then(({ openFileSpool }) =>
    openFileSpool({
      dir,
      logger,
      ...(options.maxBytes !== undefined && { maxBytes: options.maxBytes }),
      ...(options.segmentBytes !== undefined && { segmentBytes: options.segmentBytes }),
      ...(options.fsync !== undefined && { fsync: options.fsync }),
      ...(options.fsyncIntervalMs !== undefined && { fsyncIntervalMs: options.fsyncIntervalMs }),
    }),
  )
  return createSpoolingProducer(producer, opening, {
    logger,
    ...(retry !== undefined && { retry }),
    ...(options.replayMaxBytes !== undefined && { replayMaxBytes: options.replayMaxBytes }),
  })
}
