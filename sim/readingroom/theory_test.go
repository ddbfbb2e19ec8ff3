package readingroom

import (
	"context"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/voorrang/voorrang/triage"
)

// The simulator against queueing theory. Each test runs a model long
// enough that its confidence intervals are narrow, and asserts that the
// closed form lies within the statistical error of the estimate: 3.5
// standard errors (a correct simulator fails such a test once in about
// 2,000 seeds; the seeds are fixed, so the outcome is too), plus 0.5% of
// the value for the histogram the percentiles are read from (buckets are
// 0.4% wide).

// mmc is an M/M/c reading room: Poisson arrivals of lambda studies an
// hour, exponential reading times with mean read, c readers always on
// duty, one section, FIFO; 10 replications of about 20,000 studies (the
// tests run in seconds under the race detector).
func mmc(lambda float64, read time.Duration, c int) *Scenario {
	return &Scenario{
		Horizon:      Duration(time.Duration(20_000/lambda) * time.Hour),
		Warmup:       Duration(2 * 24 * time.Hour),
		Replications: 10,
		Seed:         7,
		Arrivals:     Arrivals{PerDay: lambda * 24},
		Mix:          []Kind{{Share: 1, Modality: "CT"}},
		Reading:      map[string]Reading{"*": {Dist: "exponential", Mean: Duration(read)}},
		Readers:      []Readers{{Count: c}},
		Policies:     []string{FIFO},
	}
}

// erlangC is the probability that a study waits in an M/M/c queue with
// offered load a = λ/μ.
func erlangC(c int, a float64) float64 {
	term, sum := 1.0, 0.0
	for k := range c {
		if k > 0 {
			term *= a / float64(k)
		}
		sum += term
	}
	last := term * a / float64(c) * float64(c) / (float64(c) - a) // a^c/c! · c/(c−a)
	return last / (sum + last)
}

// agree fails t unless want lies within the statistical error of got.
func agree(t *testing.T, what string, got *Estimate, want float64) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s: no estimate", what)
	}
	se := (got.High - got.Value) / tQuantile975(9)
	tol := 3.5*se + 0.005*math.Abs(want)
	if math.Abs(got.Value-want) > tol {
		t.Errorf("%s = %.3f [%.3f, %.3f], theory %.3f: off by %.3f, more than %.3f", what, got.Value, got.Low, got.High, want, got.Value-want, tol)
	} else {
		t.Logf("%s = %.3f [%.3f, %.3f], theory %.3f", what, got.Value, got.Low, got.High, want)
	}
}

func mustRun(t *testing.T, sc *Scenario, opts Options) *Report {
	t.Helper()
	rep, err := Run(context.Background(), sc, opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestErlangC compares FIFO waits in M/M/1 and M/M/c with the closed
// forms: the mean wait C/(cμ−λ), and the wait's distribution
// P(W > t) = C·e^−(cμ−λ)t through its median, 95th and 99th percentiles.
func TestErlangC(t *testing.T) {
	tests := []struct {
		name   string
		lambda float64 // studies an hour
		read   time.Duration
		c      int
		seed   uint64
	}{
		{"M/M/1 at 70%", 6, 7 * time.Minute, 1, 1},
		{"M/M/3 at 85%", 17, 9 * time.Minute, 3, 2},
		{"M/M/10 at 90%", 54, 10 * time.Minute, 10, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := mmc(tt.lambda, tt.read, tt.c)
			sc.Seed = tt.seed
			rep := mustRun(t, sc, Options{})
			mu := 60 / tt.read.Minutes() // readings an hour per reader
			a := tt.lambda / mu
			C := erlangC(tt.c, a)
			rate := (float64(tt.c)*mu - tt.lambda) / 60 // per minute
			quantile := func(q float64) float64 {
				if q <= 1-C {
					return 0
				}
				return math.Log(C/(1-q)) / rate
			}
			all := rep.Result(FIFO, "all")
			agree(t, "mean wait", all.Wait.Mean, C/rate)
			agree(t, "median wait", all.Wait.P50, quantile(0.5))
			agree(t, "p95 wait", all.Wait.P95, quantile(0.95))
			agree(t, "p99 wait", all.Wait.P99, quantile(0.99))
			agree(t, "mean turnaround", all.Turnaround.Mean, C/rate+tt.read.Minutes())
			if want := a / float64(tt.c); math.Abs(rep.Load-want) > 1e-9 {
				t.Errorf("load %v, want %v", rep.Load, want)
			}
		})
	}
}

// TestCobham compares non-preemptive priority with Cobham's formula: with
// classes read in order of priority, each first come first served, class
// k waits C(c,a) / (cμ (1−σ_{k−1})(1−σ_k)) on average, σ_k the load of
// the classes up to k. The policy "priority" reads STAT orders (the
// urgent class) before routine ones.
func TestCobham(t *testing.T) {
	tests := []struct {
		name   string
		lambda float64 // studies an hour
		stat   float64 // share of STAT orders
		read   time.Duration
		c      int
		seed   uint64
	}{
		{"M/M/1 at 80%, 30% STAT", 6, 0.3, 8 * time.Minute, 1, 11},
		{"M/M/3 at 90%, 40% STAT", 18, 0.4, 9 * time.Minute, 3, 12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := mmc(tt.lambda, tt.read, tt.c)
			sc.Seed = tt.seed
			sc.Mix = []Kind{{Share: tt.stat, Modality: "CT", Priority: "S"}, {Share: 1 - tt.stat, Modality: "CT", Priority: "R"}}
			sc.Policies = []string{OrderPriority}
			rep := mustRun(t, sc, Options{})
			mu := 60 / tt.read.Minutes()
			cmu := float64(tt.c) * mu
			a := tt.lambda / mu
			w0 := erlangC(tt.c, a) / cmu * 60 // minutes
			s1 := tt.stat * tt.lambda / cmu
			s2 := tt.lambda / cmu
			agree(t, "STAT mean wait", rep.Result(OrderPriority, "urgent").Wait.Mean, w0/(1-s1))
			agree(t, "routine mean wait", rep.Result(OrderPriority, "routine").Wait.Mean, w0/((1-s1)*(1-s2)))
			agree(t, "mean wait of all", rep.Result(OrderPriority, "all").Wait.Mean, w0/(1-s2))
		})
	}
}

// TestConservation checks the conservation law: when reading times do not
// depend on the class, every non-preemptive policy that never idles a
// reader while work waits has the same mean wait over all studies. With
// the same studies under every policy, the paired difference from FIFO
// must be zero within its error, while the classes' waits differ.
func TestConservation(t *testing.T) {
	sc := mmc(12, 9*time.Minute, 2) // 90%
	sc.Seed = 21
	sc.Horizon /= 2 // five policies: half as long
	sc.Mix = []Kind{
		{Share: 2, Modality: "CT", Procedure: "CT head", Priority: "S", PatientClass: "E", Algorithms: []string{"aidoc-ich"}},
		{Share: 3, Modality: "CT", Procedure: "CT thorax", Priority: "R", PatientClass: "I", Algorithms: []string{"aidoc-pe"}},
		{Share: 4, Modality: "CT", Procedure: "CT thorax", Priority: "R", PatientClass: "O", Algorithms: []string{"aidoc-pe"}},
		{Share: 1, Modality: "CT", Procedure: "CT abdomen", Priority: "A", PatientClass: "I"},
	}
	sc.Algorithms = []Algorithm{
		{ID: "aidoc-ich", Finding: "ICH", Prevalence: 0.1, Sensitivity: 0.9, Specificity: 0.9},
		{ID: "aidoc-pe", Finding: "PE", Prevalence: 0.05, Sensitivity: 0.9, Specificity: 0.9},
	}
	sc.Policies = nil // all five
	rep := mustRun(t, sc, Options{})
	for _, p := range rep.Policies[1:] {
		d := rep.Result(p.Name, "all").VsBaseline.Wait.Mean
		agree(t, p.Name+" − fifo, mean wait of all", d, 0)
	}
	// The law holds for all studies, not for each class: AI-first reads
	// flagged studies far sooner than FIFO does.
	if d := rep.Result(AIFirst, "flagged").VsBaseline.Wait.Mean; d.High >= 0 {
		t.Errorf("ai-first − fifo, flagged: %.1f [%.1f, %.1f] min, want clearly below zero", d.Value, d.Low, d.High)
	}
}

// limitRules give STAT and routine orders the same time to be read, one
// second, so that escalating routine work as soon as it is due reads
// everything in order of arrival.
const limitRules = `
rules:
  - {name: stat, when: {priority: S}, band: urgent, within: 1s}
otherwise: {band: routine, within: 1s}
`

func policy(t *testing.T, name, rules string) Policy {
	t.Helper()
	r, err := triage.ParseRules([]byte(rules))
	if err != nil {
		t.Fatal(err)
	}
	return Policy{Name: name, Rules: r}
}

// TestEscalationLimits checks the limit cases of escalation: a limit of
// zero reads in order of arrival (FIFO), an infinite one as if there were
// no escalation, which, with half the studies STAT at 90% load, makes
// routine studies wait far longer than FIFO.
func TestEscalationLimits(t *testing.T) {
	sc := mmc(6, 9*time.Minute, 1)
	sc.Seed = 31
	sc.Mix = []Kind{{Share: 1, Modality: "CT", Priority: "S"}, {Share: 1, Modality: "CT", Priority: "R"}}
	sc.Policies = []string{FIFO}
	esc := func(after string) string {
		return limitRules + "escalation:\n  - {name: routine, band: routine, after: " + after + "}\n"
	}
	rep := mustRun(t, sc, Options{Extra: []Policy{
		policy(t, "limit 0", esc("0m")),
		policy(t, "no escalation", limitRules),
		policy(t, "limit 100 years", esc("36500d")),
	}})
	for _, class := range []string{"all", "urgent", "routine"} {
		d := rep.Result("limit 0", class).VsBaseline.Wait
		agree(t, "limit 0 − fifo, mean wait of "+class, d.Mean, 0)
		agree(t, "limit 0 − fifo, p99 wait of "+class, d.P99, 0)
		none, inf := rep.Result("no escalation", class), rep.Result("limit 100 years", class)
		if !reflect.DeepEqual(none.Wait, inf.Wait) || !reflect.DeepEqual(none.Turnaround, inf.Turnaround) {
			t.Errorf("%s: limit 100 years %+v, no escalation %+v; want the same", class, *inf.Wait.Mean, *none.Wait.Mean)
		}
	}
	if d := rep.Result("no escalation", "routine").VsBaseline.Wait.Mean; d.Low <= 0 {
		t.Errorf("no escalation − fifo, routine: %.1f [%.1f, %.1f] min, want clearly above zero", d.Value, d.Low, d.High)
	}
}
