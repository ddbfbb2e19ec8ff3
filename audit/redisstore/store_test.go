package redisstore

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/voorrang/voorrang/audit"
	"github.com/voorrang/voorrang/internal/redistest"
)

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

var t0 = time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC)

func newTrail(t *testing.T, retention time.Duration) (*Trail, *clock) {
	t.Helper()
	rdb := redistest.Client(t)
	clk := &clock{t: t0}
	return New(rdb, Options{Prefix: redistest.Prefix(t, rdb), Retention: retention, Now: clk.Now}), clk
}

func record(t *testing.T, tr *Trail, clk *clock, e audit.Entry) {
	t.Helper()
	e.At = clk.Now()
	if e.Outcome == "" {
		e.Outcome = audit.OK
	}
	if err := tr.Record(context.Background(), e); err != nil {
		t.Fatal(err)
	}
}

func actions(es []audit.Entry) string {
	var s []string
	for _, e := range es {
		s = append(s, e.Actor+":"+e.Action)
	}
	return strings.Join(s, " ")
}

func TestTrail(t *testing.T) {
	tr, clk := newTrail(t, 0)
	ctx := context.Background()
	record(t, tr, clk, audit.Entry{Actor: "jansen", Method: "password", Action: audit.SignIn, Remote: "10.1.2.3"})
	clk.Add(time.Minute)
	record(t, tr, clk, audit.Entry{Actor: "jansen", Action: audit.StudyView, Site: "ZHWEST", Accession: "W26000101"})
	record(t, tr, clk, audit.Entry{Actor: "jansen", Action: audit.Claim, Site: "ZHWEST", Accession: "W26000101"})
	clk.Add(time.Hour)
	record(t, tr, clk, audit.Entry{Actor: "devries", Action: audit.Claim, Site: "ZHWEST", Accession: "W26000101", Detail: "override of jansen"})
	record(t, tr, clk, audit.Entry{Action: audit.SignIn, Outcome: audit.Denied, Actor: "nobody"})

	all, next, err := tr.Entries(ctx, audit.Query{})
	if err != nil || next != "" {
		t.Fatalf("Entries = %v, next %q", err, next)
	}
	if got := actions(all); got != "jansen:signin jansen:study.view jansen:claim devries:claim nobody:signin" {
		t.Errorf("all: %s", got)
	}
	if all[3].Detail != "override of jansen" || all[3].Accession != "W26000101" || all[0].Remote != "10.1.2.3" || all[0].ID == "" {
		t.Errorf("entries do not come back as written: %+v", all)
	}
	tests := []struct {
		name string
		q    audit.Query
		want string
	}{
		{"by actor", audit.Query{Actor: "jansen"}, "jansen:signin jansen:study.view jansen:claim"},
		{"by action", audit.Query{Action: audit.Claim}, "jansen:claim devries:claim"},
		{"from", audit.Query{From: t0.Add(time.Minute)}, "jansen:study.view jansen:claim devries:claim nobody:signin"},
		{"to", audit.Query{To: t0.Add(time.Hour)}, "jansen:signin jansen:study.view jansen:claim"},
		{"a window", audit.Query{From: t0.Add(time.Minute), To: t0.Add(time.Hour)}, "jansen:study.view jansen:claim"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := tr.Entries(ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if s := actions(got); s != tt.want {
				t.Errorf("got %s, want %s", s, tt.want)
			}
		})
	}
	// Paging: two at a time, each page after the last ID of the one before.
	var pages []string
	q := audit.Query{Limit: 2}
	for {
		got, next, err := tr.Entries(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, actions(got))
		if next == "" {
			break
		}
		q.After = next
	}
	if got := strings.Join(pages, " | "); got != "jansen:signin jansen:study.view | jansen:claim devries:claim | nobody:signin" {
		t.Errorf("pages: %s", got)
	}
	if _, _, err := tr.Entries(ctx, audit.Query{After: "1) + 0"}); err == nil {
		t.Error("a malformed After was accepted")
	}
}

func TestTrailRetention(t *testing.T) {
	tr, clk := newTrail(t, 30*24*time.Hour)
	for i := range 40 { // one a day
		record(t, tr, clk, audit.Entry{Actor: fmt.Sprint("day", i), Action: audit.SignIn})
		clk.Add(24 * time.Hour)
	}
	got, _, err := tr.Entries(context.Background(), audit.Query{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 31 || got[0].Actor != "day9" {
		t.Errorf("%d entries from %s, want the last 31 days (day9 to day39)", len(got), got[0].Actor)
	}
}

func TestTrailClockBehind(t *testing.T) {
	tr, clk := newTrail(t, 0)
	record(t, tr, clk, audit.Entry{Actor: "a", Action: audit.SignIn})
	clk.Add(-time.Minute) // another instance's clock is behind
	record(t, tr, clk, audit.Entry{Actor: "b", Action: audit.SignIn})
	got, _, err := tr.Entries(context.Background(), audit.Query{})
	if err != nil || actions(got) != "a:signin b:signin" {
		t.Errorf("got %s, %v; want both, in the order recorded", actions(got), err)
	}
}

func TestTrailRefusesIncompleteEntries(t *testing.T) {
	tr, _ := newTrail(t, 0)
	for _, e := range []audit.Entry{{Action: audit.SignIn, Outcome: audit.OK}, {At: t0, Outcome: audit.OK}, {At: t0, Action: audit.SignIn}} {
		if err := tr.Record(context.Background(), e); err == nil {
			t.Errorf("Record(%+v) accepted", e)
		}
	}
}
