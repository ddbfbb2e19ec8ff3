package triage

import "testing"

func TestPatternMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"CTHEAD", "CTHEAD", true},
		{"CTHEAD", "cthead", true},
		{"CTHEAD", "CTHEAD2", false},
		{"CT*", "CT thorax", true},
		{"CT*", "ct", true},
		{"CT*", "MR CT", false},
		{"*head*", "CT Head without contrast", true},
		{"*head*", "head", true},
		{"*head*", "CT hea", false},
		{"*-SU", "NEURO-SU", true},
		{"*-SU", "NEURO-SUB", false},
		{"CT*head*contrast", "CT head with contrast", true},
		{"CT*head*contrast", "CT head with contrast agent", false},
		{"a*a", "a", false},
		{"a*a", "aa", true},
		{"**", "", true},
		{"*", "anything", true},
		{"", "", true},
		{"", "x", false},
		{"*schädel*", "CT SCHÄDEL nativ", true},
		{"*é*", "e", false},
	}
	for _, tt := range tests {
		if got := newPattern(tt.pattern).match(tt.s); got != tt.want {
			t.Errorf("pattern %q matches %q = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}

func TestConditionMatch(t *testing.T) {
	c := condition{
		patientClass: []string{"E"},
		modality:     []string{"CT", "MR"},
		procedure:    []pattern{newPattern("*head*")},
	}
	tests := []struct {
		name string
		f    Facts
		want bool
	}{
		{"all hold", Facts{PatientClass: "e", Modality: "MR", ProcedureText: "MR head"}, true},
		{"procedure code holds", Facts{PatientClass: "E", Modality: "CT", ProcedureCode: "HEAD1"}, true},
		{"wrong class", Facts{PatientClass: "O", Modality: "CT", ProcedureText: "CT head"}, false},
		{"wrong modality", Facts{PatientClass: "E", Modality: "DX", ProcedureText: "X head"}, false},
		{"wrong procedure", Facts{PatientClass: "E", Modality: "CT", ProcedureText: "CT thorax"}, false},
		{"nothing known", Facts{}, false},
	}
	for _, tt := range tests {
		if got := c.match(&tt.f); got != tt.want {
			t.Errorf("%s: match = %v, want %v", tt.name, got, tt.want)
		}
	}
	if !(&condition{}).match(&Facts{}) {
		t.Error("empty condition does not match, want every study")
	}
}
