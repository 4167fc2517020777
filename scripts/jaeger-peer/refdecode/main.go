// SPDX-License-Identifier: Apache-2.0

// refdecode is the independent reference for jaeger-kafka's protobuf codecs:
// it decodes records with the libraries inside our Jaeger build (pdata,
// jaeger-idl, collector-contrib pkg/translator/jaeger) and prints what they
// see, so tests compare our bytes against the other side's code.
//
// Input: one record per line, "<encoding> <base64>", encoding one of
// otlp_proto, jaeger_proto, jaeger_thrift (a Batch). Output: one JSON object
// per line:
//
//	otlp_proto:    {"otlp": <OTLP/JSON of the decoded TracesData>, "jaeger": [<batch>]}
//	               ("jaeger" = jaeger.ProtoFromTraces: what Jaeger's query API shows)
//	jaeger_proto:  {"jaeger": [<batch>], "otlp": <OTLP/JSON of jaeger.ProtoToTraces>}
//	jaeger_thrift: {"otlp": <OTLP/JSON of jaeger.ThriftToTraces>}
//	any error:     {"error": "..."}
package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/apache/thrift/lib/go/thrift"
	"github.com/jaegertracing/jaeger-idl/model/v1"
	thriftjaeger "github.com/jaegertracing/jaeger-idl/thrift-gen/jaeger"
	jaegertranslator "github.com/open-telemetry/opentelemetry-collector-contrib/pkg/translator/jaeger"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

type jTag struct {
	Key   string `json:"key"`
	Type  string `json:"type"`
	Value any    `json:"value"`
}

type jRef struct {
	RefType string `json:"refType"`
	TraceID string `json:"traceId"`
	SpanID  string `json:"spanId"`
}

type jLog struct {
	Timestamp int64  `json:"timestamp"`
	Fields    []jTag `json:"fields"`
}

type jSpan struct {
	TraceID       string `json:"traceId"`
	SpanID        string `json:"spanId"`
	OperationName string `json:"operationName"`
	References    []jRef `json:"references"`
	Flags         uint32 `json:"flags"`
	StartTime     int64  `json:"startTime"`
	Duration      int64  `json:"duration"`
	Tags          []jTag `json:"tags"`
	Logs          []jLog `json:"logs"`
	Process       *jProc `json:"process,omitempty"`
}

type jProc struct {
	ServiceName string `json:"serviceName"`
	Tags        []jTag `json:"tags"`
}

type jBatch struct {
	Process *jProc  `json:"process"`
	Spans   []jSpan `json:"spans"`
}

// Values as strings where JSON numbers would lose bits (int64) or bytes (binary, hex).
func tags(kvs []model.KeyValue) []jTag {
	out := []jTag{}
	for _, kv := range kvs {
		tag := jTag{Key: kv.Key, Type: strings.ToLower(kv.VType.String())}
		switch kv.VType {
		case model.ValueType_STRING:
			tag.Value = kv.VStr
		case model.ValueType_BOOL:
			tag.Value = kv.VBool
		case model.ValueType_INT64:
			tag.Value = fmt.Sprint(kv.VInt64)
		case model.ValueType_FLOAT64:
			tag.Value = fmt.Sprint(kv.VFloat64)
		case model.ValueType_BINARY:
			tag.Value = hex.EncodeToString(kv.VBinary)
		}
		out = append(out, tag)
	}
	return out
}

func process(p *model.Process) *jProc {
	if p == nil {
		return nil
	}
	return &jProc{ServiceName: p.ServiceName, Tags: tags(p.Tags)}
}

func span(s *model.Span) jSpan {
	out := jSpan{
		TraceID:       s.TraceID.String(),
		SpanID:        s.SpanID.String(),
		OperationName: s.OperationName,
		References:    []jRef{},
		Flags:         uint32(s.Flags),
		StartTime:     s.StartTime.UnixMicro(),
		Duration:      s.Duration.Microseconds(),
		Tags:          tags(s.Tags),
		Logs:          []jLog{},
		Process:       process(s.Process),
	}
	for _, ref := range s.References {
		out.References = append(out.References, jRef{RefType: strings.ToLower(ref.RefType.String()), TraceID: ref.TraceID.String(), SpanID: ref.SpanID.String()})
	}
	for _, log := range s.Logs {
		out.Logs = append(out.Logs, jLog{Timestamp: log.Timestamp.UnixMicro(), Fields: tags(log.Fields)})
	}
	return out
}

func batches(in []*model.Batch) []jBatch {
	out := []jBatch{}
	for _, b := range in {
		jb := jBatch{Process: process(b.Process), Spans: []jSpan{}}
		for _, s := range b.Spans {
			jb.Spans = append(jb.Spans, span(s))
		}
		out = append(out, jb)
	}
	return out
}

func otlpJSON(td ptrace.Traces) (json.RawMessage, error) {
	return (&ptrace.JSONMarshaler{}).MarshalTraces(td)
}

func decode(encoding string, bytes []byte) (map[string]any, error) {
	switch encoding {
	case "otlp_proto":
		td, err := (&ptrace.ProtoUnmarshaler{}).UnmarshalTraces(bytes)
		if err != nil {
			return nil, err
		}
		otlp, err := otlpJSON(td)
		if err != nil {
			return nil, err
		}
		return map[string]any{"otlp": otlp, "jaeger": batches(jaegertranslator.ProtoFromTraces(td))}, nil
	case "jaeger_proto":
		s := &model.Span{}
		if err := s.Unmarshal(bytes); err != nil {
			return nil, err
		}
		td, err := jaegertranslator.ProtoToTraces([]*model.Batch{{Spans: []*model.Span{s}, Process: s.Process}})
		if err != nil {
			return nil, err
		}
		otlp, err := otlpJSON(td)
		if err != nil {
			return nil, err
		}
		return map[string]any{"jaeger": []jBatch{{Process: process(s.Process), Spans: []jSpan{span(s)}}}, "otlp": otlp}, nil
	case "jaeger_thrift":
		b := thriftjaeger.NewBatch()
		if err := thrift.NewTDeserializer().Read(context.Background(), b, bytes); err != nil {
			return nil, err
		}
		td, err := jaegertranslator.ThriftToTraces(b)
		if err != nil {
			return nil, err
		}
		otlp, err := otlpJSON(td)
		if err != nil {
			return nil, err
		}
		return map[string]any{"otlp": otlp}, nil
	}
	return nil, fmt.Errorf("unknown encoding %q", encoding)
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	for in.Scan() {
		encoding, payload, _ := strings.Cut(in.Text(), " ")
		result, err := func() (map[string]any, error) {
			bytes, err := base64.StdEncoding.DecodeString(payload)
			if err != nil {
				return nil, err
			}
			return decode(encoding, bytes)
		}()
		if err != nil {
			result = map[string]any{"error": err.Error()}
		}
		if err := enc.Encode(result); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
