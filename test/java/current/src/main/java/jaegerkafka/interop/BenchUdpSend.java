// SPDX-License-Identifier: Apache-2.0
package jaegerkafka.interop;

import io.jaegertracing.internal.JaegerSpan;
import io.jaegertracing.internal.JaegerTracer;
import io.jaegertracing.internal.reporters.RemoteReporter;
import io.jaegertracing.internal.samplers.ConstSampler;
import io.jaegertracing.internal.exceptions.SenderException;
import io.jaegertracing.spi.Sender;
import io.jaegertracing.thrift.internal.senders.UdpSender;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The benchmark's Java app (bench/agent.ts): an unchanged jaeger-client 1.8.1
 * RemoteReporter over its stock UdpSender (Thrift compact emitBatch, what
 * jaeger-agent's 6831 takes) creating count reference spans (6 tags, 1 log
 * with 2 fields, a childOf reference) at rate spans/s (0 = unpaced). The
 * sender is wrapped, not changed: every call passes through and the flushed
 * span counts the client itself returns are added up (one flush = one
 * datagram handed to the kernel; a SenderException = spans it failed to send).
 * Prints one JSON line like bench/agent-client.ts.
 * argv: host port service count rate
 */
public final class BenchUdpSend {
  static long datagrams;
  static long spansSent;
  static long sendErrors;
  static long spansFailed;
  static String lastError = "";

  static synchronized void flushed(int spans) {
    if (spans > 0) {
      datagrams++;
      spansSent += spans;
    }
  }

  static synchronized void failed(SenderException e) {
    sendErrors++;
    spansFailed += e.getDroppedSpanCount();
    lastError = String.valueOf(e.getMessage());
  }

  /** One call of the wrapped sender that returns the spans it flushed. */
  interface SenderCall {
    int call() throws SenderException;
  }

  /** Passes every call to the stock UdpSender, counting what it reports. */
  static final class CountingSender implements Sender {
    private final Sender inner;

    CountingSender(Sender inner) {
      this.inner = inner;
    }

    private static int counted(SenderCall call) throws SenderException {
      try {
        int n = call.call();
        flushed(n);
        return n;
      } catch (SenderException e) {
        failed(e);
        throw e;
      }
    }

    @Override
    public int append(JaegerSpan span) throws SenderException {
      return counted(() -> inner.append(span));
    }

    @Override
    public int flush() throws SenderException {
      return counted(inner::flush);
    }

    @Override
    public int close() throws SenderException {
      return counted(inner::close);
    }
  }

  public static void main(String[] args) throws Exception {
    String host = args[0];
    int port = Integer.parseInt(args[1]);
    String service = args[2];
    int count = Integer.parseInt(args[3]);
    double rate = Double.parseDouble(args[4]);

    // 0 = the client's default max packet size (65000 bytes).
    Sender sender = new CountingSender(new UdpSender(host, port, 0));
    // A queue for every span: the bench measures the agent, not the client's queue limit.
    RemoteReporter reporter = new RemoteReporter.Builder().withSender(sender).withMaxQueueSize(count + 100).build();
    JaegerTracer tracer = new JaegerTracer.Builder(service).withSampler(new ConstSampler(true)).withReporter(reporter).build();
    JaegerSpan parent = tracer.buildSpan("parent").start();

    long t0 = System.nanoTime();
    int created = 0;
    while (created < count) {
      int due = rate > 0 ? (int) Math.min(count, (System.nanoTime() - t0) / 1e9 * rate) : Math.min(count, created + 1000);
      for (; created < due; created++) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("event", "cache.lookup");
        fields.put("user.id", "42");
        tracer.buildSpan("GET /api/v1/users/:id").asChildOf(parent)
            .withTag("span.kind", "server")
            .withTag("http.method", "GET")
            .withTag("http.url", "http://users/api/v1/users/42")
            .withTag("http.status_code", 200)
            .withTag("db.latency_ms", 12.5)
            .withTag("cache.hit", true)
            .start()
            .log(fields)
            .finish();
      }
      if (rate > 0) Thread.sleep(5);
    }
    double sendSeconds = (System.nanoTime() - t0) / 1e9;
    // close(): the reporter drains its queue and closes (flushes) the sender.
    tracer.close();

    Map<String, Object> result = new LinkedHashMap<>();
    result.put("created", count);
    synchronized (BenchUdpSend.class) {
      result.put("datagrams", datagrams);
      result.put("spansSent", spansSent);
      result.put("sendErrors", sendErrors);
      result.put("spansFailed", spansFailed);
      result.put("lastError", lastError);
    }
    result.put("sendSeconds", sendSeconds);
    result.put("rate", rate);
    Interop.emit(result);
  }
}
