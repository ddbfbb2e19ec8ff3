package worklist

import (
	"cmp"
	"encoding/base32"
	"strconv"
	"strings"

	"github.com/voorrang/voorrang/triage"
)

// A Place is where a study stands in the reading order. Studies are read
// by the score of their rank (band, most urgent first, then due time,
// earliest first, to the millisecond: triage.Score), then by site and
// accession number (as strings of bytes), so that no two studies tie.
// This is the one definition of the reading order: the store's lists,
// the simulator and the panel (through Key, sent with every study as
// sortKey) all follow it.
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

// keyText encodes the site and accession of a Key: base32 with the
// "extended hex" alphabet of RFC 4648 keeps the order of the bytes it
// encodes, and its digits all sort after keySep.
var keyText = base32.HexEncoding.WithPadding(base32.NoPadding)

const keySep = '.'

// Key returns the place as a string that sorts, byte by byte, as Compare
// orders places: the score in 14 digits (every triage.Score has 14), then
// the site and the accession number in base32hex, each after a ".". For
// an urgent study due 2026-11-23 09:00 UTC, ZHWEST W26000101:
// "21795424400000.B945EHAJAG.ASP3CC1G60OJ0C8". It is ASCII, so a browser
// comparing strings (by UTF-16 code units) orders keys as Go does, and a
// site that is a prefix of another sorts first, as in Compare.
func (p Place) Key() string {
	var buf [96]byte // enough for most sites and accessions: one allocation, the string
	b := buf[:0]
	var digits [20]byte
	score := strconv.AppendInt(digits[:0], p.Score, 10)
	for range 14 - len(score) {
		b = append(b, '0')
	}
	b = append(append(b, score...), keySep)
	b = append(keyText.AppendEncode(b, []byte(p.Site)), keySep)
	return string(keyText.AppendEncode(b, []byte(p.Accession)))
}
