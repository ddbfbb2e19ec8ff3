package worklist

import (
	"strconv"
	"strings"
)

// A Change is one entry of a site's change feed: a study changed at a
// position. It carries the study as it is when the change is read, not as
// it was written (the feed records only which study changed, so that each
// write stores the study once): a reader that applies changes in order
// converges on the current list.
type Change struct {
	Site      string     `json:"site"`
	ID        string     `json:"id"`   // the change's position in its site's feed
	Kind      ChangeKind `json:"kind"` // upsert when the study is on the list now, else remove
	Accession string     `json:"accession"`
	Version   int64      `json:"version"` // the study's version now
	Study     *Study     `json:"study"`   // the study now; nil when it no longer exists
}

// Positions in a site's change feed are "ms-seq" (or "ms"): two decimal
// numbers, ordered as pairs. A reconnecting panel sends the last one it
// saw, so they are outside input.

// ValidPosition reports whether p is a position: "ms-seq" or "ms", each
// a decimal number that fits 64 bits unsigned, as in a Redis stream ID.
func ValidPosition(p string) bool {
	ms, seq, hasSeq := strings.Cut(p, "-")
	number := func(s string) bool {
		_, err := strconv.ParseUint(s, 10, 64) // digits only: no sign, no underscores
		return err == nil
	}
	return number(ms) && (!hasSeq || number(seq))
}

// ComparePositions orders two valid positions "ms-seq" (or "ms"), as
// cmp.Compare does.
func ComparePositions(a, b string) int {
	am, as, _ := strings.Cut(a, "-")
	bm, bs, _ := strings.Cut(b, "-")
	x, _ := strconv.ParseUint(am, 10, 64)
	y, _ := strconv.ParseUint(bm, 10, 64)
	if x != y {
		if x < y {
			return -1
		}
		return 1
	}
	p, _ := strconv.ParseUint(as, 10, 64)
	q, _ := strconv.ParseUint(bs, 10, 64)
	switch {
	case p < q:
		return -1
	case p > q:
		return 1
	}
	return 0
}
