package ui

import (
	"slices"
	"strings"

	"github.com/voorrang/voorrang/worklist"
)

// A Section is a part of the department's work, such as neuro or chest,
// that a reader may filter the list by.
type Section struct {
	Name       string   `json:"name"`
	Modalities []string `json:"modalities,omitempty"` // any of these; empty: any
	// Procedures are case-insensitive patterns on the procedure code or
	// text, '*' matching any run of characters; empty: any.
	Procedures []string `json:"procedures,omitempty"`
}

// DefaultSections are a common split of a Dutch radiology department.
func DefaultSections() []Section {
	return []Section{
		{Name: "neuro", Procedures: []string{"*hersen*", "*schedel*", "*brain*", "*head*", "*cerebr*", "*wervel*", "*spine*", "*myelum*"}},
		{Name: "chest", Procedures: []string{"*thorax*", "*chest*", "*long*", "*cardio*"}},
		{Name: "abdomen", Procedures: []string{"*abdomen*", "*buik*", "*lever*", "*nier*", "*bekken*", "*pelvis*"}},
		{Name: "msk", Procedures: []string{"*pols*", "*wrist*", "*hand*", "*knie*", "*knee*", "*enkel*", "*ankle*",
			"*heup*", "*hip*", "*schouder*", "*shoulder*", "*voet*", "*foot*", "*elle*", "*elbow*"}},
	}
}

type sections []Section

// SectionOf returns the name of the first of secs that st belongs to, or
// "" when none.
func SectionOf(secs []Section, st *worklist.Study) string {
	for _, s := range secs {
		if s.match(st) {
			return s.Name
		}
	}
	return ""
}

func (ss sections) names() []string {
	names := make([]string, len(ss))
	for i, s := range ss {
		names[i] = s.Name
	}
	return names
}

// matcher returns the filter of the named section.
func (ss sections) matcher(name string) (func(*worklist.Study) bool, bool) {
	i := slices.IndexFunc(ss, func(s Section) bool { return strings.EqualFold(s.Name, name) })
	if i < 0 {
		return nil, false
	}
	sec := ss[i]
	return sec.match, true
}

func (sec Section) match(st *worklist.Study) bool {
	if len(sec.Modalities) > 0 && !slices.ContainsFunc(sec.Modalities, func(m string) bool { return strings.EqualFold(m, st.Modality) }) {
		return false
	}
	if len(sec.Procedures) == 0 {
		return true
	}
	code, text := strings.ToLower(st.ProcedureCode), strings.ToLower(st.ProcedureText)
	for _, p := range sec.Procedures {
		p = strings.ToLower(p)
		if globMatch(p, code) || globMatch(p, text) {
			return true
		}
	}
	return false
}

// globMatch reports whether s matches pattern, where '*' matches any run
// of characters (including none).
func globMatch(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}
