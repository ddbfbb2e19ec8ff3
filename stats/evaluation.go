package stats

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/voorrang/voorrang/worklist"
)

// Verdicts of a pilot's evaluation.
const (
	ScaleUp    = "scale-up"    // the expected effect is there, and no safety measure was breached
	Stop       = "stop"        // a safety measure was breached, or the effect that counts is ruled out
	MoreData   = "more-data"   // not enough data yet
	NotStarted = "not-started" // the pilot has not started
)

// Evaluation settings: every measure needs MinN studies in each period
// before it decides anything; the intervals are 95% percentile bootstrap
// intervals of Resamples resamples.
const (
	MinN      = 30
	Resamples = 1000
)

// An Evaluation is the report of a pilot: each measure before and during,
// and the verdict in plain words.
type Evaluation struct {
	Pilot *Pilot `json:"pilot"`
	// Before is the baseline period, During the pilot's up to its end or
	// now.
	Before Span `json:"before"`
	During Span `json:"during"`
	// Verdict is ScaleUp, Stop, MoreData or NotStarted; Text says it as
	// "scale up", "stop" or "not enough data yet (n = 42, needed ≈ 180)".
	Verdict string `json:"verdict"`
	Text    string `json:"text"`
	// Reasons say, a sentence a measure, what the verdict rests on.
	Reasons []string `json:"reasons"`
	// Reached says whether the effect that counts (Minimum) was shown,
	// ExpectedReached whether the estimate reached the effect expected.
	Reached         bool         `json:"reached"`
	ExpectedReached bool         `json:"expectedReached"`
	Primary         Comparison   `json:"primary"`
	Safety          []Comparison `json:"safety"`
}

// A Span is a period.
type Span struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// A Comparison is one measure before and during the pilot.
type Comparison struct {
	Name string `json:"name"`
	Unit string `json:"unit"`
	// NBefore and NDuring count the studies measured; Before and During
	// are the measure's values (nil without studies).
	NBefore int      `json:"nBefore"`
	NDuring int      `json:"nDuring"`
	Before  *float64 `json:"before"`
	During  *float64 `json:"during"`
	// Change is During − Before, with its 95% bootstrap interval (nil
	// with fewer than MinN studies in either period).
	Change *Estimate `json:"change"`
	// Limit is the change that counts (primary: Minimum) or the largest
	// rise allowed (safety: MaxRise).
	Limit float64 `json:"limit"`
	// Outcome: for the primary "reached", "ruled-out" or "open"; for a
	// safety measure "kept", "breached" or "open".
	Outcome string `json:"outcome"`
	// Needed estimates how many studies during the pilot would decide an
	// open measure (0 when decided).
	Needed int `json:"needed,omitempty"`
}

// An Estimate is a value with its 95% confidence interval.
type Estimate struct {
	Value float64 `json:"value"`
	Low   float64 `json:"low"`
	High  float64 `json:"high"`
}

// Outcomes of a comparison.
const (
	outcomeReached  = "reached"
	outcomeRuledOut = "ruled-out"
	outcomeKept     = "kept"
	outcomeBreached = "breached"
	outcomeOpen     = "open"
)

// Evaluate reports pilot p over the facts at now. facts must hold the
// studies closed in the baseline and since the start (more does no harm).
//
// The verdict:
//   - "stop" when a safety measure rose by more than its MaxRise and the
//     rise is not chance (its interval lies above 0), or when the interval
//     of the primary change lies wholly short of Minimum: the effect that
//     counts is ruled out;
//   - "scale up" when the interval of the primary change lies wholly
//     beyond Minimum, and every safety measure's interval lies below its
//     MaxRise;
//   - else "not enough data yet", with the number of studies during the
//     pilot that the open measures need, estimated from how the interval
//     narrows (as 1/√n).
//
// Resampling is seeded by the pilot's ID, so a report does not change
// from one reading to the next without new data.
func Evaluate(p *Pilot, facts worklist.Facts, now time.Time, c *Calendar) Evaluation {
	e := Evaluation{Pilot: p, Reasons: []string{}, Safety: []Comparison{}}
	e.Before, e.During = p.Periods(now)
	rng := rand.New(rand.NewPCG(seedOf(p.ID), 0x5ee7))

	dir := math.Copysign(1, p.Expected)
	e.Primary = compare(&p.Primary, p, facts, e.Before, e.During, c, rng)
	e.Primary.Limit = p.Minimum
	if ch := e.Primary.Change; ch != nil {
		lo, hi := ch.Low*dir, ch.High*dir // in the direction hoped for
		target := p.Minimum * dir
		switch {
		case lo >= target:
			e.Primary.Outcome = outcomeReached
		case hi < target:
			e.Primary.Outcome = outcomeRuledOut
		default:
			e.Primary.Outcome = outcomeOpen
			e.Primary.Needed = needed(e.Primary.NDuring, (hi-lo)/2, math.Abs(ch.Value*dir-target), math.Abs(p.Expected-p.Minimum))
		}
		e.Reached = e.Primary.Outcome == outcomeReached
		e.ExpectedReached = ch.Value*dir >= p.Expected*dir
	} else {
		e.Primary.Outcome = outcomeOpen
		e.Primary.Needed = MinN
	}
	for i := range p.Safety {
		s := &p.Safety[i]
		cp := compare(&s.Measure, p, facts, e.Before, e.During, c, rng)
		cp.Limit = s.MaxRise
		switch ch := cp.Change; {
		case ch == nil:
			cp.Outcome, cp.Needed = outcomeOpen, MinN
		case ch.Value > s.MaxRise && ch.Low > 0:
			cp.Outcome = outcomeBreached
		case ch.High <= s.MaxRise:
			cp.Outcome = outcomeKept
		default:
			cp.Outcome = outcomeOpen
			cp.Needed = needed(cp.NDuring, (ch.High-ch.Low)/2, math.Abs(s.MaxRise-ch.Value), max(s.MaxRise, 1))
		}
		e.Safety = append(e.Safety, cp)
	}
	e.verdict(p, now, c.Zone(""))
	return e
}

// Periods returns the baseline before the pilot and its period up to
// its end or now.
func (p *Pilot) Periods(now time.Time) (before, during Span) {
	before = Span{From: p.Start.AddDate(0, 0, -p.Baseline()), To: p.Start}
	end := now
	if !p.End.IsZero() && p.End.Before(end) {
		end = p.End
	}
	return before, Span{From: p.Start, To: later(end, p.Start)}
}

// verdict sets the verdict from the outcomes, and the reasons.
func (e *Evaluation) verdict(p *Pilot, now time.Time, loc *time.Location) {
	if !p.Started(now) {
		e.Verdict, e.Text = NotStarted, "not started yet (starts "+p.Start.In(loc).Format(time.DateOnly)+")"
		return
	}
	e.Reasons = append(e.Reasons, e.Primary.sentence("expected "+p.Primary.amount(p.Expected)+", at least "+p.Primary.amount(p.Minimum)+" counts"))
	breached, open := false, e.Primary.Outcome == outcomeOpen
	need := e.Primary.Needed
	for i, s := range e.Safety {
		e.Reasons = append(e.Reasons, s.sentence("may rise by at most "+p.Safety[i].amount(p.Safety[i].MaxRise)))
		breached = breached || s.Outcome == outcomeBreached
		if s.Outcome == outcomeOpen {
			open = true
			need = max(need, s.Needed)
		}
	}
	n := e.Primary.NDuring
	for _, s := range e.Safety {
		n = min(n, s.NDuring)
	}
	switch {
	case breached:
		e.Verdict, e.Text = Stop, "stop: a safety measure was breached"
	case e.Primary.Outcome == outcomeRuledOut:
		e.Verdict, e.Text = Stop, "stop: the effect that counts was not reached"
	case open:
		e.Verdict, e.Text = MoreData, fmt.Sprintf("not enough data yet (n = %d, needed ≈ %d)", n, max(need, n+1))
	default:
		e.Verdict, e.Text = ScaleUp, "scale up"
	}
}

// sentence says a comparison in words.
func (cp *Comparison) sentence(limit string) string {
	unit := " min"
	if cp.Unit != "minutes" {
		unit = " points"
	}
	f := func(v float64) string { return fmt.Sprintf("%+.1f%s", v, unit) }
	if cp.Change == nil {
		return fmt.Sprintf("%s: too few studies (%d before, %d during; %d each needed); %s.", cp.Name, cp.NBefore, cp.NDuring, MinN, limit)
	}
	return fmt.Sprintf("%s: %.1f before, %.1f during (n = %d, %d): change %s (95%% CI %s to %s); %s: %s.",
		cp.Name, *cp.Before, *cp.During, cp.NBefore, cp.NDuring, f(cp.Change.Value), f(cp.Change.Low), f(cp.Change.High), limit, cp.Outcome)
}

// compare measures m before and during.
func compare(m *Measure, p *Pilot, facts worklist.Facts, before, during Span, c *Calendar, rng *rand.Rand) Comparison {
	b := m.values(facts, p.Sites, before.From, before.To, c)
	d := m.values(facts, p.Sites, during.From, during.To, c)
	cp := Comparison{Name: m.Name(), Unit: m.Unit(), NBefore: len(b), NDuring: len(d)}
	stat := m.statistic()
	if len(b) > 0 {
		v := stat(b, nil)
		cp.Before = &v
	}
	if len(d) > 0 {
		v := stat(d, nil)
		cp.During = &v
	}
	if len(b) < MinN || len(d) < MinN {
		return cp
	}
	diffs := make([]float64, Resamples)
	cb, cd := make([]int, len(b)), make([]int, len(d))
	for i := range diffs {
		diffs[i] = stat(d, resample(rng, cd)) - stat(b, resample(rng, cb))
	}
	slices.Sort(diffs)
	cp.Change = &Estimate{Value: *cp.During - *cp.Before, Low: percentile(diffs, 2.5), High: percentile(diffs, 97.5)}
	return cp
}

// resample draws len(counts) indices with replacement and returns how
// often each was drawn.
func resample(rng *rand.Rand, counts []int) []int {
	clear(counts)
	for range counts {
		counts[rng.IntN(len(counts))]++
	}
	return counts
}

// statistic returns the function that computes m's statistic of sorted
// values xs, each drawn counts[i] times (once each when counts is nil).
// Resamples are counted, not sorted: a percentile walks the counts.
func (m *Measure) statistic() func(xs []float64, counts []int) float64 {
	if m.Statistic == StatDueMet {
		return func(xs []float64, counts []int) float64 {
			sum := 0.0
			for i, x := range xs {
				if counts == nil {
					sum += x
				} else {
					sum += x * float64(counts[i])
				}
			}
			return sum / float64(len(xs))
		}
	}
	p := map[string]float64{StatMedian: 50, StatP90: 90, StatP95: 95}[m.Statistic]
	return func(xs []float64, counts []int) float64 {
		if counts == nil {
			return percentile(xs, p)
		}
		h := float64(len(xs)-1) * p / 100
		lo := int(math.Floor(h))
		a, b := rankOf(xs, counts, lo), rankOf(xs, counts, min(lo+1, len(xs)-1))
		return a + (h-float64(lo))*(b-a)
	}
}

// rankOf returns the value at rank r (from 0) of the sorted values xs
// drawn counts times each.
func rankOf(xs []float64, counts []int, r int) float64 {
	seen := 0
	for i, n := range counts {
		seen += n
		if seen > r {
			return xs[i]
		}
	}
	return xs[len(xs)-1]
}

// needed estimates the studies during a pilot that narrow an interval of
// half-width half, from n studies, to gap (the distance of the estimate
// from the limit it is to clear; fallback when the estimate sits on it).
func needed(n int, half, gap, fallback float64) int {
	if gap < half/20 {
		gap = math.Max(gap, fallback/2)
	}
	if gap <= 0 || half <= 0 {
		return max(n+1, MinN)
	}
	v := float64(n) * (half / gap) * (half / gap)
	if v > 1e7 {
		v = 1e7
	}
	return max(int(math.Ceil(v)), n+1, MinN)
}

func seedOf(id string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(id))
	return h.Sum64()
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
