package triage

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// ParseRules reads rules from a YAML file in the format defaults.yaml
// describes (see [DefaultRulesYAML]). Decoding is strict: a key the format
// does not know is an error naming its line, and so is every value that is
// missing or wrong, with the rule, algorithm or finding it is in. All
// problems found are reported together, one per line.
func ParseRules(data []byte) (*Rules, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, err
	}
	var file rulesFile
	if root.Kind != 0 { // an empty file has no document
		if err := checkKeys(&root, reflect.TypeFor[rulesFile](), "", ""); err != nil {
			return nil, err
		}
		if err := root.Decode(&file); err != nil {
			return nil, err
		}
	}
	return file.compile()
}

// A rulesFile is a rules file as written, before it is checked.
type rulesFile struct {
	Rules      []ruleFile       `yaml:"rules"`
	Otherwise  *otherwiseFile   `yaml:"otherwise"`
	Concepts   []conceptFile    `yaml:"concepts"`
	Algorithms []algorithmFile  `yaml:"algorithms"`
	Escalation []escalationFile `yaml:"escalation"`
}

type ruleFile struct {
	Name   string        `yaml:"name"`
	Reason string        `yaml:"reason"`
	When   conditionFile `yaml:"when"`
	Band   string        `yaml:"band"`
	Within string        `yaml:"within"`
	From   string        `yaml:"from"`
	line   int
}

type otherwiseFile struct {
	Reason string `yaml:"reason"`
	Band   string `yaml:"band"`
	Within string `yaml:"within"`
	From   string `yaml:"from"`
	line   int
}

type conditionFile struct {
	Priority     list `yaml:"priority"`
	PatientClass list `yaml:"patientClass"`
	Modality     list `yaml:"modality"`
	Procedure    list `yaml:"procedure"`
	Location     list `yaml:"location"`
}

type conceptFile struct {
	ID            string        `yaml:"id"`
	Reason        string        `yaml:"reason"`
	Codes         list          `yaml:"codes"`
	Informational bool          `yaml:"informational"`
	When          conditionFile `yaml:"when"`
	Band          string        `yaml:"band"`
	Within        string        `yaml:"within"`
	From          string        `yaml:"from"`
	line          int
}

type algorithmFile struct {
	ID            string          `yaml:"id"`
	Name          string          `yaml:"name"`
	Enabled       *bool           `yaml:"enabled"` // nil: true
	Mode          string          `yaml:"mode"`
	MinConfidence float64         `yaml:"minConfidence"`
	Sites         []siteFile      `yaml:"sites"`
	IntendedUse   intendedUseFile `yaml:"intendedUse"`
	Findings      []findingFile   `yaml:"findings"`
	line          int
}

type siteFile struct {
	Site          string   `yaml:"site"`
	Mode          string   `yaml:"mode"`
	MinConfidence *float64 `yaml:"minConfidence"`
}

type intendedUseFile struct {
	Modalities list `yaml:"modalities"`
	BodyParts  list `yaml:"bodyParts"`
	MinAge     *int `yaml:"minAge"`
	MaxAge     *int `yaml:"maxAge"`
}

type findingFile struct {
	Code          string        `yaml:"code"`
	Concept       string        `yaml:"concept"`
	Reason        string        `yaml:"reason"`
	Informational bool          `yaml:"informational"`
	When          conditionFile `yaml:"when"`
	Band          string        `yaml:"band"`
	Within        string        `yaml:"within"`
	From          string        `yaml:"from"`
	line          int
}

type escalationFile struct {
	Name   string        `yaml:"name"`
	Reason string        `yaml:"reason"`
	When   conditionFile `yaml:"when"`
	Band   list          `yaml:"band"`
	After  string        `yaml:"after"`
	To     string        `yaml:"to"`
	line   int
}

// The UnmarshalYAML methods note the line of each rule for error messages.

func (r *ruleFile) UnmarshalYAML(n *yaml.Node) error {
	type plain ruleFile
	r.line = n.Line
	return n.Decode((*plain)(r))
}

func (o *otherwiseFile) UnmarshalYAML(n *yaml.Node) error {
	type plain otherwiseFile
	o.line = n.Line
	return n.Decode((*plain)(o))
}

func (a *algorithmFile) UnmarshalYAML(n *yaml.Node) error {
	type plain algorithmFile
	a.line = n.Line
	return n.Decode((*plain)(a))
}

func (c *conceptFile) UnmarshalYAML(n *yaml.Node) error {
	type plain conceptFile
	c.line = n.Line
	return n.Decode((*plain)(c))
}

func (e *escalationFile) UnmarshalYAML(n *yaml.Node) error {
	type plain escalationFile
	e.line = n.Line
	return n.Decode((*plain)(e))
}

func (f *findingFile) UnmarshalYAML(n *yaml.Node) error {
	type plain findingFile
	f.line = n.Line
	return n.Decode((*plain)(f))
}

// A list is one value or a list of them: "priority: S" or "priority: [S, T]".
type list []string

func (l *list) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*l = list{n.Value}
		return nil
	}
	return n.Decode((*[]string)(l))
}

type problems []error

func (p *problems) add(line int, where, format string, args ...any) {
	*p = append(*p, fmt.Errorf("line %d: %s: %s", line, where, fmt.Sprintf(format, args...)))
}

// compile checks the values of a rules file and turns it into Rules.
func (f *rulesFile) compile() (*Rules, error) {
	var p problems
	r := &Rules{}
	names := make(map[string]int)
	for _, rf := range f.Rules {
		where := "rule " + strconv.Quote(rf.Name)
		switch line, dup := names[rf.Name]; {
		case rf.Name == "":
			where = "rule"
			p.add(rf.line, where, "name is missing")
		case dup:
			p.add(rf.line, where, "name already used at line %d", line)
		default:
			names[rf.Name] = rf.line
		}
		ru := rule{
			when:    p.condition(rf.line, where, &rf.When),
			outcome: p.outcome(rf.line, where, rf.Band, rf.Within, rf.From),
		}
		ru.reason = Reason{Code: ru.when.code(), Text: cmp.Or(rf.Reason, rf.Name)}
		r.rules = append(r.rules, ru)
	}

	if o := f.Otherwise; o == nil {
		p = append(p, errors.New("otherwise is missing: say how to rank a study that no rule ranks"))
	} else {
		r.otherwise = rule{
			reason:  Reason{Code: ReasonDefault, Text: cmp.Or(o.Reason, "no rule matched")},
			outcome: p.outcome(o.line, "otherwise", o.Band, o.Within, o.From),
		}
	}

	r.byCode = make(map[codeKey]int)
	conceptLines, codeLines := make(map[string]int), make(map[codeKey]int)
	for _, cf := range f.Concepts {
		c := p.concept(&cf, conceptLines, codeLines)
		for _, code := range c.codes {
			k, _ := code.key()
			r.byCode[k] = len(r.concepts)
		}
		r.concepts = append(r.concepts, c)
	}

	ids := make(map[string]int)
	for _, af := range f.Algorithms {
		a := p.algorithm(&af, ids)
		for _, fr := range a.findings {
			if fr.concept != "" && r.concept(fr.concept) == nil {
				p.add(af.line, "algorithm "+strconv.Quote(af.ID)+": finding "+strconv.Quote(fr.code),
					"concept %q is not under concepts", fr.concept)
			}
		}
		r.algorithms = append(r.algorithms, a)
	}

	escalations := make(map[string]int)
	for _, ef := range f.Escalation {
		r.escalations = append(r.escalations, p.escalation(&ef, escalations))
	}

	if len(p) > 0 {
		return nil, errors.Join(p...)
	}
	return r, nil
}

// concept checks one concept of a rules file; ids holds the lines of those
// before it by id, codes those of their codes.
func (p *problems) concept(cf *conceptFile, ids map[string]int, codes map[codeKey]int) conceptRule {
	where := "concept " + strconv.Quote(cf.ID)
	switch line, dup := ids[cf.ID]; {
	case cf.ID == "":
		where = "concept"
		p.add(cf.line, where, "id is missing")
	case dup:
		p.add(cf.line, where, "id already used at line %d", line)
	default:
		ids[cf.ID] = cf.line
	}
	c := conceptRule{id: cf.ID, meaning: p.meaning(cf.line, where, cf.Reason, cf.Informational, &cf.When, cf.Band, cf.Within, cf.From)}
	for _, v := range cf.Codes {
		code, err := parseConceptCode(v)
		if err != nil {
			p.add(cf.line, where, "codes: %v", err)
			continue
		}
		k, _ := code.key()
		if line, dup := codes[k]; dup {
			p.add(cf.line, where, "code %s is already a code of the concept at line %d", v, line)
			continue
		}
		codes[k] = cf.line
		c.codes = append(c.codes, code)
	}
	return c
}

// parseConceptCode reads a concept's code: "SNOMED 59282003",
// "RadLex RID4834", "RadElement RDES194".
func parseConceptCode(s string) (Coding, error) {
	sys, code, ok := strings.Cut(strings.TrimSpace(s), " ")
	code = strings.TrimSpace(code)
	if !ok || code == "" {
		return Coding{}, fmt.Errorf("%q: want a system and a code, like \"SNOMED 59282003\", \"RadLex RID4834\" or \"RadElement RDES194\"", s)
	}
	valid := false
	switch {
	case strings.EqualFold(sys, string(SNOMED)):
		sys = string(SNOMED)
		valid = len(code) >= 6 && len(code) <= 18 && strings.Trim(code, "0123456789") == ""
	case strings.EqualFold(sys, string(RadLex)):
		sys = string(RadLex)
		valid = numbered(strings.ToUpper(code), "RID")
	case strings.EqualFold(sys, string(RadElement)):
		sys = string(RadElement)
		valid = numbered(strings.ToUpper(code), "RDES") || numbered(strings.ToUpper(code), "RDE")
	default:
		return Coding{}, fmt.Errorf("%q: unknown system %q (want SNOMED, RadLex or RadElement)", s, sys)
	}
	if !valid {
		return Coding{}, fmt.Errorf("%q: not a %s code", s, sys)
	}
	return Coding{System: sys, Code: code}, nil
}

// meaning checks what a concept or a finding rule says a positive finding
// does.
func (p *problems) meaning(line int, where, reason string, informational bool, when *conditionFile, band, within, from string) meaning {
	m := meaning{label: reason, informational: informational, when: p.condition(line, where, when)}
	switch {
	case !informational:
		m.outcome = p.outcome(line, where, band, within, from)
	case band != "" || within != "" || from != "" || !m.when.empty():
		p.add(line, where, "an informational finding never moves a study: remove when, band, within and from")
	}
	return m
}

// algorithm checks one algorithm of a rules file; ids holds the lines of
// those before it, by id.
func (p *problems) algorithm(af *algorithmFile, ids map[string]int) algorithmRule {
	where := "algorithm " + strconv.Quote(af.ID)
	switch line, dup := ids[af.ID]; {
	case af.ID == "":
		where = "algorithm"
		p.add(af.line, where, "id is missing")
	case dup:
		p.add(af.line, where, "id already used at line %d", line)
	default:
		ids[af.ID] = af.line
	}
	alg := algorithmRule{id: af.ID, name: af.Name, fromFile: true,
		policy: p.policy(af, where)}
	codes := make(map[string]int)
	for _, ff := range af.Findings {
		fw := where + ": finding " + strconv.Quote(ff.Code)
		switch line, dup := codes[ff.Code]; {
		case ff.Code == "":
			fw = where + ": finding"
			p.add(ff.line, fw, "code is missing")
		case dup:
			p.add(ff.line, fw, "code already used at line %d", line)
		default:
			codes[ff.Code] = ff.line
		}
		fr := findingRule{code: ff.Code, concept: ff.Concept}
		if ff.Concept == "" {
			fr.meaning = p.meaning(ff.line, fw, ff.Reason, ff.Informational, &ff.When, ff.Band, ff.Within, ff.From)
		} else {
			fr.label = ff.Reason
			when := p.condition(ff.line, fw, &ff.When)
			if ff.Informational || ff.Band != "" || ff.Within != "" || ff.From != "" || !when.empty() {
				p.add(ff.line, fw, "a finding mapped to a concept means what the concept says: remove informational, when, band, within and from")
			}
		}
		alg.findings = append(alg.findings, fr)
	}
	return alg
}

// policy checks what the rules file says of an algorithm's use: a listed
// algorithm is approved; its mode (or enabled), threshold, sites and
// intended use.
func (p *problems) policy(af *algorithmFile, where string) Policy {
	pol := Policy{Approved: true, Mode: Prioritise, MinConfidence: af.MinConfidence}
	if af.Mode != "" {
		m, err := ParseMode(af.Mode)
		if err != nil {
			p.add(af.line, where, "%v", err)
		}
		pol.Mode = m
		if af.Enabled != nil {
			p.add(af.line, where, "give mode or enabled, not both (enabled: false is mode: display-only)")
		}
	} else if af.Enabled != nil && !*af.Enabled {
		pol.Mode = DisplayOnly
	}
	for _, sf := range af.Sites {
		sw := where + ": site " + strconv.Quote(sf.Site)
		if sf.Site == "" {
			p.add(af.line, where+": sites", "site is missing")
			continue
		}
		if _, dup := pol.Sites[sf.Site]; dup {
			p.add(af.line, sw, "given twice")
		}
		m, err := ParseMode(sf.Mode)
		if err != nil {
			p.add(af.line, sw, "%v", err)
			continue
		}
		if pol.Sites == nil {
			pol.Sites = make(map[string]SitePolicy)
		}
		pol.Sites[sf.Site] = SitePolicy{Mode: m, MinConfidence: sf.MinConfidence}
	}
	iu := af.IntendedUse
	pol.IntendedUse = IntendedUse{Modalities: iu.Modalities, BodyParts: iu.BodyParts, MinAge: iu.MinAge, MaxAge: iu.MaxAge}
	if err := pol.Check(); err != nil {
		p.add(af.line, where, "%v", err)
	}
	return pol
}

// escalation checks one escalation rule; names holds the lines of those
// before it, by name.
func (p *problems) escalation(ef *escalationFile, names map[string]int) escalationRule {
	where := "escalation " + strconv.Quote(ef.Name)
	switch line, dup := names[ef.Name]; {
	case ef.Name == "":
		where = "escalation"
		p.add(ef.line, where, "name is missing")
	case dup:
		p.add(ef.line, where, "name already used at line %d", line)
	default:
		names[ef.Name] = ef.line
	}
	e := escalationRule{when: p.condition(ef.line, where, &ef.When), to: Urgent}
	if ef.To != "" {
		switch b, err := ParseBand(ef.To); {
		case err != nil:
			p.add(ef.line, where, "to: %v", err)
		case b == Critical:
			p.add(ef.line, where, "to critical: an escalation never places a study above a critical finding (want urgent or routine)")
		default:
			e.to = b
		}
	}
	if len(ef.Band) == 0 {
		p.add(ef.line, where, "band is missing (the band it lifts studies out of: routine, or urgent)")
	}
	for _, v := range ef.Band {
		switch b, err := ParseBand(v); {
		case err != nil:
			p.add(ef.line, where, "band: %v", err)
		case b <= e.to:
			p.add(ef.line, where, "band %s: a study is escalated into a more urgent band, and %s is not more urgent", b, e.to)
		default:
			e.bands = append(e.bands, b)
		}
	}
	switch d, err := parseWithin(ef.After); {
	case ef.After == "":
		p.add(ef.line, where, "after is missing (how long past its due time a study is escalated: 0m, 6h, 2d)")
	case err != nil:
		p.add(ef.line, where, "after %q: want a duration like 30m, 6h or 2d", ef.After)
	case d < 0:
		p.add(ef.line, where, "after %s is negative", ef.After)
	default:
		e.after = d
	}
	e.reason = Reason{Code: ReasonEscalated, Text: cmp.Or(ef.Reason, escalationText(e.after)), Band: e.to}
	return e
}

// outcome checks the band, within and from of a rule.
func (p *problems) outcome(line int, where, band, within, from string) outcome {
	var o outcome
	if band == "" {
		p.add(line, where, "band is missing (want critical, urgent or routine)")
	} else if b, err := ParseBand(band); err != nil {
		p.add(line, where, "%v", err)
	} else {
		o.band = b
	}

	switch d, err := parseWithin(within); {
	case within == "":
		p.add(line, where, "within is missing (how long the study may wait: 30m, 4h, 3d)")
	case err != nil:
		p.add(line, where, "within %q: want a duration like 30m, 4h or 3d", within)
	case d < 0:
		p.add(line, where, "within %s is negative", within)
	case d == 0:
		p.add(line, where, "within is zero: give the study time to be read")
	default:
		o.within = d
	}

	switch {
	case from == "" || strings.EqualFold(from, "completed"):
		o.from = fromCompleted
	case strings.EqualFold(from, "ordered"):
		o.from = fromOrdered
	default:
		p.add(line, where, "from %q: want completed or ordered", from)
	}
	return o
}

// condition checks the "when" of a rule.
func (p *problems) condition(line int, where string, cf *conditionFile) condition {
	where += ": when"
	for _, v := range cf.Priority {
		if len(v) != 1 || !strings.Contains("SARPTC", strings.ToUpper(v)) {
			p.add(line, where, "priority %q: want S, A, R, P, T or C", v)
		}
	}
	for _, c := range []struct {
		key    string
		values list
	}{
		{"patientClass", cf.PatientClass},
		{"modality", cf.Modality},
		{"procedure", cf.Procedure},
		{"location", cf.Location},
	} {
		if i := slices.Index(c.values, ""); i >= 0 {
			p.add(line, where, "%s: value %d is empty", c.key, i+1)
		}
	}
	return condition{
		priority:     cf.Priority,
		patientClass: cf.PatientClass,
		modality:     cf.Modality,
		procedure:    patterns(cf.Procedure),
		location:     patterns(cf.Location),
	}
}

func patterns(values []string) []pattern {
	var ps []pattern
	for _, v := range values {
		ps = append(ps, newPattern(v))
	}
	return ps
}

// parseWithin parses how long a study may wait: a Go duration ("30m",
// "1h30m") or a whole number of days ("3d").
func parseWithin(s string) (time.Duration, error) {
	n, ok := strings.CutSuffix(s, "d")
	if !ok {
		return time.ParseDuration(s)
	}
	days, err := strconv.ParseInt(n, 10, 64)
	const maxDays = math.MaxInt64 / int64(24*time.Hour)
	if err != nil || days > maxDays || days < -maxDays {
		return 0, fmt.Errorf("bad number of days %q", s)
	}
	return time.Duration(days) * 24 * time.Hour, nil
}
