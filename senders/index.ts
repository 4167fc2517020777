// SPDX-License-Identifier: Apache-2.0
/** Kafka sender for jaeger-client. @module */
export {}
