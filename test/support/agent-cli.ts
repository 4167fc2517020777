// SPDX-License-Identifier: Apache-2.0
// `jaeger-kafka agent` (cli/bin.ts) in a child process with every listener on 127.0.0.1 port 0.
import { startChild } from './faults.ts'
import type { Child } from './faults.ts'

/** Every listener flag, on a loopback port the kernel picks. */
export const AGENT_LOOPBACK_FLAGS: readonly string[] = [
  '--processor.jaeger-compact.server-host-port', '127.0.0.1:0',
  '--processor.jaeger-binary.server-host-port', '127.0.0.1:0',
  '--collector.http-server.host-port', '127.0.0.1:0',
  '--http-server.host-port', '127.0.0.1:0',
  '--admin.http.host-port', '127.0.0.1:0',
]

/** A running agent CLI and the ports its ready line named. */
export interface AgentCli {
  child: Child
  ports: Record<string, number>
}

/** Start the agent CLI with `env` and `extraFlags`; resolves once it printed its ready line. */
export async function startAgentCli(env: Record<string, string>, extraFlags: readonly string[] = []): Promise<AgentCli> {
  const child = startChild('cli/bin.ts', env, ['agent', ...AGENT_LOOPBACK_FLAGS, ...extraFlags], 'jaeger-kafka agent: ready')
  await child.ready
  const line = child.stdout().split('\n').find((l) => l.startsWith('jaeger-kafka agent: ready'))!
  return { child, ports: JSON.parse(line.slice('jaeger-kafka agent: ready '.length)) as Record<string, number> }
}
