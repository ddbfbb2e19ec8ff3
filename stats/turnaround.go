package stats

import (
	"fmt"
	"iter"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

// An Interval is a turnaround interval: from one time of a reported
// study to its final report.
type Interval string

// The intervals.
const (
	ReadyToFinal Interval = "completed-final" // exam completed (or first AI result) → final report
	OrderToFinal Interval = "order-final"     // order placed → final report
	FlagToFinal  Interval = "flag-final"      // first positive AI result → final report
)

// Intervals lists the intervals.
func Intervals() []Interval { return []Interval{ReadyToFinal, OrderToFinal, FlagToFinal} }

// ParseInterval reads an interval by name.
func ParseInterval(s string) (Interval, error) {
	for _, iv := range Intervals() {
		if string(iv) == s {
			return iv, nil
		}
	}
	return "", fmt.Errorf("unknown interval %q (want completed-final, order-final or flag-final)", s)
}

// of returns the interval of t in seconds, and whether t has it.
func (iv Interval) of(t *worklist.Turnaround) (float64, bool) {
	if t.Status != worklist.StatusFinal || t.ReportedAt.IsZero() {
		return 0, false
	}
	start := t.ReadyAt()
	switch iv {
	case OrderToFinal:
		start = t.OrderedAt
	case FlagToFinal:
		start = t.FirstFlagAt
	}
	if start.IsZero() || t.ReportedAt.Before(start) {
		return 0, false
	}
	return secondsBetween(start, t.ReportedAt), true
}

// secondsBetween returns b − a in seconds: the wall-clock difference,
// without time.Time.Sub's monotonic-clock and overflow handling, which
// the records (read from the store, to the second) never need and which
// cost the most of a query's arithmetic.
func secondsBetween(a, b time.Time) float64 {
	return float64(b.Unix()-a.Unix()) + float64(b.Nanosecond()-a.Nanosecond())/1e9
}

// A Dimension groups studies.
type Dimension string

// The dimensions. All puts every study in one group.
const (
	All            Dimension = ""
	ByBand         Dimension = "band"         // critical, urgent, routine (when closed)
	ByPriority     Dimension = "priority"     // the order's priority code: S, A, R, ...
	ByPatientClass Dimension = "patientClass" // E, I, O, ...
	ByModality     Dimension = "modality"
	BySection      Dimension = "section"
	BySite         Dimension = "site"
	ByAI           Dimension = "ai"    // positive (flagged before the report), negative, none
	ByHours        Dimension = "hours" // working, out-of-hours (when ready to read)
)

// Dimensions lists the dimensions a study can be grouped by.
func Dimensions() []Dimension {
	return []Dimension{ByBand, ByPriority, ByPatientClass, ByModality, BySection, BySite, ByAI, ByHours}
}

// ParseDimension reads a dimension by name; "" and "all" are All.
func ParseDimension(s string) (Dimension, error) {
	if s == "" || s == "all" {
		return All, nil
	}
	for _, d := range Dimensions() {
		if strings.EqualFold(string(d), s) {
			return d, nil
		}
	}
	names := make([]string, 0, 8)
	for _, d := range Dimensions() {
		names = append(names, string(d))
	}
	return "", fmt.Errorf("unknown grouping %q (want %s)", s, strings.Join(names, ", "))
}

// Group keys for studies that lack a value.
const (
	keyUnknown = "unknown"
	keyOther   = "other" // no section
)

// AI outcomes of a study, and the hours it came in.
const (
	AIPositive  = "positive"
	AINegative  = "negative"
	AINone      = "none"
	Working     = "working"
	OutOfHours  = "out-of-hours"
	allStudies  = "all"
	bandUnknown = keyUnknown
)

// AIOutcome returns whether an algorithm flagged t before its report
// (positive), sent only other results (negative), or sent none.
func AIOutcome(t *worklist.Turnaround) string {
	switch {
	case t.FlaggedBeforeReport():
		return AIPositive
	case !t.FirstAIAt.IsZero():
		return AINegative
	}
	return AINone
}

// key returns the group of t.
func (d Dimension) key(k *clock, t *worklist.Turnaround) string {
	or := func(s, def string) string {
		if s == "" {
			return def
		}
		return s
	}
	switch d {
	case ByBand:
		if t.Band < triage.Critical || t.Band > triage.Routine {
			return bandUnknown
		}
		return t.Band.String()
	case ByPriority:
		return or(t.Priority, keyUnknown)
	case ByPatientClass:
		return or(t.PatientClass, keyUnknown)
	case ByModality:
		return or(t.Modality, keyUnknown)
	case BySection:
		return or(t.Section, keyOther)
	case BySite:
		return t.Site
	case ByAI:
		return AIOutcome(t)
	case ByHours:
		at := t.ReadyAt()
		if at.IsZero() {
			at = t.ClosedAt()
		}
		if k.working(t.Site, at) {
			return Working
		}
		return OutOfHours
	}
	return allStudies
}

// fixed returns the groups a dimension always shows, empty or not, in
// their order; nil when its groups are the values found, sorted.
func (d Dimension) fixed() []string {
	switch d {
	case ByBand:
		return []string{"critical", "urgent", "routine"}
	case ByAI:
		return []string{AIPositive, AINegative, AINone}
	case ByHours:
		return []string{Working, OutOfHours}
	}
	return nil
}

// groupKeys returns the keys of the groups found, in the dimension's order.
func (d Dimension) groupKeys(found iter.Seq[string]) []string {
	keys := slices.Clone(d.fixed())
	var rest []string
	for k := range found {
		if !slices.Contains(keys, k) {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	return append(keys, rest...)
}

// A Filter keeps the studies that match all of its fields; an empty field
// matches any.
type Filter struct {
	Bands          []triage.Band
	Priorities     []string
	PatientClasses []string
	Modalities     []string
	Sections       []string
	AI             string // AIPositive, AINegative or AINone
	Hours          string // Working or OutOfHours
	// Algorithm keeps the studies the algorithm sent a result for.
	Algorithm string
}

// Keeps reports whether the filter keeps t.
func (f *Filter) keeps(k *clock, t *worklist.Turnaround) bool {
	in := func(vs []string, v string) bool {
		return len(vs) == 0 || slices.ContainsFunc(vs, func(x string) bool { return strings.EqualFold(x, v) })
	}
	switch {
	case len(f.Bands) > 0 && !slices.Contains(f.Bands, t.Band),
		!in(f.Priorities, t.Priority), !in(f.PatientClasses, t.PatientClass),
		!in(f.Modalities, t.Modality), !in(f.Sections, t.Section),
		f.AI != "" && AIOutcome(t) != f.AI,
		f.Hours != "" && ByHours.key(k, t) != f.Hours:
		return false
	case f.Algorithm != "":
		return slices.ContainsFunc(t.AI, func(a worklist.AIOutcome) bool { return a.Algorithm == f.Algorithm })
	}
	return true
}

// A Group is the summary of one group of studies.
type Group struct {
	Key string `json:"key"`
	Summary
}

// A TurnaroundReport summarises one interval of the reported studies, in
// all and by group.
type TurnaroundReport struct {
	Interval Interval  `json:"interval"`
	By       Dimension `json:"by"`
	All      Summary   `json:"all"`
	Groups   []Group   `json:"groups"`
}

// Turnarounds summarises interval iv of the facts f keeps, grouped by.
func Turnarounds(facts worklist.Facts, iv Interval, by Dimension, f Filter, c *Calendar) TurnaroundReport {
	a := newTurnaroundTally([]Interval{iv}, by, f, c.clock(), facts.Len())
	walk(facts, a)
	return a.reports()[0]
}

// A turnaroundTally gathers the durations of the TurnaroundReports of
// some intervals, a record at a time; each record is filtered and
// grouped once for all of them.
type turnaroundTally struct {
	ivs []Interval
	by  Dimension
	f   Filter
	clk *clock
	// all[i] and groups[i] are the durations of ivs[i].
	all    [][]float64
	groups []map[string][]float64
}

// newTurnaroundTally returns a tally for about n records.
func newTurnaroundTally(ivs []Interval, by Dimension, f Filter, clk *clock, n int) *turnaroundTally {
	a := &turnaroundTally{ivs: ivs, by: by, f: f, clk: clk}
	for range ivs {
		a.all = append(a.all, make([]float64, 0, n))
		a.groups = append(a.groups, map[string][]float64{})
	}
	return a
}

func (a *turnaroundTally) add(t *worklist.Turnaround) {
	if t.Status != worklist.StatusFinal || !a.f.keeps(a.clk, t) {
		return
	}
	k := ""
	for i, iv := range a.ivs {
		d, ok := iv.of(t)
		if !ok {
			continue
		}
		a.all[i] = append(a.all[i], d)
		if a.by != All {
			if k == "" {
				k = a.by.key(a.clk, t)
			}
			a.groups[i][k] = append(a.groups[i][k], d)
		}
	}
}

// reports returns the report of each interval.
func (a *turnaroundTally) reports() []TurnaroundReport {
	out := make([]TurnaroundReport, len(a.ivs))
	for i, iv := range a.ivs {
		r := TurnaroundReport{Interval: iv, By: a.by, All: summarise(a.all[i]), Groups: []Group{}}
		if a.by != All {
			for _, k := range a.by.groupKeys(maps.Keys(a.groups[i])) {
				r.Groups = append(r.Groups, Group{Key: k, Summary: summarise(a.groups[i][k])})
			}
		}
		out[i] = r
	}
	return out
}

// Compliance counts the reported studies with a due time that were read
// by it.
type Compliance struct {
	Key string `json:"key"`
	N   int    `json:"n"`
	Met int    `json:"met"`
	// Share is Met/N; nil when N is 0.
	Share *float64 `json:"share"`
	// Late describes how late the missed ones were.
	Late Summary `json:"late"`
}

// A ComplianceReport is the due-time compliance in all and by group.
type ComplianceReport struct {
	By     Dimension    `json:"by"`
	All    Compliance   `json:"all"`
	Groups []Compliance `json:"groups"`
}

// DueCompliance counts, of the reported studies f keeps, those read by
// their due time, grouped by.
func DueCompliance(facts worklist.Facts, by Dimension, f Filter, c *Calendar) ComplianceReport {
	a := newComplianceTally(by, f, c.clock())
	walk(facts, a)
	return a.report()
}

// A complianceTally counts a ComplianceReport, a record at a time.
type complianceTally struct {
	by     Dimension
	f      Filter
	clk    *clock
	all    dueCount
	groups map[string]*dueCount
}

type dueCount struct {
	n, met int
	late   []float64
}

func (d *dueCount) add(met bool, late float64) {
	d.n++
	if met {
		d.met++
	} else {
		d.late = append(d.late, late)
	}
}

func newComplianceTally(by Dimension, f Filter, clk *clock) *complianceTally {
	return &complianceTally{by: by, f: f, clk: clk, groups: map[string]*dueCount{}}
}

func (a *complianceTally) add(t *worklist.Turnaround) {
	met, known := t.DueMet()
	if !known || !a.f.keeps(a.clk, t) {
		return
	}
	late := secondsBetween(t.Due, t.ReportedAt)
	a.all.add(met, late)
	if a.by != All {
		k := a.by.key(a.clk, t)
		g := a.groups[k]
		if g == nil {
			g = &dueCount{}
			a.groups[k] = g
		}
		g.add(met, late)
	}
}

func (a *complianceTally) report() ComplianceReport {
	out := func(k string, d *dueCount) Compliance {
		if d == nil {
			d = &dueCount{}
		}
		cp := Compliance{Key: k, N: d.n, Met: d.met, Late: summarise(d.late)}
		if d.n > 0 {
			share := float64(d.met) / float64(d.n)
			cp.Share = &share
		}
		return cp
	}
	r := ComplianceReport{By: a.by, All: out(allStudies, &a.all), Groups: []Compliance{}}
	if a.by != All {
		for _, k := range a.by.groupKeys(maps.Keys(a.groups)) {
			r.Groups = append(r.Groups, out(k, a.groups[k]))
		}
	}
	return r
}
