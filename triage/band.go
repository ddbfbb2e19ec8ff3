package triage

import (
	"fmt"
	"strconv"
	"strings"
)

// A Band is how urgently a study must be read. Bands are ordered: a smaller
// Band is more urgent, so Critical < Urgent < Routine. The zero Band is not a
// band; every Rank that [Rules.Rank] returns carries one of the three.
type Band uint8

// The bands, most urgent first.
const (
	Critical Band = iota + 1 // a finding that cannot wait: read now
	Urgent                   // emergency and STAT work: read within hours
	Routine                  // everything else: read by due time
)

// String returns the band's name: "critical", "urgent" or "routine".
func (b Band) String() string {
	switch b {
	case Critical:
		return "critical"
	case Urgent:
		return "urgent"
	case Routine:
		return "routine"
	}
	return "Band(" + strconv.Itoa(int(b)) + ")"
}

// ParseBand returns the band named s, ignoring case.
func ParseBand(s string) (Band, error) {
	for b := Critical; b <= Routine; b++ {
		if strings.EqualFold(s, b.String()) {
			return b, nil
		}
	}
	return 0, fmt.Errorf("unknown band %q (want critical, urgent or routine)", s)
}

// MarshalText returns the band's name. It fails for a band that is not one
// of the three.
func (b Band) MarshalText() ([]byte, error) {
	if b < Critical || b > Routine {
		return nil, fmt.Errorf("triage: cannot marshal %v", b)
	}
	return []byte(b.String()), nil
}

// UnmarshalText sets b to the band named by text, ignoring case.
func (b *Band) UnmarshalText(text []byte) error {
	v, err := ParseBand(string(text))
	if err != nil {
		return err
	}
	*b = v
	return nil
}
