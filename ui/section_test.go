package ui

import (
	"encoding/json"
	"os"
	"path/filepath"
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

// TestDefaultSections reads procedure names as Dutch and English RIS
// send them (testdata/procedures.json, which the panel's own matching is
// tested on too) and checks the sections a radiologist would put each in.
func TestDefaultSections(t *testing.T) {
	secs := sections(DefaultSections())
	var tests []struct {
		Modality, Code, Text string
		Sections             []string // every section, the first being the study's own
	}
	data, err := os.ReadFile(filepath.Join("testdata", "procedures.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &tests); err != nil {
		t.Fatal(err)
	}
	if len(tests) < 40 {
		t.Fatalf("%d procedures in testdata/procedures.json", len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.Text, func(t *testing.T) {
			st := &worklist.Study{Modality: tt.Modality, ProcedureCode: tt.Code, ProcedureText: tt.Text}
			if got := SectionsOf(secs, st); !slices.Equal(got, tt.Sections) {
				t.Errorf("%s %s %q: sections %v, want %v", tt.Modality, tt.Code, tt.Text, got, tt.Sections)
			}
			// The filter of each section shows exactly the studies in it.
			for _, name := range secs.names() {
				match, ok := secs.matcher(name)
				if !ok {
					t.Fatalf("no matcher for %q", name)
				}
				if got, want := match(st), slices.Contains(tt.Sections, name); got != want {
					t.Errorf("filter %s shows it: %v, want %v", name, got, want)
				}
			}
			// A study's section in the statistics is the first it is in.
			first := ""
			if len(tt.Sections) > 0 {
				first = tt.Sections[0]
			}
			if got := SectionOf(secs, st); got != first {
				t.Errorf("SectionOf = %q, want %q", got, first)
			}
		})
	}
	if got, want := secs.names(), []string{"neuro", "chest", "abdomen", "msk"}; !slices.Equal(got, want) {
		t.Errorf("names %v, want %v", got, want)
	}
	if _, ok := secs.matcher("cardiac"); ok {
		t.Error("a matcher for an unknown section")
	}
}

// TestConfiguredSectionMatch checks the parts a sections file may give:
// modalities, words, and patterns on the code or text.
func TestConfiguredSectionMatch(t *testing.T) {
	tests := []struct {
		name string
		sec  Section
		st   worklist.Study
		want bool
	}{
		{"modality only", Section{Modalities: []string{"mg"}}, worklist.Study{Modality: "MG", ProcedureText: "Mammografie"}, true},
		{"modality only, other", Section{Modalities: []string{"MG"}}, worklist.Study{Modality: "US", ProcedureText: "Echo mamma"}, false},
		{"word", Section{Words: []string{"mamma"}}, worklist.Study{Modality: "US", ProcedureText: "Echo mamma links"}, true},
		{"word is no substring", Section{Words: []string{"nier"}}, worklist.Study{Modality: "MR", ProcedureText: "MR knier"}, false},
		{"word with star", Section{Words: []string{"mamma*"}}, worklist.Study{ProcedureText: "Mammadiagnostiek"}, true},
		{"word and modality", Section{Modalities: []string{"CT"}, Words: []string{"head"}}, worklist.Study{Modality: "MR", ProcedureText: "MR head"}, false},
		{"code pattern", Section{Procedures: []string{"ct*"}}, worklist.Study{ProcedureCode: "CTHEAD"}, true},
		{"text pattern", Section{Procedures: []string{"*hersen*"}}, worklist.Study{ProcedureText: "CT hersenen"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := tt.st
			if got := tt.sec.match(&st, procedureWords(st.ProcedureText)); got != tt.want {
				t.Errorf("match = %v, want %v", got, tt.want)
			}
		})
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
