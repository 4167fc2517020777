// SPDX-License-Identifier: Apache-2.0
package jaegerkafka.interop;

import io.jaegertracing.internal.JaegerSpan;
import io.jaegertracing.internal.JaegerSpanContext;
import io.jaegertracing.internal.JaegerTracer;
import io.jaegertracing.internal.reporters.InMemoryReporter;
import io.jaegertracing.internal.samplers.ConstSampler;
import io.jaegertracing.internal.Reference;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * What every interop program shares: argv parsing, a Java jaeger-client tracer
 * that reports in memory, Kafka properties from KAFKA_BROKERS, and the single
 * JSON line the TypeScript test parses (non-ASCII escaped, so no locale matters).
 */
public final class Interop {
  private Interop() {}

  /** A Java jaeger-client 1.8.1 tracer: const sampler, in-memory reporter, 64- or 128-bit trace ids. */
  public static JaegerTracer tracer(String service, boolean traceId128, boolean sampled, InMemoryReporter reporter) {
    JaegerTracer.Builder builder = new JaegerTracer.Builder(service)
        .withSampler(new ConstSampler(sampled))
        .withReporter(reporter);
    if (traceId128) builder.withTraceId128Bit();
    return builder.build();
  }

  /** `key=base64(UTF-8 value)` arguments: argv stays ASCII whatever the JVM's locale. */
  public static Map<String, String> baggage(String[] args, int from) {
    Map<String, String> out = new LinkedHashMap<>();
    for (int i = from; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      out.put(args[i].substring(0, eq),
          new String(Base64.getDecoder().decode(args[i].substring(eq + 1)), StandardCharsets.UTF_8));
    }
    return out;
  }

  public static String brokers() {
    String brokers = System.getenv("KAFKA_BROKERS");
    if (brokers == null || brokers.isEmpty()) throw new IllegalStateException("KAFKA_BROKERS is not set");
    return brokers;
  }

  public static Properties producerProps() {
    Properties props = new Properties();
    props.put("bootstrap.servers", brokers());
    props.put("key.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer");
    props.put("value.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer");
    props.put("acks", "all");
    return props;
  }

  public static Properties consumerProps(String group) {
    Properties props = new Properties();
    props.put("bootstrap.servers", brokers());
    props.put("group.id", group);
    props.put("auto.offset.reset", "earliest");
    props.put("enable.auto.commit", "false");
    props.put("key.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
    props.put("value.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
    return props;
  }

  public static String hex16(long value) {
    return String.format("%016x", value);
  }

  /** Ids as fixed-width hex, flags, debug id and baggage of a context (null stays null). */
  public static Map<String, Object> describe(JaegerSpanContext context) {
    if (context == null) return null;
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("traceIdHigh", hex16(context.getTraceIdHigh()));
    out.put("traceIdLow", hex16(context.getTraceIdLow()));
    out.put("spanId", hex16(context.getSpanId()));
    out.put("parentId", hex16(context.getParentId()));
    out.put("flags", (int) context.getFlags() & 0xff);
    out.put("sampled", context.isSampled());
    out.put("debug", context.isDebug());
    Map<String, Object> baggage = new TreeMap<>();
    for (Map.Entry<String, String> item : context.baggageItems()) baggage.put(item.getKey(), item.getValue());
    out.put("baggage", baggage);
    return out;
  }

  /** A finished span: its context, operation, kind tag and references. */
  public static Map<String, Object> describe(JaegerSpan span) {
    Map<String, Object> out = new LinkedHashMap<>(describe(span.context()));
    out.put("operation", span.getOperationName());
    out.put("kind", String.valueOf(span.getTags().get("span.kind")));
    List<Object> refs = new ArrayList<>();
    for (Reference ref : span.getReferences()) {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("type", ref.getType());
      r.put("spanId", hex16(ref.getSpanContext().getSpanId()));
      refs.add(r);
    }
    out.put("references", refs);
    return out;
  }

  /** Headers in wire order as [key, UTF-8 value] pairs. */
  public static List<Object> headers(Headers headers) {
    List<Object> out = new ArrayList<>();
    for (Header header : headers) {
      List<Object> pair = new ArrayList<>();
      pair.add(header.key());
      pair.add(header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8));
      out.add(pair);
    }
    return out;
  }

  /** Print the result line the test parses (last line of stdout). */
  public static void emit(Map<String, Object> result) {
    StringBuilder sb = new StringBuilder();
    write(sb, result);
    System.out.println(sb);
    System.out.flush();
  }

  private static void write(StringBuilder sb, Object value) {
    if (value == null) {
      sb.append("null");
    } else if (value instanceof String) {
      quote(sb, (String) value);
    } else if (value instanceof Number || value instanceof Boolean) {
      sb.append(value);
    } else if (value instanceof Map) {
      sb.append('{');
      Iterator<? extends Map.Entry<?, ?>> it = ((Map<?, ?>) value).entrySet().iterator();
      while (it.hasNext()) {
        Map.Entry<?, ?> e = it.next();
        quote(sb, String.valueOf(e.getKey()));
        sb.append(':');
        write(sb, e.getValue());
        if (it.hasNext()) sb.append(',');
      }
      sb.append('}');
    } else if (value instanceof List) {
      sb.append('[');
      List<?> list = (List<?>) value;
      for (int i = 0; i < list.size(); i++) {
        if (i > 0) sb.append(',');
        write(sb, list.get(i));
      }
      sb.append(']');
    } else {
      quote(sb, String.valueOf(value));
    }
  }

  private static void quote(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') sb.append('\\').append(c);
      else if (c < 0x20 || c > 0x7e) sb.append(String.format("\\u%04x", (int) c));
      else sb.append(c);
    }
    sb.append('"');
  }
}
