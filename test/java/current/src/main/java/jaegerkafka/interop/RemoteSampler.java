// SPDX-License-Identifier: Apache-2.0
package jaegerkafka.interop;

import io.jaegertracing.internal.samplers.ConstSampler;
import io.jaegertracing.internal.samplers.HttpSamplingManager;
import io.jaegertracing.internal.samplers.RemoteControlledSampler;
import io.jaegertracing.internal.samplers.SamplingStatus;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * jaeger-client 1.8.1's RemoteControlledSampler with its stock
 * HttpSamplingManager (GET http://host:port/?service=X, the agent's legacy
 * path, parsed with Gson) polling every 100 ms. It starts from a const sampler
 * so the first strategy it applies is visible; each time what it decides for
 * the given operations changes, one JSON line is printed: per operation the
 * sampler.type / sampler.param tags the client's sampler reports (public API:
 * Sampler.sample(op, id).getTags()). Exits 0 after `changes` lines, 3 when
 * they do not come within 60 s.
 * argv: host:port service changes operation...
 */
public final class RemoteSampler {
  public static void main(String[] args) throws Exception {
    String hostPort = args[0];
    String service = args[1];
    int changes = Integer.parseInt(args[2]);
    RemoteControlledSampler sampler = new RemoteControlledSampler.Builder(service)
        .withSamplingManager(new HttpSamplingManager(hostPort))
        .withInitialSampler(new ConstSampler(false))
        .withPollingInterval(100)
        .build();
    String last = null;
    int printed = 0;
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (printed < changes) {
      if (System.nanoTime() > deadline) {
        System.err.println("RemoteSampler: " + printed + " of " + changes + " strategy changes in 60 s; sampler is " + sampler);
        System.exit(3);
      }
      Map<String, Object> seen = new LinkedHashMap<>();
      for (int i = 3; i < args.length; i++) {
        // id Long.MAX_VALUE: above every probabilistic boundary, so the decision does not depend on chance.
        SamplingStatus status = sampler.sample(args[i], Long.MAX_VALUE);
        Map<String, Object> tags = new LinkedHashMap<>();
        tags.put("type", status.getTags().get("sampler.type"));
        tags.put("param", status.getTags().get("sampler.param"));
        seen.put(args[i], tags);
      }
      StringBuilder key = new StringBuilder();
      for (Object value : seen.values()) key.append(value);
      boolean initial = key.indexOf("type=const") >= 0;
      if (!initial && !key.toString().equals(last)) {
        last = key.toString();
        printed++;
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("service", service);
        line.put("operations", seen);
        Interop.emit(line);
      }
      Thread.sleep(20);
    }
    sampler.close();
  }
}
