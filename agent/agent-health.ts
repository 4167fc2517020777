// SPDX-License-Identifier: Apache-2.0
/**
 * What the agent's `/healthz` reports. `/metrics` and `/healthz` are served by
 * the forwarder's handler (`createForwarderHttpHandler()`): 200 while running,
 * 503 while stopping.
 * @module
 */

/** The agent's health. */
export interface AgentHealth {
  status: 'running' | 'stopping' | 'stopped'
  healthy: boolean
  /** Spans waiting for a broker acknowledgement. */
  bufferedSpans: number
  /** Bound ports of the listeners that are on. */
  ports: Record<string, number | undefined>
}
