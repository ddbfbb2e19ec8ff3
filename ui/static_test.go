package ui

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

// TestPagesShareTheHead: every page starts with the head of head.tmpl,
// with its own title and the hashed name of the shared stylesheet, and
// the partial itself is not served.
func TestPagesShareTheHead(t *testing.T) {
	sub, err := fs.Sub(staticFiles, "static")
	if err != nil {
		t.Fatal(err)
	}
	a, err := loadAssets(sub)
	if err != nil {
		t.Fatal(err)
	}
	panelCSS := regexp.MustCompile(`<link rel="stylesheet" href="/static/panel\.[0-9a-f]{10}\.css">`)
	for name, title := range map[string]string{
		"index.html":  "Voorrang worklist",
		"signin.html": "Sign in · Voorrang",
		"stats.html":  "Voorrang statistics",
	} {
		t.Run(name, func(t *testing.T) {
			page := string(a.pages[name])
			if !strings.HasPrefix(page, "<!doctype html>\n<html lang=\"en\" data-theme=\"dark\">\n<head>\n<meta charset=\"utf-8\">") {
				t.Errorf("the page starts %q, want the shared head", page[:min(len(page), 80)])
			}
			if !strings.Contains(page, "<title>"+title+"</title>") {
				t.Errorf("no title %q", title)
			}
			if !panelCSS.MatchString(page) {
				t.Error("no link to the hashed panel.css")
			}
			if strings.Contains(page, "{{") {
				t.Error("a template action left in the page")
			}
		})
	}
	for served := range a.files {
		if strings.HasPrefix(served, "head.") {
			t.Errorf("the partial is served as %s", served)
		}
	}
}

func TestLoadAssetsRefusesBrokenPages(t *testing.T) {
	head := &fstest.MapFile{Data: []byte(`{{define "head"}}<!doctype html><title>{{.}}</title>{{end}}`)}
	tests := []struct {
		name, page, want string
	}{
		{"unknown partial", `{{template "header" "x"}}<body></body>`, `"header"`},
		{"broken action", `{{template "head" "x"}<body></body>`, "index.html"},
		{"missing asset", `{{template "head" "x"}}<script src="/static/gone.js"></script>`, "gone.js"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadAssets(fstest.MapFS{"head.tmpl": head, "index.html": {Data: []byte(tt.page)}})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one naming %s", err, tt.want)
			}
		})
	}
}
