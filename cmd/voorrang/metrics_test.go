package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/voorrang/voorrang/hl7"
	"github.com/voorrang/voorrang/hl7/mllp"
)

// TestMetrics: after a feed with orders, an AI result and broken
// messages, /metrics has what running the service needs — messages by
// type and result, ACK latency, Redis latency, websocket clients, open
// and overdue studies by band, AI results by algorithm and outcome — and
// no label holds an accession number, a patient identifier or a name.
func TestMetrics(t *testing.T) {
	srv := startService(t)
	c := &mllp.Client{Addr: srv.mllpLn.Addr().String(), Timeout: 10 * time.Second}
	defer c.Close()
	ctx := context.Background()
	var secrets []string
	files, _ := filepath.Glob("../../testdata/hl7/*.hl7")
	broken, _ := filepath.Glob("../../testdata/hl7/broken/*.hl7")
	for _, f := range append(files, broken...) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, msg := range hl7.Split(data) {
			if m, err := hl7.Parse(msg); err == nil {
				for _, p := range []string{"PID-3.1", "PID-5.1", "PID-5.2", "OBR-18", "ORC-3.1", "OBR-3.1", "OBR-32"} {
					if v := m.Get(p); len(v) > 3 {
						secrets = append(secrets, v)
					}
				}
			}
			if _, err := c.Send(ctx, msg); err != nil {
				t.Fatalf("%s: %v", filepath.Base(f), err)
			}
		}
	}
	families, err := srv.registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	series := map[string]float64{} // name{label=value,...} -> value (count for histograms)
	safe := regexp.MustCompile(`^[A-Za-z0-9^_.+-]*$`)
	for _, f := range families {
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
				for _, s := range secrets {
					if strings.Contains(l.GetValue(), s) {
						t.Errorf("%s: label %s=%q holds patient data %q", f.GetName(), l.GetName(), l.GetValue(), s)
					}
				}
				if !safe.MatchString(l.GetValue()) {
					t.Errorf("%s: label %s=%q is not a plain code", f.GetName(), l.GetName(), l.GetValue())
				}
			}
			v := m.GetCounter().GetValue() + m.GetGauge().GetValue() + float64(m.GetHistogram().GetSampleCount())
			series[f.GetName()+"{"+strings.Join(labels, ",")+"}"] = v
		}
	}
	for _, want := range []string{
		"voorrang_messages_total{result=accepted,type=ORM^O01}",
		"voorrang_messages_total{result=accepted,type=ORU^R01}",
		"voorrang_messages_total{result=rejected,type=unparsed}",
		"voorrang_messages_total{result=rejected,type=unsupported}",
		"voorrang_ack_latency_seconds{result=accepted}",
		"voorrang_redis_latency_seconds{command=evalsha}",
		"voorrang_ai_results_total{algorithm=aidoc-ich,outcome=*", // positive, or pending when it came before its order
		"voorrang_open_studies{band=critical}",
		"voorrang_open_studies{band=routine}",
		"voorrang_overdue_studies{band=routine}",
		"voorrang_websocket_clients{}",
	} {
		found := false
		for k := range series {
			found = found || k == want || strings.HasSuffix(want, "*") && strings.HasPrefix(k, strings.TrimSuffix(want, "*"))
		}
		if !found {
			var have []string
			for k := range series {
				if strings.HasPrefix(k, want[:strings.Index(want, "{")]) {
					have = append(have, k)
				}
			}
			t.Errorf("no %s; have %v", want, have)
		}
	}
	if series["voorrang_messages_total{result=accepted,type=ORM^O01}"] < 1 || series["voorrang_ack_latency_seconds{result=accepted}"] < 1 {
		t.Errorf("messages counted: %v", series)
	}
	if series["voorrang_open_studies{band=critical}"]+series["voorrang_open_studies{band=urgent}"]+series["voorrang_open_studies{band=routine}"] < 1 {
		t.Error("no open studies counted after the corpus")
	}
}
