package worklist_test

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

func TestPlaceKey(t *testing.T) {
	p := worklist.Place{Score: triage.Score(triage.Rank{Band: triage.Urgent, Due: t0}), Site: "ZHWEST", Accession: "W26000101"}
	if got, want := p.Key(), "21795424400000.B945EHAJAG.ASP3CC1G60OJ0C8"; got != want {
		t.Errorf("Key() = %q, want %q", got, want)
	}
}

// TestPlaceKeyOrder: keys sort, as Go strings and as the browser's UTF-16
// strings, exactly as Compare orders places, ties on score included.
func TestPlaceKeyOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	texts := []string{"A", "AB", "A B", "B", "a", "Z", "ZH", "ZHWEST", "ZHWEST2", "1", "10", "2", "W26000101", "W2600010",
		"é", "e\u0301", "\uFFFD", "\U0001F600", "x\x7e", "~", " "}
	scores := []int64{
		triage.Score(triage.Rank{Band: triage.Critical, Due: t0}),
		triage.Score(triage.Rank{Band: triage.Urgent, Due: t0}),
		triage.Score(triage.Rank{Band: triage.Urgent, Due: t0.Add(time.Millisecond)}),
		triage.Score(triage.Rank{Band: triage.Routine, Due: time.Unix(0, 0)}),
		triage.Score(triage.Rank{Band: triage.Routine, Due: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)}),
	}
	var places []worklist.Place
	for range 2000 {
		places = append(places, worklist.Place{Score: scores[rng.IntN(len(scores))],
			Site: texts[rng.IntN(len(texts))], Accession: texts[rng.IntN(len(texts))] + texts[rng.IntN(len(texts))]})
	}
	byCompare := slices.Clone(places)
	slices.SortFunc(byCompare, worklist.Place.Compare)
	byKey := slices.Clone(places)
	slices.SortFunc(byKey, func(a, b worklist.Place) int { return strings.Compare(a.Key(), b.Key()) })
	byUTF16 := slices.Clone(places)
	slices.SortFunc(byUTF16, func(a, b worklist.Place) int {
		return slices.Compare(utf16.Encode([]rune(a.Key())), utf16.Encode([]rune(b.Key())))
	})
	for i := range places {
		if byCompare[i].Compare(byKey[i]) != 0 || byCompare[i].Compare(byUTF16[i]) != 0 {
			t.Fatalf("at %d: Compare puts %+v, the keys %+v, UTF-16 %+v", i, byCompare[i], byKey[i], byUTF16[i])
		}
	}
}

// TestCompareStudies: the reading order of studies is their ranks' score,
// then site, then accession.
func TestCompareStudies(t *testing.T) {
	st := func(band triage.Band, due time.Time, site, acc string) *worklist.Study {
		return &worklist.Study{Site: site, Accession: acc, Rank: triage.Rank{Band: band, Due: due}}
	}
	want := []*worklist.Study{
		st(triage.Critical, t0.Add(time.Hour), "B", "1"),
		st(triage.Urgent, t0.Add(-time.Hour), "A", "1"),
		st(triage.Urgent, t0, "A", "1"),
		st(triage.Urgent, t0.Add(400*time.Microsecond), "A", "2"), // the same millisecond: a tie
		st(triage.Urgent, t0, "AB", "0"),
		st(triage.Urgent, t0, "B", "0"),
		st(triage.Routine, t0.Add(-48*time.Hour), "A", "1"),
	}
	got := slices.Clone(want)
	slices.Reverse(got)
	slices.SortFunc(got, worklist.Compare)
	if !slices.Equal(got, want) {
		for i := range got {
			t.Errorf("%d: %s/%s", i, got[i].Site, got[i].Accession)
		}
	}
}

func BenchmarkPlaceKey(b *testing.B) {
	p := worklist.Place{Score: triage.Score(triage.Rank{Band: triage.Urgent, Due: t0}), Site: "ZHWEST", Accession: "W26000101"}
	b.ReportAllocs()
	for b.Loop() {
		_ = p.Key()
	}
}
