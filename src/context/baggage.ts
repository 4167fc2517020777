// SPDX-License-Identifier: Apache-2.0
/**
 * Baggage values and header keys on Kafka.
 *
 * jaeger-client writes TEXT_MAP baggage raw and HTTP_HEADERS baggage with
 * `encodeURIComponent`; OTel's JaegerPropagator encodes too. Raw values may
 * hold CR/LF or other control characters that break any hop that turns
 * Kafka headers into HTTP or log lines, and node-rdkafka mangles non-ASCII.
 * So the carriers put every baggage value on the wire URI-encoded (ASCII,
 * no `=`, `,`, `%`, spaces or control characters raw) and decode on read.
 * A value that is already exactly `encodeURIComponent` output is written
 * as-is, so HTTP_HEADERS injection is not double-encoded.
 * @module
 */

// encodeURIComponent leaves exactly these characters alone.
const URI_SAFE = /^[A-Za-z0-9\-_.!~*'()]*$/
const URI_SAFE_OR_ESCAPE = /^[A-Za-z0-9\-_.!~*'()%]*$/
// HTTP token characters (RFC 9110): safe as a header name anywhere. A table,
// not a regex: this check runs for every header a carrier writes.
const TOKEN = new Uint8Array(128)
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TOKEN[c.charCodeAt(0)] = 1

/** Replace lone surrogates, which encodeURIComponent rejects, with U+FFFD. */
function wellFormed(value: string): string {
  const native = (value as { toWellFormed?: () => string }).toWellFormed
  if (typeof native === 'function') return native.call(value)
  return value.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
}

/** True when `value` is exactly what `encodeURIComponent` produces for some string. */
export function isUriEncoded(value: string): boolean {
  if (URI_SAFE.test(value)) return true
  if (!URI_SAFE_OR_ESCAPE.test(value)) return false
  try {
    return encodeURIComponent(decodeURIComponent(value)) === value
  } catch {
    return false
  }
}

/**
 * Encode a baggage value for a Kafka header: `encodeURIComponent`, unless it
 * already is such output. The result is printable ASCII.
 * @example
 * encodeBaggageValue('a=b, 50% ✓') // 'a%3Db%2C%2050%25%20%E2%9C%93'
 * encodeBaggageValue('a%20b')      // 'a%20b' (already encoded)
 */
export function encodeBaggageValue(value: string): string {
  if (isUriEncoded(value)) return value
  return encodeURIComponent(wellFormed(value))
}

/**
 * Decode a baggage value read from a header: `decodeURIComponent` when it
 * contains `%`, otherwise (or when undecodable, e.g. a raw `100%`) as is.
 * Never throws.
 * @example
 * decodeBaggageValue('a%3Db') // 'a=b'
 * decodeBaggageValue('100%')  // '100%'
 */
export function decodeBaggageValue(value: string): string {
  if (value.indexOf('%') === -1) return value
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}

/**
 * True when `key` is safe as a Kafka (and HTTP) header name: RFC 9110 token
 * characters only, at most `maxLength` long. Keys with spaces, `:`, `/`,
 * control or non-ASCII characters are refused, so a baggage key can never
 * smuggle a second header.
 */
export function isSafeHeaderKey(key: string, maxLength = 256): boolean {
  if (key.length === 0 || key.length > maxLength) return false
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i)
    if (c > 127 || TOKEN[c] === 0) return false
  }
  return true
}

/** True when a header value has no control characters (C0, DEL). */
export function hasNoControlChars(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c < 0x20 || c === 0x7f) return false
  }
  return true
}
