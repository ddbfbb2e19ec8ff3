package ingest

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

// AI results come in three formats, each taken into the one worklist
// event (worklist.AIResultReceived): JSON posted to the HTTP API
// (DecodeAIResult, here), HL7 ORU^R01 from an AI sender over MLLP
// (aiEvents, through the Handler; aioru.go) and FHIR R4 posted to the
// FHIR base (DecodeFHIR; fhir.go).

// aiResultBody is the JSON of POST /api/v1/ai-results. Pointers tell a
// missing field from a zero one.
type aiResultBody struct {
	ID         string            `json:"id"`
	Accession  string            `json:"accession"`
	Site       string            `json:"site"`
	Algorithm  *algorithmBody    `json:"algorithm"`
	Status     string            `json:"status"`
	Reason     string            `json:"reason"`
	Findings   []json.RawMessage `json:"findings"`
	ProducedAt *string           `json:"producedAt"`
}

type algorithmBody struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Version string `json:"version"`
	Vendor  string `json:"vendor"`
}

type findingBody struct {
	Code       string          `json:"code"`
	Codes      []codingBody    `json:"codes"`
	Display    string          `json:"display"`
	Positive   *bool           `json:"positive"`
	Presence   json.RawMessage `json:"presence"`
	Confidence *float64        `json:"confidence"`
	Location   string          `json:"location"`
	Slice      *int            `json:"slice"`
	ViewerURL  string          `json:"viewerUrl"`
}

type codingBody struct {
	System  string `json:"system"`
	Code    string `json:"code"`
	Display string `json:"display"`
}

const (
	maxFindings = 100
	maxCodings  = 20
	maxReason   = 512 // why an AI platform could not process a study
)

// DecodeAIResult reads an AI result posted as JSON (POST
// /api/v1/ai-results) into its event, strictly: a problem is a
// *FieldError that names its field, and nothing is applied unless all is
// well. received is when Voorrang received it. A result without an ID
// gets one derived from the body.
func DecodeAIResult(body []byte, received time.Time) (worklist.Event, error) {
	var b aiResultBody
	if err := DecodeJSON(body, &b); err != nil {
		return worklist.Event{}, err
	}
	req := func(field, v string) error {
		if strings.TrimSpace(v) == "" {
			return invalid(field, field+" is required")
		}
		if len(v) > 256 {
			return invalid(field, field+" is longer than 256 characters")
		}
		return nil
	}
	key := []struct{ name, v string }{{"accession", b.Accession}, {"site", b.Site}}
	for _, f := range key {
		if err := req(f.name, f.v); err != nil {
			return worklist.Event{}, err
		}
	}
	for _, f := range key {
		if badKeyPart(f.v) {
			return worklist.Event{}, invalid(f.name, f.name+" must be at most 64 characters, without braces")
		}
	}
	if b.Algorithm == nil {
		return worklist.Event{}, invalid("algorithm", "algorithm is required")
	}
	if err := req("algorithm.id", b.Algorithm.ID); err != nil {
		return worklist.Event{}, err
	}
	if b.ProducedAt == nil {
		return worklist.Event{}, invalid("producedAt", "producedAt is required")
	}
	produced, err := time.Parse(time.RFC3339, *b.ProducedAt)
	if err != nil {
		return worklist.Event{}, invalid("producedAt", "producedAt must be an RFC 3339 time such as 2026-11-23T09:12:04+01:00")
	}
	status, err := resultStatus(b.Status, b.Reason, len(b.Findings))
	if err != nil {
		return worklist.Event{}, err
	}
	if len(b.Findings) > maxFindings {
		return worklist.Event{}, invalid("findings", fmt.Sprintf("findings lists more than %d findings", maxFindings))
	}
	// Texts every panel is sent have limits of their own, as the FHIR
	// route's (there cut, here refused as the codes are), not only the
	// body's.
	for _, f := range []struct {
		name, v string
		max     int
	}{{"algorithm.name", b.Algorithm.Name, 256},
		{"algorithm.version", b.Algorithm.Version, 64}, {"algorithm.vendor", b.Algorithm.Vendor, 256}} {
		if err := tooLong(f.name, f.v, f.max); err != nil {
			return worklist.Event{}, err
		}
	}
	algo := triage.Algorithm{ID: b.Algorithm.ID, Name: b.Algorithm.Name, Version: b.Algorithm.Version, Vendor: b.Algorithm.Vendor}
	r := &worklist.AIResult{ID: b.ID, Algorithm: algo, Status: status, Reason: strings.TrimSpace(b.Reason), ProducedAt: produced, ReceivedAt: received}
	for i, raw := range b.Findings {
		at := func(name string) string { return fmt.Sprintf("findings[%d].%s", i, name) }
		var f findingBody
		if err := DecodeJSON(raw, &f); err != nil {
			var fe *FieldError
			if errors.As(err, &fe) {
				if fe.Field != "" {
					fe.Message = strings.Replace(fe.Message, fe.Field, at(fe.Field), 1)
					fe.Field = at(fe.Field)
				} else {
					fe.Field = fmt.Sprintf("findings[%d]", i)
					fe.Message = fe.Field + ": " + fe.Message
				}
			}
			return worklist.Event{}, err
		}
		codes, err := findingCodes(&f, at)
		if err != nil {
			return worklist.Event{}, err
		}
		presence, err := findingPresence(&f, at)
		if err != nil {
			return worklist.Event{}, err
		}
		if f.Confidence == nil {
			return worklist.Event{}, invalid(at("confidence"), at("confidence")+" is required")
		}
		if c := *f.Confidence; c < 0 || c > 1 {
			return worklist.Event{}, invalid(at("confidence"), at("confidence")+" must be between 0 and 1")
		}
		for _, t := range []struct {
			name, v string
			max     int
		}{{"display", f.Display, 256}, {"location", f.Location, 256}, {"viewerUrl", f.ViewerURL, maxViewerURL}} {
			if err := tooLong(at(t.name), t.v, t.max); err != nil {
				return worklist.Event{}, err
			}
		}
		if f.ViewerURL != "" {
			u, err := url.Parse(f.ViewerURL)
			if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				return worklist.Event{}, invalid(at("viewerUrl"), at("viewerUrl")+" must be an http or https URL")
			}
		}
		loc := f.Location
		if f.Slice != nil {
			loc = strings.TrimSpace(fmt.Sprintf("%s (image %d)", loc, *f.Slice))
		}
		r.Findings = append(r.Findings, triage.Finding{Code: f.Code, Codes: codes, Display: f.Display,
			Presence: presence, Positive: presence == triage.Present, Confidence: *f.Confidence, Algorithm: algo,
			Location: loc, ViewerURL: f.ViewerURL, ProducedAt: produced})
	}
	if r.ID == "" {
		sum := sha256.Sum256(body)
		r.ID = "sha256-" + hex.EncodeToString(sum[:12])
	}
	if len(r.ID) > 128 {
		return worklist.Event{}, invalid("id", "id is longer than 128 characters")
	}
	// A resend is known by the result's ID within its study: an ID an AI
	// platform reused for another study must not hide that study's result.
	return worklist.Event{Kind: worklist.AIResultReceived, Site: b.Site, Accession: b.Accession,
		At: produced, Source: "ai:" + b.Accession + "|" + r.ID, AI: r}, nil
}

// resultStatus checks a result's status: "complete" (or none) with at
// least one finding, "pending" without findings, "failed" with a reason
// and without findings.
func resultStatus(status, reason string, findings int) (worklist.AIStatus, error) {
	switch strings.ToLower(strings.TrimSpace(status)) {
	case "", "complete", "completed", "final":
		if findings == 0 {
			return "", invalid("findings", "findings must list at least one finding (or status must say pending or failed)")
		}
		return "", nil
	case "pending", "received", "in-progress":
		if findings > 0 {
			return "", invalid("findings", "a pending result has no findings yet")
		}
		return worklist.AIPending, nil
	case "failed", "error":
		if findings > 0 {
			return "", invalid("findings", "a failed result has no findings")
		}
		if strings.TrimSpace(reason) == "" {
			return "", invalid("reason", "reason is required for a failed result: say why the study could not be processed")
		}
		if len(reason) > maxReason {
			return "", invalid("reason", fmt.Sprintf("reason is longer than %d characters", maxReason))
		}
		return worklist.AIFailed, nil
	}
	return "", invalid("status", "status must be complete, pending or failed")
}

// maxViewerURL is the longest link to a viewer a finding may carry:
// links with a signed token run to a few hundred characters.
const maxViewerURL = 2048

// tooLong is the error of a field longer than max bytes, nil if it is not.
func tooLong(field, v string, max int) error {
	if len(v) > max {
		return invalid(field, fmt.Sprintf("%s is longer than %d characters", field, max))
	}
	return nil
}

// findingCodes checks the code and codes of a finding: one of them is
// required; without code, the first coding's code is the finding's.
func findingCodes(f *findingBody, at func(string) string) ([]triage.Coding, error) {
	if len(f.Codes) > maxCodings {
		return nil, invalid(at("codes"), fmt.Sprintf("%s lists more than %d codes", at("codes"), maxCodings))
	}
	var codes []triage.Coding
	for i, c := range f.Codes {
		field := at(fmt.Sprintf("codes[%d].code", i))
		if strings.TrimSpace(c.Code) == "" {
			return nil, invalid(field, field+" is required")
		}
		if len(c.Code) > 64 || len(c.System) > 256 || len(c.Display) > 256 {
			return nil, invalid(at(fmt.Sprintf("codes[%d]", i)), at(fmt.Sprintf("codes[%d]", i))+" is too long")
		}
		codes = append(codes, triage.Coding{System: c.System, Code: c.Code, Display: c.Display})
	}
	if strings.TrimSpace(f.Code) == "" {
		if len(codes) == 0 {
			return nil, invalid(at("code"), at("code")+" is required (or codes)")
		}
		var display string
		f.Code, display, codes = findingCoding(codes)
		f.Display = cmp.Or(f.Display, display)
	}
	if len(f.Code) > 64 {
		return nil, invalid(at("code"), at("code")+" is longer than 64 characters")
	}
	return codes, nil
}

// findingCoding returns the code and display text of a finding sent with
// codes, and the codes to keep: the first coding's code and text; and all
// codings, unless there is one only and it is a vendor's own, which the
// code then says in full. So a vendor code reads the same from each route.
func findingCoding(codes []triage.Coding) (code, display string, keep []triage.Coding) {
	if len(codes) == 0 {
		return "", "", nil
	}
	code, display = codes[0].Code, codes[0].Display
	if _, std := codes[0].Standard(); len(codes) == 1 && !std {
		return code, display, nil
	}
	return code, display, codes
}

// findingPresence reads whether the finding was found: positive (true or
// false), or presence, a word (present, absent, indeterminate) or a coded
// value ({"system": "http://snomed.info/sct", "code": "52101004"}). When
// both are given they must agree.
func findingPresence(f *findingBody, at func(string) string) (triage.Presence, error) {
	var p triage.Presence
	if raw := bytes.TrimSpace(f.Presence); len(raw) > 0 && string(raw) != "null" {
		field := at("presence")
		var word string
		var coded codingBody
		switch {
		case json.Unmarshal(raw, &word) == nil:
			var ok bool
			if p, ok = triage.ParsePresence(word); !ok {
				return "", invalid(field, field+" must be present, absent or indeterminate (or a coded value)")
			}
		case DecodeJSON(raw, &coded) == nil:
			var ok bool
			if p, ok = triage.PresenceOf(triage.Coding{System: coded.System, Code: coded.Code}); !ok {
				return "", invalid(field, field+": code "+strconv.Quote(limit(coded.Code, 32))+" of system "+
					strconv.Quote(limit(coded.System, 64))+" is not a presence value (SNOMED CT 52101004, 2667000, 82334004; RadLex RID28472, RID28473, RID39110)")
			}
		default:
			return "", invalid(field, field+" must be a word (present, absent, indeterminate) or an object with system and code")
		}
	}
	switch {
	case f.Positive == nil && p == "":
		return "", invalid(at("positive"), at("positive")+" is required (true or false), or presence")
	case f.Positive == nil:
		return p, nil
	case p != "" && (*f.Positive != (p == triage.Present)):
		return "", invalid(at("presence"), at("presence")+" "+string(p)+" contradicts "+at("positive"))
	case p != "":
		return p, nil
	case *f.Positive:
		return triage.Present, nil
	}
	return triage.Absent, nil
}

// badKeyPart reports whether v cannot be part of a study's key (its site,
// its accession number): longer than 64 characters, or with a brace, which
// would break the key's Redis hash tag.
func badKeyPart(v string) bool { return len(v) > 64 || strings.ContainsAny(v, "{}") }

// limit cuts s to n bytes for an error message.
func limit(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
