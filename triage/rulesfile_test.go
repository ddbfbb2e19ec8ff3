package triage

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// minimal is the smallest valid rules file.
const minimal = "otherwise: {band: routine, within: 72h}\n"

func TestParseRulesErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string // each a line of the error
	}{
		{
			name: "unknown top-level key",
			yaml: minimal + "rule: []\n",
			want: []string{`line 2: unknown key "rule" (want rules, otherwise, concepts, algorithms or escalation)`},
		},
		{
			name: "unknown key in a rule",
			yaml: minimal + "rules:\n  - name: stat\n    band: urgent\n    whithin: 1h\n",
			want: []string{`line 5: rule "stat": unknown key "whithin" (want name, reason, when, band, within or from)`},
		},
		{
			name: "unknown condition",
			yaml: minimal + "rules:\n  - name: ct\n    when: {modalty: CT}\n    band: urgent\n    within: 1h\n",
			want: []string{`line 4: rule "ct": when: unknown key "modalty" (want priority, patientClass, modality, procedure or location)`},
		},
		{
			name: "unknown key in a finding",
			yaml: minimal + "algorithms:\n  - id: pe\n    findings:\n      - code: PE\n        severity: high\n",
			want: []string{`line 6: algorithm "pe": finding "PE": unknown key "severity" (want code, concept, reason, informational, when, band, within or from)`},
		},
		{
			name: "concept problems",
			yaml: minimal + `concepts:
  - id: pe
    codes: [SNOMED 59282003, LOINC 123, SNOMED PE, RadLex 4834]
    band: critical
    within: 30m
  - id: pe2
    codes: [snomed 59282003]
    informational: true
  - codes: RadElement RDES194
    informational: true
`,
			want: []string{
				`line 3: concept "pe": codes: "LOINC 123": unknown system "LOINC" (want SNOMED, RadLex or RadElement)`,
				`line 3: concept "pe": codes: "SNOMED PE": not a SNOMED code`,
				`line 3: concept "pe": codes: "RadLex 4834": not a RadLex code`,
				`line 7: concept "pe2": code snomed 59282003 is already a code of the concept at line 3`,
				`line 10: concept: id is missing`,
			},
		},
		{
			name: "mapping problems",
			yaml: minimal + `concepts:
  - {id: pe, codes: [SNOMED 59282003], band: critical, within: 30m}
algorithms:
  - id: a
    mode: prioritize
    enabled: true
    sites: [{site: X, mode: sometimes}, {mode: off}]
    intendedUse: {minAge: 18, maxAge: 12}
    findings:
      - {code: PE, concept: pe, band: urgent}
      - {code: ICH, concept: ich}
`,
			want: []string{
				`line 5: algorithm "a": give mode or enabled, not both (enabled: false is mode: display-only)`,
				`line 5: algorithm "a": site "X": unknown mode "sometimes" (want prioritise, display-only or off)`,
				`line 5: algorithm "a": sites: site is missing`,
				`line 5: algorithm "a": intendedUse: minAge 18 is above maxAge 12`,
				`line 11: algorithm "a": finding "PE": a finding mapped to a concept means what the concept says: remove informational, when, band, within and from`,
				`line 5: algorithm "a": finding "ICH": concept "ich" is not under concepts`,
			},
		},
		{
			name: "bad band",
			yaml: minimal + "rules:\n  - name: stat\n    band: stat\n    within: 1h\n",
			want: []string{`line 3: rule "stat": unknown band "stat" (want critical, urgent or routine)`},
		},
		{
			name: "negative interval",
			yaml: minimal + "rules:\n  - name: stat\n    band: urgent\n    within: -1h\n",
			want: []string{`line 3: rule "stat": within -1h is negative`},
		},
		{
			name: "zero interval",
			yaml: "otherwise: {band: routine, within: 0d}\n",
			want: []string{`line 1: otherwise: within is zero: give the study time to be read`},
		},
		{
			name: "interval without unit",
			yaml: "otherwise: {band: routine, within: 30}\n",
			want: []string{`line 1: otherwise: within "30": want a duration like 30m, 4h or 3d`},
		},
		{
			name: "missing band and within",
			yaml: minimal + "rules:\n  - name: ed\n    when: {patientClass: E}\n",
			want: []string{
				`line 3: rule "ed": band is missing (want critical, urgent or routine)`,
				`line 3: rule "ed": within is missing (how long the study may wait: 30m, 4h, 3d)`,
			},
		},
		{
			name: "bad from",
			yaml: "otherwise: {band: routine, within: 1h, from: arrival}\n",
			want: []string{`line 1: otherwise: from "arrival": want completed or ordered`},
		},
		{
			name: "missing otherwise",
			yaml: "rules: []\n",
			want: []string{`otherwise is missing: say how to rank a study that no rule ranks`},
		},
		{
			name: "empty file",
			yaml: "",
			want: []string{`otherwise is missing: say how to rank a study that no rule ranks`},
		},
		{
			name: "missing and repeated names",
			yaml: minimal + "rules:\n  - band: urgent\n    within: 1h\n  - name: a\n    band: urgent\n    within: 1h\n  - name: a\n    band: urgent\n    within: 2h\n",
			want: []string{
				`line 3: rule: name is missing`,
				`line 8: rule "a": name already used at line 5`,
			},
		},
		{
			name: "priority that is not an HL7 code",
			yaml: minimal + "rules:\n  - name: stat\n    when: {priority: [S, STAT]}\n    band: urgent\n    within: 1h\n",
			want: []string{`line 3: rule "stat": when: priority "STAT": want S, A, R, P, T or C`},
		},
		{
			name: "empty condition value",
			yaml: minimal + "rules:\n  - name: ed\n    when: {patientClass: [E, '']}\n    band: urgent\n    within: 1h\n",
			want: []string{`line 3: rule "ed": when: patientClass: value 2 is empty`},
		},
		{
			name: "algorithm problems",
			yaml: minimal + "algorithms:\n  - id: pe\n    minConfidence: 1.5\n    findings:\n      - code: PE\n        band: critical\n      - code: PE\n        informational: true\n        band: urgent\n  - id: pe\n",
			want: []string{
				`line 3: algorithm "pe": minConfidence 1.5: want a number from 0 to 1`,
				`line 6: algorithm "pe": finding "PE": within is missing (how long the study may wait: 30m, 4h, 3d)`,
				`line 8: algorithm "pe": finding "PE": code already used at line 6`,
				`line 8: algorithm "pe": finding "PE": an informational finding never moves a study: remove when, band, within and from`,
				`line 11: algorithm "pe": id already used at line 3`,
			},
		},
		{
			name: "enabled is not a boolean",
			yaml: minimal + "algorithms:\n  - id: pe\n    enabled: yes\n",
			want: []string{`line 4: algorithm "pe": enabled: want true or false, not "yes"`},
		},
		{
			name: "minConfidence is not a number",
			yaml: minimal + "algorithms:\n  - id: pe\n    minConfidence: high\n",
			want: []string{`line 4: algorithm "pe": minConfidence: want a number, not "high"`},
		},
		{
			name: "a list where one value belongs",
			yaml: minimal + "rules:\n  - name: [a, b]\n",
			want: []string{`line 3: rule: name: want a single value`},
		},
		{
			name: "rules is not a list",
			yaml: minimal + "rules: {name: stat}\n",
			want: []string{`line 2: rules: want a list`},
		},
		{
			name: "a rule is not a mapping",
			yaml: minimal + "rules: [stat]\n",
			want: []string{`line 2: rules: want keys and values (name, reason, when, band, within or from)`},
		},
		{
			name: "repeated key",
			yaml: minimal + "rules:\n  - name: stat\n    band: urgent\n    band: critical\n",
			want: []string{`line 5: rule "stat": band given twice (first at line 4)`},
		},
		{
			name: "alias",
			yaml: "otherwise: &o {band: routine, within: 72h}\nrules:\n  - *o\n",
			want: []string{`line 3: rules: aliases (*o) are not supported`},
		},
		{
			name: "not YAML",
			yaml: "rules: [\n",
			want: []string{`yaml: line 1: did not find expected node content`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseRules([]byte(tt.yaml))
			if err == nil {
				t.Fatalf("ParseRules succeeded, want errors:\n%s", strings.Join(tt.want, "\n"))
			}
			if got, want := err.Error(), strings.Join(tt.want, "\n"); got != want {
				t.Errorf("ParseRules error:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestParseRulesAccepts(t *testing.T) {
	tests := []struct {
		name string
		yaml string
	}{
		{"minimal", minimal},
		{"one value or a list", minimal + "rules:\n  - name: a\n    when: {priority: s, modality: [CT, MR]}\n    band: Urgent\n    within: 1h30m\n    from: Ordered\n"},
		{"empty when", minimal + "rules:\n  - name: a\n    when:\n    band: routine\n    within: 7d\n"},
		{"algorithm without findings", minimal + "algorithms:\n  - id: x\n    enabled: false\n"},
		{"integer confidence", minimal + "algorithms:\n  - id: x\n    minConfidence: 1\n"},
		{"comments and anchors without aliases", "# rules\notherwise: &o {band: routine, within: 72h} # fallback\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseRules([]byte(tt.yaml)); err != nil {
				t.Errorf("ParseRules: %v", err)
			}
		})
	}
}

// TestParseRulesValues checks that what a file says is what the rules hold.
func TestParseRulesValues(t *testing.T) {
	r, err := ParseRules([]byte(`
rules:
  - name: stroke
    reason: stroke unit
    when: {priority: [S, A], patientClass: E, modality: CT, procedure: "*head*", location: STROKE}
    band: urgent
    within: 1h30m
    from: ordered
otherwise:
  band: routine
  within: 3d
algorithms:
  - id: pe
    name: PE finder
    enabled: false
    minConfidence: 0.75
    findings:
      - code: PE
        reason: embolism
        when: {patientClass: [I, O]}
        band: critical
        within: 20m
      - code: NODULE
        informational: true
`))
	if err != nil {
		t.Fatal(err)
	}
	want := &Rules{
		rules: []rule{{
			reason: Reason{Code: ReasonProcedure, Text: "stroke unit"},
			when: condition{
				priority:     []string{"S", "A"},
				patientClass: []string{"E"},
				modality:     []string{"CT"},
				procedure:    []pattern{{"", "head", ""}},
				location:     []pattern{{"STROKE"}},
			},
			outcome: outcome{band: Urgent, within: 90 * time.Minute, from: fromOrdered},
		}},
		otherwise: rule{
			reason:  Reason{Code: ReasonDefault, Text: "no rule matched"},
			outcome: outcome{band: Routine, within: 72 * time.Hour},
		},
		byCode: map[codeKey]int{},
		algorithms: []algorithmRule{{
			id:       "pe",
			name:     "PE finder",
			fromFile: true,
			policy:   Policy{Approved: true, Mode: DisplayOnly, MinConfidence: 0.75},
			findings: []findingRule{
				{
					code: "PE",
					meaning: meaning{
						label:   "embolism",
						when:    condition{patientClass: []string{"I", "O"}},
						outcome: outcome{band: Critical, within: 20 * time.Minute},
					},
				},
				{code: "NODULE", meaning: meaning{informational: true}},
			},
		}},
	}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("ParseRules =\n%+v\nwant\n%+v", r, want)
	}
}

func TestDefaultRulesRoundTrip(t *testing.T) {
	parsed, err := ParseRules(DefaultRulesYAML())
	if err != nil {
		t.Fatalf("ParseRules(DefaultRulesYAML()): %v", err)
	}
	if !reflect.DeepEqual(parsed, DefaultRules()) {
		t.Error("ParseRules(DefaultRulesYAML()) differs from DefaultRules()")
	}
	// Changing the printed copy does not change the built-in rules.
	data := DefaultRulesYAML()
	copy(data, "garbage")
	if !reflect.DeepEqual(parsed, DefaultRules()) {
		t.Error("DefaultRulesYAML returns the built-in file itself, not a copy")
	}
}

// TestDefaultRulesDocumented checks that every key the format knows is
// explained in the comments of defaults.yaml.
func TestDefaultRulesDocumented(t *testing.T) {
	var comments strings.Builder
	for line := range strings.Lines(string(DefaultRulesYAML())) {
		if _, c, ok := strings.Cut(line, "#"); ok {
			comments.WriteString(c)
		}
	}
	for _, typ := range []reflect.Type{
		reflect.TypeFor[rulesFile](), reflect.TypeFor[ruleFile](), reflect.TypeFor[otherwiseFile](),
		reflect.TypeFor[conditionFile](), reflect.TypeFor[algorithmFile](), reflect.TypeFor[findingFile](), reflect.TypeFor[escalationFile](),
		reflect.TypeFor[conceptFile](), reflect.TypeFor[siteFile](), reflect.TypeFor[intendedUseFile](),
	} {
		for i := range typ.NumField() {
			if f := typ.Field(i); f.IsExported() && !strings.Contains(comments.String(), yamlName(f)) {
				t.Errorf("defaults.yaml does not explain %q", yamlName(f))
			}
		}
	}
}

func FuzzParseRules(f *testing.F) {
	f.Add(DefaultRulesYAML())
	f.Add([]byte(customRules))
	f.Add([]byte(escalating))
	f.Add([]byte(minimal + "rules:\n  - name: a\n    when: {procedure: '*a*b*'}\n    band: urgent\n    within: 1h\n"))
	f.Add([]byte("otherwise: &o {band: routine, within: 72h}\nrules: [*o, *o]\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("rules: [\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseRules(data)
		if err != nil {
			if err.Error() == "" {
				t.Error("empty error message")
			}
			return
		}
		// Rules that parse can rank any study.
		got := r.Rank(study("S", "E", "CT", "CT head", pe(true, 0.9), ich(0.1), fracture(0.5)), now)
		if got.Band < Critical || got.Band > Routine || len(got.Reasons) == 0 {
			t.Errorf("Rank = %+v", got)
		}
	})
}
