package triage

import (
	"math"
	"strconv"
	"time"
)

// A Reason is one fact that placed a study where it is: a matching rule, an
// AI finding, or how long the study has waited.
type Reason struct {
	Code string `json:"code"` // stable, for machines: one of the Reason constants
	Text string `json:"text"` // for people: "AI: incidental PE 94% (Incidental PE v2.1)", "STAT order"
	// Band is the band the reason gave the study; zero for reasons shown
	// beside the rank that do not place it.
	Band Band `json:"band,omitempty"`
	// Finding is, for the reason of an AI finding, which one: its place
	// (from 1) among the study's findings, in the order of Facts.Findings.
	Finding int `json:"finding,omitempty"`
}

// Reason codes. Reasons with a code of the first group placed the study;
// those of the second are shown beside it but never move it.
const (
	ReasonAIFinding    = "ai-finding"    // a positive AI finding with a ranking rule
	ReasonPriority     = "priority"      // an order rule on priority
	ReasonPatientClass = "patient-class" // an order rule on patient class
	ReasonModality     = "modality"      // an order rule on modality
	ReasonProcedure    = "procedure"     // an order rule on the procedure
	ReasonLocation     = "location"      // an order rule on the ordering location
	ReasonRule         = "rule"          // an order rule without conditions
	ReasonDefault      = "default"       // no rule matched; the rules' "otherwise"
	ReasonEscalated    = "escalated"     // overdue by more than an escalation rule allows

	ReasonAIInfo           = "ai-info"            // a positive finding that is informational, or has no rule that matches
	ReasonAIBelowThreshold = "ai-below-threshold" // a positive finding below its algorithm's minConfidence
	ReasonAIDisplayOnly    = "ai-display-only"    // a positive finding of an algorithm that is display-only (or not approved) at the site
	ReasonAIUnmapped       = "ai-unmapped"        // a positive finding no rule knows (no concept, no mapping): counted for the AI officer
	ReasonAIOutsideUse     = "ai-outside-use"     // a positive finding on a study outside its algorithm's intended use: a warning
	ReasonAIIndeterminate  = "ai-indeterminate"   // the algorithm looked and could not tell
	ReasonAINegative       = "ai-negative"        // the algorithm looked and found nothing
	ReasonWaiting          = "waiting"            // how long the study has waited: "waiting 3 h"
)

// waitingText words how long a study has waited: minutes under an hour,
// hours under two days, days beyond, each rounded down.
func waitingText(d time.Duration) string {
	const day = 24 * time.Hour
	switch {
	case d < time.Minute:
		return "waiting <1 min"
	case d < time.Hour:
		return "waiting " + strconv.Itoa(int(d/time.Minute)) + " min"
	case d < 2*day:
		return "waiting " + strconv.Itoa(int(d/time.Hour)) + " h"
	}
	return "waiting " + strconv.Itoa(int(d/day)) + " d"
}

// percent words a confidence from 0 to 1 as a whole percentage, without
// the percent sign.
func percent(c float64) string {
	switch {
	case !(c > 0): // also NaN
		c = 0
	case c > 1:
		c = 1
	}
	return strconv.Itoa(int(math.Round(c * 100)))
}

// algorithmText words the algorithm that produced a finding: its name, or
// the name the rules give it, or its id; then its version, if known, as
// name + sep + version ("Incidental PE" + " v" + "2.1").
func algorithmText(a Algorithm, fallback string) (name, sep, version string) {
	name = a.Name
	if name == "" {
		name = fallback
	}
	if name == "" {
		name = a.ID
	}
	if name == "" {
		name = "unknown algorithm"
	}
	switch v := a.Version; {
	case v == "":
		return name, "", ""
	case v[0] == 'v', v[0] == 'V':
		return name, " ", v
	default:
		return name, " v", v
	}
}
