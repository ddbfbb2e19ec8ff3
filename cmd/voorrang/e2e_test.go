package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voorrang/voorrang/embedredis"
	"github.com/voorrang/voorrang/hl7"
	"github.com/voorrang/voorrang/hl7/mllp"
)

// e2e runs the real service on free ports against a redis-server of its
// own (so that the test can stop and restart Redis), and talks to it over
// MLLP and HTTP as an interface engine, an AI platform and a panel do.
type e2e struct {
	t      *testing.T
	dir    string
	redis  *embedredis.Server
	srv    *service
	stop   func()
	client *mllp.Client
}

// e2eToken is the secret of the end-to-end test's token, which holds the
// roles of a reader, an AI platform and an admin.
const e2eToken = "end-to-end-token-0123456789abcdefghijk"

func startRedis(t *testing.T, dir string) *embedredis.Server {
	t.Helper()
	r, err := embedredis.Start(context.Background(), embedredis.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if r.Kind() != embedredis.KindRedisServer {
		t.Fatalf("the end-to-end test needs Debian's redis-server (make test installs it); got %s", r.Kind())
	}
	return r
}

func (e *e2e) start() {
	e.t.Helper()
	cfg := serveConfig{httpAddr: "127.0.0.1:0", mllpAddr: "127.0.0.1:0", shutdownTimeout: 5 * time.Second,
		redisURL: e.redis.Addr(), accession: "OBR-18,ORC-3.1,OBR-3.1,IPC-1.1", aiSenders: "AIPLATFORM", claimTTL: 20 * time.Minute}
	cfg.access.tokens = "e2e:radiologist+integration+admin:" + e2eToken
	srv, err := newService(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.run(ctx) }()
	e.srv = srv
	e.client = &mllp.Client{Addr: srv.mllpLn.Addr().String(), Timeout: 10 * time.Second, Retries: -1}
	e.stop = func() {
		e.client.Close()
		cancel()
		if err := <-done; err != nil {
			e.t.Errorf("run: %v", err)
		}
		srv.close()
	}
}

func newE2E(t *testing.T) *e2e {
	dir := t.TempDir()
	e := &e2e{t: t, dir: dir, redis: startRedis(t, dir)}
	e.start()
	t.Cleanup(func() {
		e.stop()
		e.redis.Close()
	})
	return e
}

// send sends the messages of a corpus file and returns each ACK code.
func (e *e2e) send(name string, edit func(string) string) []string {
	e.t.Helper()
	data, err := os.ReadFile(filepath.Join("../../testdata/hl7", name))
	if err != nil {
		e.t.Fatal(err)
	}
	var codes []string
	for _, raw := range hl7.Split(data) {
		if edit != nil {
			raw = []byte(edit(string(raw)))
		}
		codes = append(codes, e.sendRaw(raw))
	}
	return codes
}

func (e *e2e) sendRaw(raw []byte) string {
	e.t.Helper()
	ack, err := e.client.Send(context.Background(), raw)
	if err != nil {
		e.t.Fatalf("send: %v", err)
	}
	m, err := hl7.Parse(ack)
	if err != nil {
		e.t.Fatalf("ACK: %v", err)
	}
	return m.Get("MSA-1")
}

func (e *e2e) http(method, path string, body []byte) (int, []byte) {
	e.t.Helper()
	req, _ := http.NewRequest(method, "http://"+e.srv.httpLn.Addr().String()+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+e2eToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

type listEntry struct {
	Accession string `json:"accession"`
	Rank      struct {
		Band string `json:"band"`
	} `json:"rank"`
}

// worklist returns "accession:band" of the reading list.
func (e *e2e) worklist() string {
	e.t.Helper()
	code, body := e.http("GET", "/api/v1/worklist?limit=100", nil)
	if code != 200 {
		e.t.Fatalf("worklist: %d %s", code, body)
	}
	var page struct{ Studies []listEntry }
	if err := json.Unmarshal(body, &page); err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, s := range page.Studies {
		out = append(out, s.Accession+":"+s.Rank.Band)
	}
	return strings.Join(out, " ")
}

func accepted(codes []string) bool {
	for _, c := range codes {
		if c != "AA" && c != "CA" {
			return false
		}
	}
	return len(codes) > 0
}

func TestEndToEnd(t *testing.T) {
	e := newE2E(t)
	// Orders: a routine oncology CT completed, an ED wrist X-ray, an MR that is cancelled.
	for _, f := range []string{"zhwest_orm_nw_ct_oncology.hl7", "zhwest_orm_sc_cm_ct_oncology.hl7",
		"zhoost_omi_o23_dx_wrist_ed.hl7", "zhwest_orm_nw_mr_brain.hl7", "zhwest_orm_ca_cancel.hl7"} {
		if codes := e.send(f, nil); !accepted(codes) {
			t.Fatalf("%s: %v", f, codes)
		}
	}
	// The oncology CT, completed on 2026-11-23 and due three days later, is
	// more than four days overdue on any day this test runs: the built-in
	// escalation has lifted it out of routine.
	if got := e.worklist(); got != "W26000101:urgent" {
		t.Fatalf("after the orders: %q", got)
	}
	// The AI platform posts a fracture for the ED wrist and an incidental PE for the CT.
	for _, f := range []string{"fracture_positive.json", "pe_positive.json"} {
		body, _ := os.ReadFile(filepath.Join("../../testdata/ai", f))
		if code, resp := e.http("POST", "/api/v1/ai-results", body); code != 200 {
			t.Fatalf("%s: %d %s", f, code, resp)
		}
	}
	if got := e.worklist(); got != "W26000101:critical E26000202:urgent" {
		t.Fatalf("after the AI results: %q", got)
	}
	// The same result over HL7 (same result ID) adds nothing; a resend gets the same ACK.
	data, _ := os.ReadFile("../../testdata/hl7/zhwest_oru_ai_pe_positive.hl7")
	first, _ := e.client.Send(context.Background(), data)
	again, _ := e.client.Send(context.Background(), data)
	if !bytes.Equal(first, again) {
		t.Errorf("resend got a different ACK:\n%q\n%q", first, again)
	}
	code, body := e.http("GET", "/api/v1/studies/ZHWEST/W26000101", nil)
	var st struct{ Results []json.RawMessage }
	if json.Unmarshal(body, &st); code != 200 || len(st.Results) != 1 {
		t.Errorf("study: %d, %d results", code, len(st.Results))
	}
	// An AI result before its order waits, and merges when the order comes.
	body, _ = os.ReadFile("../../testdata/ai/no_order_yet.json")
	if code, resp := e.http("POST", "/api/v1/ai-results", body); code != 202 {
		t.Fatalf("no_order_yet.json: %d %s", code, resp)
	}
	codes := e.send("zhoost_omi_o23_ct_head_stat.hl7", func(s string) string {
		return strings.ReplaceAll(strings.ReplaceAll(s, "E26000201", "E26000250"), "EPIC26112300001", "EPIC-E2E-1")
	})
	if !accepted(codes) {
		t.Fatalf("order for E26000250: %v", codes)
	}
	if got := e.worklist(); !strings.HasPrefix(got, "E26000250:critical W26000101:critical") {
		t.Fatalf("after the late order: %q", got)
	}
	// A final report takes the CT off the list.
	if codes := e.send("zhwest_oru_report_final.hl7", nil); !accepted(codes) {
		t.Fatalf("final report: %v", codes)
	}
	want := "E26000250:critical E26000202:urgent"
	if got := e.worklist(); got != want {
		t.Fatalf("after the final report: %q", got)
	}
	// Broken input is refused, kept, and the service goes on.
	if codes := e.send("broken/orm_no_accession.hl7", nil); codes[0] != "AE" && codes[0] != "CE" {
		t.Errorf("no accession: %v", codes)
	}
	code, body = e.http("GET", "/api/v1/dead-letters", nil)
	if code != 200 || !bytes.Contains(body, []byte("accession number is missing")) {
		t.Errorf("dead letters: %d %s", code, body)
	}

	// Redis goes away: messages get AE, so the engine resends; nothing is lost.
	e.redis.Close()
	knee, err := os.ReadFile("../../testdata/hl7/zhoost_omi_o23_mr_knee_routine.hl7")
	if err != nil {
		t.Fatal(err)
	}
	if code := e.sendRaw(knee); code != "AE" {
		t.Fatalf("with Redis down: %s, want AE", code)
	}
	if code, _ := e.http("GET", "/readyz", nil); code != 503 {
		t.Errorf("/readyz with Redis down: %d", code)
	}
	e.redis = startRedis(t, e.dir)
	if code := e.sendRaw(knee); code != "AA" { // the engine resends the same message
		t.Fatalf("resend after Redis came back: %s", code)
	}
	if code, _ := e.http("GET", "/api/v1/studies/ZHOOST/E26000203", nil); code != 200 {
		t.Errorf("the order sent again after the outage: %d", code)
	}
	got := e.worklist()
	if got != "E26000250:critical E26000202:urgent" {
		t.Fatalf("after the outage: %q", got)
	}

	// A restart of the service on the same Redis shows the same list.
	e.stop()
	e.start()
	if again := e.worklist(); again != got {
		t.Errorf("after a restart: %q, want %q", again, got)
	}
}
