// SPDX-License-Identifier: Apache-2.0
package jaegerkafka.interop;

import io.jaegertracing.internal.JaegerSpan;
import io.jaegertracing.internal.JaegerSpanContext;
import io.jaegertracing.internal.JaegerTracer;
import io.jaegertracing.internal.reporters.InMemoryReporter;
import io.opentracing.contrib.kafka.TracingKafkaProducer;
import io.opentracing.contrib.kafka.TracingKafkaUtils;
import io.opentracing.tag.Tags;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Java → Node with opentracing-kafka-client 0.1.15: a root span (with baggage,
 * optionally debug) is the parent of TracingKafkaProducer's "To_<topic>" span,
 * whose context goes on the record's headers.
 * argv: topic 64|128 unsampled|sampled|debug key=base64(value)...
 */
public final class ProduceTraced {
  public static void main(String[] args) throws Exception {
    String topic = args[0];
    boolean id128 = args[1].equals("128");
    String sampling = args[2];
    Map<String, String> baggage = Interop.baggage(args, 3);
    InMemoryReporter reporter = new InMemoryReporter();
    JaegerTracer tracer = Interop.tracer("java-producer", id128, !sampling.equals("unsampled"), reporter);

    JaegerSpan root = tracer.buildSpan("java-root").start();
    if (sampling.equals("debug")) Tags.SAMPLING_PRIORITY.set(root, 1);
    for (Map.Entry<String, String> item : baggage.entrySet()) root.setBaggageItem(item.getKey(), item.getValue());

    ProducerRecord<byte[], byte[]> record =
        new ProducerRecord<>(topic, "java".getBytes(StandardCharsets.UTF_8), "from java 0.1.15".getBytes(StandardCharsets.UTF_8));
    try (TracingKafkaProducer<byte[], byte[]> producer =
        new TracingKafkaProducer<>(new KafkaProducer<>(Interop.producerProps()), tracer)) {
      producer.send(record, root.context()).get();
      producer.flush();
    }
    root.finish();
    // What the producer injected (an unsampled producer span is not reported).
    JaegerSpanContext injected = (JaegerSpanContext) TracingKafkaUtils.extractSpanContext(record.headers(), tracer);
    tracer.close();

    Map<String, Object> result = new LinkedHashMap<>();
    result.put("root", Interop.describe(root));
    result.put("injected", Interop.describe(injected));
    for (JaegerSpan span : reporter.getSpans()) {
      if ("producer".equals(span.getTags().get("span.kind"))) result.put("producer", Interop.describe(span));
    }
    result.put("headers", Interop.headers(record.headers()));
    Interop.emit(result);
  }
}
