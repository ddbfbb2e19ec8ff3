package sim

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"
)

// aiMessage returns the AI platform's result for st as ORU^R01 (see
// testdata/hl7/zhwest_oru_ai_pe_positive.hl7): OBR-3 the accession (and
// OBR-18 at ZHWEST), OBR-4 the algorithm, OBR-20 the result id, one NM OBX
// with the finding, an NTE with its location when positive, and an RP OBX
// with the viewer link. PID holds only what the platform copies from DICOM.
func aiMessage(stamp func(time.Time) time.Time, st *study, id string) []byte {
	r := st.result
	s := st.site
	at := r.produced
	w := newWriter(stamp)
	w.msh("AIPLATFORM", s.id, at.Add(2*time.Second), []string{"ORU", "R01", "ORU_R01"}, id, "2.5", nil)
	w.Segment("PID")
	w.SetField(1, "1")
	w.SetField(3, st.patient.mrn, "", "", s.id, "PI")
	w.SetField(5, st.patient.family(), st.patient.given)
	w.SetField(7, date(st.patient.birth))
	w.SetField(8, st.patient.sex)
	w.Segment("OBR")
	w.SetField(1, "1")
	w.SetField(3, st.accession)
	w.SetField(4, r.alg.id, r.alg.name, "AI")
	w.SetField(7, w.ts(st.started))
	if !s.epic {
		w.SetField(18, st.accession)
	}
	w.SetField(20, r.id)
	w.SetField(22, w.ts(at))
	w.SetField(24, st.kind.proc.modality)
	w.SetField(25, "F")
	flag := "N"
	if r.positive {
		flag = "A"
	}
	w.Segment("OBX")
	w.SetField(1, "1")
	w.SetField(2, "NM")
	w.SetField(3, r.alg.code, r.display, "AI")
	w.SetField(5, strconv.FormatFloat(r.confidence, 'f', 2, 64))
	w.SetField(8, flag)
	w.SetField(11, "F")
	w.SetField(14, w.ts(at))
	w.SetField(17, r.alg.id, r.alg.name, "AI", r.alg.version, r.alg.vendor)
	if r.positive && r.location != "" {
		w.Segment("NTE")
		w.SetField(1, "1")
		w.SetField(2, "L")
		w.SetField(3, r.location)
	}
	w.Segment("OBX")
	w.SetField(1, "2")
	w.SetField(2, "RP")
	w.SetField(3, "VIEWER", "AI result viewer", "AI")
	w.SetField(5, "https://ai.example.org/viewer/"+r.id+"?study="+st.accession+"&view=1", "AIPLATFORM", "TEXT", "HTML")
	w.SetField(11, "F")
	w.SetField(14, w.ts(at))
	return w.Bytes()
}

// drawResult decides what the algorithm of st's kind will find.
func drawResult(r *rand.Rand, st *study, positive bool, id string, produced time.Time) *aiResult {
	alg := st.kind.ai
	res := &aiResult{alg: alg, id: id, positive: positive, produced: produced, display: alg.display}
	if positive {
		res.confidence = 0.75 + 0.23*r.Float64()
		locs := alg.locations[st.kind.proc.west]
		if locs == nil {
			locs = alg.locations[""]
		}
		side := map[string]string{"links": "left", "rechts": "right"}[st.side]
		res.location = sprintfSide(locs[r.IntN(len(locs))], side)
		if st.kind.proc.modality == "CT" {
			res.location += fmt.Sprintf(" (image %d)", 20+r.IntN(200))
		}
	} else {
		res.confidence = 0.01 + 0.14*r.Float64()
	}
	if alg == gleamerBA {
		res.display = boneAge(r, st, positive)
		if !positive {
			res.location = ""
		}
	}
	return res
}

// boneAge returns the display of a bone age result: advanced by one to two
// years when positive, within a few months otherwise.
func boneAge(r *rand.Rand, st *study, advanced bool) string {
	months := int(st.completed.Sub(st.patient.birth).Hours() / 24 / 30.44)
	bone := months - 3 + r.IntN(7)
	if advanced {
		bone = months + 12 + r.IntN(13)
	}
	return fmt.Sprintf("Bone age %d y %d m (Greulich & Pyle), chronological age %d y %d m",
		bone/12, bone%12, months/12, months%12)
}
