// SPDX-License-Identifier: Apache-2.0
// Node-only: KafkaSpanExporter's otlp_proto records and the OTel SDK's own
// ProtobufTraceSerializer bytes for the same SDK spans, both read by the Go
// reference (scripts/jaeger-peer/refdecode: pdata and collector-contrib's
// Jaeger translator at the versions inside our Jaeger build). What Jaeger makes
// of them (jaeger.ProtoFromTraces: what its query API shows) is the same span
// for span, except the dropped-attributes count, which only we keep (as a tag).
import assert from 'node:assert/strict'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer'
import { test } from '../support/harness.ts'
import { APP_RESOURCE, APP_SCOPE, APP_SPAN_NAMES, recordAppTrace } from '../support/otel-app.ts'
import { refdecode } from '../support/refdecode.ts'
import type { KafkaProducer, ProduceRequest } from '../../src/kafka/types.ts'
import { ExportResultCode, KafkaSpanExporter } from '../../otel.ts'
import type { ExportResult } from '../../otel.ts'

interface JTag { key: string; type: string; value: unknown }
interface JSpan { spanId: string; operationName: string; tags: JTag[]; [field: string]: unknown }
interface JBatch { process: { serviceName: string; tags: JTag[] }; spans: JSpan[] }

/** Every span the reference's translator made of `bytes` records, with its process, by span id. */
function jaegerSpans(records: Uint8Array[]): Map<string, { span: JSpan; process: JBatch['process'] }> {
  const out = new Map<string, { span: JSpan; process: JBatch['process'] }>()
  for (const result of refdecode(records.map((bytes) => ({ encoding: 'otlp_proto' as const, bytes })))) {
    assert.equal(result.error, undefined, String(result.error))
    for (const batch of result.jaeger as JBatch[]) for (const span of batch.spans) out.set(span.spanId, { span, process: batch.process })
  }
  return out
}

test('Jaeger\'s translator reads KafkaSpanExporter\'s otlp_proto and the SDK\'s own OTLP of the same spans as the same Jaeger spans', async () => {
  const memory = new InMemorySpanExporter()
  // 5 attributes at most: the root (7) gets droppedAttributesCount 2.
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes(APP_RESOURCE), spanLimits: { attributeCountLimit: 5 }, spanProcessors: [new SimpleSpanProcessor(memory)] })
  recordAppTrace(provider.getTracer(APP_SCOPE.name, APP_SCOPE.version))
  const spans = memory.getFinishedSpans()
  const records: Uint8Array[] = []
  const producer: KafkaProducer = {
    connect: async () => {},
    disconnect: async () => {},
    send: async (request: ProduceRequest) => {
      for (const m of request.messages) records.push(m.value!)
    },
  }
  const exporter = new KafkaSpanExporter({ producer, env: {} })
  const result = await new Promise<ExportResult>((resolve) => exporter.export(spans, resolve))
  assert.deepEqual(result, { code: ExportResultCode.SUCCESS })
  await exporter.shutdown()

  const ours = jaegerSpans(records)
  const theirs = jaegerSpans([ProtobufTraceSerializer.serializeRequest(spans)!])
  assert.equal(ours.size, APP_SPAN_NAMES.length)
  assert.deepEqual([...ours.keys()].sort(), [...theirs.keys()].sort())
  for (const [id, { span, process }] of ours) {
    const sdk = theirs.get(id)!
    assert.deepEqual(process, sdk.process, `process of ${span.operationName}`)
    const dropped = span.tags.filter((t) => t.key === 'otel.dropped_attributes_count')
    const withoutDropped = { ...span, tags: span.tags.filter((t) => !dropped.includes(t)) }
    assert.deepEqual(withoutDropped, sdk.span, `span ${span.operationName}`)
    if (span.operationName === 'checkout') assert.deepEqual(dropped.map((t) => [t.type, String(t.value)]), [['int64', '2']], 'only we keep the dropped count')
    else assert.deepEqual(dropped, [])
  }
}, { timeout: 600_000 })
