// SPDX-License-Identifier: Apache-2.0
package jaegerkafka.interop;

import io.jaegertracing.internal.JaegerSpan;
import io.jaegertracing.internal.JaegerSpanContext;
import io.jaegertracing.internal.JaegerTracer;
import io.jaegertracing.internal.reporters.InMemoryReporter;
import io.opentracing.contrib.kafka.TracingKafkaUtils;
import io.opentracing.propagation.Format;
import io.opentracing.propagation.TextMapAdapter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;

/**
 * Node → Java with opentracing-kafka-client 0.1.15: each record's context is
 * read the way a Java consumer reads it, with TracingKafkaUtils.extractSpanContext
 * (TEXT_MAP), and also with the tracer's HTTP_HEADERS codec (URL-decoding)
 * over the same headers; then TracingKafkaUtils.buildAndFinishChildSpan does
 * what TracingKafkaConsumer.poll does per record (a "From_<topic>" span that
 * follows from the producer). Extraction comes first because that step appends
 * the consumer span's own uber-trace-id to the record's headers.
 * argv: topic expectedRecords
 */
public final class ConsumeTraced {
  public static void main(String[] args) throws Exception {
    String topic = args[0];
    int expected = Integer.parseInt(args[1]);
    InMemoryReporter reporter = new InMemoryReporter();
    JaegerTracer tracer = Interop.tracer("java-consumer", false, true, reporter);

    List<Object> records = new ArrayList<>();
    long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Interop.consumerProps("interop-" + topic))) {
      consumer.subscribe(Collections.singletonList(topic));
      while (records.size() < expected && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          Map<String, String> map = new HashMap<>();
          for (Header header : record.headers()) map.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
          Map<String, Object> r = new LinkedHashMap<>();
          r.put("key", record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8));
          r.put("textMap", Interop.describe((JaegerSpanContext) TracingKafkaUtils.extractSpanContext(record.headers(), tracer)));
          try {
            r.put("httpHeaders", Interop.describe((JaegerSpanContext) tracer.extract(Format.Builtin.HTTP_HEADERS, new TextMapAdapter(map))));
          } catch (RuntimeException e) {
            // URLDecoder refuses a raw TEXT_MAP value such as "100% sure".
            r.put("httpHeaders", "error: " + e);
          }
          r.put("headers", Interop.headers(record.headers()));
          TracingKafkaUtils.buildAndFinishChildSpan(record, tracer);
          records.add(r);
        }
      }
    }
    tracer.close();

    List<Object> spans = new ArrayList<>();
    for (JaegerSpan span : reporter.getSpans()) spans.add(Interop.describe(span));
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("records", records);
    result.put("consumerSpans", spans);
    Interop.emit(result);
  }
}
