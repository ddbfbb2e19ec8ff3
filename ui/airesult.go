package ui

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

// aiResultBody is the JSON of POST /api/v1/ai-results. Pointers tell a
// missing field from a zero one.
type aiResultBody struct {
	ID         string            `json:"id"`
	Accession  string            `json:"accession"`
	Site       string            `json:"site"`
	Algorithm  *algorithmBody    `json:"algorithm"`
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
	Code       string   `json:"code"`
	Display    string   `json:"display"`
	Positive   *bool    `json:"positive"`
	Confidence *float64 `json:"confidence"`
	Location   string   `json:"location"`
	Slice      *int     `json:"slice"`
	ViewerURL  string   `json:"viewerUrl"`
}

const maxFindings = 100

// decodeAIResult reads and validates an AI result strictly: every problem
// names its field, and nothing is applied unless all is well.
func decodeAIResult(body []byte, received time.Time) (worklist.Event, error) {
	var b aiResultBody
	if err := decodeStrict(body, &b); err != nil {
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
	for _, f := range []struct{ name, v string }{{"accession", b.Accession}, {"site", b.Site}} {
		if err := req(f.name, f.v); err != nil {
			return worklist.Event{}, err
		}
	}
	if len(b.Accession) > 64 || strings.ContainsAny(b.Accession, "{}") {
		return worklist.Event{}, invalid("accession", "accession must be at most 64 characters, without braces")
	}
	if len(b.Site) > 64 || strings.ContainsAny(b.Site, "{}") {
		return worklist.Event{}, invalid("site", "site must be at most 64 characters, without braces")
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
	if len(b.Findings) == 0 {
		return worklist.Event{}, invalid("findings", "findings must list at least one finding")
	}
	if len(b.Findings) > maxFindings {
		return worklist.Event{}, invalid("findings", fmt.Sprintf("findings lists more than %d findings", maxFindings))
	}
	algo := triage.Algorithm{ID: b.Algorithm.ID, Name: b.Algorithm.Name, Version: b.Algorithm.Version, Vendor: b.Algorithm.Vendor}
	r := &worklist.AIResult{ID: b.ID, Algorithm: algo, ProducedAt: produced, ReceivedAt: received}
	for i, raw := range b.Findings {
		at := func(name string) string { return fmt.Sprintf("findings[%d].%s", i, name) }
		var f findingBody
		if err := decodeStrict(raw, &f); err != nil {
			var ae *apiError
			if errors.As(err, &ae) {
				if ae.Field != "" {
					ae.Message = strings.Replace(ae.Message, ae.Field, at(ae.Field), 1)
					ae.Field = at(ae.Field)
				} else {
					ae.Field = fmt.Sprintf("findings[%d]", i)
					ae.Message = ae.Field + ": " + ae.Message
				}
			}
			return worklist.Event{}, err
		}
		if err := req(at("code"), f.Code); err != nil {
			return worklist.Event{}, err
		}
		if f.Positive == nil {
			return worklist.Event{}, invalid(at("positive"), at("positive")+" is required (true or false)")
		}
		if f.Confidence == nil {
			return worklist.Event{}, invalid(at("confidence"), at("confidence")+" is required")
		}
		if c := *f.Confidence; c < 0 || c > 1 {
			return worklist.Event{}, invalid(at("confidence"), at("confidence")+" must be between 0 and 1")
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
		r.Findings = append(r.Findings, triage.Finding{Code: f.Code, Display: f.Display, Positive: *f.Positive,
			Confidence: *f.Confidence, Algorithm: algo, Location: loc, ViewerURL: f.ViewerURL, ProducedAt: produced})
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

// jsonError names the field of a JSON decoding error.
func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		field := te.Field
		return invalid(field, fmt.Sprintf("%s must be %s, not %s", field, kindName(te.Type.Kind().String()), te.Value))
	case errors.As(err, &se):
		return invalid("", fmt.Sprintf("the body is not valid JSON (at byte %d)", se.Offset))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return invalid(field, fmt.Sprintf("unknown field %q", field))
	case errors.Is(err, io.EOF):
		return invalid("", "the body is empty; send a JSON object")
	}
	return invalid("", "the body is not valid JSON: "+err.Error())
}

func kindName(k string) string {
	switch k {
	case "bool":
		return "true or false"
	case "float64", "int":
		return "a number"
	case "slice":
		return "a list"
	case "ptr", "struct":
		return "an object"
	}
	return "a " + k
}
