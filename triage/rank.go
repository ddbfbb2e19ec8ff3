package triage

import (
	"cmp"
	"slices"
	"strconv"
	"time"
)

// A Rank is where a study stands on the worklist: its band, when it is due to
// be read, and why. Studies are read band first, then earliest due first.
type Rank struct {
	Band    Band      `json:"band"`
	Due     time.Time `json:"due"`
	Reasons []Reason  `json:"reasons"` // most important first
	// EscalatesAt is when an escalation rule will lift the study into a
	// more urgent band, if it is still waiting then; zero if none will.
	// The rank changes at that moment with no new fact about the study,
	// so whoever keeps studies in order ranks it again then.
	EscalatesAt time.Time `json:"escalatesAt,omitzero"`
}

// Rank ranks the study f.
//
// Every order rule whose conditions hold, and every positive AI finding whose
// algorithm is enabled, whose confidence reaches the algorithm's threshold and
// whose finding rule matches, contributes a band and a due time: the start
// time the rule says plus its interval. The study takes the most urgent band
// and the earliest due time of all contributions, or those of the rules'
// "otherwise" when nothing contributes. A negative finding never contributes.
//
// The reasons list the contributions, most urgent band first and within a
// band earliest due first; then the AI findings that did not contribute, each
// saying why (negative results last); then how long the study has waited at
// now, counted from its completion (or order) time.
//
// Then the escalation rules apply: a study overdue at now by more than a
// rule's limit is lifted into the rule's band, keeping its due time, with
// the escalation as its first reason; Rank.EscalatesAt says when the next
// rule would lift it. Apart from that, now only stands in for the start of
// a study with neither time, so the band and due time of a study change
// while it waits only when it is escalated.
func (r *Rules) Rank(f Facts, now time.Time) Rank {
	var buf [8]entry // enough for most studies without allocating
	entries := buf[:0]
	ranked := false
	for i := range f.Findings {
		e, shown := r.findingEntry(&f, &f.Findings[i], now)
		if !shown {
			continue
		}
		e.reason.Finding = i + 1
		ranked = ranked || e.ranks
		entries = append(entries, e)
	}
	for i := range r.rules {
		ru := &r.rules[i]
		if ru.when.match(&f) {
			entries = append(entries, ru.entry(&f, now))
			ranked = true
		}
	}
	if !ranked {
		entries = append(entries, r.otherwise.entry(&f, now))
	}
	slices.SortStableFunc(entries, compareEntries)

	rank := Rank{Reasons: make([]Reason, 0, len(entries)+2)} // + waiting, escalated
	for i, e := range entries {
		if e.ranks && (i == 0 || e.due.Before(rank.Due)) {
			rank.Due = e.due
		}
		r := e.reason
		if e.ranks {
			r.Band = e.band
		}
		rank.Reasons = append(rank.Reasons, r)
	}
	rank.Band = entries[0].band // sorted: the most urgent contribution is first
	r.escalate(&f, &rank, now)
	if since := f.waitingSince(); !since.IsZero() && !now.Before(since) {
		rank.Reasons = append(rank.Reasons, Reason{Code: ReasonWaiting, Text: waitingText(now.Sub(since))})
	}
	return rank
}

// An entry is one reason while a rank is made: a contribution (ranks is true,
// with its band and due time) or a finding shown for information.
type entry struct {
	reason Reason
	ranks  bool
	band   Band
	due    time.Time
}

// compareEntries orders contributions before the rest; contributions by band
// and then due time; positive findings before negative ones.
func compareEntries(a, b entry) int {
	if a.ranks != b.ranks {
		if a.ranks {
			return -1
		}
		return 1
	}
	if !a.ranks {
		return cmp.Compare(negative(a), negative(b))
	}
	if c := cmp.Compare(a.band, b.band); c != 0 {
		return c
	}
	return a.due.Compare(b.due)
}

func negative(e entry) int {
	if e.reason.Code == ReasonAINegative {
		return 1
	}
	return 0
}

// entry returns the contribution of a matching rule.
func (ru *rule) entry(f *Facts, now time.Time) entry {
	return entry{reason: ru.reason, ranks: true, band: ru.band, due: ru.due(f, now)}
}

// findingEntry returns the entry of an AI finding: a contribution when it is
// present and its rules let it rank f, else a reason that says why not. It
// returns false for a finding that is not shown: its algorithm is off at
// the study's site.
func (r *Rules) findingEntry(f *Facts, fd *Finding, now time.Time) (entry, bool) {
	alg := r.algorithm(fd.Algorithm.ID)
	policy, algName := Policy{}, ""
	if alg != nil {
		policy, algName = alg.policy, alg.name
	}
	mode, threshold := policy.at(f.Site)
	if mode == Off {
		return entry{}, false
	}
	m, _, label := r.meaningOf(alg, fd)
	label = cmp.Or(label, fd.Display, fd.Code)
	name, sep, version := algorithmText(fd.Algorithm, algName)
	by := " (" + name + sep + version + ")"
	switch fd.Is() {
	case Absent:
		return entry{reason: Reason{Code: ReasonAINegative, Text: "AI: no " + label + by}}, true
	case Indeterminate:
		return entry{reason: Reason{Code: ReasonAIIndeterminate, Text: "AI: " + label + " indeterminate" + by}}, true
	}

	e := entry{reason: Reason{Code: ReasonAIInfo}}
	var note string
	switch {
	case mode == DisplayOnly:
		e.reason.Code, note = ReasonAIDisplayOnly, ", display only"
		if !policy.Approved {
			note += ": not approved"
		}
	case m == nil:
		e.reason.Code, note = ReasonAIUnmapped, ", not mapped to a known finding"
	case m.informational || !m.when.match(f):
		note = ", informational"
	case policy.IntendedUse.outside(f, now) != "":
		e.reason.Code, note = ReasonAIOutsideUse, ", outside intended use: "+policy.IntendedUse.outside(f, now)
	case fd.NoConfidence && threshold > 0 || fd.Confidence < threshold:
		e.reason.Code = ReasonAIBelowThreshold
		note = ", below " + strconv.FormatFloat(threshold*100, 'f', -1, 64) + "% threshold"
	default:
		e.reason.Code = ReasonAIFinding
		e.ranks, e.band, e.due = true, m.band, m.due(f, now)
	}
	conf := ""
	if !fd.NoConfidence {
		conf = " " + percent(fd.Confidence) + "%"
	}
	e.reason.Text = "AI: " + label + conf + by + note
	return e, true
}

// Ranks reports whether the finding i (from 0) of f ranks it, and in which
// band: it is present, its algorithm may prioritise at the study's site,
// the rules know what it means and that moves the study, the study is
// within the algorithm's intended use, and its confidence reaches the
// threshold.
func (r *Rules) Ranks(f *Facts, i int, now time.Time) (Band, bool) {
	if i < 0 || i >= len(f.Findings) {
		return 0, false
	}
	e, shown := r.findingEntry(f, &f.Findings[i], now)
	return e.band, shown && e.ranks
}
