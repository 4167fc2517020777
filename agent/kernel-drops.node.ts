// SPDX-License-Identifier: Apache-2.0
/**
 * The kernel's count of datagrams it dropped on a UDP socket because the
 * receive buffer was full: the `drops` column of Linux `/proc/net/udp` and
 * `/proc/net/udp6`, matched by local port. Undefined where there is no such
 * file (macOS, Windows, some sandboxes).
 * @module
 */
import { readFileSync } from 'node:fs'

/**
 * Sum of the `drops` column over the rows of `table` (the text of
 * /proc/net/udp or udp6) whose local port is `port`; undefined when the table
 * has no drops column or no such row.
 */
export function dropsInTable(table: string, port: number): number | undefined {
  const lines = table.split('\n')
  const header = (lines[0] ?? '').trim().split(/\s+/)
  const column = header.indexOf('drops')
  if (column === -1) return undefined
  // Data rows have one field more than the header: "tx_queue rx_queue" and "tr tm->when" are each one field there.
  let total: number | undefined
  for (const line of lines.slice(1)) {
    const fields = line.trim().split(/\s+/)
    if (fields.length < 4) continue
    const local = fields[1] ?? ''
    const localPort = Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16)
    if (localPort !== port) continue
    const drops = Number(fields[fields.length - 1])
    if (Number.isFinite(drops)) total = (total ?? 0) + drops
  }
  return total
}

/** Kernel drops on UDP sockets bound to `port` (IPv4 and IPv6), or undefined when unknown. */
export function udpKernelDrops(port: number): number | undefined {
  let total: number | undefined
  for (const file of ['/proc/net/udp', '/proc/net/udp6']) {
    let table: string
    try {
      table = readFileSync(file, 'utf8')
    } catch {
      continue
    }
    const drops = dropsInTable(table, port)
    if (drops !== undefined) total = (total ?? 0) + drops
  }
  return total
}
