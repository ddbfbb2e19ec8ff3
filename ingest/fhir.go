package ingest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

// AI results in FHIR R4, as the IHE AI Results profile and the HL7 AI
// Transparency on FHIR guide describe them: one Observation per finding,
// alone or gathered by a DiagnosticReport (its result), posted on their
// own or in a Bundle (collection or transaction). Each Observation says
//
//   - what was looked for: code, a CodeableConcept whose codings are the
//     finding's codes (SNOMED CT, RadLex, RadElement, the vendor's own);
//   - whether it was found: valueCodeableConcept, a coded presence value
//     (SNOMED CT 52101004 Present ...), or valueBoolean, or interpretation
//     (v3-ObservationInterpretation POS, NEG, IND); when several are given
//     they must agree;
//   - how sure: the AI Transparency extension AIconfidence
//     (http://hl7.org/fhir/uv/aitransparency/StructureDefinition/AIconfidence),
//     valueDecimal from 0 to 1 or valueQuantity in % (optional, as in HL7);
//   - by which algorithm: device, a Device (contained, in the Bundle, or a
//     reference with an identifier) whose identifier is the algorithm's
//     id, deviceName its name, version its version, manufacturer its
//     vendor;
//   - on which study: an identifier of type ACSN (v2-0203) whose assigner
//     (identifier.value, else display) is the site that issued it, on the
//     DiagnosticReport (identifier), on the ImagingStudy it is part of or
//     derived from (partOf, derivedFrom; DiagnosticReport.imagingStudy) or
//     on the ServiceRequest it is based on (basedOn): in the reference
//     (Reference.identifier) or in the resource it resolves to;
//   - when: effectiveDateTime, else issued (of the report, for its
//     results); where: bodySite.
//
// Only those elements are decoded (encoding/json; the rest of a resource
// is not read). A problem is a *FHIRError naming the element by its
// FHIRPath expression; nothing is applied unless all is well.

// FHIR system URIs read here.
const (
	fhirAIConfidence      = "http://hl7.org/fhir/uv/aitransparency/StructureDefinition/AIconfidence"
	fhirAIConfidenceCore  = "http://hl7.org/fhir/StructureDefinition/AIconfidence" // the extension's URL in early builds of the guide
	fhirIdentifierType    = "http://terminology.hl7.org/CodeSystem/v2-0203"
	fhirAccessionTypeCode = "ACSN"
	maxBundleEntries      = 500
	maxContained          = 100 // contained resources per resource
)

// A FHIRError is FHIR input refused: the element at fault as a FHIRPath
// expression ("Observation.extension[0].valueDecimal"; empty for the body
// as a whole), the FHIR issue type (IssueStructure, IssueRequired,
// IssueValue, IssueNotSupported) and what is wrong, in words a client may
// be shown. It holds no patient data. errors.Is reports it as
// worklist.ErrInvalid.
type FHIRError struct {
	Expression string
	Issue      string
	Message    string
}

// FHIR issue types (http://hl7.org/fhir/issue-type) of a FHIRError.
const (
	IssueStructure    = "structure"     // not JSON, or an element of the wrong type
	IssueRequired     = "required"      // a required element is missing
	IssueValue        = "value"         // an element's value is not allowed
	IssueNotSupported = "not-supported" // valid FHIR that Voorrang does not take
)

func (e *FHIRError) Error() string { return e.Message }

// Unwrap makes a FHIRError a worklist.ErrInvalid.
func (e *FHIRError) Unwrap() error { return worklist.ErrInvalid }

func fhirErr(issue, expr, format string, args ...any) *FHIRError {
	msg := fmt.Sprintf(format, args...)
	if expr != "" {
		msg = expr + ": " + msg
	}
	return &FHIRError{Expression: expr, Issue: issue, Message: msg}
}

// A FHIRPost is what one FHIR interaction carried: the AI-result events,
// and for a Bundle, which event each entry went into.
type FHIRPost struct {
	// Bundle is the Bundle's type (collection, transaction); empty when a
	// resource was posted on its own.
	Bundle  string
	Events  []worklist.Event
	Entries []FHIREntry // one per Bundle entry, in order
}

// A FHIREntry is one entry of a posted Bundle.
type FHIREntry struct {
	ResourceType string
	// Event is the index in FHIRPost.Events of the result the entry is
	// part of: its own (a DiagnosticReport, an Observation on its own) or
	// its report's; -1 for a resource read only to resolve references
	// (Device, ImagingStudy, ServiceRequest, Patient ...).
	Event int
}

// The elements of FHIR R4 resources and data types read here.
type (
	fhirCoding struct {
		System  string `json:"system"`
		Code    string `json:"code"`
		Display string `json:"display"`
	}
	fhirConcept struct {
		Coding []fhirCoding `json:"coding"`
		Text   string       `json:"text"`
	}
	fhirIdentifier struct {
		Type     *fhirConcept   `json:"type"`
		System   string         `json:"system"`
		Value    string         `json:"value"`
		Assigner *fhirReference `json:"assigner"`
	}
	fhirReference struct {
		Reference  string          `json:"reference"`
		Type       string          `json:"type"`
		Identifier *fhirIdentifier `json:"identifier"`
		Display    string          `json:"display"`
	}
	fhirQuantity struct {
		Value  *float64 `json:"value"`
		Unit   string   `json:"unit"`
		System string   `json:"system"`
		Code   string   `json:"code"`
	}
	fhirExtension struct {
		URL                  string          `json:"url"`
		ValueDecimal         *float64        `json:"valueDecimal"`
		ValueQuantity        *fhirQuantity   `json:"valueQuantity"`
		ValueRange           json.RawMessage `json:"valueRange"`
		ValueCodeableConcept json.RawMessage `json:"valueCodeableConcept"`
		ValueString          json.RawMessage `json:"valueString"`
	}
	// fhirHead is what every resource starts with.
	fhirHead struct {
		ResourceType string            `json:"resourceType"`
		ID           string            `json:"id"`
		Contained    []json.RawMessage `json:"contained"`
	}
	fhirObservation struct {
		Identifier           []fhirIdentifier `json:"identifier"`
		Status               *string          `json:"status"`
		Code                 *fhirConcept     `json:"code"`
		ValueCodeableConcept *fhirConcept     `json:"valueCodeableConcept"`
		ValueBoolean         *bool            `json:"valueBoolean"`
		Interpretation       []fhirConcept    `json:"interpretation"`
		Extension            []fhirExtension  `json:"extension"`
		Device               *fhirReference   `json:"device"`
		PartOf               []fhirReference  `json:"partOf"`
		DerivedFrom          []fhirReference  `json:"derivedFrom"`
		BasedOn              []fhirReference  `json:"basedOn"`
		EffectiveDateTime    *string          `json:"effectiveDateTime"`
		Issued               *string          `json:"issued"`
		BodySite             *fhirConcept     `json:"bodySite"`
	}
	fhirReport struct {
		Identifier        []fhirIdentifier `json:"identifier"`
		Status            *string          `json:"status"`
		BasedOn           []fhirReference  `json:"basedOn"`
		ImagingStudy      []fhirReference  `json:"imagingStudy"`
		Result            []fhirReference  `json:"result"`
		EffectiveDateTime *string          `json:"effectiveDateTime"`
		Issued            *string          `json:"issued"`
	}
	fhirDevice struct {
		Identifier []fhirIdentifier `json:"identifier"`
		DeviceName []struct {
			Name string `json:"name"`
			Type string `json:"type"`
		} `json:"deviceName"`
		Version []struct {
			Value string `json:"value"`
		} `json:"version"`
		Manufacturer string `json:"manufacturer"`
	}
	// fhirIdentified is an ImagingStudy or a ServiceRequest: only its
	// identifiers are read.
	fhirIdentified struct {
		Identifier []fhirIdentifier `json:"identifier"`
	}
	fhirBundle struct {
		Type  string `json:"type"`
		Entry []struct {
			FullURL  string          `json:"fullUrl"`
			Resource json.RawMessage `json:"resource"`
			Request  *struct {
				Method string `json:"method"`
				URL    string `json:"url"`
			} `json:"request"`
		} `json:"entry"`
	}
)

// A fhirNode is a resource as read: where it is, its type, its bytes and
// its contained resources by local id.
type fhirNode struct {
	path      string // FHIRPath of the resource: "Observation", "Bundle.entry[2].resource"
	head      fhirHead
	raw       json.RawMessage
	contained map[string]*fhirNode
	parent    *fhirNode // the resource that contains it
}

// fhirDecoder reads one posted body: the nodes a reference may point to.
type fhirDecoder struct {
	received time.Time
	byRef    map[string]*fhirNode // Bundle entries by fullUrl and by Type/id
}

// DecodeFHIR reads the body of a FHIR interaction: a resource of
// resourceType (Observation, DiagnosticReport) posted to its type, or
// with resourceType empty a Bundle posted to the base. received is when
// Voorrang received it.
func DecodeFHIR(resourceType string, body []byte, received time.Time) (*FHIRPost, error) {
	d := &fhirDecoder{received: received, byRef: map[string]*fhirNode{}}
	want := resourceType
	if want == "" {
		want = "Bundle"
	}
	n, err := d.node(body, want, nil)
	if err != nil {
		return nil, err
	}
	if n.head.ResourceType != want {
		return nil, fhirErr(IssueValue, "resourceType", "%s posted where a %s belongs", limit(n.head.ResourceType, 40), want)
	}
	switch want {
	case "Observation":
		e, err := d.observationResult(n)
		if err != nil {
			return nil, err
		}
		return &FHIRPost{Events: []worklist.Event{e}}, nil
	case "DiagnosticReport":
		e, _, err := d.report(n)
		if err != nil {
			return nil, err
		}
		return &FHIRPost{Events: []worklist.Event{e}}, nil
	case "Bundle":
		return d.bundle(n)
	}
	return nil, fhirErr(IssueNotSupported, "resourceType", "%s is not taken here; post an Observation, a DiagnosticReport or a Bundle", limit(want, 40))
}

// node reads a resource's head and its contained resources.
func (d *fhirDecoder) node(raw json.RawMessage, path string, parent *fhirNode) (*fhirNode, error) {
	n := &fhirNode{path: path, raw: raw, parent: parent}
	if err := fhirUnmarshal(raw, &n.head, path); err != nil {
		return nil, err
	}
	if strings.TrimSpace(n.head.ResourceType) == "" {
		return nil, fhirErr(IssueRequired, joinPath(path, "resourceType"), "resourceType is required")
	}
	if len(n.head.Contained) > maxContained {
		return nil, fhirErr(IssueValue, joinPath(path, "contained"), "more than %d contained resources", maxContained)
	}
	if parent != nil && len(n.head.Contained) > 0 {
		return nil, fhirErr(IssueValue, joinPath(path, "contained"), "a contained resource contains no resources (dom-2)")
	}
	for i, c := range n.head.Contained {
		cp := fmt.Sprintf("%s[%d]", joinPath(path, "contained"), i)
		cn, err := d.node(c, cp, n)
		if err != nil {
			return nil, err
		}
		if cn.head.ID == "" {
			return nil, fhirErr(IssueRequired, joinPath(cp, "id"), "a contained resource needs an id to be referred to")
		}
		if n.contained == nil {
			n.contained = map[string]*fhirNode{}
		}
		n.contained["#"+cn.head.ID] = cn
	}
	return n, nil
}

// joinPath appends an element to a FHIRPath; a path that ends in a
// resource's place ("Bundle.entry[2].resource") names the element after it.
func joinPath(path, elem string) string {
	if path == "" {
		return elem
	}
	return path + "." + elem
}

// fhirUnmarshal decodes the elements of v from raw, leaving the rest of
// the resource unread; a JSON error names the element.
func fhirUnmarshal(raw json.RawMessage, v any, path string) error {
	// The body as a whole has no expression; a resource within it has.
	where := path
	if !strings.ContainsAny(path, ".[") {
		where = ""
	}
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' {
		if len(t) == 0 {
			return fhirErr(IssueStructure, where, "the body is empty; send a FHIR resource as JSON")
		}
		var se *json.SyntaxError
		if err := json.Unmarshal(t, new(any)); errors.As(err, &se) {
			return fhirErr(IssueStructure, "", "the body is not valid JSON (at byte %d)", se.Offset)
		}
		return fhirErr(IssueStructure, where, "must be a JSON object (a FHIR resource)")
	}
	err := json.Unmarshal(raw, v)
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &te):
		expr := path
		if te.Field != "" {
			expr = joinPath(path, te.Field)
		}
		return fhirErr(IssueStructure, expr, "must be %s, not %s", kindName(te.Type.Kind().String()), te.Value)
	case errors.As(err, &se):
		return fhirErr(IssueStructure, "", "the body is not valid JSON (at byte %d)", se.Offset)
	}
	return fhirErr(IssueStructure, "", "the body is not valid JSON")
}

// resolve finds the resource a reference points to: contained in the
// resource that refers (or in the one that contains it), or an entry of
// the Bundle, by fullUrl or Type/id; nil when it is not in what was
// posted.
func (d *fhirDecoder) resolve(from *fhirNode, ref string) *fhirNode {
	if ref == "" {
		return nil
	}
	if strings.HasPrefix(ref, "#") {
		for n := from; n != nil; n = n.parent {
			if c, ok := n.contained[ref]; ok {
				return c
			}
		}
		return nil
	}
	if n, ok := d.byRef[ref]; ok {
		return n
	}
	return d.byRef[typeID(ref)]
}

// typeID returns the Type/id at the end of a reference or URL.
func typeID(ref string) string {
	ref, _, _ = strings.Cut(ref, "/_history/")
	parts := strings.Split(strings.TrimRight(ref, "/"), "/")
	if len(parts) < 2 {
		return ref
	}
	return parts[len(parts)-2] + "/" + parts[len(parts)-1]
}

// bundle reads a collection or transaction Bundle: every DiagnosticReport
// is a result with the Observations it refers to, and every Observation
// no report refers to is a result of its own.
func (d *fhirDecoder) bundle(n *fhirNode) (*FHIRPost, error) {
	var b fhirBundle
	if err := fhirUnmarshal(n.raw, &b, "Bundle"); err != nil {
		return nil, err
	}
	switch b.Type {
	case "collection", "transaction":
	case "":
		return nil, fhirErr(IssueRequired, "Bundle.type", "type is required: collection or transaction")
	default:
		return nil, fhirErr(IssueNotSupported, "Bundle.type", "a %s Bundle is not taken; send a collection or a transaction", limit(b.Type, 40))
	}
	if len(b.Entry) == 0 {
		return nil, fhirErr(IssueRequired, "Bundle.entry", "the Bundle has no entries")
	}
	if len(b.Entry) > maxBundleEntries {
		return nil, fhirErr(IssueValue, "Bundle.entry", "more than %d entries", maxBundleEntries)
	}
	nodes := make([]*fhirNode, len(b.Entry))
	for i, e := range b.Entry {
		ep := fmt.Sprintf("Bundle.entry[%d]", i)
		if len(bytes.TrimSpace(e.Resource)) == 0 {
			return nil, fhirErr(IssueRequired, ep+".resource", "resource is required")
		}
		if b.Type == "transaction" {
			if e.Request == nil {
				return nil, fhirErr(IssueRequired, ep+".request", "a transaction entry needs its request (method POST)")
			}
			if m := e.Request.Method; m != "POST" && m != "PUT" {
				return nil, fhirErr(IssueNotSupported, ep+".request.method", "%s is not taken; results are created (POST or PUT)", limit(m, 10))
			}
		}
		en, err := d.node(e.Resource, ep+".resource", nil)
		if err != nil {
			return nil, err
		}
		nodes[i] = en
		for _, key := range []string{e.FullURL, typeID(e.FullURL), en.head.ResourceType + "/" + en.head.ID} {
			if key != "" && !strings.HasSuffix(key, "/") {
				d.byRef[key] = en
			}
		}
	}
	post := &FHIRPost{Bundle: b.Type, Entries: make([]FHIREntry, len(nodes))}
	partOf := map[*fhirNode]int{} // the Observations of each report's result
	for i, en := range nodes {
		post.Entries[i] = FHIREntry{ResourceType: en.head.ResourceType, Event: -1}
		if en.head.ResourceType != "DiagnosticReport" {
			continue
		}
		e, obs, err := d.report(en)
		if err != nil {
			return nil, err
		}
		post.Entries[i].Event = len(post.Events)
		for _, o := range obs {
			partOf[o] = len(post.Events)
		}
		post.Events = append(post.Events, e)
	}
	for i, en := range nodes {
		if en.head.ResourceType != "Observation" {
			continue
		}
		if k, ok := partOf[en]; ok {
			post.Entries[i].Event = k
			continue
		}
		e, err := d.observationResult(en)
		if err != nil {
			return nil, err
		}
		post.Entries[i].Event = len(post.Events)
		post.Events = append(post.Events, e)
	}
	if len(post.Events) == 0 {
		return nil, fhirErr(IssueRequired, "Bundle.entry", "the Bundle holds no AI result (an Observation or a DiagnosticReport)")
	}
	return post, nil
}

// observationResult reads an Observation posted on its own, or in a
// Bundle without a report, as a result with one finding.
func (d *fhirDecoder) observationResult(n *fhirNode) (worklist.Event, error) {
	f, o, err := d.finding(n, nil)
	if err != nil {
		return worklist.Event{}, err
	}
	study, err := d.studyOf(n, nil, o.PartOf, o.DerivedFrom, o.BasedOn)
	if err != nil {
		return worklist.Event{}, err
	}
	if study == nil {
		return worklist.Event{}, errNoStudy(n.path, "partOf")
	}
	id := resultID(o.Identifier, n.raw)
	return d.event(study, id, f.Algorithm, f.ProducedAt, []triage.Finding{f}, n.path)
}

// report reads a DiagnosticReport and the Observations of its result as
// one result.
func (d *fhirDecoder) report(n *fhirNode) (worklist.Event, []*fhirNode, error) {
	var r fhirReport
	if err := fhirUnmarshal(n.raw, &r, n.path); err != nil {
		return worklist.Event{}, nil, err
	}
	if err := checkStatus(r.Status, joinPath(n.path, "status")); err != nil {
		return worklist.Event{}, nil, err
	}
	var produced *time.Time
	if t, err := fhirTime(r.EffectiveDateTime, r.Issued, n.path); err == nil {
		produced = &t
	} else if r.EffectiveDateTime != nil || r.Issued != nil {
		return worklist.Event{}, nil, err
	}
	study, err := d.studyOf(n, r.Identifier, r.ImagingStudy, r.BasedOn)
	if err != nil {
		return worklist.Event{}, nil, err
	}
	if len(r.Result) == 0 {
		return worklist.Event{}, nil, fhirErr(IssueRequired, joinPath(n.path, "result"),
			"the report refers to no Observation; each finding is an Observation in result")
	}
	if len(r.Result) > maxFindings {
		return worklist.Event{}, nil, fhirErr(IssueValue, joinPath(n.path, "result"), "more than %d results", maxFindings)
	}
	var findings []triage.Finding
	var obs []*fhirNode
	for i, ref := range r.Result {
		rp := fmt.Sprintf("%s[%d]", joinPath(n.path, "result"), i)
		on := d.resolve(n, ref.Reference)
		if on == nil || on.head.ResourceType != "Observation" {
			return worklist.Event{}, nil, fhirErr(IssueValue, rp+".reference",
				"%q is no Observation posted with the report (contained, #id, or an entry of the Bundle)", limit(ref.Reference, 80))
		}
		f, o, err := d.finding(on, produced)
		if err != nil {
			return worklist.Event{}, nil, err
		}
		s, err := d.studyOf(on, nil, o.PartOf, o.DerivedFrom, o.BasedOn)
		if err != nil {
			return worklist.Event{}, nil, err
		}
		switch {
		case s == nil:
		case study == nil:
			study = s
		case s.site != study.site || s.accession != study.accession:
			return worklist.Event{}, nil, fhirErr(IssueValue, s.at, "this finding is on another study than its report (%s)", study.at)
		}
		findings = append(findings, f)
		obs = append(obs, on)
	}
	if study == nil {
		return worklist.Event{}, nil, errNoStudy(n.path, "imagingStudy")
	}
	at := findings[0].ProducedAt
	if produced != nil {
		at = *produced
	}
	e, err := d.event(study, resultID(r.Identifier, n.raw), findings[0].Algorithm, at, findings, n.path)
	return e, obs, err
}

// event makes the AI-result event of a result, as the JSON route does.
func (d *fhirDecoder) event(s *fhirStudy, id string, algo triage.Algorithm, produced time.Time, fs []triage.Finding, path string) (worklist.Event, error) {
	if len(id) > 128 {
		return worklist.Event{}, fhirErr(IssueValue, joinPath(path, "identifier"), "the identifier is longer than 128 characters")
	}
	r := &worklist.AIResult{ID: id, Algorithm: algo, ProducedAt: produced, ReceivedAt: d.received, Findings: fs}
	return worklist.Event{Kind: worklist.AIResultReceived, Site: s.site, Accession: s.accession,
		At: produced, Source: "ai:" + s.accession + "|" + id, AI: r}, nil
}

// resultID is a result's identifier: the first identifier that is not an
// accession number, else one derived from the resource's bytes (so that a
// resend is known).
func resultID(ids []fhirIdentifier, raw []byte) string {
	for _, id := range ids {
		if v := strings.TrimSpace(id.Value); v != "" && !isAccession(id) {
			return v
		}
	}
	sum := sha256.Sum256(raw)
	return "sha256-" + hex.EncodeToString(sum[:12])
}
