package worklist

import (
	"slices"
	"testing"
)

// TestFacts: the records of every part, in order, whatever the parts;
// a loop that stops early stops the walk.
func TestFacts(t *testing.T) {
	rec := func(acc string) Turnaround { return Turnaround{Site: "ZHWEST", Accession: acc} }
	tests := []struct {
		name  string
		facts Facts
		want  []string
	}{
		{"nil", nil, nil},
		{"empty parts", Facts{nil, {}}, nil},
		{"one part", Facts{{rec("A"), rec("B")}}, []string{"A", "B"}},
		{"parts with gaps", Facts{{rec("A")}, nil, {rec("B"), rec("C")}, {}}, []string{"A", "B", "C"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for r := range tt.facts.All() {
				got = append(got, r.Accession)
			}
			if !slices.Equal(got, tt.want) || tt.facts.Len() != len(tt.want) {
				t.Errorf("All %v, Len %d; want %v", got, tt.facts.Len(), tt.want)
			}
		})
	}
	f := Facts{{rec("A"), rec("B")}, {rec("C")}}
	var first []string
	for r := range f.All() {
		first = append(first, r.Accession)
		if len(first) == 2 {
			break
		}
	}
	if !slices.Equal(first, []string{"A", "B"}) {
		t.Errorf("stopped after %v, want [A B]", first)
	}
	// The records are the parts' own, not copies.
	for r := range f.All() {
		if r != &f[0][0] {
			t.Error("All yields a copy of the first record")
		}
		break
	}
}
