package hl7

import (
	"fmt"
	"time"
)

// Precision is how much of a timestamp the sender gave.
type Precision uint8

const (
	PrecisionNone Precision = iota
	PrecisionYear
	PrecisionMonth
	PrecisionDay
	PrecisionHour
	PrecisionMinute
	PrecisionSecond
	PrecisionFraction
)

// A Time is an HL7 DTM (or TS) value: the instant, how precise the sender
// was, and whether it carried a UTC offset.
type Time struct {
	time.Time
	Precision Precision
	HasZone   bool
}

// ParseTime parses an HL7 timestamp, YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ].
// A timestamp without an offset is read in loc (the sender's zone, which
// HL7 leaves to agreement; time.Local when nil). Missing parts are the
// start of the period: "202611" is 1 November 2026 00:00.
func ParseTime(s string, loc *time.Location) (Time, error) {
	var t Time
	if loc == nil {
		loc = time.Local
	}
	bad := func(what string) (Time, error) {
		return Time{}, fmt.Errorf("%w: timestamp: %s", ErrValue, what)
	}
	digits := func(n int) (int, bool) {
		if len(s) < n {
			return 0, false
		}
		v := 0
		for i := 0; i < n; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		s = s[n:]
		return v, true
	}
	year, ok := digits(4)
	if !ok {
		return bad("want at least a four-digit year")
	}
	t.Precision = PrecisionYear
	parts := [5]int{1, 1, 0, 0, 0} // month, day, hour, minute, second
	for i := range parts {
		if len(s) == 0 || s[0] < '0' || s[0] > '9' {
			break
		}
		v, ok := digits(2)
		if !ok {
			return bad("want two digits for each part after the year")
		}
		parts[i] = v
		t.Precision++
	}
	nsec := 0
	if len(s) > 0 && s[0] == '.' {
		if t.Precision != PrecisionSecond {
			return bad("fraction without seconds")
		}
		s = s[1:]
		n, scale := 0, 1_000_000_000
		for n < len(s) && n < 9 && s[n] >= '0' && s[n] <= '9' {
			scale /= 10
			nsec += int(s[n]-'0') * scale
			n++
		}
		if n == 0 {
			return bad("empty fraction")
		}
		s = s[n:]
		t.Precision = PrecisionFraction
	}
	if len(s) > 0 {
		if s[0] != '+' && s[0] != '-' || len(s) != 5 {
			return bad("want a UTC offset of the form +HHMM")
		}
		sign := 1
		if s[0] == '-' {
			sign = -1
		}
		s = s[1:]
		hh, ok1 := digits(2)
		mm, ok2 := digits(2)
		if !ok1 || !ok2 || hh > 14 || mm > 59 {
			return bad("want a UTC offset of the form +HHMM")
		}
		loc = time.FixedZone("", sign*(hh*3600+mm*60))
		t.HasZone = true
	}
	month, day, hour, minute, sec := parts[0], parts[1], parts[2], parts[3], parts[4]
	if month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || sec > 60 {
		return bad("a part is out of range")
	}
	t.Time = time.Date(year, time.Month(month), day, hour, minute, sec, nsec, loc)
	if t.Day() != day {
		return bad("no such day")
	}
	return t, nil
}

// Time reads the value's first component as a timestamp (see ParseTime).
// An empty value gives the zero Time and no error.
func (v Value) Time(loc *time.Location) (Time, error) {
	s := v.Component(1).String()
	if s == "" {
		return Time{}, nil
	}
	return ParseTime(s, loc)
}

// FormatTime formats t as an HL7 DTM with seconds and its UTC offset.
func FormatTime(t time.Time) string {
	return t.Format("20060102150405-0700")
}
