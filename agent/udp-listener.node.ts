// SPDX-License-Identifier: Apache-2.0
/**
 * A UDP socket (node:dgram) for one agent port. It asks for a large receive
 * buffer, because a burst that overflows the kernel's buffer is lost without
 * a trace on either side, and reports what the kernel granted (Linux caps it
 * at net.core.rmem_max and reports twice the value it keeps for itself).
 * Socket errors are logged, never thrown.
 * @module
 */
import { createSocket } from 'node:dgram'
import type { Socket } from 'node:dgram'
import { describeError } from '../src/errors.ts'
import { safeLog } from '../src/kafka/logger.ts'
import type { Logger } from '../src/kafka/logger.ts'

/** Default receive buffer asked for (16 MiB). */
export const DEFAULT_RECV_BUFFER_SIZE = 16 * 1024 * 1024

/** Options of `listenUdp()`. */
export interface UdpListenerOptions {
  host: string
  port: number
  /** Receive buffer to ask for (SO_RCVBUF), bytes. */
  recvBufferSize: number
  /** Called with each datagram (a view of the received bytes). */
  onDatagram(bytes: Uint8Array): void
  logger: Logger
}

/** A bound UDP socket. */
export interface UdpListener {
  readonly host: string
  readonly port: number
  /** The receive buffer the kernel reports (undefined if it could not be read). */
  readonly recvBufferSize: number | undefined
  close(): Promise<void>
}

/** Bind a UDP socket and deliver its datagrams to `onDatagram`. */
export async function listenUdp(options: UdpListenerOptions): Promise<UdpListener> {
  const socket: Socket = createSocket({ type: options.host.includes(':') ? 'udp6' : 'udp4' })
  socket.on('message', (message: Uint8Array) => {
    try {
      options.onDatagram(new Uint8Array(message.buffer, message.byteOffset, message.byteLength))
    } catch (error) {
      safeLog(options.logger, 'error', `jaeger-kafka agent: datagram handler failed: ${describeError(error)}`)
    }
  })
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.bind(options.port, options.host, () => {
      socket.off('error', reject)
      resolve()
    })
  })
  socket.on('error', (error) => safeLog(options.logger, 'error', `jaeger-kafka agent: UDP socket error on port ${options.port}: ${describeError(error)}`))
  try {
    socket.setRecvBufferSize(options.recvBufferSize)
  } catch (error) {
    safeLog(options.logger, 'error', `jaeger-kafka agent: cannot set the UDP receive buffer to ${options.recvBufferSize} bytes: ${describeError(error)}`)
  }
  let granted: number | undefined
  try {
    granted = socket.getRecvBufferSize()
  } catch {
    granted = undefined
  }
  const port = socket.address().port
  let closed: Promise<void> | undefined
  return {
    host: options.host,
    port,
    recvBufferSize: granted,
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        try {
          socket.close(() => resolve())
        } catch {
          resolve()
        }
      })),
  }
}
