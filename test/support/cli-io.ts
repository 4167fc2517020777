// SPDX-License-Identifier: Apache-2.0
// A CliIo for CLI unit tests: output and logs collected, env given, files faked.
import type { CliIo } from '../../cli/io.ts'

/** A CliIo over `env` whose stdout/stderr lines are kept; readFile returns a PEM naming the path. */
export function fakeIo(env: Record<string, string> = {}): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = []
  const stderr: string[] = []
  return {
    stdout, stderr, env,
    out: (t) => stdout.push(t),
    err: (t) => stderr.push(t),
    readFile: (path) => `-----BEGIN CERTIFICATE-----\nfrom ${path}\n-----END CERTIFICATE-----\n`,
    onStopSignal: () => {},
    logger: { info: (m) => stderr.push(m), error: (m) => stderr.push(m) },
  }
}
