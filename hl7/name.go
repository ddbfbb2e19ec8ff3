package hl7

// A Name is an extended person name (XPN).
//
// The family name (XPN-1, type FN) has subcomponents for the surname
// prefixes that Dutch and other names carry: "van den Berg&van den&Berg"
// is the surname "van den Berg", its own prefix "van den" and own surname
// "Berg"; a partner's name follows in subcomponents 4 and 5.
type Name struct {
	Family        string // FN.1, the surname as written ("van den Berg")
	OwnPrefix     string // FN.2 ("van den")
	OwnSurname    string // FN.3 ("Berg")
	PartnerPrefix string // FN.4
	PartnerName   string // FN.5
	Given         string // XPN-2
	Middle        string // XPN-3: further given names or initials
	Suffix        string // XPN-4 ("jr")
	Prefix        string // XPN-5 ("dr")
	Degree        string // XPN-6
	Type          string // XPN-7 name type code (L legal, D display ...)
}

// Name reads the value's first repetition as an XPN.
func (v Value) Name() Name {
	r := v.Rep(1)
	fn := r.Component(1)
	return Name{
		Family:        fn.Sub(1).String(),
		OwnPrefix:     fn.Sub(2).String(),
		OwnSurname:    fn.Sub(3).String(),
		PartnerPrefix: fn.Sub(4).String(),
		PartnerName:   fn.Sub(5).String(),
		Given:         r.Component(2).String(),
		Middle:        r.Component(3).String(),
		Suffix:        r.Component(4).String(),
		Prefix:        r.Component(5).String(),
		Degree:        r.Component(6).String(),
		Type:          r.Component(7).String(),
	}
}

// IsZero reports whether the name holds nothing.
func (n Name) IsZero() bool { return n == Name{} }
