package ui

import (
	"net/http"
	"net/netip"
	"testing"
)

// TestRateLimitIPv6Network: an IPv6 client is counted by its /64 network,
// which a single host may take any address of; another network has its
// own count. (Through a trusted proxy, as the test can only dial from
// loopback addresses.)
func TestRateLimitIPv6Network(t *testing.T) {
	proxy := netip.MustParsePrefix("127.0.0.9/32")
	ws := newWSEnv(t).serve(Config{Edge: Edge{RateLimit: 3, TrustedProxies: []netip.Prefix{proxy}}}, nil)
	tests := []struct {
		client string
		status int
	}{
		{"2001:db8:1:2::1", 200},
		{"2001:db8:1:2::2", 200},
		{"2001:db8:1:2:ffff:ffff:ffff:ffff", 200},
		{"2001:db8:1:2::4", http.StatusTooManyRequests}, // the same /64, a fourth time
		{"2001:db8:1:3::1", 200},                        // the next /64
		{"::ffff:10.0.0.1", 200},                        // IPv4 clients one by one
		{"10.0.0.2", 200},
	}
	for _, tt := range tests {
		r := get(t, ws.addr, "127.0.0.9", "localhost", "/api/v1/sections", map[string]string{"X-Forwarded-For": tt.client})
		if r.StatusCode != tt.status {
			t.Errorf("from %s: %d, want %d", tt.client, r.StatusCode, tt.status)
		}
	}
}
