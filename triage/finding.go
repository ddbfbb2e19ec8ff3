package triage

import "time"

// A Finding is one result of an AI algorithm on a study: something the
// algorithm looks for, and whether it found it.
type Finding struct {
	Code       string    `json:"code"`                // what is looked for, in the algorithm's terms: "PE", "ICH"
	Display    string    `json:"display"`             // the same for people: "Pulmonary embolism"
	Positive   bool      `json:"positive"`            // found (true), or looked for and not found (false)
	Confidence float64   `json:"confidence"`          // the algorithm's confidence, 0 to 1
	Algorithm  Algorithm `json:"algorithm"`           // what produced the finding
	Location   string    `json:"location,omitempty"`  // where in the study: "right lower lobe, image 112"
	ViewerURL  string    `json:"viewerUrl,omitempty"` // the finding in the AI vendor's viewer
	ProducedAt time.Time `json:"producedAt"`          // when the algorithm produced it
}

// An Algorithm identifies the AI algorithm that produced a finding. Rules
// refer to it by ID; Name and Version appear in reasons.
type Algorithm struct {
	ID      string `json:"id"`      // stable identifier the AI platform sends: "aidoc-pe"
	Name    string `json:"name"`    // "Incidental PE"
	Version string `json:"version"` // "2.1"
	Vendor  string `json:"vendor"`  // "Aidoc"
}
