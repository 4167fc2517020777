// SPDX-License-Identifier: Apache-2.0
// Operations per second of process CPU time (user + system): a busy host
// disturbs this far less than wall time. Shared by the codec benchmarks.
import process from 'node:process'

let sink: unknown

/** Operations of `run` per CPU second, over about `ms` milliseconds of wall time. */
export function cpuRate(run: () => unknown, ms: number): number {
  let operations = 0
  const start = performance.now()
  const cpuStart = process.cpuUsage()
  do {
    for (let i = 0; i < 10; i++) sink = run()
    operations += 10
  } while (performance.now() - start < ms)
  const cpu = process.cpuUsage(cpuStart)
  return operations / ((cpu.user + cpu.system) / 1e6)
}

/** Throws unless some run produced a value (the results are kept, so no run is optimised away). */
export function assertMeasured(): void {
  if (sink === undefined) throw new Error('nothing measured')
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

/**
 * Runs the cases interleaved (a warm-up pass, then `rounds` rounds of every
 * case once, `ms` each) so a load swing hits all of them; per case: the median
 * rate, its min and max, and the median per-round ratio to the first case.
 */
export function interleavedRates(runs: (() => unknown)[], rounds: number, ms: number): { rate: number; min: number; max: number; ratio: number }[] {
  for (const run of runs) cpuRate(run, ms)
  const samples = runs.map((): number[] => [])
  for (let round = 0; round < rounds; round++) runs.forEach((run, i) => samples[i]!.push(cpuRate(run, ms)))
  assertMeasured()
  return samples.map((own) => ({ rate: median(own), min: Math.min(...own), max: Math.max(...own), ratio: median(own.map((r, round) => r / samples[0]![round]!)) }))
}
