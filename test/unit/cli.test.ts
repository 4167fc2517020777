// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict'
import { test } from '../support/harness.ts'
import { parseFlags } from '../../cli/args.ts'
import { forwardOptions } from '../../cli/forward.ts'
import { main } from '../../cli/main.ts'
import { fakeIo } from '../support/cli-io.ts'

test('parseFlags() reads --name value, --name=value and switches, and rejects unknown flags', () => {
  const spec = { topic: { type: 'string' }, json: { type: 'boolean' } } as const
  assert.deepEqual(parseFlags(['--topic', 'a', '--json'], spec), { topic: 'a', json: true })
  assert.deepEqual(parseFlags(['--topic=b'], spec), { topic: 'b' })
  assert.throws(() => parseFlags(['--topc', 'a'], spec), /Unknown flag --topc/)
  assert.throws(() => parseFlags(['--topic'], spec), /--topic needs a value/)
  assert.throws(() => parseFlags(['--json=1'], spec), /takes no value/)
  assert.throws(() => parseFlags(['stray'], spec), /Unexpected argument "stray"/)
})

test('forward options come from env, and flags win over env', () => {
  const io = fakeIo({
    JAEGER_KAFKA_BROKERS: 'k1:9092,k2:9092', JAEGER_KAFKA_TOPIC: 'spans-env', JAEGER_KAFKA_GROUP_ID: 'g-env',
    JAEGER_ENDPOINT: 'http://jaeger:14268/api/traces', JAEGER_KAFKA_METRICS_PORT: '9100',
  })
  const fromEnv = forwardOptions([], io)
  assert.deepEqual(fromEnv.options.brokers, ['k1:9092', 'k2:9092'])
  assert.equal(fromEnv.options.topic, 'spans-env')
  assert.equal(fromEnv.options.groupId, 'g-env')
  assert.equal(fromEnv.options.collectorUrl, 'http://jaeger:14268/api/traces')
  assert.equal(fromEnv.metricsPort, 9100)
  const withFlags = forwardOptions(['--brokers', 'k3:9092', '--topic', 'spans-flag', '--metrics-port', '0', '--in-flight', '2'], io)
  assert.deepEqual(withFlags.options.brokers, ['k3:9092'])
  assert.equal(withFlags.options.topic, 'spans-flag')
  assert.equal(withFlags.metricsPort, 0)
  assert.equal(withFlags.options.maxInFlightPerPartition, 2)
})

test('forward group timing comes from JAEGER_KAFKA_SESSION_TIMEOUT / _HEARTBEAT_INTERVAL / _REBALANCE_TIMEOUT, flags win', () => {
  const io = fakeIo({ JAEGER_KAFKA_SESSION_TIMEOUT: '12000', JAEGER_KAFKA_HEARTBEAT_INTERVAL: '4000', JAEGER_KAFKA_REBALANCE_TIMEOUT: '30000' })
  const fromEnv = forwardOptions([], io).options
  assert.equal(fromEnv.sessionTimeoutMs, 12_000)
  assert.equal(fromEnv.heartbeatIntervalMs, 4_000)
  assert.equal(fromEnv.rebalanceTimeoutMs, 30_000)
  const withFlags = forwardOptions(['--session-timeout', '6000', '--heartbeat-interval=1000', '--rebalance-timeout', '20000'], io).options
  assert.equal(withFlags.sessionTimeoutMs, 6_000)
  assert.equal(withFlags.heartbeatIntervalMs, 1_000)
  assert.equal(withFlags.rebalanceTimeoutMs, 20_000)
  const defaults = forwardOptions([], fakeIo()).options
  assert.equal('sessionTimeoutMs' in defaults, false, 'unset: the forwarder default applies')
  assert.throws(() => forwardOptions(['--session-timeout', 'soon'], fakeIo()), /--session-timeout must be a non-negative integer/)
})

test('forward options take collector auth and Kafka TLS/SASL from env only', () => {
  const basic = forwardOptions([], fakeIo({ JAEGER_USER: 'u', JAEGER_PASSWORD: 'p' })).options
  assert.deepEqual(basic.auth, { username: 'u', password: 'p' })
  const bearer = forwardOptions([], fakeIo({ JAEGER_AUTH_TOKEN: 't0k' })).options
  assert.deepEqual(bearer.auth, { token: 't0k' })
  assert.throws(() => forwardOptions([], fakeIo({ JAEGER_USER: 'u' })), /JAEGER_USER and JAEGER_PASSWORD/)
  const secure = forwardOptions([], fakeIo({
    JAEGER_KAFKA_SSL_CA_FILE: '/etc/ca.pem', JAEGER_KAFKA_SASL_MECHANISM: 'scram-sha-512',
    JAEGER_KAFKA_SASL_USERNAME: 'svc', JAEGER_KAFKA_SASL_PASSWORD: 's3cret',
  })).options
  assert.match(String((secure.ssl as { ca: string }).ca), /from \/etc\/ca\.pem/)
  assert.deepEqual(secure.sasl, { mechanism: 'scram-sha-512', username: 'svc', password: 's3cret' })
})

test('main() prints help, and a bad flag exits 2 with a message and without a stack or secret', async () => {
  const help = fakeIo()
  assert.equal(await main(['--help'], help), 0)
  assert.match(help.stdout.join(''), /forward .*\n.*\n\s+inspect/)
  const forwardHelp = fakeIo()
  assert.equal(await main(['forward', '--help'], forwardHelp), 0)
  assert.match(forwardHelp.stdout.join(''), /JAEGER_AUTH_TOKEN/)
  const bad = fakeIo({ JAEGER_KAFKA_SASL_MECHANISM: 'gssapi', JAEGER_KAFKA_SASL_USERNAME: 'u', JAEGER_KAFKA_SASL_PASSWORD: 'hunter2' })
  assert.equal(await main(['forward'], bad), 2)
  const text = bad.stderr.join('\n')
  assert.match(text, /JAEGER_KAFKA_SASL_MECHANISM must be one of/)
  assert.doesNotMatch(text, /hunter2|\n\s+at /)
  const unknown = fakeIo()
  assert.equal(await main(['frobnicate'], unknown), 2)
  assert.match(unknown.stderr.join(''), /Unknown command "frobnicate"/)
})
