package stats

import (
	"math"
	"slices"
	"time"

	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

// A Backlog is the reading list at one moment.
type Backlog struct {
	At      time.Time `json:"at"`
	Open    int       `json:"open"`
	Overdue int       `json:"overdue"`
	// Oldest is how long the study waiting longest has waited; nil when
	// none waits.
	Oldest *Seconds      `json:"oldest"`
	Bands  []BandBacklog `json:"bands"` // critical, urgent, routine
	Sites  []SiteBacklog `json:"sites"`
}

// A BandBacklog counts the open and overdue studies of a band.
type BandBacklog struct {
	Band    string `json:"band"`
	Open    int    `json:"open"`
	Overdue int    `json:"overdue"`
}

// A SiteBacklog is one site's part of the backlog.
type SiteBacklog struct {
	Site    string   `json:"site"`
	Open    int      `json:"open"`
	Overdue int      `json:"overdue"`
	Oldest  *Seconds `json:"oldest"`
}

// BacklogAt describes the studies waiting at now: how many, how many past
// their due time, by band and site, and the longest wait.
func BacklogAt(open []worklist.Waiting, now time.Time) Backlog {
	b := Backlog{At: now, Sites: []SiteBacklog{}}
	for band := triage.Critical; band <= triage.Routine; band++ {
		b.Bands = append(b.Bands, BandBacklog{Band: band.String()})
	}
	sites := map[string]*SiteBacklog{}
	var oldest time.Duration = -1
	for _, w := range open {
		overdue := !w.Due.IsZero() && now.After(w.Due)
		b.Open++
		if overdue {
			b.Overdue++
		}
		if w.Band >= triage.Critical && w.Band <= triage.Routine {
			bb := &b.Bands[w.Band-triage.Critical]
			bb.Open++
			if overdue {
				bb.Overdue++
			}
		}
		s := sites[w.Site]
		if s == nil {
			s = &SiteBacklog{Site: w.Site}
			sites[w.Site] = s
		}
		s.Open++
		if overdue {
			s.Overdue++
		}
		if !w.ReadyAt.IsZero() {
			age := max(now.Sub(w.ReadyAt), 0)
			if s.Oldest == nil || Seconds(age/time.Second) > *s.Oldest {
				s.Oldest = seconds(age.Truncate(time.Second).Seconds())
			}
			oldest = max(oldest, age)
		}
	}
	if oldest >= 0 {
		b.Oldest = seconds(oldest.Truncate(time.Second).Seconds())
	}
	for _, s := range sites {
		b.Sites = append(b.Sites, *s)
	}
	slices.SortFunc(b.Sites, func(a, b SiteBacklog) int { return cmpString(a.Site, b.Site) })
	return b
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// An HourGrid holds a figure for each hour of the week in the sites'
// time: Mean[weekday][hour], Monday first, and how many hours of the
// period fell in each cell (in the default time zone). Hours are those of
// zones whose offsets are whole hours, as all of Europe's are.
type HourGrid struct {
	Mean    [7][24]float64 `json:"mean"`
	Samples [7][24]int     `json:"samples"`
}

// hours returns the whole hours from from (rounded up) up to to.
func hours(from, to time.Time) (first time.Time, n int) {
	first = from.Truncate(time.Hour)
	if first.Before(from) {
		first = first.Add(time.Hour)
	}
	if !first.Before(to) {
		return first, 0
	}
	return first, int((to.Sub(first)-1)/time.Hour) + 1
}

// BacklogByHour returns the mean number of studies waiting to be read at
// each whole hour of [from, to), by weekday and hour of the sites' time.
// A study waits from when it became ready to read until its final report
// or cancellation; facts holds the closed ones, open those waiting now
// (only the facts of studies closed in or after the period matter). The
// sites' figures are added up, each site by its own clock.
func BacklogByHour(facts worklist.Facts, open []worklist.Waiting, from, to time.Time, c *Calendar) HourGrid {
	a := newBacklogTally(from, to, c.clock())
	walk(facts, a)
	return a.report(open)
}

// A backlogTally counts the studies waiting at each hour, a record at a
// time: diff[site][k] is the change of their number at hour k, +1 at the
// first hour a study waits, −1 after its last.
type backlogTally struct {
	clk   *clock
	first time.Time
	n     int
	diff  map[string][]int
	// site and d are the last site's, as records come a site at a time.
	site string
	d    []int
}

func newBacklogTally(from, to time.Time, clk *clock) *backlogTally {
	first, n := hours(from, to)
	return &backlogTally{clk: clk, first: first, n: n, diff: map[string][]int{}}
}

func (a *backlogTally) add(t *worklist.Turnaround) { a.wait(t.Site, t.ReadyAt(), t.ClosedAt()) }

// wait counts a study of site waiting from ready until closed (zero:
// still waiting).
func (a *backlogTally) wait(site string, ready, closed time.Time) {
	if ready.IsZero() || a.n == 0 {
		return
	}
	if site != a.site || a.d == nil {
		a.site, a.d = site, a.diff[site]
		if a.d == nil {
			a.d = make([]int, a.n+1)
			a.diff[site] = a.d
		}
	}
	from, to := hourIndex(a.first, a.n, ready), a.n
	if !closed.IsZero() {
		to = hourIndex(a.first, a.n, closed)
	}
	if from < to {
		a.d[from]++
		a.d[to]--
	}
}

// report adds the studies open now and returns the grid.
func (a *backlogTally) report(open []worklist.Waiting) HourGrid {
	for _, w := range open {
		a.wait(w.Site, w.ReadyAt, time.Time{})
	}
	var g HourGrid
	var sum [7][24]float64
	for _, site := range sortedKeys(a.diff) {
		var cells [7][24]float64
		var samples [7][24]int
		waiting := 0
		for k := range a.n {
			waiting += a.diff[site][k]
			wd, h := a.clk.weekHourUnix(site, a.first.Unix()+int64(k)*3600)
			cells[wd][h] += float64(waiting)
			samples[wd][h]++
		}
		for wd := range 7 {
			for h := range 24 {
				if samples[wd][h] > 0 {
					sum[wd][h] += cells[wd][h] / float64(samples[wd][h])
				}
			}
		}
	}
	g.Mean, g.Samples = sum, sampleCounts(a.first, a.n, a.clk, "")
	return g
}

// hourIndex returns the first whole hour of the n from first at or after
// t, clamped to [0, n].
func hourIndex(first time.Time, n int, t time.Time) int {
	d := secondsBetween(first, t)
	if d <= 0 {
		return 0
	}
	return min(int(math.Ceil(d/3600)), n)
}

// sampleCounts counts the hours of each cell at site.
func sampleCounts(first time.Time, n int, clk *clock, site string) [7][24]int {
	var s [7][24]int
	for k := range n {
		wd, h := clk.weekHourUnix(site, first.Unix()+int64(k)*3600)
		s[wd][h]++
	}
	return s
}

// ReadsByHour returns the mean number of final reports per hour of
// [from, to), by weekday and hour of the sites' time: the reports made in
// each hour, divided by how many such hours the period holds.
func ReadsByHour(facts worklist.Facts, from, to time.Time, c *Calendar) HourGrid {
	a := newReadsTally(from, to, c.clock())
	walk(facts, a)
	return a.report()
}

// A readsTally counts the final reports by site and hour of the week, a
// record at a time.
type readsTally struct {
	clk         *clock
	first, last time.Time // the whole hours [first, last)
	n           int
	counts      map[string]*[7][24]float64
	// site and cells are the last site's, as records come a site at a time.
	site  string
	cells *[7][24]float64
}

func newReadsTally(from, to time.Time, clk *clock) *readsTally {
	first, n := hours(from, to)
	return &readsTally{clk: clk, first: first, last: first.Add(time.Duration(n) * time.Hour), n: n,
		counts: map[string]*[7][24]float64{}}
}

func (a *readsTally) add(t *worklist.Turnaround) {
	if t.Status != worklist.StatusFinal || t.ReportedAt.Before(a.first) || !t.ReportedAt.Before(a.last) {
		return
	}
	if t.Site != a.site || a.cells == nil {
		a.site, a.cells = t.Site, a.counts[t.Site]
		if a.cells == nil {
			a.cells = new([7][24]float64)
			a.counts[t.Site] = a.cells
		}
	}
	// The report counts in the hour that holds it: the hour starting at
	// the whole hour before it.
	wd, h := a.clk.weekHour(t.Site, t.ReportedAt.Truncate(time.Hour))
	a.cells[wd][h]++
}

func (a *readsTally) report() HourGrid {
	var g HourGrid
	g.Samples = sampleCounts(a.first, a.n, a.clk, "")
	for _, site := range sortedKeys(a.counts) {
		samples := sampleCounts(a.first, a.n, a.clk, site)
		for wd := range 7 {
			for h := range 24 {
				if samples[wd][h] > 0 {
					g.Mean[wd][h] += a.counts[site][wd][h] / float64(samples[wd][h])
				}
			}
		}
	}
	return g
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
