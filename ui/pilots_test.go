package ui

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/voorrang/voorrang/audit"
)

// pilotJSON is a pilot's definition: the median completed → final of
// AI-positive studies at ZHWEST to change by expected minutes, a third of
// it counting; routine AI-negative studies' p95 to rise by 15 min at most.
func pilotJSON(id, start string, expected float64) string {
	return fmt.Sprintf(`{"id": %q, "name": "PE triage", "algorithm": "pe-detect", "sites": ["ZHWEST"], "start": %q,
		"baselineDays": 28, "primary": {"statistic": "median", "ai": "positive"}, "expected": %g, "minimum": %g,
		"safety": [{"statistic": "p95", "bands": ["routine"], "ai": "negative", "maxRise": 15}]}`, id, start, expected, expected/3)
}

// TestPilots: an admin defines a pilot and changes it before it starts;
// managers read it; once it has started its definition is frozen (only
// its end may be set), and every change and refusal is in the audit trail.
func TestPilots(t *testing.T) {
	e := newAuthEnv(t, nil)
	start := e.clk.Now().Add(24 * time.Hour).UTC().Truncate(time.Second)
	def := func(expected float64) string { return pilotJSON("pe", start.Format(time.RFC3339), expected) }

	steps := []struct {
		name, who, method, path, body string
		status                        int
		want                          string // in the body
	}{
		{"define", "beheer", "POST", "/api/v1/pilots/pe", def(-30), 200, `"description":"pe-detect at ZHWEST from`},
		{"a manager may not", "manager", "POST", "/api/v1/pilots/pe", def(-60), 403, ""},
		{"invalid", "beheer", "POST", "/api/v1/pilots/pe", strings.Replace(def(-30), `"median"`, `"mean"`, 1), 400, "statistic must be"},
		{"another id in the body", "beheer", "POST", "/api/v1/pilots/other", def(-30), 400, "not the pilot's of the path"},
		{"unknown field", "beheer", "POST", "/api/v1/pilots/pe", `{"expectd": -30}`, 400, `"field":"expectd"`},
		{"something after the pilot", "beheer", "POST", "/api/v1/pilots/pe", def(-30) + `{}`, 400, "nothing after it"},
		{"end not a time", "beheer", "POST", "/api/v1/pilots/pe/end", `{"end": 5}`, 400, `"field":"end"`},
		{"change before the start", "beheer", "POST", "/api/v1/pilots/pe", def(-45), 200, `"expected":-45`},
		{"list", "manager", "GET", "/api/v1/pilots", "", 200, `"started":false`},
		{"report before the start", "manager", "GET", "/api/v1/pilots/pe", "", 200, `"verdict":"not-started"`},
		{"unknown", "manager", "GET", "/api/v1/pilots/nope", "", 404, "no such pilot"},
	}
	run := func(steps []struct {
		name, who, method, path, body string
		status                        int
		want                          string
	}) {
		for _, st := range steps {
			status, body := e.bearerDo(st.who, st.method, st.path, st.body)
			if status != st.status || !strings.Contains(body, st.want) {
				t.Errorf("%s: %d %.300s, want %d with %s", st.name, status, body, st.status, st.want)
			}
		}
	}
	run(steps)

	e.clk.set(start.Add(time.Hour))
	run([]struct {
		name, who, method, path, body string
		status                        int
		want                          string
	}{
		{"change after the start", "beheer", "POST", "/api/v1/pilots/pe", def(-60), 409, "frozen"},
		{"the same definition again", "beheer", "POST", "/api/v1/pilots/pe", def(-45), 200, `"expected":-45`},
		{"report", "manager", "GET", "/api/v1/pilots/pe", "", 200, `"text":"not enough data yet (n = 0, needed ≈ 30)"`},
		{"end before the start", "beheer", "POST", "/api/v1/pilots/pe/end", `{"end":"2020-01-01T00:00:00Z"}`, 400, "after the pilot's start"},
		{"end", "beheer", "POST", "/api/v1/pilots/pe/end", `{}`, 200, `"end":"`},
	})

	var got struct {
		Pilot struct {
			Expected  float64
			ChangedBy string
		}
	}
	_, body := e.bearerDo("manager", "GET", "/api/v1/pilots/pe", "")
	if err := json.Unmarshal([]byte(body), &got); err != nil || got.Pilot.Expected != -45 || got.Pilot.ChangedBy != "beheer" {
		t.Errorf("stored %+v %v, want expected -45 changed by beheer", got, err)
	}
	var outcomes []string
	for _, en := range e.entries(audit.PilotChange) {
		if en.Actor != "beheer" || en.Target != "pe" {
			t.Errorf("entry %+v, want by beheer about pe", en)
		}
		outcomes = append(outcomes, en.Outcome+" "+strings.SplitN(en.Detail, ":", 2)[0])
	}
	want := "[ok defined ok changed denied refused, started ok changed ok ended " + start.Add(time.Hour).Format("2006-01-02T15")
	if got := fmt.Sprint(outcomes); !strings.HasPrefix(got, want) {
		t.Errorf("audited %s, want %s…", got, want)
	}
}
