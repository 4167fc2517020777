// SPDX-License-Identifier: Apache-2.0
/**
 * librdkafka properties shared by the clients built on it (node-rdkafka,
 * @confluentinc/kafka-javascript): TLS material as PEM strings.
 * @module
 */
import type { KafkaTlsOptions } from './types.ts'

/** The `ssl.*` properties for explicit PEM material (secrets included: never log the result). */
export function librdkafkaTlsProperties(ssl: boolean | KafkaTlsOptions | undefined): Record<string, unknown> {
  const properties: Record<string, unknown> = {}
  if (!ssl || typeof ssl !== 'object') return properties
  if (ssl.ca !== undefined) properties['ssl.ca.pem'] = Array.isArray(ssl.ca) ? ssl.ca.join('\n') : ssl.ca
  if (ssl.cert !== undefined) properties['ssl.certificate.pem'] = ssl.cert
  if (ssl.key !== undefined) properties['ssl.key.pem'] = ssl.key
  if (ssl.passphrase !== undefined) properties['ssl.key.password'] = ssl.passphrase
  if (ssl.rejectUnauthorized === false) properties['enable.ssl.certificate.verification'] = false
  return properties
}
