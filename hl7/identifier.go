package hl7

// An Identifier is an extended composite ID (CX), such as a hospital
// patient number or the Dutch citizen service number (BSN), which senders
// give with the assigning authority NLMINBIZA and type NNNLD.
type Identifier struct {
	ID                 string // CX-1
	CheckDigit         string // CX-2
	CheckDigitScheme   string // CX-3
	AssigningAuthority string // CX-4.1, namespace ID
	AuthorityUID       string // CX-4.2, universal ID (an OID)
	Type               string // CX-5 identifier type code (PI, MR, NNNLD ...)
	AssigningFacility  string // CX-6.1
}

func identifier(r Value) Identifier {
	return Identifier{
		ID:                 r.Component(1).String(),
		CheckDigit:         r.Component(2).String(),
		CheckDigitScheme:   r.Component(3).String(),
		AssigningAuthority: r.Component(4).Sub(1).String(),
		AuthorityUID:       r.Component(4).Sub(2).String(),
		Type:               r.Component(5).String(),
		AssigningFacility:  r.Component(6).Sub(1).String(),
	}
}

// Identifiers reads every repetition of the value as a CX.
func (v Value) Identifiers() []Identifier {
	var ids []Identifier
	for r := range v.Reps() {
		if id := identifier(r); id.ID != "" {
			ids = append(ids, id)
		}
	}
	return ids
}

// Identifier returns the first repetition whose assigning authority or
// identifier type is key (e.g. "NLMINBIZA" for the BSN, or "MR"); an empty
// key returns the first repetition.
func (v Value) Identifier(key string) (Identifier, bool) {
	for r := range v.Reps() {
		id := identifier(r)
		if id.ID == "" {
			continue
		}
		if key == "" || id.AssigningAuthority == key || id.Type == key {
			return id, true
		}
	}
	return Identifier{}, false
}
