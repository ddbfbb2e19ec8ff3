package hl7

import (
	"iter"
	"strings"
)

type level uint8

const (
	levelNone level = iota
	levelField
	levelRep
	levelComponent
	levelSub
	levelLeaf // MSH-1 and MSH-2: never split
)

// A Value is a field, repetition, component or subcomponent of a message,
// still escaped as sent. Values are small and passed by value; narrowing one
// (Rep, Component, Sub) allocates nothing.
//
// As in HAPI's terser, a value read where a finer one is expected stands for
// its first part: the Component of a field is that component of the field's
// first repetition, and String returns the first subcomponent of the first
// component of the first repetition.
type Value struct {
	s     string
	d     Delimiters
	level level
}

// Raw returns the value's text as sent, with delimiters and escapes.
func (v Value) Raw() string { return v.s }

// IsEmpty reports whether the value is absent or empty.
func (v Value) IsEmpty() bool { return v.s == "" }

// IsNull reports whether the value is the HL7 explicit null `""`, which
// tells the receiver to delete what it holds.
func (v Value) IsNull() bool { return v.s == `""` }

// Repetitions returns how many repetitions a field has (0 when empty).
func (v Value) Repetitions() int {
	if v.s == "" {
		return 0
	}
	if v.level != levelField || v.d.Repetition == 0 {
		return 1
	}
	return strings.Count(v.s, string(v.d.Repetition)) + 1
}

// Rep returns repetition n (1-based) of a field.
func (v Value) Rep(n int) Value {
	switch v.level {
	case levelField:
		return Value{s: piece(v.s, v.d.Repetition, n), d: v.d, level: levelRep}
	case levelNone:
		return v
	}
	if n == 1 {
		return v
	}
	return Value{d: v.d, level: v.level}
}

// Reps yields the repetitions of a field in order, in one pass.
func (v Value) Reps() iter.Seq[Value] {
	return func(yield func(Value) bool) {
		if v.s == "" {
			return
		}
		if v.level != levelField || v.d.Repetition == 0 {
			yield(v)
			return
		}
		s := v.s
		for {
			i := strings.IndexByte(s, v.d.Repetition)
			part := s
			if i >= 0 {
				part = s[:i]
			}
			if !yield(Value{s: part, d: v.d, level: levelRep}) || i < 0 {
				return
			}
			s = s[i+1:]
		}
	}
}

// Component returns component n (1-based).
func (v Value) Component(n int) Value {
	switch v.level {
	case levelField:
		v = v.Rep(1)
		fallthrough
	case levelRep:
		return Value{s: piece(v.s, v.d.Component, n), d: v.d, level: levelComponent}
	case levelNone:
		return v
	}
	if n == 1 {
		return v
	}
	return Value{d: v.d, level: v.level}
}

// Sub returns subcomponent n (1-based).
func (v Value) Sub(n int) Value {
	switch v.level {
	case levelField, levelRep:
		v = v.Component(1)
		fallthrough
	case levelComponent:
		return Value{s: piece(v.s, v.d.Subcomponent, n), d: v.d, level: levelSub}
	case levelNone:
		return v
	}
	if n == 1 {
		return v
	}
	return Value{d: v.d, level: v.level}
}

// String returns the first subcomponent of the value, unescaped.
// The HL7 null `""` reads as the empty string; use IsNull to tell them apart.
func (v Value) String() string {
	if v.level == levelLeaf {
		return v.s
	}
	// Cut at the first delimiter finer than the value's level, and note an
	// escape on the way: one pass over bytes that are usually few.
	d := &v.d
	rep, comp, sub := d.Field, d.Field, d.Field // the field separator never occurs in a value
	switch v.level {
	case levelField:
		rep, comp, sub = d.Repetition, d.Component, d.Subcomponent
	case levelRep:
		comp, sub = d.Component, d.Subcomponent
	case levelComponent:
		sub = d.Subcomponent
	}
	if rep == 0 {
		rep = d.Field
	}
	if comp == 0 {
		comp = d.Field
	}
	if sub == 0 {
		sub = d.Field
	}
	s, esc := v.s, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == rep || c == comp || c == sub {
			s = s[:i]
			break
		}
		if c == d.Escape {
			esc = true
		}
	}
	if s == `""` {
		return ""
	}
	if esc {
		return Unescape(s, v.d)
	}
	return s
}

// Text returns the whole value unescaped, with its inner delimiters kept as
// they are: "CT thorax^abdomen" stays one string. Use it for free text.
func (v Value) Text() string {
	if v.level == levelLeaf {
		return v.s
	}
	return Unescape(v.s, v.d)
}

// piece returns the n-th (1-based) part of s split at sep, without
// allocating. A zero sep means s is not split.
func piece(s string, sep byte, n int) string {
	if n < 1 {
		return ""
	}
	if sep == 0 {
		if n == 1 {
			return s
		}
		return ""
	}
	for ; n > 1; n-- {
		i := strings.IndexByte(s, sep)
		if i < 0 {
			return ""
		}
		s = s[i+1:]
	}
	if i := strings.IndexByte(s, sep); i >= 0 {
		return s[:i]
	}
	return s
}
