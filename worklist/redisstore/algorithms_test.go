package redisstore

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/voorrang/voorrang/internal/redistest"
	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

// snomedPE is a PE result of a vendor the rules file does not name, coded
// in SNOMED CT and RadLex only.
func snomedPE(site, acc, id string, conf float64) worklist.Event {
	algo := triage.Algorithm{ID: "nordlicht-ctpa", Name: "CTPA Triage", Version: "3.0.2", Vendor: "Nordlicht AI"}
	return worklist.Event{Kind: worklist.AIResultReceived, Site: site, Accession: acc, At: t0, Source: "ai:" + id,
		AI: &worklist.AIResult{ID: id, Algorithm: algo, ProducedAt: t0, Findings: []triage.Finding{
			{Code: "59282003", Codes: []triage.Coding{{System: "http://snomed.info/sct", Code: "59282003"}, {System: "http://radlex.org", Code: "RID4834"}},
				Display: "Pulmonary embolism", Presence: triage.Present, Positive: true, Confidence: conf},
			{Code: "X-ODD", Codes: []triage.Coding{{System: "urn:nordlicht", Code: "X-ODD"}}, Display: "odd thing", Presence: triage.Present, Positive: true, Confidence: 0.7},
		}}}
}

func ptr[T any](v T) *T { return &v }

func approve(mode triage.Mode) worklist.AlgorithmPatch {
	return worklist.AlgorithmPatch{Approved: ptr(true), Mode: ptr(mode), Regulatory: ptr("CE MDR class IIa"), Why: "local validation 2026-11"}
}

func band(t *testing.T, s *Store, site, acc string) triage.Band {
	t.Helper()
	st, err := s.Get(context.Background(), site, acc)
	if err != nil {
		t.Fatal(err)
	}
	return st.Rank.Band
}

func TestRegistryApprovalGate(t *testing.T) {
	s, clk := newTestStore(t)
	ctx := context.Background()
	mustApply(t, s, order(worklist.ExamCompleted, "ZHWEST", "W1", t0, nil))
	clk.Add(time.Minute)
	out := mustApply(t, s, snomedPE("ZHWEST", "W1", "nl-1", 0.91))
	if out.Study.Rank.Band != triage.Routine {
		t.Fatalf("a new algorithm's PE: band %s, want routine (display-only until approved); reasons %v", out.Study.Rank.Band, out.Study.Rank.Reasons)
	}
	if i := slices.IndexFunc(out.Study.Rank.Reasons, func(r triage.Reason) bool { return r.Finding == 1 }); i < 0 ||
		out.Study.Rank.Reasons[i].Code != triage.ReasonAIDisplayOnly {
		t.Errorf("reasons %+v, want the PE display only: not approved", out.Study.Rank.Reasons)
	}
	mustApply(t, s, snomedPE("ZHWEST", "W1", "nl-1", 0.91)) // a resend counts once

	a, err := s.Algorithm(ctx, "nordlicht-ctpa")
	if err != nil {
		t.Fatal(err)
	}
	if a.Vendor != "Nordlicht AI" || a.Version != "3.0.2" || a.Results != 1 || a.Versions["3.0.2"] != 1 ||
		!a.FirstSeen.Equal(clk.Now()) || a.PolicyFrom != worklist.PolicyFromNew || a.Policy.Approved || a.Record != nil {
		t.Errorf("registry entry %+v", a)
	}
	if a.Unmapped["urn:nordlicht|X-ODD"] != 1 || len(a.Unmapped) != 1 {
		t.Errorf("unmapped %v, want the vendor's unknown code counted once", a.Unmapped)
	}

	clk.Add(time.Minute)
	ch, err := s.ChangeAlgorithm(ctx, "nordlicht-ctpa", "beheer", approve(triage.Prioritise))
	if err != nil {
		t.Fatal(err)
	}
	if ch.Before != nil || !ch.After.Policy.Approved || ch.After.ChangedBy != "beheer" || ch.Version != 1 {
		t.Errorf("change %+v", ch)
	}
	if b := band(t, s, "ZHWEST", "W1"); b != triage.Critical {
		t.Fatalf("approved: band %s, want critical", b)
	}
	// The open study was written again: its place on the list moved.
	if got := listAccessions(t, s, worklist.Query{Band: triage.Critical}); !slices.Equal(got, []string{"W1"}) {
		t.Errorf("critical list %v, want W1", got)
	}

	// Off at one site: not shown there, and the study falls back.
	ch, err = s.ChangeAlgorithm(ctx, "nordlicht-ctpa", "beheer", worklist.AlgorithmPatch{
		Sites: map[string]*worklist.SiteMode{"ZHWEST": {Mode: triage.Off}}, Why: "false positives at ZHWEST"})
	if err != nil {
		t.Fatal(err)
	}
	if ch.Before == nil || ch.Before.Policy.Mode != triage.Prioritise || ch.After.Policy.Sites["ZHWEST"].Mode != triage.Off {
		t.Errorf("second change %+v", ch)
	}
	st, _ := s.Get(ctx, "ZHWEST", "W1")
	if st.Rank.Band != triage.Routine || slices.ContainsFunc(st.Rank.Reasons, func(r triage.Reason) bool { return r.Finding > 0 }) {
		t.Errorf("off: band %s reasons %v, want routine and no AI reason", st.Rank.Band, st.Rank.Reasons)
	}
	hist, err := s.AlgorithmHistory(ctx, "nordlicht-ctpa")
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 2 || hist[0].Why != "false positives at ZHWEST" || hist[1].Before != nil {
		t.Errorf("history %+v", hist)
	}
	all, err := s.Algorithms(ctx)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(all, func(a worklist.Algorithm) bool { return a.ID == "nordlicht-ctpa" })
	if i < 0 || all[i].PolicyFrom != worklist.PolicyFromRegistry || all[i].Record.Regulatory != "CE MDR class IIa" {
		t.Errorf("registry %+v", all)
	}
	if !slices.ContainsFunc(all, func(a worklist.Algorithm) bool { return a.ID == "aidoc-pe" && a.PolicyFrom == worklist.PolicyFromRules }) {
		t.Errorf("the rules file's algorithms are missing from %+v", all)
	}
}

func TestRegistryRefusesBadChanges(t *testing.T) {
	s, _ := newTestStore(t)
	tests := []struct {
		name  string
		patch worklist.AlgorithmPatch
	}{
		{"no why", worklist.AlgorithmPatch{Approved: ptr(true)}},
		{"unknown mode", worklist.AlgorithmPatch{Mode: ptr(triage.Mode("loud")), Why: "x"}},
		{"threshold above 1", worklist.AlgorithmPatch{MinConfidence: ptr(1.5), Why: "x"}},
		{"site without mode", worklist.AlgorithmPatch{Sites: map[string]*worklist.SiteMode{"ZHWEST": {}}, Why: "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.ChangeAlgorithm(context.Background(), "nordlicht-ctpa", "beheer", tt.patch); !isInvalid(err) {
				t.Errorf("err %v, want invalid", err)
			}
		})
	}
	if h, _ := s.AlgorithmHistory(context.Background(), "nordlicht-ctpa"); len(h) != 0 {
		t.Errorf("history %v after refused changes", h)
	}
}

// TestModeSwitchOnEveryInstance runs two stores on one Redis, as two
// instances of the service: a change made through one applies on the
// other without a restart, and the open studies it affects are ranked
// again and recorded as changes, which every instance's panels receive.
func TestModeSwitchOnEveryInstance(t *testing.T) {
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t, rdb)
	clk := &clock{t: t0}
	a := New(rdb, Options{Prefix: prefix, Now: clk.Now})
	b := New(redistest.Client(t), Options{Prefix: prefix, Now: clk.Now})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.WatchRules(ctx, time.Hour) // only the announcement can bring the change in time
	}()
	defer func() { cancel(); <-done }()

	mustApply(t, a, order(worklist.ExamCompleted, "ZHWEST", "W1", t0, nil))
	mustApply(t, b, order(worklist.ExamCompleted, "ZHOOST", "E1", t0, nil))
	mustApply(t, a, snomedPE("ZHWEST", "W1", "nl-1", 0.91))
	mustApply(t, b, snomedPE("ZHOOST", "E1", "nl-2", 0.93))

	ch, err := a.ChangeAlgorithm(ctx, "nordlicht-ctpa", "beheer", approve(triage.Prioritise))
	if err != nil {
		t.Fatal(err)
	}
	waitVersion(t, b, ch.Version)
	for _, s := range []*Store{a, b} {
		for _, st := range [][2]string{{"ZHWEST", "W1"}, {"ZHOOST", "E1"}} {
			if got := band(t, s, st[0], st[1]); got != triage.Critical {
				t.Errorf("approved: %s/%s band %s, want critical on both instances", st[0], st[1], got)
			}
		}
	}
	pos, err := b.Position(ctx, "ZHOOST")
	if err != nil {
		t.Fatal(err)
	}

	// The AI officer switches it to display-only: it stops moving studies
	// on both instances, and E1's change reaches whoever follows ZHOOST.
	ch, err = a.ChangeAlgorithm(ctx, "nordlicht-ctpa", "beheer", worklist.AlgorithmPatch{Mode: ptr(triage.DisplayOnly), Why: "recall notice"})
	if err != nil {
		t.Fatal(err)
	}
	waitVersion(t, b, ch.Version)
	changes, err := b.ChangesSince(ctx, "ZHOOST", pos, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 1 || changes[0].Study == nil || changes[0].Study.Accession != "E1" || changes[0].Study.Rank.Band != triage.Routine {
		t.Errorf("changes after the switch %+v, want E1 routine", changes)
	}
	out := mustApply(t, b, snomedPE("ZHOOST", "E1", "nl-3", 0.97))
	if out.Study.Rank.Band != triage.Routine {
		t.Errorf("a new PE through the other instance: band %s, want routine", out.Study.Rank.Band)
	}
	if got := listAccessions(t, b, worklist.Query{Band: triage.Critical}); len(got) != 0 {
		t.Errorf("critical list %v, want none", got)
	}
}

// waitVersion waits until s ranks by the registry's version v; it fails
// the test if that takes more than ten seconds (the watcher applies a
// change in milliseconds; the margin is for a loaded machine).
func waitVersion(t *testing.T, s *Store, v int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.Rules().PoliciesVersion() != v {
		if time.Now().After(deadline) {
			t.Fatalf("the other instance ranks by registry version %d, want %d", s.Rules().PoliciesVersion(), v)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func isInvalid(err error) bool { return errors.Is(err, worklist.ErrInvalid) }
