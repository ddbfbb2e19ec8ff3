package redisstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

// TestEscalateDue follows an inpatient study that waits past its due time
// while urgent work comes in: it stays below the urgent study until its
// escalation falls due, then moves above it with no new message, and the
// change is on the stream for the panels.
func TestEscalateDue(t *testing.T) {
	s, clk := newTestStore(t)
	ctx := context.Background()
	completed := t0.Add(time.Hour)
	inpatient := func(o *worklist.Order) { o.PatientClass = "I" }
	mustApply(t, s, order(worklist.ExamCompleted, "ZHWEST", "W1", completed, inpatient))
	mustApply(t, s, order(worklist.ExamCompleted, "ZHWEST", "W9", completed, nil)) // outpatient: escalates days later
	st, err := s.Get(ctx, "ZHWEST", "W1")
	if err != nil {
		t.Fatal(err)
	}
	due := completed.Add(24 * time.Hour)
	escalates := st.Rank.EscalatesAt
	if st.Rank.Band != triage.Routine || !escalates.After(due) {
		t.Fatalf("inpatient study: %v due %v escalates %v, want routine escalating after its due time", st.Rank.Band, st.Rank.Due, escalates)
	}
	next, err := s.EscalateDue(ctx)
	if err != nil || !next.Equal(escalates) {
		t.Fatalf("EscalateDue before: next %v, %v; want %v", next, err, escalates)
	}

	// Just before it falls due, a STAT study comes in and is read first.
	clk.t = escalates.Add(-time.Minute)
	mustApply(t, s, order(worklist.ExamCompleted, "ZHWEST", "W2", clk.Now(), func(o *worklist.Order) { o.PatientClass, o.Priority = "I", "S" }))
	if _, err := s.EscalateDue(ctx); err != nil {
		t.Fatal(err)
	}
	if got := listAccessions(t, s, worklist.Query{}); fmt.Sprint(got) != "[W2 W1 W9]" {
		t.Fatalf("before the escalation: %v, want [W2 W1 W9]", got)
	}

	clk.t = escalates
	last := lastChange(t, s, "ZHWEST")
	next, err = s.EscalateDue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := listAccessions(t, s, worklist.Query{}); fmt.Sprint(got) != "[W1 W2 W9]" {
		t.Errorf("after the escalation: %v, want the escalated W1 above the STAT W2", got)
	}
	st, err = s.Get(ctx, "ZHWEST", "W1")
	if err != nil {
		t.Fatal(err)
	}
	if st.Rank.Band != triage.Urgent || !st.Rank.Due.Equal(due) || st.Rank.Reasons[0].Code != triage.ReasonEscalated {
		t.Errorf("escalated study: %v due %v reasons %v; want urgent at its own due time, escalated first", st.Rank.Band, st.Rank.Due, st.Rank.Reasons)
	}
	score, err := s.rdb.ZScore(ctx, s.keys.ranking("ZHWEST"), "W1").Result()
	if err != nil || int64(score) != triage.Score(triage.Rank{Band: triage.Urgent, Due: due}) {
		t.Errorf("ranking score %v, %v; want urgent at %v", score, err, due)
	}
	if got := lastChange(t, s, "ZHWEST"); got == last {
		t.Error("no change record for the escalation: panels would not see it")
	}
	w9, _ := s.Get(ctx, "ZHWEST", "W9")
	if !next.Equal(w9.Rank.EscalatesAt) {
		t.Errorf("next escalation %v, want the outpatient's %v", next, w9.Rank.EscalatesAt)
	}

	// Nothing more is due: a second call writes nothing.
	last = lastChange(t, s, "ZHWEST")
	if _, err := s.EscalateDue(ctx); err != nil {
		t.Fatal(err)
	}
	if got := lastChange(t, s, "ZHWEST"); got != last {
		t.Error("EscalateDue wrote again with nothing due")
	}
}

// TestEscalationsLeave checks that a study read before its escalation, or
// one that vanished, leaves the escalation set.
func TestEscalationsLeave(t *testing.T) {
	s, clk := newTestStore(t)
	ctx := context.Background()
	mustApply(t, s, order(worklist.ExamCompleted, "ZHWEST", "W1", t0, nil))
	mustApply(t, s, order(worklist.ExamCompleted, "ZHWEST", "W2", t0, nil))
	key := s.keys.escalations("ZHWEST")
	if n := s.rdb.ZCard(ctx, key).Val(); n != 2 {
		t.Fatalf("escalation set holds %d, want 2", n)
	}
	mustApply(t, s, worklist.Event{Kind: worklist.ReportFinal, Site: "ZHWEST", Accession: "W1", At: t0.Add(time.Hour), Report: &worklist.Report{Reader: "jansen"}})
	s.rdb.Del(ctx, s.keys.study("ZHWEST", "W2"))
	s.cache.drop(s.keys.study("ZHWEST", "W2"))
	if n := s.rdb.ZCard(ctx, key).Val(); n != 1 {
		t.Fatalf("after the report: escalation set holds %d, want 1", n)
	}
	clk.Add(365 * 24 * time.Hour)
	next, err := s.EscalateDue(ctx)
	if err != nil || !next.IsZero() {
		t.Errorf("EscalateDue: next %v, %v; want none", next, err)
	}
	if n := s.rdb.ZCard(ctx, key).Val(); n != 0 {
		t.Errorf("escalation set holds %d after a vanished study, want 0", n)
	}
}

func lastChange(t *testing.T, s *Store, site string) string {
	t.Helper()
	msgs, err := s.rdb.XRevRangeN(context.Background(), s.keys.changes(site), "+", "-", 1).Result()
	if err != nil || len(msgs) == 0 {
		t.Fatalf("change stream: %v, %v", msgs, err)
	}
	return msgs[0].ID
}
