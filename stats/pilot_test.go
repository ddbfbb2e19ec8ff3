package stats

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

// pilotStart is the start of the test pilots: Monday 2 November 2026.
var pilotStart = at("2026-11-02 00:00")

// testPilot expects the median completed → final of AI-positive studies
// to fall by 30 min (10 counts), and the p95 of routine AI-negative
// studies to rise by at most 15 min.
func testPilot() *Pilot {
	return &Pilot{
		ID: "pe-triage", Name: "PE triage at ZHWEST", Algorithm: "pe-detect", Sites: []string{"ZHWEST"},
		Start: pilotStart, BaselineDays: 28,
		Primary:  Measure{Statistic: StatMedian, AI: AIPositive},
		Expected: -30, Minimum: -10,
		Safety: []Safety{{Measure: Measure{Statistic: StatP95, Bands: []string{"routine"}, AI: AINegative}, MaxRise: 15}},
	}
}

// cohort makes n reported studies at site ZHWEST ready from first on,
// one every step, each read after the minutes spread over [base, base+
// width) (deterministically), AI-positive or negative.
func cohort(prefix string, n int, first time.Time, step time.Duration, base, width float64, positive bool) []worklist.Turnaround {
	out := make([]worklist.Turnaround, 0, n)
	for i := range n {
		mins := base + width*float64((i*37)%n)/float64(n)
		ready := first.Add(time.Duration(i) * step)
		band := triage.Routine
		if positive {
			band = triage.Urgent
		}
		out = append(out, reported("ZHWEST", fmt.Sprintf("%s%04d", prefix, i), band, ready, time.Duration(mins*float64(time.Minute)),
			func(t *worklist.Turnaround) {
				t.FirstAIAt = ready.Add(time.Minute)
				if positive {
					t.FirstFlagAt = ready.Add(time.Minute)
				}
			}))
	}
	return out
}

func TestEvaluatePilot(t *testing.T) {
	before, during := pilotStart.AddDate(0, 0, -27), pilotStart.Add(time.Hour)
	now := pilotStart.AddDate(0, 0, 27)
	join := func(parts ...[]worklist.Turnaround) []worklist.Turnaround {
		var out []worklist.Turnaround
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	tests := []struct {
		name    string
		facts   []worklist.Turnaround
		verdict string
		text    string
		primary string
		safety  string
	}{
		{
			name: "clear gain, routine work unharmed",
			facts: join(
				cohort("BP", 200, before, 3*time.Hour, 60, 60, true), // median 90 min
				cohort("DP", 200, during, 3*time.Hour, 30, 60, true), // median 60 min
				cohort("BN", 200, before, 3*time.Hour, 100, 100, false),
				cohort("DN", 200, during, 3*time.Hour, 100, 100, false)),
			verdict: ScaleUp, text: "scale up", primary: outcomeReached, safety: outcomeKept,
		},
		{
			name: "gain, but routine AI-negative studies wait far longer",
			facts: join(
				cohort("BP", 200, before, 3*time.Hour, 60, 60, true),
				cohort("DP", 200, during, 3*time.Hour, 30, 60, true),
				cohort("BN", 200, before, 3*time.Hour, 100, 100, false),  // p95 ≈ 195 min
				cohort("DN", 200, during, 3*time.Hour, 160, 100, false)), // p95 ≈ 255 min
			verdict: Stop, text: "stop: a safety measure was breached", primary: outcomeReached, safety: outcomeBreached,
		},
		{
			name: "no gain worth having",
			facts: join(
				cohort("BP", 200, before, 3*time.Hour, 60, 60, true),
				cohort("DP", 200, during, 3*time.Hour, 59, 60, true), // 1 min faster
				cohort("BN", 200, before, 3*time.Hour, 100, 100, false),
				cohort("DN", 200, during, 3*time.Hour, 100, 100, false)),
			verdict: Stop, text: "stop: the effect that counts was not reached", primary: outcomeRuledOut, safety: outcomeKept,
		},
		{
			name: "too little data",
			facts: join(
				cohort("BP", 200, before, 3*time.Hour, 60, 60, true),
				cohort("DP", 12, during, 3*time.Hour, 30, 60, true),
				cohort("BN", 200, before, 3*time.Hour, 100, 100, false),
				cohort("DN", 12, during, 3*time.Hour, 100, 100, false)),
			verdict: MoreData, text: "not enough data yet (n = 12, needed ≈ 30)", primary: outcomeOpen, safety: outcomeOpen,
		},
		{
			name:    "nothing at all",
			verdict: MoreData, text: "not enough data yet (n = 0, needed ≈ 30)", primary: outcomeOpen, safety: outcomeOpen,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := Evaluate(testPilot(), worklist.Facts{tt.facts}, now, &Calendar{})
			if e.Verdict != tt.verdict || e.Text != tt.text {
				t.Errorf("verdict %s %q, want %s %q; reasons:\n%s", e.Verdict, e.Text, tt.verdict, tt.text, strings.Join(e.Reasons, "\n"))
			}
			if e.Primary.Outcome != tt.primary || e.Safety[0].Outcome != tt.safety {
				t.Errorf("primary %s, safety %s; want %s, %s", e.Primary.Outcome, e.Safety[0].Outcome, tt.primary, tt.safety)
			}
			if len(e.Reasons) != 2 {
				t.Errorf("reasons %q, want one a measure", e.Reasons)
			}
			again := Evaluate(testPilot(), worklist.Facts{tt.facts}, now, &Calendar{})
			if fmt.Sprint(again.Primary.Change, again.Safety[0].Change) != fmt.Sprint(e.Primary.Change, e.Safety[0].Change) {
				t.Error("a second reading of the same data gives other intervals")
			}
		})
	}
}

// TestEvaluateFigures: the measures' values equal a hand calculation, and
// the interval holds the change.
func TestEvaluateFigures(t *testing.T) {
	before, during := pilotStart.AddDate(0, 0, -27), pilotStart.Add(time.Hour)
	// Before: 40 studies read after 60..99 min (median 79.5); during: 40
	// after 30..69 min (median 49.5). Change −30.
	var facts []worklist.Turnaround
	for i := range 40 {
		facts = append(facts,
			reported("ZHWEST", fmt.Sprintf("B%d", i), triage.Urgent, before.Add(time.Duration(i)*time.Hour), time.Duration(60+i)*time.Minute, positiveAI),
			reported("ZHWEST", fmt.Sprintf("D%d", i), triage.Urgent, during.Add(time.Duration(i)*time.Hour), time.Duration(30+i)*time.Minute, positiveAI),
			// Another site, and a study before the baseline: left out.
			reported("ZHOOST", fmt.Sprintf("O%d", i), triage.Urgent, during.Add(time.Duration(i)*time.Hour), time.Hour, positiveAI),
		)
	}
	facts = append(facts, reported("ZHWEST", "OLD", triage.Urgent, before.AddDate(0, 0, -2), 10*time.Hour, positiveAI))
	p := testPilot()
	p.Safety = nil
	e := Evaluate(p, worklist.Facts{facts}, pilotStart.AddDate(0, 0, 10), &Calendar{})
	cp := e.Primary
	if cp.NBefore != 40 || cp.NDuring != 40 || *cp.Before != 79.5 || *cp.During != 49.5 || cp.Change.Value != -30 {
		t.Fatalf("before %d %.1f, during %d %.1f, change %+v; want 40 79.5, 40 49.5, -30", cp.NBefore, *cp.Before, cp.NDuring, *cp.During, cp.Change)
	}
	if !(cp.Change.Low < -30 && cp.Change.High > -30 && cp.Change.High < -10) {
		t.Errorf("interval %.1f to %.1f, want around -30 and clear of -10", cp.Change.Low, cp.Change.High)
	}
	if e.Verdict != ScaleUp || !e.Reached || !e.ExpectedReached {
		t.Errorf("%s reached %v expected %v, want scale up, both reached", e.Verdict, e.Reached, e.ExpectedReached)
	}
	if !e.Before.From.Equal(pilotStart.AddDate(0, 0, -28)) || !e.During.To.Equal(pilotStart.AddDate(0, 0, 10)) {
		t.Errorf("periods %+v %+v", e.Before, e.During)
	}
	want := "median completed → final (AI positive): 79.5 before, 49.5 during (n = 40, 40): change -30.0 min"
	if !strings.HasPrefix(e.Reasons[0], want) {
		t.Errorf("reason %q, want it to start %q", e.Reasons[0], want)
	}

	// Due-met, in percent: 30 of 40 before, 38 of 40 during.
	p.Primary = Measure{Statistic: StatDueMet}
	p.Expected, p.Minimum = 10, 2
	for i := range facts {
		f := &facts[i]
		// B0 to B9 and D1, D2 late.
		late := len(f.Accession) == 2 && f.Accession[0] == 'B' || f.Accession == "D1" || f.Accession == "D2"
		f.Due = f.ReportedAt
		if late {
			f.Due = f.ReportedAt.Add(-time.Minute)
		}
	}
	e = Evaluate(p, worklist.Facts{facts}, pilotStart.AddDate(0, 0, 10), &Calendar{})
	if cp := e.Primary; *cp.Before != 75 || *cp.During != 95 || cp.Unit != "percentage points" {
		t.Errorf("due-met %.1f → %.1f %s, want 75 → 95 percentage points", *cp.Before, *cp.During, cp.Unit)
	}
}

func positiveAI(t *worklist.Turnaround) {
	t.FirstAIAt = t.CompletedAt.Add(time.Minute)
	t.FirstFlagAt = t.FirstAIAt
}

func TestEvaluateNotStarted(t *testing.T) {
	e := Evaluate(testPilot(), nil, pilotStart.Add(-time.Hour), &Calendar{})
	if e.Verdict != NotStarted || e.Text != "not started yet (starts 2026-11-02)" {
		t.Errorf("%s %q", e.Verdict, e.Text)
	}
}

func TestPilotCheck(t *testing.T) {
	tests := []struct {
		name string
		mod  func(p *Pilot)
		want string // "" valid
	}{
		{"valid", func(p *Pilot) {}, ""},
		{"no id", func(p *Pilot) { p.ID = "" }, "id must be"},
		{"id with a slash", func(p *Pilot) { p.ID = "a/b" }, "id must be"},
		{"no sites", func(p *Pilot) { p.Sites = nil }, "sites"},
		{"no expectation", func(p *Pilot) { p.Expected = 0 }, "expected"},
		{"minimum of the other sign", func(p *Pilot) { p.Minimum = 5 }, "minimum"},
		{"minimum beyond the expected", func(p *Pilot) { p.Minimum = -40 }, "minimum"},
		{"unknown statistic", func(p *Pilot) { p.Primary.Statistic = "mean" }, "statistic"},
		{"unknown band", func(p *Pilot) { p.Primary.Bands = []string{"soon"} }, "band"},
		{"due-met as safety", func(p *Pilot) { p.Safety[0].Statistic = StatDueMet }, "a safety measure is a time"},
		{"negative allowance", func(p *Pilot) { p.Safety[0].MaxRise = -1 }, "maxRise"},
		{"end before start", func(p *Pilot) { p.End = p.Start.Add(-time.Hour) }, "end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testPilot()
			p.Name = "x"
			tt.mod(p)
			err := p.Check()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("%v, want valid", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrPilot)):
				t.Errorf("%v, want an ErrPilot about %q", err, tt.want)
			}
		})
	}
}

func TestCheckChange(t *testing.T) {
	old := testPilot()
	tests := []struct {
		name string
		now  time.Time
		mod  func(p *Pilot)
		want error
	}{
		{"before the start anything", pilotStart.Add(-time.Minute), func(p *Pilot) { p.Expected = -60 }, nil},
		{"after the start the expectation is frozen", pilotStart, func(p *Pilot) { p.Expected = -60 }, ErrFrozen},
		{"and the safety limits", pilotStart.Add(time.Hour), func(p *Pilot) { p.Safety[0].MaxRise = 60 }, ErrFrozen},
		{"and the start", pilotStart.Add(time.Hour), func(p *Pilot) { p.Start = p.Start.AddDate(0, 0, 7) }, ErrFrozen},
		{"but it may end", pilotStart.AddDate(0, 0, 30), func(p *Pilot) { p.End = pilotStart.AddDate(0, 0, 30) }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testPilot()
			tt.mod(p)
			if err := CheckChange(old, p, tt.now); !errors.Is(err, tt.want) {
				t.Errorf("%v, want %v", err, tt.want)
			}
		})
	}
}
