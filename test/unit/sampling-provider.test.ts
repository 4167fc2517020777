// SPDX-License-Identifier: Apache-2.0
// loadSamplingProvider(): the agent's strategies from a real file in a temp
// directory (node:fs works on Node, Deno and Bun), reloaded by polling.
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from '../support/harness.ts'
import { waitFor } from '../support/forwarder-fakes.ts'
import { ErrorCodes, isJaegerKafkaError } from '../../src/errors.ts'
import { loadSamplingProvider } from '../../agent/sampling-provider.node.ts'
import type { Logger } from '../../src/kafka/logger.ts'

const INTERVAL_MS = 10

function captureLogger(): { info(m: string): void; error(m: string): void; infos: string[]; errors: string[] } {
  const infos: string[] = []
  const errors: string[] = []
  return { infos, errors, info: (m) => infos.push(m), error: (m) => errors.push(m) }
}

function strategies(fooRate: number, extra: object = {}): string {
  return JSON.stringify({
    default_strategy: { type: 'ratelimiting', param: 7 },
    service_strategies: [{ service: 'foo', type: 'probabilistic', param: fooRate }],
    ...extra,
  })
}

async function withFile(body: (file: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'jk-sampling-'))
  try {
    await body(join(dir, 'strategies.json'))
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

const rateOf = (body: unknown): unknown => (body as { probabilisticSampling?: { samplingRate: number } }).probabilisticSampling?.samplingRate
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

type Provider = Awaited<ReturnType<typeof loadSamplingProvider>>
type Captured = ReturnType<typeof captureLogger>

/** A provider polling a temp file that starts as strategies(0.8); closed afterwards. */
async function withPolledFile(body: (file: string, provider: Provider, logger: Captured) => Promise<void>, logger: Logger = captureLogger()): Promise<void> {
  await withFile(async (file) => {
    await writeFile(file, strategies(0.8))
    const provider = await loadSamplingProvider({ file, reloadIntervalMs: INTERVAL_MS, logger })
    try {
      await body(file, provider, logger as Captured)
    } finally {
      provider.close()
    }
  })
}

test('loadSamplingProvider() without a file serves probabilistic 0.001 to every service on both endpoints and says so', async () => {
  const logger = captureLogger()
  const provider = await loadSamplingProvider({ logger })
  assert.deepEqual(provider.strategyFor('svc'), { strategyType: 'PROBABILISTIC', probabilisticSampling: { samplingRate: 0.001 } })
  assert.deepEqual(provider.strategyFor('svc', 'legacy'), { strategyType: 0, probabilisticSampling: { samplingRate: 0.001 } })
  assert.deepEqual(provider.strategyFor('svc', 'sampling'), provider.strategyFor('other'))
  assert.match(logger.infos.join('\n'), /no strategies file; every service gets probabilistic 0\.001/)
  const half = await loadSamplingProvider({ defaultSamplingProbability: 0.5 })
  assert.equal(rateOf(half.strategyFor('svc')), 0.5)
  provider.close()
  half.close()
})

test('loadSamplingProvider() rejects a missing file at start with a CONFIGURATION error naming it', async () => {
  await withFile(async (file) => {
    await assert.rejects(loadSamplingProvider({ file }), (error: unknown) => {
      assert.ok(isJaegerKafkaError(error))
      assert.equal(error.code, ErrorCodes.CONFIGURATION)
      assert.ok(error.message.startsWith(`Cannot load sampling strategies from ${file}: `), error.message)
      assert.match(error.message, /ENOENT|no such file|not found/i)
      return true
    })
  })
})

test('loadSamplingProvider() rejects an invalid file at start with the bad field, and a bad reload interval with a RangeError', async () => {
  await withFile(async (file) => {
    await writeFile(file, JSON.stringify({ service_strategies: [{ service: 'a', type: 'probabilistic', param: 3 }] }))
    await assert.rejects(loadSamplingProvider({ file }), /Cannot load sampling strategies from .*strategies\.json: service_strategies\[0\]\.param must be a probability/)
    await writeFile(file, strategies(0.8))
    await assert.rejects(loadSamplingProvider({ file, reloadIntervalMs: -1 }), RangeError)
  })
})

test('loadSamplingProvider() serves the file per service and the file\'s default to others, and logs its warnings', async () => {
  await withFile(async (file) => {
    await writeFile(file, strategies(0.8, { unknown_key: 1 }))
    const logger = captureLogger()
    const provider = await loadSamplingProvider({ file, reloadIntervalMs: 0, logger })
    assert.deepEqual(provider.strategyFor('foo'), { strategyType: 'PROBABILISTIC', probabilisticSampling: { samplingRate: 0.8 } })
    assert.deepEqual(provider.strategyFor('bar'), { strategyType: 'RATE_LIMITING', rateLimitingSampling: { maxTracesPerSecond: 7 } })
    assert.deepEqual(provider.strategyFor('bar', 'legacy'), { strategyType: 1, rateLimitingSampling: { maxTracesPerSecond: 7 } })
    assert.match(logger.infos.join('\n'), /loaded .*strategies\.json: 1 service strategies and a rate_limiting default/)
    assert.deepEqual(logger.errors, [`sampling: ${file}: unknown_key is not a field of the sampling strategies format; ignored`])
    provider.close()
  })
})

test('loadSamplingProvider() picks up a changed file at the next poll', async () => {
  await withPolledFile(async (file, provider, logger) => {
    assert.equal(rateOf(provider.strategyFor('foo')), 0.8)
    await writeFile(file, strategies(0.25))
    await waitFor(() => rateOf(provider.strategyFor('foo')) === 0.25, 10_000, 'the changed file')
    assert.deepEqual(provider.stats(), { reloads: 1, reloadFailures: 0 })
    assert.match(logger.infos.join('\n'), /reloaded .*strategies\.json/)
    // A new service and a new default arrive the same way.
    await writeFile(file, JSON.stringify({ default_strategy: { type: 'probabilistic', param: 0.125 }, service_strategies: [{ service: 'baz', type: 'ratelimiting', param: 9 }] }))
    await waitFor(() => rateOf(provider.strategyFor('foo')) === 0.125, 10_000, 'the second change')
    assert.deepEqual(provider.strategyFor('baz', 'legacy'), { strategyType: 1, rateLimitingSampling: { maxTracesPerSecond: 9 } })
    assert.equal(provider.stats().reloads, 2)
  })
})

test('loadSamplingProvider() keeps the last good strategies when the file turns bad, logs once per bad version, and recovers', async () => {
  await withPolledFile(async (file, provider, logger) => {
    await writeFile(file, '{"service_strategies": [')
    await waitFor(() => provider.stats().reloadFailures === 1, 10_000, 'the bad file to be noticed')
    assert.equal(rateOf(provider.strategyFor('foo')), 0.8, 'the last good strategies stay')
    await sleep(INTERVAL_MS * 10)
    assert.equal(logger.errors.length, 1, 'one log line for one bad version, whatever the number of polls')
    assert.match(logger.errors[0] ?? '', /Cannot load sampling strategies from .*strategies\.json: not valid JSON .*; keeping the last good strategies/)
    // Another bad version is a new failure, with the field named.
    await writeFile(file, strategies(0.8).replace('"probabilistic"', '"probabilistik"'))
    await waitFor(() => provider.stats().reloadFailures === 2, 10_000, 'the second bad version')
    assert.match(logger.errors[1] ?? '', /service_strategies\[0\]\.type must be "probabilistic" or "ratelimiting" \(got "probabilistik"\)/)
    assert.equal(rateOf(provider.strategyFor('foo')), 0.8)
    await writeFile(file, strategies(0.5))
    await waitFor(() => rateOf(provider.strategyFor('foo')) === 0.5, 10_000, 'the fixed file')
    assert.deepEqual(provider.stats(), { reloads: 1, reloadFailures: 2 })
  })
})

test('loadSamplingProvider() keeps serving when the file disappears, logs it once, and loads it when it returns', async () => {
  await withPolledFile(async (file, provider, logger) => {
    await rm(file)
    await waitFor(() => provider.stats().reloadFailures === 1, 10_000, 'the missing file to be noticed')
    await sleep(INTERVAL_MS * 10)
    assert.equal(logger.errors.length, 1)
    assert.match(logger.errors[0] ?? '', /cannot read .*strategies\.json .*keeping the last good strategies/)
    assert.equal(rateOf(provider.strategyFor('foo')), 0.8)
    await writeFile(file, strategies(0.0625))
    await waitFor(() => rateOf(provider.strategyFor('foo')) === 0.0625, 10_000, 'the returned file')
  })
})

test('loadSamplingProvider() stops polling after close(), and never polls with reloadIntervalMs 0', async () => {
  await withFile(async (file) => {
    await writeFile(file, strategies(0.8))
    const closed = await loadSamplingProvider({ file, reloadIntervalMs: INTERVAL_MS })
    const fixed = await loadSamplingProvider({ file, reloadIntervalMs: 0 })
    closed.close()
    await writeFile(file, strategies(0.375))
    // A third provider on the same file proves the change is visible to a poller.
    const witness = await loadSamplingProvider({ file, reloadIntervalMs: INTERVAL_MS })
    assert.equal(rateOf(witness.strategyFor('foo')), 0.375)
    await sleep(INTERVAL_MS * 10)
    assert.equal(rateOf(closed.strategyFor('foo')), 0.8)
    assert.equal(rateOf(fixed.strategyFor('foo')), 0.8)
    assert.deepEqual(closed.stats(), { reloads: 0, reloadFailures: 0 })
    witness.close()
    fixed.close()
  })
})

test('loadSamplingProvider() survives a logger that throws', async () => {
  const thrower = { info() { throw new Error('info broke') }, error() { throw new Error('error broke') } }
  await withPolledFile(async (file, provider) => {
    await writeFile(file, 'not json at all')
    await waitFor(() => provider.stats().reloadFailures === 1, 10_000, 'the bad file')
    assert.equal(rateOf(provider.strategyFor('foo')), 0.8)
  }, thrower)
})
