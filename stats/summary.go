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

// summarise describes the durations ds (seconds); it reorders ds. The
// percentiles are found by selection, not by sorting: each needs the
// values at two ranks, which quickselect finds in linear time, and the
// selections narrow (the median is within the p90's left part, which is
// within the p95's).
func summarise(ds []float64) Summary {
	s := Summary{N: len(ds)}
	if len(ds) == 0 {
		return s
	}
	xs := ds
	for _, p := range []struct {
		pct float64
		out **Seconds
	}{{95, &s.P95}, {90, &s.P90}, {50, &s.Median}} {
		h := float64(len(ds)-1) * p.pct / 100
		lo := int(math.Floor(h))
		a := selectRank(xs, lo)
		v := a
		if lo+1 < len(ds) && h > float64(lo) {
			v += (h - float64(lo)) * (slices.Min(ds[lo+1:]) - a)
		}
		*p.out = seconds(v)
		xs = ds[:lo+1] // every later rank is at or below lo
	}
	s.Max = seconds(slices.Max(ds))
	return s
}

// selectRank reorders xs so that xs[k] is the value of rank k (from 0)
// of xs sorted, with nothing greater before it and nothing less after
// it, and returns it (Hoare's quickselect, median-of-three pivots; an
// insertion sort below 16 values).
func selectRank(xs []float64, k int) float64 {
	lo, hi := 0, len(xs)-1
	for hi-lo > 16 {
		mid := lo + (hi-lo)/2
		if xs[mid] < xs[lo] {
			xs[mid], xs[lo] = xs[lo], xs[mid]
		}
		if xs[hi] < xs[lo] {
			xs[hi], xs[lo] = xs[lo], xs[hi]
		}
		if xs[hi] < xs[mid] {
			xs[hi], xs[mid] = xs[mid], xs[hi]
		}
		pivot := xs[mid]
		i, j := lo, hi
		for i <= j {
			for xs[i] < pivot {
				i++
			}
			for xs[j] > pivot {
				j--
			}
			if i <= j {
				xs[i], xs[j] = xs[j], xs[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return xs[k]
		}
	}
	slices.Sort(xs[lo : hi+1])
	return xs[k]
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
