package sim

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voorrang/voorrang/hl7"
	"github.com/voorrang/voorrang/ingest"
	"github.com/voorrang/voorrang/internal/redistest"
	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
	"github.com/voorrang/voorrang/worklist/redisstore"
)

// handlerSender hands each message to the ingest handler as the MLLP
// server would, after checking that it parses, and notes what it was.
type handlerSender struct {
	t        *testing.T
	h        *ingest.Handler
	critical map[string]bool // site/accession of critical AI results
	final    map[string]bool // site/accession of final reports
}

func (s *handlerSender) Send(ctx context.Context, msg []byte) ([]byte, error) {
	m, err := hl7.Parse(msg)
	if err != nil {
		s.t.Errorf("message does not parse: %v\n%q", err, msg)
	}
	if m != nil {
		key := m.Get("MSH-4") + "/" + m.Get("OBR-3")
		alg := m.Get("OBR-4")
		switch {
		case m.Get("MSH-3") == "AIPLATFORM" && m.Get("OBX-8") == "A" && (alg == "aidoc-pe" || alg == "aidoc-ich"):
			s.critical[key] = true
		case m.Get("MSH-3") != "AIPLATFORM" && m.Get("OBR-25") == "F":
			s.final[key] = true
		}
	}
	return s.h.ServeMLLP(ctx, msg), nil
}

func TestSimulatedHourOnTheWorklist(t *testing.T) {
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t, rdb)
	start := time.Date(2026, 11, 23, 8, 0, 0, 0, amsterdam)
	clock := NewManualClock(start.Add(-2 * time.Hour))
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	store := redisstore.New(rdb, redisstore.Options{Prefix: prefix, Now: clock.Now, Logger: log})
	sender := &handlerSender{t: t, critical: map[string]bool{}, final: map[string]bool{},
		h: &ingest.Handler{Store: store, Mapping: ingest.DefaultMapping(), Application: "VOORRANG", Now: clock.Now, Logger: log}}
	live := &Live{
		Sim:    New(Options{Seed: 11, Start: start, Desk: StoreDesk{Store: store}, Logger: log}),
		Clock:  clock,
		Sender: sender,
		Until:  start.Add(time.Hour),
		Logger: log,
	}
	ctx := context.Background()
	if err := live.Run(ctx); err != nil {
		t.Fatal(err)
	}
	st := live.Stats()
	if st.Sent == 0 || st.Accepted != st.Sent || st.Refused != 0 || st.Failed != 0 {
		t.Errorf("ACKs: %+v, want every message accepted", st)
	}
	if got := clock.Now(); !got.Equal(start.Add(time.Hour)) {
		t.Errorf("clock at %s after the run, want %s", got, start.Add(time.Hour))
	}
	t.Logf("ACKs %+v; simulation %+v", st, live.Sim.Stats())
	if live.Sim.Stats().Taken == 0 {
		t.Errorf("no reader took a study from the store")
	}

	page, err := store.List(ctx, worklist.Query{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Studies) == 0 {
		t.Fatalf("no study on the list after a simulated hour")
	}
	t.Logf("%d on the list, %d critical AI findings, %d final reports", len(page.Studies), len(sender.critical), len(sender.final))
	claimed := 0
	for _, s := range page.Studies {
		if s.Claim != nil && s.Claim.Until.After(clock.Now()) {
			claimed++
		}
	}
	if claimed == 0 {
		t.Errorf("no study on the list is claimed by a virtual reader")
	}

	critical := 0
	for key := range sender.critical {
		site, acc, _ := strings.Cut(key, "/")
		s, err := store.Get(ctx, site, acc)
		if err != nil {
			t.Errorf("critical study %s: %v", key, err)
			continue
		}
		if s.Rank.Band == triage.Critical {
			critical++
		}
	}
	if critical == 0 {
		t.Errorf("no critical study among %d with a critical AI finding", len(sender.critical))
	}

	reported := 0
	for key := range sender.final {
		site, acc, _ := strings.Cut(key, "/")
		s, err := store.Get(ctx, site, acc)
		if err != nil {
			t.Errorf("reported study %s: %v", key, err)
			continue
		}
		if s.Status != worklist.StatusFinal || s.OnList || s.ReportedAt.IsZero() || s.FirstClaimedAt.IsZero() {
			t.Errorf("reported study %s: status %s, on list %v, reported %s, first claimed %s",
				key, s.Status, s.OnList, s.ReportedAt, s.FirstClaimedAt)
		}
		reported++
	}
	if reported == 0 {
		t.Fatalf("no study reported in a simulated hour")
	}
	// Every closed study has its turnaround record: one per final report
	// (and one per cancelled study).
	tat, err := store.Turnarounds(ctx, nil, start.Add(-24*time.Hour), start.Add(48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	records := 0
	for r := range tat.All() {
		if r.Status == worklist.StatusFinal {
			records++
		}
	}
	if records != reported {
		t.Errorf("%d turnaround records of final reports for %d final reports", records, reported)
	}
}

func TestWriteFeed(t *testing.T) {
	dir := t.TempDir()
	files, n, err := WriteFeed(context.Background(), dir, Options{Seed: 4}, 3*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "zhwest_20261123.hl7"), filepath.Join(dir, "zhoost_20261123.hl7")}
	if len(files) != 2 || !(files[0] == want[0] && files[1] == want[1] || files[0] == want[1] && files[1] == want[0]) {
		t.Fatalf("files %v, want %v", files, want)
	}
	total := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range hl7.Split(data) {
			if _, err := hl7.Parse(raw); err != nil {
				t.Fatalf("%s: message %d: %v", f, total, err)
			}
			total++
		}
	}
	if total != n || n == 0 {
		t.Errorf("files hold %d messages, WriteFeed says %d", total, n)
	}
	again := t.TempDir()
	if _, _, err := WriteFeed(context.Background(), again, Options{Seed: 4}, 3*time.Hour); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		a, _ := os.ReadFile(f)
		b, _ := os.ReadFile(filepath.Join(again, filepath.Base(f)))
		if string(a) != string(b) {
			t.Errorf("%s differs between two runs with the same seed", filepath.Base(f))
		}
	}
}
