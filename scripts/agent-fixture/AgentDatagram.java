// SPDX-License-Identifier: Apache-2.0
// Prints one Agent.emitBatch message per protocol named on the command line
// ("compact", "binary") as hex, written exactly as jaeger-client-java 1.8.1's
// UdpSender writes it: its generated Agent.Client over libthrift 0.15.0's
// TCompactProtocol (port 6831) or TBinaryProtocol. The values are mirrored in
// test/unit/agent-decode.test.ts (javaBatch); non-ASCII text is written as unicode escapes.
// Run by scripts/make-agent-fixtures.mjs.
import io.jaegertracing.agent.thrift.Agent;
import io.jaegertracing.thriftjava.Batch;
import io.jaegertracing.thriftjava.Log;
import io.jaegertracing.thriftjava.Process;
import io.jaegertracing.thriftjava.Span;
import io.jaegertracing.thriftjava.SpanRef;
import io.jaegertracing.thriftjava.SpanRefType;
import io.jaegertracing.thriftjava.Tag;
import io.jaegertracing.thriftjava.TagType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.thrift.protocol.TBinaryProtocol;
import org.apache.thrift.protocol.TCompactProtocol;
import org.apache.thrift.protocol.TProtocol;
import org.apache.thrift.transport.TMemoryBuffer;

public class AgentDatagram {
  public static void main(String[] args) throws Exception {
    List<Tag> tags = Arrays.asList(
        new Tag("str", TagType.STRING).setVStr("plain ascii"),
        new Tag("unicode \u2713 \u652f\u4ed8", TagType.STRING).setVStr("Gr\u00fc\u00dfe \ud83d\ude80"),
        new Tag("double", TagType.DOUBLE).setVDouble(-2.5e-300),
        new Tag("bool.true", TagType.BOOL).setVBool(true),
        new Tag("bool.false", TagType.BOOL).setVBool(false),
        new Tag("long.min", TagType.LONG).setVLong(Long.MIN_VALUE),
        new Tag("long.max", TagType.LONG).setVLong(Long.MAX_VALUE),
        new Tag("binary", TagType.BINARY).setVBinary(new byte[] {0, 1, 0x7f, (byte) 0x80, (byte) 0xff}));
    Span full = new Span(-0x0123456789abcdefL, 0x7edcba9876543210L, Long.MIN_VALUE, Long.MAX_VALUE, "POST /zahlungen/:id \u2713", -1, 1763802000123456L, 0L);
    full.setReferences(Arrays.asList(
        new SpanRef(SpanRefType.CHILD_OF, -2L, 0L, 1L),
        new SpanRef(SpanRefType.FOLLOWS_FROM, Long.MAX_VALUE, Long.MIN_VALUE, -12345678901234567L)));
    full.setTags(tags);
    full.setLogs(Arrays.asList(
        new Log(1763802000123999L, Arrays.asList(new Tag("event", TagType.STRING).setVStr("cache.lookup"))),
        new Log(-1L, new ArrayList<Tag>())));
    Span minimal = new Span(1L, 0L, 2L, 0L, "", 0, 0L, 1L);
    Span emptyLists = new Span(1L, 0L, 3L, 0L, "", 0, 0L, 1L)
        .setReferences(new ArrayList<SpanRef>())
        .setTags(new ArrayList<Tag>())
        .setLogs(new ArrayList<Log>());
    Batch batch = new Batch(new Process("zahlungs-dienst \u2713 \u652f\u4ed8").setTags(tags), Arrays.asList(full, minimal, emptyLists));
    for (String protocol : args) {
      TMemoryBuffer buffer = new TMemoryBuffer(4096);
      TProtocol out = protocol.equals("compact") ? new TCompactProtocol(buffer) : new TBinaryProtocol(buffer);
      new Agent.Client(out).emitBatch(batch);
      StringBuilder hex = new StringBuilder();
      byte[] bytes = buffer.getArray();
      for (int i = 0; i < buffer.length(); i++) hex.append(String.format("%02x", bytes[i] & 0xff));
      System.out.println(protocol + " " + hex);
    }
  }
}
