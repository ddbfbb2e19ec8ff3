package triage

import (
	"strconv"
	"time"
)

// An escalationRule keeps work from starving: a study of one of its bands,
// overdue by more than after, is read as if it were in band to, at its own
// due time. Read band first and then by due time, an overdue routine study
// never passes a fresh urgent one; escalated, it passes every urgent study
// due after it.
type escalationRule struct {
	reason Reason // Band is to
	when   condition
	bands  []Band // the bands it lifts a study out of
	after  time.Duration
	to     Band // never Critical: nothing is placed above a critical finding
}

// escalate lifts rank out of its band when an escalation rule says so at
// now, and notes when the next rule that would lift it falls due. The due
// time stays: an escalated study is read among the urgent work at its own
// due time, which is in the past, so before every urgent study that is not
// itself overdue by as much.
func (r *Rules) escalate(f *Facts, rank *Rank, now time.Time) {
	var lift *escalationRule
	for i := range r.escalations {
		e := &r.escalations[i]
		if !e.applies(rank.Band) || !e.when.match(f) {
			continue
		}
		at := rank.Due.Add(e.after)
		switch {
		case now.Before(at):
			// Later: the earliest such time is when the rank changes next.
			if rank.EscalatesAt.IsZero() || at.Before(rank.EscalatesAt) {
				rank.EscalatesAt = at
			}
		case lift == nil || e.to < lift.to || e.to == lift.to && e.after < lift.after:
			lift = e // the most urgent band; of those, the first to fall due
		}
	}
	if lift == nil {
		return
	}
	rank.Band = lift.to
	rank.Reasons = append(rank.Reasons, Reason{})
	copy(rank.Reasons[1:], rank.Reasons)
	rank.Reasons[0] = lift.reason
	// A rule that lifts a study no higher than it is now is moot.
	rank.EscalatesAt = time.Time{}
	for i := range r.escalations {
		e := &r.escalations[i]
		if e.to < rank.Band && e.applies(rank.Band) && e.when.match(f) {
			if at := rank.Due.Add(e.after); rank.EscalatesAt.IsZero() || at.Before(rank.EscalatesAt) {
				rank.EscalatesAt = at
			}
		}
	}
}

// applies reports whether the rule lifts studies of band b.
func (e *escalationRule) applies(b Band) bool {
	if e.to >= b {
		return false
	}
	for _, x := range e.bands {
		if x == b {
			return true
		}
	}
	return false
}

// HasEscalation reports whether the rules escalate any study.
func (r *Rules) HasEscalation() bool { return len(r.escalations) > 0 }

// WithoutEscalation returns a copy of r that escalates nothing.
func (r *Rules) WithoutEscalation() *Rules {
	c := *r
	c.escalations = nil
	return &c
}

// WithEscalation returns a copy of r with the escalation rules of from
// instead of its own.
func (r *Rules) WithEscalation(from *Rules) *Rules {
	c := *r
	c.escalations = from.escalations
	return &c
}

// RankingFindings returns the codes of the findings of an algorithm that
// can move a study (not informational, by their own rule or their
// concept's), in file order; none when the rules do not know the algorithm
// or it may not prioritise (at a site with no mode of its own).
func (r *Rules) RankingFindings(algorithmID string) []string {
	a := r.algorithm(algorithmID)
	if a == nil {
		return nil
	}
	if mode, _ := a.policy.at(""); mode != Prioritise {
		return nil
	}
	var codes []string
	for _, f := range a.findings {
		m := &f.meaning
		if f.concept != "" {
			if c := r.concept(f.concept); c != nil {
				m = &c.meaning
			}
		}
		if !m.informational {
			codes = append(codes, f.code)
		}
	}
	return codes
}

// escalationText words the reason of an escalation after d overdue:
// "overdue 6 h: escalated".
func escalationText(d time.Duration) string {
	if d <= 0 {
		return "overdue: escalated"
	}
	return "overdue " + durationText(d) + ": escalated"
}

// durationText words a limit from a rules file exactly: "45 min", "6 h",
// "1 h 30 min", "3 d".
func durationText(d time.Duration) string {
	const day = 24 * time.Hour
	switch {
	case d%day == 0:
		return strconv.Itoa(int(d/day)) + " d"
	case d%time.Hour == 0:
		return strconv.Itoa(int(d/time.Hour)) + " h"
	case d < time.Hour && d%time.Minute == 0:
		return strconv.Itoa(int(d/time.Minute)) + " min"
	case d%time.Minute == 0:
		return strconv.Itoa(int(d/time.Hour)) + " h " + strconv.Itoa(int(d%time.Hour/time.Minute)) + " min"
	}
	return d.String()
}
