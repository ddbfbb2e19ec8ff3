package ingest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/voorrang/voorrang/hl7"
	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

// AI results come in two formats today, both taken here into the one
// worklist event (worklist.AIResultReceived): JSON posted to the HTTP API
// (DecodeAIResult) and HL7 ORU^R01 from an AI sender over MLLP (aiEvents,
// through the Handler). A further format (FHIR) maps here too.

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

// isAI reports whether an ORU^R01 carries AI results: its sender (MSH-3)
// is one of the mapping's AI senders, or OBR-4.3 says AI.
func (n *normaliser) isAI(m *hl7.Message) bool {
	app := m.Get("MSH-3")
	for _, s := range n.mapping.AISenders {
		if strings.EqualFold(s, app) {
			return true
		}
	}
	return m.Get("OBR-4.3") == "AI"
}

// aiEvents reads AI results: one result per OBR (OBR-4 the algorithm,
// OBR-20 the result ID), one finding per NM OBX (OBX-3 the finding, OBX-5
// the confidence, OBX-8 A positive or N negative, OBX-17 the algorithm
// with version and vendor), its location in the NTE after it, and the
// viewer link in an RP OBX.
func (n *normaliser) aiEvents(m *hl7.Message, site string, msgAt time.Time) ([]worklist.Event, error) {
	var events []worklist.Event
	var cur *worklist.Event
	var last *triage.Finding
	var viewers []string // the viewer link of each result
	obr := 0
	for seg := range m.Segments("") {
		switch seg.Name() {
		case "OBR":
			obr++
			g := group{"OBR": seg}
			acc, err := n.accession(m, g)
			if err != nil {
				return nil, err
			}
			id := seg.Field(20).String()
			if id == "" {
				id = m.Get("MSH-3") + "-" + m.ControlID() + "-" + strconv.Itoa(obr)
			}
			at := firstTime(n.time(seg.Field(22)), msgAt)
			events = append(events, worklist.Event{Kind: worklist.AIResultReceived, Site: site, Accession: acc, At: at,
				AI: &worklist.AIResult{ID: id, ProducedAt: at, Algorithm: triage.Algorithm{
					ID: seg.Field(4).Component(1).String(), Name: seg.Field(4).Component(2).String()}}})
			viewers = append(viewers, "")
			cur, last = &events[len(events)-1], nil
		case "OBX":
			if cur == nil {
				return nil, &mapError{hl7.AckError{Segment: "OBX", Code: hl7.CodeSegmentSequence, Text: "OBX before any OBR"}}
			}
			f, ok, err := n.finding(seg, cur.AI, &viewers[len(viewers)-1])
			if err != nil {
				return nil, err
			}
			if ok {
				cur.AI.Findings = append(cur.AI.Findings, f)
				last = &cur.AI.Findings[len(cur.AI.Findings)-1]
			}
		case "NTE":
			if last != nil && last.Location == "" {
				last.Location = seg.Field(3).Text()
			}
		}
	}
	for i := range events {
		for j := range events[i].AI.Findings {
			if f := &events[i].AI.Findings[j]; f.ViewerURL == "" {
				f.ViewerURL = viewers[i]
			}
		}
		if len(events[i].AI.Findings) == 0 {
			return nil, &mapError{hl7.AckError{Segment: "OBX", Code: hl7.CodeRequiredFieldMissing,
				Text: "AI result without a finding (an NM OBX with OBX-8 A or N)"}}
		}
	}
	if len(events) == 0 {
		return nil, missing("OBR", 4, "the AI result (OBR)")
	}
	return events, nil
}

func (n *normaliser) finding(seg hl7.Segment, ai *worklist.AIResult, viewer *string) (triage.Finding, bool, error) {
	switch seg.Field(2).String() {
	case "RP":
		if url := seg.Field(5).Component(1).String(); url != "" && *viewer == "" {
			*viewer = url
		}
		return triage.Finding{}, false, nil
	case "NM", "ST", "CWE", "CE", "":
	default:
		return triage.Finding{}, false, nil
	}
	var f triage.Finding
	f.Code = seg.Field(3).Component(1).String()
	f.Display = seg.Field(3).Component(2).String()
	switch flag := strings.ToUpper(seg.Field(8).String()); flag {
	case "A", "AA", "H", "HH", "POS", "DET":
		f.Positive = true
	case "N", "NEG", "ND":
	default:
		return f, false, nil // not a finding (a measurement, a note)
	}
	if f.Code == "" {
		return f, false, missing("OBX", 3, "the finding code")
	}
	if v := seg.Field(5).String(); v != "" {
		c, err := strconv.ParseFloat(v, 64)
		if err != nil || c < 0 || c > 1 {
			return f, false, &mapError{hl7.AckError{Segment: "OBX", Sequence: 1, Field: 5, Code: hl7.CodeDataType,
				Text: "OBX-5: the confidence must be a number from 0 to 1"}}
		}
		f.Confidence = c
	}
	method := seg.Field(17)
	f.Algorithm = triage.Algorithm{
		ID:      firstString(method.Component(1).String(), ai.Algorithm.ID),
		Name:    firstString(method.Component(2).String(), ai.Algorithm.Name),
		Version: method.Component(4).String(),
		Vendor:  method.Component(5).String(),
	}
	if ai.Algorithm.Version == "" {
		ai.Algorithm.Version, ai.Algorithm.Vendor = f.Algorithm.Version, f.Algorithm.Vendor
	}
	f.ProducedAt = firstTime(n.time(seg.Field(14)), ai.ProducedAt)
	return f, true, nil
}
