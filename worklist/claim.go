package worklist

import (
	"fmt"
	"time"
)

// A Claim is a reader's lease on a study.
type Claim struct {
	By string `json:"by"`
	// Name is how colleagues know the reader ("Dr. A. Jansen"); empty
	// means By.
	Name  string    `json:"name,omitempty"`
	At    time.Time `json:"at"`
	Until time.Time `json:"until"`
}

// HeldAt reports whether the claim is in force at t.
func (c *Claim) HeldAt(t time.Time) bool { return c != nil && t.Before(c.Until) }

// An AuditRecord is one entry of a site's audit trail: who did what to
// which study, and when.
type AuditRecord struct {
	At        time.Time `json:"at"`
	Actor     string    `json:"actor"`
	Action    string    `json:"action"` // claim, renew, release, override, view
	Site      string    `json:"site"`
	Accession string    `json:"accession"`
	// Previous is whose claim an override or forced release broke.
	Previous string `json:"previous,omitempty"`
}

// A Reader is who claims a study: the principal's name, which the claim is
// checked and audited by, and the name colleagues know them by.
type Reader struct {
	Name, Display string
}

// TakeClaim returns the edit that gives the study to reader for ttl.
// Claiming a study one holds renews the lease. A study claimed by someone
// else is refused with ErrConflict unless override is set; a reported or
// cancelled study is refused too. Every claim is audited, an override as
// such.
func TakeClaim(reader string, override bool, ttl time.Duration) Edit {
	return ClaimFor(Reader{Name: reader}, override, ttl)
}

// ClaimFor is TakeClaim for a reader with a display name, which the claim
// carries for colleagues to see.
func ClaimFor(r Reader, override bool, ttl time.Duration) Edit {
	reader := r.Name
	return func(st *Study, now time.Time) (bool, *AuditRecord, error) {
		if reader == "" {
			return false, nil, fmt.Errorf("%w: a claim needs the reader's name", ErrInvalid)
		}
		rec := &AuditRecord{At: now, Actor: reader, Action: "claim", Site: st.Site, Accession: st.Accession}
		held := st.Claim.HeldAt(now)
		switch {
		case st.Status.Closed():
			return false, nil, fmt.Errorf("%w: study is %s", ErrConflict, st.Status)
		case held && st.Claim.By == reader:
			rec.Action = "renew"
		case held && !override:
			return false, nil, fmt.Errorf("%w: claimed by %s until %s", ErrConflict, st.Claim.By, st.Claim.Until.Format(time.RFC3339))
		case held:
			rec.Action, rec.Previous = "override", st.Claim.By
		}
		at := now
		if rec.Action == "renew" {
			at = st.Claim.At
		}
		name := r.Display
		if name == reader {
			name = ""
		}
		st.Claim = &Claim{By: reader, Name: name, At: at, Until: now.Add(ttl)}
		if st.FirstClaimedAt.IsZero() {
			st.FirstClaimedAt = now
		}
		return true, rec, nil
	}
}

// ReleaseClaim returns the edit that ends reader's claim. Releasing
// someone else's claim needs override, and is audited; releasing a study
// nobody holds does nothing (but forgets a lapsed claim).
func ReleaseClaim(reader string, override bool) Edit {
	return func(st *Study, now time.Time) (bool, *AuditRecord, error) {
		if !st.Claim.HeldAt(now) {
			changed := st.Claim != nil
			st.Claim = nil
			return changed, nil, nil
		}
		rec := &AuditRecord{At: now, Actor: reader, Action: "release", Site: st.Site, Accession: st.Accession}
		if st.Claim.By != reader {
			if !override {
				return false, nil, fmt.Errorf("%w: claimed by %s", ErrConflict, st.Claim.By)
			}
			rec.Action, rec.Previous = "override-release", st.Claim.By
		}
		st.Claim = nil
		return true, rec, nil
	}
}
