// SPDX-License-Identifier: Apache-2.0
// Exact span counts from a real Jaeger query API, duplicates included: each
// trace is read with `?raw=true`, which skips the query service's adjusters
// (Jaeger v2's DeduplicateSpans hides identical copies of a span), so a span
// stored twice is counted twice. Used by the outage tests to prove "every
// span once" and to report duplicates instead of hiding them.
import { JAEGER_QUERY_URL } from './peers.ts'
import { sleep } from './faults.ts'

/** What a Jaeger query API holds of the expected traces. */
export interface SpanCensus {
  /** Distinct span ids found, over all expected traces. */
  unique: number
  /** Stored copies beyond the first, over all expected traces. */
  duplicates: number
  /** Expected spans not found (sum over traces of expected − distinct, when positive). */
  missing: number
  /** Distinct spans found beyond the expected count of their trace. */
  extra: number
  /** Traces holding fewer distinct spans than expected. */
  incompleteTraces: string[]
}

interface TraceCount {
  distinct: number
  stored: number
}

/** Distinct and stored span counts of one trace (0/0 while not stored). */
async function countTrace(traceId: string, queryUrl: string): Promise<TraceCount> {
  const res = await fetch(`${queryUrl}/api/traces/${traceId}?raw=true`, { signal: AbortSignal.timeout(10_000) })
  const body = (await res.json()) as { data?: { spans: { spanID: string }[] }[] }
  if (res.status === 404) return { distinct: 0, stored: 0 }
  if (res.status !== 200) throw new Error(`GET /api/traces/${traceId}?raw=true answered ${res.status}: ${JSON.stringify(body)}`)
  const spans = (body.data ?? []).flatMap((t) => t.spans)
  return { distinct: new Set(spans.map((s) => s.spanID)).size, stored: spans.length }
}

/** Count the given traces (trace id → expected distinct spans) once, `concurrency` GETs at a time. */
async function countAll(traceIds: readonly string[], queryUrl: string, concurrency: number): Promise<Map<string, TraceCount>> {
  const counts = new Map<string, TraceCount>()
  for (let i = 0; i < traceIds.length; i += concurrency) {
    const ids = traceIds.slice(i, i + concurrency)
    const results = await Promise.all(ids.map((id) => countTrace(id, queryUrl)))
    ids.forEach((id, j) => counts.set(id, results[j]!))
  }
  return counts
}

/**
 * Wait until every expected trace holds its expected number of distinct spans
 * (or `timeoutMs` passed), then count every trace once more, duplicates
 * included (`settleMs` later). `expected` maps a trace id (hex) to its number of spans.
 */
export async function waitForSpanCensus(expected: ReadonlyMap<string, number>, queryUrl = JAEGER_QUERY_URL, timeoutMs = 60_000, concurrency = 16, settleMs = 500): Promise<SpanCensus> {
  const deadline = Date.now() + timeoutMs
  let pending = [...expected.keys()]
  while (pending.length > 0 && Date.now() < deadline) {
    const counts = await countAll(pending, queryUrl, concurrency)
    pending = pending.filter((id) => counts.get(id)!.distinct < expected.get(id)!)
    if (pending.length > 0) await sleep(500)
  }
  // Once complete (or out of time), one full pass after Jaeger's batch
  // processor flushed (100 ms): a copy may land after its trace completed.
  await sleep(settleMs)
  const counts = await countAll([...expected.keys()], queryUrl, concurrency)
  const census: SpanCensus = { unique: 0, duplicates: 0, missing: 0, extra: 0, incompleteTraces: [] }
  for (const [id, want] of expected) {
    const { distinct, stored } = counts.get(id)!
    census.unique += distinct
    census.duplicates += stored - distinct
    if (distinct < want) {
      census.missing += want - distinct
      census.incompleteTraces.push(id)
    } else census.extra += distinct - want
  }
  return census
}
