package stats

import (
	"math"
	"slices"

	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

// An AIPerformance is how one algorithm did at one site (or all sites),
// from the turnaround records of the studies it sent results for.
type AIPerformance struct {
	Algorithm string   `json:"algorithm"`
	Site      string   `json:"site"` // "all" for the algorithm's total
	Versions  []string `json:"versions"`
	// Results counts the studies it sent a result for, Positive those it
	// flagged (at any time), PositiveRate their share.
	Results      int      `json:"results"`
	Positive     int      `json:"positive"`
	PositiveRate *float64 `json:"positiveRate"`
	// Of the flagged studies, the readers' verdicts: a study is confirmed
	// when more readers agreed than disagreed, refuted when more
	// disagreed; ties and "not assessable" only count in Assessed and
	// NotAssessable.
	Confirmed     int `json:"confirmed"`
	Refuted       int `json:"refuted"`
	NotAssessable int `json:"notAssessable"`
	// PPV is Confirmed / (Confirmed + Refuted), with its 95% Wilson
	// interval; nil without verdicts.
	PPV *Proportion `json:"ppv"`
	// Discrepancies counts the studies whose first positive finding came
	// after the final report.
	Discrepancies int `json:"discrepancies"`
	// Failed counts the studies it could not process (its last result said
	// failed), Pending those whose result never came before the report;
	// neither counts in Results.
	Failed  int `json:"failed"`
	Pending int `json:"pending"`
	// Flagged is completed → final of the studies it flagged before their
	// report; Unflagged the same of the comparable studies: those it read
	// and did not flag. Difference is the difference of their medians
	// (negative: flagged studies were read sooner).
	Flagged    Summary  `json:"flagged"`
	Unflagged  Summary  `json:"unflagged"`
	Difference *Seconds `json:"difference"`
	// Critical counts the studies its findings made critical (reported),
	// CriticalInTime those read by their due time.
	Critical       int      `json:"critical"`
	CriticalInTime int      `json:"criticalInTime"`
	CriticalShare  *float64 `json:"criticalShare"`
}

// A Proportion is a share with its 95% confidence interval.
type Proportion struct {
	Value float64 `json:"value"`
	Low   float64 `json:"low"`
	High  float64 `json:"high"`
	N     int     `json:"n"`
}

// Wilson returns the share k of n with its 95% Wilson score interval,
// which stays within [0, 1] and is sound for small n and shares near 0
// or 1; nil when n is 0.
func Wilson(k, n int) *Proportion {
	if n <= 0 {
		return nil
	}
	const z = 1.959963984540054
	p, nf := float64(k)/float64(n), float64(n)
	den := 1 + z*z/nf
	centre := (p + z*z/(2*nf)) / den
	half := z * math.Sqrt(p*(1-p)/nf+z*z/(4*nf*nf)) / den
	return &Proportion{Value: p, Low: max(0, centre-half), High: min(1, centre+half), N: n}
}

// AIPerformances returns the performance of each algorithm in the facts
// f keeps: per site, and for all sites together, ordered by algorithm
// then site ("all" first).
func AIPerformances(facts worklist.Facts, f Filter, c *Calendar) []AIPerformance {
	a := newAITally(f, c.clock())
	walk(facts, a)
	return a.report()
}

// An aiTally gathers the rows of the AI table, a record at a time: one
// per algorithm and site.
type aiTally struct {
	f    Filter
	clk  *clock
	rows map[aiKey]*aiAcc
}

type aiKey struct{ algorithm, site string }

func newAITally(f Filter, clk *clock) *aiTally {
	return &aiTally{f: f, clk: clk, rows: map[aiKey]*aiAcc{}}
}

func (a *aiTally) add(t *worklist.Turnaround) {
	if len(t.AI) == 0 || t.Status != worklist.StatusFinal || !a.f.keeps(a.clk, t) {
		return
	}
	d, hasD := ReadyToFinal.of(t)
	met, known := t.DueMet()
	for i := range t.AI {
		o := &t.AI[i]
		k := aiKey{o.Algorithm, t.Site}
		row := a.rows[k]
		if row == nil {
			row = &aiAcc{p: AIPerformance{Algorithm: k.algorithm, Site: k.site, Versions: []string{}}}
			a.rows[k] = row
		}
		row.add(o, d, hasD, met, known)
	}
}

func (a *aiTally) report() []AIPerformance {
	rows := a.rows
	// Each algorithm's row of all sites adds up its sites' rows.
	totals := map[string]*aiAcc{}
	for k, row := range rows {
		tot := totals[k.algorithm]
		if tot == nil {
			tot = &aiAcc{p: AIPerformance{Algorithm: k.algorithm, Site: allStudies, Versions: []string{}}}
			totals[k.algorithm] = tot
		}
		tot.merge(row)
	}
	for alg, tot := range totals {
		rows[aiKey{alg, allStudies}] = tot
	}
	out := make([]AIPerformance, 0, len(rows))
	for _, row := range rows {
		p := row.p
		slices.Sort(p.Versions)
		p.PositiveRate = share(p.Positive, p.Results)
		p.PPV = Wilson(p.Confirmed, p.Confirmed+p.Refuted)
		p.Flagged, p.Unflagged = summarise(row.flagged), summarise(row.unflagged)
		if p.Flagged.Median != nil && p.Unflagged.Median != nil {
			d := *p.Flagged.Median - *p.Unflagged.Median
			p.Difference = &d
		}
		p.CriticalShare = share(p.CriticalInTime, p.Critical)
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b AIPerformance) int {
		if a.Algorithm != b.Algorithm {
			return cmpString(a.Algorithm, b.Algorithm)
		}
		if (a.Site == allStudies) != (b.Site == allStudies) {
			if a.Site == allStudies {
				return -1
			}
			return 1
		}
		return cmpString(a.Site, b.Site)
	})
	return out
}

// aiAcc gathers one row of the AI table.
type aiAcc struct {
	p                  AIPerformance
	flagged, unflagged []float64
}

// add counts outcome o of a reported study whose completed → final was
// d (when hasD) and whose due time was met (when known).
func (a *aiAcc) add(o *worklist.AIOutcome, d float64, hasD, met, known bool) {
	p := &a.p
	if o.Failed || o.Pending {
		if o.Failed {
			p.Failed++
		} else {
			p.Pending++
		}
		return
	}
	p.Results++
	if o.Version != "" && !slices.Contains(p.Versions, o.Version) {
		p.Versions = append(p.Versions, o.Version)
	}
	if o.Positive {
		p.Positive++
		switch {
		case o.Agree > o.Disagree:
			p.Confirmed++
		case o.Disagree > o.Agree:
			p.Refuted++
		}
		if o.NotAssessable > 0 {
			p.NotAssessable++
		}
	}
	if o.Discrepancy {
		p.Discrepancies++
	}
	flaggedBefore := o.Positive && !o.Discrepancy
	if hasD {
		if flaggedBefore {
			a.flagged = append(a.flagged, d)
		} else if !o.Positive {
			a.unflagged = append(a.unflagged, d)
		}
	}
	if flaggedBefore && o.Band == triage.Critical && known {
		p.Critical++
		if met {
			p.CriticalInTime++
		}
	}
}

// merge adds the counts and durations of b to a.
func (a *aiAcc) merge(b *aiAcc) {
	p, q := &a.p, &b.p
	p.Results += q.Results
	p.Positive += q.Positive
	p.Confirmed += q.Confirmed
	p.Refuted += q.Refuted
	p.NotAssessable += q.NotAssessable
	p.Discrepancies += q.Discrepancies
	p.Failed += q.Failed
	p.Pending += q.Pending
	p.Critical += q.Critical
	p.CriticalInTime += q.CriticalInTime
	for _, v := range q.Versions {
		if !slices.Contains(p.Versions, v) {
			p.Versions = append(p.Versions, v)
		}
	}
	a.flagged = append(a.flagged, b.flagged...)
	a.unflagged = append(a.unflagged, b.unflagged...)
}

func share(k, n int) *float64 {
	if n == 0 {
		return nil
	}
	v := float64(k) / float64(n)
	return &v
}
