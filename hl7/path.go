package hl7

import "fmt"

// A Path names a value in a message, in the notation of HAPI's terser:
//
//	PID-3          field 3 of the first PID segment
//	PID-3[2].1     component 1 of the second repetition of PID-3
//	PID-5.1.2      subcomponent 2 of component 1 of PID-5
//	OBX(3)-5       field 5 of the third OBX segment
//
// Segment occurrence, repetition, component and subcomponent default to 1.
type Path struct {
	Segment    string
	Occurrence int // 1-based occurrence of the segment
	Field      int
	Repetition int
	Component  int // 0: the whole repetition
	Sub        int // 0: the whole component
}

// ParsePath parses a terser-style path.
func ParsePath(s string) (Path, error) {
	p := Path{Occurrence: 1, Repetition: 1}
	bad := func(what string) (Path, error) {
		return Path{}, fmt.Errorf("%w %q: %s", ErrInvalidPath, s, what)
	}
	if len(s) < 5 {
		return bad("too short")
	}
	p.Segment = s[:3]
	for i := 0; i < 3; i++ {
		if c := s[i]; !(c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return bad("segment ID must be three upper-case letters or digits")
		}
	}
	r := s[3:]
	var ok bool
	if r[0] == '(' {
		if p.Occurrence, r, ok = number(r[1:]); !ok || r == "" || r[0] != ')' {
			return bad("segment occurrence must be (n)")
		}
		r = r[1:]
	}
	if r == "" || r[0] != '-' {
		return bad("want '-' and a field number after the segment")
	}
	if p.Field, r, ok = number(r[1:]); !ok {
		return bad("want a field number")
	}
	if r != "" && r[0] == '[' {
		if p.Repetition, r, ok = number(r[1:]); !ok || r == "" || r[0] != ']' {
			return bad("repetition must be [n]")
		}
		r = r[1:]
	}
	if r != "" && r[0] == '.' {
		if p.Component, r, ok = number(r[1:]); !ok {
			return bad("want a component number after '.'")
		}
		if r != "" && r[0] == '.' {
			if p.Sub, r, ok = number(r[1:]); !ok {
				return bad("want a subcomponent number after '.'")
			}
		}
	}
	if r != "" {
		return bad("unexpected text at the end")
	}
	return p, nil
}

// number reads a positive decimal number at the start of s.
func number(s string) (int, string, bool) {
	n, i := 0, 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		n = n*10 + int(s[i]-'0')
		if n > 1<<20 {
			return 0, s, false
		}
	}
	return n, s[i:], i > 0 && n > 0
}

func (p Path) String() string {
	s := p.Segment
	if p.Occurrence > 1 {
		s += fmt.Sprintf("(%d)", p.Occurrence)
	}
	s += fmt.Sprintf("-%d", p.Field)
	if p.Repetition > 1 {
		s += fmt.Sprintf("[%d]", p.Repetition)
	}
	if p.Component > 0 {
		s += fmt.Sprintf(".%d", p.Component)
		if p.Sub > 0 {
			s += fmt.Sprintf(".%d", p.Sub)
		}
	}
	return s
}

// Value returns the value p names in m; it is empty when m has no such value.
func (m *Message) Value(p Path) Value {
	seg, ok := m.SegmentN(p.Segment, max(p.Occurrence, 1))
	if !ok {
		return Value{}
	}
	v := seg.Field(p.Field)
	if v.level == levelLeaf {
		return v
	}
	d := &m.delims
	v.s = piece(v.s, d.Repetition, max(p.Repetition, 1))
	v.level = levelRep
	if p.Component > 0 {
		v.s = piece(v.s, d.Component, p.Component)
		v.level = levelComponent
		if p.Sub > 0 {
			v.s = piece(v.s, d.Subcomponent, p.Sub)
			v.level = levelSub
		}
	}
	return v
}

// Get returns the unescaped value at a terser-style path such as
// "PID-3[2].1", or "" when the message has no such value or the path is
// invalid. See Value.String for what a path to a composite value returns.
func (m *Message) Get(path string) string {
	p, err := ParsePath(path)
	if err != nil {
		return ""
	}
	return m.Value(p).String()
}
