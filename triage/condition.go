package triage

import (
	"strings"
	"unicode/utf8"
)

// A condition is the "when" of a rule: every field that is set must hold,
// and a field holds when any of its values does. Case is ignored.
type condition struct {
	priority     []string
	patientClass []string
	modality     []string
	procedure    []pattern // against the procedure code or text
	location     []pattern // against the ordering location
}

// match reports whether the condition holds for f.
func (c *condition) match(f *Facts) bool {
	return anyEqual(c.priority, f.Priority) &&
		anyEqual(c.patientClass, f.PatientClass) &&
		anyEqual(c.modality, f.Modality) &&
		anyMatch(c.procedure, f.ProcedureCode, f.ProcedureText) &&
		anyMatch(c.location, f.OrderingLocation, "")
}

// empty reports whether the condition holds for every study.
func (c *condition) empty() bool {
	return len(c.priority)+len(c.patientClass)+len(c.modality)+len(c.procedure)+len(c.location) == 0
}

// code returns the reason code of a rule with this condition: the most
// specific fact it looks at.
func (c *condition) code() string {
	switch {
	case len(c.procedure) > 0:
		return ReasonProcedure
	case len(c.modality) > 0:
		return ReasonModality
	case len(c.location) > 0:
		return ReasonLocation
	case len(c.priority) > 0:
		return ReasonPriority
	case len(c.patientClass) > 0:
		return ReasonPatientClass
	}
	return ReasonRule
}

// anyEqual reports whether s equals one of values, ignoring case, or values
// is empty.
func anyEqual(values []string, s string) bool {
	if len(values) == 0 {
		return true
	}
	for _, v := range values {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// anyMatch reports whether one of patterns matches a or b (when b is not
// empty), or patterns is empty.
func anyMatch(patterns []pattern, a, b string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if p.match(a) || b != "" && p.match(b) {
			return true
		}
	}
	return false
}

// A pattern matches a whole string, ignoring case; a * in it stands for any
// run of characters, so "*head*" matches "CT Head without contrast". It is
// kept as the literal parts between the stars: "*head*" is {"", "head", ""}.
type pattern []string

func newPattern(s string) pattern {
	return strings.Split(s, "*")
}

func (p pattern) match(s string) bool {
	if len(p) == 1 {
		return strings.EqualFold(p[0], s)
	}
	first, last := p[0], p[len(p)-1]
	if len(s) < len(first)+len(last) ||
		!strings.EqualFold(s[:len(first)], first) ||
		!strings.EqualFold(s[len(s)-len(last):], last) {
		return false
	}
	s = s[len(first) : len(s)-len(last)]
	for _, part := range p[1 : len(p)-1] {
		i := indexFold(s, part)
		if i < 0 {
			return false
		}
		s = s[i+len(part):]
	}
	return true
}

// indexFold returns the index of the first instance of sub in s, ignoring
// case, or -1.
func indexFold(s, sub string) int {
	if sub == "" {
		return 0
	}
	for i := 0; i+len(sub) <= len(s); i++ {
		if utf8.RuneStart(s[i]) && strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}
