// SPDX-License-Identifier: Apache-2.0
package jaegerkafka.interop;

import io.jaegertracing.thriftjava.Batch;
import io.jaegertracing.thriftjava.Process;
import io.jaegertracing.thriftjava.Span;
import io.jaegertracing.thriftjava.SpanRef;
import io.jaegertracing.thriftjava.SpanRefType;
import io.jaegertracing.thriftjava.Tag;
import io.jaegertracing.thriftjava.TagType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.thrift.TSerializer;
import org.apache.thrift.protocol.TBinaryProtocol;

/**
 * A jaeger.thrift Batch built with jaeger-client 1.8.1's own generated classes
 * and serialised by libthrift's TSerializer (TBinaryProtocol), produced as one
 * record on a span topic: what a Java service's Kafka span sender writes.
 * Span i has id firstSpanId + i; spans after the first are children of it.
 * argv: topic service traceIdHigh(hex) traceIdLow(hex) firstSpanId(hex) count
 */
public final class ProduceBatch {
  public static void main(String[] args) throws Exception {
    String topic = args[0];
    String service = args[1];
    long traceIdHigh = Long.parseUnsignedLong(args[2], 16);
    long traceIdLow = Long.parseUnsignedLong(args[3], 16);
    long firstSpanId = Long.parseUnsignedLong(args[4], 16);
    int count = Integer.parseInt(args[5]);

    long nowMicros = System.currentTimeMillis() * 1000;
    List<Span> spans = new ArrayList<>();
    List<Object> spanIds = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      long spanId = firstSpanId + i;
      Span span = new Span(traceIdLow, traceIdHigh, spanId, i == 0 ? 0 : firstSpanId,
          "java-op-" + i, 1, nowMicros + i * 10L, 1000 + i);
      if (i > 0) {
        span.setReferences(Collections.singletonList(
            new SpanRef(SpanRefType.CHILD_OF, traceIdLow, traceIdHigh, firstSpanId)));
      }
      span.setTags(Collections.singletonList(new Tag("java.index", TagType.LONG).setVLong(i)));
      spans.add(span);
      spanIds.add(Interop.hex16(spanId));
    }
    Process process = new Process(service);
    process.setTags(Collections.singletonList(new Tag("jaeger.version", TagType.STRING).setVStr("Java-1.8.1")));
    byte[] bytes = new TSerializer(new TBinaryProtocol.Factory()).serialize(new Batch(process, spans));

    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Interop.producerProps())) {
      producer.send(new ProducerRecord<>(topic, bytes)).get();
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("bytes", bytes.length);
    result.put("spanIds", spanIds);
    Interop.emit(result);
  }
}
