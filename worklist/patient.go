package worklist

// Patient holds the demographics the panel shows.
type Patient struct {
	MRN       string `json:"mrn,omitempty"`
	BSN       string `json:"bsn,omitempty"`
	Family    string `json:"family,omitempty"`    // surname as written, "van den Berg"
	Prefix    string `json:"prefix,omitempty"`    // own surname prefix, "van den"
	Surname   string `json:"surname,omitempty"`   // own surname, "Berg"
	Given     string `json:"given,omitempty"`     // given name
	Initials  string `json:"initials,omitempty"`  // further given names or initials
	BirthDate string `json:"birthDate,omitempty"` // YYYY-MM-DD
	Sex       string `json:"sex,omitempty"`       // M, F, O, U
}

func (p Patient) isZero() bool { return p == Patient{} }

// mergePatient overwrites a's fields with b's non-empty ones.
func mergePatient(a, b Patient) Patient {
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&a.MRN, b.MRN)
	set(&a.BSN, b.BSN)
	if b.Family != "" { // a name is replaced whole
		a.Family, a.Prefix, a.Surname, a.Given, a.Initials = b.Family, b.Prefix, b.Surname, b.Given, b.Initials
	}
	set(&a.BirthDate, b.BirthDate)
	set(&a.Sex, b.Sex)
	return a
}
