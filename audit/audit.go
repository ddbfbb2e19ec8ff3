// Package audit is Voorrang's audit trail: who did what, when, from where,
// and with what outcome. Sign-ins and their failures, views of a patient's
// study, claims and overrides, AI feedback and reviews of discrepancies,
// changes to rules, algorithms, AI pilots and accounts, and reads of dead
// letters, of the statistics export and of the trail itself.
//
// An entry names a patient's study (site and accession) only when the
// action is about that study; a view of the list records the filter and
// the count, not the patients on it. The trail is append-only: nothing in
// Voorrang changes or deletes an entry, except the store's retention,
// which drops the oldest.
package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// Actions recorded.
const (
	SignIn            = "signin"             // Outcome ok or denied; Method password, oidc or token
	SignOut           = "signout"            // the principal ended their session
	SignOutAll        = "signout.all"        // an admin ended every session of Target
	AccessDenied      = "access.denied"      // a principal was refused a route (Detail: the route)
	WorklistView      = "worklist.view"      // the list was read (Detail: filters and count)
	WorklistLive      = "worklist.live"      // a live feed (websocket) opened
	StudyView         = "study.view"         // one study was read
	Claim             = "claim"              // a claim (Detail: renew, override of X)
	Release           = "release"            // a claim released (Detail: override of X)
	Feedback          = "feedback"           // agree or disagree with an AI result (Target: result ID)
	DeadLettersRead   = "deadletters.read"   // refused messages were read (Detail: count)
	AuditRead         = "audit.read"         // the trail was read or exported
	UserAdd           = "user.add"           // Target: the account
	UserChange        = "user.change"        // Target: the account; Detail: what changed
	RulesChange       = "rules.change"       // the triage rules were reloaded or changed
	AlgorithmChange   = "algorithm.change"   // Target: the algorithm
	PilotChange       = "pilot.change"       // an AI pilot defined, changed or ended (Target: its ID; Detail: the definition)
	StatsExport       = "stats.export"       // the per-study CSV export, pseudonymised (Detail: the period and filters)
	DiscrepancyReview = "discrepancy.review" // an AI finding after the final report was reviewed (Target: result ID; Detail: the note)
)

// Outcomes.
const (
	OK     = "ok"
	Denied = "denied"
	Failed = "failed"
)

// An Entry is one line of the trail.
type Entry struct {
	// ID is the store's ID of the entry (a Redis stream ID), set when
	// read back.
	ID      string    `json:"id,omitempty"`
	At      time.Time `json:"at"`
	Actor   string    `json:"actor"`            // the principal's name; "" for an unknown caller
	Method  string    `json:"method,omitempty"` // how the actor signed in: password, oidc, token, cli, system
	Action  string    `json:"action"`
	Outcome string    `json:"outcome"`
	// Site and Accession name the study the action is about, and only
	// then.
	Site      string `json:"site,omitempty"`
	Accession string `json:"accession,omitempty"`
	// Target is what else the action is about: an account, an algorithm,
	// a pilot, an AI result.
	Target string `json:"target,omitempty"`
	Detail string `json:"detail,omitempty"`
	// Remote is the client's address.
	Remote string `json:"remote,omitempty"`
}

// Check says what is missing in e for the trail.
func (e *Entry) Check() error {
	switch {
	case e.At.IsZero():
		return errors.New("audit entry without a time")
	case e.Action == "":
		return errors.New("audit entry without an action")
	case e.Outcome == "":
		return errors.New("audit entry without an outcome")
	}
	return nil
}

// A Query selects entries of a trail: those from From (inclusive) to To
// (exclusive), after the entry with ID After (to page), of Actor and
// Action when set.
type Query struct {
	From, To      time.Time
	After         string
	Actor, Action string
	// Limit is how many to return; zero means 100, at most 1,000.
	Limit int
}

// A Recorder appends entries to a trail.
type Recorder interface {
	Record(ctx context.Context, e Entry) error
}

// Tee records each entry with every one of its recorders, in order; it
// reports the errors of all that failed.
type Tee []Recorder

// Record records e with each recorder.
func (t Tee) Record(ctx context.Context, e Entry) error {
	var errs []error
	for _, r := range t {
		if err := r.Record(ctx, e); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// A File appends entries as JSON lines to a file, for archiving beyond the
// store's retention or shipping to a SIEM. Safe for concurrent use.
type File struct {
	mu sync.Mutex
	w  io.WriteCloser
}

// OpenFile opens (or creates, mode 0600) the file name for appending.
func OpenFile(name string) (*File, error) {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit file: %w", err)
	}
	return &File{w: f}, nil
}

// Record appends e as one line.
func (f *File) Record(_ context.Context, e Entry) error {
	line, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("audit file: %w", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := f.w.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("audit file: %w", err)
	}
	return nil
}

// Close closes the file.
func (f *File) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.w.Close()
}
