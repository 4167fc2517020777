// SPDX-License-Identifier: Apache-2.0
/**
 * What the CLI needs from its process, passed in so commands stay testable
 * and free of runtime globals: output, environment, files, stop signals.
 * @module
 */
import type { FetchLike } from '../forwarder/collector-client.ts'
import type { ForwarderLogger } from '../forwarder/logger.ts'

export interface CliIo {
  /** Standard output (results). */
  out(text: string): void
  /** Standard error (progress and diagnostics). */
  err(text: string): void
  env: Readonly<Record<string, string | undefined>>
  /** Read a file as UTF-8 (PEM files named by *_FILE variables). */
  readFile(path: string, variable: string): string
  /** Call `stop` once on SIGTERM or SIGINT. */
  onStopSignal(stop: () => void): void
  logger: ForwarderLogger
  /** HTTP client for the collector (default: the global fetch). */
  fetch?: FetchLike
}
