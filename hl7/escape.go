package hl7

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Unescape decodes the escape sequences of an HL7 value:
//
//	\F\ \S\ \T\ \R\ \E\ \P\  the field, component, subcomponent, repetition,
//	                         escape and truncation characters
//	\Xhh...\                 bytes in hexadecimal (kept as UTF-8 when they are,
//	                         else read as ISO 8859-1)
//	\.br\                    a line break; \.sp n\ n line breaks; \.ce\ a
//	                         line break; \.sk n\ n spaces; \.in \.ti \.fi \.nf
//	                         and \H\ \N\ (highlighting) are dropped
//
// Anything else between escape characters (\Cxxyy\, \Mxxyyzz\, \Zxx\) is
// kept verbatim, and so is an escape character with no closing one. It
// returns s itself, without allocating, when s holds no escape character.
func Unescape(s string, d Delimiters) string {
	esc := d.Escape
	if esc == 0 {
		return s
	}
	i := strings.IndexByte(s, esc)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i >= 0 {
		b.WriteString(s[:i])
		s = s[i:]
		j := strings.IndexByte(s[1:], esc)
		if j < 0 {
			break // no closing escape: the rest is text
		}
		seq := s[1 : j+1]
		if !writeEscape(&b, seq, d) {
			b.WriteString(s[:j+2])
		}
		s = s[j+2:]
		i = strings.IndexByte(s, esc)
	}
	b.WriteString(s)
	return b.String()
}

// writeEscape writes what the escape sequence seq (without its escape
// characters) stands for, and reports whether it knew it.
func writeEscape(b *strings.Builder, seq string, d Delimiters) bool {
	if seq == "" {
		return false
	}
	if len(seq) == 1 {
		var c byte
		switch seq[0] {
		case 'F':
			c = d.Field
		case 'S':
			c = d.Component
		case 'T':
			c = d.Subcomponent
		case 'R':
			c = d.Repetition
		case 'E':
			c = d.Escape
		case 'P':
			c = d.Truncation
		case 'H', 'N':
			return true // highlighting on and off: plain text has none
		}
		if c == 0 {
			return false
		}
		b.WriteByte(c)
		return true
	}
	switch seq[0] {
	case 'X', 'x':
		return writeHex(b, seq[1:])
	case '.':
		return writeFormat(b, seq[1:])
	}
	return false
}

func writeHex(b *strings.Builder, hex string) bool {
	if len(hex) == 0 || len(hex)%2 != 0 {
		return false
	}
	var buf [64]byte
	raw := buf[:0]
	for i := 0; i < len(hex); i += 2 {
		hi, ok1 := unhex(hex[i])
		lo, ok2 := unhex(hex[i+1])
		if !ok1 || !ok2 {
			return false
		}
		raw = append(raw, hi<<4|lo)
	}
	if utf8.Valid(raw) {
		b.Write(raw)
		return true
	}
	for _, c := range raw {
		b.WriteRune(rune(c))
	}
	return true
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// writeFormat renders the formatted-text commands of TX and FT fields as
// plain text.
func writeFormat(b *strings.Builder, cmd string) bool {
	name, arg, _ := strings.Cut(cmd, " ")
	if len(name) > 2 {
		// "\.sp2\" with no space before the number
		name, arg = cmd[:2], strings.TrimSpace(cmd[2:])
	}
	n := 1
	if arg != "" {
		v, err := strconv.Atoi(strings.TrimPrefix(arg, "+"))
		if err != nil || v < 0 || v > 100 {
			return false
		}
		n = v
	}
	switch name {
	case "br", "ce":
		b.WriteByte('\n')
	case "sp":
		b.WriteString(strings.Repeat("\n", n))
	case "sk":
		b.WriteString(strings.Repeat(" ", n))
	case "in", "ti", "fi", "nf":
	default:
		return false
	}
	return true
}

// Escape encodes s for use as one value in a message with delimiters d:
// every delimiter and the escape character become escape sequences, and
// line breaks become \X0D\ and \X0A\ so that they cannot end a segment.
func Escape(s string, d Delimiters) string {
	need := false
	for i := 0; i < len(s); i++ {
		if c := s[i]; d.isSpecial(c) || c == '\r' || c == '\n' {
			need = true
			break
		}
	}
	if !need {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	appendEscaped(&b, s, d)
	return b.String()
}

func appendEscaped(b *strings.Builder, s string, d Delimiters) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		var seq string
		switch {
		case c == '\r':
			seq = "X0D"
		case c == '\n':
			seq = "X0A"
		case c == 0:
		case c == d.Field:
			seq = "F"
		case c == d.Component:
			seq = "S"
		case c == d.Subcomponent:
			seq = "T"
		case c == d.Repetition:
			seq = "R"
		case c == d.Escape:
			seq = "E"
		case c == d.Truncation:
			seq = "P"
		}
		if seq == "" {
			b.WriteByte(c)
			continue
		}
		b.WriteByte(d.Escape)
		b.WriteString(seq)
		b.WriteByte(d.Escape)
	}
}
