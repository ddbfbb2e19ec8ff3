package hl7

import (
	"strings"
	"unicode/utf8"
)

// decode converts the message text to UTF-8 according to MSH-18.
func (m *Message) decode(text string) (string, error) {
	if isASCII(text) {
		return text, nil
	}
	charset := m.charset(text)
	switch charset {
	case "8859/1", "ISO-8859-1", "ISO8859-1", "LATIN1":
		return latin1(text, nil), nil
	case "8859/15", "ISO-8859-15":
		return latin1(text, latin9), nil
	case "UNICODE UTF-8", "UTF-8", "UTF8", "UNICODE", "":
		if utf8.ValidString(text) {
			return text, nil
		}
		m.warnings = append(m.warnings, Warning{Text: "bytes are not valid UTF-8; read as ISO 8859-1"})
		return latin1(text, nil), nil
	case "ASCII":
		if utf8.ValidString(text) {
			m.warnings = append(m.warnings, Warning{Text: "MSH-18 says ASCII but the message holds UTF-8; read as UTF-8"})
			return text, nil
		}
		m.warnings = append(m.warnings, Warning{Text: "MSH-18 says ASCII but the message holds 8-bit bytes; read as ISO 8859-1"})
		return latin1(text, nil), nil
	}
	if utf8.ValidString(text) {
		m.warnings = append(m.warnings, Warning{Text: "MSH-18 names a character set this parser does not know; the bytes are valid UTF-8 and read so"})
		return text, nil
	}
	return "", &ParseError{Segment: "MSH", Sequence: 1, Field: 18, Err: ErrCharset,
		Detail: "supported are ASCII, 8859/1, 8859/15 and UNICODE UTF-8"}
}

// charset returns MSH-18 (first repetition) of text, upper-cased, read
// before the message is indexed.
func (m *Message) charset(text string) string {
	line := text
	if i := strings.IndexByte(text, '\r'); i >= 0 {
		line = text[:i]
	}
	// MSH-18 is the 17th field separator's field: "MSH" is field 0 of the
	// split, MSH-2 field 1, so MSH-n is split field n-1.
	f := piece(line, m.delims.Field, 18)
	f = piece(f, m.delims.Repetition, 1)
	f = piece(f, m.delims.Component, 1)
	return strings.ToUpper(strings.TrimSpace(f))
}

func isASCII(s string) bool {
	for len(s) >= 8 {
		w := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
		if w&0x8080808080808080 != 0 {
			return false
		}
		s = s[8:]
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// latin9 maps the ISO 8859-15 code points that differ from ISO 8859-1.
var latin9 = map[byte]rune{0xA4: '€', 0xA6: 'Š', 0xA8: 'š', 0xB4: 'Ž', 0xB8: 'ž', 0xBC: 'Œ', 0xBD: 'œ', 0xBE: 'Ÿ'}

func latin1(s string, diff map[byte]rune) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if r, ok := diff[c]; ok {
			b.WriteRune(r)
			continue
		}
		b.WriteRune(rune(c))
	}
	return b.String()
}
