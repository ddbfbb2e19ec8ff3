package hl7

import (
	"errors"
	"strconv"
	"strings"
)

// Causes of a ParseError, for errors.Is.
var (
	ErrEmpty       = errors.New("message is empty")
	ErrNoMSH       = errors.New("message does not begin with an MSH segment")
	ErrDelimiters  = errors.New("invalid delimiters")
	ErrRequired    = errors.New("required field is missing")
	ErrMultiple    = errors.New("more than one message; split the stream first")
	ErrCharset     = errors.New("unsupported character set")
	ErrInvalidPath = errors.New("invalid path")
	ErrValue       = errors.New("invalid value")
)

// A ParseError says where a message is wrong and why. Segment, Field,
// Repetition and Component are zero when they do not apply. It never holds
// field values, so it is safe to log and to send back in an ACK.
type ParseError struct {
	Segment    string // segment ID, e.g. "MSH"
	Sequence   int    // 1-based position of the segment in the message
	Field      int
	Repetition int
	Component  int
	Line       int // 1-based line in the input, when known
	Err        error
	Detail     string // what is wrong, in a few words, without values
}

func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString("hl7: ")
	if loc := e.Location(); loc != "" {
		b.WriteString(loc)
		b.WriteString(": ")
	} else if e.Line > 0 {
		b.WriteString("line ")
		b.WriteString(strconv.Itoa(e.Line))
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	return b.String()
}

func (e *ParseError) Unwrap() error { return e.Err }

// Location formats the error's position as an HL7 location, e.g. "PID-3[2].1".
func (e *ParseError) Location() string {
	if e.Segment == "" {
		return ""
	}
	s := e.Segment
	if e.Field > 0 {
		s += "-" + strconv.Itoa(e.Field)
		if e.Repetition > 1 {
			s += "[" + strconv.Itoa(e.Repetition) + "]"
		}
		if e.Component > 0 {
			s += "." + strconv.Itoa(e.Component)
		}
	}
	return s
}
