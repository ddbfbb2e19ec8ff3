package triage

import "time"

// A Finding is one result of an AI algorithm on a study: something the
// algorithm looks for, and whether it found it.
type Finding struct {
	// Code is what is looked for, as sent: the vendor's own code ("PE")
	// or a standard one ("59282003"); the first of Codes when they are
	// given.
	Code string `json:"code"`
	// Codes are every coding the finding was sent with (SNOMED CT,
	// RadLex, RadElement, the vendor's), which triage resolves to a
	// concept; empty when only Code was sent.
	Codes   []Coding `json:"codes,omitempty"`
	Display string   `json:"display"` // the same for people: "Pulmonary embolism"
	// Presence says whether it was found; empty in results stored before
	// presence was coded, whose Positive says it.
	Presence Presence `json:"presence,omitempty"`
	Positive bool     `json:"positive"` // Presence is present
	// Confidence is the algorithm's confidence, 0 to 1, unless
	// NoConfidence says the result gave none.
	Confidence   float64   `json:"confidence"`
	NoConfidence bool      `json:"noConfidence,omitempty"`
	Algorithm    Algorithm `json:"algorithm"`           // what produced the finding
	Location     string    `json:"location,omitempty"`  // where in the study: "right lower lobe, image 112"
	ViewerURL    string    `json:"viewerUrl,omitempty"` // the finding in the AI vendor's viewer
	ProducedAt   time.Time `json:"producedAt"`          // when the algorithm produced it
}

// Is returns the finding's presence: Presence, or for a finding stored
// before presence was coded, present or absent as Positive says.
func (f *Finding) Is() Presence {
	switch {
	case f.Presence != "":
		return f.Presence
	case f.Positive:
		return Present
	}
	return Absent
}

// codings returns the finding's codes, with Code as a coding of no
// system when Codes does not hold it.
func (f *Finding) codings() []Coding {
	if f.Code == "" {
		return f.Codes
	}
	for _, c := range f.Codes {
		if c.Code == f.Code {
			return f.Codes
		}
	}
	return append([]Coding{{Code: f.Code}}, f.Codes...)
}

// An Algorithm identifies the AI algorithm that produced a finding. Rules
// refer to it by ID; Name and Version appear in reasons.
type Algorithm struct {
	ID      string `json:"id"`      // stable identifier the AI platform sends: "aidoc-pe"
	Name    string `json:"name"`    // "Incidental PE"
	Version string `json:"version"` // "2.1"
	Vendor  string `json:"vendor"`  // "Aidoc"
}
