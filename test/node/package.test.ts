// SPDX-License-Identifier: Apache-2.0
// The built npm package loads the way legacy apps load it: `require()` from a
// CommonJS app on Node 20, and `import` from ESM, with the same named exports
// on every entry point. Node only (it exercises the dist/ build).
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { test } from '../support/harness.ts'

const ROOT = resolve(import.meta.dirname ?? '.', '../..')
const ENTRIES = ['jaeger-kafka', 'jaeger-kafka/carriers', 'jaeger-kafka/senders', 'jaeger-kafka/forwarder', 'jaeger-kafka/otel', 'jaeger-kafka/node']

/** A throwaway app folder whose node_modules/jaeger-kafka points at this repo. */
function makeApp(): string {
  const app = mkdtempSync(join(tmpdir(), 'jaeger-kafka-app-'))
  mkdirSync(join(app, 'node_modules'))
  symlinkSync(ROOT, join(app, 'node_modules', 'jaeger-kafka'), 'dir')
  symlinkSync(join(ROOT, 'node_modules', 'jaeger-client'), join(app, 'node_modules', 'jaeger-client'), 'dir')
  return app
}

function exportsVia(app: string, kind: 'cjs' | 'esm'): Record<string, string[]> {
  const file = join(app, kind === 'cjs' ? 'probe.cjs' : 'probe.mjs')
  const body = kind === 'cjs'
    ? `const out = {}; for (const e of ${JSON.stringify(ENTRIES)}) out[e] = Object.keys(require(e)).sort(); console.log(JSON.stringify(out))`
    : `const out = {}; for (const e of ${JSON.stringify(ENTRIES)}) out[e] = Object.keys(await import(e)).filter((k) => k !== 'default').sort(); console.log(JSON.stringify(out))`
  writeFileSync(file, body)
  return JSON.parse(execFileSync(process.execPath, [file], { cwd: app, encoding: 'utf8' })) as Record<string, string[]>
}

test('require() and import of the built package expose the same named exports', () => {
  const app = makeApp()
  try {
    const cjs = exportsVia(app, 'cjs')
    const esm = exportsVia(app, 'esm')
    assert.deepEqual(cjs, esm)
    assert.ok(cjs['jaeger-kafka']?.includes('JaegerKafkaError'))
    assert.ok(cjs['jaeger-kafka']?.includes('isJaegerKafkaError'))
  } finally {
    rmSync(app, { recursive: true, force: true })
  }
})

test('a CommonJS app can use what it required', () => {
  const app = makeApp()
  try {
    writeFileSync(join(app, 'app.cjs'), `
      const { JaegerKafkaError, isJaegerKafkaError, ErrorCodes } = require('jaeger-kafka')
      const e = new JaegerKafkaError(ErrorCodes.KAFKA, 'Cannot produce: test')
      console.log(JSON.stringify({ branded: isJaegerKafkaError(e), code: e.code }))`)
    const out = JSON.parse(execFileSync(process.execPath, [join(app, 'app.cjs')], { cwd: app, encoding: 'utf8' }))
    assert.deepEqual(out, { branded: true, code: 'KAFKA' })
  } finally {
    rmSync(app, { recursive: true, force: true })
  }
})

test('a KafkaSender made by the CommonJS build is a KafkaSender to the ESM build, and the other way round', () => {
  const app = makeApp()
  try {
    writeFileSync(join(app, 'mixed.mjs'), `
      import { createRequire } from 'node:module'
      import * as esm from 'jaeger-kafka'
      const cjs = createRequire(import.meta.url)('jaeger-kafka')
      const producer = () => ({ connect: async () => {}, send: async () => {}, disconnect: async () => {} })
      const fromCjs = new cjs.KafkaSender({ producer: producer() })
      const fromEsm = new esm.KafkaSender({ producer: producer() })
      const reporter = new cjs.KafkaReporter(fromCjs)
      const out = {
        twoCopies: cjs.KafkaSender !== esm.KafkaSender,
        cjsInEsm: fromCjs instanceof esm.KafkaSender && esm.isKafkaSender(fromCjs),
        esmInCjs: fromEsm instanceof cjs.KafkaSender && cjs.isKafkaSender(fromEsm),
        reporter: reporter instanceof esm.KafkaReporter && esm.isKafkaReporter(reporter) && !esm.isKafkaSender(reporter),
      }
      await new Promise((resolve) => reporter.close(resolve))
      await fromEsm.close()
      console.log(JSON.stringify(out))`)
    const out = JSON.parse(execFileSync(process.execPath, [join(app, 'mixed.mjs')], { cwd: app, encoding: 'utf8' }))
    assert.deepEqual(out, { twoCopies: true, cjsInEsm: true, esmInCjs: true, reporter: true })
  } finally {
    rmSync(app, { recursive: true, force: true })
  }
})

test('require("jaeger-kafka") and import both spool to disk with spoolDir (the file spool loads on demand in each build)', () => {
  const app = makeApp()
  try {
    const body = (load: string): string => `
      ${load}
      const producer = { connect: async () => {}, disconnect: async () => {}, send: async () => { throw new Error('broker down') } }
      const sender = new KafkaSender({ producer, spoolDir: process.argv[2], retry: { initialDelayMs: 1, maxDelayMs: 2 } })
      sender.setJaegerProcess({ serviceName: 'pkg' })
      for (let i = 1; i <= 10; i++) sender.appendSpan({ traceIdLow: 1n, traceIdHigh: 0n, spanId: BigInt(i), parentSpanId: 0n, operationName: 'op', flags: 1, startTime: 1n, duration: 1n })
      sender.flush().then(async () => {
        while ((sender.stats().spool?.spooled.spans ?? 0) < 10) await new Promise((r) => setTimeout(r, 5))
        await sender.close()
        const s = sender.stats().spool
        console.log(JSON.stringify({ spooled: s.spooled.spans, pending: s.pending.spans, delivered: sender.stats().spansDelivered }))
      })`
    writeFileSync(join(app, 'spool.cjs'), body(`const { KafkaSender } = require('jaeger-kafka')`))
    writeFileSync(join(app, 'spool.mjs'), body(`import { KafkaSender } from 'jaeger-kafka'`))
    for (const file of ['spool.cjs', 'spool.mjs']) {
      const dir = join(app, `${file}-dir`)
      const out = JSON.parse(execFileSync(process.execPath, [join(app, file), dir], { cwd: app, encoding: 'utf8', timeout: 30_000 }))
      assert.deepEqual(out, { spooled: 10, pending: 10, delivered: 10 }, file)
      assert.ok(readdirSync(dir).some((name) => name.endsWith('.seg')), `${file}: a segment file in the spool directory`)
    }
  } finally {
    rmSync(app, { recursive: true, force: true })
  }
})

test('a CommonJS OTel SDK app exports through require("jaeger-kafka/otel"), which loads no @opentelemetry module itself', () => {
  const app = makeApp()
  try {
    writeFileSync(join(app, 'alone.cjs'), `
      require('jaeger-kafka/otel')
      console.log(JSON.stringify(Object.keys(require.cache).filter((f) => f.includes('@opentelemetry'))))`)
    assert.deepEqual(JSON.parse(execFileSync(process.execPath, [join(app, 'alone.cjs')], { cwd: app, encoding: 'utf8' })), [])
    symlinkSync(join(ROOT, 'node_modules', '@opentelemetry'), join(app, 'node_modules', '@opentelemetry'), 'dir')
    writeFileSync(join(app, 'otel-app.cjs'), `
      const { BasicTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base')
      const { KafkaSpanExporter } = require('jaeger-kafka/otel')
      const records = []
      const producer = { connect: async () => {}, disconnect: async () => {}, send: async (r) => { records.push(...r.messages) } }
      const exporter = new KafkaSpanExporter({ producer, env: {} })
      const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] })
      provider.getTracer('cjs').startSpan('cjs-span').end()
      provider.shutdown().then(() => {
        console.log(JSON.stringify({ records: records.length, encoding: String(records[0].headers['jaeger-kafka-encoding']), delivered: exporter.stats().spansDelivered }))
      })`)
    const out = JSON.parse(execFileSync(process.execPath, [join(app, 'otel-app.cjs')], { cwd: app, encoding: 'utf8' }))
    assert.deepEqual(out, { records: 1, encoding: 'otlp_proto', delivered: 1 })
  } finally {
    rmSync(app, { recursive: true, force: true })
  }
})

test('a legacy CommonJS jaeger-client app continues a trace from Buffer headers through require()', () => {
  const app = makeApp()
  try {
    writeFileSync(join(app, 'consumer.cjs'), `
      const { initTracer, InMemoryReporter } = require('jaeger-client')
      const { KafkaConsumerCarrier, extractContext } = require('jaeger-kafka')
      const { FORMAT_TEXT_MAP } = require('opentracing')
      const tracer = initTracer({ serviceName: 'legacy', sampler: { type: 'const', param: 1 } }, { reporter: new InMemoryReporter() })
      // What kafkajs hands a consumer: Buffer values; jaeger-client's own extract throws on these.
      const message = { value: Buffer.from('x'), headers: { 'uber-trace-id': Buffer.from('4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:0:1') } }
      const ctx = tracer.extract(FORMAT_TEXT_MAP, new KafkaConsumerCarrier(message))
      const viaHelper = extractContext(tracer, message)
      console.log(JSON.stringify({ traceId: ctx.toTraceId(), spanId: ctx.toSpanId(), helper: viaHelper && viaHelper.toTraceId() }))`)
    symlinkSync(join(ROOT, 'node_modules', 'opentracing'), join(app, 'node_modules', 'opentracing'), 'dir')
    const out = JSON.parse(execFileSync(process.execPath, [join(app, 'consumer.cjs')], { cwd: app, encoding: 'utf8' }))
    assert.deepEqual(out, { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', helper: '4bf92f3577b34da6a3ce929d0e0e4736' })
  } finally {
    rmSync(app, { recursive: true, force: true })
  }
})

test('package.json exports and deno.json exports name the same entry points', async () => {
  const { readFileSync } = await import('node:fs')
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, unknown> }
  const deno = JSON.parse(readFileSync(join(ROOT, 'deno.json'), 'utf8')) as { exports: Record<string, string> }
  const npmEntries = Object.keys(pkg.exports).filter((k) => k !== './package.json').sort()
  assert.deepEqual(npmEntries, Object.keys(deno.exports).sort())
  for (const [entry, source] of Object.entries(deno.exports)) {
    const target = (pkg.exports[entry] as { import: { default: string } }).import.default
    // dist/esm/<dir>/<file>.js is compiled from <dir>/<file>.ts
    assert.equal(target, `./dist/esm/${source.slice(2).replace(/\.ts$/, '.js')}`, entry)
  }
})

test('the npm tarball ships the compiled entry points and no tests', () => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
  const files = (JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path)
  for (const entry of ['dist/cjs/index.js', 'dist/esm/index.js', 'dist/esm/index.d.ts', 'dist/cjs/index.node.js', 'dist/esm/index.node.js', 'dist/cjs/package.json', 'dist/esm/carriers/index.js', 'dist/cjs/senders/index.js', 'dist/cjs/otel.js', 'dist/esm/otel.js', 'dist/esm/otel.d.ts', 'index.ts', 'index.node.ts', 'otel.ts']) {
    assert.ok(files.includes(entry), `${entry} is in the tarball`)
  }
  assert.equal(files.filter((f) => f.startsWith('test/') || f.endsWith('.test.ts')).length, 0)
})

test('the core in src/ never imports the floors above it (carriers, senders, forwarder, cli, the entries)', async () => {
  const { readdirSync, readFileSync } = await import('node:fs')
  const files = (readdirSync(join(ROOT, 'src'), { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'))
  assert.ok(files.length > 10, `found ${files.length} core files`)
  const upward: string[] = []
  for (const file of files) {
    const source = readFileSync(join(ROOT, 'src', file), 'utf8')
    for (const match of source.matchAll(/from '([^']+)'/g)) {
      const target = resolve(join(ROOT, 'src', file, '..'), match[1]!)
      if (match[1]!.startsWith('.') && !target.startsWith(join(ROOT, 'src') + '/')) upward.push(`${file} → ${match[1]}`)
    }
  }
  assert.deepEqual(upward, [])
})
