package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

func report(site, acc string, at time.Time, reader string) worklist.Event {
	return worklist.Event{Kind: worklist.ReportFinal, Site: site, Accession: acc, At: at,
		Source: "HIX|" + site + "|rep-" + acc + at.Format("150405"), Report: &worklist.Report{Reader: reader}}
}

func cancelled(site, acc string, at time.Time) worklist.Event {
	return worklist.Event{Kind: worklist.OrderCancelled, Site: site, Accession: acc, At: at, Source: "HIX|" + site + "|ca-" + acc + at.Format("150405")}
}

func turnarounds(t *testing.T, s *Store, from, to time.Time) map[string]worklist.Turnaround {
	t.Helper()
	tat, err := s.Turnarounds(context.Background(), nil, from, to)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]worklist.Turnaround{}
	for r := range tat.All() {
		if _, dup := m[r.Site+"/"+r.Accession]; dup {
			t.Errorf("two records of %s/%s", r.Site, r.Accession)
		}
		m[r.Site+"/"+r.Accession] = *r
	}
	return m
}

// TestTurnaroundRecords: a closed study's record is kept, with its
// section, and replaced by the record of a later change; the records are
// read by the day the study closed.
func TestTurnaroundRecords(t *testing.T) {
	rdb := testRedis(t)
	clk := &clock{t: t0}
	s := New(rdb, Options{Prefix: testPrefix(t, rdb), Now: clk.Now,
		Section: func(st *worklist.Study) string { return "chest-" + st.Modality }})
	ctx := context.Background()
	h := time.Hour
	mustApply(t, s, order(worklist.ExamCompleted, "ZHWEST", "W1", t0, nil))
	clk.Add(5 * time.Minute)
	mustApply(t, s, aiResult("ZHWEST", "W1", "r1", "PE", true, 0.94))
	clk.Add(time.Hour)
	mustApply(t, s, report("ZHWEST", "W1", t0.Add(h), "Jansen"))
	// Another site, reported the next day (UTC), and one cancelled.
	mustApply(t, s, order(worklist.ExamCompleted, "ZHOOST", "O1", t0, nil))
	mustApply(t, s, report("ZHOOST", "O1", t0.Add(15*h), "de Boer"))
	mustApply(t, s, order(worklist.OrderPlaced, "ZHWEST", "W2", t0, nil))
	mustApply(t, s, cancelled("ZHWEST", "W2", t0.Add(2*h)))

	got := turnarounds(t, s, t0.Add(-24*h), t0.Add(48*h))
	w1 := got["ZHWEST/W1"]
	if w1.Status != worklist.StatusFinal || w1.Band != triage.Critical || !w1.Due.Equal(t0.Add(30*time.Minute)) ||
		!w1.FirstFlagAt.Equal(t0.Add(5*time.Minute)) || w1.Reader != "Jansen" || w1.Section != "chest-CT" ||
		len(w1.AI) != 1 || !w1.AI[0].Positive || w1.AI[0].Algorithm != "aidoc-pe" {
		t.Errorf("W1 %+v", w1)
	}
	if o1 := got["ZHOOST/O1"]; o1.Status != worklist.StatusFinal || !o1.ReportedAt.Equal(t0.Add(15*h)) {
		t.Errorf("O1 %+v", o1)
	}
	if w2 := got["ZHWEST/W2"]; w2.Status != worklist.StatusCancelled || !w2.CancelledAt.Equal(t0.Add(2*h)) {
		t.Errorf("W2 %+v", w2)
	}
	if len(got) != 3 {
		t.Errorf("%d records, want 3", len(got))
	}
	// The period is [from, to), by the close time.
	if got := turnarounds(t, s, t0.Add(h), t0.Add(15*h)); len(got) != 2 || got["ZHOOST/O1"].Accession != "" {
		t.Errorf("[09:00+1h, +15h): %v, want W1 and W2", slices.Collect(mapsKeys(got)))
	}

	// Feedback after the report makes the latest record.
	if _, err := s.Feedback(ctx, "ZHWEST", "W1", "r1", "Jansen", worklist.VerdictDisagree, ""); err != nil {
		t.Fatal(err)
	}
	if w1 := turnarounds(t, s, t0, t0.Add(24*h))["ZHWEST/W1"]; len(w1.AI) != 1 || w1.AI[0].Disagree != 1 {
		t.Errorf("after feedback: %+v", w1.AI)
	}

	// Kept for the retention, from the end of the day the study closed.
	at, err := rdb.PExpireTime(ctx, s.keys.facts("ZHWEST", t0)).Result()
	if want := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC).Add(400 * 24 * h); err != nil || !time.UnixMilli(at.Milliseconds()).Equal(want) {
		t.Errorf("records expire at %v (%v), want %v", time.UnixMilli(at.Milliseconds()).UTC(), err, want)
	}
}

func mapsKeys(m map[string]worklist.Turnaround) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// TestClosedStudiesExpire: a reported or cancelled study expires after
// ClosedTTL while its record stays; a replay of its messages then does
// not bring it back, and an AI result for it does not wait for an order.
func TestClosedStudiesExpire(t *testing.T) {
	rdb := testRedis(t)
	clk := &clock{t: t0}
	s := New(rdb, Options{Prefix: testPrefix(t, rdb), Now: clk.Now, ClosedTTL: 2 * time.Hour})
	ctx := context.Background()
	placed := order(worklist.OrderPlaced, "ZHWEST", "W1", t0.Add(-time.Hour), nil)
	completed := order(worklist.ExamCompleted, "ZHWEST", "W1", t0, nil)
	mustApply(t, s, placed)
	mustApply(t, s, completed)
	if ttl := rdb.PTTL(ctx, s.keys.study("ZHWEST", "W1")).Val(); ttl >= 0 {
		t.Errorf("an open study expires in %v", ttl)
	}
	mustApply(t, s, report("ZHWEST", "W1", t0.Add(time.Hour), "Jansen"))
	if ttl := rdb.PTTL(ctx, s.keys.study("ZHWEST", "W1")).Val(); ttl <= time.Hour || ttl > 2*time.Hour {
		t.Errorf("a reported study expires in %v, want 2h", ttl)
	}
	// Redis removes the study when its time is up; the test does it now.
	rdb.Del(ctx, s.keys.study("ZHWEST", "W1"))
	s.cache.drop(s.keys.study("ZHWEST", "W1"))
	// The de-duplication keys have long gone too (7 days).
	iter := rdb.Scan(ctx, 0, s.keys.prefix+"{ZHWEST}:seen:*", 100).Iterator()
	for iter.Next(ctx) {
		rdb.Del(ctx, iter.Val())
	}

	for _, e := range []worklist.Event{placed, completed, aiResult("ZHWEST", "W1", "r9", "PE", true, 0.9)} {
		out := mustApply(t, s, e)
		if !out.Expired || out.Changed || out.Pending {
			t.Errorf("%s after expiry: %+v, want ignored as expired", e.Kind, out)
		}
	}
	if _, err := s.Get(ctx, "ZHWEST", "W1"); !errors.Is(err, worklist.ErrNotFound) {
		t.Errorf("Get after replay: %v, want not found", err)
	}
	if got := listAccessions(t, s, worklist.Query{}); len(got) != 0 {
		t.Errorf("list %v after replay, want empty", got)
	}
	if n := rdb.LLen(ctx, s.keys.pending("ZHWEST", "W1")).Val(); n != 0 {
		t.Errorf("%d events wait for an order of an expired study", n)
	}
	if _, err := s.Claim(ctx, "ZHWEST", "W1", "Jansen", false); !errors.Is(err, worklist.ErrNotFound) {
		t.Errorf("claim of an expired study: %v", err)
	}
	// Its record stays.
	if got := turnarounds(t, s, t0, t0.Add(24*time.Hour)); got["ZHWEST/W1"].Status != worklist.StatusFinal {
		t.Errorf("records after expiry: %+v", got)
	}
}

// TestReopenedStudyRecords: a study cancelled and ordered again leaves
// the cancelled day's records; reported on another day, it is counted
// once, as reported.
func TestReopenedStudyRecords(t *testing.T) {
	s, clk := newTestStore(t)
	ctx := context.Background()
	d := 24 * time.Hour
	mustApply(t, s, order(worklist.OrderPlaced, "ZHWEST", "W1", t0, nil))
	mustApply(t, s, cancelled("ZHWEST", "W1", t0.Add(time.Hour)))
	if got := turnarounds(t, s, t0, t0.Add(3*d)); got["ZHWEST/W1"].Status != worklist.StatusCancelled {
		t.Fatalf("after cancel: %+v", got)
	}
	clk.Add(2 * time.Hour)
	mustApply(t, s, order(worklist.OrderPlaced, "ZHWEST", "W1", t0.Add(2*time.Hour), nil))
	if got := turnarounds(t, s, t0, t0.Add(3*d)); len(got) != 0 {
		t.Errorf("after the new order: %+v, want no record", got)
	}
	if n := s.rdb.Exists(ctx, s.keys.closed("ZHWEST", "W1")).Val(); n != 0 {
		t.Error("the reopened study is still marked closed")
	}
	clk.Add(d)
	mustApply(t, s, order(worklist.ExamCompleted, "ZHWEST", "W1", t0.Add(d), nil))
	mustApply(t, s, report("ZHWEST", "W1", t0.Add(d+time.Hour), "Jansen"))
	got := turnarounds(t, s, t0, t0.Add(3*d))
	if w := got["ZHWEST/W1"]; len(got) != 1 || w.Status != worklist.StatusFinal || !w.ReportedAt.Equal(t0.Add(d+time.Hour)) {
		t.Errorf("after the report: %+v", got)
	}
}

// TestFactCodec: a record read back equals the record written (to the
// second); a withdrawal removes the study; damaged data is an error.
func TestFactCodec(t *testing.T) {
	ts := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v.UTC()
	}
	full := worklist.Turnaround{Site: "ZHWEST", Accession: "W26000101", Version: 7, Status: worklist.StatusFinal,
		Modality: "CT", ProcedureCode: "CTTHAB", Priority: "R", PatientClass: "O", Section: "chest", Reader: "dr. de Boer",
		Band: triage.Critical, Due: ts("2026-11-23T09:30:00Z"), OrderedAt: ts("2026-11-21T14:02:11Z"),
		CompletedAt: ts("2026-11-23T09:00:00Z"), FirstAIAt: ts("2026-11-23T09:04:00Z"), FirstFlagAt: ts("2026-11-23T09:04:00Z"),
		FirstClaimedAt: ts("2026-11-23T09:10:00Z"), PreliminaryAt: ts("2026-11-23T09:20:00Z"), ReportedAt: ts("2026-11-23T09:25:00Z"),
		CorrectedAt: ts("2026-11-24T10:00:00Z"),
		AI: []worklist.AIOutcome{
			{Algorithm: "aidoc-pe", Version: "2.1", Positive: true, Band: triage.Critical, At: ts("2026-11-23T09:04:00Z"),
				FlagAt: ts("2026-11-23T09:04:00Z"), Agree: 2, Disagree: 1, NotAssessable: 1},
			{Algorithm: "aidoc-ich", At: ts("2026-11-23T09:03:00Z")},
			{Algorithm: "qure-qer", Positive: true, At: ts("2026-11-23T11:00:00Z"), FlagAt: ts("2026-11-23T11:00:00Z"), Discrepancy: true},
		}}
	cancel := worklist.Turnaround{Site: "ZHWEST", Accession: "W2", Version: 2, Status: worklist.StatusCancelled,
		Band: triage.Routine, Due: ts("2026-11-20T09:00:00Z"), CancelledAt: ts("2026-11-23T23:59:59Z")}
	older := full
	older.Version, older.Reader = 5, "Jansen"
	var data []byte
	data = appendFact(data, &older, older.ReportedAt)
	data = appendFact(data, &full, full.ReportedAt)
	data = appendFact(data, &cancel, cancel.CancelledAt)
	// A record of a future format is skipped.
	data = append(data, 3, 9, 'F', 0)
	d := newFactDecoder()
	d.site = "ZHWEST"
	got, err := d.decodeDay(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []worklist.Turnaround{full, cancel}
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Errorf("decoded\n got %s\nwant %s", g, w)
	}
	if n := len(appendFact(nil, &full, full.ReportedAt)); n > 160 {
		t.Errorf("a full record takes %d bytes", n)
	}

	// A withdrawal of a newer version removes the study; of an older one, not.
	got, _ = d.decodeDay(appendWithdrawal(slices.Clone(data), "W26000101", 8), nil)
	if len(got) != 1 || got[0].Accession != "W2" {
		t.Errorf("after withdrawal: %+v", got)
	}
	got, _ = d.decodeDay(appendWithdrawal(slices.Clone(data), "W26000101", 6), nil)
	if len(got) != 2 {
		t.Errorf("after an older withdrawal: %d records", len(got))
	}

	// Damaged data: an error, never a panic.
	for n := range len(data) {
		if _, err := d.decodeDay(data[:n], nil); err == nil && n > 0 && !validPrefix(data, n) {
			t.Errorf("cut at %d: no error", n)
		}
	}
	if _, err := d.decodeDay([]byte{5, 1, 'Q', 0, 0, 0}, nil); err == nil || !strings.Contains(err.Error(), "malformed") {
		t.Errorf("unknown kind: %v", err)
	}
}

// validPrefix reports whether data[:n] ends on a record boundary.
func validPrefix(data []byte, n int) bool {
	for i := 0; i < n; {
		l, k := uvarintLen(data[i:])
		i += k + l
		if i == n {
			return true
		}
	}
	return false
}

func uvarintLen(b []byte) (int, int) {
	var v, shift uint64
	for i, c := range b {
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return int(v), i + 1
		}
		shift += 7
	}
	return 0, len(b)
}

// TestWaiting: the backlog is read from the rankings: each waiting study
// with its band, due time and since when it waits.
func TestWaiting(t *testing.T) {
	s, clk := newTestStore(t)
	ctx := context.Background()
	mustApply(t, s, order(worklist.ExamCompleted, "ZHWEST", "W1", t0, nil))
	mustApply(t, s, order(worklist.OrderPlaced, "ZHWEST", "W2", t0, nil)) // not yet waiting
	clk.Add(time.Minute)
	// Images proven by an AI result: waiting since it came.
	mustApply(t, s, order(worklist.OrderPlaced, "ZHOOST", "O1", t0, nil))
	mustApply(t, s, aiResult("ZHOOST", "O1", "r1", "PE", true, 0.9))
	mustApply(t, s, order(worklist.ExamCompleted, "ZHOOST", "O2", t0, nil))
	mustApply(t, s, report("ZHOOST", "O2", t0.Add(time.Hour), "Jansen"))
	w, err := s.Waiting(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(w, func(a, b worklist.Waiting) int { return strings.Compare(a.Accession, b.Accession) })
	if len(w) != 2 {
		t.Fatalf("waiting %+v, want O1 and W1", w)
	}
	if o := w[0]; o.Accession != "O1" || o.Site != "ZHOOST" || o.Band != triage.Critical || !o.ReadyAt.Equal(t0.Add(time.Minute)) || !o.Due.Equal(t0.Add(-48*time.Hour+30*time.Minute)) { // due from the order: no exam completion
		t.Errorf("O1 %+v", o)
	}
	if o := w[1]; o.Accession != "W1" || o.Band != triage.Routine || !o.ReadyAt.Equal(t0) || !o.Due.Equal(t0.Add(72*time.Hour)) {
		t.Errorf("W1 %+v", o)
	}
}

// TestSettledDayCompacted: APPEND leaves a day's records room to grow, as
// much again; once the day is settled (its studies expired, ClosedTTL
// later) the first record of a later day stores them at their length,
// and they read as before.
func TestSettledDayCompacted(t *testing.T) {
	rdb := testRedis(t)
	clk := &clock{t: t0}
	s := New(rdb, Options{Prefix: testPrefix(t, rdb), Now: clk.Now, ClosedTTL: 14 * 24 * time.Hour})
	ctx := context.Background()
	day := s.keys.facts("ZHWEST", t0)
	usage := func() int64 {
		t.Helper()
		n, err := rdb.MemoryUsage(ctx, day, 0).Result()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	// Report studies until the day's string has just grown: then it has
	// room for as much again.
	var before, length int64
	for i := 0; before < 3*length/2 || length < 1000; i++ {
		if i == 2000 {
			t.Fatalf("%d bytes of records take %d bytes: APPEND left no room", length, before)
		}
		acc := "W" + strconv.Itoa(i)
		mustApply(t, s, order(worklist.ExamCompleted, "ZHWEST", acc, t0, nil))
		mustApply(t, s, report("ZHWEST", acc, t0.Add(time.Duration(i)*time.Second), "Jansen"))
		before, length = usage(), rdb.StrLen(ctx, day).Val()
	}
	want := turnarounds(t, s, t0, t0.Add(24*time.Hour))
	s.ForgetDecodedDays()
	steps := []struct {
		name      string
		at        time.Time
		compacted bool
	}{
		{"a record of a day while the first still has studies kept", t0.Add(14 * 24 * time.Hour), false},
		{"the first record of the day after the first settled", t0.Add(15 * 24 * time.Hour), true},
	}
	for i, st := range steps {
		clk.Add(st.at.Sub(clk.Now()))
		acc := "L" + strconv.Itoa(i)
		mustApply(t, s, order(worklist.ExamCompleted, "ZHWEST", acc, st.at, nil))
		mustApply(t, s, report("ZHWEST", acc, st.at, "de Boer"))
		if got := usage(); (got < before) != st.compacted {
			t.Errorf("%s: the first day's %d bytes of records take %d bytes, before %d; compacted: want %v", st.name, length, got, before, st.compacted)
		}
	}
	t.Logf("%d bytes of records took %d bytes, compacted %d", length, before, usage())
	if got := turnarounds(t, s, t0, t0.Add(24*time.Hour)); len(got) != len(want) || !maps.EqualFunc(got, want, func(a, b worklist.Turnaround) bool {
		return a.Accession == b.Accession && a.ReportedAt.Equal(b.ReportedAt) && a.Version == b.Version
	}) {
		t.Errorf("the compacted day reads %d records, want the %d as written", len(got), len(want))
	}
	if ttl := rdb.PTTL(ctx, day).Val(); ttl <= 0 {
		t.Errorf("the compacted day's records expire in %s; want them to keep their expiry", ttl)
	}
}
