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
	clk := c.clock()
	d := Distribution{Interval: iv, By: by, Bins: []Seconds{0}}
	for _, e := range binEdges {
		d.Bins = append(d.Bins, Seconds(e/time.Second))
	}
	counts := map[string][]int{}
	for t := range facts.All() {
		if !f.keeps(clk, t) {
			continue
		}
		v, ok := iv.of(t)
		if !ok {
			continue
		}
		k := by.key(clk, t)
		if counts[k] == nil {
			counts[k] = make([]int, len(d.Bins))
		}
		counts[k][bin(v)]++
	}
	keys := []string{allStudies}
	if by != All {
		keys = by.groupKeys(maps.Keys(counts))
	}
	for _, k := range keys {
		c := counts[k]
		if c == nil {
			c = make([]int, len(d.Bins))
		}
		d.Groups = append(d.Groups, BinCounts{Key: k, Counts: c})
	}
	return d
}

// bin returns the bin of a duration of v seconds.
func bin(v float64) int {
	for i, e := range binEdges {
		if v < e.Seconds() {
			return i
		}
	}
	return len(binEdges)
}
