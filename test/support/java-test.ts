// SPDX-License-Identifier: Apache-2.0
// The Java tier's test registration, apart from java.ts so that benchmarks can
// run Java programs without loading a test runner (tap's 30 s timeout).
import assert from 'node:assert/strict'
import { test, type TestBody } from './harness.ts'
import { javaMissing, javaRequired } from './java.ts'

let missingReason: string | null | undefined

/**
 * Register a Java-tier test `java: <name>`: skipped with the printed reason
 * when java or mvn is missing, a failing test instead when Java is required.
 */
export function javaTest(name: string, body: TestBody): void {
  if (missingReason === undefined) {
    missingReason = javaMissing()
    if (missingReason !== null && !javaRequired()) {
      console.log(`# java tier SKIPPED: ${missingReason}. Install a JDK 17+ and Maven 3.8+ to run it; CI=true or JAEGER_KAFKA_REQUIRE_JAVA=1 make this a failure.`)
    }
  }
  const missing = missingReason
  const required = missing !== null && javaRequired()
  test(`java: ${name}`, required ? () => assert.fail(`java tier required (CI=true or JAEGER_KAFKA_REQUIRE_JAVA=1) but ${missing}`) : body, {
    timeout: 600_000,
    skip: missing !== null && !required ? `java tier: ${missing}` : false,
  })
}
