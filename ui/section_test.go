package ui

import (
	"slices"
	"testing"

	"github.com/voorrang/voorrang/internal/redistest"
	"github.com/voorrang/voorrang/worklist"
	"github.com/voorrang/voorrang/worklist/redisstore"
)

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		name, pattern, s string
		want             bool
	}{
		{"exact", "ctthab", "ctthab", true},
		{"exact differs", "ctthab", "ctthabx", false},
		{"contains", "*thorax*", "ct thorax-abdomen", true},
		{"contains at the start", "*thorax*", "thorax", true},
		{"contains, missing", "*thorax*", "ct abdomen", false},
		{"prefix", "ct*", "ct hersenen", true},
		{"prefix, missing", "ct*", "mr hersenen", false},
		{"suffix", "*pols", "x-pols", true},
		{"suffix, missing", "*pols", "x-pols rechts", false},
		{"two parts in order", "*ct*head*", "ct of the head", true},
		{"two parts out of order", "*ct*head*", "head ct", false},
		{"parts may not overlap", "*aba*aba*", "ababa", false},
		{"star matches nothing", "a*b", "ab", true},
		{"only a star", "*", "", true},
		{"empty pattern", "", "x", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := globMatch(tt.pattern, tt.s); got != tt.want {
				t.Errorf("globMatch(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
			}
		})
	}
}

func TestSectionMatch(t *testing.T) {
	secs := sections(DefaultSections())
	tests := []struct {
		name          string
		modality      string
		code, text    string
		wantSections  []string
		customSection bool // for the custom CT-only section below
	}{
		{name: "head by text", modality: "CT", code: "X1", text: "CT hersenen", wantSections: []string{"neuro"}, customSection: true},
		{name: "head by code", modality: "CT", code: "CTHEAD", text: "", wantSections: []string{"neuro"}, customSection: true},
		{name: "case ignored", modality: "MR", code: "", text: "MR BRAIN", wantSections: []string{"neuro"}},
		{name: "thorax and abdomen", modality: "CT", code: "CTTHAB", text: "CT thorax-abdomen", wantSections: []string{"chest", "abdomen"}},
		{name: "wrist", modality: "DX", code: "DXPOLS", text: "X-pols rechts", wantSections: []string{"msk"}},
		{name: "nothing known", modality: "US", code: "US1", text: "Echo schildklier", wantSections: nil},
	}
	custom := Section{Name: "ct-head", Modalities: []string{"ct"}, Procedures: []string{"*head*", "*hersen*"}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := &worklist.Study{Modality: tt.modality, ProcedureCode: tt.code, ProcedureText: tt.text}
			var got []string
			for _, name := range secs.names() {
				match, ok := secs.matcher(name)
				if !ok {
					t.Fatalf("no matcher for %q", name)
				}
				if match(st) {
					got = append(got, name)
				}
			}
			if !slices.Equal(got, tt.wantSections) {
				t.Errorf("sections %v, want %v", got, tt.wantSections)
			}
			// A study's section in the statistics is the first it matches.
			first := ""
			if len(tt.wantSections) > 0 {
				first = tt.wantSections[0]
			}
			if got := SectionOf(secs, st); got != first {
				t.Errorf("SectionOf = %q, want %q", got, first)
			}
			if got := custom.match(st); got != tt.customSection {
				t.Errorf("CT head section: %v, want %v", got, tt.customSection)
			}
		})
	}
	if _, ok := secs.matcher("cardiac"); ok {
		t.Error("a matcher for an unknown section")
	}
}

// TestConfiguredSections checks the worklist filters by the sections a
// Config gives, not the defaults.
func TestConfiguredSections(t *testing.T) {
	rdb := redistest.Client(t)
	clk := &clock{t: now}
	store := redisstore.New(rdb, redisstore.Options{Prefix: redistest.Prefix(t, rdb), Now: clk.Now})
	s := New(Config{Store: store, Now: clk.Now, Logger: discard(), Access: testAccess(), Sections: []Section{
		{Name: "ct", Modalities: []string{"CT"}},
		{Name: "wrist", Procedures: []string{"*pols*"}},
	}})
	seed(t, store)
	tests := []struct {
		query string
		want  []string
	}{
		{"section=ct", []string{"E26000201", "W26000101", "W26000103"}},
		{"section=wrist", []string{"E26000202"}},
		{"section=wrist&site=ZHWEST", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			var p page
			do(t, s, "GET", "/api/v1/worklist?"+tt.query, nil).wantOK(t, 200, &p)
			if got := p.accessions(); !slices.Equal(got, tt.want) {
				t.Errorf("studies %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("default sections are gone", func(t *testing.T) {
		e := do(t, s, "GET", "/api/v1/worklist?section=neuro", nil).wantError(t, 400, "invalid", "section")
		if want := `no section "neuro"; sections are ct, wrist`; e.Message != want {
			t.Errorf("message %q, want %q", e.Message, want)
		}
	})
}
