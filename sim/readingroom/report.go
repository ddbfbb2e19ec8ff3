package readingroom

import (
	"math"
	"time"
)

// ReportVersion is the version of the Report's JSON form. Fields may be
// added within a version; none is renamed or removed, and none changes its
// meaning.
const ReportVersion = 1

// A Report is what a simulation found. Its JSON form is stable (see
// ReportVersion); times are in minutes.
type Report struct {
	Version      int       `json:"version"`
	Scenario     string    `json:"scenario,omitempty"`
	Start        time.Time `json:"start"`
	Horizon      Duration  `json:"horizon"`
	Warmup       Duration  `json:"warmup"`
	Replications int       `json:"replications"`
	Seed         uint64    `json:"seed"`
	Readers      int       `json:"readers"`
	// Studies is how many studies arrived in a replication, on average
	// (the warm-up included).
	Studies float64 `json:"studiesPerReplication"`
	// Load is the reading work that arrived over the horizon divided by
	// the readers' time on duty.
	Load       float64  `json:"load"`
	Baseline   string   `json:"baseline"`
	Unit       string   `json:"unit"`       // "minutes"
	Confidence float64  `json:"confidence"` // of the intervals: 0.95
	Policies   []Policy `json:"policies"`
	Classes    []string `json:"classes"`
	// Results holds one entry per policy and class, policies in the order
	// of Policies and within each the classes in the order of Classes.
	Results []Result `json:"results"`
}

// A Result holds the figures of one class of study under one policy.
type Result struct {
	Policy string `json:"policy"`
	Class  string `json:"class"`
	// N is how many studies of the class were read in a replication (after
	// the warm-up); Unread how many still waited at the end.
	N      Estimate `json:"n"`
	Unread Estimate `json:"unread"`
	// Wait runs from the exam's completion to a reader taking the study;
	// Turnaround to the end of the reading.
	Wait       Figures `json:"wait"`
	Turnaround Figures `json:"turnaround"`
	// VsBaseline is this policy minus the baseline, replication by
	// replication (the same studies in both); absent for the baseline.
	VsBaseline *Difference `json:"vsBaseline,omitempty"`
}

// Figures describe times: the mean, median, 95th and 99th percentile and
// maximum of each replication, each estimated over the replications. A
// figure is null when no replication had a study of the class.
type Figures struct {
	Mean *Estimate `json:"mean"`
	P50  *Estimate `json:"p50"`
	P95  *Estimate `json:"p95"`
	P99  *Estimate `json:"p99"`
	Max  *Estimate `json:"max"`
}

// A Difference is a policy's figures minus the baseline's.
type Difference struct {
	Wait       Figures `json:"wait"`
	Turnaround Figures `json:"turnaround"`
}

// An Estimate is the mean over the replications with its 95% confidence
// interval (Student's t).
type Estimate struct {
	Value float64 `json:"value"`
	Low   float64 `json:"low"`
	High  float64 `json:"high"`
}

// estimate returns the mean of the finite xs with its 95% interval, or nil
// when there are none.
func estimate(xs []float64) *Estimate {
	var n, sum float64
	for _, x := range xs {
		if !math.IsNaN(x) {
			n++
			sum += x
		}
	}
	if n == 0 {
		return nil
	}
	mean := sum / n
	half := 0.0
	if n > 1 {
		ss := 0.0
		for _, x := range xs {
			if !math.IsNaN(x) {
				ss += (x - mean) * (x - mean)
			}
		}
		half = tQuantile975(int(n)-1) * math.Sqrt(ss/(n-1)/n)
	}
	return &Estimate{Value: mean, Low: mean - half, High: mean + half}
}

// tQuantile975 is the 97.5th percentile of Student's t distribution with
// df degrees of freedom: the factor of a two-sided 95% interval.
func tQuantile975(df int) float64 {
	table := []float64{12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
		2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
		2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042}
	if df >= 1 && df <= len(table) {
		return table[df-1]
	}
	// Beyond: the Cornish-Fisher expansion, within 0.001 of the table.
	const z = 1.959963984540054
	d := float64(df)
	return z + (z*z*z+z)/(4*d) + (5*math.Pow(z, 5)+16*z*z*z+3*z)/(96*d*d)
}

// report estimates every figure over the replications.
func (m *model) report(sc *Scenario, policies []Policy, baseline string, results [][][]summary, arrivals []int) *Report {
	rep := &Report{
		Version: ReportVersion, Scenario: sc.Name, Start: m.start, Horizon: Duration(sc.horizon()),
		Warmup: Duration(sc.warmup()), Replications: len(results), Seed: sc.Seed, Readers: len(m.readers),
		Load: m.load(), Baseline: baseline, Unit: "minutes", Confidence: 0.95,
		Policies: policies, Classes: m.classes,
	}
	for _, n := range arrivals {
		rep.Studies += float64(n) / float64(len(arrivals))
	}
	base := 0
	for i, p := range policies {
		if p.Name == baseline {
			base = i
		}
	}
	col := func(p, c int, f func(summary) float64) []float64 {
		xs := make([]float64, len(results))
		for r := range results {
			xs[r] = f(results[r][p][c])
		}
		return xs
	}
	diff := func(p, c int, f func(summary) float64) []float64 {
		xs := col(p, c, f)
		for r, b := range col(base, c, f) {
			xs[r] -= b
		}
		return xs
	}
	figures := func(get func(p, c int, f func(summary) float64) []float64, p, c int, of func(summary) measures) Figures {
		return Figures{
			Mean: estimate(get(p, c, func(s summary) float64 { return of(s).mean })),
			P50:  estimate(get(p, c, func(s summary) float64 { return of(s).p50 })),
			P95:  estimate(get(p, c, func(s summary) float64 { return of(s).p95 })),
			P99:  estimate(get(p, c, func(s summary) float64 { return of(s).p99 })),
			Max:  estimate(get(p, c, func(s summary) float64 { return of(s).max })),
		}
	}
	wait := func(s summary) measures { return s.wait }
	tat := func(s summary) measures { return s.tat }
	for p, pol := range policies {
		for c, class := range m.classes {
			res := Result{Policy: pol.Name, Class: class,
				N:          *estimate(col(p, c, func(s summary) float64 { return s.n })),
				Unread:     *estimate(col(p, c, func(s summary) float64 { return s.unread })),
				Wait:       figures(col, p, c, wait),
				Turnaround: figures(col, p, c, tat),
			}
			if p != base {
				res.VsBaseline = &Difference{Wait: figures(diff, p, c, wait), Turnaround: figures(diff, p, c, tat)}
			}
			rep.Results = append(rep.Results, res)
		}
	}
	return rep
}

// Result returns the result of policy and class, or nil.
func (r *Report) Result(policy, class string) *Result {
	for i := range r.Results {
		if r.Results[i].Policy == policy && r.Results[i].Class == class {
			return &r.Results[i]
		}
	}
	return nil
}
