// SPDX-License-Identifier: Apache-2.0
// The locked-down broker (`kafka-secure` in scripts/peers.mjs) from tests on
// any runtime: its credentials file (CA, ports, users with random
// passwords), kafkajs client configs for SASL_SSL PLAIN / SCRAM-SHA-512 and
// SSL, and a helper that starts the broker when it is not running.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** A PLAIN user of the secure broker (defined in the SASL_SSL listener's JAAS config). */
export interface SecurePlainUser {
  mechanism: 'plain'
  username: string
  password: string
}

/** A SCRAM-SHA-512 user of the secure broker (stored in its metadata log). */
export interface SecureScramUser {
  mechanism: 'scram-sha-512'
  username: string
  password: string
}

/** A test user of the secure broker (the shape kafkajs takes as `sasl`). */
export type SecureKafkaUser = SecurePlainUser | SecureScramUser

/** What `<cache>/run/kafka-secure/credentials.json` holds. */
export interface SecureKafkaCredentials {
  host: string
  /** SASL_SSL listener (PLAIN and SCRAM-SHA-512). */
  saslSslBrokers: string[]
  /** SSL listener (no client certificate required). */
  sslBrokers: string[]
  ports: { saslSsl: number; ssl: number; controller: number }
  /** PEM of the CA that signed the broker certificate (for 127.0.0.1 and localhost). */
  caFile: string
  users: { plain: SecurePlainUser; scram: SecureScramUser }
}

/** How a client reaches the secure broker. */
export type SecureKafkaAccess = 'plain' | 'scram-sha-512' | 'ssl'

/** The part of a kafkajs `KafkaConfig` these helpers fill in. */
export interface SecureKafkajsConfig {
  clientId: string
  brokers: string[]
  ssl: { ca: string[] }
  sasl?: SecureKafkaUser
}

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url))

function readEnv(name: string): string | undefined {
  const value = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env[name]
  return value === undefined || value === '' ? undefined : value
}

/** Where peers.mjs writes the credentials (`KAFKA_SECURE_CREDENTIALS` overrides). */
export function secureKafkaCredentialsFile(): string {
  const explicit = readEnv('KAFKA_SECURE_CREDENTIALS')
  if (explicit !== undefined) return explicit
  const cache = readEnv('JAEGER_KAFKA_CACHE') ?? join(readEnv('XDG_CACHE_HOME') ?? join(homedir(), '.cache'), 'jaeger-kafka')
  return join(readEnv('JAEGER_KAFKA_RUN_DIR') ?? join(cache, 'run'), 'kafka-secure', 'credentials.json')
}

/** Read the credentials file (throws with a hint when kafka-secure never started). */
export function readSecureKafkaCredentials(): SecureKafkaCredentials {
  const file = secureKafkaCredentialsFile()
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    throw new Error(`Cannot read ${file}: start the broker with \`node scripts/peers.mjs start kafka-secure\``)
  }
  return JSON.parse(text) as SecureKafkaCredentials
}

/** The CA certificate (PEM) clients must trust. */
export function secureKafkaCa(credentials = readSecureKafkaCredentials()): string {
  return readFileSync(credentials.caFile, 'utf8')
}

/**
 * kafkajs config for the secure broker: SASL_SSL with the PLAIN or
 * SCRAM-SHA-512 user, or SSL without SASL; always trusting the test CA.
 * `password` replaces the user's real one (wrong-password tests).
 */
export function secureKafkajsConfig(access: SecureKafkaAccess, overrides: { password?: string; clientId?: string } = {}): SecureKafkajsConfig {
  const credentials = readSecureKafkaCredentials()
  const ssl = { ca: [secureKafkaCa(credentials)] }
  const clientId = overrides.clientId ?? `security-${access}`
  if (access === 'ssl') return { clientId, brokers: credentials.sslBrokers, ssl }
  const user = access === 'plain' ? credentials.users.plain : credentials.users.scram
  return { clientId, brokers: credentials.saslSslBrokers, ssl, sasl: { ...user, password: overrides.password ?? user.password } }
}

/** Every password and the like in the credentials file: strings that must never show up in output. */
export function secureKafkaSecrets(credentials = readSecureKafkaCredentials()): string[] {
  return [credentials.users.plain.password, credentials.users.scram.password]
}

let ensured = false

/**
 * Start kafka-secure via `node scripts/peers.mjs start kafka-secure` unless
 * it already runs (the script is idempotent and waits until the broker
 * answers an authenticated request). A cold first start generates the CA and
 * users and takes some seconds.
 */
export function ensureSecureKafka(): SecureKafkaCredentials {
  if (!ensured) {
    const r = spawnSync('node', ['scripts/peers.mjs', 'start', 'kafka-secure'], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] })
    if (r.status !== 0) throw new Error(`peers start kafka-secure failed with exit ${r.status ?? r.signal}`)
    ensured = true
  }
  return readSecureKafkaCredentials()
}
