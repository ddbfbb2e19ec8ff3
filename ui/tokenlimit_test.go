package ui

import (
	"fmt"
	"testing"

	"github.com/voorrang/voorrang/audit"
)

// TestUnknownTokensLimited: wrong tokens are failed sign-ins, held to the
// sign-in limit of an address: beyond it 429 and nothing more in the audit
// trail (which nobody may grow at will), while a good token from the same
// address still gets its answer.
func TestUnknownTokensLimited(t *testing.T) {
	e := newAuthEnv(t, func(c *Config, addr string) { c.Edge.SignInRateLimit = 3 })
	b := e.browser()
	b.origin = ""
	var statuses []int
	for i := range 6 {
		status, _ := b.do("GET", "/api/v1/worklist", "", "Authorization", fmt.Sprintf("Bearer not-a-token-%02d-0123456789abcdefghijkl", i))
		statuses = append(statuses, status)
	}
	if fmt.Sprint(statuses) != "[401 401 401 429 429 429]" {
		t.Errorf("six unknown tokens: %v, want three refused (401) and then 429", statuses)
	}
	if n := len(e.entries(audit.SignIn)); n != 3 {
		t.Errorf("%d failed sign-ins in the trail, want 3", n)
	}
	for range 5 {
		if status, body := e.bearerDo("jansen", "GET", "/api/v1/worklist", ""); status != 200 {
			t.Fatalf("a good token after the wrong ones: %d %s", status, body)
		}
	}
}
