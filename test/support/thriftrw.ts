// SPDX-License-Identifier: Apache-2.0
// The reference Thrift implementation (thriftrw) loaded with the jaeger.thrift
// IDL that jaeger-client ships: what our own codec is checked against.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const require = createRequire(import.meta.url)

export interface ThriftStruct {
  rw: {
    toBuffer(value: unknown): { err: Error | null; value: Uint8Array }
    fromBuffer(bytes: Uint8Array): { err: Error | null; value: Record<string, unknown> }
  }
  new (fields: Record<string, unknown>): Record<string, unknown>
}

export interface JaegerThrift {
  Batch: ThriftStruct
  Span: ThriftStruct
  Process: ThriftStruct
  Tag: ThriftStruct
  Log: ThriftStruct
  SpanRef: ThriftStruct
}

/** jaeger-client's copy of jaeger.thrift, compiled by thriftrw at run time. */
export function loadJaegerThrift(idlPath = jaegerClientIdlPath()): JaegerThrift {
  const { Thrift } = require('thriftrw') as { Thrift: new (options: Record<string, unknown>) => JaegerThrift }
  return new Thrift({ source: readFileSync(idlPath, 'ascii'), allowOptionalArguments: true })
}

export function jaegerClientIdlPath(): string {
  return join(dirname(require.resolve('jaeger-client/package.json')), 'dist/src/jaeger-idl/thrift/jaeger.thrift')
}

/** Encode with thriftrw; throws on error. */
export function thriftrwEncode(type: ThriftStruct, fields: Record<string, unknown>): Uint8Array {
  const result = type.rw.toBuffer(new type(fields))
  if (result.err) throw result.err
  return result.value
}

/** Decode with thriftrw; throws on error. */
export function thriftrwDecode(type: ThriftStruct, bytes: Uint8Array): Record<string, unknown> {
  const result = type.rw.fromBuffer(bytes)
  if (result.err) throw result.err
  return result.value
}
