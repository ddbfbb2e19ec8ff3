package main

import (
	"crypto/tls"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

func TestHTTPEdgeFlags(t *testing.T) {
	tests := []struct {
		name    string
		e       httpEdge
		wantErr string
	}{
		{"defaults", httpEdge{}, ""},
		{"public URL", httpEdge{publicURL: "https://voorrang.example.org/"}, ""},
		{"public URL without scheme", httpEdge{publicURL: "voorrang.example.org"}, "--public-url"},
		{"public URL with a query", httpEdge{publicURL: "https://v.example.org/?x=1"}, "--public-url"},
		{"frame ancestor", httpEdge{frameAncestors: "https://pacs.example.org, http://viewer:8042"}, ""},
		{"frame ancestor that injects a directive", httpEdge{frameAncestors: "https://pacs.example.org; script-src *"}, "--frame-ancestors"},
		{"frame ancestor with a path", httpEdge{frameAncestors: "https://pacs.example.org/viewer"}, "--frame-ancestors"},
		{"trusted proxies", httpEdge{trustedProxies: "10.0.0.5, 192.168.0.0/24"}, ""},
		{"trusted proxy by name", httpEdge{trustedProxies: "proxy.example.org"}, "--trusted-proxies"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.e.edge(false)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("edge() = %v, want error %q", err, tt.wantErr)
			}
		})
	}
	e, _ := (&httpEdge{publicURL: "https://voorrang.example.org"}).edge(false)
	if e.PublicURL != "https://voorrang.example.org" {
		t.Errorf("PublicURL %q", e.PublicURL)
	}
}

// TestServeHTTPS serves HTTP over TLS with --tls-cert: answers carry HSTS.
func TestServeHTTPS(t *testing.T) {
	dir := t.TempDir()
	ca, crt, key, _, _ := pkiFiles(t, dir, "web-")
	srv := startService(t, func(c *serveConfig) { c.httpEdge.tlsCert, c.httpEdge.tlsKey = crt, key })
	pem, err := os.ReadFile(ca)
	if err != nil {
		t.Fatal(err)
	}
	pool, err := certPool(ca)
	if err != nil || len(pem) == 0 {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	res, err := client.Get("https://" + srv.httpLn.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Strict-Transport-Security"), "max-age=") {
		t.Errorf("GET /healthz over TLS: %d, HSTS %q", res.StatusCode, res.Header.Get("Strict-Transport-Security"))
	}
	if _, err := http.Get("http://" + srv.httpLn.Addr().String() + "/healthz"); err == nil {
		t.Error("plain HTTP on the TLS port answered")
	}
}
