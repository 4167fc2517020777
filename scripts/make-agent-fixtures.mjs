#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// Writes test/fixtures/thrift/agent-java-1.8.1.json: one Agent.emitBatch message
// in TCompactProtocol and one in TBinaryProtocol, written by jaeger-client-java
// 1.8.1's own generated Agent.Client on libthrift 0.15.0 (what its UdpSender
// sends), from scripts/agent-fixture/AgentDatagram.java. Needs `java` (17+) and
// the jars in ~/.m2 (the Java interop tier's `mvn` build fetches them).
// Run: `node scripts/make-agent-fixtures.mjs`. The values are fixed, so a re-run
// writes the same file.
import { execFileSync } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const m2 = join(homedir(), '.m2', 'repository')
const JARS = [
  'io/jaegertracing/jaeger-thrift/1.8.1/jaeger-thrift-1.8.1.jar',
  'org/apache/thrift/libthrift/0.15.0/libthrift-0.15.0.jar',
  'org/slf4j/slf4j-api/1.7.36/slf4j-api-1.7.36.jar',
  'javax/annotation/javax.annotation-api/1.3.2/javax.annotation-api-1.3.2.jar',
].map((jar) => join(m2, jar))
const missing = JARS.filter((jar) => !existsSync(jar))
if (missing.length) throw new Error(`missing jars (run the Java tier's mvn build once): ${missing.join(', ')}`)

const output = execFileSync('java', ['-cp', JARS.join(':'), join(root, 'scripts/agent-fixture/AgentDatagram.java'), 'compact', 'binary'], { encoding: 'utf8' })
const hex = Object.fromEntries(output.trim().split('\n').map((line) => line.split(' ')))
if (!hex.compact || !hex.binary) throw new Error(`unexpected output from AgentDatagram.java:\n${output}`)

const fixture = {
  writer: 'jaeger-client-java 1.8.1 (io.jaegertracing:jaeger-thrift Agent.Client) on libthrift 0.15.0: scripts/agent-fixture/AgentDatagram.java',
  compact: hex.compact,
  binary: hex.binary,
}
const file = join(root, 'test/fixtures/thrift/agent-java-1.8.1.json')
writeFileSync(file, `${JSON.stringify(fixture, null, 2)}\n`)
console.log(`wrote ${file}`)
