package readingroom

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

// DeriveOptions tune FromTurnarounds; the zero value of each field is a
// sensible default.
type DeriveOptions struct {
	// Rules name each algorithm's finding (records say which algorithm
	// flagged a study, not what it found); nil means triage.DefaultRules().
	Rules *triage.Rules
	// TimeZone gives hours and weekdays; empty means Europe/Amsterdam.
	TimeZone string
	// From and Until bound the window the records are taken from, by
	// completion time; zero means the first and the last record's.
	From, Until time.Time
}

// Records is where FromStore reads turnaround records: the worklist
// store.
type Records interface {
	// Turnarounds returns the records of the studies of sites (all when
	// empty) closed in [from, to).
	Turnarounds(ctx context.Context, sites []string, from, to time.Time) (worklist.Facts, error)
}

// FromStore makes a scenario ([FromTurnarounds]) of the studies of sites
// completed in the last window of the store's records: those of studies
// closed from window before now, up to the last completion among them.
func FromStore(ctx context.Context, store Records, sites []string, now time.Time, window time.Duration, opts DeriveOptions) (*Scenario, error) {
	recs, err := store.Turnarounds(ctx, sites, now.Add(-window), now.Add(31*24*time.Hour))
	if err != nil {
		return nil, err
	}
	var last time.Time
	for r := range recs.All() {
		if r.CompletedAt.After(last) {
			last = r.CompletedAt
		}
	}
	opts.From = last.Add(-window)
	return FromTurnarounds(recs, opts)
}

// maxRead is the longest reading time taken from records: a claim held
// longer was left, not read.
const maxRead = 8 * time.Hour

// FromTurnarounds makes a scenario of a department's own turnaround
// records: arrivals an hour by weekday and hour (of exam completion), the
// mix of modality, procedure code, priority, patient class and AI
// algorithms, reading times per modality (from the first claim to the
// first report, as median and 90th percentile), each algorithm's rate of
// positive results, and readers on duty in each hour of the week (the
// most studies being read at once, on an average week).
//
// What the records cannot say is set plainly in the scenario: an
// algorithm's flags are taken as the truth (sensitivity and specificity
// 1, prevalence its positive rate) until someone writes in what is known;
// readers read every section; a weekday hour the window never saw takes
// the average of that hour on the days it did see. Only reported studies
// leave records, so the last days of a window undercount arrivals a
// little.
func FromTurnarounds(records worklist.Facts, opts DeriveOptions) (*Scenario, error) {
	rules := cmp.Or(opts.Rules, triage.DefaultRules())
	sc := &Scenario{TimeZone: cmp.Or(opts.TimeZone, "Europe/Amsterdam")}
	loc, err := time.LoadLocation(sc.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("time zone: %w", err)
	}
	var recs []worklist.Turnaround
	for r := range records.All() {
		if r.Status != worklist.StatusFinal || r.CompletedAt.IsZero() || !opts.From.IsZero() && r.CompletedAt.Before(opts.From) ||
			!opts.Until.IsZero() && !r.CompletedAt.Before(opts.Until) {
			continue
		}
		recs = append(recs, *r)
	}
	if len(recs) == 0 {
		return nil, errors.New("no turnaround records with a completion time in the window")
	}
	// The window starts with the first record in it: before that the
	// records say nothing, not that nothing came.
	from, until := opts.From, opts.Until
	if first := slices.MinFunc(recs, func(a, b worklist.Turnaround) int { return a.CompletedAt.Compare(b.CompletedAt) }).CompletedAt; first.After(from) {
		from = first
	}
	if until.IsZero() {
		until = slices.MaxFunc(recs, func(a, b worklist.Turnaround) int { return a.CompletedAt.Compare(b.CompletedAt) }).CompletedAt.Add(time.Millisecond)
	}
	from, until = from.In(loc).Truncate(time.Hour), until.In(loc)
	sc.Name = fmt.Sprintf("from %d turnaround records, %s to %s", len(recs), from.Format("2006-01-02 15:04"), until.Format("2006-01-02 15:04"))
	week := weekHours(from, until)
	sc.Arrivals.Rates = weekly(week, func(add func(t time.Time, v float64)) {
		for _, r := range recs {
			add(r.CompletedAt, 1)
		}
	})
	if sc.Reading, err = readingTimes(recs); err != nil {
		return nil, err
	}
	sc.Algorithms = algorithms(recs, rules)
	sc.Mix = mix(recs)
	sc.Readers = readers(recs, week, sc)
	if err := sc.Check(); err != nil {
		return nil, fmt.Errorf("the scenario made from the records: %w", err)
	}
	return sc, nil
}

// weekHours counts how often each hour of the week (Monday 0, by local
// time) occurs in [from, until), and says which slot a time falls in.
type weekHourCount struct {
	seen  [7][24]int
	from  time.Time
	until time.Time
}

func weekHours(from, until time.Time) *weekHourCount {
	w := &weekHourCount{from: from, until: until}
	for t := from; t.Before(until); t = t.Add(time.Hour) {
		d, h := slot(t)
		w.seen[d][h]++
	}
	return w
}

func slot(t time.Time) (day, hour int) {
	return (int(t.Weekday()) + 6) % 7, t.Hour()
}

// weekly sums what each adds into its hour of the week and divides by how
// often that hour occurred: a rate an hour. Hours of the week never seen
// take the mean of that hour on the days seen.
func weekly(w *weekHourCount, each func(add func(t time.Time, v float64))) [][]float64 {
	var sum [7][24]float64
	each(func(t time.Time, v float64) {
		d, h := slot(t.In(w.from.Location()))
		sum[d][h] += v
	})
	out := make([][]float64, 7)
	for d := range out {
		out[d] = make([]float64, 24)
	}
	for h := range 24 {
		var s float64
		var n int
		for d := range 7 {
			s += sum[d][h]
			n += w.seen[d][h]
		}
		for d := range 7 {
			switch {
			case w.seen[d][h] > 0:
				out[d][h] = round(sum[d][h]/float64(w.seen[d][h]), 3)
			case n > 0:
				out[d][h] = round(s/float64(n), 3)
			}
		}
	}
	return out
}

// readingTimes returns the median and 90th percentile of reading times per
// modality, and over all modalities as "*".
func readingTimes(recs []worklist.Turnaround) (map[string]Reading, error) {
	by := map[string][]time.Duration{}
	for _, r := range recs {
		if d, ok := readTime(r); ok {
			by[r.Modality] = append(by[r.Modality], d)
			by["*"] = append(by["*"], d)
		}
	}
	if len(by["*"]) == 0 {
		return nil, errors.New("no record says how long reading took (a claim, then a report): nothing to make reading times of")
	}
	out := map[string]Reading{}
	for m, ds := range by {
		if m == "" || len(ds) < 10 && m != "*" {
			continue // too few to say: the modality takes "*"
		}
		slices.Sort(ds)
		med, p90 := ds[len(ds)/2], ds[min(len(ds)-1, len(ds)*9/10)]
		med = max(med, time.Second)
		p90 = max(p90, med+med/100)
		out[m] = Reading{Median: Duration(med.Round(time.Second)), P90: Duration(p90.Round(time.Second))}
	}
	return out, nil
}

// readTime is how long reading r took: from its first claim to its first
// report.
func readTime(r worklist.Turnaround) (time.Duration, bool) {
	end := r.PreliminaryAt
	if end.IsZero() || end.After(r.ReportedAt) && !r.ReportedAt.IsZero() {
		end = r.ReportedAt
	}
	if r.FirstClaimedAt.IsZero() || end.IsZero() {
		return 0, false
	}
	d := end.Sub(r.FirstClaimedAt)
	return d, d > 0 && d <= maxRead
}

// algorithms returns every algorithm in the records with its rate of
// positive results and its delay (from completion to its first result),
// its finding named by the rules.
func algorithms(recs []worklist.Turnaround, rules *triage.Rules) []Algorithm {
	type count struct {
		reads, flags int
		delays       []time.Duration
	}
	counts := map[string]*count{}
	var ids []string
	for _, r := range recs {
		for _, a := range r.AI {
			c := counts[a.Algorithm]
			if c == nil {
				c = &count{}
				counts[a.Algorithm] = c
				ids = append(ids, a.Algorithm)
			}
			c.reads++
			if a.Positive && !a.Discrepancy {
				c.flags++
			}
			if a.At.After(r.CompletedAt) {
				c.delays = append(c.delays, a.At.Sub(r.CompletedAt))
			}
		}
	}
	slices.Sort(ids)
	var out []Algorithm
	for _, id := range ids {
		c := counts[id]
		finding := "POSITIVE"
		if codes := rules.RankingFindings(id); len(codes) > 0 {
			finding = codes[0]
		}
		a := Algorithm{ID: id, Finding: finding, Prevalence: round(float64(c.flags)/float64(c.reads), 4), Sensitivity: 1, Specificity: 1}
		if len(c.delays) > 0 {
			slices.Sort(c.delays)
			a.Delay = Duration(max(c.delays[len(c.delays)/2].Round(time.Second), time.Second))
		}
		out = append(out, a)
	}
	return out
}

func round(x float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(x*p) / p
}

// mix groups the records into kinds of study, with their shares: by
// modality, procedure code, priority, patient class and algorithms; by
// all but the procedure code when that makes too many kinds.
func mix(recs []worklist.Turnaround) []Kind {
	for _, withCode := range []bool{true, false} {
		kinds := map[string]*Kind{}
		var keys []string
		leads := map[string][]time.Duration{}
		for _, r := range recs {
			var algs []string
			for _, a := range r.AI {
				algs = append(algs, a.Algorithm)
			}
			slices.Sort(algs)
			algs = algs[:min(len(algs), maxAlgorithms)]
			k := Kind{Modality: cmp.Or(r.Modality, "OT"), Priority: strings.ToUpper(r.Priority), PatientClass: strings.ToUpper(r.PatientClass),
				Section: r.Section, Algorithms: algs}
			if withCode {
				k.ProcedureCode = r.ProcedureCode
			}
			key := strings.Join(append([]string{k.Modality, k.ProcedureCode, k.Priority, k.PatientClass, k.Section}, algs...), "|")
			if kinds[key] == nil {
				k.Name = strings.Join(slices.DeleteFunc([]string{k.Modality, k.ProcedureCode, k.Priority, k.PatientClass}, func(s string) bool { return s == "" }), " ")
				kinds[key] = &k
				keys = append(keys, key)
			}
			kinds[key].Share++
			if !r.OrderedAt.IsZero() && r.OrderedAt.Before(r.CompletedAt) {
				leads[key] = append(leads[key], r.CompletedAt.Sub(r.OrderedAt))
			}
		}
		if len(keys) > MaxKinds && withCode {
			continue
		}
		slices.SortFunc(keys, func(a, b string) int {
			return cmp.Or(cmp.Compare(kinds[b].Share, kinds[a].Share), strings.Compare(a, b))
		})
		keys = keys[:min(len(keys), MaxKinds)]
		out := make([]Kind, 0, len(keys))
		for _, key := range keys {
			k := kinds[key]
			if ls := leads[key]; len(ls) > 0 {
				slices.Sort(ls)
				k.OrderedBefore = Duration(ls[len(ls)/2].Round(time.Minute))
			}
			out = append(out, *k)
		}
		return out
	}
	return nil
}

// readers works out who reads: when the records name sections, the
// readers of each section on their own (readersOnDuty of its records),
// reading that section only, as the worklist's sections divide the work;
// otherwise readers of everything.
func readers(recs []worklist.Turnaround, w *weekHourCount, sc *Scenario) []Readers {
	bySection := map[string][]worklist.Turnaround{}
	for _, r := range recs {
		if r.Section != "" {
			bySection[r.Section] = append(bySection[r.Section], r)
		}
	}
	if len(bySection) == 0 {
		return readersOnDuty(recs, w, sc.Arrivals.Rates, sc)
	}
	// A study of no section is read by its modality's readers (Kind.section).
	for _, r := range recs {
		if r.Section == "" {
			m := cmp.Or(r.Modality, "OT")
			bySection[m] = append(bySection[m], r)
		}
	}
	var out []Readers
	for _, sec := range slices.Sorted(maps.Keys(bySection)) {
		rs := bySection[sec]
		rates := weekly(w, func(add func(t time.Time, v float64)) {
			for _, r := range rs {
				add(r.CompletedAt, 1)
			}
		})
		for _, g := range readersOnDuty(rs, w, rates, sc) {
			g.Name = sec + " " + g.Name
			g.Sections = []string{sec}
			out = append(out, g)
		}
	}
	return out
}

// readersOnDuty works out readers and their shifts: in each hour of the
// week, the most studies being read at once (from claim to report), on an
// average week, rounded up; reader n works the hours that need n or more.
// Without claims to go by, enough readers that each hour's work keeps them
// four fifths busy.
func readersOnDuty(recs []worklist.Turnaround, w *weekHourCount, rates [][]float64, sc *Scenario) []Readers {
	type interval struct{ from, to time.Time }
	var ivs []interval
	for _, r := range recs {
		if d, ok := readTime(r); ok {
			ivs = append(ivs, interval{r.FirstClaimedAt, r.FirstClaimedAt.Add(d)})
		}
	}
	// Concurrency at every start and end, then the peak of each hour.
	type change struct {
		at    time.Time
		delta int
	}
	var changes []change
	for _, iv := range ivs {
		changes = append(changes, change{iv.from, 1}, change{iv.to, -1})
	}
	slices.SortFunc(changes, func(a, b change) int { return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.delta, b.delta)) })
	hour := func(t time.Time) int64 { return t.Unix() / 3600 }
	peak := map[int64]int{}
	cur := 0
	for _, c := range changes {
		cur += c.delta
		peak[hour(c.at)] = max(peak[hour(c.at)], cur)
	}
	// An hour with readings that started before it and no change in it.
	cur = 0
	i := 0
	for t := w.from; t.Before(w.until); t = t.Add(time.Hour) {
		for i < len(changes) && changes[i].at.Before(t) {
			cur += changes[i].delta
			i++
		}
		peak[hour(t)] = max(peak[hour(t)], cur)
	}
	need := weekly(w, func(add func(t time.Time, v float64)) {
		for t := w.from; t.Before(w.until); t = t.Add(time.Hour) {
			add(t, float64(peak[hour(t)]))
		}
	})
	if len(ivs) == 0 {
		mean := 0.0
		for _, r := range sc.Reading {
			mean = max(mean, float64(time.Duration(r.Median)))
		}
		for d := range need {
			for h := range need[d] {
				need[d][h] = rates[d][h] * mean / float64(time.Hour) / 0.8
			}
		}
	}
	most := 0
	counts := [7][24]int{}
	for d := range 7 {
		for h := range 24 {
			counts[d][h] = int(math.Ceil(need[d][h] - 1e-9))
			most = max(most, counts[d][h])
		}
	}
	var out []Readers
	for n := 1; n <= max(most, 1); n++ {
		// The hours reader n works, as windows of the day and the days
		// that have each.
		type window struct{ from, to int }
		days := map[window]uint8{}
		var order []window
		for d := range 7 {
			for h := 0; h < 24; {
				if counts[d][h] < n {
					h++
					continue
				}
				w := window{from: h}
				for h < 24 && counts[d][h] >= n {
					h++
				}
				w.to = h
				if days[w] == 0 {
					order = append(order, w)
				}
				days[w] |= 1 << d
			}
		}
		g := Readers{Name: fmt.Sprintf("reader %d", n)}
		for _, w := range order {
			if w == (window{0, 24}) && days[w] == 0x7f {
				continue // always on duty: no shifts
			}
			g.Shifts = append(g.Shifts, Shift{Days: dayList(days[w]), From: fmt.Sprintf("%02d:00", w.from), To: fmt.Sprintf("%02d:00", w.to%24)})
		}
		out = append(out, g)
	}
	return out
}

var dayNames = []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}

// dayList writes the days of a mask (bit 0 Monday) as ranges: "Mon-Fri",
// "Mon,Wed,Sat-Sun".
func dayList(mask uint8) string {
	var parts []string
	for d := 0; d < 7; d++ {
		if mask&(1<<d) == 0 {
			continue
		}
		e := d
		for e+1 < 7 && mask&(1<<(e+1)) != 0 {
			e++
		}
		if e > d {
			parts = append(parts, dayNames[d]+"-"+dayNames[e])
		} else {
			parts = append(parts, dayNames[d])
		}
		d = e
	}
	return strings.Join(parts, ",")
}
