// SPDX-License-Identifier: Apache-2.0
/**
 * One process per spool directory: `LOCK` holds the pid of the process that
 * uses it. A second opener gets a clear error naming that pid; a lock left by
 * a process that no longer runs (e.g. after SIGKILL) is taken over. Node-only
 * (node:fs/promises, node:process), like the file spool.
 * @module
 */
import { open, readFile, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import process from 'node:process'
import { ErrorCodes, JaegerKafkaError, describeError } from '../../src/errors.ts'
import { safeLog } from '../../src/kafka/logger.ts'
import type { Logger } from '../../src/kafka/logger.ts'

const LOCK_FILE = 'LOCK'

/** A `SPOOL` error. */
export function spoolError(message: string, cause?: unknown): JaegerKafkaError {
  return new JaegerKafkaError(ErrorCodes.SPOOL, message, cause === undefined ? {} : { cause })
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as { code?: unknown }).code === 'EPERM'
  }
}

/** Take `dir/LOCK` for this process, or throw a clear error naming the holder. */
export async function acquireLock(dir: string, logger: Logger): Promise<string> {
  const path = join(dir, LOCK_FILE)
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx')
      try {
        await handle.writeFile(`${process.pid}\n`)
      } finally {
        await handle.close()
      }
      return path
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'EEXIST') throw spoolError(`Cannot open spool ${dir}: cannot create ${path}: ${describeError(error)}`, error)
    }
    let holder: number | undefined
    try {
      const text = (await readFile(path, 'utf8')).trim()
      holder = /^\d+$/.test(text) ? Number(text) : undefined
    } catch {
      holder = undefined // removed meanwhile: try again
    }
    if (holder === process.pid) throw spoolError(`Cannot open spool ${dir}: this process (pid ${holder}) has it open already`)
    if (holder !== undefined && holder > 0 && isAlive(holder)) throw spoolError(`Cannot open spool ${dir}: it is locked by process ${holder} (${path}); one process per spool directory`)
    safeLog(logger, 'info', `jaeger-kafka: spool ${dir}: removing the stale lock of process ${holder ?? '?'} (not running)`)
    await unlink(path).catch(() => {})
  }
  throw spoolError(`Cannot open spool ${dir}: another process took ${path} at the same time`)
}
