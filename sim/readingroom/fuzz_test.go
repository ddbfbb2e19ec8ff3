package readingroom

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/voorrang/voorrang/triage"
)

// FuzzParseScenario feeds the scenario parser what a user may write or
// post (/api/v1/whatif takes the same format as JSON). Whatever it
// accepts must simulate without a panic, and write itself back as YAML
// that parses to the same scenario; what it refuses, it refuses with an
// error.
func FuzzParseScenario(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"arrivals": {"perDay": 50}, "mix": [{"share": 1, "modality": "CT"}], "reading": {"*": {"dist": "fixed", "mean": "5m"}}, "readers": [{}], "horizon": "3d", "replications": 2}`))
	f.Add([]byte("arrivals: {perDay: 1}\nmix: [{share: 1, modality: CT}]\nreading: {CT: {median: 1d, p90: NaNd}}\nreaders: [{shifts: [{days: Sun-Mon, from: '23:00', to: '24:00'}]}]\nhorizon: 1h\n"))
	site := triage.DefaultRules()
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := ParseScenario(data)
		if err != nil {
			return
		}
		out, err := sc.MarshalYAMLFile("fuzz")
		if err != nil {
			t.Fatalf("MarshalYAMLFile: %v", err)
		}
		back, err := ParseScenario(out)
		if err != nil {
			t.Fatalf("the scenario written back does not parse: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(normal(sc), normal(back)) {
			t.Fatalf("round trip changed the scenario:\n%s", out)
		}
		// Small enough to simulate here: a few thousand studies.
		if sc.Work(0)/float64(sc.replications()*len(sc.policyNames())) > 2000 {
			return
		}
		sc.Replications = 2
		rep, err := Run(context.Background(), sc, Options{Rules: site, Workers: 1})
		if err != nil {
			t.Fatalf("an accepted scenario does not run: %v", err)
		}
		if len(rep.Results) != len(rep.Policies)*len(rep.Classes) {
			t.Fatalf("%d results of %d policies and %d classes", len(rep.Results), len(rep.Policies), len(rep.Classes))
		}
	})
}

// normal returns sc with its times compared as instants: YAML keeps the
// instant of a start time, not its Go location.
func normal(sc *Scenario) Scenario {
	c := *sc
	if !c.Start.IsZero() {
		c.Start = c.Start.UTC()
	}
	return c
}
