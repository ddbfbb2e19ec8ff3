package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voorrang/voorrang/hl7/mllp"
	"github.com/voorrang/voorrang/internal/redistest"
	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

// TestRulesReachEveryInstance runs two instances on one Redis: A with a
// rules file, B without. A rule added to A's file and reloaded there (as
// SIGHUP does) ranks the studies on B too.
func TestRulesReachEveryInstance(t *testing.T) {
	prefix := redistest.Prefix(t, redistest.Client(t))
	file := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(file, triage.DefaultRulesYAML(), 0o600); err != nil {
		t.Fatal(err)
	}
	shared := func(c *serveConfig) { c.keyPrefix = prefix; withInstanceTokens(c) }
	a := startService(t, shared, func(c *serveConfig) { c.rulesFile = file })
	b := startService(t, shared)

	client := &mllp.Client{Addr: a.mllpLn.Addr().String(), Timeout: 10 * time.Second}
	t.Cleanup(func() { client.Close() })
	if ack, err := client.Send(t.Context(), completedOrder(t, "R1")); err != nil || !accepted([]string{ackCode(t, ack)}) {
		t.Fatalf("order: %v %q", err, ack)
	}
	if band := bandOn(t, b, "R1"); band == triage.Critical {
		t.Fatalf("on B before the change: %s", band)
	}

	// Oncology follow-up CTs become critical (as a test of the rules, not
	// a department's choice).
	rules := strings.Replace(string(triage.DefaultRulesYAML()), "rules:\n",
		"rules:\n  - name: oncology-ct\n    when: {modality: CT}\n    band: critical\n    within: 1h\n", 1)
	if err := os.WriteFile(file, []byte(rules), 0o600); err != nil {
		t.Fatal(err)
	}
	a.reloadRules()
	deadline := time.Now().Add(10 * time.Second)
	for bandOn(t, b, "R1") != triage.Critical {
		if time.Now().After(deadline) {
			t.Fatal("B does not rank by the rules reloaded on A")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if a.store.RulesVersion() != b.store.RulesVersion() {
		t.Errorf("rules version %d on A, %d on B", a.store.RulesVersion(), b.store.RulesVersion())
	}
	// A third instance started later, without a file, ranks by them too.
	c := startService(t, shared)
	if band := bandOn(t, c, "R1"); band != triage.Critical {
		t.Errorf("on an instance started after the change: %s, want critical", band)
	}
}

// bandOn returns the band of a study at ZHWEST as srv shows it.
func bandOn(t *testing.T, srv *service, acc string) triage.Band {
	t.Helper()
	code, body := call(t, srv, "alice", "GET", "/api/v1/studies/ZHWEST/"+acc, nil)
	var st worklist.Study
	if err := json.Unmarshal(body, &st); err != nil || code != http.StatusOK {
		t.Fatalf("study %s: %d %s", acc, code, body)
	}
	return st.Rank.Band
}
