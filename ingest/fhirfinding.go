package ingest

import (
	"fmt"
	"strings"
	"time"

	"github.com/voorrang/voorrang/triage"
)

// An Observation read as a finding: what was looked for, whether it was
// found, how sure, by which algorithm, when and where; and the study a
// result is on. The elements read are listed in fhir.go.

// A fhirStudy is the study a result is on, and where that was read.
type fhirStudy struct {
	site, accession, at string
}

// errNoStudy refuses a result that says no study, at the element where
// it belongs.
func errNoStudy(path, elem string) *FHIRError {
	return fhirErr(IssueRequired, joinPath(path, elem), "the study is required: an accession number, as an identifier of type ACSN "+
		"(http://terminology.hl7.org/CodeSystem/v2-0203) with its assigner, on the ImagingStudy (partOf, derivedFrom, "+
		"DiagnosticReport.imagingStudy), the ServiceRequest (basedOn) or the DiagnosticReport (identifier)")
}

// isAccession reports whether an identifier is an accession number: its
// type is ACSN of HL7 table 0203.
func isAccession(id fhirIdentifier) bool {
	if id.Type == nil {
		return false
	}
	for _, c := range id.Type.Coding {
		if c.Code == fhirAccessionTypeCode && (c.System == fhirIdentifierType || c.System == "") {
			return true
		}
	}
	return false
}

// studyOf finds the study of a resource: an accession identifier among
// its own identifiers, then in its references (the reference's identifier,
// else the identifiers of the resource it resolves to). nil when none
// says it.
func (d *fhirDecoder) studyOf(n *fhirNode, own []fhirIdentifier, refs ...[]fhirReference) (*fhirStudy, error) {
	if s, err := accessionIn(own, joinPath(n.path, "identifier"), true); s != nil || err != nil {
		return s, err
	}
	names := []string{"partOf", "derivedFrom", "basedOn"}
	if n.head.ResourceType == "DiagnosticReport" {
		names = []string{"imagingStudy", "basedOn"}
	}
	for k, list := range refs {
		for i, ref := range list {
			rp := fmt.Sprintf("%s[%d]", joinPath(n.path, names[k]), i)
			if ref.Identifier != nil {
				if s, err := accessionIn([]fhirIdentifier{*ref.Identifier}, rp+".identifier", false); s != nil || err != nil {
					return s, err
				}
			}
			t := d.resolve(n, ref.Reference)
			if t == nil {
				continue
			}
			switch t.head.ResourceType {
			case "ImagingStudy", "ServiceRequest":
			default:
				continue
			}
			var r fhirIdentified
			if err := fhirUnmarshal(t.raw, &r, t.path); err != nil {
				return nil, err
			}
			if s, err := accessionIn(r.Identifier, joinPath(t.path, "identifier"), true); s != nil || err != nil {
				return s, err
			}
		}
	}
	return nil, nil
}

// accessionIn reads the accession identifier among ids (a list element
// at path, or one identifier when list is false): its value and the site
// that assigned it.
func accessionIn(ids []fhirIdentifier, path string, list bool) (*fhirStudy, error) {
	for i, id := range ids {
		if !isAccession(id) {
			continue
		}
		at := path
		if list {
			at = fmt.Sprintf("%s[%d]", path, i)
		}
		acc := strings.TrimSpace(id.Value)
		if err := checkKeyPart(acc, at+".value", "the accession number", "the accession number is required"); err != nil {
			return nil, err
		}
		var site string
		if a := id.Assigner; a != nil {
			site = a.Display
			if a.Identifier != nil && strings.TrimSpace(a.Identifier.Value) != "" {
				site = a.Identifier.Value
			}
		}
		site = strings.TrimSpace(site)
		if err := checkKeyPart(site, at+".assigner", "the site", "the site that issued the accession number is required "+
			"(assigner.identifier.value, or assigner.display): the sending facility of its orders"); err != nil {
			return nil, err
		}
		return &fhirStudy{site: site, accession: acc, at: at}, nil
	}
	return nil, nil
}

// checkKeyPart takes v, the site or the accession number of a study (what
// names it), read at expr: required (missing says what is), and no longer
// or other than a key may hold (badKeyPart).
func checkKeyPart(v, expr, what, missing string) error {
	switch {
	case v == "":
		return fhirErr(IssueRequired, expr, "%s", missing)
	case badKeyPart(v):
		return fhirErr(IssueValue, expr, "%s must be at most 64 characters, without braces", what)
	}
	return nil
}

// checkStatus takes the status of a result: preliminary, final, amended
// or corrected (and appended, a report's).
func checkStatus(status *string, expr string) error {
	if status == nil || *status == "" {
		return fhirErr(IssueRequired, expr, "status is required")
	}
	switch *status {
	case "preliminary", "final", "amended", "corrected", "appended":
		return nil
	}
	return fhirErr(IssueNotSupported, expr, "%s is not taken: only results are (preliminary, final, amended, corrected)", limit(*status, 40))
}

// fhirTime reads effectiveDateTime, else issued: a time to the second
// with its offset (a FHIR instant; a dateTime with a time needs its
// offset too).
func fhirTime(effective, issued *string, path string) (time.Time, error) {
	v, expr := effective, joinPath(path, "effectiveDateTime")
	if v == nil {
		v, expr = issued, joinPath(path, "issued")
	}
	if v == nil {
		return time.Time{}, fhirErr(IssueRequired, joinPath(path, "effective[x]"), "when the result was produced is required (effectiveDateTime, or issued)")
	}
	t, err := time.Parse(time.RFC3339, *v)
	if err != nil {
		return time.Time{}, fhirErr(IssueValue, expr, "must be a time to the second with its offset, such as 2026-11-23T09:12:04+01:00")
	}
	return t, nil
}

// finding reads an Observation as a finding. produced is its report's
// time, if it has one, for an Observation that gives none.
func (d *fhirDecoder) finding(n *fhirNode, produced *time.Time) (triage.Finding, *fhirObservation, error) {
	var o fhirObservation
	if err := fhirUnmarshal(n.raw, &o, n.path); err != nil {
		return triage.Finding{}, nil, err
	}
	at := func(elem string) string { return joinPath(n.path, elem) }
	if err := checkStatus(o.Status, at("status")); err != nil {
		return triage.Finding{}, nil, err
	}
	var f triage.Finding
	if o.Code == nil || len(o.Code.Coding) == 0 {
		return f, nil, fhirErr(IssueRequired, at("code.coding"), "the finding's code is required (SNOMED CT, RadLex, RadElement or the vendor's own)")
	}
	if len(o.Code.Coding) > maxCodings {
		return f, nil, fhirErr(IssueValue, at("code.coding"), "more than %d codings", maxCodings)
	}
	var codes []triage.Coding
	for i, c := range o.Code.Coding {
		cp := fmt.Sprintf("%s[%d]", at("code.coding"), i)
		if strings.TrimSpace(c.Code) == "" {
			return f, nil, fhirErr(IssueRequired, cp+".code", "code is required")
		}
		if len(c.Code) > 64 || len(c.System) > 256 || len(c.Display) > 256 {
			return f, nil, fhirErr(IssueValue, cp, "too long (code 64, system and display 256 characters)")
		}
		codes = append(codes, triage.Coding{System: c.System, Code: c.Code, Display: c.Display})
	}
	var display string
	f.Code, display, f.Codes = findingCoding(codes)
	f.Display = limit(firstString(strings.TrimSpace(o.Code.Text), display), 256)

	p, err := observationPresence(&o, at)
	if err != nil {
		return f, nil, err
	}
	f.Presence, f.Positive = p, p == triage.Present
	if f.Confidence, f.NoConfidence, err = observationConfidence(o.Extension, at); err != nil {
		return f, nil, err
	}
	if f.Algorithm, err = d.algorithm(n, o.Device, at("device")); err != nil {
		return f, nil, err
	}
	switch t, err := fhirTime(o.EffectiveDateTime, o.Issued, n.path); {
	case err == nil:
		f.ProducedAt = t
	case produced != nil && o.EffectiveDateTime == nil && o.Issued == nil:
		f.ProducedAt = *produced
	default:
		return f, nil, err
	}
	if b := o.BodySite; b != nil {
		f.Location = b.Text
		if f.Location == "" && len(b.Coding) > 0 {
			f.Location = b.Coding[0].Display
		}
		f.Location = limit(f.Location, 256)
	}
	return f, &o, nil
}

// observationPresence reads whether the finding was found:
// valueCodeableConcept, valueBoolean and interpretation, which must agree.
func observationPresence(o *fhirObservation, at func(string) string) (triage.Presence, error) {
	var p triage.Presence
	var from string
	say := func(q triage.Presence, expr string) error {
		switch {
		case p == "":
			p, from = q, expr
		case q != p:
			return fhirErr(IssueValue, expr, "says %s, but %s says %s", q, from, p)
		}
		return nil
	}
	if v := o.ValueCodeableConcept; v != nil {
		found := false
		for i, c := range v.Coding {
			if q, ok := triage.PresenceOf(triage.Coding{System: c.System, Code: c.Code}); ok {
				found = true
				if err := say(q, fmt.Sprintf("%s[%d]", at("valueCodeableConcept.coding"), i)); err != nil {
					return "", err
				}
			}
		}
		if !found {
			return "", fhirErr(IssueValue, at("valueCodeableConcept"), "no presence value among the codings; send SNOMED CT 52101004 Present, "+
				"2667000 Absent or 82334004 Indeterminate, or RadLex RID28472 present, RID28473 absent, RID39110 indeterminate")
		}
	}
	if v := o.ValueBoolean; v != nil {
		q := triage.Absent
		if *v {
			q = triage.Present
		}
		if err := say(q, at("valueBoolean")); err != nil {
			return "", err
		}
	}
	for i, in := range o.Interpretation {
		for j, c := range in.Coding {
			if q, ok := triage.PresenceOf(triage.Coding{System: c.System, Code: c.Code}); ok {
				if err := say(q, fmt.Sprintf("%s[%d].coding[%d]", at("interpretation"), i, j)); err != nil {
					return "", err
				}
			}
		}
	}
	if p == "" {
		return "", fhirErr(IssueRequired, at("value[x]"), "whether the finding is present is required: valueCodeableConcept "+
			"(SNOMED CT 52101004 Present, 2667000 Absent, 82334004 Indeterminate; RadLex RID28472, RID28473, RID39110), "+
			"valueBoolean, or interpretation (v3-ObservationInterpretation POS, NEG, IND)")
	}
	return p, nil
}

// observationConfidence reads the AIconfidence extension: valueDecimal 0
// to 1, or valueQuantity in % (0 to 100) or without a unit (0 to 1).
// none is true when the Observation has none.
func observationConfidence(exts []fhirExtension, at func(string) string) (c float64, none bool, err error) {
	for i, x := range exts {
		if x.URL != fhirAIConfidence && x.URL != fhirAIConfidenceCore {
			continue
		}
		xp := fmt.Sprintf("%s[%d]", at("extension"), i)
		switch {
		case x.ValueDecimal != nil:
			if c := *x.ValueDecimal; c >= 0 && c <= 1 {
				return c, false, nil
			}
			return 0, false, fhirErr(IssueValue, xp+".valueDecimal", "the confidence must be from 0 to 1 (or valueQuantity 0 to 100 %%)")
		case x.ValueQuantity != nil && x.ValueQuantity.Value != nil:
			q := x.ValueQuantity
			pct := q.Code == "%" || q.Unit == "%"
			c := *q.Value
			switch {
			case pct && c >= 0 && c <= 100:
				return c / 100, false, nil
			case !pct && (q.Code == "" || q.Code == "1") && c >= 0 && c <= 1:
				return c, false, nil
			}
			return 0, false, fhirErr(IssueValue, xp+".valueQuantity", "the confidence must be 0 to 100 with code %% (UCUM), or 0 to 1 without a unit")
		case x.ValueRange != nil || x.ValueCodeableConcept != nil || x.ValueString != nil:
			return 0, false, fhirErr(IssueNotSupported, xp, "only a confidence as a number is taken (valueDecimal 0 to 1, or valueQuantity in %%)")
		}
		return 0, false, fhirErr(IssueRequired, xp+".value[x]", "the confidence is required (valueDecimal 0 to 1, or valueQuantity in %%)")
	}
	return 0, true, nil
}

// algorithm reads the Device an Observation refers to as the algorithm.
func (d *fhirDecoder) algorithm(n *fhirNode, ref *fhirReference, expr string) (triage.Algorithm, error) {
	if ref == nil {
		return triage.Algorithm{}, fhirErr(IssueRequired, expr, "the algorithm is required: a Device (contained, or in the Bundle) with an identifier")
	}
	var a triage.Algorithm
	if dn := d.resolve(n, ref.Reference); dn != nil {
		if dn.head.ResourceType != "Device" {
			return a, fhirErr(IssueValue, expr+".reference", "refers to a %s, not a Device", limit(dn.head.ResourceType, 40))
		}
		var dv fhirDevice
		if err := fhirUnmarshal(dn.raw, &dv, dn.path); err != nil {
			return a, err
		}
		for _, id := range dv.Identifier {
			if v := strings.TrimSpace(id.Value); v != "" {
				a.ID = v
				break
			}
		}
		if a.ID == "" {
			return a, fhirErr(IssueRequired, joinPath(dn.path, "identifier"), "the algorithm's id is required as the Device's identifier (the id the rules and the registry know it by)")
		}
		for _, name := range dv.DeviceName {
			if a.Name == "" || name.Type == "user-friendly-name" {
				a.Name = name.Name
			}
		}
		if len(dv.Version) > 0 {
			a.Version = dv.Version[0].Value
		}
		a.Vendor = dv.Manufacturer
	} else {
		if ref.Identifier == nil || strings.TrimSpace(ref.Identifier.Value) == "" {
			return a, fhirErr(IssueValue, expr, "the Device is not in what was posted: contain it (#id), put it in the Bundle, or give the reference an identifier")
		}
		a.ID, a.Name = strings.TrimSpace(ref.Identifier.Value), ref.Display
	}
	if len(a.ID) > 256 || len(a.Name) > 256 || len(a.Version) > 64 || len(a.Vendor) > 256 {
		return a, fhirErr(IssueValue, expr, "the Device's identifier, name, version or manufacturer is too long")
	}
	if a.Name == "" {
		a.Name = ref.Display
	}
	return a, nil
}
