package ui

import (
	"fmt"
	"slices"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/voorrang/voorrang/access"
)

// undeclared returns the routes app holds that the table does not
// declare with a policy and a purpose, as "METHOD path". A HEAD route is
// declared by the GET of its path (Fiber adds one for each GET).
func undeclared(app *fiber.App, table []route) []string {
	var out []string
	for _, r := range app.GetRoutes(true) {
		method := r.Method
		if method == fiber.MethodHead {
			method = fiber.MethodGet
		}
		i := slices.IndexFunc(table, func(d route) bool { return d.method == method && d.path == r.Path })
		if i < 0 || !slices.Contains(access.AllPolicies(), table[i].policy) || table[i].purpose == "" {
			out = append(out, r.Method+" "+r.Path)
		}
	}
	return out
}

// TestEveryRouteDeclared walks every route Fiber has registered: each must
// be in the route table with a policy and a purpose, so that no route
// escapes the access policies.
func TestEveryRouteDeclared(t *testing.T) {
	s := New(Config{Logger: discard()})
	if got := undeclared(s.app, s.table); len(got) > 0 {
		t.Errorf("routes without a declared policy (add them to the table in routes.go): %v", got)
	}
	seen := map[string]bool{}
	for _, r := range s.table {
		key := r.method + " " + r.path
		if seen[key] {
			t.Errorf("%s is declared twice", key)
		}
		seen[key] = true
	}
	registered := len(s.app.GetRoutes(true))
	if gets := len(slices.DeleteFunc(slices.Clone(s.table), func(r route) bool { return r.method != fiber.MethodGet })); registered != len(s.table)+gets {
		t.Errorf("Fiber holds %d routes; the table declares %d (and a HEAD for each of its %d GETs)", registered, len(s.table), gets)
	}

	// A route registered around the table is caught.
	s.app.Get("/api/v1/patients", func(c *fiber.Ctx) error { return nil })
	s.app.Post("/api/v1/studies/:site/:accession/claim", func(c *fiber.Ctx) error { return nil }) // declared: a second handler is fine
	if got := fmt.Sprint(undeclared(s.app, s.table)); got != "[HEAD /api/v1/patients GET /api/v1/patients]" &&
		got != "[GET /api/v1/patients HEAD /api/v1/patients]" {
		t.Errorf("a route outside the table: undeclared %s", got)
	}
}

// TestGuardsPlugIn: the guard of a policy stands in front of every route
// of that policy and of no other, without a change to any handler.
func TestGuardsPlugIn(t *testing.T) {
	s, _ := newTestServer(t)
	deny := func(code int) fiber.Handler {
		return func(c *fiber.Ctx) error { return c.SendStatus(code) }
	}
	s.guards = map[access.Policy]fiber.Handler{access.AdminOnly: deny(fiber.StatusUnauthorized), access.IntegrationOnly: deny(fiber.StatusForbidden)}
	s.app = fiber.New(fiber.Config{ErrorHandler: s.handleError})
	s.register(s.app)
	for _, tt := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/healthz", 200},
		{"HEAD", "/healthz", 200},
		{"GET", "/api/v1/sections", 200},
		{"GET", "/api/v1/users", 401},
		{"HEAD", "/api/v1/users", 401},
		{"GET", "/api/v1/dead-letters", 401},
		{"POST", "/api/v1/ai-results", 403},
		{"GET", "/api/v1/worklist", 200},
	} {
		if got := do(t, s, tt.method, tt.path, nil).status; got != tt.want {
			t.Errorf("%s %s: %d, want %d", tt.method, tt.path, got, tt.want)
		}
	}
}
