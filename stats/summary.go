package stats

import (
	"math"
	"slices"
	"time"
)

// A Summary describes a set of durations. Its figures are nil when the
// set is empty.
type Summary struct {
	N      int      `json:"n"`
	Median *Seconds `json:"median"`
	P90    *Seconds `json:"p90"`
	P95    *Seconds `json:"p95"`
	Max    *Seconds `json:"max"`
}

// Seconds is a duration in whole seconds.
type Seconds int64

// Duration returns s as a time.Duration.
func (s Seconds) Duration() time.Duration { return time.Duration(s) * time.Second }

func seconds(v float64) *Seconds {
	s := Seconds(math.Round(v))
	return &s
}

// summarise describes the durations ds (seconds); it sorts ds.
func summarise(ds []float64) Summary {
	s := Summary{N: len(ds)}
	if len(ds) == 0 {
		return s
	}
	slices.Sort(ds)
	s.Median = seconds(percentile(ds, 50))
	s.P90 = seconds(percentile(ds, 90))
	s.P95 = seconds(percentile(ds, 95))
	s.Max = seconds(ds[len(ds)-1])
	return s
}

// percentile returns the p-th percentile of the sorted values xs,
// interpolating between the nearest ranks; NaN when xs is empty.
func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	h := float64(len(xs)-1) * p / 100
	lo := int(math.Floor(h))
	if lo >= len(xs)-1 {
		return xs[len(xs)-1]
	}
	return xs[lo] + (h-float64(lo))*(xs[lo+1]-xs[lo])
}
