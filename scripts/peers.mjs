#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// Real test peers on 127.0.0.1, without Docker:
//   - Apache Kafka (KRaft, one node) from Maven Central jars
//   - Jaeger v2 (`jaeger` binary) built with `go build` from the Go module proxy
//   - kafka-secure: a second, locked-down broker from the same jars (SASL_SSL
//     with PLAIN and SCRAM-SHA-512, SSL-only), started only when named
//   - kafka4: the newest Kafka 4.x (KRaft only) as a plaintext broker on its
//     own ports, so the smoke/sender/forwarder/outage tests also run against 4.x;
//     started only when named
//
//   - jaeger-ingester: the same Jaeger binary as Jaeger v2's Kafka ingester
//     (kafka receiver → memory store, its own query API) reading one topic
//     (JAEGER_INGESTER_TOPIC, JAEGER_INGESTER_ENCODING) from the kafka peer;
//     started only when named, after kafka
//
//   node scripts/peers.mjs start|stop|kill|status|provision|reset [kafka|jaeger|kafka-secure|kafka4|jaeger-ingester ...] [--json]
//
// Without peer names a command acts on kafka and jaeger (DEFAULT_PEERS);
// kafka-secure, kafka4 and jaeger-ingester are opt-in because only some tests need them.
// `provision` without names provisions everything (kafka4's jars included).
//
// Provisioning (jars, Go build) is cached in ~/.cache/jaeger-kafka so a warm
// start takes seconds. Processes are tracked with pid files and are only ever
// stopped through them (never by name). Kafka data survives stop/start (so an
// outage test finds its records again); `reset` wipes it.
//
// This is Node-only tooling; the package itself does not use it.

import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs'
import { connect } from 'node:net'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const HERE = dirname(fileURLToPath(import.meta.url))
const HOST = '127.0.0.1'

export const config = {
  cacheDir: process.env.JAEGER_KAFKA_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'jaeger-kafka'),
  // Where running peers keep pid files, config and data. A second set of peers
  // (other ports, same provisioned jars and binary) needs only its own run dir.
  runDir: process.env.JAEGER_KAFKA_RUN_DIR,
  kafkaVersion: process.env.KAFKA_VERSION ?? '3.9.2',
  kafkaPort: Number(process.env.KAFKA_PORT ?? 9092),
  kafkaControllerPort: Number(process.env.KAFKA_CONTROLLER_PORT ?? 9093),
  // The newest 4.x on Maven Central when this was written (4.3.1 also measured working).
  kafka4Version: process.env.KAFKA4_VERSION ?? '4.4.0',
  kafka4Port: Number(process.env.KAFKA4_PORT ?? 9097),
  kafka4ControllerPort: Number(process.env.KAFKA4_CONTROLLER_PORT ?? 9098),
  // kafka-secure: SASL_SSL (PLAIN, SCRAM-SHA-512), SSL without client auth, PLAINTEXT controller.
  kafkaSecureSaslPort: Number(process.env.KAFKA_SECURE_SASL_PORT ?? 9094),
  kafkaSecureSslPort: Number(process.env.KAFKA_SECURE_SSL_PORT ?? 9095),
  kafkaSecureControllerPort: Number(process.env.KAFKA_SECURE_CONTROLLER_PORT ?? 9096),
  // The Go module proxy serves jaeger v1.76.0, the commit of Jaeger v2.13.0;
  // cmd/jaeger at that commit is the v2 binary.
  jaegerModuleVersion: 'v1.76.0',
  jaegerCollectorPort: Number(process.env.JAEGER_COLLECTOR_PORT ?? 14268),
  jaegerQueryPort: Number(process.env.JAEGER_QUERY_PORT ?? 16686),
  jaegerQueryGrpcPort: Number(process.env.JAEGER_QUERY_GRPC_PORT ?? 16685),
  // The main jaeger's OTLP/HTTP receiver (POST /v1/traces), same pipeline as thrift_http.
  jaegerOtlpHttpPort: Number(process.env.JAEGER_OTLP_HTTP_PORT ?? 4318),
  // Its OTLP/gRPC receiver, only when a port is given (bench/otel-exporter.ts):
  // a default 4317 would collide between parallel sets of peers.
  jaegerOtlpGrpcPort: process.env.JAEGER_OTLP_GRPC_PORT ? Number(process.env.JAEGER_OTLP_GRPC_PORT) : undefined,
  // Set: the main jaeger serves its otelcol_* Prometheus metrics here (bench/drain.ts counts stored spans); unset: metrics off.
  jaegerMetricsPort: process.env.JAEGER_METRICS_PORT ? Number(process.env.JAEGER_METRICS_PORT) : undefined,
  // jaeger-ingester: the same binary reading the span topic from the kafka peer.
  ingesterQueryPort: Number(process.env.JAEGER_INGESTER_QUERY_PORT ?? 16687),
  ingesterQueryGrpcPort: Number(process.env.JAEGER_INGESTER_QUERY_GRPC_PORT ?? 16688),
  ingesterMetricsPort: Number(process.env.JAEGER_INGESTER_METRICS_PORT ?? 8889),
  ingesterTopic: process.env.JAEGER_INGESTER_TOPIC ?? 'jaeger-spans-otlp',
  ingesterEncoding: process.env.JAEGER_INGESTER_ENCODING ?? 'otlp_proto',
  ingesterGroupId: process.env.JAEGER_INGESTER_GROUP_ID ?? 'jaeger-ingester',
}

const runDir = (name) => join(config.runDir ?? join(config.cacheDir, 'run'), name)
const log = (msg) => process.stderr.write(`[peers] ${msg}\n`)

// ---------------------------------------------------------------- helpers

function requireTool(cmd, args, installHint) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' })
  if (r.error || r.status !== 0) {
    throw new Error(`'${cmd}' is required but was not found or failed (${r.error?.message ?? r.stderr.trim()}). Install it: ${installHint}`)
  }
  return `${r.stdout}${r.stderr}`.trim()
}

function run(cmd, args, options) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...options })
  if (r.error) throw r.error
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}`)
}

function readPid(name) {
  const file = join(runDir(name), 'pid')
  if (!existsSync(file)) return undefined
  const pid = Number(readFileSync(file, 'utf8').trim())
  return Number.isInteger(pid) && pid > 0 ? pid : undefined
}

// A pid file can outlive its process and the pid can be reused: only trust
// it while /proc shows a process whose command line holds our marker.
function isOurProcess(name, pid) {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    if (/\) Z /.test(stat)) return false // zombie
    // Trailing slash: run/kafka must not match a process of run/kafka-secure.
    return cmdline.includes(`${runDir(name)}/`)
  } catch {
    return false
  }
}

function runningPid(name) {
  const pid = readPid(name)
  return pid !== undefined && isOurProcess(name, pid) ? pid : undefined
}

function portOpen(port) {
  return new Promise((resolveOpen) => {
    const socket = connect({ host: HOST, port })
    const done = (ok) => { socket.destroy(); resolveOpen(ok) }
    socket.setTimeout(1000, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

async function waitFor(what, probe, timeoutMs, pidName) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await probe()) return
    if (pidName && runningPid(pidName) === undefined) {
      throw new Error(`${what} exited during start-up; see ${join(runDir(pidName), 'output.log')}`)
    }
    await sleep(300)
  }
  throw new Error(`${what} was not ready after ${timeoutMs / 1000} s; see ${pidName ? join(runDir(pidName), 'output.log') : 'its log'}`)
}

function startDetached(name, cmd, args, cwd, env = {}) {
  const out = openSync(join(runDir(name), 'output.log'), 'a')
  const child = spawn(cmd, args, { cwd, detached: true, stdio: ['ignore', out, out], env: { ...process.env, ...env } })
  closeSync(out)
  writeFileSync(join(runDir(name), 'pid'), `${child.pid}\n`)
  child.unref()
  return child.pid
}

// ---------------------------------------------------------------- Kafka

// The two plaintext brokers differ only in name (run dir), version and ports.
const BROKERS = {
  kafka: () => ({ name: 'kafka', version: config.kafkaVersion, port: config.kafkaPort, controllerPort: config.kafkaControllerPort, portEnv: 'KAFKA_PORT / KAFKA_CONTROLLER_PORT' }),
  kafka4: () => ({ name: 'kafka4', version: config.kafka4Version, port: config.kafka4Port, controllerPort: config.kafka4ControllerPort, portEnv: 'KAFKA4_PORT / KAFKA4_CONTROLLER_PORT' }),
}

function kafkaHome(version = config.kafkaVersion) {
  return join(config.cacheDir, `kafka-${version}`)
}

const kafkaMajor = (version) => Number(version.split('.')[0])

export function provisionKafka(version = config.kafkaVersion) {
  const home = kafkaHome(version)
  // 3.9 needs a logging backend (the tarball ships reload4j); 4.x brings log4j2
  // but, from Maven, no binding for the slf4j API the broker logs through.
  const logging = kafkaMajor(version) >= 4 ? `
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>2.25.5</version></dependency>` : `
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>1.7.36</version></dependency>
    <dependency><groupId>ch.qos.reload4j</groupId><artifactId>reload4j</artifactId><version>1.2.25</version></dependency>`
  const pom = `<project>
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.peers</groupId><artifactId>kafka-peer</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>${version}</version></dependency>${logging}
  </dependencies>
</project>
`
  // Provisioned jars stay valid while the recipe (pom.xml) is the same.
  const pomFile = join(home, 'pom.xml')
  if (existsSync(join(home, 'lib', '.complete')) && existsSync(pomFile) && readFileSync(pomFile, 'utf8') === pom) return false
  requireTool('java', ['-version'], 'a Java 17+ runtime, e.g. `apt-get install openjdk-17-jre-headless`')
  requireTool('mvn', ['-v'], 'Apache Maven, e.g. `apt-get install maven`')
  const started = Date.now()
  log(`provisioning Kafka ${version}: resolving jars from Maven Central (first run only)`)
  mkdirSync(home, { recursive: true })
  writeFileSync(pomFile, pom)
  rmSync(join(home, 'lib'), { recursive: true, force: true })
  run('mvn', ['-B', '--no-transfer-progress', '-q',
    'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies',
    '-DincludeScope=runtime', '-DoutputDirectory=lib'], { cwd: home })
  writeFileSync(join(home, 'lib', '.complete'), new Date().toISOString())
  log(`Kafka ${version} jars ready in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  return true
}

// One node, replication factor 1 everywhere, no rebalance delay; shared by both brokers.
const SINGLE_NODE_PROPS = `num.partitions=1
default.replication.factor=1
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
group.initial.rebalance.delay.ms=0
log.flush.interval.messages=1
`

function writeKafkaConfig(broker) {
  const dir = runDir(broker.name)
  const props = `process.roles=broker,controller
node.id=1
controller.quorum.voters=1@${HOST}:${broker.controllerPort}
listeners=PLAINTEXT://${HOST}:${broker.port},CONTROLLER://${HOST}:${broker.controllerPort}
advertised.listeners=PLAINTEXT://${HOST}:${broker.port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=${join(dir, 'data')}
${SINGLE_NODE_PROPS}`
  writeFileSync(join(dir, 'server.properties'), props)
  return writeKafkaLogConfig(dir, broker.version)
}

/** Write the broker's logging config into `dir`; returns the JVM flag that selects it. */
function writeKafkaLogConfig(dir, version) {
  if (kafkaMajor(version) >= 4) {
    writeFileSync(join(dir, 'log4j2.properties'), `appender.e.type=Console
appender.e.name=E
appender.e.target=SYSTEM_ERR
appender.e.layout.type=PatternLayout
appender.e.layout.pattern=[%d] %p %m (%c)%n
rootLogger.level=warn
rootLogger.appenderRef.e.ref=E
`)
    return `-Dlog4j2.configurationFile=${join(dir, 'log4j2.properties')}`
  }
  writeFileSync(join(dir, 'log4j.properties'), `log4j.rootLogger=WARN, E
log4j.appender.E=org.apache.log4j.ConsoleAppender
log4j.appender.E.Target=System.err
log4j.appender.E.layout=org.apache.log4j.PatternLayout
log4j.appender.E.layout.ConversionPattern=[%d] %p %m (%c)%n
`)
  return `-Dlog4j.configuration=file:${join(dir, 'log4j.properties')}`
}

async function kafkaReady(port = config.kafkaPort) {
  if (!(await portOpen(port))) return false
  // A metadata round trip proves the broker, not just its socket, is up.
  const { Kafka, logLevel } = (await import('kafkajs')).default
  const admin = new Kafka({ clientId: 'peers-probe', brokers: [`${HOST}:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 1000 }).admin()
  try {
    await admin.connect()
    const cluster = await admin.describeCluster()
    return cluster.brokers.length > 0 && cluster.controller !== null && cluster.controller !== -1
  } catch {
    return false
  } finally {
    await admin.disconnect().catch(() => {})
  }
}

async function startKafka(broker) {
  const { name, version, port } = broker
  const ready = () => kafkaReady(port)
  if (runningPid(name) !== undefined) {
    await waitFor(name, ready, 90_000, name)
    return false
  }
  provisionKafka(version)
  const dir = runDir(name)
  mkdirSync(dir, { recursive: true })
  for (const p of [port, broker.controllerPort]) {
    if (await portOpen(p)) {
      throw new Error(`port ${p} is in use by a process these scripts did not start; stop it or set ${broker.portEnv}`)
    }
  }
  const logging = writeKafkaConfig(broker)
  const lib = join(kafkaHome(version), 'lib', '*')
  if (!existsSync(join(dir, 'data', 'meta.properties'))) {
    const clusterId = randomBytes(16).toString('base64url')
    run('java', [logging, '-cp', lib, 'kafka.tools.StorageTool', 'format', '-t', clusterId,
      '-c', join(dir, 'server.properties'), '--ignore-formatted'], { stdio: ['ignore', 'ignore', 'inherit'] })
  }
  const started = Date.now()
  startDetached(name, 'java', ['-Xms512m', '-Xmx512m', '-XX:+UseG1GC', '-Djava.awt.headless=true',
    logging, '-cp', lib, 'kafka.Kafka', join(dir, 'server.properties')], dir)
  await waitFor(`${name} (Kafka ${version})`, ready, 90_000, name)
  log(`${name}: Kafka ${version} ready on ${HOST}:${port} in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  return true
}

// ---------------------------------------------------------------- kafka-secure
// A second broker from the same jars for the security tests. Everything it
// needs is generated in its run dir at first start: a self-signed CA and a
// broker certificate for 127.0.0.1/localhost (keytool, which ships with every
// JDK), PKCS12 key/trust stores, and two users with random passwords:
//   PLAIN          from the SASL_SSL listener's JAAS config (read at each start)
//   SCRAM-SHA-512  written into the metadata log by `StorageTool format --add-scram`
// credentials.json (mode 0600) tells tests the CA, ports, users and passwords.
// Inter-broker traffic uses the SSL listener; the controller stays PLAINTEXT
// on loopback.

const SECURE = 'kafka-secure'
const SECURE_USERS = {
  plain: { mechanism: 'plain', username: 'jkplain' },
  scram: { mechanism: 'scram-sha-512', username: 'jkscram' },
}
// Hex keeps passwords safe inside JAAS quotes and --add-scram's [k=v,...] syntax.
const newSecret = () => randomBytes(18).toString('hex')
const secureFiles = () => {
  const dir = runDir(SECURE)
  return {
    dir,
    data: join(dir, 'data'),
    tls: join(dir, 'tls'),
    credentials: join(dir, 'credentials.json'),
    ca: join(dir, 'tls', 'ca.pem'),
    caStore: join(dir, 'tls', 'ca.p12'),
    keystore: join(dir, 'tls', 'broker.p12'),
    truststore: join(dir, 'tls', 'truststore.p12'),
  }
}

/** Path of the credentials file tests read (exists once kafka-secure has started). */
export const kafkaSecureCredentialsFile = () => secureFiles().credentials

function readSecureCredentials() {
  const f = secureFiles()
  if (![f.credentials, f.ca, f.keystore, f.truststore].every((file) => existsSync(file))) return undefined
  try {
    return JSON.parse(readFileSync(f.credentials, 'utf8'))
  } catch {
    return undefined
  }
}

function keytool(args) {
  // A client-compiler-only JVM starts about twice as fast; keytool does little work.
  const jvm = ['-J-XX:TieredStopAtLevel=1', '-J-XX:+UseSerialGC']
  const r = spawnSync('keytool', [...jvm, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  if (r.error) throw new Error(`'keytool' is required (it ships with the JDK): ${r.error.message}`)
  if (r.status !== 0) throw new Error(`keytool ${args[0]} failed: ${`${r.stdout}${r.stderr}`.trim()}`)
}

/**
 * New CA, broker certificate, stores and user passwords. The old data
 * directory is wiped: SCRAM users live in its metadata log.
 */
function generateSecureMaterial() {
  const f = secureFiles()
  requireTool('keytool', ['-help'], 'a JDK (keytool ships with it), e.g. `apt-get install openjdk-17-jre-headless`')
  rmSync(f.tls, { recursive: true, force: true })
  rmSync(f.data, { recursive: true, force: true })
  mkdirSync(f.tls, { recursive: true, mode: 0o700 })
  const storePassword = newSecret()
  const store = (file) => ['-keystore', file, '-storetype', 'PKCS12', '-storepass', storePassword]
  // ECDSA P-256: quick to generate, and every runtime's TLS stack accepts it.
  const keyAlg = ['-keyalg', 'EC', '-groupname', 'secp256r1']
  const csr = join(f.tls, 'broker.csr')
  const brokerPem = join(f.tls, 'broker.pem')
  // CA: self-signed, CA:true, may sign certificates.
  keytool(['-genkeypair', '-alias', 'ca', '-dname', 'CN=jaeger-kafka test CA', ...keyAlg,
    '-validity', '3650', '-ext', 'bc:c=ca:true', '-ext', 'KU:c=keyCertSign,cRLSign', ...store(f.caStore)])
  keytool(['-exportcert', '-rfc', '-alias', 'ca', '-file', f.ca, ...store(f.caStore)])
  // Broker key, signed by the CA for 127.0.0.1 and localhost (clients check the SAN).
  keytool(['-genkeypair', '-alias', 'broker', '-dname', 'CN=localhost', ...keyAlg,
    '-validity', '825', ...store(f.keystore)])
  keytool(['-certreq', '-alias', 'broker', '-file', csr, ...store(f.keystore)])
  keytool(['-gencert', '-alias', 'ca', '-infile', csr, '-outfile', brokerPem, '-rfc', '-validity', '825',
    '-ext', 'SAN=ip:127.0.0.1,dns:localhost', '-ext', 'KU:c=digitalSignature',
    '-ext', 'EKU=serverAuth,clientAuth', ...store(f.caStore)])
  // The keystore needs the CA before it accepts the signed reply as the broker's chain.
  keytool(['-importcert', '-noprompt', '-alias', 'ca', '-file', f.ca, ...store(f.keystore)])
  keytool(['-importcert', '-noprompt', '-alias', 'broker', '-file', brokerPem, ...store(f.keystore)])
  keytool(['-importcert', '-noprompt', '-alias', 'ca', '-file', f.ca, ...store(f.truststore)])
  rmSync(csr, { force: true })
  const users = {}
  for (const [key, user] of Object.entries(SECURE_USERS)) users[key] = { ...user, password: newSecret() }
  return { users, storePassword }
}

function writeSecureCredentials(material) {
  const f = secureFiles()
  const credentials = {
    host: HOST,
    saslSslBrokers: [`${HOST}:${config.kafkaSecureSaslPort}`],
    sslBrokers: [`${HOST}:${config.kafkaSecureSslPort}`],
    ports: { saslSsl: config.kafkaSecureSaslPort, ssl: config.kafkaSecureSslPort, controller: config.kafkaSecureControllerPort },
    caFile: f.ca,
    truststore: f.truststore,
    storePassword: material.storePassword,
    users: material.users,
  }
  writeFileSync(f.credentials, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 })
  return credentials
}

function writeKafkaSecureConfig(credentials) {
  const f = secureFiles()
  const { plain } = credentials.users
  const props = `process.roles=broker,controller
node.id=1
controller.quorum.voters=1@${HOST}:${config.kafkaSecureControllerPort}
listeners=SASL_SSL://${HOST}:${config.kafkaSecureSaslPort},SSL://${HOST}:${config.kafkaSecureSslPort},CONTROLLER://${HOST}:${config.kafkaSecureControllerPort}
advertised.listeners=SASL_SSL://${HOST}:${config.kafkaSecureSaslPort},SSL://${HOST}:${config.kafkaSecureSslPort}
controller.listener.names=CONTROLLER
inter.broker.listener.name=SSL
listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL,SSL:SSL
ssl.keystore.type=PKCS12
ssl.keystore.location=${f.keystore}
ssl.keystore.password=${credentials.storePassword}
ssl.key.password=${credentials.storePassword}
ssl.truststore.type=PKCS12
ssl.truststore.location=${f.truststore}
ssl.truststore.password=${credentials.storePassword}
ssl.client.auth=none
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-512
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${plain.username}="${plain.password}";
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
log.dirs=${f.data}
${SINGLE_NODE_PROPS}`
  writeFileSync(join(f.dir, 'server.properties'), props, { mode: 0o600 })
  return writeKafkaLogConfig(f.dir, config.kafkaVersion)
}

async function kafkaSecureReady() {
  if (!(await portOpen(config.kafkaSecureSaslPort)) || !(await portOpen(config.kafkaSecureSslPort))) return false
  const credentials = readSecureCredentials()
  if (!credentials) return false
  // An authenticated metadata round trip over SASL_SSL proves TLS, SASL and the broker.
  const { Kafka, logLevel } = (await import('kafkajs')).default
  const { mechanism, username, password } = credentials.users.plain
  const admin = new Kafka({
    clientId: 'peers-probe',
    brokers: [`${HOST}:${config.kafkaSecureSaslPort}`],
    ssl: { ca: [readFileSync(credentials.caFile, 'utf8')] },
    sasl: { mechanism, username, password },
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 2000,
  }).admin()
  try {
    await admin.connect()
    const cluster = await admin.describeCluster()
    return cluster.brokers.length > 0 && cluster.controller !== null && cluster.controller !== -1
  } catch {
    return false
  } finally {
    await admin.disconnect().catch(() => {})
  }
}

/**
 * Run `fn` holding `<run dir>/start.lock`, so two test processes starting
 * the same peer at once do not both generate certificates and format.
 */
async function withStartLock(name, fn) {
  const lock = join(runDir(name), 'start.lock')
  mkdirSync(runDir(name), { recursive: true, mode: 0o700 })
  const deadline = Date.now() + 180_000
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx'))
      writeFileSync(lock, `${process.pid}\n`)
      break
    } catch (error) {
      if (error.code !== 'EEXIST') throw error
      const holder = Number(readFileSync(lock, 'utf8').trim())
      let alive = false
      try {
        if (holder > 0) process.kill(holder, 0)
        alive = holder > 0
      } catch {
        alive = false
      }
      // An empty file is a holder between openSync and writeFileSync.
      if (!alive && holder > 0) rmSync(lock, { force: true })
      else if (Date.now() > deadline) throw new Error(`${lock} is held by pid ${holder}; remove it if that is not a peers.mjs process`)
      else await sleep(200)
    }
  }
  try {
    return await fn()
  } finally {
    rmSync(lock, { force: true })
  }
}

async function startKafkaSecure() {
  if (runningPid(SECURE) !== undefined) {
    await waitFor('kafka-secure', kafkaSecureReady, 90_000, SECURE)
    return false
  }
  return withStartLock(SECURE, async () => {
    // Someone else may have started it while we waited for the lock.
    if (runningPid(SECURE) !== undefined) {
      await waitFor('kafka-secure', kafkaSecureReady, 90_000, SECURE)
      return false
    }
    provisionKafka()
    const f = secureFiles()
    for (const port of [config.kafkaSecureSaslPort, config.kafkaSecureSslPort, config.kafkaSecureControllerPort]) {
      if (await portOpen(port)) {
        throw new Error(`port ${port} is in use by a process these scripts did not start; stop it or set KAFKA_SECURE_SASL_PORT / KAFKA_SECURE_SSL_PORT / KAFKA_SECURE_CONTROLLER_PORT`)
      }
    }
    const started = Date.now()
    let material = readSecureCredentials()
    if (material === undefined) {
      material = generateSecureMaterial()
      log(`kafka-secure: generated a CA, a broker certificate and users in ${f.dir} in ${((Date.now() - started) / 1000).toFixed(1)} s`)
    }
    // Rewritten at every start: the ports may come from the environment.
    const credentials = writeSecureCredentials(material)
    const logging = writeKafkaSecureConfig(credentials)
    const lib = join(kafkaHome(), 'lib', '*')
    if (!existsSync(join(f.data, 'meta.properties'))) {
      const { username, password } = credentials.users.scram
      run('java', ['-XX:TieredStopAtLevel=1', logging, '-cp', lib, 'kafka.tools.StorageTool', 'format', '-t', randomBytes(16).toString('base64url'),
        '-c', join(f.dir, 'server.properties'), '--ignore-formatted',
        '--add-scram', `SCRAM-SHA-512=[name=${username},password=${password}]`], { stdio: ['ignore', 'ignore', 'inherit'] })
    }
    startDetached(SECURE, 'java', ['-Xms256m', '-Xmx512m', '-XX:+UseG1GC', '-Djava.awt.headless=true',
      logging, '-cp', lib, 'kafka.Kafka', join(f.dir, 'server.properties')], f.dir)
    await waitFor('kafka-secure', kafkaSecureReady, 90_000, SECURE)
    log(`kafka-secure ready: SASL_SSL ${HOST}:${config.kafkaSecureSaslPort} (PLAIN, SCRAM-SHA-512), SSL ${HOST}:${config.kafkaSecureSslPort}; credentials in ${f.credentials} (${((Date.now() - started) / 1000).toFixed(1)} s)`)
    return true
  })
}

// ---------------------------------------------------------------- Jaeger

/** The provisioned `jaeger` binary (tests also run it as a plain OTel Collector). */
export function jaegerBinary() {
  return join(config.cacheDir, 'jaeger', `jaeger-${config.jaegerModuleVersion}`)
}

export function provisionJaeger() {
  const binary = jaegerBinary()
  if (existsSync(binary)) return false
  const goVersion = requireTool('go', ['version'], 'Go 1.24.6 or newer, e.g. `apt-get install golang` or from go.dev')
  const started = Date.now()
  log(`provisioning Jaeger (${goVersion}): building cmd/jaeger ${config.jaegerModuleVersion} from the Go module proxy (first run only, several minutes on 2 cores)`)
  // Our own module pins every dependency (go.mod + go.sum in scripts/jaeger-peer)
  // and carries jaeger's `replace` for sarama, which `go install` rejects.
  const buildDir = join(config.cacheDir, 'jaeger-build')
  mkdirSync(buildDir, { recursive: true })
  for (const file of ['go.mod', 'go.sum']) copyFileSync(join(HERE, 'jaeger-peer', file), join(buildDir, file))
  mkdirSync(dirname(binary), { recursive: true })
  // A build of our own (pid in the name): two runs provisioning at once must not
  // rename each other's half-written binary; the last rename wins, both are whole.
  const partial = `${binary}.${process.pid}.tmp`
  run('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', partial, 'github.com/jaegertracing/jaeger/cmd/jaeger'], {
    cwd: buildDir,
    env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=readonly' },
  })
  run('mv', [partial, binary])
  log(`Jaeger built in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  return true
}

/** The main jaeger's telemetry.metrics: off unless JAEGER_METRICS_PORT names a Prometheus port. */
function jaegerMetrics() {
  if (config.jaegerMetricsPort === undefined) return '{level: none}'
  return `{level: normal, readers: [{pull: {exporter: {prometheus: {host: "${HOST}", port: ${config.jaegerMetricsPort}}}}}]}`
}

function writeJaegerConfig() {
  const dir = runDir('jaeger')
  const file = join(dir, 'config.yaml')
  writeFileSync(file, `service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces: {receivers: [jaeger, otlp], processors: [batch], exporters: [jaeger_storage_exporter]}
  telemetry: {logs: {level: warn}, metrics: ${jaegerMetrics()}, traces: {level: none}}
extensions:
  jaeger_storage: {backends: {mem: {memory: {max_traces: 200000}}}}
  jaeger_query:
    enable_tracing: false
    storage: {traces: mem}
    http: {endpoint: "${HOST}:${config.jaegerQueryPort}"}
    grpc: {endpoint: "${HOST}:${config.jaegerQueryGrpcPort}"}
receivers:
  jaeger: {protocols: {thrift_http: {endpoint: "${HOST}:${config.jaegerCollectorPort}"}}}
  otlp: {protocols: {http: {endpoint: "${HOST}:${config.jaegerOtlpHttpPort}"}${config.jaegerOtlpGrpcPort === undefined ? '' : `, grpc: {endpoint: "${HOST}:${config.jaegerOtlpGrpcPort}"}`}}}
processors: {batch: {timeout: 100ms}}
exporters: {jaeger_storage_exporter: {trace_storage: mem}}
`)
  return file
}

/** A Jaeger (main or ingester) is ready once its query API answers. */
async function queryAnswers(port) {
  try {
    const res = await fetch(`http://${HOST}:${port}/api/services`, { signal: AbortSignal.timeout(2000) })
    await res.arrayBuffer()
    return res.status === 200
  } catch {
    return false
  }
}

async function jaegerReady() {
  if (!(await portOpen(config.jaegerCollectorPort)) || !(await portOpen(config.jaegerOtlpHttpPort))) return false
  if (config.jaegerOtlpGrpcPort !== undefined && !(await portOpen(config.jaegerOtlpGrpcPort))) return false
  return queryAnswers(config.jaegerQueryPort)
}

async function startJaeger() {
  if (runningPid('jaeger') !== undefined) {
    await waitFor('Jaeger', jaegerReady, 60_000, 'jaeger')
    return false
  }
  provisionJaeger()
  const dir = runDir('jaeger')
  mkdirSync(dir, { recursive: true })
  for (const port of [config.jaegerCollectorPort, config.jaegerQueryPort, config.jaegerOtlpHttpPort, config.jaegerOtlpGrpcPort].filter((p) => p !== undefined)) {
    if (await portOpen(port)) throw new Error(`port ${port} is in use by a process these scripts did not start; stop it or set JAEGER_COLLECTOR_PORT / JAEGER_QUERY_PORT / JAEGER_OTLP_HTTP_PORT / JAEGER_OTLP_GRPC_PORT`)
  }
  const started = Date.now()
  // Jaeger traces itself over OTLP to localhost:4317 unless told not to.
  startDetached('jaeger', jaegerBinary(), ['--config', writeJaegerConfig()], dir, { OTEL_TRACES_EXPORTER: 'none', OTEL_SDK_DISABLED: 'true' })
  await waitFor('Jaeger', jaegerReady, 60_000, 'jaeger')
  log(`Jaeger ready: collector http://${HOST}:${config.jaegerCollectorPort}/api/traces, OTLP http://${HOST}:${config.jaegerOtlpHttpPort}/v1/traces, query http://${HOST}:${config.jaegerQueryPort} in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  return true
}

// ---------------------------------------------------------------- jaeger-ingester
// The same Jaeger binary as Jaeger v2's Kafka ingester: the OTel Collector
// `kafka` receiver (collector-contrib v0.140.1) reading the span topic from the
// kafka peer into its own memory store and query API. Keys as v0.140 spells
// them (`traces: {topic, encoding}`; v0.142 moves to `traces.topics`).
//
// message_marking (consumer_franz.go, kafka_receiver.go):
//   after: true               commit an offset only once the pipeline returned
//   on_error: false           a storage failure (retryable) is not committed
//   on_permanent_error: true  an undecodable record (the receiver returns a
//                             permanent error) is logged, counted in
//                             kafka_receiver_unmarshal_failed_spans and skipped;
//                             false would pause the partition on it
// No batch processor: it accepts spans into memory and returns at once, so
// `after: true` would commit before storage saw them. The storage exporter
// has no queue by default and returns only after the write.
function writeIngesterConfig() {
  const dir = runDir(INGESTER)
  const file = join(dir, 'config.yaml')
  writeFileSync(file, `service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces: {receivers: [kafka], exporters: [jaeger_storage_exporter]}
  telemetry:
    logs: {level: warn}
    metrics:
      level: normal
      readers: [{pull: {exporter: {prometheus: {host: "${HOST}", port: ${config.ingesterMetricsPort}}}}}]
    traces: {level: none}
extensions:
  jaeger_storage: {backends: {mem: {memory: {max_traces: 200000}}}}
  jaeger_query:
    enable_tracing: false
    storage: {traces: mem}
    http: {endpoint: "${HOST}:${config.ingesterQueryPort}"}
    grpc: {endpoint: "${HOST}:${config.ingesterQueryGrpcPort}"}
receivers:
  kafka:
    brokers: ["${HOST}:${config.kafkaPort}"]
    group_id: ${JSON.stringify(config.ingesterGroupId)}
    initial_offset: earliest
    traces: {topic: ${JSON.stringify(config.ingesterTopic)}, encoding: ${JSON.stringify(config.ingesterEncoding)}}
    message_marking: {after: true, on_error: false, on_permanent_error: true}
exporters: {jaeger_storage_exporter: {trace_storage: mem}}
`)
  return file
}

const INGESTER = 'jaeger-ingester'

const ingesterReady = () => queryAnswers(config.ingesterQueryPort)

/**
 * Create the ingester's topic on the kafka peer if missing. The receiver does
 * not need it (measured: a topic created after it started was read within 2 s),
 * but with it the first record does not wait on the client's metadata refresh.
 */
async function ensureIngesterTopic() {
  const { Kafka, logLevel } = (await import('kafkajs')).default
  const admin = new Kafka({ clientId: 'peers-ingester', brokers: [`${HOST}:${config.kafkaPort}`], logLevel: logLevel.NOTHING }).admin()
  await admin.connect()
  try {
    await admin.createTopics({ topics: [{ topic: config.ingesterTopic, numPartitions: 1 }], waitForLeaders: true })
  } finally {
    await admin.disconnect()
  }
}

async function startIngester() {
  if (runningPid(INGESTER) !== undefined) {
    await waitFor(INGESTER, ingesterReady, 60_000, INGESTER)
    return false
  }
  provisionJaeger()
  if (!(await kafkaReady(config.kafkaPort))) throw new Error(`${INGESTER} reads from the kafka peer on ${HOST}:${config.kafkaPort}; start kafka first`)
  const dir = runDir(INGESTER)
  mkdirSync(dir, { recursive: true })
  for (const port of [config.ingesterQueryPort, config.ingesterQueryGrpcPort, config.ingesterMetricsPort]) {
    if (await portOpen(port)) throw new Error(`port ${port} is in use by a process these scripts did not start; stop it or set JAEGER_INGESTER_QUERY_PORT / JAEGER_INGESTER_QUERY_GRPC_PORT / JAEGER_INGESTER_METRICS_PORT`)
  }
  await ensureIngesterTopic()
  const started = Date.now()
  startDetached(INGESTER, jaegerBinary(), ['--config', writeIngesterConfig()], dir, { OTEL_TRACES_EXPORTER: 'none', OTEL_SDK_DISABLED: 'true' })
  await waitFor(INGESTER, ingesterReady, 60_000, INGESTER)
  log(`${INGESTER} ready: topic ${config.ingesterTopic} (${config.ingesterEncoding}) on ${HOST}:${config.kafkaPort}, query http://${HOST}:${config.ingesterQueryPort}, metrics http://${HOST}:${config.ingesterMetricsPort}/metrics in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  return true
}

// ---------------------------------------------------------------- commands

const PEERS = {
  kafka: { start: () => startKafka(BROKERS.kafka()), ready: () => kafkaReady(config.kafkaPort), provision: () => provisionKafka(config.kafkaVersion) },
  kafka4: { start: () => startKafka(BROKERS.kafka4()), ready: () => kafkaReady(config.kafka4Port), provision: () => provisionKafka(config.kafka4Version) },
  jaeger: { start: startJaeger, ready: jaegerReady, provision: provisionJaeger },
  'kafka-secure': { start: startKafkaSecure, ready: kafkaSecureReady, provision: () => provisionKafka(config.kafkaVersion) },
  [INGESTER]: { start: startIngester, ready: ingesterReady, provision: provisionJaeger },
}

/** What a command without peer names acts on; kafka-secure and kafka4 only run when named. */
export const DEFAULT_PEERS = ['kafka', 'jaeger']
/** What `provision` without names fetches: everything `npm test` starts. */
export const ALL_PEERS = Object.keys(PEERS)

/** Start the named peers (idempotent). Returns the names this call started. */
export async function start(names = DEFAULT_PEERS) {
  const started = []
  for (const name of names) if (await PEERS[name].start()) started.push(name)
  return started
}

/** Stop through the pid file: SIGTERM, then SIGKILL after a grace period. */
export async function stop(names = DEFAULT_PEERS, signal = 'SIGTERM') {
  const stopped = []
  for (const name of names) {
    const pid = runningPid(name)
    if (pid === undefined) {
      rmSync(join(runDir(name), 'pid'), { force: true })
      continue
    }
    process.kill(pid, signal)
    const deadline = Date.now() + 20_000
    while (isOurProcess(name, pid) && Date.now() < deadline) await sleep(100)
    if (isOurProcess(name, pid)) process.kill(pid, 'SIGKILL')
    while (isOurProcess(name, pid)) await sleep(50)
    rmSync(join(runDir(name), 'pid'), { force: true })
    stopped.push(name)
    log(`${name} stopped (${signal})`)
  }
  return stopped
}

export async function status(names = DEFAULT_PEERS) {
  const result = {}
  for (const name of names) {
    const pid = runningPid(name)
    result[name] = { running: pid !== undefined, pid: pid ?? null, ready: pid !== undefined && (await PEERS[name].ready()) }
  }
  return result
}

export function reset(names = DEFAULT_PEERS) {
  for (const name of names) {
    if (runningPid(name) !== undefined) throw new Error(`stop ${name} before reset`)
    rmSync(runDir(name), { recursive: true, force: true })
  }
}

const USAGE = `usage: node scripts/peers.mjs <command> [kafka|jaeger|kafka-secure|kafka4|jaeger-ingester ...] [--json]

Without names a command acts on kafka and jaeger; kafka-secure (SASL_SSL/SSL
broker for the security tests), kafka4 (Kafka ${config.kafka4Version}) and jaeger-ingester
(Jaeger's Kafka receiver on the kafka peer's topic) only when named.

commands:
  provision  fetch/build what the peers need (cached in ${config.cacheDir});
             without names: every peer, kafka4's jars included
  start      start the peers (idempotent) and wait until they answer
  stop       stop peers started by these scripts (SIGTERM, then SIGKILL)
  kill       SIGKILL peers started by these scripts (crash tests)
  status     print whether each peer runs and answers
  reset      wipe a stopped peer's data (Kafka topics, Jaeger config; kafka-secure
             also its CA, certificates and passwords, regenerated at next start)

env: KAFKA_VERSION (default 3.9.2), KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), JAEGER_COLLECTOR_PORT (14268),
     JAEGER_QUERY_PORT (16686), JAEGER_QUERY_GRPC_PORT (16685), JAEGER_OTLP_HTTP_PORT (4318),
     JAEGER_OTLP_GRPC_PORT (unset: no OTLP/gRPC receiver; set it to enable one),
     JAEGER_METRICS_PORT (unset: the main jaeger's Prometheus metrics are off),
     JAEGER_INGESTER_QUERY_PORT (16687), JAEGER_INGESTER_QUERY_GRPC_PORT (16688),
     JAEGER_INGESTER_METRICS_PORT (8889, Prometheus /metrics), JAEGER_INGESTER_TOPIC (jaeger-spans-otlp),
     JAEGER_INGESTER_ENCODING (otlp_proto), JAEGER_INGESTER_GROUP_ID (jaeger-ingester),
     JAEGER_KAFKA_CACHE (default ~/.cache/jaeger-kafka),
     JAEGER_KAFKA_RUN_DIR (default <cache>/run: pid files, configs, data of running peers),
     KAFKA_SECURE_SASL_PORT (9094), KAFKA_SECURE_SSL_PORT (9095),
     KAFKA_SECURE_CONTROLLER_PORT (9096),
     KAFKA4_VERSION (default ${config.kafka4Version}), KAFKA4_PORT (9097), KAFKA4_CONTROLLER_PORT (9098)
kafka-secure writes <run dir>/kafka-secure/credentials.json (CA path, brokers, users).`

async function main(argv) {
  const json = argv.includes('--json')
  const [command, ...rest] = argv.filter((a) => a !== '--json')
  const names = rest.length ? rest : command === 'provision' ? ALL_PEERS : DEFAULT_PEERS
  for (const name of names) if (!(name in PEERS)) throw new Error(`unknown peer '${name}'\n${USAGE}`)
  switch (command) {
    case 'provision': for (const name of names) PEERS[name].provision(); break
    case 'start': { const s = await start(names); if (json) console.log(JSON.stringify({ started: s })); break }
    case 'stop': await stop(names); break
    case 'kill': await stop(names, 'SIGKILL'); break
    case 'reset': reset(names); break
    case 'status': {
      const s = await status(names)
      if (json) console.log(JSON.stringify(s))
      else for (const [name, v] of Object.entries(s)) console.log(`${name}: ${v.running ? `running (pid ${v.pid})` : 'stopped'}${v.running ? (v.ready ? ', ready' : ', not answering') : ''}`)
      break
    }
    default:
      console.log(USAGE)
      if (command !== undefined && command !== 'help' && command !== '--help') process.exitCode = 2
  }
}

if (resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error) => {
    log(`error: ${error.message}`)
    process.exitCode = 1
  })
}
