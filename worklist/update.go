package worklist

import (
	"time"

	"github.com/voorrang/voorrang/triage"
)

// An Edit changes one study at now: it reports whether anything changed
// and, for an action a person took (a claim, feedback), the audit record
// of it. An error leaves the change unmade.
type Edit func(st *Study, now time.Time) (changed bool, audit *AuditRecord, err error)

// ApplyEvent returns the edit that merges e into a study ([Study.Apply]);
// now is when Voorrang received it.
func ApplyEvent(e Event) Edit {
	return func(st *Study, now time.Time) (bool, *AuditRecord, error) {
		changed, err := st.Apply(e, now)
		return changed, nil, err
	}
}

// A ChangeKind says how a change moves a study on the reading list.
type ChangeKind string

// The kinds of change of the reading list.
const (
	// ChangeUpsert: the study is on the list now (it entered it, moved, or
	// changed in place).
	ChangeUpsert ChangeKind = "upsert"
	// ChangeRemove: the study left the list (reported, cancelled).
	ChangeRemove ChangeKind = "remove"
	// ChangeNone: the study was not on the list and is not now.
	ChangeNone ChangeKind = ""
)

// A Transition is what Update did to a study.
type Transition struct {
	// Changed is false when nothing changed (stale or repeated input).
	Changed bool
	// Audit is the edit's audit record, if it makes one.
	Audit *AuditRecord
	// List is how the reading list changes.
	List ChangeKind
	// Turnaround is the study's turnaround record when it is closed
	// (reported or cancelled) and this change closed or changed it; the
	// store sets its Version and Section.
	Turnaround *Turnaround
	// Reopened is true when a cancelled study was ordered again.
	Reopened bool
	// Dropped holds the errors of kept events that could not be applied;
	// they are dropped, and the rest goes on.
	Dropped []error
}

// Update brings a study up to date: it merges the events kept for its
// accession before the study existed (pending, in arrival order), then
// makes edit, and ranks the study at now by rules. It returns what
// changed and how the reading list moves. It is the whole of the merge;
// the store only reads the study before and writes it after.
func Update(st *Study, pending []Event, edit Edit, rules *triage.Rules, now time.Time) (Transition, error) {
	before := *st
	var tr Transition
	for _, e := range pending {
		changed, err := st.Apply(e, now)
		if err != nil {
			tr.Dropped = append(tr.Dropped, err)
		}
		tr.Changed = tr.Changed || changed
	}
	changed, audit, err := edit(st, now)
	if err != nil {
		return Transition{}, err
	}
	tr.Changed, tr.Audit = tr.Changed || changed, audit
	st.Refresh(rules, now)
	switch {
	case st.OnList:
		tr.List = ChangeUpsert
	case before.OnList:
		tr.List = ChangeRemove
	}
	if st.Status.Closed() && (tr.Changed || !before.Status.Closed()) {
		t := newTurnaround(st, rules, now)
		tr.Turnaround = &t
	}
	tr.Reopened = before.Status.Closed() && !st.Status.Closed()
	return tr, nil
}

// An Outcome says what a store did with an event.
type Outcome struct {
	// Duplicate is true when the input was applied before; Ack then holds
	// the value stored with it (the ACK the sender got).
	Duplicate bool
	Ack       []byte
	// Pending is true when the event waits for its order.
	Pending bool
	// Expired is true when the event is for a study that closed and
	// expired: it was ignored, so that a replay does not bring the study
	// back.
	Expired bool
	// Changed is false when the event changed nothing (stale or repeated).
	Changed bool
	// Study is the study after the event; nil when pending or a duplicate.
	Study *Study
	// Position is the change feed position of the change, if one was
	// recorded.
	Position string
	// Discrepancies are the findings of an AI result that came after the
	// study's final report and would have moved it: they went to the
	// discrepancy list.
	Discrepancies []Discrepancy
}
