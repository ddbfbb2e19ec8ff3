package worklist_test

import (
	"testing"

	"github.com/voorrang/voorrang/worklist"
)

func TestPositions(t *testing.T) {
	for _, tt := range []struct {
		a, b  string
		valid bool // both
		cmp   int
	}{
		{"1-0", "1-0", true, 0},
		{"1", "1-0", true, 0},
		{"1-1", "2-0", true, -1},
		{"10-0", "9-5", true, 1},
		{"1700000000000-12", "1700000000000-3", true, 1},
		{"18446744073709551615-18446744073709551615", "0-0", true, 1},
		{"18446744073709551616-0", "0-0", false, 0}, // past a 64-bit number: not a position
		{"99999999999999999999", "1", false, 0},
		{"", "1", false, 0},
		{"1-", "1", false, 0},
		{"-1", "1", false, 0},
		{"1-1-1", "1", false, 0},
		{"+1", "1", false, 0},
		{"1 ", "1", false, 0},
	} {
		valid := worklist.ValidPosition(tt.a) && worklist.ValidPosition(tt.b)
		if valid != tt.valid {
			t.Errorf("ValidPosition(%q), (%q): %v, want %v", tt.a, tt.b, valid, tt.valid)
		}
		if valid {
			if got := worklist.ComparePositions(tt.a, tt.b); got != tt.cmp {
				t.Errorf("ComparePositions(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.cmp)
			}
		}
	}
}

// FuzzPositions: what ValidPosition accepts, ComparePositions orders
// consistently (a reconnecting panel sends any text as its position):
// antisymmetric and transitive.
func FuzzPositions(f *testing.F) {
	for _, s := range [][3]string{{"1-0", "1-0", "2"}, {"1700000000000-12", "1700000000000-3", "1700000000000"},
		{"5", "5-0", "05-00"}, {"18446744073709551615-0", "18446744073709551616-0", "0"}} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, a, b, c string) {
		if !worklist.ValidPosition(a) || !worklist.ValidPosition(b) || !worklist.ValidPosition(c) {
			return
		}
		cmp := worklist.ComparePositions
		if ab, ba := cmp(a, b), cmp(b, a); ab != -ba || ab < -1 || ab > 1 {
			t.Fatalf("ComparePositions(%q, %q) = %d, reversed %d", a, b, ab, ba)
		}
		if cmp(a, a) != 0 {
			t.Fatalf("ComparePositions(%q, itself) != 0", a)
		}
		if cmp(a, b) <= 0 && cmp(b, c) <= 0 && cmp(a, c) > 0 {
			t.Fatalf("%q <= %q <= %q, but %q > %q", a, b, c, a, c)
		}
	})
}
