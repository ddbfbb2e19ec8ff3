package worklist

import (
	"context"
	"fmt"
	"time"
)

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

// Claim gives the study to reader for the claim lease (Options.ClaimTTL).
// Claiming a study one holds renews the lease. A study claimed by someone
// else is refused with ErrConflict unless override is set; every override
// is audited.
func (s *Store) Claim(ctx context.Context, site, acc, reader string, override bool) (*Study, error) {
	if reader == "" {
		return nil, fmt.Errorf("%w: a claim needs the reader's name", ErrInvalid)
	}
	m := mutation{site: site, acc: acc}
	m.fn = func(st *Study, now time.Time) (bool, *AuditRecord, error) {
		rec := &AuditRecord{At: now, Actor: reader, Action: "claim", Site: site, Accession: acc}
		switch {
		case st.Status.closed():
			return false, nil, fmt.Errorf("%w: study is %s", ErrConflict, st.Status)
		case st.Claim.heldAt(now) && st.Claim.By == reader:
			rec.Action = "renew"
		case st.Claim.heldAt(now) && !override:
			return false, nil, fmt.Errorf("%w: claimed by %s until %s", ErrConflict, st.Claim.By, st.Claim.Until.Format(time.RFC3339))
		case st.Claim.heldAt(now):
			rec.Action, rec.Previous = "override", st.Claim.By
		}
		at := now
		if rec.Action == "renew" {
			at = st.Claim.At
		}
		st.Claim = &Claim{By: reader, At: at, Until: now.Add(s.opts.ClaimTTL)}
		if st.FirstClaimedAt.IsZero() {
			st.FirstClaimedAt = now
		}
		return true, rec, nil
	}
	out, err := s.mutate(ctx, m)
	if err != nil {
		return nil, fmt.Errorf("claim %s: %w", acc, err)
	}
	return out.Study, nil
}

// Release ends reader's claim. Releasing someone else's claim needs
// override, and is audited; releasing a study nobody holds does nothing.
func (s *Store) Release(ctx context.Context, site, acc, reader string, override bool) (*Study, error) {
	m := mutation{site: site, acc: acc}
	m.fn = func(st *Study, now time.Time) (bool, *AuditRecord, error) {
		if !st.Claim.heldAt(now) {
			changed := st.Claim != nil
			st.Claim = nil
			return changed, nil, nil
		}
		rec := &AuditRecord{At: now, Actor: reader, Action: "release", Site: site, Accession: acc}
		if st.Claim.By != reader {
			if !override {
				return false, nil, fmt.Errorf("%w: claimed by %s", ErrConflict, st.Claim.By)
			}
			rec.Action, rec.Previous = "override-release", st.Claim.By
		}
		st.Claim = nil
		return true, rec, nil
	}
	out, err := s.mutate(ctx, m)
	if err != nil {
		return nil, fmt.Errorf("release %s: %w", acc, err)
	}
	return out.Study, nil
}
