package triage

import (
	_ "embed"
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
	algorithms  []algorithmRule  // AI algorithms, in file order
	escalations []escalationRule // in file order
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

// An algorithmRule says what the findings of one AI algorithm do.
type algorithmRule struct {
	id            string
	name          string // used in reasons when a result does not name the algorithm
	enabled       bool   // false: display-only, findings never move a study
	minConfidence float64
	findings      []findingRule
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

// A findingRule says what a positive finding with one code does.
type findingRule struct {
	code          string
	label         string // what the finding is called in reasons; "" for its display text
	informational bool   // shown, never moves a study
	when          condition
	outcome
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
