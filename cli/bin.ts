#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// Process entry of the `jaeger-kafka` command: the only file that touches the
// process (argv, env, stdio, signals, exit). node:process and node:fs exist on
// Node, Deno and Bun alike.
import { readFileSync } from 'node:fs'
import process from 'node:process'
import { consoleLogger } from '../forwarder/logger.ts'
import { createNodeHttpFetch } from '../forwarder/node-http-fetch.node.ts'
import { main } from './main.ts'

// On Node, node:http costs a third of the CPU per POST of Node's built-in fetch
// (bench/results/forwarder-node.md); Deno and Bun have fast native fetch.
const onNode = !('Deno' in globalThis) && !('Bun' in globalThis)

void main(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  env: process.env,
  readFile: (path, variable) => {
    try {
      return readFileSync(path, 'utf8')
    } catch (error) {
      throw new TypeError(`Cannot read ${variable} (${path}): ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`)
    }
  },
  onStopSignal: (stop) => {
    process.once('SIGTERM', stop)
    process.once('SIGINT', stop)
  },
  logger: consoleLogger,
  ...(onNode ? { fetch: createNodeHttpFetch() } : {}),
}).then((code) => process.exit(code))
