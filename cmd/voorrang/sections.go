package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/voorrang/voorrang/ui"
)

// loadSections reads the sections file: a YAML list of sections, each a
// name with modalities and procedure patterns ('*' matches any run of
// characters, case ignored), e.g.
//
//   - name: neuro
//     procedures: ["*hersen*", "*brain*", "*head*"]
//   - name: mammo
//     modalities: [MG]
//
// An empty name means the built-in sections.
func loadSections(name string) ([]ui.Section, error) {
	if name == "" {
		return ui.DefaultSections(), nil
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("sections: %w", err)
	}
	var file []struct {
		Name       string   `yaml:"name"`
		Modalities []string `yaml:"modalities"`
		Procedures []string `yaml:"procedures"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&file); err != nil {
		return nil, fmt.Errorf("sections %s: %w", name, err)
	}
	seen := map[string]bool{}
	var out []ui.Section
	for i, s := range file {
		n := strings.TrimSpace(s.Name)
		switch {
		case n == "":
			return nil, fmt.Errorf("sections %s: section %d has no name", name, i+1)
		case seen[strings.ToLower(n)]:
			return nil, fmt.Errorf("sections %s: section %q is named twice", name, n)
		case len(s.Modalities) == 0 && len(s.Procedures) == 0:
			return nil, fmt.Errorf("sections %s: section %q names no modalities and no procedures", name, n)
		}
		seen[strings.ToLower(n)] = true
		out = append(out, ui.Section{Name: n, Modalities: s.Modalities, Procedures: s.Procedures})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("sections %s: no sections", name)
	}
	return out, nil
}
