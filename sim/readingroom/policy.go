package readingroom

import (
	"fmt"
	"strings"

	"github.com/voorrang/voorrang/triage"
)

// A Policy is a way of ordering the reading list: triage rules, run
// through the same ranking and reading order as the live worklist. Every
// built-in policy is a rules file too (see [BuiltinPolicies]).
type Policy struct {
	Name        string        `json:"name"`
	Description string        `json:"description"`
	Rules       *triage.Rules `json:"-"`
}

// The built-in policies.
const (
	FIFO           = "fifo"             // first completed, first read
	OrderPriority  = "priority"         // the order's priority only, as a RIS sorts
	AIFirst        = "ai-first"         // studies an AI algorithm flagged first, the rest first come first served
	SiteRules      = "rules"            // the site's triage rules without escalation
	SiteEscalation = "rules+escalation" // the site's rules with escalation
)

// BuiltinPolicies names the built-in policies in the order they are
// reported.
func BuiltinPolicies() []string {
	return []string{FIFO, OrderPriority, AIFirst, SiteRules, SiteEscalation}
}

func builtinPolicy(name string) (string, bool) {
	desc := map[string]string{
		FIFO:           "first completed, first read",
		OrderPriority:  "by order priority (STAT, ASAP, pre-op, routine), then due time; no AI, no patient class",
		AIFirst:        "studies an AI algorithm flagged first, then first come first served",
		SiteRules:      "the site's triage rules, without escalation",
		SiteEscalation: "the site's triage rules with escalation",
	}[name]
	return desc, desc != ""
}

// fifoRules give every study the same band and the same time to be read,
// so the reading order is the order of completion.
const fifoRules = `
otherwise: {reason: first come first served, band: routine, within: 1h}
`

// priorityRules rank by the order's priority alone, as the defaults do.
const priorityRules = `
rules:
  - {name: stat, reason: STAT order, when: {priority: [S, T]}, band: urgent, within: 1h}
  - {name: asap, reason: ASAP order, when: {priority: A}, band: urgent, within: 4h}
  - {name: pre-op, reason: pre-op order, when: {priority: P}, band: routine, within: 24h}
otherwise: {reason: routine order, band: routine, within: 72h}
`

// policies returns the policies sc compares, in order: its built-in ones,
// then extra. site is the site's rules.
func (sc *Scenario) policies(site *triage.Rules, extra []Policy) ([]Policy, error) {
	var out []Policy
	for _, name := range sc.policyNames() {
		desc, ok := builtinPolicy(name)
		if !ok {
			return nil, fmt.Errorf("unknown policy %q (want %s)", name, strings.Join(BuiltinPolicies(), ", "))
		}
		p := Policy{Name: name, Description: desc}
		var err error
		switch name {
		case FIFO:
			p.Rules, err = triage.ParseRules([]byte(fifoRules))
		case OrderPriority:
			p.Rules, err = triage.ParseRules([]byte(priorityRules))
		case AIFirst:
			p.Rules, err = triage.ParseRules([]byte(sc.aiFirstRules()))
		case SiteRules:
			p.Rules = site.WithoutEscalation()
		case SiteEscalation:
			p.Rules = site
			if !site.HasEscalation() {
				p.Rules = site.WithEscalation(triage.DefaultRules())
				p.Description += " (the built-in escalation: the site's rules have none)"
			}
		}
		if err != nil {
			return nil, fmt.Errorf("policy %s: %w", name, err)
		}
		out = append(out, p)
	}
	for _, p := range extra {
		for _, q := range out {
			if q.Name == p.Name {
				return nil, fmt.Errorf("policy %q given twice", p.Name)
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// aiFirstRules make every positive finding of the scenario's algorithms
// critical, and the rest first come first served: the same due time after
// completion for all, so that each band is read in order of completion.
func (sc *Scenario) aiFirstRules() string {
	var b strings.Builder
	b.WriteString("otherwise: {reason: first come first served, band: routine, within: 1h}\nalgorithms:\n")
	for _, a := range sc.Algorithms {
		fmt.Fprintf(&b, "  - id: %q\n    findings: [{code: %q, reason: AI positive, band: critical, within: 1h}]\n", a.ID, a.Finding)
	}
	if len(sc.Algorithms) == 0 {
		b.WriteString("  []\n")
	}
	return b.String()
}
