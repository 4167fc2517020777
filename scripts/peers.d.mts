// SPDX-License-Identifier: Apache-2.0
// Types of scripts/peers.mjs for the TypeScript callers (demo, tests).
export type PeerName = 'kafka' | 'jaeger' | 'kafka-secure'
export interface PeerStatus { running: boolean; pid: number | null; ready: boolean }
export const DEFAULT_PEERS: PeerName[]
export function start(names?: PeerName[]): Promise<PeerName[]>
export function stop(names?: PeerName[], signal?: 'SIGTERM' | 'SIGKILL'): Promise<PeerName[]>
export function status(names?: PeerName[]): Promise<Record<PeerName, PeerStatus>>
export function reset(names?: PeerName[]): void
export function jaegerBinary(): string
