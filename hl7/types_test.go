package hl7

import (
	"strings"
	"testing"
)

func TestName(t *testing.T) {
	tests := []struct {
		name, xpn string
		want      Name
	}{
		{"Dutch prefix", "van den Berg&van den&Berg^Jan^J^^^^L",
			Name{Family: "van den Berg", OwnPrefix: "van den", OwnSurname: "Berg", Given: "Jan", Middle: "J", Type: "L"}},
		{"partner name", "Jansen-de Vries&&Jansen&de&Vries^Anna^^^^^L",
			Name{Family: "Jansen-de Vries", OwnSurname: "Jansen", PartnerPrefix: "de", PartnerName: "Vries", Given: "Anna", Type: "L"}},
		{"plain", "DOE^JOHN^A^JR^DR^PHD", Name{Family: "DOE", Given: "JOHN", Middle: "A", Suffix: "JR", Prefix: "DR", Degree: "PHD"}},
		{"escaped", "O\\T\\Brien^Pat", Name{Family: "O&Brien", Given: "Pat"}},
		{"second repetition ignored", "A^B~C^D", Name{Family: "A", Given: "B"}},
		{"empty", "", Name{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, "MSH|^~\\&|A|B|C|D|1||ADT^A08|1|P|2.5\rPID|1||1||"+tt.xpn)
			pid, _ := m.Segment("PID")
			if got := pid.Field(5).Name(); got != tt.want {
				t.Errorf("Name = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestIdentifiers(t *testing.T) {
	m := mustParse(t, orm)
	pid, _ := m.Segment("PID")
	ids := pid.Field(3).Identifiers()
	if len(ids) != 2 {
		t.Fatalf("Identifiers = %+v, want 2", ids)
	}
	bsn, ok := pid.Field(3).Identifier("NLMINBIZA")
	if !ok || bsn.ID != "999990019" || bsn.Type != "NNNLD" {
		t.Errorf("BSN = %+v, %v", bsn, ok)
	}
	mrn, ok := pid.Field(3).Identifier("PI")
	if !ok || mrn.ID != "1234567" || mrn.AssigningAuthority != "ZHWEST" {
		t.Errorf("MRN = %+v, %v", mrn, ok)
	}
	if _, ok := pid.Field(3).Identifier("SS"); ok {
		t.Error("found an identifier of a type the message does not have")
	}
	m2 := mustParse(t, "MSH|^~\\&|A|B|C|D|1||ADT^A08|1|P|2.5\rPID|1||~^^^X~77^^^HOSP&1.2.3&ISO^MR^FAC&9")
	id, ok := m2.SegmentAt(1).Field(3).Identifier("")
	want := Identifier{ID: "77", AssigningAuthority: "HOSP", AuthorityUID: "1.2.3", Type: "MR", AssigningFacility: "FAC"}
	if !ok || id != want {
		t.Errorf("first non-empty identifier = %+v, want %+v", id, want)
	}
}

func TestCoded(t *testing.T) {
	m := mustParse(t, orm)
	obr, _ := m.Segment("OBR")
	want := Coded{Code: "CTTHAB", Text: "CT thorax-abdomen met contrast", System: "HIX"}
	if got := obr.Field(4).Coded(); got != want {
		t.Errorf("Coded = %+v, want %+v", got, want)
	}
}

func TestReps(t *testing.T) {
	m := mustParse(t, "MSH|^~\\&|A|B|C|D|1||ADT^A08|1|P|2.5\rPID|1||a~~b^x~c||")
	pid, _ := m.Segment("PID")
	tests := []struct {
		field int
		want  []string
	}{
		{3, []string{"a", "", "b^x", "c"}},
		{4, nil},
		{1, []string{"1"}},
	}
	for _, tt := range tests {
		var got []string
		for r := range pid.Field(tt.field).Reps() {
			got = append(got, r.Raw())
		}
		if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
			t.Errorf("PID-%d reps %q, want %q", tt.field, got, tt.want)
		}
	}
}
