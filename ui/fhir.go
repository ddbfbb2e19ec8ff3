package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/voorrang/voorrang/ingest"
	"github.com/voorrang/voorrang/worklist"
)

// The FHIR base (/fhir) takes AI results in FHIR R4: an Observation or a
// DiagnosticReport posted to its type, a Bundle (collection or
// transaction) posted to the base. ingest decodes them into the same
// AI-result event as the JSON and HL7 routes; here they are applied and
// answered as FHIR answers: an OperationOutcome, or for a transaction a
// transaction-response Bundle. Every error under /fhir is an
// OperationOutcome (handleError).

// fhirMIME is the media type of FHIR's JSON.
const fhirMIME = "application/fhir+json; charset=utf-8"

// isFHIR reports whether a request is to the FHIR base.
func isFHIR(c *fiber.Ctx) bool {
	p := c.Path()
	return p == "/fhir" || strings.HasPrefix(p, "/fhir/")
}

// An operationOutcome is FHIR's answer about an interaction.
type operationOutcome struct {
	ResourceType string         `json:"resourceType"`
	Issue        []outcomeIssue `json:"issue"`
}

type outcomeIssue struct {
	Severity    string   `json:"severity"` // fatal | error | warning | information
	Code        string   `json:"code"`     // http://hl7.org/fhir/issue-type
	Diagnostics string   `json:"diagnostics,omitempty"`
	Expression  []string `json:"expression,omitempty"`
}

func outcome(issues ...outcomeIssue) operationOutcome {
	return operationOutcome{ResourceType: "OperationOutcome", Issue: issues}
}

// sendFHIR answers v as FHIR JSON.
func sendFHIR(c *fiber.Ctx, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fhirMIME)
	return c.Status(status).Send(b)
}

// fhirError answers an error under /fhir as an OperationOutcome: a
// refused resource names the element at fault (expression) with 400 when
// it is not FHIR's JSON and 422 when it breaks a rule; any other error
// keeps the status the rest of the API gives it.
func fhirError(c *fiber.Ctx, err error, log *slog.Logger) error {
	var fe *ingest.FHIRError
	if errors.As(err, &fe) {
		status := fiber.StatusUnprocessableEntity
		if fe.Issue == ingest.IssueStructure {
			status = fiber.StatusBadRequest
		}
		issue := outcomeIssue{Severity: "error", Code: fe.Issue, Diagnostics: fe.Message}
		if fe.Expression != "" {
			issue.Expression = []string{fe.Expression}
		}
		return sendFHIR(c, status, outcome(issue))
	}
	status, body := statusOf(err, log, c.Route().Path)
	code := map[string]string{
		"invalid": "invalid", "not_found": "not-found", "conflict": "conflict", "forbidden": "forbidden",
		"too_large": "too-long", "unsupported_media_type": "not-supported", "method_not_allowed": "not-supported",
		"too_many_requests": "throttled", "csrf": "security", "bad_request": "invalid", "internal": "exception",
	}[body.Code]
	switch {
	case status == fiber.StatusUnauthorized:
		code = "login"
	case code == "":
		code = "processing"
	}
	return sendFHIR(c, status, outcome(outcomeIssue{Severity: "error", Code: code, Diagnostics: body.Message}))
}

// The FHIR routes' handlers: each resource type decoded as it is posted.
func (s *Server) postFHIRObservation(c *fiber.Ctx) error { return s.postFHIR(c, "Observation") }
func (s *Server) postFHIRReport(c *fiber.Ctx) error      { return s.postFHIR(c, "DiagnosticReport") }
func (s *Server) postFHIRBundle(c *fiber.Ctx) error      { return s.postFHIR(c, "") }

// postFHIR decodes a FHIR body into its AI results, applies them in
// order, and answers. A resource posted on its own is answered 201 when
// its result is applied, 200 when it was before, 202 when it waits for
// its study's order; a Bundle 200, with each result's fate (a
// transaction's entry by entry). Nothing is applied from a body with an
// error anywhere in it.
func (s *Server) postFHIR(c *fiber.Ctx, resourceType string) error {
	post, err := ingest.DecodeFHIR(resourceType, c.Body(), s.now())
	if err != nil {
		return err
	}
	outs := make([]worklist.Outcome, len(post.Events))
	for i, e := range post.Events {
		if outs[i], err = s.store.Apply(c.UserContext(), e, []byte("applied")); err != nil {
			return err
		}
	}
	if post.Bundle == "transaction" {
		return sendFHIR(c, fiber.StatusOK, transactionResponse(post, outs))
	}
	issues := make([]outcomeIssue, len(post.Events))
	for i, e := range post.Events {
		issues[i] = resultIssue(e, outs[i])
	}
	status := fiber.StatusOK
	if post.Bundle == "" {
		status = resultStatus(outs[0])
	}
	return sendFHIR(c, status, outcome(issues...))
}

// resultStatus is the HTTP status of a result's creation.
func resultStatus(out worklist.Outcome) int {
	switch {
	case out.Duplicate:
		return fiber.StatusOK
	case out.Pending:
		return fiber.StatusAccepted
	}
	return fiber.StatusCreated
}

// resultIssue says what became of a result, as the JSON route's answer
// does: applied (and the study's band), a duplicate, or pending.
func resultIssue(e worklist.Event, out worklist.Outcome) outcomeIssue {
	var what string
	switch {
	case out.Duplicate:
		what = "duplicate: received before, not applied again"
	case out.Pending:
		what = "pending: kept until the study's order arrives"
	case out.Study != nil:
		what = fmt.Sprintf("applied: band %s, due %s", out.Study.Rank.Band, out.Study.Rank.Due.UTC().Format("2006-01-02T15:04:05Z"))
	default:
		what = "applied"
	}
	return outcomeIssue{Severity: "information", Code: "informational",
		Diagnostics: fmt.Sprintf("AI result %s for %s/%s: %s", e.AI.ID, e.Site, e.Accession, what)}
}

// A bundleEntry is an entry of a transaction-response Bundle.
type bundleEntry struct {
	Response struct {
		Status  string            `json:"status"`
		Outcome *operationOutcome `json:"outcome,omitempty"`
	} `json:"response"`
}

// transactionResponse answers a transaction entry by entry: each result's
// status, and 200 for a resource read only to resolve references (a
// Device, an ImagingStudy), which Voorrang does not keep.
func transactionResponse(post *ingest.FHIRPost, outs []worklist.Outcome) any {
	entries := make([]bundleEntry, len(post.Entries))
	for i, en := range post.Entries {
		var o operationOutcome
		if k := en.Event; k >= 0 {
			status := resultStatus(outs[k])
			entries[i].Response.Status = fmt.Sprintf("%d %s", status, utils.StatusMessage(status))
			o = outcome(resultIssue(post.Events[k], outs[k]))
		} else {
			entries[i].Response.Status = "200 OK"
			o = outcome(outcomeIssue{Severity: "information", Code: "informational",
				Diagnostics: en.ResourceType + " read to resolve references; not kept"})
		}
		entries[i].Response.Outcome = &o
	}
	return struct {
		ResourceType string        `json:"resourceType"`
		Type         string        `json:"type"`
		Entry        []bundleEntry `json:"entry"`
	}{"Bundle", "transaction-response", entries}
}

// fhirMetadata answers the CapabilityStatement of the FHIR base: what it
// takes and how. date is when this service started.
func fhirMetadata(version string, date time.Time) fiber.Handler {
	create := []map[string]string{{"code": "create"}}
	resource := func(typ, doc string) map[string]any {
		return map[string]any{"type": typ, "interaction": create, "documentation": doc}
	}
	body, err := json.Marshal(map[string]any{
		"resourceType": "CapabilityStatement",
		"status":       "active",
		"date":         date.UTC().Format("2006-01-02T15:04:05Z"),
		"kind":         "instance",
		"software":     map[string]string{"name": "Voorrang", "version": version},
		"implementation": map[string]string{
			"description": "Voorrang's FHIR base: AI results (findings) for the radiology worklist",
		},
		"fhirVersion": "4.0.1",
		"format":      []string{"application/fhir+json", "json"},
		"rest": []map[string]any{{
			"mode": "server",
			"documentation": "AI findings as IHE AI Results and HL7 AI Transparency on FHIR describe them: Observation.code " +
				"the finding (SNOMED CT, RadLex, RadElement or the vendor's code), valueCodeableConcept, valueBoolean or " +
				"interpretation its presence, the AIconfidence extension its confidence, device the algorithm (a Device " +
				"with an identifier), the study an identifier of type ACSN with its assigner (the site). A Bundle of type " +
				"collection or transaction may be posted to the base. Results are applied to the worklist, not kept as " +
				"resources: there is no read or search.",
			"security": map[string]any{
				"description": "Authorization: Bearer TOKEN, a token with the integration role",
			},
			"resource": []map[string]any{
				resource("Observation", "one AI finding: a result of its own"),
				resource("DiagnosticReport", "an AI result: its findings are the Observations of result, contained or in the Bundle"),
			},
			"interaction": []map[string]string{{"code": "transaction"}},
		}},
	})
	return func(c *fiber.Ctx) error {
		if err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, fhirMIME)
		return c.Send(body)
	}
}
