// SPDX-License-Identifier: Apache-2.0
package jaegerkafka.interop;

import io.jaegertracing.internal.JaegerSpan;
import io.jaegertracing.internal.JaegerTracer;
import io.jaegertracing.internal.metrics.InMemoryMetricsFactory;
import io.jaegertracing.internal.metrics.Metrics;
import io.jaegertracing.internal.reporters.RemoteReporter;
import io.jaegertracing.internal.samplers.ConstSampler;
import io.jaegertracing.spi.Sender;
import io.jaegertracing.thrift.internal.senders.HttpSender;
import io.jaegertracing.thrift.internal.senders.UdpSender;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An unchanged Java jaeger-client 1.8.1 app reporting to an agent: the stock
 * RemoteReporter over the stock UdpSender (Thrift compact emitBatch, what the
 * client sends to jaeger-agent's 6831) or HttpSender (binary Batch POSTed to
 * a collector's /api/traces). One trace: a root span and count-1 children,
 * each tagged with its index. close() flushes the reporter and the sender.
 * Prints the trace id, the span ids and the reporter's own counters.
 * argv: udp|http host:port|url service count
 */
public final class AgentSend {
  public static void main(String[] args) throws Exception {
    String kind = args[0];
    String target = args[1];
    String service = args[2];
    int count = Integer.parseInt(args[3]);

    Sender sender;
    if (kind.equals("udp")) {
      int colon = target.lastIndexOf(':');
      // 0 = the client's default max packet size (65000 bytes).
      sender = new UdpSender(target.substring(0, colon), Integer.parseInt(target.substring(colon + 1)), 0);
    } else if (kind.equals("http")) {
      sender = new HttpSender.Builder(target).build();
    } else {
      throw new IllegalArgumentException("first argument must be udp or http, not " + kind);
    }
    InMemoryMetricsFactory metricsFactory = new InMemoryMetricsFactory();
    Metrics metrics = new Metrics(metricsFactory);
    // A queue large enough for every span: the test counts spans, not the client's queue limit.
    RemoteReporter reporter = new RemoteReporter.Builder()
        .withSender(sender)
        .withMetrics(metrics)
        .withMaxQueueSize(count + 100)
        .withFlushInterval(200)
        .build();
    JaegerTracer tracer = new JaegerTracer.Builder(service)
        .withSampler(new ConstSampler(true))
        .withReporter(reporter)
        .withMetrics(metrics)
        .withTag("interop.sender", kind)
        .build();

    JaegerSpan root = tracer.buildSpan("java-agent-root").withTag("java.index", 0).start();
    List<Object> spanIds = new ArrayList<>();
    spanIds.add(Interop.hex16(root.context().getSpanId()));
    for (int i = 1; i < count; i++) {
      JaegerSpan child = tracer.buildSpan("java-agent-op-" + i).asChildOf(root).withTag("java.index", i).start();
      spanIds.add(Interop.hex16(child.context().getSpanId()));
      child.finish();
    }
    root.finish();
    tracer.close();

    Map<String, Object> result = new LinkedHashMap<>();
    result.put("traceIdHigh", Interop.hex16(root.context().getTraceIdHigh()));
    result.put("traceIdLow", Interop.hex16(root.context().getTraceIdLow()));
    result.put("spanIds", spanIds);
    result.put("reporterOk", metricsFactory.getCounter("jaeger_tracer_reporter_spans", "result=ok"));
    result.put("reporterErr", metricsFactory.getCounter("jaeger_tracer_reporter_spans", "result=err"));
    result.put("reporterDropped", metricsFactory.getCounter("jaeger_tracer_reporter_spans", "result=dropped"));
    Interop.emit(result);
  }
}
