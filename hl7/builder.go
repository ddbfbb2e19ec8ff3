package hl7

import "strings"

// A Builder writes an HL7 message segment by segment. Values are escaped
// as they are written; trailing empty fields and components are left out.
//
//	b := hl7.NewBuilder(hl7.DefaultDelimiters())
//	b.Segment("MSH")               // writes MSH|^~\&
//	b.Field("VOORRANG")            // MSH-3
//	...
//	b.Segment("PID")
//	b.SetField(3, "12345", "", "", "ZHWEST", "PI")
//	msg := b.Bytes()
type Builder struct {
	d      Delimiters
	buf    strings.Builder
	fields []string // encoded fields of the current segment, index 0 is the ID
	isMSH  bool
}

// NewBuilder returns a Builder that writes with delimiters d.
func NewBuilder(d Delimiters) *Builder {
	return &Builder{d: d}
}

// Segment ends the current segment and starts a new one with the given ID.
// For "MSH" it writes MSH-1 and MSH-2; the next Field is MSH-3.
func (b *Builder) Segment(name string) {
	b.flush()
	b.fields = append(b.fields[:0], name)
	b.isMSH = name == "MSH"
	if b.isMSH {
		b.fields = append(b.fields, b.d.Encoding())
	}
}

// Field appends the next field, made of the given components, each escaped.
func (b *Builder) Field(components ...string) {
	b.fields = append(b.fields, b.encode(components))
}

// SetField sets field n (HL7 numbering) of the current segment, padding
// with empty fields; components are escaped.
func (b *Builder) SetField(n int, components ...string) {
	b.SetRawField(n, b.encode(components))
}

// SetRawField sets field n to text that is already encoded, such as a
// value with repetitions copied from another message with the same
// delimiters.
func (b *Builder) SetRawField(n int, raw string) {
	i := n
	if b.isMSH {
		i = n - 1
	}
	if i < 1 {
		return
	}
	for len(b.fields) <= i {
		b.fields = append(b.fields, "")
	}
	b.fields[i] = raw
}

func (b *Builder) encode(components []string) string {
	n := len(components)
	for n > 0 && components[n-1] == "" {
		n--
	}
	var s strings.Builder
	for i, c := range components[:n] {
		if i > 0 {
			s.WriteByte(b.d.Component)
		}
		appendEscaped(&s, c, b.d)
	}
	return s.String()
}

func (b *Builder) flush() {
	if len(b.fields) == 0 {
		return
	}
	n := len(b.fields)
	for n > 1 && b.fields[n-1] == "" {
		n--
	}
	if b.buf.Len() > 0 {
		b.buf.WriteByte('\r')
	}
	for i, f := range b.fields[:n] {
		if i > 0 {
			b.buf.WriteByte(b.d.Field)
		}
		b.buf.WriteString(f)
	}
	b.fields = b.fields[:0]
}

// Bytes ends the current segment and returns the message, segments
// separated by '\r' with a final '\r'.
func (b *Builder) Bytes() []byte {
	b.flush()
	return []byte(b.buf.String() + "\r")
}
