// SPDX-License-Identifier: Apache-2.0
/**
 * What happens to one UDP datagram: over the max packet size it is dropped
 * unread (counted `too_large`); otherwise it is decoded as an `emitBatch`
 * message of the port's protocol and its batch handed to the delivery
 * engine; anything that does not decode is counted as malformed with a reason
 * and logged (throttled). Never throws: garbage on a UDP port is expected.
 * @module
 */
import { describeError } from '../src/errors.ts'
import { throttledLog } from '../src/kafka/logger.ts'
import type { Logger } from '../src/kafka/logger.ts'
import type { JaegerBatch } from '../src/codec/thrift/jaeger-types.ts'
import type { AgentMetrics } from './agent-metrics.ts'

/**
 * The largest UDP payload over IPv4 (65,535 − 8 − 20): every datagram the
 * kernel can hand us. jaeger-agent's default max packet size is 65000, but
 * Node jaeger-client's UDPSender sends datagrams past 65000 (its size check
 * can be overrun by spans appended during a flush); refusing those would lose
 * spans the app counted as sent. A lower `maxPacketSize` restores the limit.
 */
export const DEFAULT_MAX_PACKET_SIZE = 65_507

/** The UDP protocols (compact on 6831, binary on 6832). */
export type UdpProtocol = 'compact' | 'binary'

const LOG_INTERVAL_MS = 10_000

/**
 * A low-cardinality label for why a datagram did not decode, from the
 * wording of `decodeEmitBatch()`'s errors (`invalid` for any other reason:
 * a bad field type, a hostile size, an unknown enum value…).
 */
export function malformedReason(bytes: Uint8Array, error: unknown): string {
  if (bytes.length === 0) return 'empty'
  const message = describeError(error)
  if (/trailing bytes/.test(message)) return 'trailing_bytes'
  if (/truncated|claims \d+ elements .* bytes left/.test(message)) return 'truncated'
  if (/not a compact-protocol message|not a strict binary-protocol message|compact protocol version/.test(message)) return 'wrong_protocol'
  if (/message is a call of/.test(message)) return 'wrong_method'
  if (/message has type/.test(message)) return 'wrong_message_type'
  return 'invalid'
}

/**
 * What a datagram handler needs. `B` is what decode() makes of a datagram: a
 * `JaegerBatch` (decodeEmitBatch) or, on the binary port with jaeger_thrift
 * records, `ThriftBatchParts` (sliceEmitBatch); both list their spans.
 */
export interface DatagramHandlerOptions<B extends { spans: readonly unknown[] } = JaegerBatch> {
  protocol: UdpProtocol
  maxPacketSize?: number
  decode(bytes: Uint8Array, protocol: UdpProtocol): B
  /** Deliver a batch (KafkaSender.sendBatch / sendThriftBatch; never rejects; its outcome is counted by the sender). */
  send(batch: B): unknown
  metrics: AgentMetrics
  logger: Logger
}

/** A function that takes one datagram's bytes. */
export function createDatagramHandler<B extends { spans: readonly unknown[] }>(options: DatagramHandlerOptions<B>): (bytes: Uint8Array) => void {
  const { protocol, metrics, logger } = options
  const maxPacketSize = options.maxPacketSize ?? DEFAULT_MAX_PACKET_SIZE
  // One throttle for every message of this port: garbage can arrive at line rate.
  const throttled = throttledLog(logger, LOG_INTERVAL_MS)
  const log = (message: string): void => throttled('datagram', 'error', message)
  return (bytes) => {
    try {
      metrics.datagram(protocol)
      if (bytes.length > maxPacketSize) {
        metrics.tooLarge(protocol)
        return log(`jaeger-kafka agent: dropped a ${bytes.length}-byte ${protocol} datagram: over the ${maxPacketSize}-byte max packet size`)
      }
      let batch: B
      try {
        batch = options.decode(bytes, protocol)
      } catch (error) {
        const reason = malformedReason(bytes, error)
        metrics.malformed(protocol, reason)
        return log(`jaeger-kafka agent: dropped a malformed ${bytes.length}-byte datagram on the ${protocol} port (${reason}): ${describeError(error)}`)
      }
      metrics.batch(protocol, batch.spans.length)
      options.send(batch)
    } catch (error) {
      log(`jaeger-kafka agent: unexpected error handling a ${protocol} datagram: ${describeError(error)}`)
    }
  }
}
