package stats

import (
	"maps"
	"time"

	"github.com/voorrang/voorrang/worklist"
)

// binEdges are the upper bounds of a distribution's bins; the last bin
// holds everything longer.
var binEdges = []time.Duration{
	15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour,
	8 * time.Hour, 24 * time.Hour, 72 * time.Hour,
}

// binSeconds are binEdges in seconds, as the durations are counted.
var binSeconds = func() []float64 {
	s := make([]float64, len(binEdges))
	for i, e := range binEdges {
		s[i] = e.Seconds()
	}
	return s
}()

// A Distribution counts the studies of each group by how long an interval
// took, in bins: [0, 15 min), [15 min, 30 min), ... [3 d, ∞).
type Distribution struct {
	Interval Interval  `json:"interval"`
	By       Dimension `json:"by"`
	// Bins are the bins' lower bounds in seconds.
	Bins   []Seconds   `json:"bins"`
	Groups []BinCounts `json:"groups"`
}

// BinCounts are one group's counts per bin.
type BinCounts struct {
	Key    string `json:"key"`
	Counts []int  `json:"counts"`
}

// Distribute counts interval iv of the studies f keeps, grouped by, per
// bin.
func Distribute(facts worklist.Facts, iv Interval, by Dimension, f Filter, c *Calendar) Distribution {
	a := newDistributionTally(iv, by, f, c.clock())
	walk(facts, a)
	return a.report()
}

// A distributionTally counts a Distribution, a record at a time.
type distributionTally struct {
	iv     Interval
	by     Dimension
	f      Filter
	clk    *clock
	counts map[string][]int
}

func newDistributionTally(iv Interval, by Dimension, f Filter, clk *clock) *distributionTally {
	return &distributionTally{iv: iv, by: by, f: f, clk: clk, counts: map[string][]int{}}
}

func (a *distributionTally) add(t *worklist.Turnaround) {
	if !a.f.keeps(a.clk, t) {
		return
	}
	v, ok := a.iv.of(t)
	if !ok {
		return
	}
	k := a.by.key(a.clk, t)
	c := a.counts[k]
	if c == nil {
		c = make([]int, len(binEdges)+1)
		a.counts[k] = c
	}
	c[bin(v)]++
}

func (a *distributionTally) report() Distribution {
	d := Distribution{Interval: a.iv, By: a.by, Bins: []Seconds{0}}
	for _, e := range binEdges {
		d.Bins = append(d.Bins, Seconds(e/time.Second))
	}
	keys := []string{allStudies}
	if a.by != All {
		keys = a.by.groupKeys(maps.Keys(a.counts))
	}
	for _, k := range keys {
		c := a.counts[k]
		if c == nil {
			c = make([]int, len(d.Bins))
		}
		d.Groups = append(d.Groups, BinCounts{Key: k, Counts: c})
	}
	return d
}

// bin returns the bin of a duration of v seconds.
func bin(v float64) int {
	for i, e := range binSeconds {
		if v < e {
			return i
		}
	}
	return len(binEdges)
}
