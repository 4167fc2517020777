// SPDX-License-Identifier: Apache-2.0
// Jaeger's sampling-strategies file and the two agent encodings. The file
// shapes are those of jaegertracing/jaeger's own fixtures
// (internal/sampling/samplingstrategy/file/fixtures: strategies.json,
// service_no_per_operation.json, operation_strategies.json) and the expected
// responses those of its provider_test.go; bodies are compared as exact JSON
// text so the field order and enum encoding the clients parse are pinned.
import assert from 'node:assert/strict'
import { test } from '../support/harness.ts'
import { ErrorCodes, isJaegerKafkaError } from '../../src/errors.ts'
import {
  DEFAULT_SAMPLING_PROBABILITY,
  type SamplingEndpoint,
  type SamplingStrategies,
  defaultSamplingStrategies,
  encodeSamplingResponse,
  parseSamplingStrategies,
  strategyForService,
} from '../../agent/sampling-strategies.ts'

const body = (s: SamplingStrategies, service: string, endpoint: SamplingEndpoint = 'sampling'): string =>
  JSON.stringify(encodeSamplingResponse(strategyForService(s, service), endpoint))

const STRATEGIES_JSON = JSON.stringify({
  default_strategy: { type: 'probabilistic', param: 0.5 },
  service_strategies: [
    { service: 'foo', type: 'probabilistic', param: 0.8 },
    { service: 'bar', type: 'ratelimiting', param: 5 },
  ],
})

const SERVICE_NO_PER_OPERATION_JSON = JSON.stringify({
  service_strategies: [
    { service: 'ServiceA', type: 'probabilistic', param: 1.0 },
    { service: 'ServiceB', type: 'ratelimiting', param: 3 },
  ],
  default_strategy: {
    type: 'probabilistic',
    param: 0.2,
    operation_strategies: [{ operation: '/health', type: 'probabilistic', param: 0.1 }],
  },
})

const OPERATION_STRATEGIES_JSON = JSON.stringify({
  default_strategy: {
    type: 'probabilistic',
    param: 0.5,
    operation_strategies: [
      { operation: 'op0', type: 'probabilistic', param: 0.2 },
      { operation: 'op6', type: 'probabilistic', param: 0 },
      { operation: 'spam', type: 'ratelimiting', param: 1 },
      { operation: 'op7', type: 'probabilistic', param: 1 },
    ],
  },
  service_strategies: [
    {
      service: 'foo', type: 'probabilistic', param: 0.8,
      operation_strategies: [
        { operation: 'op6', type: 'probabilistic', param: 0.5 },
        { operation: 'op1', type: 'probabilistic', param: 0.2 },
        { operation: 'op2', type: 'ratelimiting', param: 10 },
      ],
    },
    {
      service: 'bar', type: 'ratelimiting', param: 5,
      operation_strategies: [
        { operation: 'op3', type: 'probabilistic', param: 0.3 },
        { operation: 'op4', type: 'ratelimiting', param: 100 },
        { operation: 'op5', type: 'probabilistic', param: 0.4 },
      ],
    },
  ],
})

/** The operationSampling JSON text Jaeger writes for these operations. */
function ops(defaultProbability: number, list: [string, number][]): string {
  const strategies = list.map(([operation, rate]) => `{"operation":"${operation}","probabilisticSampling":{"samplingRate":${rate}}}`).join(',')
  return `"operationSampling":{"defaultSamplingProbability":${defaultProbability},"defaultLowerBoundTracesPerSecond":0,` +
    `"perOperationStrategies":[${strategies}],"defaultUpperBoundTracesPerSecond":0}`
}

/** The error parseSamplingStrategies() throws for `json`, checked to be a CONFIGURATION error. */
function parseError(json: unknown): string {
  try {
    parseSamplingStrategies(typeof json === 'string' ? json : JSON.stringify(json), { source: 'strategies.json' })
  } catch (error) {
    assert.ok(isJaegerKafkaError(error), 'a JaegerKafkaError')
    assert.equal(error.code, ErrorCodes.CONFIGURATION)
    assert.match(error.message, /^Cannot load sampling strategies from strategies\.json: /)
    return error.message
  }
  assert.fail(`no error for ${JSON.stringify(json)}`)
}

test('sampling strategies: without a file every service gets Jaeger\'s default, probabilistic 0.001, on both endpoints', () => {
  const s = defaultSamplingStrategies()
  assert.equal(DEFAULT_SAMPLING_PROBABILITY, 0.001)
  assert.equal(body(s, 'any'), '{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.001}}')
  assert.equal(body(s, 'any', 'legacy'), '{"strategyType":0,"probabilisticSampling":{"samplingRate":0.001}}')
  assert.equal(body(defaultSamplingStrategies(0.25), 'x'), '{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.25}}')
  assert.throws(() => defaultSamplingStrategies(2), RangeError)
})

test('sampling strategies: Jaeger\'s strategies.json: per-service probabilistic and ratelimiting, the default for others; enum as name on /sampling, number on /', () => {
  const s = parseSamplingStrategies(STRATEGIES_JSON)
  assert.deepEqual(s.warnings, [])
  assert.equal(body(s, 'foo'), '{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.8}}')
  assert.equal(body(s, 'bar'), '{"strategyType":"RATE_LIMITING","rateLimitingSampling":{"maxTracesPerSecond":5}}')
  assert.equal(body(s, 'bar', 'legacy'), '{"strategyType":1,"rateLimitingSampling":{"maxTracesPerSecond":5}}')
  assert.equal(body(s, 'foo', 'legacy'), '{"strategyType":0,"probabilisticSampling":{"samplingRate":0.8}}')
  assert.equal(body(s, 'unknown'), '{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.5}}')
  assert.equal(body(s, ''), body(s, 'unknown'), 'an empty service name gets the default')
})

test('sampling strategies: Jaeger\'s service_no_per_operation.json: services inherit the default\'s operations; a probabilistic service\'s rate becomes their default probability', () => {
  const s = parseSamplingStrategies(SERVICE_NO_PER_OPERATION_JSON)
  // Jaeger's snapshot TestServiceNoPerOperationStrategies_ServiceB.json: ratelimiting 3 keeps the default's 0.2.
  assert.equal(body(s, 'ServiceB'),
    `{"strategyType":"RATE_LIMITING","rateLimitingSampling":{"maxTracesPerSecond":3},${ops(0.2, [['/health', 0.1]])}}`)
  assert.equal(body(s, 'ServiceA'),
    `{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":1},${ops(1, [['/health', 0.1]])}}`)
  assert.equal(body(s, 'other'),
    `{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.2},${ops(0.2, [['/health', 0.1]])}}`)
  assert.equal(body(s, 'ServiceB', 'legacy'),
    `{"strategyType":1,"rateLimitingSampling":{"maxTracesPerSecond":3},${ops(0.2, [['/health', 0.1]])}}`)
})

test('sampling strategies: Jaeger\'s operation_strategies.json: service operations first, then the default\'s it does not name; ratelimiting operations dropped with a warning', () => {
  const s = parseSamplingStrategies(OPERATION_STRATEGIES_JSON)
  // provider_test.go TestPerOperationSamplingStrategies: foo [op6 0.5, op1 0.2, op0 0.2, op7 1] at 0.8.
  assert.equal(body(s, 'foo'),
    `{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.8},${ops(0.8, [['op6', 0.5], ['op1', 0.2], ['op0', 0.2], ['op7', 1]])}}`)
  // bar is ratelimiting: its operations' default probability is Jaeger's 0.001.
  assert.equal(body(s, 'bar'),
    `{"strategyType":"RATE_LIMITING","rateLimitingSampling":{"maxTracesPerSecond":5},${ops(0.001, [['op3', 0.3], ['op5', 0.4], ['op0', 0.2], ['op6', 0], ['op7', 1]])}}`)
  assert.equal(body(s, 'default'),
    `{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.5},${ops(0.5, [['op0', 0.2], ['op6', 0], ['op7', 1]])}}`)
  assert.deepEqual(s.warnings, [
    'default_strategy.operation_strategies[2]: operation "spam" is ratelimiting; operation strategies can only be probabilistic, so it is ignored (as in Jaeger)',
    'service_strategies[0].operation_strategies[2]: operation "op2" is ratelimiting; operation strategies can only be probabilistic, so it is ignored (as in Jaeger)',
    'service_strategies[1].operation_strategies[1]: operation "op4" is ratelimiting; operation strategies can only be probabilistic, so it is ignored (as in Jaeger)',
  ])
})

test('sampling strategies: per-operation responses carry what jaeger-client-node\'s PerOperationSampler asserts (numbers, an array) and what Java\'s Gson model reads', () => {
  const response = encodeSamplingResponse(strategyForService(parseSamplingStrategies(OPERATION_STRATEGIES_JSON), 'foo'), 'sampling') as {
    strategyType: unknown
    operationSampling: { defaultLowerBoundTracesPerSecond: unknown; defaultSamplingProbability: unknown; perOperationStrategies: unknown }
  }
  assert.equal(typeof response.operationSampling.defaultLowerBoundTracesPerSecond, 'number')
  assert.equal(typeof response.operationSampling.defaultSamplingProbability, 'number')
  assert.ok(Array.isArray(response.operationSampling.perOperationStrategies))
  assert.equal(response.strategyType, 'PROBABILISTIC')
})

test('sampling strategies: a ratelimiting param with a fraction is truncated like Jaeger\'s int32(param); 0 and 32767 are accepted', () => {
  const s = parseSamplingStrategies(JSON.stringify({
    service_strategies: [
      { service: 'a', type: 'ratelimiting', param: 3.5 },
      { service: 'b', type: 'ratelimiting', param: 0 },
      { service: 'c', type: 'ratelimiting', param: 32767 },
    ],
  }))
  assert.equal(body(s, 'a'), '{"strategyType":"RATE_LIMITING","rateLimitingSampling":{"maxTracesPerSecond":3}}')
  assert.equal(body(s, 'b', 'legacy'), '{"strategyType":1,"rateLimitingSampling":{"maxTracesPerSecond":0}}')
  assert.equal(body(s, 'c', 'legacy'), '{"strategyType":1,"rateLimitingSampling":{"maxTracesPerSecond":32767}}')
})

test('sampling strategies: an empty object, null lists and a null default are Jaeger\'s defaults; defaultSamplingProbability sets the fallback', () => {
  assert.equal(body(parseSamplingStrategies('{}'), 'x'), '{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.001}}')
  const nulls = parseSamplingStrategies('{"default_strategy":null,"service_strategies":null}', { defaultSamplingProbability: 0.3 })
  assert.equal(body(nulls, 'x'), '{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.3}}')
  const rl = parseSamplingStrategies(JSON.stringify({ default_strategy: { type: 'ratelimiting', param: 2, operation_strategies: [{ operation: 'a', type: 'probabilistic', param: 1 }] } }), { defaultSamplingProbability: 0.3 })
  assert.equal(body(rl, 'x'), `{"strategyType":"RATE_LIMITING","rateLimitingSampling":{"maxTracesPerSecond":2},${ops(0.3, [['a', 1]])}}`)
})

test('sampling strategies: unknown fields and duplicate services load with a warning; the later duplicate wins as in Jaeger', () => {
  const s = parseSamplingStrategies(JSON.stringify({
    default_strategy: { type: 'probabilistic', param: 0.5, operation_strategy: [] },
    service_strategies: [
      { service: 'a', type: 'probabilistic', param: 0.1 },
      { service: 'a', type: 'probabilistic', param: 0.9 },
    ],
    extra: true,
  }))
  assert.equal(body(s, 'a'), '{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.9}}')
  assert.deepEqual(s.warnings, [
    'extra is not a field of the sampling strategies format; ignored',
    'default_strategy.operation_strategy is not a field of the sampling strategies format; ignored',
    'service_strategies[1]: service "a" is also at service_strategies[0]; the later one wins (as in Jaeger)',
  ])
})

test('sampling strategies: invalid files are rejected with an error naming the file and the bad field', () => {
  assert.match(parseError('{"default_strategy": '), /not valid JSON \(/)
  assert.match(parseError('"nonsense"'), /the top level must be a JSON object \(got "nonsense"\)/)
  assert.match(parseError([]), /the top level must be a JSON object \(got an array\)/)
  assert.match(parseError({ default_strategy: 5 }), /default_strategy must be a JSON object \(got 5\)/)
  assert.match(parseError({ default_strategy: { type: 'probabilistc', param: 0.5 } }), /default_strategy\.type must be "probabilistic" or "ratelimiting" \(got "probabilistc"\)/)
  assert.match(parseError({ default_strategy: { param: 0.5 } }), /default_strategy\.type must be .* \(got nothing\)/)
  assert.match(parseError({ default_strategy: { type: 'probabilistic' } }), /default_strategy\.param must be a number \(got nothing\)/)
  assert.match(parseError({ default_strategy: { type: 'probabilistic', param: '0.5' } }), /default_strategy\.param must be a number \(got "0\.5"\)/)
  assert.match(parseError({ default_strategy: { type: 'probabilistic', param: 1.5 } }), /default_strategy\.param must be a probability between 0 and 1 .* \(got 1\.5\)/)
  assert.match(parseError({ default_strategy: { type: 'probabilistic', param: -0.1 } }), /between 0 and 1/)
  assert.match(parseError({ service_strategies: {} }), /service_strategies must be an array \(got an object\)/)
  assert.match(parseError({ service_strategies: [null] }), /service_strategies\[0\] must be a JSON object \(got null\)/)
  assert.match(parseError({ service_strategies: [{ type: 'probabilistic', param: 1 }] }), /service_strategies\[0\]\.service must be a non-empty string \(got nothing\)/)
  assert.match(parseError({ service_strategies: [{ service: '', type: 'probabilistic', param: 1 }] }), /service_strategies\[0\]\.service must be a non-empty string \(got ""\)/)
  assert.match(parseError({ service_strategies: [{ service: 'a', type: 'ratelimiting', param: 1 }, { service: 'b', type: 'ratelimiting', param: 40000 }] }),
    /service_strategies\[1\]\.param must be between 0 and 32767 traces per second for type "ratelimiting" \(got 40000\)/)
  assert.match(parseError({ service_strategies: [{ service: 'a', type: 'ratelimiting', param: -1 }] }), /service_strategies\[0\]\.param must be between 0 and 32767/)
  assert.match(parseError({ service_strategies: [{ service: 'a', type: 'probabilistic', param: 1, operation_strategies: 'op' }] }),
    /service_strategies\[0\]\.operation_strategies must be an array \(got "op"\)/)
  assert.match(parseError({ service_strategies: [{ service: 'a', type: 'probabilistic', param: 1, operation_strategies: [{ type: 'probabilistic', param: 1 }] }] }),
    /service_strategies\[0\]\.operation_strategies\[0\]\.operation must be a string \(got nothing\)/)
  assert.match(parseError({ default_strategy: { type: 'probabilistic', param: 1, operation_strategies: [{ operation: 'x', type: 'probabilistic', param: 7 }] } }),
    /default_strategy\.operation_strategies\[0\]\.param must be a probability between 0 and 1/)
  assert.throws(() => parseSamplingStrategies('{}', { defaultSamplingProbability: -1 }), RangeError)
})

test('sampling strategies: every call returns a fresh body, so a caller changing one cannot change the next', () => {
  const s = parseSamplingStrategies(OPERATION_STRATEGIES_JSON)
  const first = encodeSamplingResponse(strategyForService(s, 'foo'), 'sampling') as { operationSampling: { perOperationStrategies: unknown[] } }
  first.operationSampling.perOperationStrategies.length = 0
  assert.equal(body(s, 'foo'),
    `{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.8},${ops(0.8, [['op6', 0.5], ['op1', 0.2], ['op0', 0.2], ['op7', 1]])}}`)
})
