package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/voorrang/voorrang/embedredis"
	"github.com/voorrang/voorrang/internal/redistest"
	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

func testRedis(t testing.TB) *redis.Client { return redistest.Client(t) }

func testPrefix(t testing.TB, rdb *redis.Client) string { return redistest.Prefix(t, rdb) }

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func newTestStore(t testing.TB) (*Store, *clock) {
	t.Helper()
	rdb := testRedis(t)
	c := &clock{t: t0}
	return New(rdb, Options{Prefix: testPrefix(t, rdb), Now: c.Now}), c
}

func order(kind worklist.EventKind, site, acc string, at time.Time, mod func(*worklist.Order)) worklist.Event {
	o := &worklist.Order{
		Patient:      worklist.Patient{MRN: "1234567", Family: "van den Berg", Prefix: "van den", Surname: "Berg", Given: "Jan", BirthDate: "1958-04-12", Sex: "M"},
		PatientClass: "O", Priority: "R", Modality: "CT", ProcedureCode: "CTTHAB",
		ProcedureText: "CT thorax-abdomen", OrderedAt: t0.Add(-48 * time.Hour),
	}
	if mod != nil {
		mod(o)
	}
	return worklist.Event{Kind: kind, Site: site, Accession: acc, At: at, Order: o, Source: fmt.Sprintf("HIX|%s|%s-%s-%d", site, acc, kind, at.Unix())}
}

func aiResult(site, acc, id, code string, positive bool, conf float64) worklist.Event {
	algo := triage.Algorithm{ID: "aidoc-pe", Name: "Incidental PE", Version: "2.1", Vendor: "Aidoc"}
	if code == "ICH" {
		algo.ID, algo.Name = "aidoc-ich", "ICH"
	}
	return worklist.Event{Kind: worklist.AIResultReceived, Site: site, Accession: acc, At: t0, Source: "ai:" + id,
		AI: &worklist.AIResult{ID: id, Algorithm: algo, ProducedAt: t0,
			Findings: []triage.Finding{{Code: code, Display: code, Positive: positive, Confidence: conf}}}}
}

func mustApply(t *testing.T, s *Store, e worklist.Event) worklist.Outcome {
	t.Helper()
	out, err := s.Apply(context.Background(), e, []byte("ACK-"+e.Source))
	if err != nil {
		t.Fatalf("Apply %s %s: %v", e.Kind, e.Accession, err)
	}
	return out
}

func listAccessions(t *testing.T, s *Store, q worklist.Query) []string {
	t.Helper()
	page, err := s.List(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	var accs []string
	for _, st := range page.Studies {
		accs = append(accs, st.Accession)
	}
	return accs
}

func TestLifecycle(t *testing.T) {
	s, clk := newTestStore(t)
	ctx := context.Background()
	// A routine oncology CT: ordered, then completed.
	out := mustApply(t, s, order(worklist.OrderPlaced, "ZHWEST", "W1", t0, nil))
	if out.Study.OnList || out.Study.Status != worklist.StatusOrdered {
		t.Fatalf("after NW: status %s onList %v", out.Study.Status, out.Study.OnList)
	}
	mustApply(t, s, order(worklist.ExamCompleted, "ZHWEST", "W1", t0.Add(time.Hour), nil))
	mustApply(t, s, order(worklist.ExamCompleted, "ZHWEST", "W2", t0.Add(time.Hour), func(o *worklist.Order) { o.PatientClass = "I" }))
	st, err := s.Get(ctx, "ZHWEST", "W1")
	if err != nil {
		t.Fatal(err)
	}
	if !st.OnList || st.Status != worklist.StatusCompleted || st.Rank.Band != triage.Routine {
		t.Fatalf("completed: onList %v status %s band %s", st.OnList, st.Status, st.Rank.Band)
	}
	if got := listAccessions(t, s, worklist.Query{}); fmt.Sprint(got) != "[W2 W1]" {
		t.Errorf("list %v, want the inpatient W2 before the outpatient W1", got)
	}

	// An incidental PE found by AI puts W1 on top.
	clk.Add(10 * time.Minute)
	out = mustApply(t, s, aiResult("ZHWEST", "W1", "r1", "PE", true, 0.94))
	if out.Study.Rank.Band != triage.Critical {
		t.Fatalf("after PE: band %s, reasons %v", out.Study.Rank.Band, out.Study.Rank.Reasons)
	}
	if got := listAccessions(t, s, worklist.Query{}); fmt.Sprint(got) != "[W1 W2]" {
		t.Errorf("list %v, want W1 first", got)
	}
	if out.Study.FirstFlagAt != clk.Now() {
		t.Errorf("FirstFlagAt %v, want %v", out.Study.FirstFlagAt, clk.Now())
	}

	// The same result again changes nothing and answers as before.
	dup := mustApply(t, s, aiResult("ZHWEST", "W1", "r1", "PE", true, 0.94))
	if !dup.Duplicate || string(dup.Ack) != "ACK-ai:r1" {
		t.Errorf("resend: duplicate %v ack %q", dup.Duplicate, dup.Ack)
	}

	// A late, older status message does not move the study back.
	mustApply(t, s, order(worklist.ExamStarted, "ZHWEST", "W1", t0.Add(30*time.Minute), nil))
	if st, _ := s.Get(ctx, "ZHWEST", "W1"); st.Status != worklist.StatusCompleted {
		t.Errorf("after a late IP: status %s", st.Status)
	}

	// A final report takes it off the list and records its turnaround.
	out = mustApply(t, s, worklist.Event{Kind: worklist.ReportFinal, Site: "ZHWEST", Accession: "W1", At: t0.Add(2 * time.Hour),
		Source: "HIX|ZHWEST|rep1", Report: &worklist.Report{Reader: "Jansen"}})
	if out.Study.OnList || out.Study.Status != worklist.StatusFinal {
		t.Fatalf("after final: status %s onList %v", out.Study.Status, out.Study.OnList)
	}
	if got := listAccessions(t, s, worklist.Query{}); fmt.Sprint(got) != "[W2]" {
		t.Errorf("list %v, want [W2]", got)
	}
	tat, err := s.Turnarounds(ctx, nil, t0, t0.Add(24*time.Hour))
	if err != nil || tat.Len() != 1 || tat[0][0].Accession != "W1" || !tat[0][0].ReportedAt.Equal(t0.Add(2*time.Hour)) {
		t.Fatalf("turnaround records: %+v %v", tat, err)
	}

	// A cancel takes W2 off.
	mustApply(t, s, worklist.Event{Kind: worklist.OrderCancelled, Site: "ZHWEST", Accession: "W2", At: t0.Add(3 * time.Hour), Source: "c"})
	if got := listAccessions(t, s, worklist.Query{}); len(got) != 0 {
		t.Errorf("list %v after cancel, want empty", got)
	}
	// The change stream holds one record per change of the list.
	n, _ := s.rdb.XLen(ctx, s.keys.changes("ZHWEST")).Result()
	if n < 4 {
		t.Errorf("change stream has %d records", n)
	}
}

func TestNegativeAIResultNeverLowers(t *testing.T) {
	s, _ := newTestStore(t)
	mustApply(t, s, order(worklist.ExamCompleted, "ZHWEST", "W1", t0, func(o *worklist.Order) { o.Priority = "S" }))
	before, _ := s.Get(context.Background(), "ZHWEST", "W1")
	out := mustApply(t, s, aiResult("ZHWEST", "W1", "n1", "PE", false, 0.02))
	if out.Study.Rank.Band != before.Rank.Band || !out.Study.Rank.Due.Equal(before.Rank.Due) {
		t.Errorf("negative result moved the study: %v %v -> %v %v", before.Rank.Band, before.Rank.Due, out.Study.Rank.Band, out.Study.Rank.Due)
	}
}

func TestResultBeforeOrder(t *testing.T) {
	s, _ := newTestStore(t)
	out := mustApply(t, s, aiResult("ZHOOST", "E9", "early", "ICH", true, 0.91))
	if !out.Pending {
		t.Fatalf("AI result before its order: %+v, want pending", out)
	}
	if got := listAccessions(t, s, worklist.Query{}); len(got) != 0 {
		t.Fatalf("list %v, want empty before the order", got)
	}
	// The resend of a pending result is a duplicate too.
	if dup := mustApply(t, s, aiResult("ZHOOST", "E9", "early", "ICH", true, 0.91)); !dup.Duplicate {
		t.Errorf("resend of a pending result: %+v", dup)
	}
	out = mustApply(t, s, order(worklist.OrderPlaced, "ZHOOST", "E9", t0, func(o *worklist.Order) { o.PatientClass = "E"; o.ProcedureText = "CT hersenen" }))
	if len(out.Study.Results) != 1 || !out.Study.OnList || out.Study.Rank.Band != triage.Critical {
		t.Fatalf("after the order: results %d onList %v band %s", len(out.Study.Results), out.Study.OnList, out.Study.Rank.Band)
	}
	if n, _ := s.rdb.LLen(context.Background(), s.keys.pending("ZHOOST", "E9")).Result(); n != 0 {
		t.Errorf("%d pending events left", n)
	}
}

// TestConcurrentWriters hammers one study from many goroutines through two
// stores on the same Redis: no result may be lost.
func TestConcurrentWriters(t *testing.T) {
	a, _ := newTestStore(t)
	b := New(testRedis(t), Options{Prefix: a.opts.Prefix, Now: a.opts.Now})
	mustApply(t, a, order(worklist.ExamCompleted, "ZHWEST", "W1", t0, nil))
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := a
			if i%2 == 1 {
				s = b
			}
			e := aiResult("ZHWEST", "W1", fmt.Sprintf("r%d", i), "PE", i%3 == 0, 0.9)
			if _, err := s.Apply(context.Background(), e, []byte("ok")); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	st, err := a.Get(context.Background(), "ZHWEST", "W1")
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Results) != n || st.Version != n+1 {
		t.Errorf("results %d version %d, want %d and %d", len(st.Results), st.Version, n, n+1)
	}
}

func TestClaims(t *testing.T) {
	s, clk := newTestStore(t)
	ctx := context.Background()
	mustApply(t, s, order(worklist.ExamCompleted, "ZHWEST", "W1", t0, nil))
	if _, err := s.Claim(ctx, "ZHWEST", "W1", "jansen", false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Claim(ctx, "ZHWEST", "W1", "pietersen", false); !errors.Is(err, worklist.ErrConflict) {
		t.Fatalf("second claim: %v, want worklist.ErrConflict", err)
	}
	if got := listAccessions(t, s, worklist.Query{ClaimedBy: "jansen"}); fmt.Sprint(got) != "[W1]" {
		t.Errorf("claimed by jansen: %v", got)
	}
	if got := listAccessions(t, s, worklist.Query{Unclaimed: true}); len(got) != 0 {
		t.Errorf("unclaimed: %v", got)
	}
	st, err := s.Claim(ctx, "ZHWEST", "W1", "pietersen", true)
	if err != nil || st.Claim.By != "pietersen" {
		t.Fatalf("override: %v %+v", err, st)
	}
	audit, _ := s.rdb.XRange(ctx, s.keys.audit("ZHWEST"), "-", "+").Result()
	if len(audit) != 2 || !containsAll(fmt.Sprint(audit[1].Values), `"action":"override"`, `"previous":"jansen"`) {
		t.Errorf("audit trail %v", audit)
	}
	if _, err := s.Release(ctx, "ZHWEST", "W1", "jansen", false); !errors.Is(err, worklist.ErrConflict) {
		t.Errorf("release of someone else's claim: %v", err)
	}
	// A lease expires.
	clk.Add(21 * time.Minute)
	if _, err := s.Claim(ctx, "ZHWEST", "W1", "jansen", false); err != nil {
		t.Errorf("claim after the lease ran out: %v", err)
	}
	if st, err := s.Release(ctx, "ZHWEST", "W1", "jansen", false); err != nil || st.Claim != nil {
		t.Errorf("release: %v %+v", err, st)
	}
	if _, err := s.Claim(ctx, "ZHWEST", "NOPE", "jansen", false); !errors.Is(err, worklist.ErrNotFound) {
		t.Errorf("claim of an unknown study: %v", err)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

func TestListAcrossSitesAndPaging(t *testing.T) {
	s, _ := newTestStore(t)
	// 30 studies over 3 sites, with due times interleaved.
	for i := range 30 {
		site := []string{"A", "B", "C"}[i%3]
		acc := fmt.Sprintf("X%02d", i)
		mustApply(t, s, order(worklist.ExamCompleted, site, acc, t0.Add(time.Duration(i)*time.Minute), func(o *worklist.Order) {
			if i%5 == 0 {
				o.Priority = "S"
			}
			if i%2 == 0 {
				o.Modality = "MR"
			}
		}))
	}
	all := listAccessions(t, s, worklist.Query{Limit: 500})
	if len(all) != 30 {
		t.Fatalf("%d studies listed", len(all))
	}
	var paged []string
	for off := 0; off < 30; off += 7 {
		paged = append(paged, listAccessions(t, s, worklist.Query{Offset: off, Limit: 7})...)
	}
	if fmt.Sprint(paged) != fmt.Sprint(all) {
		t.Errorf("paging gives\n%v\nwant\n%v", paged, all)
	}
	// Stat orders (every fifth) come first, in due order.
	if fmt.Sprint(all[:6]) != "[X00 X05 X10 X15 X20 X25]" {
		t.Errorf("first six %v", all[:6])
	}
	if got := listAccessions(t, s, worklist.Query{Band: triage.Urgent, Limit: 100}); len(got) != 6 {
		t.Errorf("urgent band: %v", got)
	}
	if got := listAccessions(t, s, worklist.Query{Sites: []string{"B"}, Modalities: []string{"MR"}, Limit: 100}); len(got) != 5 {
		t.Errorf("site B MR: %v", got)
	}
	page, _ := s.List(context.Background(), worklist.Query{Limit: 10})
	if page.Total != 30 || !page.More {
		t.Errorf("total %d more %v", page.Total, page.More)
	}
}

// TestListOneSiteHoldsThePage: when one site holds most of a page, the
// merge reads that site again as often as it needs.
func TestListOneSiteHoldsThePage(t *testing.T) {
	s, _ := newTestStore(t)
	for i := range 45 {
		at := t0.Add(time.Duration(i) * time.Minute)
		mustApply(t, s, order(worklist.ExamCompleted, "A", fmt.Sprintf("A%02d", i), at, func(o *worklist.Order) { o.Priority = "S" }))
		mustApply(t, s, order(worklist.ExamCompleted, "B", fmt.Sprintf("B%02d", i), at, nil))
		mustApply(t, s, order(worklist.ExamCompleted, fmt.Sprintf("S%d", i%5), fmt.Sprintf("C%02d", i), at.Add(time.Hour), nil))
	}
	all := listAccessions(t, s, worklist.Query{Limit: 500})
	if len(all) != 135 || all[0] != "A00" || all[44] != "A44" || all[45] != "B00" {
		t.Fatalf("%d studies listed, from %v", len(all), all[:min(len(all), 50)])
	}
	for _, q := range []worklist.Query{{Limit: 50}, {Offset: 40, Limit: 10}, {Offset: 43, Limit: 50}} {
		want := all[q.Offset : q.Offset+q.Limit]
		if got := listAccessions(t, s, q); !slices.Equal(got, want) {
			t.Errorf("offset %d limit %d: %v\nwant %v", q.Offset, q.Limit, got, want)
		}
	}
}

func TestPatientUpdate(t *testing.T) {
	s, _ := newTestStore(t)
	mustApply(t, s, order(worklist.ExamCompleted, "ZHWEST", "W1", t0, nil))
	mustApply(t, s, order(worklist.OrderPlaced, "ZHWEST", "W2", t0, nil))
	upd := worklist.Event{Kind: worklist.PatientUpdated, Site: "ZHWEST", At: t0, Source: "adt1",
		Patient: &worklist.Patient{MRN: "1234567", Family: "de Vries-van Dijk", Prefix: "de", Surname: "Vries", Given: "Anna", BirthDate: "1959-04-12"}}
	mustApply(t, s, upd)
	for _, acc := range []string{"W1", "W2"} {
		st, _ := s.Get(context.Background(), "ZHWEST", acc)
		if st.Patient.Family != "de Vries-van Dijk" || st.Patient.BirthDate != "1959-04-12" || st.Patient.Sex != "M" {
			t.Errorf("%s patient %+v", acc, st.Patient)
		}
	}
	if dup := mustApply(t, s, upd); !dup.Duplicate {
		t.Errorf("resend of the update: %+v", dup)
	}
}

func TestInvalidInput(t *testing.T) {
	s, _ := newTestStore(t)
	for _, e := range []worklist.Event{
		{Kind: worklist.OrderPlaced, Site: "", Accession: "A"},
		{Kind: worklist.OrderPlaced, Site: "X", Accession: ""},
		{Kind: worklist.OrderPlaced, Site: "X{", Accession: "A"},
		{Kind: worklist.PatientUpdated, Site: "X", Patient: &worklist.Patient{}},
	} {
		if _, err := s.Apply(context.Background(), e, nil); !errors.Is(err, worklist.ErrInvalid) {
			t.Errorf("Apply(%+v) = %v, want worklist.ErrInvalid", e, err)
		}
	}
}

func TestDeadLetters(t *testing.T) {
	s, _ := newTestStore(t)
	ctx := context.Background()
	for i := range 3 {
		if err := s.AddDeadLetter(ctx, worklist.DeadLetter{Code: "AR", Reason: fmt.Sprint("bad ", i), Message: "MSH|..."}); err != nil {
			t.Fatal(err)
		}
	}
	got, total, err := s.DeadLetters(ctx, 0, 2)
	if err != nil || total != 3 || len(got) != 2 || got[0].Reason != "bad 2" {
		t.Errorf("dead letters %+v total %d err %v", got, total, err)
	}
}

func TestChangeStream(t *testing.T) {
	s, _ := newTestStore(t)
	ctx := context.Background()
	pos, err := s.Position(ctx, "ZHWEST")
	if err != nil || pos != "0-0" {
		t.Fatalf("position of an empty stream: %q %v", pos, err)
	}
	mustApply(t, s, order(worklist.ExamCompleted, "ZHWEST", "W1", t0, nil))
	mid, _ := s.Position(ctx, "ZHWEST")
	mustApply(t, s, aiResult("ZHWEST", "W1", "r1", "PE", true, 0.9))
	mustApply(t, s, worklist.Event{Kind: worklist.ReportFinal, Site: "ZHWEST", Accession: "W1", At: t0, Source: "f"})
	cs, err := s.ChangesSince(ctx, "ZHWEST", mid, 100)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, c := range cs {
		kinds = append(kinds, fmt.Sprintf("%s:%s:v%d", c.Kind, c.Accession, c.Version))
	}
	// Both changes carry the study as it is now: reported, off the list.
	if fmt.Sprint(kinds) != "[remove:W1:v3 remove:W1:v3]" || cs[0].Study.Status != worklist.StatusFinal {
		t.Errorf("changes since the middle: %v", kinds)
	}
	if ids := []string{cs[0].ID, cs[1].ID}; worklist.ComparePositions(mid, ids[0]) >= 0 || worklist.ComparePositions(ids[0], ids[1]) >= 0 {
		t.Errorf("positions %v after %s, want ascending", ids, mid)
	}
	got, err := s.WaitChanges(ctx, map[string]string{"ZHWEST": mid}, 10, time.Millisecond)
	if err != nil || len(got) != 2 || got[0].Site != "ZHWEST" {
		t.Errorf("WaitChanges: %v %v", got, err)
	}
	// A stream trimmed past a reader's position tells it to start again.
	small := New(s.rdb, Options{Prefix: s.opts.Prefix, Now: s.opts.Now, StreamLength: 1})
	for i := range 300 {
		mustApply(t, small, aiResult("ZHWEST", "W2", fmt.Sprint("t", i), "PE", false, 0.1))
		if i == 0 {
			mustApply(t, small, order(worklist.ExamCompleted, "ZHWEST", "W2", t0, nil))
		}
	}
	if _, err := small.ChangesSince(ctx, "ZHWEST", mid, 10); !errors.Is(err, worklist.ErrGone) {
		t.Errorf("after trimming: %v, want worklist.ErrGone", err)
	}
}

func TestChangesCarryCurrentReasons(t *testing.T) {
	s, clk := newTestStore(t)
	ctx := context.Background()
	mustApply(t, s, order(worklist.ExamCompleted, "ZHWEST", "W1", t0, nil))
	clk.Add(3 * time.Hour)
	cs, err := s.ChangesSince(ctx, "ZHWEST", "0-0", 10)
	if err != nil || len(cs) != 1 {
		t.Fatalf("changes %v %v", cs, err)
	}
	reasons := cs[0].Study.Rank.Reasons
	if last := reasons[len(reasons)-1]; last.Text != "waiting 3 h" {
		t.Errorf("last reason %q, want the waiting time at read time, waiting 3 h", last.Text)
	}
}

// TestScriptFlushed: after Redis lost its scripts (a restart, a failover,
// SCRIPT FLUSH) the store loads the script again and goes on. It runs on a
// Redis of its own, as flushing the shared one would upset other tests.
func TestScriptFlushed(t *testing.T) {
	srv, err := embedredis.Start(t.Context(), embedredis.Options{ForceMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	opts, err := redis.ParseURL(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	s := New(rdb, Options{Now: func() time.Time { return t0 }})
	mustApply(t, s, order(worklist.OrderPlaced, "ZHWEST", "W1", t0, nil))
	if err := rdb.ScriptFlush(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	out := mustApply(t, s, order(worklist.ExamCompleted, "ZHWEST", "W1", t0.Add(time.Hour), nil))
	if !out.Study.OnList {
		t.Errorf("after the scripts were flushed: %+v", out.Study)
	}
}

// TestWriteRefusesAfterAnEventWasKept: an event kept for an accession
// between the read of its pending list and the write that creates the
// study would be stranded; the script refuses such a write, so that the
// writer reads again and merges the event.
func TestWriteRefusesAfterAnEventWasKept(t *testing.T) {
	s, clk := newTestStore(t)
	ctx := context.Background()
	st := &worklist.Study{Site: "ZHWEST", Accession: "W9"}
	e := order(worklist.ExamCompleted, "ZHWEST", "W9", t0, nil)
	tr, err := worklist.Update(st, nil, worklist.ApplyEvent(e), s.Rules(), clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	st.Version = 1
	// The writer read no pending events; then an AI result is kept.
	kept, err := json.Marshal(aiResult("ZHWEST", "W9", "r1", "PE", true, 0.9))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.rdb.RPush(ctx, s.keys.pending("ZHWEST", "W9"), kept).Err(); err != nil {
		t.Fatal(err)
	}
	m := mutation{site: "ZHWEST", acc: "W9", create: true}
	if _, retry, err := s.write(ctx, m, st, tr, 0, 0, time.Time{}); err != nil || !retry {
		t.Fatalf("write after an event was kept: retry %v, err %v; want a conflict", retry, err)
	}
	// Through Apply, the event is merged.
	out := mustApply(t, s, e)
	if len(out.Study.Results) != 1 || out.Study.Rank.Band != triage.Critical {
		t.Errorf("after the order: %d results, band %s; want the kept AI result merged", len(out.Study.Results), out.Study.Rank.Band)
	}
}

// TestCorrectedReport: a corrected final report (OBR-25 C) is kept as
// the time of the last correction and its reader; the study stays
// reported. A correction that comes first reports the study.
func TestCorrectedReport(t *testing.T) {
	s, _ := newTestStore(t)
	report := func(kind worklist.EventKind, acc string, at time.Time, reader, src string) worklist.Outcome {
		return mustApply(t, s, worklist.Event{Kind: kind, Site: "ZHWEST", Accession: acc, At: at, Source: src,
			Report: &worklist.Report{Reader: reader}})
	}
	mustApply(t, s, order(worklist.ExamCompleted, "ZHWEST", "W1", t0, nil))
	report(worklist.ReportFinal, "W1", t0.Add(time.Hour), "Jansen", "f")
	out := report(worklist.ReportCorrected, "W1", t0.Add(3*time.Hour), "de Boer", "c1")
	if !out.Changed || !out.Study.CorrectedAt.Equal(t0.Add(3*time.Hour)) || out.Study.Reader != "de Boer" ||
		out.Study.Status != worklist.StatusFinal || out.Study.OnList || !out.Study.ReportedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("after the correction: changed %v, corrected %v by %q, status %s, on list %v, reported %v",
			out.Changed, out.Study.CorrectedAt, out.Study.Reader, out.Study.Status, out.Study.OnList, out.Study.ReportedAt)
	}
	// An older correction arriving late changes nothing.
	if out := report(worklist.ReportCorrected, "W1", t0.Add(2*time.Hour), "de Boer", "c0"); out.Changed {
		t.Error("an older correction changed the study")
	}
	mustApply(t, s, order(worklist.ExamCompleted, "ZHWEST", "W2", t0, nil))
	out = report(worklist.ReportCorrected, "W2", t0.Add(time.Hour), "Jansen", "c2")
	if out.Study.Status != worklist.StatusFinal || !out.Study.CorrectedAt.Equal(t0.Add(time.Hour)) || out.Study.OnList {
		t.Errorf("a correction first: status %s, corrected %v, on list %v", out.Study.Status, out.Study.CorrectedAt, out.Study.OnList)
	}
}

// TestSortKeyIsThePlaceOnTheList: every study read carries the sort key of
// its place on the list, the rank it was written with. After the rules
// change, a read re-ranks studies for display but the list keeps its
// order until a study is written again, and so do the keys.
func TestSortKeyIsThePlaceOnTheList(t *testing.T) {
	s, _ := newTestStore(t)
	ctx := context.Background()
	mustApply(t, s, order(worklist.ExamCompleted, "ZHWEST", "W1", t0, nil))
	mustApply(t, s, order(worklist.ExamCompleted, "ZHWEST", "W2", t0, func(o *worklist.Order) { o.Priority = "S" }))
	mustApply(t, s, order(worklist.ExamCompleted, "ZHOOST", "E1", t0, func(o *worklist.Order) { o.Priority = "S" }))
	check := func(want string, bands string) {
		t.Helper()
		page, err := s.List(ctx, worklist.Query{})
		if err != nil {
			t.Fatal(err)
		}
		var accs, got []string
		var keys []string
		for _, st := range page.Studies {
			accs = append(accs, st.Accession)
			got = append(got, st.Rank.Band.String())
			keys = append(keys, st.SortKey)
		}
		if fmt.Sprint(accs) != want || fmt.Sprint(got) != bands {
			t.Errorf("list %v bands %v, want %s %s", accs, got, want, bands)
		}
		if !slices.IsSorted(keys) {
			t.Errorf("sort keys %q not in list order", keys)
		}
		for _, st := range page.Studies {
			one, err := s.Get(ctx, st.Site, st.Accession)
			if err != nil || one.SortKey != st.SortKey {
				t.Errorf("Get %s: sort key %q (%v), the list's %q", st.Accession, one.SortKey, err, st.SortKey)
			}
		}
		cs, err := s.ChangesSince(ctx, "ZHWEST", "0-0", 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			if i := slices.Index(accs, c.Accession); i < 0 || c.Study.SortKey != keys[i] {
				t.Errorf("change of %s: sort key %q, want the list's", c.Accession, c.Study.SortKey)
			}
		}
	}
	check("[E1 W2 W1]", "[urgent urgent routine]")
	rules, err := triage.ParseRules([]byte("otherwise: {band: routine, within: 72h}\n" +
		"rules:\n  - name: outpatient CT\n    when: {patientClass: O, priority: R}\n    band: critical\n    within: 30m\n"))
	if err != nil {
		t.Fatal(err)
	}
	s.SetRules(rules)
	check("[E1 W2 W1]", "[routine routine critical]")
	st, err := s.Claim(ctx, "ZHWEST", "W1", "jansen", false)
	if err != nil || st.SortKey != st.Place().Key() {
		t.Fatalf("claim: %v, sort key %q, want its new place %q", err, st.SortKey, st.Place().Key())
	}
	check("[W1 E1 W2]", "[critical routine routine]")
}
