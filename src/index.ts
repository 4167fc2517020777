// SPDX-License-Identifier: Apache-2.0
/**
 * jaeger-kafka: OpenTracing carriers over Kafka headers, a Kafka sender for
 * jaeger-client, and a forwarder from the span topic to the Jaeger collector.
 * @module
 */
export { ErrorCodes, JaegerKafkaError, isJaegerKafkaError, describeError } from './errors.ts'
export type { ErrorCode, JaegerKafkaErrorOptions } from './errors.ts'
