// SPDX-License-Identifier: Apache-2.0
// What Linux tells a benchmark about another process and a UDP socket:
// CPU time (utime + stime), peak resident set (/proc/<pid>), a bound UDP
// socket's receive queue and drop count (the `drops` column of /proc/net/udp:
// datagrams the kernel discarded because the receive buffer was full) and the
// receive buffer it was given (`ss -m`). Node-only.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

const TICK_US = 10_000 // USER_HZ = 100 on Linux: one clock tick is 10 ms

/** User + system CPU time of `pid` so far, µs (10 ms resolution). */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // utime, stime: fields 14 and 15 of proc(5); fields[0] is field 3.
  return (Number(fields[11]) + Number(fields[12])) * TICK_US
}

/** Peak resident set size (VmHWM) of `pid`, MB. */
export function peakRssMb(pid: number): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
  return Number(kb) / 1024
}

export interface UdpSocketStats {
  /** Bytes waiting in the receive queue. */
  rxQueue: number
  /** Datagrams the kernel dropped for this socket (receive buffer full, or the socket's filters). */
  drops: number
}

/** The IPv4 UDP socket bound to 127.0.0.1:`port`, from /proc/net/udp; undefined while none is bound. */
export function udpSocketStats(port: number): UdpSocketStats | undefined {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`
  for (const line of readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/)
    // sl local rem st tx_queue:rx_queue tr tm->when retrnsmt uid timeout inode ref pointer drops
    if (f[1] !== local) continue
    return { rxQueue: parseInt(f[4]!.split(':')[1]!, 16), drops: Number(f[12]) }
  }
  return undefined
}

/** The receive buffer the kernel gave the UDP socket on 127.0.0.1:`port` (`ss -m`: skmem rb, bytes), or undefined. */
export function udpReceiveBuffer(port: number): number | undefined {
  const r = spawnSync('ss', ['-uamnH', `sport = :${port}`], { encoding: 'utf8' })
  const rb = /skmem:\([^)]*\brb(\d+)/.exec(r.stdout ?? '')?.[1]
  return rb === undefined ? undefined : Number(rb)
}
