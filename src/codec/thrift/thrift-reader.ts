// SPDX-License-Identifier: Apache-2.0
/**
 * What the jaeger.thrift struct decoder needs from a protocol reader, so one
 * decoder (`jaeger-decode.ts`) reads both TBinaryProtocol (`BinaryReader`) and
 * TCompactProtocol (`CompactReader`). Wire types are reported as the
 * TBinaryProtocol `TType` ids whatever the protocol, so struct specs are shared.
 * @module
 */
import type { TType } from './binary-writer.ts'

/** The envelope of a Thrift message (a call or oneway call). */
export interface MessageHeader {
  name: string
  /** 1 CALL, 2 REPLY, 3 EXCEPTION, 4 ONEWAY. */
  type: number
  seqId: number
}

/** A bounds-checked cursor over one protocol's bytes; every failure throws `THRIFT_DECODE`. */
export interface ThriftReader {
  /** Bytes not read yet. */
  readonly remaining: number
  /** The id of the field whose header `fieldBegin()` read last. */
  readonly fieldId: number
  /**
   * The next field header of the current struct: returns its wire type as a
   * `TType` (`TType.STOP` ends the struct) and sets `fieldId`. `previousId` is
   * the id of the struct's previous field, 0 for the first (compact encodes
   * ids as deltas from it; binary ignores it).
   */
  fieldBegin(previousId: number): number
  /** The envelope of a message: strict binary or compact. */
  messageBegin(): MessageHeader
  i32(): number
  /** Signed i64. */
  i64(): bigint
  double(): number
  /** The value of the bool field whose header was just read. */
  bool(): boolean
  /** UTF-8 string; invalid sequences decode to U+FFFD. */
  string(): string
  /** Binary as a copy, so the result does not pin or alias the input. */
  binary(): Uint8Array
  /** Skip a string or binary. */
  skipString(): void
  /** A list header whose element type must be `elemType`; returns its size, checked against the bytes left. */
  list(elemType: TType, what: string): number
  /** Skip the value of an unknown field of wire type `type` (depth-limited). */
  skip(type: number): void
}
