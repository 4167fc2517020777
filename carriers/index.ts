// SPDX-License-Identifier: Apache-2.0
/** Kafka header carriers. @module */
export {}
