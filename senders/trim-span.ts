// SPDX-License-Identifier: Apache-2.0
/**
 * Shrinking a span that is too big for one Kafka record: drop its logs, then
 * its largest tags, and mark it with `jaeger.truncated=true`, so Jaeger still
 * shows the span (name, timing, references) instead of nothing.
 * @module
 */
import { encodeSpan } from '../src/codec/thrift/jaeger-encode.ts'
import { TagType } from '../src/codec/thrift/jaeger-types.ts'
import type { JaegerSpan, JaegerTag } from '../src/codec/thrift/jaeger-types.ts'

/** The tag a trimmed span carries. */
export const TRUNCATED_TAG_KEY = 'jaeger.truncated'

const TRUNCATED_TAG: JaegerTag = { key: TRUNCATED_TAG_KEY, vType: TagType.BOOL, vBool: true }

function approximateTagSize(tag: JaegerTag): number {
  const value = tag.vStr?.length ?? tag.vBinary?.length ?? 8
  return tag.key.length + value
}

/**
 * Encode `span` in at most `maxBytes` with `encode` (default: Thrift; the
 * protobuf encodings pass their span writer), trimming it if needed.
 *
 * Steps, each only if the previous result is still too big: (1) all logs
 * removed; (2) the fewest largest tags removed (binary search, O(log n)
 * encodes). Returns the trimmed span, its encoding and what was removed, or `undefined`
 * when even the bare span (no logs, no tags but the marker) is too big.
 */
export function trimSpan(span: JaegerSpan, maxBytes: number, encode: (span: JaegerSpan) => Uint8Array = encodeSpan): { bytes: Uint8Array; span: JaegerSpan; removedLogs: number; removedTags: number } | undefined {
  const tags = (span.tags ?? []).filter((tag) => tag.key !== TRUNCATED_TAG_KEY)
  const removedLogs = span.logs?.length ?? 0
  const withTags = (kept: readonly JaegerTag[]): { bytes: Uint8Array; span: JaegerSpan } => {
    const trimmed: JaegerSpan = { ...span, tags: [...kept, TRUNCATED_TAG] }
    delete trimmed.logs
    return { bytes: encode(trimmed), span: trimmed }
  }

  const all = withTags(tags)
  if (all.bytes.length <= maxBytes) return { ...all, removedLogs, removedTags: 0 }

  // Largest tags first; keep the survivors in their original order.
  const bySize = tags.map((tag, index) => ({ index, size: approximateTagSize(tag) })).sort((a, b) => b.size - a.size)
  const keepWithout = (removeCount: number): JaegerTag[] => {
    const removed = new Set(bySize.slice(0, removeCount).map((entry) => entry.index))
    return tags.filter((_, index) => !removed.has(index))
  }
  let low = 1
  let high = tags.length
  let best: { bytes: Uint8Array; span: JaegerSpan } | undefined
  let bestRemoved = 0
  while (low <= high) {
    const mid = (low + high) >> 1
    const candidate = withTags(keepWithout(mid))
    if (candidate.bytes.length <= maxBytes) {
      best = candidate
      bestRemoved = mid
      high = mid - 1
    } else {
      low = mid + 1
    }
  }
  return best ? { ...best, removedLogs, removedTags: bestRemoved } : undefined
}
