package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/voorrang/voorrang/internal/redistest"
	"github.com/voorrang/voorrang/ui"
	"github.com/voorrang/voorrang/worklist"
	"github.com/voorrang/voorrang/worklist/redisstore"
)

func TestLoadSections(t *testing.T) {
	tests := []struct {
		name, yaml, err string
		want            []string // the names, each once
	}{
		{"two sections", "- name: neuro\n  words: [hersenen, 'wervel*']\n- name: mammo\n  modalities: [MG]\n", "", []string{"neuro", "mammo"}},
		{"patterns", "- name: neuro\n  procedures: ['*hersen*']\n", "", []string{"neuro"}},
		{"a section in parts", "- name: msk\n  words: [knie]\n- name: MSK\n  modalities: [DX]\n  words: [bekken]\n", "", []string{"msk"}},
		{"unknown key", "- name: neuro\n  procedure: ['*hersen*']\n", "procedure", nil},
		{"no name", "- modalities: [CT]\n", "has no name", nil},
		{"empty section", "- name: a\n", "no modalities, words or procedures", nil},
		{"not one word", "- name: a\n  words: [knie rechts]\n", `"knie rechts" is not one word`, nil},
		{"empty file", "", "sections", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := filepath.Join(t.TempDir(), "sections.yaml")
			if err := os.WriteFile(f, []byte(tt.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := loadSections(f)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one saying %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, s := range got {
				if !slices.Contains(names, s.Name) {
					names = append(names, s.Name)
				}
			}
			if !slices.Equal(names, tt.want) {
				t.Errorf("sections %v, want %v", names, tt.want)
			}
		})
	}
	if def, err := loadSections(""); err != nil || len(def) == 0 {
		t.Errorf("built-in sections: %v %v", def, err)
	}
}

// TestSectionsPrinted checks that `voorrang sections` prints a sections
// file that reads back as the built-in sections.
func TestSectionsPrinted(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"sections"}, noEnv, &out, &errOut); err != nil {
		t.Fatal(err, errOut.String())
	}
	f := filepath.Join(t.TempDir(), "sections.yaml")
	if err := os.WriteFile(f, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := loadSections(f)
	if err != nil {
		t.Fatal(err)
	}
	want := ui.DefaultSections()
	if len(got) != len(want) {
		t.Fatalf("%d sections read back, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Name != want[i].Name || !slices.Equal(got[i].Words, want[i].Words) || !slices.Equal(got[i].Modalities, want[i].Modalities) {
			t.Errorf("section %d read back as %+v, want %+v", i, got[i], want[i])
		}
	}
}

// TestSectionsExplain lists the procedures waiting in a store with the
// section each falls into, under the built-in sections and a file.
func TestSectionsExplain(t *testing.T) {
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t, rdb)
	store := redisstore.New(rdb, redisstore.Options{Prefix: prefix})
	done := time.Now().Add(-time.Hour).Truncate(time.Second)
	for i, p := range []struct{ modality, code, text string }{
		{"MR", "MRKNIER", "MR knie rechts"}, {"MR", "MRKNIER", "MR knie rechts"},
		{"US", "ECNIER", "Echo nieren"}, {"CT", "CTTHAB", "CT thorax-abdomen"}, {"US", "ECSD", "Echo schildklier"},
	} {
		acc := fmt.Sprintf("W%08d", i)
		e := worklist.Event{Kind: worklist.ExamCompleted, Site: "ZHWEST", Accession: acc, At: done, Source: "HIS|ZHWEST|" + acc,
			Order: &worklist.Order{Patient: worklist.Patient{MRN: "7012345"}, PatientClass: "O", Priority: "R",
				Modality: p.modality, ProcedureCode: p.code, ProcedureText: p.text, OrderedAt: done.Add(-time.Hour), CompletedAt: done}}
		if _, err := store.Apply(context.Background(), e, []byte("ack")); err != nil {
			t.Fatal(err)
		}
	}
	sectionsFile := filepath.Join(t.TempDir(), "sections.yaml")
	if err := os.WriteFile(sectionsFile, []byte("- name: hoofd-hals\n  words: [schildklier, hals]\n- name: msk\n  words: [knie]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want []string // lines, spaces squeezed
	}{
		{"built in", nil, []string{
			"4 procedures of the 5 studies waiting to be read; 1 fall into no section.",
			"SECTION STUDIES MODALITY CODE PROCEDURE",
			"(none) 1 US ECSD Echo schildklier",
			"abdomen 1 US ECNIER Echo nieren",
			"chest, abdomen 1 CT CTTHAB CT thorax-abdomen",
			"msk 2 MR MRKNIER MR knie rechts",
		}},
		{"a file", []string{"--sections", sectionsFile}, []string{
			"4 procedures of the 5 studies waiting to be read; 2 fall into no section.",
			"SECTION STUDIES MODALITY CODE PROCEDURE",
			"(none) 1 CT CTTHAB CT thorax-abdomen",
			"(none) 1 US ECNIER Echo nieren",
			"hoofd-hals 1 US ECSD Echo schildklier",
			"msk 2 MR MRKNIER MR knie rechts",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			args := append([]string{"sections", "--explain", "--redis", redistest.URL(t), "--key-prefix", prefix}, tt.args...)
			if err := run(context.Background(), args, noEnv, &out, &errOut); err != nil {
				t.Fatal(err, errOut.String())
			}
			var got []string
			for line := range strings.Lines(out.String()) {
				if line = strings.Join(strings.Fields(line), " "); line != "" {
					got = append(got, line)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("output\n%s\nwant lines\n%s", out.String(), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func noEnv(string) string { return "" }
