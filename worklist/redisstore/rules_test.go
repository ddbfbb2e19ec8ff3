package redisstore

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

// TestPublishRules publishes rules on one store and loads them on
// another on the same Redis and prefix.
func TestPublishRules(t *testing.T) {
	rdb := testRedis(t)
	prefix := testPrefix(t, rdb)
	now := func() time.Time { return t0 }
	a := New(rdb, Options{Prefix: prefix, Now: now})
	b := New(rdb, Options{Prefix: prefix, Now: now})
	ctx := context.Background()
	if changed, err := b.LoadRules(ctx); err != nil || changed || b.RulesVersion() != 0 {
		t.Fatalf("nothing published: changed %v, version %d, %v", changed, b.RulesVersion(), err)
	}
	defaults := triage.DefaultRulesYAML()
	ctRoutine := []byte(strings.Replace(string(defaults), "rules:\n",
		"rules:\n  - name: ct-urgent\n    when: {modality: CT}\n    band: urgent\n    within: 2h\n", 1))
	steps := []struct {
		name        string
		file        []byte
		wantVersion int64
		wantErr     bool
	}{
		{"first file", defaults, 1, false},
		{"the same file again keeps its version", defaults, 1, false},
		{"a changed file", ctRoutine, 2, false},
		{"a file with an error is refused", []byte("rules: [{name: x, band: urgentest}]\n"), 2, true},
	}
	for _, st := range steps {
		v, err := a.PublishRules(ctx, st.file)
		if (err != nil) != st.wantErr {
			t.Fatalf("%s: %v", st.name, err)
		}
		if a.RulesVersion() != st.wantVersion {
			t.Errorf("%s: version %d on the publisher, want %d", st.name, a.RulesVersion(), st.wantVersion)
		}
		if _, err := b.LoadRules(ctx); err != nil {
			t.Fatal(err)
		}
		if b.RulesVersion() != st.wantVersion || (!st.wantErr && v != st.wantVersion) {
			t.Errorf("%s: version %d on the other store (published %d), want %d", st.name, b.RulesVersion(), v, st.wantVersion)
		}
	}
	// The other store ranks a CT by the published rule.
	mustApply(t, a, order(worklist.ExamCompleted, "ZHWEST", "A1", t0, nil))
	if st, err := b.Get(ctx, "ZHWEST", "A1"); err != nil || st.Rank.Band != triage.Urgent {
		t.Errorf("a CT on the other store: %v, %v; want urgent by the published rule", st, err)
	}
}

// TestWatchRules sees rules published elsewhere applied by the watcher.
func TestWatchRules(t *testing.T) {
	rdb := testRedis(t)
	prefix := testPrefix(t, rdb)
	a := New(rdb, Options{Prefix: prefix})
	b := New(rdb, Options{Prefix: prefix})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); b.WatchRules(ctx, time.Hour) }()
	t.Cleanup(func() { cancel(); <-done })
	deadline := time.Now().Add(10 * time.Second)
	// Publish until the watcher has subscribed and applied it.
	for b.RulesVersion() == 0 {
		if _, err := a.PublishRules(context.Background(), triage.DefaultRulesYAML()); err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatal("the watcher did not apply the published rules")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRulesRestoredFromABackup restores Redis's rules from a snapshot
// taken before the last publication: the older file, with its lower
// version, is applied on every store, and a later publication after it.
func TestRulesRestoredFromABackup(t *testing.T) {
	rdb := testRedis(t)
	prefix := testPrefix(t, rdb)
	now := func() time.Time { return t0 }
	a := New(rdb, Options{Prefix: prefix, Now: now})
	b := New(rdb, Options{Prefix: prefix, Now: now})
	ctx := context.Background()
	defaults := triage.DefaultRulesYAML()
	ctUrgent := []byte(strings.Replace(string(defaults), "rules:\n",
		"rules:\n  - name: ct-urgent\n    when: {modality: CT}\n    band: urgent\n    within: 2h\n", 1))
	if _, err := a.PublishRules(ctx, defaults); err != nil {
		t.Fatal(err)
	}
	backup, err := rdb.HGetAll(ctx, prefix+"rules").Result()
	if err != nil || backup["version"] != "1" {
		t.Fatalf("the backup's rules: %v %v", backup, err)
	}
	if _, err := a.PublishRules(ctx, ctUrgent); err != nil {
		t.Fatal(err)
	}
	mustApply(t, a, order(worklist.ExamCompleted, "ZHWEST", "A1", t0, nil))
	band := func(s *Store) triage.Band {
		t.Helper()
		st, err := s.Get(ctx, "ZHWEST", "A1")
		if err != nil {
			t.Fatal(err)
		}
		return st.Rank.Band
	}
	steps := []struct {
		name        string
		do          func() error
		wantVersion int64
		wantBand    triage.Band
	}{
		{"the CT rule published", func() error { return nil }, 2, triage.Urgent},
		{"the backup restored", func() error { return rdb.HSet(ctx, prefix+"rules", backup).Err() }, 1, triage.Routine},
		{"the CT rule published again", func() error { _, err := a.PublishRules(ctx, ctUrgent); return err }, 2, triage.Urgent},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		for name, s := range map[string]*Store{"publisher": a, "other": b} {
			if _, err := s.LoadRules(ctx); err != nil {
				t.Fatalf("%s: %s: %v", st.name, name, err)
			}
			if v, got := s.RulesVersion(), band(s); v != st.wantVersion || got != st.wantBand {
				t.Errorf("%s: on the %s, version %d and the CT %s; want %d and %s", st.name, name, v, got, st.wantVersion, st.wantBand)
			}
		}
	}
}
