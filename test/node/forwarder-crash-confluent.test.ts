// SPDX-License-Identifier: Apache-2.0
// Node only: the forwarder-crash scenario (test/integration/forwarder-crash.test.ts)
// with the forwarder consuming through @confluentinc/kafka-javascript: SIGKILL
// mid-drain, restart, no span lost, duplicates exactly the records forwarded
// but not committed at the kill.
import { test } from '../support/harness.ts'
import { forwarderCrashScenario } from '../support/forwarder-crash-scenario.ts'

test("client 'confluent': a forwarder killed with SIGKILL mid-drain and restarted loses no span; duplicates are exactly the uncommitted in-flight records", () => forwarderCrashScenario('confluent'), { timeout: 120_000 })
