package stats

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSummariseMatchesSort: the percentiles found by selection equal those
// of the sorted values, for random sets of every size up to 300 and with
// many ties.
func TestSummariseMatchesSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 1; n <= 300; n++ {
		for _, spread := range []int{3, 1000, 1e6} {
			xs := make([]float64, n)
			for i := range xs {
				xs[i] = float64(rng.IntN(spread))
			}
			sorted := slices.Clone(xs)
			slices.Sort(sorted)
			got := summarise(slices.Clone(xs))
			want := Summary{N: n, Median: seconds(percentile(sorted, 50)), P90: seconds(percentile(sorted, 90)),
				P95: seconds(percentile(sorted, 95)), Max: seconds(sorted[n-1])}
			if *got.Median != *want.Median || *got.P90 != *want.P90 || *got.P95 != *want.P95 || *got.Max != *want.Max {
				t.Fatalf("n %d spread %d: %v %v %v %v, want %v %v %v %v", n, spread, *got.Median, *got.P90, *got.P95, *got.Max,
					*want.Median, *want.P90, *want.P95, *want.Max)
			}
		}
	}
}
