package triage

import (
	"cmp"
	_ "embed"
	"maps"
	"slices"
	"strings"
	"time"
)

// Rules decide the rank of a study. They are read from a YAML file by
// [ParseRules] or built in ([DefaultRules]); defaults.yaml, printed by
// [DefaultRulesYAML], documents the format. Rules do not change once made, so
// one value may rank studies from many goroutines; to change the rules, parse
// the file again and swap the pointer.
type Rules struct {
	rules       []rule           // order rules, in file order
	otherwise   rule             // applies when nothing else ranks a study
	concepts    []conceptRule    // what findings mean, by concept
	byCode      map[codeKey]int  // index in concepts, by standard code
	algorithms  []algorithmRule  // AI algorithms, in file order, then those only policies name
	escalations []escalationRule // in file order
	// policies is the version of the policies WithPolicies put in, 0 when
	// only the rules file's apply.
	policies int64
}

// A rule is an order rule, or the rules' "otherwise".
type rule struct {
	reason Reason
	when   condition
	outcome
}

// An outcome is what a matching rule does to a study.
type outcome struct {
	band   Band
	within time.Duration // how long after the start the study is due
	from   origin        // what the wait counts from
}

// due returns the due time the outcome gives f.
func (o *outcome) due(f *Facts, now time.Time) time.Time {
	return f.start(o.from, now).Add(o.within)
}

// An origin is what a rule's wait counts from.
type origin uint8

const (
	fromCompleted origin = iota // exam completion, else order time, else now
	fromOrdered                 // order time, else exam completion, else now
)

// A meaning is what a positive finding does: it is informational (shown,
// never moves a study), or, when its condition holds, gives a band and a
// due time.
type meaning struct {
	label         string // what the finding is called in reasons; "" for its display text
	informational bool
	when          condition
	outcome
}

// A conceptRule says what a finding means by concept, whatever code
// system or vendor it comes from.
type conceptRule struct {
	id    string
	codes []Coding // its standard codes: SNOMED CT, RadLex, RadElement
	meaning
}

// An algorithmRule says what the department decided about one AI
// algorithm, and maps the vendor's own finding codes.
type algorithmRule struct {
	id       string
	name     string // used in reasons when a result does not name the algorithm
	policy   Policy
	findings []findingRule
	fromFile bool // named in the rules file, not only by a policy
}

// finding returns the rule for findings with code, or nil.
func (a *algorithmRule) finding(code string) *findingRule {
	for i := range a.findings {
		if strings.EqualFold(a.findings[i].code, code) {
			return &a.findings[i]
		}
	}
	return nil
}

// A findingRule maps a vendor's finding code to a concept, or says itself
// what a positive finding with that code does.
type findingRule struct {
	code    string
	concept string // the concept the code stands for; "" when the rule has its own meaning
	meaning        // its own; only the label when it maps to a concept
}

// algorithm returns the rule for the algorithm with id, or nil.
func (r *Rules) algorithm(id string) *algorithmRule {
	for i := range r.algorithms {
		if strings.EqualFold(r.algorithms[i].id, id) {
			return &r.algorithms[i]
		}
	}
	return nil
}

// concept returns the concept with id, or nil.
func (r *Rules) concept(id string) *conceptRule {
	for i := range r.concepts {
		if r.concepts[i].id == id {
			return &r.concepts[i]
		}
	}
	return nil
}

// meaningOf returns what finding fd of algorithm alg (nil when the rules
// do not name it) means, the concept it is ("" for a vendor code with a
// meaning of its own) and what it is called. A code the algorithm maps
// comes first; then the finding's standard codes, in the order sent. It
// returns nil for a finding no rule knows.
func (r *Rules) meaningOf(alg *algorithmRule, fd *Finding) (m *meaning, concept, label string) {
	codes := fd.codings()
	if alg != nil {
		for _, c := range codes {
			fr := alg.finding(c.Code)
			if fr == nil {
				continue
			}
			if fr.concept == "" {
				return &fr.meaning, "", fr.label
			}
			if cr := r.concept(fr.concept); cr != nil {
				return &cr.meaning, cr.id, cmp.Or(fr.label, cr.label)
			}
		}
	}
	for _, c := range codes {
		if k, ok := c.key(); ok {
			if i, ok := r.byCode[k]; ok {
				cr := &r.concepts[i]
				return &cr.meaning, cr.id, cr.label
			}
		}
	}
	return nil, "", ""
}

// Concept returns the concept a finding of its algorithm stands for ("" for
// a vendor code that the rules give a meaning of its own), and whether the
// rules know what it means at all. A finding they do not know is shown and
// never ranks; the store counts it, so that someone maps it.
func (r *Rules) Concept(fd *Finding) (concept string, known bool) {
	m, concept, _ := r.meaningOf(r.algorithm(fd.Algorithm.ID), fd)
	return concept, m != nil
}

// Policy returns what the department decided about the algorithm with id:
// the policy WithPolicies gave, else the rules file's, else that of a new
// algorithm (not approved, so display-only); known is false for the last.
func (r *Rules) Policy(id string) (p Policy, known bool) {
	if a := r.algorithm(id); a != nil {
		return a.policy, true
	}
	return Policy{Mode: DisplayOnly}, false
}

// Algorithms lists the ids of the algorithms the rules file names.
func (r *Rules) Algorithms() []string {
	var ids []string
	for _, a := range r.algorithms {
		if a.fromFile {
			ids = append(ids, a.id)
		}
	}
	return ids
}

// WithPolicies returns rules that apply the policies (by algorithm id)
// instead of the rules file's for the algorithms they name; version
// identifies them (PoliciesVersion). r does not change.
func (r *Rules) WithPolicies(version int64, policies map[string]Policy) *Rules {
	c := *r
	c.algorithms = slices.Clone(r.algorithms)
	for _, id := range slices.Sorted(maps.Keys(policies)) {
		if a := c.algorithm(id); a != nil {
			a.policy = policies[id]
		} else {
			c.algorithms = append(c.algorithms, algorithmRule{id: id, policy: policies[id]})
		}
	}
	c.policies = version
	return &c
}

// PoliciesVersion returns the version given to WithPolicies; 0 for rules
// as read from a file.
func (r *Rules) PoliciesVersion() int64 { return r.policies }

//go:embed defaults.yaml
var defaultsYAML string

// DefaultRulesYAML returns the built-in rules as a YAML file, with comments
// that explain each part: what `voorrang rules` prints, and a starting point
// for a department's own rules file.
func DefaultRulesYAML() []byte {
	return []byte(defaultsYAML)
}

// DefaultRules returns the built-in rules: those of [DefaultRulesYAML].
func DefaultRules() *Rules {
	r, err := ParseRules([]byte(defaultsYAML))
	if err != nil {
		panic("triage: built-in defaults.yaml: " + err.Error())
	}
	return r
}
