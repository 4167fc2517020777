// SPDX-License-Identifier: Apache-2.0
/**
 * The datagrams jaeger clients send to a jaeger-agent: one `Agent.emitBatch`
 * message each, TCompactProtocol on UDP 6831 (jaeger-client Java, Go, Python)
 * and TBinaryProtocol on UDP 6832 (jaeger-client Node).
 * @module
 */
import { BinaryReader } from './binary-reader.ts'
import { TType } from './binary-writer.ts'
import { CompactReader } from './compact-reader.ts'
import { checkEnd, readBatch, readBatchParts } from './jaeger-decode.ts'
import type { ThriftBatchParts } from './jaeger-decode.ts'
import { decodeError, typeName } from './thrift-cursor.ts'
import type { JaegerBatch } from './jaeger-types.ts'
import type { ThriftReader } from './thrift-reader.ts'

/** The Thrift protocol of an agent port: 6831 compact, 6832 binary. */
export type AgentProtocol = 'compact' | 'binary'

const METHOD = 'emitBatch'
// Message types. jaeger-client Java (1.8.1: sendBaseOneway) and Node (thriftrw)
// write ONEWAY; jaeger-client-go (2.30: TStandardClient.Send) writes CALL for
// every method, oneway ones included, so both are emitBatch.
const CALL = 1
const ONEWAY = 4
const MESSAGE_TYPES = ['type 0', 'CALL', 'REPLY', 'EXCEPTION', 'ONEWAY']

/*
 * agent.thrift (jaegertracing/jaeger-idl):
 *
 *   include "jaeger.thrift"
 *   service Agent {
 *       oneway void emitBatch(1: jaeger.Batch batch)
 *   }
 *
 * On the wire: the message envelope (name "emitBatch", type ONEWAY or CALL,
 * any seqid), then the arguments struct `emitBatch_args { 1: jaeger.Batch batch }`,
 * then nothing (one message per datagram).
 */

/**
 * Decode one UDP datagram: a oneway `Agent.emitBatch(1: jaeger.Batch batch)`
 * message in `protocol`. Throws `JaegerKafkaError` `THRIFT_DECODE` with a
 * clear reason for anything else: wrong protocol, wrong method, a message
 * type other than ONEWAY/CALL, truncated input, trailing bytes, hostile sizes.
 */
export function decodeEmitBatch(bytes: Uint8Array, protocol: AgentProtocol): JaegerBatch {
  const reader = readerFor(bytes, protocol)
  checkMessage(reader, protocol)
  const batch = readEmitBatchArgs(reader, () => readBatch(reader, true))
  checkEnd(reader, 'emitBatch message')
  return batch
}

/**
 * decodeEmitBatch() for a binary-protocol datagram (UDP 6832), validated the
 * same way, returning the Batch's Process and Span structs as views of
 * `bytes` (no tags or logs materialised): what a jaeger_thrift record takes
 * unchanged (`KafkaSender.sendThriftBatch()`).
 */
export function sliceEmitBatch(bytes: Uint8Array): ThriftBatchParts {
  const reader = new BinaryReader(bytes)
  checkMessage(reader, 'binary')
  const parts = readEmitBatchArgs(reader, () => readBatchParts(bytes, reader))
  checkEnd(reader, 'emitBatch message')
  return parts
}

/** The envelope: a call of emitBatch, ONEWAY or CALL. */
function checkMessage(reader: ThriftReader, protocol: AgentProtocol): void {
  const message = reader.messageBegin()
  if (message.name !== METHOD) decodeError(`${protocol} message is a call of ${JSON.stringify(message.name)}, expected "${METHOD}"`)
  if (message.type !== ONEWAY && message.type !== CALL) {
    decodeError(`${protocol} emitBatch message has type ${MESSAGE_TYPES[message.type] ?? message.type}, expected ONEWAY or CALL`)
  }
}

function readerFor(bytes: Uint8Array, protocol: AgentProtocol): ThriftReader {
  if (protocol === 'compact') return new CompactReader(bytes)
  if (protocol === 'binary') return new BinaryReader(bytes)
  throw new TypeError(`Cannot decode an emitBatch message: protocol must be 'compact' or 'binary', got ${String(protocol)}`)
}

/** `emitBatch_args { 1: jaeger.Batch batch }` with `readBatchField` reading field 1; unknown fields are skipped. */
function readEmitBatchArgs<B>(reader: ThriftReader, readBatchField: () => B): B {
  let batch: B | undefined
  let id = 0
  for (let type = reader.fieldBegin(id); type !== TType.STOP; type = reader.fieldBegin(id)) {
    id = reader.fieldId
    if (id !== 1) {
      reader.skip(type)
      continue
    }
    if (type !== TType.STRUCT) decodeError(`emitBatch_args field 1 (batch) is ${typeName(type)}, expected STRUCT`)
    batch = readBatchField()
  }
  if (batch === undefined) decodeError('emitBatch_args is missing required field 1 (batch)')
  return batch
}
