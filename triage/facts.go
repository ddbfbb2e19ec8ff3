package triage

import "time"

// Facts are what triage knows about a study: its order, its exam and the
// findings of AI algorithms on it. Codes are those of the HL7 v2 feed; case
// does not matter. A zero time means not known (yet).
type Facts struct {
	Site             string    // the site (MSH-4): an algorithm's mode may differ per site
	Priority         string    // ORC-7.6 or OBR-27.6: S stat, A asap, R routine, P pre-op, T timing critical, C callback; "" if not given
	PatientClass     string    // PV1-2: E emergency, I inpatient, O outpatient, ...
	Modality         string    // DICOM modality: CT, MR, DX, CR, US, NM, ...
	ProcedureCode    string    // the department's procedure code
	ProcedureText    string    // the procedure in words: "CT thorax-abdomen with contrast"
	OrderingLocation string    // the ward or department that ordered the study
	OrderedAt        time.Time // when the order was placed
	CompletedAt      time.Time // when the exam was completed (images ready to read)
	BirthDate        time.Time // the patient's, for an algorithm's intended ages
	Findings         []Finding // AI results, in the order they arrived
}

// start returns the time a rule's wait counts from: the preferred time of
// from if known, else the other of completion and order time, else now.
func (f *Facts) start(from origin, now time.Time) time.Time {
	first, second := f.CompletedAt, f.OrderedAt
	if from == fromOrdered {
		first, second = second, first
	}
	switch {
	case !first.IsZero():
		return first
	case !second.IsZero():
		return second
	}
	return now
}

// waitingSince returns the time f has waited to be read since: its
// completion, else its order time, else the zero time.
func (f *Facts) waitingSince() time.Time {
	if !f.CompletedAt.IsZero() {
		return f.CompletedAt
	}
	return f.OrderedAt
}

// age returns the patient's age in whole years at the exam (its
// completion, else its order, else now), if the birth date is known.
func (f *Facts) age(now time.Time) (int, bool) {
	if f.BirthDate.IsZero() {
		return 0, false
	}
	at := f.start(fromCompleted, now)
	y1, m1, d1 := f.BirthDate.Date()
	y2, m2, d2 := at.Date()
	age := y2 - y1
	if m2 < m1 || m2 == m1 && d2 < d1 {
		age--
	}
	return age, age >= 0
}
