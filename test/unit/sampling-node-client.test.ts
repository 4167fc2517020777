// SPDX-License-Identifier: Apache-2.0
// The unchanged Node jaeger-client (3.19) RemoteControlledSampler against our
// sampling bodies over real HTTP on 127.0.0.1: it asks `/sampling?service=X`
// and needs the enum as a name, which is why the agent serves two encodings
// (Java 1.8.1 asks the legacy `/`, see test/java/agent.test.ts).
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import jaeger from 'jaeger-client'
import { test } from '../support/harness.ts'
import { waitFor } from '../support/forwarder-fakes.ts'
import {
  type SamplingEndpoint,
  encodeSamplingResponse,
  parseSamplingStrategies,
  strategyForService,
} from '../../agent/sampling-strategies.ts'

interface NodeSampler { toString(): string; close(cb?: () => void): void }
const { RemoteSampler } = jaeger as unknown as {
  RemoteSampler: new (service: string, options: object) => NodeSampler
}

const STRATEGIES = parseSamplingStrategies(JSON.stringify({
  default_strategy: { type: 'ratelimiting', param: 7 },
  service_strategies: [
    { service: 'node-prob', type: 'probabilistic', param: 0.25 },
    { service: 'node-ops', type: 'probabilistic', param: 0.5, operation_strategies: [{ operation: 'op-a', type: 'probabilistic', param: 0.75 }] },
  ],
}))

/** Serve `endpoint`'s body on every path; record the paths asked. */
async function withServer(endpoint: SamplingEndpoint, body: (port: number, paths: string[]) => Promise<void>): Promise<void> {
  const paths: string[] = []
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    paths.push(url.pathname)
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify(encodeSamplingResponse(strategyForService(STRATEGIES, url.searchParams.get('service') ?? ''), endpoint)))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    await body((server.address() as AddressInfo).port, paths)
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

/** The sampler jaeger-client builds from the first strategy it receives (its onSamplerUpdate). */
async function firstSampler(service: string, port: number, errors: string[]): Promise<string> {
  let updated: string | undefined
  const sampler = new RemoteSampler(service, {
    hostPort: `127.0.0.1:${port}`,
    refreshInterval: 20,
    onSamplerUpdate: (s: NodeSampler) => { updated ??= s.toString() },
    logger: { info() {}, error: (m: string) => errors.push(m) },
  })
  try {
    await waitFor(() => updated !== undefined || errors.length > 0, 10_000, `a strategy for ${service}`)
  } finally {
    sampler.close()
  }
  return updated ?? ''
}

test('jaeger-client (Node) RemoteSampler applies our /sampling bodies: probabilistic, ratelimiting default, per-operation', async () => {
  await withServer('sampling', async (port, paths) => {
    const errors: string[] = []
    assert.equal(await firstSampler('node-prob', port, errors), 'ProbabilisticSampler(samplingRate=0.25)')
    assert.equal(await firstSampler('not-in-file', port, errors), 'RateLimitingSampler(maxTracesPerSecond=7)')
    assert.match(await firstSampler('node-ops', port, errors), /^PerOperationSampler\(/)
    assert.deepEqual(errors, [])
    assert.ok(paths.length >= 3 && paths.every((p) => p === '/sampling'), `paths asked: ${paths.join(', ')}`)
  })
})

test('jaeger-client (Node) RemoteSampler rejects the legacy body (enum as a number): the agent must answer /sampling with names', async () => {
  await withServer('legacy', async (port) => {
    const errors: string[] = []
    assert.equal(await firstSampler('node-prob', port, errors), '')
    assert.match(errors[0] ?? '', /Malformed response: \{"strategyType":0,/)
  })
})
