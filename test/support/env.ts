// SPDX-License-Identifier: Apache-2.0
// Environment variables set for the duration of one async body (drop-in apps
// configured by JAEGER_* / JAEGER_KAFKA_* in integration tests).
import process from 'node:process'

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
