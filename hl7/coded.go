package hl7

// A Coded is a coded element (CE, CWE or CNE): a code with its text and
// coding system, and optionally an alternate coding.
type Coded struct {
	Code, Text, System          string
	AltCode, AltText, AltSystem string
}

// Coded reads the value's first repetition as a coded element.
func (v Value) Coded() Coded {
	r := v.Rep(1)
	return Coded{
		Code:      r.Component(1).String(),
		Text:      r.Component(2).String(),
		System:    r.Component(3).String(),
		AltCode:   r.Component(4).String(),
		AltText:   r.Component(5).String(),
		AltSystem: r.Component(6).String(),
	}
}
