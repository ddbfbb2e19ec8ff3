package triage

import (
	"cmp"
	"math/rand/v2"
	"testing"
	"time"
)

// The due times a Score must hold exactly: 1970 to 2200.
var (
	earliest = time.Unix(0, 0).UTC()
	latest   = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

// TestScoreOrder checks on random ranks that scores sort by band, then due
// time to the millisecond, and that a float64 holds each score exactly.
func TestScoreOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	span := latest.UnixMilli() - earliest.UnixMilli()
	random := func() Rank {
		// Half the pairs share a band, so due times decide often.
		return Rank{
			Band: Band(1 + rng.IntN(3)),
			Due:  time.UnixMilli(rng.Int64N(span + 1)).Add(time.Duration(rng.IntN(1e6))),
		}
	}
	for range 100_000 {
		a, b := random(), random()
		if rng.IntN(4) == 0 {
			b.Due = a.Due.Add(time.Duration(rng.IntN(3)-1) * time.Millisecond)
		}
		want := cmp.Or(cmp.Compare(a.Band, b.Band), cmp.Compare(a.Due.UnixMilli(), b.Due.UnixMilli()))
		sa, sb := Score(a), Score(b)
		if got := cmp.Compare(sa, sb); got != want {
			t.Fatalf("Score(%v %v) = %d, Score(%v %v) = %d: compare %d, want %d", a.Band, a.Due, sa, b.Band, b.Due, sb, got, want)
		}
		checkExact(t, a, sa)
	}
}

func checkExact(t *testing.T, r Rank, s int64) {
	t.Helper()
	if s <= 0 || s >= 1<<53 || int64(float64(s)) != s {
		t.Fatalf("Score(%v %v) = %d, not exact in a float64", r.Band, r.Due, s)
	}
	band, due := SplitScore(s)
	if band != r.Band || !due.Equal(r.Due.Truncate(time.Millisecond)) {
		t.Fatalf("SplitScore(Score(%v %v)) = %v %v", r.Band, r.Due, band, due)
	}
}

func TestScoreEdges(t *testing.T) {
	tests := []struct {
		name string
		rank Rank
		want int64
	}{
		{"1970", Rank{Band: Critical, Due: earliest}, 1 * bandStep},
		{"2200", Rank{Band: Routine, Due: latest}, 3*bandStep + latest.UnixMilli()},
		{"milliseconds count", Rank{Band: Urgent, Due: time.UnixMilli(1741082400123)}, 2*bandStep + 1741082400123},
		{"before 1970 counts as 1970", Rank{Band: Urgent, Due: time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC)}, 2 * bandStep},
		{"zero due counts as 1970", Rank{Band: Urgent}, 2 * bandStep},
		{"after 2286 is held there", Rank{Band: Critical, Due: time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)}, 2*bandStep - 1},
		{"far future does not overflow", Rank{Band: Critical, Due: time.Date(300_000_000, 1, 1, 0, 0, 0, 0, time.UTC)}, 2*bandStep - 1},
		{"invalid band counts as routine", Rank{Band: 0, Due: earliest}, 3 * bandStep},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Score(tt.rank); got != tt.want {
				t.Errorf("Score = %d, want %d", got, tt.want)
			}
		})
	}
	// Every score stays below 2⁵³.
	if max := Score(Rank{Band: Routine, Due: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)}); max >= 1<<53 {
		t.Errorf("largest score %d is not below 2^53", max)
	}
	// A critical study due in 2200 still reads before an urgent one due in 1970.
	if Score(Rank{Band: Critical, Due: latest}) >= Score(Rank{Band: Urgent, Due: earliest}) {
		t.Error("a later critical study scores after an earlier urgent one")
	}
}
