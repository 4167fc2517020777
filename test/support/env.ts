// SPDX-License-Identifier: Apache-2.0
// Environment variables set for the duration of one async body (drop-in apps
// configured by JAEGER_* / JAEGER_KAFKA_* in integration tests).
import process from 'node:process'
import { KAFKA_BROKERS } from './peers.ts'
import { KAFKA_ENV } from '../../senders/kafka-config.ts'

/** Set variables for the duration of `body`, then restore them. */
export async function withEnv<T>(vars: Record<string, string>, body: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]))
  Object.assign(process.env, vars)
  try {
    return await body()
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
}

/** The env of a drop-in app (initTracerFromEnv) sending every span to `topic` on the test broker in `encoding`. */
export function dropInAppEnv(topic: string, service: string, encoding: string): Record<string, string> {
  return {
    [KAFKA_ENV.BROKERS]: KAFKA_BROKERS.join(','),
    [KAFKA_ENV.TOPIC]: topic,
    [KAFKA_ENV.ENCODING]: encoding,
    JAEGER_SERVICE_NAME: service,
    JAEGER_SAMPLER_TYPE: 'const',
    JAEGER_SAMPLER_PARAM: '1',
  }
}
