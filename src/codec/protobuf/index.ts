// SPDX-License-Identifier: Apache-2.0
/**
 * Protocol Buffers wire primitives shared by the OTLP and jaeger_proto codecs.
 * @module
 */
export { WireType, ProtoWriter, encodeProto } from './proto-writer.ts'
export { MAX_DEPTH, ProtoReader, decodeProto, protoDecodeError } from './proto-reader.ts'
