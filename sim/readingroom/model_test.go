package readingroom

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

// TestRanksAreTriage checks that the simulator ranks a study exactly as the
// worklist does: for random studies of every kind, AI outcome and time,
// the place it takes is triage.Score of what the rules say at that time,
// escalations included.
func TestRanksAreTriage(t *testing.T) {
	sc := loadScenario(t, "testdata/large.yaml")
	site, err := triage.ParseRules([]byte(strings.Replace(string(triage.DefaultRulesYAML()), "after: 4h", "after: 2h", 1)))
	if err != nil {
		t.Fatal(err)
	}
	policies, err := sc.policies(site, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := compile(sc, site)
	rng := rand.New(rand.NewPCG(1, 2))
	escalated := 0
	for _, p := range policies {
		tab := m.table(p.Rules)
		for range 4000 {
			k := rng.IntN(len(m.kinds))
			km := &m.kinds[k]
			arrive := rng.Int64N(m.horizon)
			now := arrive + rng.Int64N(10*86_400_000)
			flags := 0
			if km.delay >= 0 {
				flags = rng.IntN(1 << len(km.algs))
			}
			r := &run{m: m, studies: []study{{arrive: arrive, kind: uint16(k), flags: uint8(flags)}}}
			got, _ := tab.entries[r.state(0, now)].keyAt(arrive, now)

			f := km.facts
			f.CompletedAt = m.start.Add(time.Duration(arrive) * time.Millisecond)
			f.OrderedAt = f.CompletedAt.Add(-time.Duration(km.lead) * time.Millisecond)
			if km.delay >= 0 && now >= arrive+km.delay {
				for j, a := range km.algs {
					alg := &m.algs[a]
					f.Findings = append(f.Findings, triage.Finding{Code: alg.finding, Positive: flags&(1<<j) != 0,
						Confidence: alg.conf, Algorithm: triage.Algorithm{ID: alg.id}})
				}
			}
			rank := p.Rules.Rank(f, m.start.Add(time.Duration(now)*time.Millisecond))
			if want := triage.Score(rank); got != want {
				t.Fatalf("%s: %s arriving at %d ms, ranked at %d ms: score %d, triage says %d (%v due %v)",
					p.Name, sc.Mix[k].Name, arrive, now, got, want, rank.Band, rank.Due)
			}
			if len(rank.Reasons) > 0 && rank.Reasons[0].Code == triage.ReasonEscalated {
				escalated++
			}
		}
	}
	if escalated == 0 {
		t.Error("no study was escalated: the test does not cover escalations")
	}
}

// TestReadingOrderIsTheWorklists checks that the simulator's order of
// studies is the worklist's (worklist.Place.Compare): by score, then by
// accession, which the simulator numbers in order of arrival.
func TestReadingOrderIsTheWorklists(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	place := func(x item) worklist.Place {
		return worklist.Place{Score: x.key, Site: "ZH", Accession: fmt.Sprintf("A%09d", x.study)}
	}
	for range 20_000 {
		a := item{key: 2e13 + rng.Int64N(5), study: rng.Int32N(1e9)}
		b := item{key: 2e13 + rng.Int64N(5), study: rng.Int32N(3)}
		if rng.IntN(5) == 0 {
			b.study = a.study
		}
		want := place(a).Compare(place(b)) < 0
		if got := a.before(b); got != want {
			t.Fatalf("%+v before %+v = %v, worklist says %v", a, b, got, want)
		}
	}
	// And the heap yields them in that order.
	var q queue
	var all []item
	for i := range 1000 {
		x := item{key: rng.Int64N(50), study: int32(i)}
		q.push(x)
		all = append(all, x)
	}
	for i := 1; len(q) > 0; i++ {
		x := q.pop()
		for _, y := range all {
			if y.before(x) && y.ver == 0 {
				t.Fatalf("pop %d: %+v came before %+v", i, x, y)
			}
		}
		for j := range all {
			if all[j] == x {
				all[j].ver = 1 // popped
			}
		}
		if i > 100 {
			break // the first 100 suffice; the rest is the same code
		}
	}
}

// TestShiftsAndSections follows studies done in the evening, read only by
// day readers of their own section, through a summer-time change.
func TestShiftsAndSections(t *testing.T) {
	evening := make([][]float64, 7)
	for d := range evening {
		evening[d] = make([]float64, 24)
		evening[d][20] = 6 // 20:00–21:00
	}
	sc := &Scenario{
		Start:        time.Date(2026, 3, 23, 0, 0, 0, 0, time.UTC), // Monday; summer time starts on Sunday the 29th
		Horizon:      Duration(14 * 24 * time.Hour),
		Warmup:       -1,
		Replications: 2,
		Arrivals:     Arrivals{Rates: evening},
		Mix: []Kind{
			{Share: 1, Modality: "CT", PatientClass: "I", Section: "neuro"},
			{Share: 1, Modality: "CT", PatientClass: "O", Section: "abdomen"},
		},
		Reading:  map[string]Reading{"*": {Dist: "fixed", Mean: Duration(time.Minute)}},
		Readers:  []Readers{{Sections: []string{"neuro"}, Shifts: []Shift{{Days: "Mon-Fri", From: "08:00", To: "17:00"}}}},
		Policies: []string{FIFO},
	}
	rep := mustRun(t, sc, Options{})
	neuro := rep.Result(FIFO, "patient-class:I")
	// Done between 20:00 and 21:00, read from 08:00 the next weekday: 11
	// to 12 hours, and over a weekend 2 days more.
	if p50 := neuro.Wait.P50.Value / 60; p50 < 11 || p50 > 12.1 {
		t.Errorf("median wait %.2f h, want 11 to 12 h", p50)
	}
	if mx := neuro.Wait.Max.Value / 60; mx < 59 || mx > 60.1 {
		t.Errorf("longest wait %.2f h, want Friday 20:00 to Monday 08:00 (60 h)", mx)
	}
	if neuro.Unread.Value != 0 {
		t.Errorf("%v neuro studies unread", neuro.Unread.Value)
	}
	abdomen := rep.Result(FIFO, "patient-class:O")
	if abdomen.N.Value != 0 || abdomen.Unread.Value == 0 {
		t.Errorf("abdomen: %v read, %v unread; nobody reads abdomen", abdomen.N.Value, abdomen.Unread.Value)
	}
	// The zone: the same scenario in Amsterdam time moves the shifts with
	// summer time; the studies still wait 11 to 12 hours.
	sc.TimeZone = "Europe/Amsterdam"
	sc.Start = time.Time{}
	rep = mustRun(t, sc, Options{})
	if p50 := rep.Result(FIFO, "patient-class:I").Wait.P50.Value / 60; p50 < 11 || p50 > 12.1 {
		t.Errorf("in Amsterdam: median wait %.2f h, want 11 to 12 h", p50)
	}
}

// TestCommonRandomNumbers checks that every policy reads the same studies
// in each replication, that a run is repeatable, and that it does not
// depend on how many replications run at once.
func TestCommonRandomNumbers(t *testing.T) {
	sc := loadScenario(t, "testdata/large.yaml")
	sc.Horizon = Duration(5 * 24 * time.Hour)
	sc.Warmup = Duration(24 * time.Hour)
	sc.Replications = 3
	one := mustRun(t, sc, Options{Workers: 1})
	four := mustRun(t, sc, Options{Workers: 4})
	if !reflect.DeepEqual(one, four) {
		t.Error("1 worker and 4 workers give different reports")
	}
	for _, class := range one.Classes {
		base := one.Result(FIFO, class)
		for _, p := range one.Policies {
			r := one.Result(p.Name, class)
			if r.N.Value+r.Unread.Value != base.N.Value+base.Unread.Value || r.N.Low+r.Unread.Low != base.N.Low+base.Unread.Low {
				t.Errorf("%s, %s: %v studies, fifo %v: policies see different studies", p.Name, class, r.N, base.N)
			}
		}
	}
	sc.Seed++
	other := mustRun(t, sc, Options{})
	if other.Studies == one.Studies {
		t.Error("another seed draws the same studies")
	}
}

func TestHistogram(t *testing.T) {
	for _, v := range []int64{0, 1, 255, 256, 257, 511, 512, 1000, 123456, 86_400_000, 1 << 41} {
		b := bucket(v)
		got := bucketValue(b)
		if math.Abs(got-float64(v)) > float64(v)/256+0.5 {
			t.Errorf("bucket(%d) = %d, worth %v: off by more than 0.4%%", v, b, got)
		}
		if b > 0 && bucket(v) < bucket(v-1) {
			t.Errorf("bucket(%d) < bucket(%d)", v, v-1)
		}
	}
	var a accumulator
	a.hist = make([]uint32, histBuckets)
	for v := int64(1); v <= 100; v++ {
		a.add(v, bucket(v))
	}
	m := a.measures(100)
	want := measures{mean: 50.5, p50: 50, p95: 95, p99: 99, max: 100}
	for _, x := range []*float64{&want.mean, &want.p50, &want.p95, &want.p99, &want.max} {
		*x /= msPerMinute
	}
	if m != want {
		t.Errorf("measures of 1..100 ms = %+v, want %+v", m, want)
	}
}

func TestEstimate(t *testing.T) {
	e := estimate([]float64{1, 2, 3, 4, math.NaN()})
	// mean 2.5, sd 1.29, t(3) 3.182: ±2.054
	if math.Abs(e.Value-2.5) > 1e-9 || math.Abs(e.High-2.5-3.182*math.Sqrt(5.0/3)/2) > 1e-9 {
		t.Errorf("estimate = %+v", e)
	}
	if estimate([]float64{math.NaN()}) != nil {
		t.Error("estimate of nothing is not nil")
	}
	for _, tt := range []struct {
		df   int
		want float64
	}{{1, 12.706}, {19, 2.093}, {30, 2.042}, {40, 2.021}, {60, 2.000}, {120, 1.980}} {
		if got := tQuantile975(tt.df); math.Abs(got-tt.want) > 0.001 {
			t.Errorf("t(%d) = %.4f, want %.3f", tt.df, got, tt.want)
		}
	}
}

func TestParseScenarioErrors(t *testing.T) {
	valid := `
arrivals: {perDay: 100}
mix: [{share: 1, modality: CT}]
reading: {CT: {median: 5m, p90: 10m}}
readers:
  - {count: 2}
`
	if _, err := ParseScenario([]byte(valid)); err != nil {
		t.Fatalf("valid scenario: %v", err)
	}
	tests := []struct{ name, yaml, want string }{
		{"unknown key", valid + "readres: []\n", `field readres not found`},
		{"no reading time", strings.Replace(valid, "{CT:", "{MR:", 1), `no reading time for modality "CT"`},
		{"bad shift", valid + "  - {shifts: [{from: '8', to: '17:00'}]}\n", `want a time of day like 08:00`},
		{"bad days", valid + "  - {shifts: [{days: Mon-Fry, from: '08:00', to: '17:00'}]}\n", `days "Mon-Fry"`},
		{"unknown section", valid + "  - {sections: [neuro]}\n", `no study of the mix is read by section "neuro"`},
		{"unknown algorithm", strings.Replace(valid, "modality: CT}", "modality: CT, algorithms: [x]}", 1), `algorithm "x" is not under algorithms`},
		{"sensitivity", valid + "algorithms: [{id: x, finding: X, prevalence: 0.1, sensitivity: 1.5, specificity: 0.9}]\n", `sensitivity 1.5: want 0 to 1`},
		{"policy", valid + "policies: [fifo, magic]\n", `unknown policy "magic"`},
		{"one replication", valid + "replications: 1\n", `replications 1: want 2 to 200`},
		{"rates shape", strings.Replace(valid, "{perDay: 100}", "{rates: [[1, 2]]}", 1), `want 7 days of 24 hours`},
		{"lognormal", strings.Replace(valid, "p90: 10m", "p90: 1m", 1), `lognormal wants median > 0 and p90 ≥ median`},
		{"horizon", valid + "horizon: 3000d\n", `horizon 3000d: want up to 5 years`},
		{"drain", valid + "drain: 3650d\n", `drain 3650d: want up to 366d`},
		{"not a number of days", valid + "horizon: NaNd\n", `bad duration "NaNd"`},
		{"reading twice", strings.Replace(valid, "{CT:", "{ct: {median: 5m, p90: 10m}, CT:", 1), `reading: modality "ct" given twice (as "CT" too)`},
		{"shares beyond measure", strings.Replace(valid, "[{share: 1, modality: CT}]", "[{share: 1e308, modality: CT}, {share: 1e308, modality: CT}]", 1), `the shares add up to +Inf`},
		{"too many studies", strings.Replace(valid, "perDay: 100", "perDay: 100000", 1) + "horizon: 1000d\n", `100000000 studies arrive in a replication, more than 10000000`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseScenario([]byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseScenario error %v, want %q", err, tt.want)
			}
		})
	}
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, loadScenario(t, "testdata/large.yaml"), Options{}); err == nil {
		t.Error("a cancelled run succeeded")
	}
}

// TestParseScenarioOverlays: an overlay's keys replace the scenario's, so
// a scenario made from records can be tried with another roster; a typo in
// an overlay is refused as in a scenario.
func TestParseScenarioOverlays(t *testing.T) {
	base := `
name: base
arrivals: {perDay: 100}
mix: [{share: 1, modality: CT, section: neuro}]
reading: {CT: {median: 5m, p90: 10m}}
readers: [{count: 2}]
`
	roster := "readers:\n  - {name: thin, sections: [neuro], shifts: [{from: '08:00', to: '17:00'}]}\n"
	sc, err := ParseScenario([]byte(base), []byte(roster), []byte("horizon: 30d\n"))
	if err != nil {
		t.Fatal(err)
	}
	if sc.Name != "base" || len(sc.Readers) != 1 || sc.Readers[0].Name != "thin" || sc.Horizon != Duration(30*24*time.Hour) || sc.Arrivals.PerDay != 100 {
		t.Errorf("scenario with overlays: %+v", sc)
	}
	if _, err := ParseScenario([]byte(base), []byte("readres: []\n")); err == nil || !strings.Contains(err.Error(), "overlay 1: yaml: unmarshal errors:\n  line 1: field readres not found") {
		t.Errorf("overlay with a typo: %v", err)
	}
	if _, err := ParseScenario([]byte(base), []byte("readers: [{sections: [chest]}]\n")); err == nil || !strings.Contains(err.Error(), `section "chest"`) {
		t.Errorf("overlay naming no section of the mix: %v", err)
	}
}
