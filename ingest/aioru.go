package ingest

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/voorrang/voorrang/hl7"
	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

// AI results in HL7 v2: an ORU^R01 from an AI sender holds one result per
// OBR (OBR-4 the algorithm, OBR-20 the result ID, OBR-22 when it was
// produced) and one finding per OBX that says what was looked for and
// whether it was found:
//
//   - what: OBX-3 as CWE, code^text^system with the alternate coding in
//     components 4 to 6 (59282003^Pulmonary embolism^SCT^RID4834^^RADLEX);
//     the coding systems of HL7 table 0396 (SCT) or the vocabulary's name
//     (RADLEX, RDE for RadElement: RDES194^Acute intracranial
//     hemorrhage^RDE);
//     or, when OBX-3 is a generic LOINC code such as 59776-5 "Procedure
//     findings", the coded value in OBX-5;
//   - whether: a coded presence value in OBX-5 (52101004^Present^SCT,
//     RID28472^present^RADLEX), else the abnormal flag OBX-8 (A, AA, H, HH,
//     POS or DET: found; N, NEG or ND: not found; IND: indeterminate);
//   - how sure: OBX-5 of an NM OBX (0 to 1, or 0 to 100 with OBX-6 "%"),
//     or, for a coded OBX, the NM OBX of the same OBX-4 sub-ID;
//   - OBX-17 the algorithm with version and vendor, an NTE after the OBX
//     the location, an RP OBX the link to the vendor's viewer.
//
// An NM or ST OBX without a flag is a measurement or a note, not a
// finding. A coded OBX with a standard finding code and no presence is
// refused, naming OBX-5.

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

// oruResult is one AI result (OBR) while its segments are read.
type oruResult struct {
	event  worklist.Event
	viewer string
	// scores are the NM OBX without a flag, by OBX-4 sub-ID: the
	// confidence of a coded finding of the same sub-ID.
	scores map[string]score
	subIDs []string // OBX-4 of each finding
}

// A score is the value of an NM OBX without a flag, or why it is no
// confidence, and which OBX it is.
type score struct {
	value float64
	err   error
	obx   int
}

// aiEvents reads the AI results of an ORU^R01.
func (n *normaliser) aiEvents(m *hl7.Message, site string, msgAt time.Time) ([]worklist.Event, error) {
	var results []*oruResult
	var cur *oruResult
	var last *triage.Finding
	obr, obx := 0, 0
	for seg := range m.Segments("") {
		switch seg.Name() {
		case "OBR":
			obr++
			r, err := n.oruResult(m, seg, site, obr, msgAt)
			if err != nil {
				return nil, err
			}
			results = append(results, r)
			cur, last = r, nil
		case "OBX":
			obx++
			if cur == nil {
				return nil, &mapError{hl7.AckError{Segment: "OBX", Sequence: obx, Code: hl7.CodeSegmentSequence, Text: "OBX before any OBR"}}
			}
			f, ok, err := n.finding(seg, obx, cur)
			if err != nil {
				return nil, err
			}
			if ok {
				ai := cur.event.AI
				ai.Findings = append(ai.Findings, f)
				cur.subIDs = append(cur.subIDs, seg.Field(4).String())
				last = &ai.Findings[len(ai.Findings)-1]
			}
		case "NTE":
			switch {
			case last != nil && last.Location == "":
				last.Location = seg.Field(3).Text()
			case last == nil && cur != nil && cur.event.AI.Status == worklist.AIFailed && cur.event.AI.Reason == "":
				cur.event.AI.Reason = limit(seg.Field(3).Text(), maxReason) // why it failed: every panel shows it
			}
		}
	}
	if len(results) == 0 {
		return nil, missing("OBR", 4, "the AI result (OBR)")
	}
	events := make([]worklist.Event, 0, len(results))
	for _, r := range results {
		ai := r.event.AI
		ai.Algorithm.Name, ai.Algorithm.Version, ai.Algorithm.Vendor = limit(ai.Algorithm.Name, 256), limit(ai.Algorithm.Version, 64), limit(ai.Algorithm.Vendor, 256)
		for j := range ai.Findings {
			f := &ai.Findings[j]
			if f.ViewerURL == "" {
				f.ViewerURL = r.viewer
			}
			// Texts every panel is sent are cut as the FHIR route cuts
			// them; a link cut short would lead nowhere, so a longer one is
			// left out.
			f.Display, f.Location = limit(f.Display, 256), limit(f.Location, 256)
			f.Algorithm.Name, f.Algorithm.Version, f.Algorithm.Vendor = limit(f.Algorithm.Name, 256), limit(f.Algorithm.Version, 64), limit(f.Algorithm.Vendor, 256)
			if len(f.ViewerURL) > maxViewerURL {
				f.ViewerURL = ""
			}
			if sc, ok := r.scores[r.subIDs[j]]; ok && f.NoConfidence && r.subIDs[j] != "" {
				if sc.err != nil {
					return nil, &mapError{hl7.AckError{Segment: "OBX", Sequence: sc.obx, Field: 5, Code: hl7.CodeDataType,
						Text: "OBX-5: " + sc.err.Error()}}
				}
				f.Confidence, f.NoConfidence = sc.value, false
			}
		}
		if ai.Status == worklist.AIFailed && ai.Reason == "" {
			ai.Reason = "failed (no reason given)"
		}
		if len(ai.Findings) == 0 && ai.Status == "" {
			return nil, &mapError{hl7.AckError{Segment: "OBX", Code: hl7.CodeRequiredFieldMissing,
				Text: "AI result without a finding (an OBX with a presence: OBX-8 A or N, or a coded OBX-5)"}}
		}
		events = append(events, r.event)
	}
	return events, nil
}

// oruResult starts the result of an OBR.
func (n *normaliser) oruResult(m *hl7.Message, seg hl7.Segment, site string, obr int, msgAt time.Time) (*oruResult, error) {
	acc, err := n.accession(m, group{"OBR": seg})
	if err != nil {
		return nil, err
	}
	id := seg.Field(20).String()
	if id == "" {
		id = m.Get("MSH-3") + "-" + m.ControlID() + "-" + strconv.Itoa(obr)
	}
	at := firstTime(n.time(seg.Field(22)), msgAt)
	// OBR-25 (table 0123): I, S or O the AI platform has the study and
	// works on it; X it could not produce a result (the reason in an NTE
	// after the OBR).
	var status worklist.AIStatus
	switch strings.ToUpper(seg.Field(25).String()) {
	case "I", "S", "O":
		status = worklist.AIPending
	case "X":
		status = worklist.AIFailed
	}
	return &oruResult{
		event: worklist.Event{Kind: worklist.AIResultReceived, Site: site, Accession: acc, At: at,
			AI: &worklist.AIResult{ID: id, ProducedAt: at, Status: status, Algorithm: triage.Algorithm{
				ID: seg.Field(4).Component(1).String(), Name: seg.Field(4).Component(2).String()}}},
		scores: map[string]score{},
	}, nil
}

// genericFinding reports whether an OBX-3 code only says "findings",
// leaving what was found to OBX-5.
func genericFinding(c triage.Coding) bool {
	switch strings.ToUpper(c.System) {
	case "LN", "LOINC", "HTTP://LOINC.ORG":
		return true
	}
	return c.Code == "59776-5" || c.Code == "18782-3" // Procedure findings; Radiology Study observation
}

// codings reads a CWE or CE field: the coding and the alternate coding
// of each repetition (an OBX-5 may repeat: 52101004^Present^SCT~
// RID28472^present^RADLEX says one presence in two vocabularies).
func codings(v hl7.Value) []triage.Coding {
	var cs []triage.Coding
	for rep := range v.Reps() {
		for _, k := range []int{1, 4} {
			if code := rep.Component(k).String(); code != "" {
				cs = append(cs, triage.Coding{Code: code, Display: rep.Component(k + 1).String(), System: rep.Component(k + 2).String()})
			}
		}
		if len(cs) >= maxCodings {
			return cs[:maxCodings]
		}
	}
	return cs
}

// finding reads one OBX of a result: a finding (true), or the viewer link
// or a confidence of another OBX, or nothing Voorrang uses (false).
func (n *normaliser) finding(seg hl7.Segment, obx int, r *oruResult) (triage.Finding, bool, error) {
	fail := func(field int, text string) error {
		return &mapError{hl7.AckError{Segment: "OBX", Sequence: obx, Field: field, Code: hl7.CodeDataType, Text: text}}
	}
	vt := strings.ToUpper(seg.Field(2).String())
	switch vt {
	case "RP":
		if url := seg.Field(5).Component(1).String(); url != "" && r.viewer == "" {
			r.viewer = url
		}
		return triage.Finding{}, false, nil
	case "NM", "ST", "CWE", "CE", "":
	default:
		return triage.Finding{}, false, nil
	}
	var f triage.Finding
	f.Codes = codings(seg.Field(3))
	coded := vt == "CWE" || vt == "CE"
	var value []triage.Coding
	if coded {
		value = codings(seg.Field(5))
	}
	presence, hasPresence := triage.Presence(""), false
	if len(value) > 0 {
		var err error
		if presence, hasPresence, err = presenceIn(value); err != nil {
			return f, false, fail(5, "OBX-5: "+err.Error())
		}
		if !hasPresence && len(f.Codes) > 0 && genericFinding(f.Codes[0]) {
			f.Codes, value = value, nil // OBX-5 is what was found
		}
	}
	if !hasPresence {
		presence, hasPresence = triage.PresenceOf(triage.Coding{Code: seg.Field(8).String()})
		if flag := strings.ToUpper(seg.Field(8).String()); flag == "H" || flag == "HH" {
			presence, hasPresence = triage.Present, true
		}
	}
	f.Code, f.Display, f.Codes = findingCoding(f.Codes)
	if !hasPresence {
		switch {
		case vt == "NM":
			// A score without a flag: the confidence of the coded finding
			// of its sub-ID, if one has it.
			if sub := seg.Field(4).String(); sub != "" {
				c, err := confidence(seg)
				r.scores[sub] = score{value: c, err: err, obx: obx}
			}
			return f, false, nil
		case coded && standardCode(f.Codes):
			if len(value) > 0 {
				return f, false, fail(5, "OBX-5: "+limit(value[0].Code, 32)+" ("+limit(value[0].System, 64)+") is not a presence value; send 52101004^Present^SCT, 2667000^Absent^SCT, RID28472^present^RADLEX ... or OBX-8 A or N")
			}
			return f, false, fail(5, "OBX-5: the presence of "+limit(f.Code, 32)+" is missing (a coded presence value, or OBX-8 A or N)")
		}
		return f, false, nil // not a finding (a measurement, a note)
	}
	if f.Code == "" {
		return f, false, missing("OBX", 3, "the finding code")
	}
	f.Presence, f.Positive = presence, presence == triage.Present
	f.NoConfidence = true
	if vt == "NM" && seg.Field(5).String() != "" {
		c, err := confidence(seg)
		if err != nil {
			return f, false, fail(5, "OBX-5: "+err.Error())
		}
		f.Confidence, f.NoConfidence = c, false
	}
	ai := r.event.AI
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

// presenceIn returns the presence value among codings, if one is. Codings
// that say it in several vocabularies (the repetitions of an OBX-5) must
// agree.
func presenceIn(cs []triage.Coding) (triage.Presence, bool, error) {
	var found triage.Presence
	for _, c := range cs {
		if _, std := c.Standard(); c.System == "" && !std {
			continue // a bare word in a CWE is not a coded presence
		}
		p, ok := triage.PresenceOf(c)
		switch {
		case !ok:
		case found == "":
			found = p
		case p != found:
			return "", false, errors.New("the presence values contradict each other (" + string(found) + " and " + string(p) + ")")
		}
	}
	return found, found != "", nil
}

// standardCode reports whether one of cs is a SNOMED CT, RadLex or
// RadElement code.
func standardCode(cs []triage.Coding) bool {
	for _, c := range cs {
		if _, ok := c.Standard(); ok {
			return true
		}
	}
	return false
}

// confidence reads OBX-5 of an NM OBX as a confidence: 0 to 1, or 0 to
// 100 when OBX-6 says %.
func confidence(seg hl7.Segment) (float64, error) {
	c, err := strconv.ParseFloat(seg.Field(5).String(), 64)
	pct := seg.Field(6).Component(1).String() == "%"
	switch {
	case err != nil:
		return 0, errConfidence
	case pct && c >= 0 && c <= 100:
		return c / 100, nil
	case !pct && c >= 0 && c <= 1:
		return c, nil
	}
	return 0, errConfidence
}

var errConfidence = errors.New("the confidence must be a number from 0 to 1 (or 0 to 100 with OBX-6 %)")
