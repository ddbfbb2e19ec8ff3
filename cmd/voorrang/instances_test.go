package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	fws "github.com/fasthttp/websocket"

	"github.com/voorrang/voorrang/hl7/mllp"
	"github.com/voorrang/voorrang/internal/redistest"
	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

// The tokens of the instances test: two readers and an AI platform.
var instanceTokens = map[string]string{
	"alice": "alice-token-0123456789abcdefghijklmnop",
	"bob":   "bob-token-0123456789abcdefghijklmnopqr",
	"ai":    "ai-token-0123456789abcdefghijklmnopqrs",
}

func withInstanceTokens(c *serveConfig) {
	c.access.tokens = "alice:radiologist:" + instanceTokens["alice"] + ",bob:radiologist:" + instanceTokens["bob"] +
		",ai:integration:" + instanceTokens["ai"]
}

// call sends an HTTP request to srv as who and returns the status and body.
func call(t *testing.T, srv *service, who, method, path string, body []byte) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, "http://"+srv.httpLn.Addr().String()+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+instanceTokens[who])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// A panel is a websocket to /ws, as the browser's panel opens it.
type panel struct {
	t *testing.T
	c *fws.Conn
}

func openPanel(t *testing.T, srv *service, who string) *panel {
	t.Helper()
	c, _, err := fws.DefaultDialer.Dial("ws://"+srv.httpLn.Addr().String()+"/ws",
		http.Header{"Authorization": {"Bearer " + instanceTokens[who]}})
	if err != nil {
		t.Fatalf("open the panel's websocket: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	p := &panel{t: t, c: c}
	if m := p.next(); m.Type != "snapshot" {
		t.Fatalf("first message %q, want the snapshot", m.Type)
	}
	return p
}

type panelMsg struct {
	Type  string          `json:"type"`
	Study *worklist.Study `json:"study"`
}

func (p *panel) next() panelMsg {
	p.t.Helper()
	p.c.SetReadDeadline(time.Now().Add(15 * time.Second))
	var m panelMsg
	if err := p.c.ReadJSON(&m); err != nil {
		p.t.Fatalf("the panel's websocket: %v", err)
	}
	return m
}

// waitFor reads the panel's changes until one of acc satisfies ok, and
// returns that study.
func (p *panel) waitFor(acc string, ok func(*worklist.Study) bool) *worklist.Study {
	p.t.Helper()
	for {
		m := p.next()
		if m.Type == "upsert" && m.Study != nil && m.Study.Accession == acc && ok(m.Study) {
			return m.Study
		}
	}
}

// TestInstancesShareACluster runs three instances of the service, A, B
// and C, on one Redis Cluster of three primaries with a replica each, as
// a regional group runs them behind a load balancer. An order sent to A
// appears on a panel connected to B; two readers claiming the study at
// once, on A and on B, get it once between them; an AI result posted to C
// makes the study critical on every instance; rules published on C rank
// the studies on A.
func TestInstancesShareACluster(t *testing.T) {
	c, err := redistest.StartCluster(redistest.ClusterConfig{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	a := startService(t, on(c.URL(), 1), withInstanceTokens)
	b := startService(t, on(c.URL(), 1), withInstanceTokens)
	cc := startService(t, on(c.URL(), 1), withInstanceTokens)
	panelB := openPanel(t, b, "bob")

	client := &mllp.Client{Addr: a.mllpLn.Addr().String(), Timeout: 10 * time.Second}
	t.Cleanup(func() { client.Close() })
	ack, err := client.Send(t.Context(), completedOrder(t, "W26000101"))
	if err != nil || !accepted([]string{ackCode(t, ack)}) {
		t.Fatalf("the order to A: %v %q", err, ack)
	}
	st := panelB.waitFor("W26000101", func(*worklist.Study) bool { return true })
	if !st.OnList || st.Rank.Band == triage.Critical {
		t.Fatalf("on B's panel: on list %v, band %s; want it waiting, not critical", st.OnList, st.Rank.Band)
	}

	// Alice on A and Bob on B claim the study at the same moment.
	var wg sync.WaitGroup
	codes := map[string]int{}
	var mu sync.Mutex
	for who, srv := range map[string]*service{"alice": a, "bob": b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, _ := call(t, srv, who, "POST", "/api/v1/studies/ZHWEST/W26000101/claim", nil)
			mu.Lock()
			codes[who] = code
			mu.Unlock()
		}()
	}
	wg.Wait()
	winner := ""
	for who, code := range codes {
		switch code {
		case http.StatusOK:
			winner += who
		case http.StatusConflict:
		default:
			t.Errorf("%s's claim: %d, want 200 or 409", who, code)
		}
	}
	if winner != "alice" && winner != "bob" {
		t.Fatalf("claims %v: want one 200 and one 409", codes)
	}
	claimed := panelB.waitFor("W26000101", func(s *worklist.Study) bool { return s.Claim != nil })
	if claimed.Claim.By != winner {
		t.Errorf("B's panel shows the claim of %s, want %s", claimed.Claim.By, winner)
	}

	// The AI platform posts a PE to C.
	body, err := os.ReadFile("../../testdata/ai/pe_positive.json")
	if err != nil {
		t.Fatal(err)
	}
	if code, resp := call(t, cc, "ai", "POST", "/api/v1/ai-results", body); code != http.StatusOK {
		t.Fatalf("the AI result to C: %d %s", code, resp)
	}
	panelB.waitFor("W26000101", func(s *worklist.Study) bool { return s.Rank.Band == triage.Critical })
	for name, srv := range map[string]*service{"A": a, "B": b, "C": cc} {
		code, resp := call(t, srv, "alice", "GET", "/api/v1/studies/ZHWEST/W26000101", nil)
		var got worklist.Study
		if err := json.Unmarshal(resp, &got); err != nil || code != http.StatusOK {
			t.Fatalf("%s: %d %s", name, code, resp)
		}
		if got.Rank.Band != triage.Critical || got.Claim == nil || got.Claim.By != winner {
			t.Errorf("%s: band %s, claim %v; want critical, held by %s", name, got.Rank.Band, got.Claim, winner)
		}
	}

	// Rules published on C (as its SIGHUP does) rank the studies on A too.
	if ack, err := client.Send(t.Context(), completedOrder(t, "W26000102")); err != nil || !accepted([]string{ackCode(t, ack)}) {
		t.Fatalf("the second order to A: %v %q", err, ack)
	}
	if band := bandOn(t, a, "W26000102"); band == triage.Critical {
		t.Fatalf("the second order on A before the rules change: %s", band)
	}
	rules := strings.Replace(string(triage.DefaultRulesYAML()), "rules:\n",
		"rules:\n  - name: oncology-ct\n    when: {modality: CT}\n    band: critical\n    within: 1h\n", 1)
	if _, err := cc.store.PublishRules(t.Context(), []byte(rules)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for bandOn(t, a, "W26000102") != triage.Critical {
		if time.Now().After(deadline) {
			t.Fatal("A does not rank by the rules published on C")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
