// SPDX-License-Identifier: Apache-2.0
package jaegerkafka.interop.legacy;

import io.jaegertracing.internal.JaegerSpan;
import io.jaegertracing.internal.JaegerTracer;
import io.jaegertracing.internal.reporters.InMemoryReporter;
import io.opentracing.Scope;
import io.opentracing.contrib.kafka.TracingKafkaConsumer;
import io.opentracing.contrib.kafka.TracingKafkaProducer;
import io.opentracing.tag.Tags;
import jaegerkafka.interop.Interop;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * A Java service on the legacy opentracing-kafka-client 0.1.2: its
 * TracingKafkaProducer sends to inTopic (child of the active root span); its
 * TracingKafkaConsumer polls the record back, which re-injects the consumer
 * span into the record as second_span_* headers; the service then relays the
 * record, headers as they are, to outTopic with a plain producer.
 * argv: inTopic outTopic 64|128 sampled|debug key=base64(value)...
 */
public final class LegacyRelay {
  public static void main(String[] args) throws Exception {
    String inTopic = args[0];
    String outTopic = args[1];
    boolean id128 = args[2].equals("128");
    boolean debug = args[3].equals("debug");
    Map<String, String> baggage = Interop.baggage(args, 4);
    InMemoryReporter reporter = new InMemoryReporter();
    JaegerTracer tracer = Interop.tracer("java-legacy", id128, true, reporter);

    JaegerSpan root = tracer.buildSpan("java-root").start();
    if (debug) Tags.SAMPLING_PRIORITY.set(root, 1);
    for (Map.Entry<String, String> item : baggage.entrySet()) root.setBaggageItem(item.getKey(), item.getValue());
    ProducerRecord<byte[], byte[]> record =
        new ProducerRecord<>(inTopic, "legacy".getBytes(StandardCharsets.UTF_8), "from java 0.1.2".getBytes(StandardCharsets.UTF_8));
    // 0.1.2 takes its parent from the active span.
    try (Scope ignored = tracer.activateSpan(root);
        TracingKafkaProducer<byte[], byte[]> producer = new TracingKafkaProducer<>(new KafkaProducer<>(Interop.producerProps()), tracer)) {
      producer.send(record).get();
    }
    root.finish();

    List<Object> relayed = new ArrayList<>();
    long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
    try (TracingKafkaConsumer<byte[], byte[]> consumer =
            new TracingKafkaConsumer<>(new KafkaConsumer<>(Interop.consumerProps("legacy-" + inTopic)), tracer);
        KafkaProducer<byte[], byte[]> plain = new KafkaProducer<>(Interop.producerProps())) {
      consumer.subscribe(Collections.singletonList(inTopic));
      while (relayed.isEmpty() && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> in : consumer.poll(Duration.ofMillis(500))) {
          plain.send(new ProducerRecord<>(outTopic, null, in.key(), in.value(), in.headers())).get();
          relayed.add(Interop.headers(in.headers()));
        }
      }
    }
    tracer.close();

    Map<String, Object> result = new LinkedHashMap<>();
    result.put("root", Interop.describe(root));
    for (JaegerSpan span : reporter.getSpans()) {
      Object kind = span.getTags().get("span.kind");
      if ("producer".equals(kind)) result.put("producer", Interop.describe(span));
      if ("consumer".equals(kind)) result.put("consumer", Interop.describe(span));
    }
    result.put("relayedHeaders", relayed);
    Interop.emit(result);
  }
}
