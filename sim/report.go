package sim

import (
	"fmt"
	"strconv"
	"time"
)

// reportMessage returns the radiology report of st as ORU^R01 from the
// site's information system: OBR-25 P (preliminary) or F (final), OBR-32
// the principal result interpreter, OBR-33 the resident, one TX OBX per
// paragraph with OBX-11 equal to OBR-25.
func reportMessage(stamp func(time.Time) time.Time, st *study, status string, reader doctor, resident *doctor, id string, at time.Time) []byte {
	s := st.site
	w := newWriter(stamp)
	if s.epic {
		w.msh(s.sender, s.id, at, []string{"ORU", "R01", "ORU_R01"}, id, "2.5.1", s)
	} else {
		w.msh(s.sender, s.id, at, []string{"ORU", "R01", "ORU_R01"}, id, "2.5", s)
	}
	w.pid(st)
	w.pv1(st)
	w.orc(st, orderStatus{control: "RE", status: "CM"}, at)
	w.obr(st, at, status)
	w.SetRawField(32, interpreter(reader))
	if resident != nil {
		w.SetRawField(33, interpreter(*resident))
	}
	for i, p := range st.reportText(status) {
		w.Segment("OBX")
		w.SetField(1, strconv.Itoa(i+1))
		w.SetField(2, "TX")
		w.SetField(3, p.code, p.name, "LN")
		w.SetField(5, p.text)
		w.SetField(11, status)
		w.SetField(14, w.ts(at))
	}
	return w.Bytes()
}

// interpreter encodes a radiologist as OBR-32/33 (NDL) subcomponents:
// "03011111&Jansen&P.&&&dr.".
func interpreter(d doctor) string {
	return subs(d.id, d.family(), d.initials, "", "", d.title)
}

// A paragraph is one OBX of a report.
type paragraph struct {
	code, name, text string
}

func findings(text string) paragraph {
	return paragraph{"18782-3", "Radiologie verslag", text}
}

func conclusion(text string) paragraph {
	return paragraph{"19005-8", "Radiologie conclusie", text}
}

// confirmed says in the report what a positive AI finding was.
var confirmed = map[string]string{
	"PE":      "Vullingsdefect in een pulmonale arterie, passend bij longembolie (%s).",
	"ICH":     "Acute intracraniele bloeding (%s).",
	"FX":      "Fractuur (%s).",
	"NODULE":  "Solitaire longnodus (%s), controle over 3 maanden geadviseerd.",
	"BONEAGE": "Botleeftijd afwijkend van de kalenderleeftijd (%s).",
}

// reportText returns the report's paragraphs; a positive AI finding
// is confirmed in them.
func (st *study) reportText(status string) []paragraph {
	ps := []paragraph{
		findings("Klinische gegevens: " + st.question),
		findings("Techniek: " + st.procedureText() + "."),
	}
	concl := "Conclusie: geen afwijkingen die de klinische vraag verklaren."
	if r := st.result; r != nil && r.positive {
		text := fmt.Sprintf(confirmed[r.alg.code], r.location)
		ps = append(ps, findings("Bevindingen:\n"+text))
		concl = "Conclusie: " + text
		if r.alg == aidocPE || r.alg == aidocICH {
			concl += "\nBevinding telefonisch doorgegeven aan de aanvrager."
		}
	} else {
		ps = append(ps, findings("Bevindingen: geen acute afwijkingen."))
	}
	ps = append(ps, conclusion(concl))
	if status == "P" {
		ps = append(ps, conclusion("Voorlopig verslag, nog niet geautoriseerd."))
	}
	return ps
}
