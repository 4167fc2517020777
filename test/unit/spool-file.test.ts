// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict'
import { readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from '../support/harness.ts'
import { openFileSpool } from '../../senders/spool/file-spool.node.ts'
import type { FileSpool, SpoolFsync } from '../../senders/spool/file-spool.node.ts'
import { encodeFrame } from '../../senders/spool/spool-frame.ts'
import { isJaegerKafkaError } from '../../src/errors.ts'
import { requestId, spanRequest, tempSpoolDir } from '../support/spool-fixtures.ts'

/** Peek and consume everything, returning the ids in order. */
async function drain(spool: FileSpool): Promise<number[]> {
  const ids: number[] = []
  for (;;) {
    const entries = await spool.peek(3, 1 << 20)
    if (entries.length === 0) return ids
    for (const entry of entries) ids.push(requestId(entry.request.messages[0]?.value ?? null))
    await spool.consume(entries.length, 'replayed')
  }
}

const segmentFiles = async (dir: string): Promise<string[]> => (await readdir(dir)).filter((name) => name.endsWith('.seg')).sort()

test('openFileSpool() appends, hands out the oldest first and deletes segments once consumed', async () => {
  const { dir, cleanup } = await tempSpoolDir()
  try {
    const spool = await openFileSpool({ dir, maxBytes: 1 << 20, segmentBytes: 4096 })
    for (let id = 1; id <= 40; id++) await spool.append(spanRequest(id, id % 5 + 1, 200))
    const before = spool.stats()
    assert.equal(before.spooled.frames, 40)
    assert.equal(before.pending.frames, 40)
    assert.equal(before.pending.spans, Array.from({ length: 40 }, (_, i) => ((i + 1) % 5) + 1).reduce((a, b) => a + b, 0))
    assert.ok(before.segments > 1, `several 4 KiB segments, got ${before.segments}`)
    const again = await spool.peek(2, 1 << 20)
    spool.release()
    assert.deepEqual(again.map((e) => requestId(e.request.messages[0]?.value ?? null)), [1, 2])
    assert.deepEqual(await drain(spool), Array.from({ length: 40 }, (_, i) => i + 1))
    const after = spool.stats()
    assert.equal(after.pending.frames, 0)
    assert.equal(after.replayed.frames, 40)
    assert.equal(after.replayed.spans, before.pending.spans)
    assert.equal(after.segments, 0)
    assert.deepEqual(await segmentFiles(dir), [])
    await spool.append(spanRequest(41, 1))
    assert.deepEqual(await drain(spool), [41])
    await spool.close()
  } finally {
    await cleanup()
  }
})

test('a restarted spool resumes after the last consumed frame (cursor), not from the start', async () => {
  const { dir, cleanup } = await tempSpoolDir()
  try {
    const first = await openFileSpool({ dir, maxBytes: 1 << 20, segmentBytes: 2048 })
    for (let id = 1; id <= 30; id++) await first.append(spanRequest(id, 2, 100))
    const some = await first.peek(7, 1 << 20)
    await first.consume(7, 'replayed')
    assert.equal(some.length, 7)
    await first.close()
    const second = await openFileSpool({ dir, maxBytes: 1 << 20, segmentBytes: 2048 })
    assert.deepEqual(second.stats().recovered, { frames: 23, spans: 46, bytes: second.stats().pending.bytes })
    assert.deepEqual(await drain(second), Array.from({ length: 23 }, (_, i) => i + 8))
    await second.close()
    const third = await openFileSpool({ dir })
    assert.equal(third.stats().pending.frames, 0)
    await third.close()
  } finally {
    await cleanup()
  }
})

test('a damaged cursor file replays from the oldest segment (duplicates, never loss)', async () => {
  const { dir, cleanup } = await tempSpoolDir()
  try {
    const first = await openFileSpool({ dir, maxBytes: 1 << 20 })
    for (let id = 1; id <= 5; id++) await first.append(spanRequest(id, 1))
    await first.peek(2, 1 << 20)
    await first.consume(2, 'replayed')
    await first.close()
    await writeFile(join(dir, 'cursor'), 'garbage that is long enough for a cursor')
    const second = await openFileSpool({ dir })
    assert.deepEqual(await drain(second), [1, 2, 3, 4, 5])
    await second.close()
  } finally {
    await cleanup()
  }
})

test('a tail cut at every byte of the last frame is truncated and counted, the frames before it kept', async () => {
  const { dir, cleanup } = await tempSpoolDir()
  try {
    const frameLength = encodeFrame(spanRequest(3, 4, 40)).length
    for (let cut = 0; cut < frameLength; cut++) {
      const writer = await openFileSpool({ dir, maxBytes: 1 << 20 })
      await writer.append(spanRequest(1, 2, 40))
      await writer.append(spanRequest(2, 3, 40))
      await writer.append(spanRequest(3, 4, 40))
      await writer.close()
      const [segment] = await segmentFiles(dir)
      const path = join(dir, segment as string)
      const full = (await stat(path)).size
      await truncate(path, full - frameLength + cut)
      const reader = await openFileSpool({ dir, maxBytes: 1 << 20 })
      const stats = reader.stats()
      assert.equal(stats.pending.frames, 2, `cut at ${cut}`)
      assert.equal(stats.pending.spans, 5)
      if (cut === 0) {
        assert.deepEqual(stats.corrupt, { bytes: 0, frames: 0, unknownSpanFrames: 0 })
      } else {
        assert.equal(stats.corrupt.bytes, cut, `cut at ${cut}`)
        assert.equal(stats.corrupt.frames, 1)
        assert.equal(stats.droppedFrames.spool_corrupt, 1)
        // A cut inside the 16-byte header leaves the span count unreadable; after it, it is exact.
        if (cut < 16) {
          assert.equal(stats.corrupt.unknownSpanFrames, 1)
          assert.equal(stats.dropped.spool_corrupt, 0)
        } else {
          assert.equal(stats.dropped.spool_corrupt, 4, `cut at ${cut}`)
        }
      }
      assert.equal((await stat(path)).size, full - frameLength, 'truncated to the last whole frame')
      assert.deepEqual(await drain(reader), [1, 2])
      await reader.close()
    }
  } finally {
    await cleanup()
  }
})

test('a flipped byte anywhere in the last frame is never replayed: truncated and counted', async () => {
  const { dir, cleanup } = await tempSpoolDir()
  try {
    const frameLength = encodeFrame(spanRequest(2, 6, 24)).length
    for (let at = 0; at < frameLength; at++) {
      const writer = await openFileSpool({ dir, maxBytes: 1 << 20 })
      await writer.append(spanRequest(1, 1, 24))
      await writer.append(spanRequest(2, 6, 24))
      await writer.close()
      const [segment] = await segmentFiles(dir)
      const path = join(dir, segment as string)
      const bytes = new Uint8Array(await readFile(path))
      const index = bytes.length - frameLength + at
      bytes[index] = (bytes[index] as number) ^ 0x01
      await writeFile(path, bytes)
      const reader = await openFileSpool({ dir, maxBytes: 1 << 20 })
      const stats = reader.stats()
      assert.equal(stats.corrupt.frames, 1, `flip at ${at}`)
      assert.equal(stats.corrupt.bytes, frameLength)
      if (at >= 16) assert.equal(stats.dropped.spool_corrupt, 6, `flip at ${at}`)
      assert.deepEqual(await drain(reader), [1], `flip at ${at}`)
      await reader.close()
    }
  } finally {
    await cleanup()
  }
})

test('over maxBytes the oldest segment is dropped and its spans counted exactly as spool_full', async () => {
  const { dir, cleanup } = await tempSpoolDir()
  try {
    const frameLength = encodeFrame(spanRequest(1, 3, 1000)).length
    const spool = await openFileSpool({ dir, maxBytes: 256 * 1024, segmentBytes: 16 * 1024 })
    const perSegment = Math.floor((16 * 1024) / frameLength)
    const total = 400
    for (let id = 1; id <= total; id++) await spool.append(spanRequest(id, 3, 1000))
    const stats = spool.stats()
    assert.ok(stats.diskBytes <= 256 * 1024, `disk ${stats.diskBytes}`)
    const dropped = stats.droppedFrames.spool_full
    assert.ok(dropped > 0 && dropped % perSegment === 0, `whole segments dropped: ${dropped} frames, ${perSegment} per segment`)
    assert.equal(stats.dropped.spool_full, dropped * 3)
    assert.equal(stats.pending.frames + dropped, total)
    assert.equal(stats.pending.spans + stats.dropped.spool_full, total * 3)
    const ids = await drain(spool)
    assert.deepEqual(ids, Array.from({ length: total - dropped }, (_, i) => i + 1 + dropped), 'the newest survive, in order')
    await spool.close()
  } finally {
    await cleanup()
  }
})

test('frames handed out for replay when their segment is dropped are counted by their outcome, once', async () => {
  const { dir, cleanup } = await tempSpoolDir()
  try {
    const spool = await openFileSpool({ dir, maxBytes: 128 * 1024, segmentBytes: 8 * 1024 })
    for (let id = 1; id <= 7; id++) await spool.append(spanRequest(id, 2, 1000))
    const out = await spool.peek(2, 1 << 20)
    assert.equal(out.length, 2)
    for (let id = 8; id <= 200; id++) await spool.append(spanRequest(id, 2, 1000))
    const mid = spool.stats()
    // The two handed out are not in spool_full: they are on their way.
    assert.equal(mid.dropped.spool_full % 2, 0)
    spool.release()
    const after = spool.stats()
    assert.equal(after.dropped.spool_full, mid.dropped.spool_full + 4, 'released after their segment was dropped: counted now')
    assert.equal(after.pending.spans + after.dropped.spool_full, 400)
    await spool.close()
  } finally {
    await cleanup()
  }
})

test('a second open of a spool directory fails with a clear error; a stale lock is taken over', async () => {
  const { dir, cleanup } = await tempSpoolDir()
  try {
    const spool = await openFileSpool({ dir })
    await assert.rejects(openFileSpool({ dir }), (error: unknown) => isJaegerKafkaError(error) && error.code === 'SPOOL' && /this process/.test(error.message))
    await spool.close()
    // A live process holding it: the parent of this test process.
    const parent = (globalThis as { process?: { ppid?: number } }).process?.ppid ?? 1
    await writeFile(join(dir, 'LOCK'), `${parent}\n`)
    await assert.rejects(openFileSpool({ dir }), (error: unknown) => isJaegerKafkaError(error) && error.code === 'SPOOL' && error.message.includes(`locked by process ${parent}`))
    // A pid no process can have (above Linux's pid_max): stale, taken over.
    await writeFile(join(dir, 'LOCK'), '2147483600\n')
    const again = await openFileSpool({ dir })
    assert.equal((await readFile(join(dir, 'LOCK'), 'utf8')).trim(), String((globalThis as { process?: { pid?: number } }).process?.pid))
    await again.close()
    await assert.rejects(stat(join(dir, 'LOCK')), 'close() removes the lock')
  } finally {
    await cleanup()
  }
})

for (const fsync of ['always', 'interval', 'never'] as SpoolFsync[]) {
  test(`fsync '${fsync}': appended frames survive close and reopen in order`, async () => {
    const { dir, cleanup } = await tempSpoolDir()
    try {
      const spool = await openFileSpool({ dir, fsync, fsyncIntervalMs: 10, segmentBytes: 8 * 1024, maxBytes: 1 << 20 })
      assert.equal(spool.fsync, fsync)
      await Promise.all(Array.from({ length: 50 }, (_, i) => spool.append(spanRequest(i + 1, 1, 300))))
      assert.equal(spool.stats().spooled.frames, 50)
      await spool.close()
      const reopened = await openFileSpool({ dir })
      assert.deepEqual(await drain(reopened), Array.from({ length: 50 }, (_, i) => i + 1))
      await reopened.close()
    } finally {
      await cleanup()
    }
  })
}

test('openFileSpool() rejects impossible options with RangeError', async () => {
  await assert.rejects(openFileSpool({ dir: '/tmp/x', maxBytes: 10 }), RangeError)
  await assert.rejects(openFileSpool({ dir: '/tmp/x', maxBytes: 1 << 20, segmentBytes: 1 << 20 }), RangeError)
  await assert.rejects(openFileSpool({ dir: '/tmp/x', fsync: 'sometimes' as SpoolFsync }), RangeError)
})

test('a frame larger than the cap is refused, not written', async () => {
  const { dir, cleanup } = await tempSpoolDir()
  try {
    const spool = await openFileSpool({ dir, maxBytes: 256 * 1024 })
    await assert.rejects(spool.append(spanRequest(1, 1, 300 * 1024)), RangeError)
    assert.equal(spool.stats().pending.frames, 0)
    await spool.close()
  } finally {
    await cleanup()
  }
})
