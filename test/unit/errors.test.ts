// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict'
import { test } from '../support/harness.ts'
import { ErrorCodes, JaegerKafkaError, isJaegerKafkaError, describeError } from '../../src/errors.ts'

test('JaegerKafkaError carries code and cause', () => {
  const cause = new Error('socket closed')
  const error = new JaegerKafkaError(ErrorCodes.KAFKA, 'Cannot produce: broker unreachable', { cause })
  assert.equal(error.code, 'KAFKA')
  assert.equal(error.cause, cause)
  assert.ok(error instanceof Error)
  assert.ok(error instanceof JaegerKafkaError)
})

test('isJaegerKafkaError() recognises the brand, not the prototype', () => {
  const brand = Symbol.for('jaeger-kafka.error')
  const foreign = Object.assign(new Error('from another copy'), { [brand]: true })
  assert.equal(isJaegerKafkaError(foreign), true)
  assert.equal(isJaegerKafkaError(new Error('plain')), false)
  assert.equal(isJaegerKafkaError(null), false)
  assert.equal(isJaegerKafkaError('READ_ONLY_CARRIER'), false)
})

test('describeError() names the error type and message', () => {
  assert.equal(describeError(new TypeError('bad')), 'TypeError: bad')
  assert.equal(describeError('text'), 'text')
})
