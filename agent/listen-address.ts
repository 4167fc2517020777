// SPDX-License-Identifier: Apache-2.0
/**
 * Listen addresses the way jaeger-agent's flags write them: `host:port`,
 * `:port` (every interface, like jaeger-agent's `:6831`), `[::1]:port`.
 * @module
 */

/** Where a listener binds. */
export interface ListenAddress {
  host: string
  port: number
}

/** The interface `:port` binds: every IPv4 interface, as jaeger-agent's `:6831` did. */
export const ALL_INTERFACES = '0.0.0.0'

/**
 * Parse `host:port` / `:port` / `[v6]:port`; port 0 asks the OS for a free port.
 * Throws RangeError with the flag's name for anything else.
 */
export function parseListenAddress(text: string, name: string): ListenAddress {
  const value = text.trim()
  const colon = value.lastIndexOf(':')
  if (colon === -1) throw new RangeError(`${name} must be host:port or :port, got "${text}"`)
  let host = value.slice(0, colon)
  const portText = value.slice(colon + 1)
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1)
  else if (host.includes(':')) throw new RangeError(`${name}: write an IPv6 host in brackets ([::1]:6831), got "${text}"`)
  const port = Number(portText)
  if (!/^\d+$/.test(portText) || port > 65535) throw new RangeError(`${name} has an invalid port in "${text}"`)
  return { host: host === '' ? ALL_INTERFACES : host, port }
}

/** `host:port` for logs and URLs (IPv6 hosts in brackets). */
export function formatAddress(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`
}
