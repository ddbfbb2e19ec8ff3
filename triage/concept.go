package triage

import "strings"

// A Coding is one code of a finding or of a presence value, as an AI
// platform sends it: a code in a code system, with its display text.
type Coding struct {
	// System is the code system as sent: a FHIR URI
	// ("http://snomed.info/sct"), an HL7 v2 coding system name ("SCT"),
	// a name ("RadLex"), a vendor's own, or empty.
	System  string `json:"system,omitempty"`
	Code    string `json:"code"`
	Display string `json:"display,omitempty"`
}

// A CodeSystem is a standard vocabulary that concepts are keyed by.
type CodeSystem string

// The standard vocabularies of findings. A code of another system is a
// vendor's own and means something only through an algorithm's mapping.
const (
	SNOMED     CodeSystem = "SNOMED"     // SNOMED CT concept ids: 59282003
	RadLex     CodeSystem = "RadLex"     // RadLex ids: RID4834
	RadElement CodeSystem = "RadElement" // ACR/RSNA common data elements: RDES194, RDE1287
)

// Standard returns the standard vocabulary of a coding, if it has one.
// The system may be a FHIR URI, an HL7 v2 name (table 0396: SCT; RadLex
// has no entry there, and senders write RADLEX or RadLex), the SNOMED CT
// OID, or empty for a code that names its vocabulary itself (RID..., RDES...).
// Case and surrounding space do not matter.
func (c Coding) Standard() (CodeSystem, bool) {
	s := strings.ToLower(strings.TrimSpace(c.System))
	s = strings.TrimSuffix(s, "/")
	switch s {
	case "http://snomed.info/sct", "sct", "snomed", "snomedct", "snomed ct", "snomed-ct", "sct-ct",
		"urn:oid:2.16.840.1.113883.6.96", "2.16.840.1.113883.6.96":
		return SNOMED, true
	case "http://radlex.org", "https://radlex.org", "radlex", "rl", "rid":
		return RadLex, true
	case "http://radelement.org", "https://radelement.org", "radelement", "rde", "rdes", "cde":
		return RadElement, true
	case "":
		code := strings.ToUpper(strings.TrimSpace(c.Code))
		switch {
		case numbered(code, "RID"):
			return RadLex, true
		case numbered(code, "RDES"), numbered(code, "RDE"):
			return RadElement, true
		}
	}
	return "", false
}

// numbered reports whether code is prefix followed by digits (and, for
// RadElement values, a dot and digits: RDE1717.1).
func numbered(code, prefix string) bool {
	rest, ok := strings.CutPrefix(code, prefix)
	if !ok || rest == "" {
		return false
	}
	dot := false
	for i, r := range rest {
		switch {
		case r >= '0' && r <= '9':
		case r == '.' && !dot && i > 0 && i < len(rest)-1:
			dot = true
		default:
			return false
		}
	}
	return true
}

// key returns how a standard coding is looked up: its vocabulary and its
// code, upper case.
func (c Coding) key() (codeKey, bool) {
	sys, ok := c.Standard()
	if !ok {
		return codeKey{}, false
	}
	return codeKey{sys, strings.ToUpper(strings.TrimSpace(c.Code))}, true
}

type codeKey struct {
	system CodeSystem
	code   string
}

// A Presence says whether an AI algorithm found what it looked for.
type Presence string

// Presence values. Results stored before presence was coded say only
// Positive: present or absent.
const (
	Present       Presence = "present"
	Absent        Presence = "absent"
	Indeterminate Presence = "indeterminate" // looked, could not tell: shown, never ranks
)

// presenceCodes are the coded presence values understood, as aliases of
// one value each. Sources (read 2026-11):
//   - SNOMED CT 52101004 Present, 2667000 Absent, 82334004 Indeterminate
//     (qualifier values) and RadLex RID28472 present, RID28473 absent,
//     RID39110 indeterminate: the presence values of the Open Imaging Data
//     Model finding model for pulmonary embolism
//     (openimagingdata/findingmodels defs/pulmonary_embolism.fm.json) and
//     the bindings of the ACR/RSNA next-generation CDE drafts
//     (RSNA/ACR-RSNA-CDEs docs/next-gen-schema/alpha, exactMatch, RadLex 4.3).
//   - SNOMED CT 10828004 Positive, 260385009 Negative: HL7 value sets
//     (hl7.org/fhir/us/covid19library ValueSet covid19-pos-neg-ind-vs;
//     hl7.org/fhir/us/mcode 2019Sep PositiveNegativeVS).
//   - POS, NEG, IND: v3-ObservationInterpretation, as Observation.interpretation.
//
// SNOMED CT 261665006 Unknown and RadLex RID5655 unknown are not listed:
// a finding of unknown presence is no finding, and is refused.
var presenceCodes = map[codeKey]Presence{
	{SNOMED, "52101004"}:  Present,
	{SNOMED, "10828004"}:  Present,
	{SNOMED, "2667000"}:   Absent,
	{SNOMED, "260385009"}: Absent,
	{SNOMED, "82334004"}:  Indeterminate,
	{RadLex, "RID28472"}:  Present,
	{RadLex, "RID28473"}:  Absent,
	{RadLex, "RID39110"}:  Indeterminate,
}

// PresenceOf returns the presence value a coding stands for: a SNOMED CT
// or RadLex presence qualifier, an interpretation code (POS, NEG, IND in
// v3-ObservationInterpretation; A, AA, N in HL7 v2 table 0078), or, with
// no system, one of the words present, absent, indeterminate, positive,
// negative.
func PresenceOf(c Coding) (Presence, bool) {
	if k, ok := c.key(); ok {
		p, ok := presenceCodes[k]
		return p, ok
	}
	sys := strings.ToLower(strings.TrimSpace(c.System))
	code := strings.ToUpper(strings.TrimSpace(c.Code))
	switch sys {
	case "", "http://terminology.hl7.org/codesystem/v3-observationinterpretation",
		"http://terminology.hl7.org/codesystem/v2-0078", "hl70078", "v3-observationinterpretation":
	default:
		return "", false
	}
	switch code {
	case "POS", "A", "AA", "DET", "PRESENT", "POSITIVE":
		return Present, true
	case "NEG", "N", "ND", "ABSENT", "NEGATIVE":
		return Absent, true
	case "IND", "INDETERMINATE":
		return Indeterminate, true
	}
	return "", false
}

// ParsePresence reads a presence word: present, absent or indeterminate
// (also positive and negative), case ignored.
func ParsePresence(s string) (Presence, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "present", "positive":
		return Present, true
	case "absent", "negative":
		return Absent, true
	case "indeterminate":
		return Indeterminate, true
	}
	return "", false
}
