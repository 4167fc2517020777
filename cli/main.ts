// SPDX-License-Identifier: Apache-2.0
/**
 * The `jaeger-kafka` command: `forward`, `agent` and `inspect`.
 * @module
 */
import { runAgent } from './agent.ts'
import { runForward } from './forward.ts'
import { runInspect } from './inspect.ts'
import type { CliIo } from './io.ts'

export const HELP = `Usage: jaeger-kafka <command> [flags]

Commands:
  agent     take jaeger-agent's place: UDP 6831/6832, HTTP /api/traces and sampling,
            every span put on the span topic (see docs/agent.md)
  forward   drain the span topic into the Jaeger collector (commit after 2xx, retries,
            dead-letter topic, /metrics and /healthz)
  inspect   print the spans held in the records of a span topic

Run "jaeger-kafka <command> --help" for the flags and environment variables of a command.
Runs with: npx jaeger-kafka …  |  bunx jaeger-kafka …  |  deno run -A npm:jaeger-kafka …
`

/** Run the CLI; resolves with the process exit code. Errors become a message, never a stack. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv
  try {
    switch (command) {
      case 'forward': return await runForward(rest, io)
      case 'agent': return await runAgent(rest, io)
      case 'inspect': return await runInspect(rest, io)
      case undefined: case 'help': case '--help': case '-h':
        io.out(HELP)
        return command === undefined ? 2 : 0
      default:
        io.err(`Unknown command "${command}".\n\n${HELP}`)
        return 2
    }
  } catch (error) {
    io.err(`jaeger-kafka ${command}: ${error instanceof Error ? error.message : String(error)}`)
    return error instanceof TypeError || error instanceof RangeError ? 2 : 1
  }
}
