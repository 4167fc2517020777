// SPDX-License-Identifier: Apache-2.0
/**
 * Jaeger's sampling-strategies file: parse and validate it, resolve the
 * strategy of one service, and encode it as the agent's two sampling
 * endpoints did. Web-standard only (the file is read by
 * `sampling-provider.node.ts`).
 *
 * Facts this follows (read, not copied):
 * - File format and resolution: jaegertracing/jaeger
 *   `internal/sampling/samplingstrategy/file/{strategy,provider,constants}.go`
 *   (formerly `plugin/sampling/strategyprovider/static/`), the behaviour of
 *   Jaeger v1.76.0 with its default `--sampling.strategies.bugfix-5270=true`:
 *   `{ default_strategy?, service_strategies?: [{ service, type, param,
 *   operation_strategies? }] }`, types "probabilistic" (param = probability)
 *   and "ratelimiting" (param = max traces per second, truncated to an
 *   integer); no file or no default strategy = probabilistic 0.001.
 * - Responses: jaeger-idl `proto/api_v2/sampling.proto` (SamplingStrategyResponse,
 *   PerOperationSamplingStrategies incl. defaultUpperBoundTracesPerSecond) and
 *   `thrift/sampling.thrift` (maxTracesPerSecond is an i16).
 * - Encodings: jaeger `pkg/clientcfg/clientcfghttp/handler.go` (agent, up to
 *   v1.6x): `GET /sampling` = `model/converter/json.SamplingStrategyResponseToJSON`
 *   (jsonpb with EmitDefaults, enum names: "strategyType":"PROBABILISTIC",
 *   absent strategies left out); legacy `GET /` = the Thrift struct's JSON with
 *   the enum as its Thrift 0.9.2 number ("strategyType":0) and
 *   maxTracesPerSecond above int16 refused.
 * - Clients: jaeger-client-java 1.8.1 `HttpSamplingManager` asks
 *   `http://host:port/?service=X` (the legacy path) and Gson-parses
 *   probabilisticSampling / rateLimitingSampling / operationSampling, ignoring
 *   strategyType; jaeger-client-node 3.19 `RemoteControlledSampler` asks
 *   `/sampling?service=X` and needs strategyType "PROBABILISTIC" /
 *   "RATE_LIMITING" as strings, and a numeric defaultLowerBoundTracesPerSecond
 *   in operationSampling.
 *
 * Stricter than Jaeger on purpose: where Jaeger silently falls back to
 * probabilistic 0.001 (unknown or missing `type`, missing `param`), this
 * rejects the file with an error naming the field, so a typo never turns into
 * "sample almost nothing". Files Jaeger accepts with a warning (ratelimiting
 * operation strategies, which Jaeger drops; unknown fields) load here too,
 * with the same warning.
 * @module
 */
import { ErrorCodes, JaegerKafkaError } from '../src/errors.ts'

/** Jaeger's default sampling probability (`DefaultSamplingProbability` in constants.go). */
export const DEFAULT_SAMPLING_PROBABILITY = 0.001

/** The legacy endpoint carries maxTracesPerSecond as a Thrift i16. */
const MAX_TRACES_PER_SECOND = 32767

/** api_v2 SamplingStrategyType: PROBABILISTIC = 0, RATE_LIMITING = 1. */
export type SamplingStrategyType = 'PROBABILISTIC' | 'RATE_LIMITING'
const LEGACY_TYPE_CODE: Record<SamplingStrategyType, number> = { PROBABILISTIC: 0, RATE_LIMITING: 1 }

export interface OperationSamplingStrategy {
  operation: string
  probabilisticSampling: { samplingRate: number }
}

/** api_v2 PerOperationSamplingStrategies, as the file strategy store fills it. */
export interface PerOperationSamplingStrategies {
  defaultSamplingProbability: number
  defaultLowerBoundTracesPerSecond: number
  perOperationStrategies: readonly OperationSamplingStrategy[]
  defaultUpperBoundTracesPerSecond: number
}

/** api_v2 SamplingStrategyResponse: what one service is told. */
export interface SamplingStrategyResponse {
  strategyType: SamplingStrategyType
  probabilisticSampling?: { samplingRate: number }
  rateLimitingSampling?: { maxTracesPerSecond: number }
  operationSampling?: PerOperationSamplingStrategies
}

/** A parsed file: the default, one response per named service, and what was ignored. */
export interface SamplingStrategies {
  defaultStrategy: SamplingStrategyResponse
  serviceStrategies: ReadonlyMap<string, SamplingStrategyResponse>
  /** Things Jaeger also ignores (with a warning): unknown fields, ratelimiting operation strategies, duplicates. */
  warnings: readonly string[]
}

/** `/sampling` (enum names) or the legacy `/` (enum numbers). */
export type SamplingEndpoint = 'sampling' | 'legacy'

export interface ParseSamplingOptions {
  /** Where the text came from, for error messages (a file path). */
  source?: string
  /** Probability for the built-in default and for per-operation defaults of non-probabilistic strategies (Jaeger's `--sampling.default-sampling-probability`). */
  defaultSamplingProbability?: number
}

/** The strategies served without a file: probabilistic `probability` for every service. */
export function defaultSamplingStrategies(probability = DEFAULT_SAMPLING_PROBABILITY): SamplingStrategies {
  checkProbability(probability, 'defaultSamplingProbability')
  return { defaultStrategy: probabilistic(probability), serviceStrategies: new Map(), warnings: [] }
}

/**
 * Parse and validate the text of a sampling-strategies file. Throws a
 * JaegerKafkaError CONFIGURATION whose message names the bad field
 * (`service_strategies[1].param`) and the source.
 */
export function parseSamplingStrategies(text: string, options: ParseSamplingOptions = {}): SamplingStrategies {
  const source = options.source ?? 'sampling strategies'
  const fallback = options.defaultSamplingProbability ?? DEFAULT_SAMPLING_PROBABILITY
  checkProbability(fallback, 'defaultSamplingProbability')
  const fail = (message: string): never => {
    throw new JaegerKafkaError(ErrorCodes.CONFIGURATION, `Cannot load sampling strategies from ${source}: ${message}`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    fail(`not valid JSON (${error instanceof Error ? error.message : String(error)})`)
  }
  const warnings: string[] = []
  const file = objectAt(json, 'the top level', fail)
  unknownFields(file, ['default_strategy', 'service_strategies'], '', warnings)

  // parseStrategies(): the default first, then each service, merged with the default's operations.
  const defaultStrategy = file.default_strategy === undefined || file.default_strategy === null
    ? probabilistic(fallback)
    : serviceStrategy(objectAt(file.default_strategy, 'default_strategy', fail), 'default_strategy', false, fallback, warnings, fail)

  const serviceStrategies = new Map<string, SamplingStrategyResponse>()
  const firstIndex = new Map<string, number>()
  const list = file.service_strategies ?? []
  if (!Array.isArray(list)) fail(`service_strategies must be an array (got ${describe(list)})`)
  ;(list as unknown[]).forEach((entry, i) => {
    const path = `service_strategies[${i}]`
    const s = objectAt(entry, path, fail)
    if (typeof s.service !== 'string' || s.service === '') fail(`${path}.service must be a non-empty string (got ${describe(s.service)})`)
    const service = s.service as string
    const response = serviceStrategy(s, path, true, fallback, warnings, fail)
    const earlier = firstIndex.get(service)
    if (earlier !== undefined) warnings.push(`${path}: service "${service}" is also at service_strategies[${earlier}]; the later one wins (as in Jaeger)`)
    else firstIndex.set(service, i)
    serviceStrategies.set(service, withDefaultOperations(response, defaultStrategy))
  })
  return { defaultStrategy, serviceStrategies, warnings }
}

/** The response for `service`: its own strategy, else the default (Jaeger's GetSamplingStrategy). */
export function strategyForService(strategies: SamplingStrategies, service: string): SamplingStrategyResponse {
  return strategies.serviceStrategies.get(service) ?? strategies.defaultStrategy
}

/**
 * The JSON body an endpoint answers with, as a fresh plain object in the
 * field order Jaeger wrote: `sampling` names the enum ("PROBABILISTIC"),
 * `legacy` numbers it (0) like jaeger-agent's `/` did.
 */
export function encodeSamplingResponse(response: SamplingStrategyResponse, endpoint: SamplingEndpoint): Record<string, unknown> {
  const body: Record<string, unknown> = {
    strategyType: endpoint === 'legacy' ? LEGACY_TYPE_CODE[response.strategyType] : response.strategyType,
  }
  if (response.probabilisticSampling) body.probabilisticSampling = { samplingRate: response.probabilisticSampling.samplingRate }
  if (response.rateLimitingSampling) body.rateLimitingSampling = { maxTracesPerSecond: response.rateLimitingSampling.maxTracesPerSecond }
  const ops = response.operationSampling
  if (ops) {
    body.operationSampling = {
      defaultSamplingProbability: ops.defaultSamplingProbability,
      defaultLowerBoundTracesPerSecond: ops.defaultLowerBoundTracesPerSecond,
      perOperationStrategies: ops.perOperationStrategies.map((op) => ({
        operation: op.operation,
        probabilisticSampling: { samplingRate: op.probabilisticSampling.samplingRate },
      })),
      defaultUpperBoundTracesPerSecond: ops.defaultUpperBoundTracesPerSecond,
    }
  }
  return body
}

// ---- parsing one strategy ---------------------------------------------------------------------

type Fail = (message: string) => never

function probabilistic(samplingRate: number): SamplingStrategyResponse {
  return { strategyType: 'PROBABILISTIC', probabilisticSampling: { samplingRate } }
}

/** `{ type, param }` (parseStrategy()): a probabilistic or rate-limiting response. */
function strategy(s: Record<string, unknown>, path: string, fail: Fail): SamplingStrategyResponse {
  if (s.type !== 'probabilistic' && s.type !== 'ratelimiting') {
    fail(`${path}.type must be "probabilistic" or "ratelimiting" (got ${describe(s.type)})`)
  }
  if (typeof s.param !== 'number' || !Number.isFinite(s.param)) fail(`${path}.param must be a number (got ${describe(s.param)})`)
  const param = s.param as number
  if (s.type === 'probabilistic') {
    if (param < 0 || param > 1) fail(`${path}.param must be a probability between 0 and 1 for type "probabilistic" (got ${param})`)
    return probabilistic(param)
  }
  if (param < 0 || param >= MAX_TRACES_PER_SECOND + 1) {
    fail(`${path}.param must be between 0 and ${MAX_TRACES_PER_SECOND} traces per second for type "ratelimiting" (got ${param})`)
  }
  // Jaeger stores int32(param): the fraction is dropped.
  return { strategyType: 'RATE_LIMITING', rateLimitingSampling: { maxTracesPerSecond: Math.trunc(param) } }
}

/**
 * A service (or the default) strategy with its operation strategies
 * (parseServiceStrategies()): operations get a PerOperationSamplingStrategies
 * whose default probability is the service's own when it is probabilistic,
 * else the default probability; ratelimiting operations are dropped, as
 * Jaeger does (per-operation sampling is probabilistic only).
 */
function serviceStrategy(
  s: Record<string, unknown>, path: string, named: boolean, fallback: number, warnings: string[], fail: Fail,
): SamplingStrategyResponse {
  unknownFields(s, named ? ['service', 'type', 'param', 'operation_strategies'] : ['type', 'param', 'operation_strategies'], `${path}.`, warnings)
  const response = strategy(s, path, fail)
  const list = s.operation_strategies ?? []
  if (!Array.isArray(list)) fail(`${path}.operation_strategies must be an array (got ${describe(list)})`)
  const operations = list as unknown[]
  if (operations.length === 0) return response
  const perOperation: OperationSamplingStrategy[] = []
  operations.forEach((entry, i) => {
    const opPath = `${path}.operation_strategies[${i}]`
    const op = objectAt(entry, opPath, fail)
    unknownFields(op, ['operation', 'type', 'param'], `${opPath}.`, warnings)
    if (typeof op.operation !== 'string') fail(`${opPath}.operation must be a string (got ${describe(op.operation)})`)
    const parsed = strategy(op, opPath, fail)
    if (parsed.probabilisticSampling === undefined) {
      warnings.push(`${opPath}: operation "${op.operation as string}" is ratelimiting; operation strategies can only be probabilistic, so it is ignored (as in Jaeger)`)
      return
    }
    perOperation.push({ operation: op.operation as string, probabilisticSampling: parsed.probabilisticSampling })
  })
  response.operationSampling = {
    defaultSamplingProbability: response.probabilisticSampling?.samplingRate ?? fallback,
    defaultLowerBoundTracesPerSecond: 0,
    perOperationStrategies: perOperation,
    defaultUpperBoundTracesPerSecond: 0,
  }
  return response
}

/**
 * The default strategy's operations also apply to each service (Jaeger's
 * bugfix-5270 behaviour, its default): a service without operations gets a
 * copy of the default's, with its own probability as the default probability
 * when it is probabilistic; a service with operations keeps its own and gains
 * the default's it does not name.
 */
function withDefaultOperations(service: SamplingStrategyResponse, defaults: SamplingStrategyResponse): SamplingStrategyResponse {
  const inherited = defaults.operationSampling
  if (inherited === undefined) return service
  const own = service.operationSampling
  if (own === undefined) {
    return {
      ...service,
      operationSampling: {
        ...inherited,
        defaultSamplingProbability: service.probabilisticSampling?.samplingRate ?? inherited.defaultSamplingProbability,
      },
    }
  }
  const named = new Set(own.perOperationStrategies.map((op) => op.operation))
  return {
    ...service,
    operationSampling: {
      ...own,
      perOperationStrategies: [...own.perOperationStrategies, ...inherited.perOperationStrategies.filter((op) => !named.has(op.operation))],
    },
  }
}

// ---- small checks ------------------------------------------------------------------------------

function objectAt(value: unknown, path: string, fail: Fail): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${path} must be a JSON object (got ${describe(value)})`)
  return value as Record<string, unknown>
}

function unknownFields(value: Record<string, unknown>, known: readonly string[], prefix: string, warnings: string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) warnings.push(`${prefix}${key} is not a field of the sampling strategies format; ignored`)
  }
}

function checkProbability(value: number, name: string): void {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw new RangeError(`${name} must be a probability between 0 and 1 (got ${String(value)})`)
}

/** A short rendering of a JSON value for error messages. */
function describe(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (Array.isArray(value)) return 'an array'
  if (value === null) return 'null'
  if (typeof value === 'object') return 'an object'
  const text = JSON.stringify(value)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}
