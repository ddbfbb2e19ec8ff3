package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voorrang/voorrang/hl7"
	"github.com/voorrang/voorrang/hl7/mllp"
	"github.com/voorrang/voorrang/internal/redistest"
)

// startService runs serve on free loopback ports until the test ends;
// each of opts may change the configuration first.
func startService(t *testing.T, opts ...func(*serveConfig)) *service {
	t.Helper()
	rdb := redistest.Client(t)
	cfg := serveConfig{httpAddr: "127.0.0.1:0", mllpAddr: "127.0.0.1:0", shutdownTimeout: 5 * time.Second,
		redisURL: redistest.URL(t), keyPrefix: redistest.Prefix(t, rdb),
		accession: "OBR-18,ORC-3.1,OBR-3.1,IPC-1.1", aiSenders: "AIPLATFORM", claimTTL: 20 * time.Minute}
	for _, o := range opts {
		o(&cfg)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := newService(context.Background(), cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
		srv.close()
	})
	return srv
}

func ackCode(t *testing.T, raw []byte) string {
	t.Helper()
	m, err := hl7.Parse(raw)
	if err != nil {
		t.Fatalf("ACK does not parse: %v: %q", err, raw)
	}
	return m.Get("MSA-1")
}

func TestServeAcknowledgesCorpus(t *testing.T) {
	srv := startService(t)
	resp, err := http.Get("http://" + srv.httpLn.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz: %s", resp.Status)
	}

	c := &mllp.Client{Addr: srv.mllpLn.Addr().String(), Timeout: 10 * time.Second}
	defer c.Close()
	ctx := context.Background()
	files, _ := filepath.Glob("../../testdata/hl7/*.hl7")
	if len(files) == 0 {
		t.Fatal("no corpus under testdata/hl7")
	}
	n := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, msg := range hl7.Split(data) {
			ack, err := c.Send(ctx, msg)
			if err != nil {
				t.Fatalf("%s#%d: %v", filepath.Base(f), i+1, err)
			}
			if code := ackCode(t, ack); code != "AA" && code != "CA" {
				t.Errorf("%s#%d: ACK %s, want AA: %q", filepath.Base(f), i+1, code, ack)
			}
			n++
		}
	}
	t.Logf("%d messages acknowledged", n)

	// Broken messages are refused with a reason, and the server goes on.
	refused := map[string]string{
		"binary_garbage.hl7":           "does not begin with an MSH",
		"field_separator_digit.hl7":    "MSH-1",
		"field_separator_letter.hl7":   "MSH-1",
		"msh10_empty.hl7":              "MSH-10",
		"msh9_empty.hl7":               "MSH-9",
		"msh_too_short.hl7":            "MSH-2",
		"no_msh_starts_with_pid.hl7":   "does not begin with an MSH",
		"unsupported_type_mfn_m02.hl7": "not supported",
		"unsupported_type_siu_s12.hl7": "not supported",
		"utf16le_with_bom.hl7":         "UTF-16",
	}
	for name, why := range refused {
		data, err := os.ReadFile(filepath.Join("../../testdata/hl7/broken", name))
		if err != nil {
			t.Fatal(err)
		}
		raw, err := c.Send(ctx, data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ack, err := hl7.Parse(raw)
		if err != nil {
			t.Fatalf("%s: ACK does not parse: %v", name, err)
		}
		if code := ack.Get("MSA-1"); code != "AR" && code != "CR" {
			t.Errorf("%s: ACK %s, want AR", name, code)
		}
		// MSA-3 carries the reason in every version; ERR-8 from v2.5 on.
		if text := ack.Get("MSA-3") + ack.Get("ERR-8"); !strings.Contains(text, why) {
			t.Errorf("%s: ACK text %q does not say %q", name, text, why)
		}
	}
	data, _ := os.ReadFile(files[0])
	if ack, err := c.Send(ctx, hl7.Split(data)[0]); err != nil || ackCode(t, ack) == "AR" {
		t.Fatalf("after the broken messages: %v %q", err, ack)
	}
}

// TestServeSkipsJunkBetweenFrames speaks raw MLLP: junk and empty frames
// before a message do not stop its ACK.
func TestServeSkipsJunkBetweenFrames(t *testing.T) {
	srv := startService(t)
	conn, err := net.Dial("tcp", srv.mllpLn.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	files, _ := filepath.Glob("../../testdata/hl7/zhwest_orm_nw_ct_oncology.hl7")
	if len(files) != 1 {
		t.Fatal("corpus file missing")
	}
	msg, _ := os.ReadFile(files[0])
	var frame bytes.Buffer
	frame.WriteString("\r\n junk \x00")
	frame.Write([]byte{0x0B, 0x1C, 0x0D}) // an empty frame
	frame.WriteByte(0x0B)
	frame.Write(msg)
	frame.Write([]byte{0x1C, 0x0D})
	if _, err := conn.Write(frame.Bytes()); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	ack, err := mllp.NewReader(conn).ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	if code := ackCode(t, ack); code != "AA" && code != "CA" {
		t.Errorf("ACK %s, want AA", code)
	}
}

func TestSendCommand(t *testing.T) {
	srv := startService(t)
	var out bytes.Buffer
	addr := srv.mllpLn.Addr().String()
	env := func(string) string { return "" }
	good := "../../testdata/hl7/zhwest_feed_day.hl7"
	if err := run(context.Background(), []string{"send", "--to", addr, "--log-level", "error", good}, env, &out, io.Discard); err != nil {
		t.Fatalf("send: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), " 0 not accepted") {
		t.Errorf("output does not report all accepted:\n%s", out.String())
	}
	out.Reset()
	bad := "../../testdata/hl7/broken/unsupported_type_siu_s12.hl7"
	err := run(context.Background(), []string{"send", "--to", addr, "--log-level", "error", good, bad}, env, &out, io.Discard)
	if err == nil || !strings.Contains(out.String(), "\tAR\t") {
		t.Errorf("send of a refused message: err %v, output:\n%s", err, out.String())
	}
	// Nobody listening: a clear failure, not a hang.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := ln.Addr().String()
	ln.Close()
	if err := run(context.Background(), []string{"send", "--to", dead, "--log-level", "error", good}, env, io.Discard, io.Discard); err == nil {
		t.Error("send to a closed port succeeded")
	}
}

func TestEnvironmentSetsFlags(t *testing.T) {
	var cfg serveConfig
	fs := newFlagSet("t", io.Discard)
	cfg.register(fs)
	env := map[string]string{"VOORRANG_HTTP": ":9999", "VOORRANG_MLLP": ":7777"}
	if err := parseFlags(fs, []string{"--mllp", ":1111"}, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if cfg.httpAddr != ":9999" || cfg.mllpAddr != ":1111" {
		t.Errorf("http %q mllp %q; want the environment's :9999 and the flag's :1111", cfg.httpAddr, cfg.mllpAddr)
	}
	bad := map[string]string{"VOORRANG_MAX_MESSAGE_SIZE": "lots"}
	if err := parseFlags(newFlagSetWith(&serveConfig{}), nil, func(k string) string { return bad[k] }); err == nil ||
		!strings.Contains(err.Error(), "VOORRANG_MAX_MESSAGE_SIZE") {
		t.Errorf("bad environment value: %v", err)
	}
}

func newFlagSetWith(cfg *serveConfig) *flag.FlagSet {
	fs := newFlagSet("t", io.Discard)
	cfg.register(fs)
	return fs
}

// TestKeyPrefix runs serve with --key-prefix on the test Redis and checks
// that what it stores lands under the prefix, and that a prefix that would
// change the keys' Cluster hash tag is refused.
func TestKeyPrefix(t *testing.T) {
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t, rdb)
	config := func(prefix string) serveConfig {
		var cfg serveConfig
		err := parseFlags(newFlagSetWith(&cfg), []string{"--redis", redistest.URL(t), "--key-prefix", prefix,
			"--http", "127.0.0.1:0", "--mllp", "127.0.0.1:0"}, func(k string) string {
			if k == "VOORRANG_API_TOKENS" {
				return "ai:integration:" + e2eToken
			}
			return ""
		})
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := newService(context.Background(), config(prefix), log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
		srv.close()
	})
	body, err := os.ReadFile("../../testdata/ai/pe_positive.json")
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", "http://"+srv.httpLn.Addr().String()+"/api/v1/ai-results", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+e2eToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST ai-results: %s, want 202 (kept until the order comes)", resp.Status)
	}
	if keys, err := rdb.Keys(ctx, prefix+"*").Result(); err != nil || len(keys) == 0 {
		t.Errorf("keys under %s: %v, %v; want the pending result's", prefix, keys, err)
	}

	for _, bad := range []string{"a{b}:", "{x"} {
		if _, err := newService(context.Background(), config(bad), log); err == nil || !strings.Contains(err.Error(), "--key-prefix") {
			t.Errorf("--key-prefix %q: err = %v, want a refusal", bad, err)
		}
	}
}
