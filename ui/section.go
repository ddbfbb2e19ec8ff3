package ui

import (
	"slices"
	"strings"
	"unicode"

	"github.com/voorrang/voorrang/worklist"
)

// A Section is a part of the department's work, such as neuro or chest,
// that a reader may filter the list by. Several Sections of one name are
// one section in parts: a study is in it when it matches any part.
type Section struct {
	Name       string   `json:"name,omitempty"`
	Modalities []string `json:"modalities,omitempty"` // any of these; empty: any
	// Words are words of the procedure text, case ignored: "knie" matches
	// "MR knie rechts" but not "Echo nieren"; a '*' matches any run of
	// letters within one word ("wervel*" matches "wervelkolom").
	Words []string `json:"words,omitempty"`
	// Procedures are case-insensitive patterns on the whole procedure
	// code or text, '*' matching any run of characters.
	Procedures []string `json:"procedures,omitempty"`
	// With neither Words nor Procedures, every procedure of the
	// Modalities matches.
}

// DefaultSections are a common split of a Dutch radiology department,
// matched on the words of the procedure text in Dutch and English (never
// on codes, whose letters say little: MRKNIER is a knee). A pelvis is MSK
// on a radiograph and abdomen on CT, MR or ultrasound.
func DefaultSections() []Section {
	return []Section{
		{Name: "neuro", Words: []string{
			"hersenen", "hersens", "brein", "brain", "head", "hoofd", "schedel", "skull", "cerebrum", "cerebraal", "cerebral",
			"wervelkolom", "wervel*", "cwk", "twk", "lwk", "spine", "spinal", "myelum", "myelografie",
			"orbita", "orbitae", "orbits", "hypofyse", "pituitary", "rotsbeen*", "mastoid", "aangezicht", "face", "facial",
			"sinus", "sinussen", "sinuses", "hals*", "neck", "willis", "stroke", "cva"}},
		{Name: "chest", Words: []string{
			"thorax*", "chest", "long", "longen", "longembolie", "lung", "lungs", "pulmonary", "pulmonaal", "pulmonalis",
			"hrct", "mediastinum", "hart", "heart", "cardiac", "cardio*", "coronair*", "coronary"}},
		{Name: "abdomen", Words: []string{
			"abdomen", "abdominaal", "abdominal", "buik*", "bovenbuik", "onderbuik", "lever", "liver", "nier", "nieren",
			"kidney", "kidneys", "renal", "blaas", "galblaas", "bladder", "gallbladder", "galwegen", "biliary", "mrcp",
			"pancreas", "milt", "spleen", "colon", "darm", "darmen", "bowel", "enterografie", "enterography",
			"prostaat", "prostate", "rectum", "uterus", "ovaria", "appendix", "liesbreuk"}},
		{Name: "abdomen", Modalities: []string{"CT", "MR", "US", "PT", "NM"}, Words: []string{"bekken", "pelvis", "pelvic"}},
		{Name: "msk", Words: []string{
			"pols", "wrist", "hand", "handen", "hands", "vinger*", "finger*", "duim", "thumb", "scafoid", "scafoïd", "scaphoid",
			"knie", "knieen", "knieën", "knee", "knees", "enkel", "enkels", "ankle", "ankles", "heup", "heupen", "hip", "hips",
			"schouder", "schouders", "shoulder", "voet", "voeten", "foot", "feet", "teen", "tenen", "toe", "toes",
			"elleboog", "ellebogen", "elbow", "onderarm", "bovenarm", "forearm", "humerus", "femur", "tibia", "fibula",
			"onderbeen", "bovenbeen", "calcaneus", "hiel", "clavicula", "sleutelbeen", "clavicle", "botleeftijd", "skelet", "skeletal"}},
		{Name: "msk", Modalities: []string{"DX", "CR"}, Words: []string{"bekken", "pelvis", "pelvic"}},
	}
}

type sections []Section

// SectionOf returns the name of the first of secs that st belongs to, or
// "" when none.
func SectionOf(secs []Section, st *worklist.Study) string {
	words := procedureWords(st.ProcedureText)
	for _, s := range secs {
		if s.match(st, words) {
			return s.Name
		}
	}
	return ""
}

// SectionsOf returns the names of every section of secs that st belongs
// to, in their order: a study may be in several (a CT of thorax and
// abdomen), and shows under each section's filter.
func SectionsOf(secs []Section, st *worklist.Study) []string {
	words := procedureWords(st.ProcedureText)
	var names []string
	for _, s := range secs {
		if s.match(st, words) && !slices.Contains(names, s.Name) {
			names = append(names, s.Name)
		}
	}
	return names
}

// names returns the sections' names, each once.
func (ss sections) names() []string {
	var names []string
	for _, s := range ss {
		if !slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, s.Name) }) {
			names = append(names, s.Name)
		}
	}
	return names
}

// A sectionJSON is a section as GET /api/v1/sections lists it: its name
// and its parts.
type sectionJSON struct {
	Name  string    `json:"name"`
	Parts []Section `json:"parts"`
}

// listed returns each section once, with its parts (whose names are left
// out).
func (ss sections) listed() []sectionJSON {
	out := []sectionJSON{}
	for _, name := range ss.names() {
		sec := sectionJSON{Name: name}
		for _, s := range ss {
			if strings.EqualFold(s.Name, name) {
				s.Name = ""
				sec.Parts = append(sec.Parts, s)
			}
		}
		out = append(out, sec)
	}
	return out
}

// matcher returns the filter of the named section: every part of it.
func (ss sections) matcher(name string) (func(*worklist.Study) bool, bool) {
	var parts []Section
	for _, s := range ss {
		if strings.EqualFold(s.Name, name) {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		return nil, false
	}
	return func(st *worklist.Study) bool {
		words := procedureWords(st.ProcedureText)
		return slices.ContainsFunc(parts, func(s Section) bool { return s.match(st, words) })
	}, true
}

// match reports whether st, whose procedure text has the words given,
// belongs to this part of a section.
func (sec Section) match(st *worklist.Study, words []string) bool {
	if len(sec.Modalities) > 0 && !slices.ContainsFunc(sec.Modalities, func(m string) bool { return strings.EqualFold(m, st.Modality) }) {
		return false
	}
	if len(sec.Words) == 0 && len(sec.Procedures) == 0 {
		return true
	}
	for _, w := range sec.Words {
		w = strings.ToLower(w)
		if slices.ContainsFunc(words, func(word string) bool { return globMatch(w, word) }) {
			return true
		}
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

// procedureWords splits a procedure text into its words, lower case:
// "X-pols rechts (2 richtingen)" is x, pols, rechts, 2, richtingen.
func procedureWords(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
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
