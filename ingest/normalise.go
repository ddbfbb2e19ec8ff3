package ingest

import (
	"fmt"
	"strings"
	"time"

	"github.com/voorrang/voorrang/hl7"
	"github.com/voorrang/voorrang/worklist"
)

// A mapError is a message that parses but cannot be applied: it names
// where the problem is for the ERR segment.
type mapError struct {
	hl7.AckError
}

func (e *mapError) Error() string { return e.Text }

func missing(seg string, field int, what string) error {
	return &mapError{hl7.AckError{Segment: seg, Sequence: 1, Field: field, Code: hl7.CodeRequiredFieldMissing,
		Text: fmt.Sprintf("%s-%d: %s is missing", seg, field, what)}}
}

// group is one order group of a message: an ORC or OBR with the segments
// that belong to it.
type group map[string]hl7.Segment

// value reads p within the group's segment of that name, or, for segments
// outside groups (MSH, PID, PV1), from the message.
func (g group) value(m *hl7.Message, p hl7.Path) hl7.Value {
	seg, ok := g[p.Segment]
	if !ok {
		if seg, ok = m.Segment(p.Segment); !ok {
			return hl7.Value{}
		}
	}
	v := seg.Field(p.Field).Rep(max(p.Repetition, 1))
	if p.Component > 0 {
		v = v.Component(p.Component)
		if p.Sub > 0 {
			v = v.Sub(p.Sub)
		}
	}
	return v
}

func (g group) first(m *hl7.Message, paths []hl7.Path) string {
	for _, p := range paths {
		if s := g.value(m, p).String(); s != "" {
			return s
		}
	}
	return ""
}

func (g group) get(m *hl7.Message, path string) hl7.Value {
	p, err := hl7.ParsePath(path)
	if err != nil {
		panic(err)
	}
	return g.value(m, p)
}

// groups splits a message's orders: a group starts at each ORC (or at an
// OBR with no ORC before it since the last group) and holds the OBR, IPC
// and TQ1 segments up to the next one.
func groups(m *hl7.Message) []group {
	var gs []group
	var cur group
	for seg := range m.Segments("") {
		name := seg.Name()
		switch {
		case name == "ORC" || name == "OBR" && (cur == nil || hasSeg(cur, "OBR")):
			cur = group{name: seg}
			gs = append(gs, cur)
		case cur != nil && (name == "OBR" || name == "IPC" || name == "TQ1" || name == "ZDS"):
			if _, ok := cur[name]; !ok {
				cur[name] = seg
			}
		}
	}
	return gs
}

func hasSeg(g group, name string) bool { _, ok := g[name]; return ok }

// normaliser turns messages into events.
type normaliser struct {
	mapping Mapping
}

// events returns the events a message stands for.
func (n *normaliser) events(m *hl7.Message) ([]worklist.Event, error) {
	site := m.Value(n.mapping.Site).String()
	if site == "" {
		return nil, missing(n.mapping.Site.Segment, n.mapping.Site.Field, "the site (sending facility)")
	}
	at := n.time(m.SegmentAt(0).Field(7))
	code, _, _ := m.Type()
	switch code {
	case "ADT":
		p := n.patient(m, site)
		if p.MRN == "" {
			return nil, missing("PID", 3, "the patient identifier")
		}
		return []worklist.Event{{Kind: worklist.PatientUpdated, Site: site, At: at, Patient: &p}}, nil
	case "ORU":
		if n.isAI(m) {
			return n.aiEvents(m, site, at)
		}
		return n.reportEvents(m, site, at)
	}
	return n.orderEvents(m, site, at)
}

func (n *normaliser) accession(m *hl7.Message, g group) (string, error) {
	acc := g.first(m, n.mapping.Accession)
	if acc == "" {
		names := make([]string, len(n.mapping.Accession))
		for i, p := range n.mapping.Accession {
			names[i] = p.String()
		}
		p := n.mapping.Accession[0]
		return "", &mapError{hl7.AckError{Segment: p.Segment, Sequence: 1, Field: p.Field, Code: hl7.CodeRequiredFieldMissing,
			Text: "accession number is missing (looked in " + strings.Join(names, ", ") + ")"}}
	}
	return acc, nil
}

func (n *normaliser) orderEvents(m *hl7.Message, site string, msgAt time.Time) ([]worklist.Event, error) {
	gs := groups(m)
	if len(gs) == 0 || !hasSeg(gs[0], "ORC") {
		return nil, &mapError{hl7.AckError{Segment: "ORC", Code: hl7.CodeSegmentSequence,
			Text: "an order message needs an ORC segment with its OBR"}}
	}
	patient := n.patient(m, site)
	var events []worklist.Event
	for _, g := range gs {
		if !hasSeg(g, "OBR") && !hasSeg(g, "IPC") {
			return nil, &mapError{hl7.AckError{Segment: "OBR", Code: hl7.CodeSegmentSequence,
				Text: "order group without an OBR segment"}}
		}
		acc, err := n.accession(m, g)
		if err != nil {
			return nil, err
		}
		kind, err := orderKind(g.get(m, "ORC-1").String(), g.get(m, "ORC-5").String())
		if err != nil {
			return nil, err
		}
		at := firstTime(n.time(g.get(m, "ORC-9")), n.time(g.get(m, "OBR-22")), msgAt)
		o := &worklist.Order{
			Patient:          patient,
			PatientClass:     g.get(m, "PV1-2").String(),
			Priority:         g.first(m, n.mapping.Priority),
			Modality:         firstString(g.get(m, "OBR-24").String(), g.get(m, "IPC-5.1").String()),
			ProcedureCode:    g.get(m, "OBR-4.1").String(),
			ProcedureText:    g.get(m, "OBR-4.2").String(),
			OrderingLocation: g.get(m, "PV1-3.1").String(),
			StudyUID:         firstString(g.get(m, "IPC-3").String(), g.get(m, "ZDS-1.1").String()),
		}
		if kind == worklist.OrderPlaced {
			o.OrderedAt = at
		}
		if kind == worklist.ExamCompleted {
			o.CompletedAt = firstTime(n.time(g.get(m, "OBR-8")), at)
		}
		events = append(events, worklist.Event{Kind: kind, Site: site, Accession: acc, At: at, Order: o})
	}
	return events, nil
}

// orderKind maps order control (ORC-1) and order status (ORC-5) to an
// event; the status, when given, says most.
func orderKind(control, status string) (worklist.EventKind, error) {
	switch status {
	case "CM":
		return worklist.ExamCompleted, nil
	case "IP":
		return worklist.ExamStarted, nil
	case "CA", "DC":
		return worklist.OrderCancelled, nil
	}
	switch control {
	case "NW":
		return worklist.OrderPlaced, nil
	case "XO", "XR", "OK", "SN", "NA", "RO":
		return worklist.OrderChanged, nil
	case "SC":
		if status == "SC" {
			return worklist.OrderScheduled, nil
		}
		return worklist.OrderChanged, nil
	case "CA", "OC", "DC", "CR", "OD", "DR":
		return worklist.OrderCancelled, nil
	case "":
		return "", missing("ORC", 1, "the order control code")
	}
	return "", &mapError{hl7.AckError{Segment: "ORC", Sequence: 1, Field: 1, Code: hl7.CodeTableValueNotFound,
		Text: fmt.Sprintf("order control %q is not one Voorrang acts on (NW, XO, SC, CA, OC, DC)", control)}}
}

func (n *normaliser) reportEvents(m *hl7.Message, site string, msgAt time.Time) ([]worklist.Event, error) {
	var events []worklist.Event
	seenOBR := false
	for _, g := range groups(m) {
		if !hasSeg(g, "OBR") {
			continue
		}
		seenOBR = true
		acc, err := n.accession(m, g)
		if err != nil {
			return nil, err
		}
		var kind worklist.EventKind
		switch st := g.get(m, "OBR-25").String(); st {
		case "P":
			kind = worklist.ReportPreliminary
		case "F":
			kind = worklist.ReportFinal
		case "C":
			kind = worklist.ReportCorrected
		case "X":
			kind = worklist.OrderCancelled
		case "":
			return nil, missing("OBR", 25, "the result status")
		default:
			continue // I, S, R, A: nothing that changes the reading list
		}
		at := firstTime(n.time(g.get(m, "OBR-22")), msgAt)
		reader := firstString(g.get(m, "OBR-32.1.2").String(), g.get(m, "OBR-32.1.1").String())
		events = append(events, worklist.Event{Kind: kind, Site: site, Accession: acc, At: at,
			Report: &worklist.Report{Reader: reader}})
	}
	if len(events) == 0 && !seenOBR {
		return nil, &mapError{hl7.AckError{Segment: "OBR", Code: hl7.CodeSegmentSequence,
			Text: "report without an OBR segment"}}
	}
	// A report whose status changes nothing on the list (I, S, R, A) is
	// accepted with no event.
	return events, nil
}

// patient reads PID: the MRN (the identifier the site assigns, PI or MR),
// the BSN, the name with its Dutch prefix, birth date and sex.
func (n *normaliser) patient(m *hl7.Message, site string) worklist.Patient {
	pid, ok := m.Segment("PID")
	if !ok {
		return worklist.Patient{}
	}
	ids := pid.Field(3)
	var p worklist.Patient
	for _, key := range []string{site, "PI", "MR", ""} {
		if id, ok := ids.Identifier(key); ok && id.AssigningAuthority != "NLMINBIZA" {
			p.MRN = id.ID
			break
		}
	}
	if bsn, ok := ids.Identifier("NLMINBIZA"); ok {
		p.BSN = bsn.ID
	}
	name := pid.Field(5).Name()
	p.Family, p.Prefix, p.Surname = name.Family, name.OwnPrefix, name.OwnSurname
	p.Given, p.Initials = name.Given, name.Middle
	if t, err := pid.Field(7).Time(n.mapping.Location); err == nil && !t.IsZero() {
		p.BirthDate = t.Format("2006-01-02")
	}
	p.Sex = pid.Field(8).String()
	return p
}

// time reads a timestamp; a malformed one reads as zero (the caller falls
// back to another time) rather than refusing a message over it.
func (n *normaliser) time(v hl7.Value) time.Time {
	t, err := v.Time(n.mapping.Location)
	if err != nil {
		return time.Time{}
	}
	return t.Time
}

func firstTime(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}

func firstString(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
