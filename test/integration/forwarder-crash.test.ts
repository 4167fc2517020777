// SPDX-License-Identifier: Apache-2.0
// A forwarder process killed with SIGKILL in the middle of draining a
// backlog, then restarted: no span is lost, and the only duplicates are the
// records it had forwarded but not yet committed when it died (counted
// exactly). Runs the child with the current runtime (Node + tsx, Deno, Bun).
import { test } from '../support/harness.ts'
import { forwarderCrashScenario } from '../support/forwarder-crash-scenario.ts'

test('a forwarder killed with SIGKILL mid-drain and restarted loses no span; duplicates are exactly the uncommitted in-flight records', () => forwarderCrashScenario('kafkajs'), { timeout: 90_000 })
