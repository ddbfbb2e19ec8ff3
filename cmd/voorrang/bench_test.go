package main

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/voorrang/voorrang/bench/servicebench"
	"github.com/voorrang/voorrang/internal/redistest"
)

// TestBench runs the bench briefly so that it keeps working; its figures
// are not checked, only that every phase ran and nothing was left behind.
func TestBench(t *testing.T) {
	rdb := redistest.Client(t)
	wantCases := []string{"PING", "EVALSHA", "MLLP message → ACK", "from schedule", "send → ACK",
		"fill: Apply", "List 50, all sites", "List 50, one site"}
	tests := []struct {
		name  string
		json  bool
		parse func(t *testing.T, out []byte) (prefix string, cases string)
	}{
		{"table", false, func(t *testing.T, out []byte) (string, string) {
			m := regexp.MustCompile(`# removed \d+ keys under (\S+)`).FindSubmatch(out)
			if m == nil {
				t.Fatalf("no cleanup line in:\n%s", out)
			}
			return string(m[1]), string(out)
		}},
		{"json", true, func(t *testing.T, out []byte) (string, string) {
			var doc struct {
				Prefix string             `json:"prefix"`
				Rows   []servicebench.Row `json:"rows"`
			}
			if err := json.Unmarshal(out, &doc); err != nil {
				t.Fatalf("output is not JSON: %v\n%s", err, out)
			}
			var cases []string
			for _, r := range doc.Rows {
				cases = append(cases, r.Case)
			}
			return doc.Prefix, strings.Join(cases, "\n")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"bench", "--redis", redistest.URL(t),
				"--duration", "200ms", "--studies", "500", "--sites", "3"}
			if tt.json {
				args = append(args, "--json")
			}
			var stdout, stderr bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if err := run(ctx, args, func(string) string { return "" }, &stdout, &stderr); err != nil {
				t.Fatalf("bench: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.Bytes(), stderr.Bytes())
			}
			prefix, cases := tt.parse(t, stdout.Bytes())
			for _, c := range wantCases {
				if !strings.Contains(cases, c) {
					t.Errorf("no %q row in:\n%s", c, stdout.Bytes())
				}
			}
			if !strings.HasPrefix(prefix, "bench:") {
				t.Fatalf("key prefix %q, want bench:...", prefix)
			}
			keys, _, err := rdb.Scan(ctx, 0, prefix+"*", 1000).Result()
			if err != nil || len(keys) > 0 {
				t.Errorf("keys left under %s: %d (%v)", prefix, len(keys), err)
			}
		})
	}
}

// TestBenchPhases checks that --phases runs only the phases it names and
// refuses a name it does not know.
func TestBenchPhases(t *testing.T) {
	redistest.Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	base := []string{"bench", "--redis", redistest.URL(t), "--duration", "200ms"}
	var stdout, stderr bytes.Buffer
	if err := run(ctx, append(base, "--phases", "floor"), func(string) string { return "" }, &stdout, &stderr); err != nil {
		t.Fatalf("bench --phases floor: %v\n%s", err, stderr.Bytes())
	}
	if out := stdout.String(); !strings.Contains(out, "PING") || strings.Contains(out, "MLLP") || strings.Contains(out, "List 50") {
		t.Errorf("--phases floor ran other phases:\n%s", out)
	}
	err := run(ctx, append(base, "--phases", "floor,ingst"), func(string) string { return "" }, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), `"ingst"`) {
		t.Errorf("--phases floor,ingst: err = %v, want one naming the unknown phase", err)
	}
}
