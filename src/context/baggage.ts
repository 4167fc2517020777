// SPDX-License-Identifier: Apache-2.0
/**
 * Baggage values and header keys on Kafka.
 *
 * The carriers never encode or decode `uberctx-*` values: the tracer does,
 * per format, and jaeger-client does it the same way in Node and Java:
 * - `FORMAT_TEXT_MAP`: raw values both ways (what Java's
 *   opentracing-kafka-client uses, so a Java consumer sees the exact string);
 * - `FORMAT_HTTP_HEADERS`: URL-encoded on inject, decoded on extract (Node:
 *   `encodeURIComponent`, decoded only when the value holds `%`; Java:
 *   `URLEncoder`/`URLDecoder`, form encoding, so a space travels as `+`).
 * A carrier that encoded on its own made Java consumers see
 * `hello%20w%C3%B6rld` (issue 9). Kafka header values cannot create other
 * headers, so raw values are safe on the wire; keys are still restricted to
 * RFC 9110 tokens.
 * @module
 */

// HTTP token characters (RFC 9110): safe as a header name anywhere. A table,
// not a regex: this check runs for every header a carrier writes.
const TOKEN = new Uint8Array(128)
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TOKEN[c.charCodeAt(0)] = 1

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
