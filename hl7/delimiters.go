package hl7

import (
	"bytes"
	"fmt"
)

// Delimiters are the separators and escape character a message declares in
// MSH-1 and MSH-2. A zero byte means the message declares none of that kind
// (an MSH-2 of three characters has no subcomponent separator).
type Delimiters struct {
	Field        byte
	Component    byte
	Repetition   byte
	Escape       byte
	Subcomponent byte
	Truncation   byte // v2.7 and later; zero before
}

// DefaultDelimiters returns the delimiters HL7 recommends and nearly every
// sender uses: MSH|^~\&.
func DefaultDelimiters() Delimiters {
	return Delimiters{Field: '|', Component: '^', Repetition: '~', Escape: '\\', Subcomponent: '&'}
}

// Encoding returns the MSH-2 text for d.
func (d Delimiters) Encoding() string {
	b := make([]byte, 0, 5)
	for _, c := range []byte{d.Component, d.Repetition, d.Escape, d.Subcomponent, d.Truncation} {
		if c == 0 {
			break
		}
		b = append(b, c)
	}
	return string(b)
}

// isDelimiter reports whether c separates values or starts an escape in d.
func (d *Delimiters) isSpecial(c byte) bool {
	return c != 0 && (c == d.Field || c == d.Component || c == d.Repetition ||
		c == d.Escape || c == d.Subcomponent || c == d.Truncation)
}

// validDelimiter reports whether c may be used as a delimiter: printable
// ASCII that is not a letter, digit or space.
func validDelimiter(c byte) bool {
	switch {
	case c <= ' ' || c >= 0x7f:
		return false
	case c >= '0' && c <= '9', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		return false
	}
	return true
}

// parseDelimiters reads MSH-1 and MSH-2 from the first line of a message,
// which starts with "MSH". It returns the delimiters and a warning text when
// it had to guess.
func parseDelimiters(line []byte) (Delimiters, string, error) {
	var d Delimiters
	if len(line) < 4 {
		return d, "", &ParseError{Segment: "MSH", Sequence: 1, Field: 1, Err: ErrDelimiters, Detail: "MSH ends before its field separator"}
	}
	d.Field = line[3]
	if !validDelimiter(d.Field) {
		return d, "", &ParseError{Segment: "MSH", Sequence: 1, Field: 1, Err: ErrDelimiters,
			Detail: fmt.Sprintf("field separator %q is not a printable punctuation character", d.Field)}
	}
	enc := line[4:]
	for i := 0; i < len(enc); i++ {
		if enc[i] == d.Field {
			enc = enc[:i]
			break
		}
	}
	var warning string
	// "^~\\&": the backslash doubled by a JSON or C string on its way here.
	if len(enc) == 5 && enc[2] == enc[3] && enc[4] != enc[2] {
		enc = []byte{enc[0], enc[1], enc[2], enc[4]}
		warning = "MSH-2 repeats the escape character; read as four encoding characters"
	}
	if len(enc) < 2 || len(enc) > 5 {
		return d, "", &ParseError{Segment: "MSH", Sequence: 1, Field: 2, Err: ErrDelimiters,
			Detail: fmt.Sprintf("MSH-2 has %d encoding characters, want 2 to 5", len(enc))}
	}
	slots := []*byte{&d.Component, &d.Repetition, &d.Escape, &d.Subcomponent, &d.Truncation}
	for i := 0; i < len(enc); i++ {
		c := enc[i]
		if !validDelimiter(c) {
			return d, "", &ParseError{Segment: "MSH", Sequence: 1, Field: 2, Err: ErrDelimiters,
				Detail: fmt.Sprintf("encoding character %q is not a printable punctuation character", c)}
		}
		if c == d.Field || bytes.IndexByte(enc[:i], c) >= 0 {
			return d, "", &ParseError{Segment: "MSH", Sequence: 1, Field: 2, Err: ErrDelimiters,
				Detail: fmt.Sprintf("encoding character %q is used twice", c)}
		}
		*slots[i] = c
	}
	return d, warning, nil
}
