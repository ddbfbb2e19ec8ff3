package sim

import (
	"time"
)

// orderStatus is what an order message says: ORC-1 order control, ORC-5
// order status, and for a cancel or change ORC-16 the reason.
type orderStatus struct {
	control, status, reason string
}

var (
	statusNew       = orderStatus{control: "NW", status: "SC"}
	statusStarted   = orderStatus{control: "SC", status: "IP"}
	statusCompleted = orderStatus{control: "SC", status: "CM"}
)

// orderMessage returns an order message of st at time at: ORM^O01 v2.4
// from HiX (accession in OBR-18 and ORC-3/OBR-3, ZDS with the study UID)
// or OMI^O23 v2.5.1 from Epic (accession in ORC-3/OBR-3 and IPC-1, TQ1
// with the priority); Epic sends a cancel by the filler as ORM^O01.
func orderMessage(stamp func(time.Time) time.Time, st *study, os orderStatus, id string, at time.Time) []byte {
	s := st.site
	w := newWriter(stamp)
	switch {
	case !s.epic:
		w.msh(s.sender, s.id, at, []string{"ORM", "O01"}, id, "2.4", s)
	case os.control == "OC" || os.control == "DC":
		w.msh(s.sender, s.id, at, []string{"ORM", "O01", "ORM_O01"}, id, "2.5.1", s)
	default:
		w.msh(s.sender, s.id, at, []string{"OMI", "O23", "OMI_O23"}, id, "2.5.1", s)
	}
	w.pid(st)
	w.pv1(st)
	w.orc(st, os, at)
	omi := s.epic && os.control != "OC" && os.control != "DC"
	if omi {
		w.Segment("TQ1")
		w.SetField(1, "1")
		w.SetField(7, w.ts(st.scheduled))
		w.SetField(9, st.priority)
	}
	w.obr(st, at, "")
	if omi {
		w.ipc(st)
	}
	if !s.epic {
		w.Segment("ZDS")
		w.SetField(1, st.uid(), s.sender, "Application", "DICOM")
	}
	return w.Bytes()
}

// orc writes the common order segment.
func (w writer) orc(st *study, os orderStatus, at time.Time) {
	s := st.site
	w.Segment("ORC")
	w.SetField(1, os.control)
	w.SetField(2, st.placer, s.sender)
	w.SetField(3, st.accession, s.sender)
	w.SetField(5, os.status)
	w.SetField(7, "", "", "", w.ts(st.scheduled), "", st.priority)
	w.SetField(9, w.ts(at))
	w.SetRawField(12, xcn(s.doctors[st.kind.dept]))
	w.SetRawField(13, st.location)
	if os.reason != "" {
		w.SetField(16, "", os.reason)
	}
	w.SetField(17, s.id, s.name)
}

// obr writes the observation request; resultStatus is OBR-25 ("" for
// orders).
func (w writer) obr(st *study, at time.Time, resultStatus string) {
	s := st.site
	w.Segment("OBR")
	w.SetField(1, "1")
	w.SetField(2, st.placer, s.sender)
	w.SetField(3, st.accession, s.sender)
	w.SetField(4, st.procedureCode(), st.procedureText(), s.codeSystem)
	if !st.started.IsZero() && !at.Before(st.started) {
		w.SetField(7, w.ts(st.started))
	}
	if !st.completed.IsZero() && !at.Before(st.completed) {
		w.SetField(8, w.ts(st.completed))
	}
	w.SetField(13, st.question)
	w.SetRawField(16, xcn(s.doctors[st.kind.dept]))
	if !s.epic {
		w.SetField(18, st.accession)
		w.SetField(19, "RP"+st.accession)
	}
	w.SetField(22, w.ts(at))
	w.SetField(24, st.kind.proc.modality)
	w.SetField(25, resultStatus)
	w.SetField(27, "", "", "", w.ts(st.scheduled), "", st.priority)
	w.SetField(30, st.transport())
	w.SetField(31, "", st.question)
	w.SetField(36, w.ts(st.scheduled))
}

var modalityNames = map[string]string{
	"CT": "Computed Tomography", "MR": "Magnetic Resonance", "DX": "Digital Radiography", "US": "Ultrasound",
}

// ipc writes Epic's imaging procedure control segment.
func (w writer) ipc(st *study) {
	s := st.site
	mod := st.kind.proc.modality
	station := mod + "OOST1"
	if st.kind.class == "E" && mod == "DX" {
		station = "DXSEH1"
	}
	w.Segment("IPC")
	w.SetField(1, st.accession, s.sender)
	w.SetField(2, "RP"+st.accession, s.sender)
	w.SetField(3, st.uid())
	w.SetField(4, "SPS"+st.accession, s.sender)
	w.SetField(5, mod, modalityNames[mod], "DCM")
	w.SetField(7, station)
	w.SetField(9, station)
}

// transport is how the patient comes to the department (OBR-30).
func (st *study) transport() string {
	switch {
	case st.kind.class != "I":
		return "WALK"
	case st.kind.proc.modality == "DX":
		return "PORT" // bedside
	}
	return "BED"
}
