package ui

import (
	"github.com/gofiber/fiber/v2"

	"github.com/voorrang/voorrang/access"
)

// A route is one HTTP route: its method and path, who may call it (an
// access.Policy), what it is for, and its handlers.
type route struct {
	method, path string
	policy       access.Policy
	purpose      string
	handlers     []fiber.Handler
}

func onGet(path string, p access.Policy, purpose string, h ...fiber.Handler) route {
	return route{method: fiber.MethodGet, path: path, policy: p, purpose: purpose, handlers: h}
}

func onPost(path string, p access.Policy, purpose string, h ...fiber.Handler) route {
	return route{method: fiber.MethodPost, path: path, policy: p, purpose: purpose, handlers: h}
}

// routes is every HTTP route of the service, the websocket among them, in
// one table: nothing is registered anywhere else, and a test fails for a
// route Fiber holds that the table does not declare. Enforcing the
// policies touches no handler: register puts the guard of each route's
// policy in front of it.
func (s *Server) routes(h handlers) []route {
	return []route{
		onGet("/healthz", access.Public, "process up, and the version", h.health),
		onGet("/readyz", access.Public, "Redis reachable (503 if not)", s.getReady),
		onGet("/metrics", access.ManagerOnly, "Prometheus metrics, no patient data (give the scraper a token with the manager role)", h.metrics),

		onGet("/signin", access.Public, "the sign-in page", h.signin),
		onGet("/static/:name", access.Public, "the panel's and the sign-in page's scripts, styles and sound (hashed names, cached for a year; no patient data)", h.asset),
		onGet("/auth/methods", access.Public, "which sign-ins this service offers: local accounts, the identity provider", s.getMethods),
		onPost("/auth/login", access.Public, "sign in with a local account (rate-limited harder)", s.signInLimit, s.postLogin),
		onGet("/auth/oidc", access.Public, "start signing in at the identity provider (rate-limited harder)", s.signInLimit, s.getOIDCStart),
		onGet("/auth/oidc/callback", access.Public, "where the identity provider sends the browser back", s.getOIDCCallback),
		onPost("/auth/logout", access.SignedIn, "end this browser's session", s.postLogout),
		onGet("/api/v1/me", access.SignedIn, "who is signed in, the session's CSRF token and limits", s.getMe),

		onGet("/", access.Reader, "the panel's page (a browser not signed in is sent to /signin)", h.page),
		onGet("/stats", access.ManagerOnly, "the managers' statistics page (a browser not signed in is sent to /signin)", h.statsPage),
		onGet("/api/v1/config", access.Reader, "the panel's configuration: the PACS link template, the claim lease", h.config),
		onGet("/ws", access.Reader, "the panel's live feed: snapshot, then every change (websocket)", s.checkWS, s.upgradeWS()),

		onGet("/api/v1/worklist", access.Reader, "the studies waiting to be read, in reading order, filtered and paged", s.getWorklist),
		onGet("/api/v1/sections", access.Reader, "the sections the list can be filtered by", h.sections),
		onGet("/api/v1/studies/:site/:accession", access.Reader, "one study", s.getStudy),
		onPost("/api/v1/studies/:site/:accession/claim", access.Reader, "claim a study to read it (a lease), or take it over", s.postClaim),
		onPost("/api/v1/studies/:site/:accession/release", access.Reader, "release a claim", s.postRelease),
		onPost("/api/v1/ai-results/:id/feedback", access.Reader, "a reader's verdict on an AI result: agree, disagree or not assessable, with a note", s.postFeedback),

		onGet("/api/v1/discrepancies", access.Reader, "AI findings that came after the final report and would have moved the study: for the reporting radiologist to review", s.getDiscrepancies),
		onPost("/api/v1/discrepancies/:site/:accession/:result/review", access.Reader, "mark an AI finding after the final report reviewed, with a note", s.postReviewDiscrepancy),

		onPost("/api/v1/ai-results", access.IntegrationOnly, "an AI platform's result for a study (JSON)", s.postAIResult),
		onGet("/fhir/metadata", access.IntegrationOnly, "the FHIR base's CapabilityStatement: what it takes (no patient data)", h.fhirMetadata),
		onPost("/fhir/Observation", access.IntegrationOnly, "an AI platform's finding as a FHIR R4 Observation", s.postFHIRObservation),
		onPost("/fhir/DiagnosticReport", access.IntegrationOnly, "an AI platform's result as a FHIR R4 DiagnosticReport, its Observations contained", s.postFHIRReport),
		onPost("/fhir", access.IntegrationOnly, "AI results in a FHIR R4 Bundle: a collection, or a transaction (answered by a transaction-response)", s.postFHIRBundle),

		// The statistics show no patient data: managers (and admins).
		onGet("/api/v1/stats/overview", access.ManagerOnly, "every statistic below in one answer, for the stats page", s.getOverview),
		onGet("/api/v1/stats/turnaround", access.ManagerOnly, "turnaround times (median, p90, p95, max) by group", s.getTurnaround),
		onGet("/api/v1/stats/compliance", access.ManagerOnly, "reported studies read by their due time, by group", s.getCompliance),
		onGet("/api/v1/stats/distribution", access.ManagerOnly, "turnaround times counted in bins, by group", s.getDistribution),
		onGet("/api/v1/stats/backlog", access.ManagerOnly, "open and overdue studies now, and waiting by hour of the week", s.getBacklog),
		onGet("/api/v1/stats/reads", access.ManagerOnly, "final reports per hour of the week", s.getReads),
		onGet("/api/v1/stats/trend", access.ManagerOnly, "reported, cancelled, turnaround and due met, day by day", s.getTrend),
		onGet("/api/v1/stats/ai", access.ManagerOnly, "each AI algorithm's performance per site", s.getAI),
		onGet("/api/v1/stats/export", access.ManagerOnly, "the period's studies as CSV, pseudonymised: no names, identifiers as keyed hashes (audited)", s.getExport),
		onGet("/api/v1/whatif", access.ManagerOnly, "the department's own scenario, simulated under the built-in policies", s.getWhatIf),
		onPost("/api/v1/whatif", access.ManagerOnly, "a posted scenario, simulated under the built-in policies", s.postWhatIf),
		onGet("/api/v1/pilots", access.ManagerOnly, "the AI pilots' definitions", s.getPilots),
		onGet("/api/v1/pilots/:id", access.ManagerOnly, "one AI pilot: before versus during, and the verdict", s.getPilot),
		onPost("/api/v1/pilots/:id", access.AdminOnly, "define an AI pilot, or change it before it starts (audited)", s.postPilot),
		onPost("/api/v1/pilots/:id/end", access.AdminOnly, "end an AI pilot (audited)", s.postPilotEnd),

		// The algorithm registry: the AI officer (a manager) reads it, an
		// admin changes it; no patient data.
		onGet("/api/v1/algorithms", access.ManagerOnly, "the AI algorithm registry: each algorithm seen, recorded or in the rules file, with its policy", s.getAlgorithms),
		onGet("/api/v1/algorithms/:id", access.ManagerOnly, "one AI algorithm of the registry", s.getAlgorithm),
		onGet("/api/v1/algorithms/:id/history", access.ManagerOnly, "the changes of an AI algorithm's record: who, when, why, before, after", s.getAlgorithmHistory),
		onGet("/api/v1/algorithms/:id/feedback", access.ManagerOnly, "the readers' verdicts (agree, disagree, not assessable) on an AI algorithm's results, with their notes", s.getAlgorithmFeedback),
		onPost("/api/v1/algorithms/:id", access.AdminOnly, "change an AI algorithm's record: approval, modes per site, threshold, intended use, regulatory status; applied on every instance", s.postAlgorithm),

		onGet("/api/v1/dead-letters", access.AdminOnly, "refused messages, which hold patient data", s.getDeadLetters),
		onGet("/api/v1/users", access.AdminOnly, "the local accounts (never their password hashes)", s.getUsers),
		onPost("/api/v1/users/:name/signout", access.AdminOnly, "end every session of a principal, however it signed in", s.postSignOutUser),
		onPost("/api/v1/users/:name/disable", access.AdminOnly, "disable a local account, ending its sessions", s.setDisabled(true)),
		onPost("/api/v1/users/:name/enable", access.AdminOnly, "enable a local account again", s.setDisabled(false)),
		onGet("/api/v1/audit", access.AdminOnly, "the audit trail, oldest first, paged", s.getAudit),
		onGet("/api/v1/audit/export", access.AdminOnly, "the audit trail as JSON lines, all of it or a time window", s.getAuditExport),
	}
}

// handlers are the handlers of the route table that are not methods of
// the Server: they close over what New prepares.
type handlers struct {
	health, metrics, page, statsPage, signin, asset, config, sections, fhirMetadata fiber.Handler
}

// register adds the routes of the table to app, each behind the guard of
// its policy (Server.guards): enforcing a policy touches no handler.
func (s *Server) register(app *fiber.App) {
	for _, r := range s.table {
		hs := r.handlers
		if guard := s.guards[r.policy]; guard != nil {
			hs = append([]fiber.Handler{guard}, hs...)
		}
		if r.method == fiber.MethodGet {
			app.Get(r.path, hs...) // and HEAD, as Fiber does for every GET
		} else {
			app.Add(r.method, r.path, hs...)
		}
	}
}
