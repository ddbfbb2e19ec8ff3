// Package ui is Voorrang's HTTP side: the JSON API, the websocket hub and
// the browser panel. It is the only package that knows the web framework.
//
// Every route, the websocket among them, is declared once in the route
// table (routes.go) with its access policy (access.Policy: public,
// signed-in, reader, manager, admin, integration) and its purpose; the guard of a route's policy
// stands in front of its handlers. Handlers only decode a request, call
// the worklist store or ingest, and answer; errors map to a status in one
// function (errors.go).
package ui

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/valyala/fasthttp/fasthttpadaptor"

	"github.com/voorrang/voorrang/access"
	"github.com/voorrang/voorrang/stats"
)

// A Server serves Voorrang over HTTP.
type Server struct {
	app      *fiber.App
	logger   *slog.Logger
	store    Store
	sections sections
	now      func() time.Time
	hub      *hub     // the websocket clients of GET /ws
	origins  []string // Config.AllowedOrigins
	table    []route  // every route (routes.go)
	// guards holds the middleware that admits a request to a route of
	// each policy (guardFor); a policy without one admits every request.
	guards      map[access.Policy]fiber.Handler
	signInLimit fiber.Handler // the harder rate limit of sign-in attempts

	statsStore StatsStore // nil: the statistics answer 503
	calendar   *stats.Calendar
	whatIf     WhatIfSource  // Config.WhatIf
	whatIfSlot chan struct{} // one simulation at a time
	pilots     PilotStore    // nil: no pilots
	pseudonyms stats.Pseudonyms

	access  Access
	oidc    *oidcClient // nil: no identity provider
	auditor Auditor     // nil: no trail
	trail   AuditReader // nil: the trail cannot be read here
	wsCount wsCounter

	edge           Edge
	hosts          []string // Edge.hosts()
	frameAncestors string   // the CSP source list
	panelCSP       string
}

// Config holds what the HTTP side needs from the rest of the service.
type Config struct {
	Store  Store
	Logger *slog.Logger
	// Version is reported by /healthz.
	Version string
	// Sections are the parts of the department the list can be filtered
	// by; nil means DefaultSections.
	Sections []Section
	// Metrics is the registry /metrics serves; nil serves an empty one.
	Metrics *prometheus.Registry
	// BodyLimit is the largest request body accepted; zero means 1 MiB.
	BodyLimit int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// PACSURLTemplate is the panel's "open in PACS" link, with {accession},
	// {mrn}, {site} and {studyUID} filled in; empty hides the link.
	PACSURLTemplate string
	// ClaimTTL is how long a claim lasts unless renewed (the store's), so
	// that the panel renews its reader's claims in time; zero means
	// 20 minutes, the store's default.
	ClaimTTL time.Duration
	// AllowedOrigins are the browser origins, besides the server's own
	// host, that may open the websocket, e.g. "https://pacs.example.org".
	AllowedOrigins []string
	// Stats reads the records of the statistics; nil means Store, when it
	// can.
	Stats StatsStore
	// Calendar holds the sites' time zones and working hours; nil means
	// Europe/Amsterdam, Monday to Friday 08:00 to 17:00.
	Calendar *stats.Calendar
	// WhatIf is where the what-if routes read the department's records
	// and rules (the store); nil answers them 404.
	WhatIf WhatIfSource
	// Pilots keeps the AI pilots' definitions; nil answers their routes
	// 404.
	Pilots PilotStore
	// PseudonymKey is the secret key of the pseudonyms of the CSV export
	// (stats.Pseudonyms); empty answers the export 404.
	PseudonymKey []byte

	// Edge guards the HTTP port: host names, proxies, TLS, limits.
	Edge Edge
	// Access says who calls: sessions, accounts, tokens, OIDC. Its zero
	// value lets nobody in.
	Access Access
	// Audit appends to the audit trail and AuditTrail reads it back;
	// nil records nothing and serves no trail.
	Audit      Auditor
	AuditTrail AuditReader
}

// New returns a Server with its routes.
func New(cfg Config) *Server {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	limit := cfg.BodyLimit
	if limit == 0 {
		limit = 1 << 20
	}
	s := &Server{logger: log, store: cfg.Store, sections: cfg.Sections, now: cfg.Now,
		hub: newHub(cfg.Store, log), origins: cfg.AllowedOrigins, whatIf: cfg.WhatIf, whatIfSlot: make(chan struct{}, 1)}
	if s.sections == nil {
		s.sections = DefaultSections()
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.statsStore, s.calendar, s.pilots = cfg.Stats, cfg.Calendar, cfg.Pilots
	s.pseudonyms = stats.Pseudonyms{Key: cfg.PseudonymKey}
	if ss, ok := cfg.Store.(StatsStore); ok && s.statsStore == nil {
		s.statsStore = ss
	}
	if s.calendar == nil {
		s.calendar = &stats.Calendar{}
	}

	s.edge = cfg.Edge
	s.edge.defaults()
	s.hosts = s.edge.hosts()
	s.frameAncestors = frameAncestorsOf(s.edge.FrameAncestors)
	s.panelCSP = panelCSP + s.frameAncestors
	s.access, s.auditor, s.trail = cfg.Access, cfg.Audit, cfg.AuditTrail
	s.access.defaults()
	if cfg.Access.OIDC != nil {
		o := *cfg.Access.OIDC
		if o.RedirectURL == "" {
			o.RedirectURL = s.edge.PublicURL + "/auth/oidc/callback"
		}
		s.oidc = &oidcClient{cfg: o}
	}
	s.app = fiber.New(fiber.Config{
		AppName:               "voorrang",
		DisableStartupMessage: true,
		BodyLimit:             limit,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           2 * time.Minute,
		Concurrency:           s.edge.MaxConns,
		ErrorHandler:          s.handleError,
	})
	// A panic becomes a 500 with no panic text for the client.
	// Then the edge (edge.go), then who calls (auth.go); each route's
	// guard (guardFor) decides whether they may.
	// An unknown token counts as a failed sign-in (refuseToken).
	s.app.Use(recover.New(), s.edgeCheck, s.rateLimit(s.edge.RateLimit, func(c *fiber.Ctx) bool { return exempt(c.Path()) }),
		jsonOnly, s.authenticate, s.rateLimit(s.edge.SignInRateLimit, func(c *fiber.Ctx) bool { return !tokenRefused(c) }),
		s.refuseToken)
	s.signInLimit = s.rateLimit(s.edge.SignInRateLimit, nil)
	s.guards = map[access.Policy]fiber.Handler{}
	for _, p := range access.AllPolicies() {
		if p != access.Public {
			s.guards[p] = s.guardFor(p)
		}
	}
	reg := cfg.Metrics
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	metrics := fasthttpadaptor.NewFastHTTPHandler(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	h := s.panel(cfg)
	h.health = func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"status": "ok", "version": cfg.Version}) }
	h.metrics = func(c *fiber.Ctx) error {
		metrics(c.Context())
		return nil
	}
	h.sections = func(c *fiber.Ctx) error { return c.JSON(s.sections.listed()) }
	h.fhirMetadata = fhirMetadata(cfg.Version, s.now())
	s.table = s.routes(h)
	s.register(s.app)
	return s
}

// Serve serves HTTP on l until Shutdown. Errors accepting a connection
// that pass (too many open files) are waited out, never returned.
func (s *Server) Serve(l net.Listener) error {
	return s.app.Listener(&guardedListener{Listener: l, log: s.logger, perIP: s.edge.MaxConnsPerIP})
}

// LiveClients returns how many panels are connected to this server.
func (s *Server) LiveClients() int { return s.hub.count() }

// Shutdown stops accepting requests and waits for those in flight, until
// ctx ends. Websocket clients, which the HTTP server lets be, are sent
// "going away" (1001) and their handlers waited for.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.app.ShutdownWithContext(ctx)
	return errors.Join(err, s.hub.close(ctx))
}

// handleError turns an error into a JSON answer with a stable code and a
// message that holds no internals; under /fhir, an OperationOutcome.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	if isFHIR(c) {
		return fhirError(c, err, s.logger)
	}
	status, body := statusOf(err, s.logger, c.Route().Path)
	return c.Status(status).JSON(fiber.Map{"error": body})
}
