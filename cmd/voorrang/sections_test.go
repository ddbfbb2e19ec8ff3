package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadSections(t *testing.T) {
	tests := []struct {
		name, yaml, err string
		want            int
	}{
		{"two sections", "- name: neuro\n  procedures: ['*hersen*']\n- name: mammo\n  modalities: [MG]\n", "", 2},
		{"unknown key", "- name: neuro\n  procedure: ['*hersen*']\n", "procedure", 0},
		{"no name", "- modalities: [CT]\n", "has no name", 0},
		{"twice", "- name: a\n  modalities: [CT]\n- name: A\n  modalities: [MR]\n", "named twice", 0},
		{"empty section", "- name: a\n", "no modalities and no procedures", 0},
		{"empty file", "", "sections", 0},
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
			if err != nil || len(got) != tt.want {
				t.Fatalf("got %d sections, %v; want %d", len(got), err, tt.want)
			}
		})
	}
	if def, err := loadSections(""); err != nil || len(def) == 0 {
		t.Errorf("built-in sections: %v %v", def, err)
	}
}
