package readingroom

import (
	"context"
	"os"
	"testing"

	"github.com/voorrang/voorrang/triage"
)

func loadScenario(tb testing.TB, path string) *Scenario {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	sc, err := ParseScenario(data)
	if err != nil {
		tb.Fatal(err)
	}
	return sc
}

// BenchmarkYear simulates a year of a large department under the five
// built-in policies, 20 replications, and reports simulated studies per
// second (a study read under one policy counts once).
func BenchmarkYear(b *testing.B) {
	sc := loadScenario(b, "testdata/large.yaml")
	var studies float64
	for b.Loop() {
		rep, err := Run(context.Background(), sc, Options{})
		if err != nil {
			b.Fatal(err)
		}
		studies += rep.Studies * float64(rep.Replications*len(rep.Policies))
	}
	b.ReportMetric(studies/b.Elapsed().Seconds(), "studies/s")
	b.ReportMetric(b.Elapsed().Seconds()*1e9/studies, "ns/study")
}

// BenchmarkPolicy simulates one replication of the large department under
// each policy, with its studies drawn once: the cost of the simulation
// itself, per study.
func BenchmarkPolicy(b *testing.B) {
	sc := loadScenario(b, "testdata/large.yaml")
	site := triage.DefaultRules()
	policies, err := sc.policies(site, nil)
	if err != nil {
		b.Fatal(err)
	}
	m := compile(sc, site)
	studies := m.generate(1, 0, nil)
	for _, p := range policies {
		b.Run(p.Name, func(b *testing.B) {
			r := &run{m: m, tally: newTally(len(m.classes)), studies: studies, table: m.table(p.Rules)}
			for b.Loop() {
				r.tally.reset()
				r.simulate()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(studies)), "ns/study")
		})
	}
	b.Run("generate", func(b *testing.B) {
		for b.Loop() {
			studies = m.generate(1, 0, studies)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(studies)), "ns/study")
	})
}
