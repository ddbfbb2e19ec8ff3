package readingroom

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/voorrang/voorrang/triage"
)

// A model is a scenario made ready to run: times in milliseconds from its
// start, the arrival rate of every hour, every reader's shift changes, and
// each kind of study with its facts. It is shared, read-only, by the
// replications running at once.
type model struct {
	start   time.Time
	horizon int64 // ms: studies arrive before it
	end     int64 // ms: the simulation stops (horizon + drain)
	warmup  int64 // ms: studies arriving before it are not counted

	hourRate []float64 // arrivals per ms in each hour of the horizon
	kinds    []kindModel
	cum      []float64 // cumulative shares of the kinds, to pick one
	algs     []algModel
	states   int // ranks per kind: before the AI result, and one per combination of results
	aiFifos  int // timers queues of AI results: one per AI delay

	readers  []uint64      // the sections each reader reads (bit i: sections[i])
	alwaysOn []bool        // readers without shifts
	shifts   []shiftChange // every reader's shift changes, in time order
	sections []string

	classes []string // names of the classes results are reported for
	site    []uint32 // class bits of each kind and state, by the site's rules
}

type kindModel struct {
	facts   triage.Facts // without times and findings
	lead    int64        // ms from order to completion
	algs    []int        // into model.algs
	delay   int64        // ms from completion to the AI result; -1 without AI
	aiFifo  int          // the timers queue of its AI results (one per delay)
	section int
	read    sampler
	class   uint32 // the class bit of its patient class
}

type algModel struct {
	id, finding            string
	prev, sens, spec, conf float64
	delay                  int64
}

type shiftChange struct {
	at     int64
	reader int32
	on     bool
}

// Classes of studies that every result is reported for. A study's band is
// the one the site's rules give it once its AI results are in, before any
// escalation, so that the classes are the same studies under every policy.
const (
	classAll = iota
	classFlagged
	classUnflagged
	classTruePositive
	classCritical
	classUrgent
	classRoutine
	fixedClasses
)

var classNames = []string{"all", "flagged", "unflagged", "truly-positive", "critical", "urgent", "routine"}

// compile makes sc ready to run; site ranks studies into classes.
func compile(sc *Scenario, site *triage.Rules) *model {
	loc := sc.location()
	m := &model{
		start:   sc.start().In(loc),
		horizon: sc.horizon().Milliseconds(),
		warmup:  sc.warmup().Milliseconds(),
	}
	m.end = m.horizon + sc.drain().Milliseconds()
	m.classes = slices.Clone(classNames)
	m.arrivalRates(sc)
	m.compileAlgorithms(sc)
	sections := map[string]int{}
	patientClasses := map[string]uint32{}
	maxAlgs := 0
	total := 0.0
	for _, k := range sc.Mix {
		km := kindModel{
			facts: triage.Facts{Priority: k.Priority, PatientClass: k.PatientClass, Modality: k.Modality,
				ProcedureCode: k.ProcedureCode, ProcedureText: k.Procedure, OrderingLocation: k.Location},
			lead:  time.Duration(k.OrderedBefore).Milliseconds(),
			delay: -1,
		}
		sec, ok := sections[k.section()]
		if !ok {
			sec = len(m.sections)
			sections[k.section()] = sec
			m.sections = append(m.sections, k.section())
		}
		km.section = sec
		for _, id := range k.Algorithms {
			i := slices.IndexFunc(m.algs, func(a algModel) bool { return strings.EqualFold(a.id, id) })
			km.algs = append(km.algs, i)
			km.delay = max(km.delay, m.algs[i].delay)
		}
		maxAlgs = max(maxAlgs, len(km.algs))
		r, _ := sc.reading(k.Modality)
		km.read = newSampler(r)
		if pc := strings.ToUpper(k.PatientClass); pc != "" {
			bit, ok := patientClasses[pc]
			if !ok && len(m.classes) < 32 { // class bits are a uint32
				bit = 1 << len(m.classes)
				patientClasses[pc] = bit
				m.classes = append(m.classes, "patient-class:"+pc)
			}
			km.class = bit
		}
		total += k.Share
		m.cum = append(m.cum, total)
		m.kinds = append(m.kinds, km)
	}
	m.states = 1 + 1<<maxAlgs
	delays := map[int64]int{}
	for i := range m.kinds {
		k := &m.kinds[i]
		if k.delay < 0 {
			continue
		}
		q, ok := delays[k.delay]
		if !ok {
			q = len(delays)
			delays[k.delay] = q
		}
		k.aiFifo = q
	}
	m.aiFifos = len(delays)
	m.compileReaders(sc, sections)
	m.site = make([]uint32, len(m.kinds)*m.states)
	table := m.table(site.WithoutEscalation())
	for i := range m.kinds {
		for s := range m.states {
			e := table.entries[i*m.states+s]
			if e.score == 0 {
				continue
			}
			bits := uint32(1<<classAll) | m.kinds[i].class
			if s > 1 {
				bits |= 1 << classFlagged
			} else {
				bits |= 1 << classUnflagged
			}
			band, _ := triage.SplitScore(e.score)
			bits |= 1 << (classCritical + int(band) - int(triage.Critical))
			m.site[i*m.states+s] = bits
		}
	}
	return m
}

// arrivalRates works out the arrival rate of every hour of the horizon
// from the weekly pattern, by the local weekday and hour.
func (m *model) arrivalRates(sc *Scenario) {
	a := sc.Arrivals
	rate := func(day, hour int) float64 { // studies an hour
		if a.Rates != nil {
			return a.Rates[day][hour]
		}
		w, h := 1.0, 1.0/24
		if a.Weekday != nil {
			w = 7 * a.Weekday[day] / sum(a.Weekday)
		}
		if a.Hourly != nil {
			h = a.Hourly[hour] / sum(a.Hourly)
		}
		return a.PerDay * w * h
	}
	hours := int((m.horizon + 3_599_999) / 3_600_000)
	m.hourRate = make([]float64, hours)
	for i := range hours {
		t := m.start.Add(time.Duration(i) * time.Hour)
		day := (int(t.Weekday()) + 6) % 7 // Monday 0
		m.hourRate[i] = rate(day, t.Hour()) / 3_600_000
	}
}

func sum(xs []float64) float64 {
	t := 0.0
	for _, x := range xs {
		t += x
	}
	return t
}

func (m *model) compileAlgorithms(sc *Scenario) {
	for _, a := range sc.Algorithms {
		am := algModel{id: a.ID, finding: a.Finding, prev: a.Prevalence, sens: a.Sensitivity,
			spec: a.Specificity, conf: cmp.Or(a.Confidence, 0.9), delay: time.Duration(a.Delay).Milliseconds()}
		if a.Delay == 0 {
			am.delay = (5 * time.Minute).Milliseconds()
		}
		m.algs = append(m.algs, am)
	}
}

// compileReaders lists the readers and the times their shifts begin and
// end, in local time (so summer time moves them as it moves the clock).
func (m *model) compileReaders(sc *Scenario, sections map[string]int) {
	all := uint64(1)<<len(m.sections) - 1
	if len(m.sections) == 64 {
		all = math.MaxUint64
	}
	for _, g := range sc.Readers {
		mask := all
		if len(g.Sections) > 0 {
			mask = 0
			for _, s := range g.Sections {
				mask |= 1 << sections[s]
			}
		}
		ivs := m.shiftIntervals(g.Shifts)
		for range max(g.Count, 1) {
			r := int32(len(m.readers))
			m.readers = append(m.readers, mask)
			m.alwaysOn = append(m.alwaysOn, len(g.Shifts) == 0)
			for _, iv := range ivs {
				m.shifts = append(m.shifts, shiftChange{at: iv[0], reader: r, on: true}, shiftChange{at: iv[1], reader: r, on: false})
			}
		}
	}
	slices.SortStableFunc(m.shifts, func(a, b shiftChange) int {
		return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.reader, b.reader))
	})
}

// shiftIntervals returns the times, in ms from the start, that shifts are
// worked, merged where they touch or overlap, over the whole run.
func (m *model) shiftIntervals(shifts []Shift) [][2]int64 {
	var ivs [][2]int64
	first := m.start.AddDate(0, 0, -1)
	days := int(m.end/86_400_000) + 2
	for _, sh := range shifts {
		mask, from, to, _ := sh.parse()
		for d := range days {
			day := time.Date(first.Year(), first.Month(), first.Day()+d, 0, 0, 0, 0, m.start.Location())
			if mask&(1<<((int(day.Weekday())+6)%7)) == 0 {
				continue
			}
			a := clockOn(day, from).Sub(m.start).Milliseconds()
			b := clockOn(day, to).Sub(m.start).Milliseconds()
			if b > 0 && a < m.end {
				ivs = append(ivs, [2]int64{max(a, 0), min(b, m.end)})
			}
		}
	}
	slices.SortFunc(ivs, func(a, b [2]int64) int { return cmp.Compare(a[0], b[0]) })
	var merged [][2]int64
	for _, iv := range ivs {
		if n := len(merged); n > 0 && iv[0] <= merged[n-1][1] {
			merged[n-1][1] = max(merged[n-1][1], iv[1])
			continue
		}
		merged = append(merged, iv)
	}
	return merged
}

// clockOn returns the local time d (an offset into a day, up to 48 h) on
// day, by the wall clock.
func clockOn(day time.Time, d time.Duration) time.Time {
	mins := int(d / time.Minute)
	return time.Date(day.Year(), day.Month(), day.Day(), mins/60, mins%60, 0, 0, day.Location())
}

// An entry is a study's rank under a policy, as a place in the reading
// order relative to its arrival: the worklist's score (triage.Score) of a
// study that arrived at the model's start, to which the arrival time in ms
// is added; and, when an escalation rule will lift it, how long after its
// arrival and the score it then has.
type entry struct {
	score    int64
	escAfter int64 // ms after arrival; noEscalation if none
	escScore int64
	escFifo  int32 // the timers queue of its escalations
}

// A table is a policy's rank entries, and how many timers queues its
// events need.
type table struct {
	entries []entry
	fifos   int
}

const noEscalation = math.MaxInt64

// table ranks every kind of study in every state by rules: entry
// k*m.states+0 before its AI result, k*m.states+1+mask after it, mask
// saying which of the kind's algorithms flagged it. Entries a kind cannot
// reach are zero.
//
// Escalations go to timers queues after the AI ones, one per escalation
// time and source: ranked at arrival (state 0), or when the AI result came
// after the kind's delay. Either way they are scheduled in time order.
func (m *model) table(rules *triage.Rules) table {
	t := table{entries: make([]entry, len(m.kinds)*m.states), fifos: m.aiFifos}
	type source struct{ after, delay int64 }
	fifos := map[source]int32{}
	fifo := func(e *entry, delay int64) {
		if e.escAfter == noEscalation {
			return
		}
		q, ok := fifos[source{e.escAfter, delay}]
		if !ok {
			q = int32(t.fifos)
			t.fifos++
			fifos[source{e.escAfter, delay}] = q
		}
		e.escFifo = q
	}
	at := m.start
	for i := range m.kinds {
		k := &m.kinds[i]
		f := k.facts
		f.CompletedAt = at
		f.OrderedAt = at.Add(-time.Duration(k.lead) * time.Millisecond)
		t.entries[i*m.states] = rankEntry(rules, f, at)
		fifo(&t.entries[i*m.states], -1)
		if k.delay < 0 {
			continue
		}
		for mask := range 1 << len(k.algs) {
			f.Findings = f.Findings[:0]
			for j, a := range k.algs {
				alg := &m.algs[a]
				f.Findings = append(f.Findings, triage.Finding{Code: alg.finding, Display: alg.finding,
					Positive: mask&(1<<j) != 0, Confidence: alg.conf, Algorithm: triage.Algorithm{ID: alg.id}})
			}
			e := rankEntry(rules, f, at)
			fifo(&e, k.delay)
			t.entries[i*m.states+1+mask] = e
		}
	}
	return t
}

// rankEntry ranks f at its completion, at, and where it escalates.
func rankEntry(rules *triage.Rules, f triage.Facts, at time.Time) entry {
	r := rules.Rank(f, at)
	e := entry{score: triage.Score(r), escAfter: noEscalation}
	if !r.EscalatesAt.IsZero() {
		e.escAfter = r.EscalatesAt.Sub(at).Milliseconds()
		e.escScore = triage.Score(rules.Rank(f, r.EscalatesAt))
	}
	return e
}
