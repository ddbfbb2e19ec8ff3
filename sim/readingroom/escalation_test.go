package readingroom

import (
	"os"
	"testing"
)

// TestEscalationCutsTheLongestWaits is the done-when of the escalation
// rules, on the demo department's own scenario (testdata/demo.yaml, made
// by `voorrang scenario --demo-days 28 --seed 1`) read by a roster that
// just keeps up (testdata/short-staffed.yaml): the built-in escalation
// cuts the 99th percentile and the longest wait of the studies no AI
// algorithm flagged, replication by replication (the paired difference's
// 95% interval lies below zero), while critical findings wait no longer
// and flagged studies lose nothing worth naming.
func TestEscalationCutsTheLongestWaits(t *testing.T) {
	demo, err := os.ReadFile("testdata/demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	roster, err := os.ReadFile("testdata/short-staffed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sc, err := ParseScenario(demo, roster, []byte("policies: [rules, rules+escalation]\nreplications: 20\n"))
	if err != nil {
		t.Fatal(err)
	}
	rep := mustRun(t, sc, Options{})
	unflagged := rep.Result(SiteEscalation, "unflagged").VsBaseline.Wait
	for _, f := range []struct {
		name string
		d    *Estimate
	}{{"p99", unflagged.P99}, {"max", unflagged.Max}} {
		if f.d.High >= 0 {
			t.Errorf("unflagged %s wait, with escalation − without: %+.0f min [%+.0f, %+.0f], want below zero", f.name, f.d.Value, f.d.Low, f.d.High)
		} else {
			t.Logf("unflagged %s wait, with escalation − without: %+.0f min [%+.0f, %+.0f]", f.name, f.d.Value, f.d.Low, f.d.High)
		}
	}
	if d := rep.Result(SiteEscalation, "critical").VsBaseline.Wait.Mean; d.Low > 0.5 {
		t.Errorf("critical mean wait, with escalation − without: %+.1f min [%+.1f, %+.1f], want no cost", d.Value, d.Low, d.High)
	}
	if d := rep.Result(SiteEscalation, "flagged").VsBaseline.Wait.Mean; d.Low > 5 {
		t.Errorf("flagged mean wait, with escalation − without: %+.1f min [%+.1f, %+.1f], want at most a few minutes more", d.Value, d.Low, d.High)
	}
}
