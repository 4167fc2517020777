// SPDX-License-Identifier: Apache-2.0
// `jaeger-kafka agent` options from jaeger-agent's / jaeger-collector's flags
// and their env names, JAEGER_KAFKA_* for Kafka; flags win; bad values are errors.
import assert from 'node:assert/strict'
import { test } from '../support/harness.ts'
import { agentOptions, parseDurationMs, withoutIgnoredFlags } from '../../cli/agent.ts'
import { main } from '../../cli/main.ts'
import { DEFAULT_AGENT_SPOOL_DIR } from '../../agent/agent.node.ts'
import { fakeIo } from '../support/cli-io.ts'


test("agent options take jaeger-agent's listen flags and their env names; flags win; off turns a listener off", () => {
  const options = agentOptions(
    ['--processor.jaeger-compact.server-host-port', '127.0.0.1:16831', '--http-server.host-port=:15778', '--admin.http.host-port', 'off'],
    fakeIo({ PROCESSOR_JAEGER_COMPACT_SERVER_HOST_PORT: ':1', PROCESSOR_JAEGER_BINARY_SERVER_HOST_PORT: '127.0.0.1:16832', COLLECTOR_HTTP_SERVER_HOST_PORT: ':24268' }),
  )
  assert.deepEqual(options.listen, { compact: '127.0.0.1:16831', binary: '127.0.0.1:16832', http: ':24268', sampling: ':15778', admin: false })
})

test('agent options: Kafka from JAEGER_KAFKA_* (default broker 127.0.0.1:9092), --brokers and --topic win', () => {
  const defaults = agentOptions([], fakeIo())
  assert.deepEqual(defaults.kafka?.kafka?.brokers, ['127.0.0.1:9092'])
  const options = agentOptions(['--topic', 'spans-b'], fakeIo({ JAEGER_KAFKA_BROKERS: 'k1:9092,k2:9092', JAEGER_KAFKA_TOPIC: 'spans-a', JAEGER_KAFKA_ENCODING: 'otlp_proto', JAEGER_KAFKA_CLOSE_TIMEOUT: '3000' }))
  assert.deepEqual(options.kafka?.kafka?.brokers, ['k1:9092', 'k2:9092'])
  assert.equal(options.kafka?.topic, 'spans-b')
  assert.equal(options.kafka?.encoding, 'otlp_proto')
  assert.equal(options.kafka?.closeTimeoutMs, 3000)
})

test('agent options: UDP buffer and packet size (also from jaeger-agent flags, largest wins), HTTP limits, sampling', () => {
  const options = agentOptions(
    [
      '--processor.jaeger-compact.server-socket-buffer-size', '4194304',
      '--processor.jaeger-binary.server-socket-buffer-size', '8388608',
      '--udp-max-packet-size', '60000',
      '--http-max-body-bytes', '1048576',
      '--sampling.strategies-file', '/etc/strategies.json',
      '--sampling.strategies-reload-interval', '1m',
    ],
    fakeIo({ JAEGER_KAFKA_HTTP_SAFE_TIMEOUT: '2500', SAMPLING_DEFAULT_SAMPLING_PROBABILITY: '0.25' }),
  )
  assert.equal(options.recvBufferSize, 8388608)
  assert.equal(options.maxPacketSize, 60000)
  assert.equal(options.maxBodyBytes, 1048576)
  assert.equal(options.httpSafeTimeoutMs, 2500)
  assert.equal(options.samplingStrategiesFile, '/etc/strategies.json')
  assert.equal(options.samplingReloadIntervalMs, 60_000)
  assert.equal(options.defaultSamplingProbability, 0.25)
})

test('agent options reject unknown flags and bad values with a message', () => {
  assert.throws(() => agentOptions(['--processor.jaeger-compact.server-hostport', ':1'], fakeIo()), /Unknown flag/)
  assert.throws(() => agentOptions(['--udp-recv-buffer-size', 'lots'], fakeIo()), /--udp-recv-buffer-size must be a non-negative integer/)
  assert.throws(() => agentOptions([], fakeIo({ HTTP_SERVER_HOST_PORT: '5778' })), /HTTP_SERVER_HOST_PORT must be host:port/)
  assert.throws(() => agentOptions(['--sampling.default-sampling-probability', '2'], fakeIo()), /between 0 and 1/)
  assert.throws(() => agentOptions(['--sampling.strategies-reload-interval', 'soon'], fakeIo()), /duration/)
  assert.equal(parseDurationMs('x', '500ms'), 500)
  assert.equal(parseDurationMs('x', '5s'), 5000)
  assert.equal(parseDurationMs('x', '0'), 0)
  assert.equal(parseDurationMs('x', '1.5h'), 5_400_000)
})

test('`jaeger-kafka agent --help` prints the flags; a bad listen address exits 2 with the flag named', async () => {
  const help = fakeIo()
  assert.equal(await main(['agent', '--help'], help), 0)
  assert.match(help.stdout.join(''), /--processor\.jaeger-compact\.server-host-port/)
  assert.match(help.stdout.join(''), /--collector\.http-server\.host-port/)
  assert.match(help.stdout.join(''), /--admin\.http\.host-port/)
  const bad = fakeIo()
  assert.equal(await main(['agent', '--processor.jaeger-binary.server-host-port', 'nowhere'], bad), 2)
  assert.match(bad.stderr.join(''), /--processor\.jaeger-binary\.server-host-port must be host:port/)
})

test("jaeger-agent's reporter, logging and worker flags are set aside (with their values) so old manifests still start", () => {
  const { argv, ignored } = withoutIgnoredFlags([
    '--reporter.grpc.host-port', 'jaeger-collector:14250',
    '--reporter.grpc.tls.enabled',
    '--log-level=debug',
    '--processor.jaeger-compact.workers', '10',
    '--processor.jaeger-compact.server-host-port', ':6831',
  ])
  assert.deepEqual(argv, ['--processor.jaeger-compact.server-host-port', ':6831'])
  assert.deepEqual(ignored, ['--reporter.grpc.host-port', '--reporter.grpc.tls.enabled', '--log-level', '--processor.jaeger-compact.workers'])
  assert.deepEqual(agentOptions(argv, fakeIo()).listen, { compact: ':6831' })
})

test('agent options: the spool is on by default in the documented dir; --spool-dir off, size and fsync policy', () => {
  assert.deepEqual(agentOptions([], fakeIo()).spool, { dir: DEFAULT_AGENT_SPOOL_DIR })
  assert.equal(agentOptions(['--spool-dir', 'off'], fakeIo()).spool, false)
  assert.deepEqual(agentOptions(['--spool-dir', '/var/spool/jk', '--spool-fsync', 'always'], fakeIo({ JAEGER_KAFKA_SPOOL_MAX_BYTES: '1048576' })).spool, { dir: '/var/spool/jk', maxBytes: 1048576, fsync: 'always' })
  assert.throws(() => agentOptions(['--spool-fsync', 'sometimes'], fakeIo()), /--spool-fsync must be always, interval or never/)
})
