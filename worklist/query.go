package worklist

import (
	"slices"
	"strings"
	"time"

	"github.com/voorrang/voorrang/triage"
)

// A Query selects studies on the reading list.
type Query struct {
	Sites      []string    // empty: every site
	Modalities []string    // empty: any
	Band       triage.Band // zero: any
	ClaimedBy  string      // only studies this reader holds
	Unclaimed  bool        // only studies nobody holds
	// Match, when set, keeps only the studies it accepts (sections).
	Match  func(*Study) bool
	Offset int
	Limit  int // zero means 50; at most 500
}

// Filtered reports whether the query drops studies of its sites and band
// (by modality, claim or Match), so that a page must read ahead.
func (q Query) Filtered() bool {
	return len(q.Modalities) > 0 || q.ClaimedBy != "" || q.Unclaimed || q.Match != nil
}

// Keeps reports whether the study passes the query's filters other than
// site and band, at now (claims lapse).
func (q Query) Keeps(st *Study, now time.Time) bool {
	if len(q.Modalities) > 0 && !slices.ContainsFunc(q.Modalities, func(m string) bool { return strings.EqualFold(m, st.Modality) }) {
		return false
	}
	held := st.Claim.HeldAt(now)
	if q.ClaimedBy != "" && (!held || st.Claim.By != q.ClaimedBy) {
		return false
	}
	if q.Unclaimed && held {
		return false
	}
	if q.Match != nil && !q.Match(st) {
		return false
	}
	return true
}

// A Page is one page of the reading list.
type Page struct {
	Studies []*Study `json:"studies"`
	// Total is how many studies are on the reading list of the queried
	// sites, before the filters other than band.
	Total int64 `json:"total"`
	// More is true when further studies match beyond this page.
	More bool `json:"more"`
}

// A Waiting is a study on the reading list as the backlog statistics see
// it: its rank and since when it waits.
type Waiting struct {
	Site      string      `json:"site"`
	Accession string      `json:"accession"`
	Band      triage.Band `json:"band"`
	Due       time.Time   `json:"due"`
	ReadyAt   time.Time   `json:"readyAt"` // see Study.ReadyAt
}
