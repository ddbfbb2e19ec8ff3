package readingroom

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"github.com/voorrang/voorrang/triage"
)

// Options configure Run; the zero value of each field is a sensible
// default.
type Options struct {
	// Rules are the site's triage rules, for the policies "rules" and
	// "rules+escalation" and for the classes critical, urgent and routine;
	// nil means triage.DefaultRules().
	Rules *triage.Rules
	// Extra are more policies to compare, after the scenario's: a rules
	// file a user wants to try.
	Extra []Policy
	// Workers is how many replications run at once; zero means
	// runtime.GOMAXPROCS.
	Workers int
}

// Run simulates the scenario: every replication's studies are drawn once
// and read under each policy in turn, the replications spread over
// Options.Workers goroutines. It returns the figures of every policy and
// class, with 95% confidence intervals over the replications, and their
// differences from the baseline policy replication by replication.
func Run(ctx context.Context, sc *Scenario, opts Options) (*Report, error) {
	if err := sc.Check(); err != nil {
		return nil, err
	}
	site := opts.Rules
	if site == nil {
		site = triage.DefaultRules()
	}
	policies, err := sc.policies(site, opts.Extra)
	if err != nil {
		return nil, err
	}
	baseline := sc.baseline()
	if !slices.ContainsFunc(policies, func(p Policy) bool { return p.Name == baseline }) {
		return nil, fmt.Errorf("baseline %q: not one of the policies", baseline)
	}
	m := compile(sc, site)
	tables := make([]table, len(policies))
	for i, p := range policies {
		tables[i] = m.table(p.Rules)
	}
	reps := sc.replications()
	results := make([][][]summary, reps) // [replication][policy][class]
	arrivals := make([]int, reps)
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, reps) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := &run{m: m, tally: newTally(len(m.classes))}
			var buf []study
			for rep := range jobs {
				buf = m.generate(sc.Seed, rep, buf)
				r.studies = buf
				arrivals[rep] = len(buf)
				results[rep] = make([][]summary, len(policies))
				for p := range policies {
					r.table = tables[p]
					r.tally.reset()
					r.simulate()
					results[rep][p] = r.tally.summarise()
				}
			}
		}()
	}
	for rep := range reps {
		if ctx.Err() != nil {
			break
		}
		jobs <- rep
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return m.report(sc, policies, baseline, results, arrivals), nil
}

// Work returns how many studies a run of the scenario simulates, on
// average: the studies that arrive in a replication, times the
// replications and the policies (extra more besides the scenario's). It
// is what a run costs, about 0.2 to 0.5 µs a study on one core.
func (sc *Scenario) Work(extra int) float64 {
	m := &model{start: sc.start().In(sc.location()), horizon: sc.horizon().Milliseconds()}
	m.arrivalRates(sc)
	studies := 0.0
	for _, r := range m.hourRate {
		studies += r * 3_600_000
	}
	return studies * float64(sc.replications()*(len(sc.policyNames())+extra))
}

// Load returns the reading work that arrives over the horizon divided by
// the readers' time on duty in it: above 1, the list can only grow.
func (m *model) load() float64 {
	work := 0.0 // ms of reading per ms
	total := m.cum[len(m.cum)-1]
	prev := 0.0
	for i, k := range m.kinds {
		work += (m.cum[i] - prev) / total * k.read.meanMs()
		prev = m.cum[i]
	}
	arrivals := 0.0
	for _, r := range m.hourRate {
		arrivals += r * 3_600_000
	}
	onDuty := 0.0
	for i := range m.readers {
		if m.alwaysOn[i] {
			onDuty += float64(m.horizon)
		}
	}
	since := map[int32]int64{}
	for _, c := range m.shifts {
		if c.on {
			since[c.reader] = c.at
		} else if c.at > 0 {
			onDuty += float64(max(min(c.at, m.horizon)-min(since[c.reader], m.horizon), 0))
		}
	}
	if onDuty == 0 {
		return 0
	}
	return arrivals * work / onDuty
}
