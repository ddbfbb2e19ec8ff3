package worklist

import (
	"cmp"
	"strings"

	"github.com/voorrang/voorrang/triage"
)

// A Place is where a study stands in the reading order. Studies are read
// by the score of their rank (band, most urgent first, then due time,
// earliest first, to the millisecond: triage.Score), then by site and
// accession number (as strings of bytes), so that no two studies tie.
// This is the one definition of the reading order: the store's lists,
// the simulator and the panel (through Key) all follow it.
type Place struct {
	Score     int64 // triage.Score of the rank
	Site      string
	Accession string
}

// Place returns the study's place in the reading order, by its rank.
func (s *Study) Place() Place {
	return Place{Score: triage.Score(s.Rank), Site: s.Site, Accession: s.Accession}
}

// Compare orders places for reading, as cmp.Compare does: a negative
// number when p is read before q.
func (p Place) Compare(q Place) int {
	return cmp.Or(cmp.Compare(p.Score, q.Score), strings.Compare(p.Site, q.Site), strings.Compare(p.Accession, q.Accession))
}

// Compare orders studies for reading by their ranks ([Place.Compare]).
func Compare(a, b *Study) int { return a.Place().Compare(b.Place()) }
