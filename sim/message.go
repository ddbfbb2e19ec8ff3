package sim

import (
	"strconv"
	"strings"
	"time"

	"github.com/voorrang/voorrang/hl7"
)

// A Kind says what a simulated message is.
type Kind string

// The kinds of message the simulator sends.
const (
	KindOrder       Kind = "order"       // ORM^O01 / OMI^O23 NW, scheduled
	KindChange      Kind = "change"      // XO: priority raised
	KindStarted     Kind = "started"     // SC IP
	KindCompleted   Kind = "completed"   // SC CM
	KindCancel      Kind = "cancel"      // CA, OC, DC
	KindAIResult    Kind = "ai-result"   // ORU^R01 from AIPLATFORM
	KindPreliminary Kind = "preliminary" // ORU^R01, OBR-25 P
	KindFinal       Kind = "final"       // ORU^R01, OBR-25 F
)

// A Message is one HL7 v2 message of the simulated feed.
type Message struct {
	At        time.Time // simulated time it is sent
	Kind      Kind
	Site      string
	Accession string
	// Resend is true for a byte-identical repeat of an earlier message,
	// as an interface engine sends when it missed an ACK.
	Resend bool
	// Critical is true for an AI result that the built-in rules make
	// critical (a positive PE or ICH).
	Critical bool
	Data     []byte // the message, segments ended by CR
}

var amsterdam = func() *time.Location {
	if loc, err := time.LoadLocation("Europe/Amsterdam"); err == nil {
		return loc
	}
	return time.FixedZone("CET", 3600)
}()

// ts formats an HL7 timestamp with its UTC offset, in Dutch time, of
// the time the simulated time t is stamped as.
func (w writer) ts(t time.Time) string {
	if w.stamp != nil {
		t = w.stamp(t)
	}
	return t.In(amsterdam).Format("20060102150405-0700")
}

// date formats an HL7 date.
func date(t time.Time) string { return t.Format("20060102") }

func sprintfSide(text, side string) string { return strings.Replace(text, "%s", side, 1) }

// A writer builds one message with the default delimiters.
type writer struct {
	*hl7.Builder
	stamp func(time.Time) time.Time // see Options.Stamp
}

func newWriter(stamp func(time.Time) time.Time) writer {
	return writer{hl7.NewBuilder(hl7.DefaultDelimiters()), stamp}
}

// esc escapes text for use inside a component.
func esc(s string) string { return hl7.Escape(s, hl7.DefaultDelimiters()) }

// subs encodes subcomponents: "van den Berg&van den&Berg".
func subs(parts ...string) string {
	for i, p := range parts {
		parts[i] = esc(p)
	}
	return strings.TrimRight(strings.Join(parts, "&"), "&")
}

// comps encodes components whose values are already encoded.
func comps(parts ...string) string { return strings.TrimRight(strings.Join(parts, "^"), "^") }

// msh writes the header.
func (w writer) msh(app, facility string, at time.Time, msgType []string, id, version string, st *site) {
	w.Segment("MSH")
	w.SetField(3, app)
	w.SetField(4, facility)
	w.SetField(5, "VOORRANG")
	w.SetField(6, facility)
	w.SetField(7, w.ts(at))
	w.SetField(9, msgType...)
	w.SetField(10, id)
	w.SetField(11, "P")
	w.SetField(12, version)
	switch {
	case st == nil: // the AI platform
		w.SetField(15, "AL")
		w.SetField(16, "NE")
	case st.epic:
		w.SetField(17, "NLD")
		w.SetField(18, "UNICODE UTF-8")
	default:
		w.SetField(15, "AL")
		w.SetField(16, "NE")
		w.SetField(17, "NLD")
	}
}

// pid writes the patient as the site's information system knows them.
func (w writer) pid(st *study) {
	p := st.patient
	w.Segment("PID")
	w.SetField(1, "1")
	w.SetRawField(3, comps(esc(p.mrn), "", "", st.site.id, "PI")+"~"+comps(p.bsn, "", "", "NLMINBIZA", "NNNLD"))
	family := esc(p.surname)
	if p.prefix != "" {
		family = subs(p.family(), p.prefix, p.surname)
	}
	w.SetRawField(5, comps(family, esc(p.given), esc(initial(p.given)), "", "", "", "L"))
	w.SetField(7, date(p.birth))
	w.SetField(8, p.sex)
	num := strconv.Itoa(p.number)
	w.SetRawField(11, comps(subs(p.street+" "+num, p.street, num), "", esc(st.site.city), "", p.zip, "NLD", "H"))
	w.SetField(13, p.phone, "PRN", p.phoneKind)
	w.SetField(15, "dut", "Nederlands", "ISO639")
}

// xcn encodes a physician as HL7 XCN with the Dutch AGB code.
func xcn(d doctor) string {
	family := esc(d.family())
	if d.prefix != "" {
		family = subs(d.family(), d.prefix, d.surname)
	}
	return comps(d.id, family, esc(d.initials), "", "", esc(d.title), "", "", "VEKTIS", "L", "", "", "AGB")
}

// pv1 writes the visit.
func (w writer) pv1(st *study) {
	doc := xcn(st.site.doctors[st.kind.dept])
	w.Segment("PV1")
	w.SetField(1, "1")
	w.SetField(2, st.kind.class)
	w.SetRawField(3, st.location)
	switch st.kind.class {
	case "E":
		w.SetField(4, "E")
	case "I":
		w.SetField(4, "R")
		w.SetRawField(7, doc)
	}
	w.SetRawField(8, doc)
	w.SetField(10, st.kind.dept)
	if st.site.epic {
		w.SetField(19, "33"+st.patient.mrn, "", "", st.site.id, "VN")
	} else {
		w.SetField(19, "VN"+st.patient.mrn+"001", "", "", st.site.id, "VN")
	}
}

// initial returns the first letter of a name.
func initial(name string) string {
	for _, r := range name {
		return string(r)
	}
	return ""
}
