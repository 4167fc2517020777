// SPDX-License-Identifier: Apache-2.0
// Shared by the spool unit tests: span-record produce requests and temporary spool directories.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spanRecordHeaders } from '../../src/kafka/span-record.ts'
import type { ProduceRequest } from '../../src/kafka/types.ts'

/** A send() call of one span record holding `spans` spans, tagged `id` in key and value. */
export function spanRequest(id: number, spans: number, valueBytes = 32, topic = 'jaeger-spans'): ProduceRequest {
  const value = new Uint8Array(valueBytes)
  new DataView(value.buffer).setUint32(0, id)
  return { topic, messages: [{ key: `sender-${id}`, value, headers: spanRecordHeaders(spans) }] }
}

/** The id `spanRequest()` put into a record value. */
export function requestId(value: Uint8Array | null): number {
  if (!value) return -1
  return new DataView(value.buffer, value.byteOffset, value.byteLength).getUint32(0)
}

/** A fresh directory under the OS temp dir; `cleanup()` removes it. */
export async function tempSpoolDir(): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'jaeger-kafka-spool-'))
  return { dir: join(root, 'spool'), cleanup: () => rm(root, { recursive: true, force: true }) }
}

/** Await `promise` holding the event loop open: the spool's replay timers are unref'd by design. */
export function held<T>(promise: Promise<T>): Promise<T> {
  const timer = setInterval(() => {}, 1000)
  return promise.finally(() => clearInterval(timer))
}
