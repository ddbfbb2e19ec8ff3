package worklist

import (
	"cmp"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/voorrang/voorrang/triage"
)

// An Algorithm is one AI algorithm in the registry: what Voorrang has
// seen of it, what the department recorded about it, and the policy in
// force for its findings.
type Algorithm struct {
	ID     string `json:"id"`
	Vendor string `json:"vendor,omitempty"`
	Name   string `json:"name,omitempty"`
	// Version is the version of its last result; Versions counts its
	// results by version.
	Version   string           `json:"version,omitempty"`
	Versions  map[string]int64 `json:"versions,omitempty"`
	FirstSeen time.Time        `json:"firstSeen,omitzero"`
	LastSeen  time.Time        `json:"lastSeen,omitzero"`
	// Results counts the results received (a resend counts once).
	Results int64 `json:"results"`
	// Unmapped counts the findings it sent that no concept and no mapping
	// of the rules knows, by code: what the AI officer should map.
	Unmapped map[string]int64 `json:"unmapped,omitempty"`
	// Discrepancies counts its present, prioritising findings that came
	// after their study's final report.
	Discrepancies int64 `json:"discrepancies"`
	// Record is what the department recorded through the admin API; nil
	// when nobody did.
	Record *AlgorithmRecord `json:"record,omitempty"`
	// Policy is the policy in force: the record's, else the rules file's,
	// else that of a new algorithm (not approved: display-only).
	Policy triage.Policy `json:"policy"`
	// PolicyFrom says where Policy comes from: "registry", "rules file"
	// or "new".
	PolicyFrom string `json:"policyFrom"`
}

// Where an algorithm's policy comes from.
const (
	PolicyFromRegistry = "registry"
	PolicyFromRules    = "rules file"
	PolicyFromNew      = "new"
)

// An AlgorithmRecord is what the department recorded about an algorithm
// through the admin API. It overrides the rules file's policy for it.
type AlgorithmRecord struct {
	// Regulatory is the algorithm's regulatory status as the department
	// records it: "CE MDR class IIa (notified body 2797)".
	Regulatory string        `json:"regulatory,omitempty"`
	Policy     triage.Policy `json:"policy"`
	ChangedAt  time.Time     `json:"changedAt"`
	ChangedBy  string        `json:"changedBy"`
	Why        string        `json:"why"`
}

// An AlgorithmChange is one change of an algorithm's record: who made it,
// when, why, and the record before (nil: none) and after.
type AlgorithmChange struct {
	Algorithm string           `json:"algorithm"`
	At        time.Time        `json:"at"`
	By        string           `json:"by"`
	Why       string           `json:"why"`
	Before    *AlgorithmRecord `json:"before"`
	After     AlgorithmRecord  `json:"after"`
	// Version is the registry's version after the change; every instance
	// ranks by it once it has seen it.
	Version int64 `json:"version"`
}

// An AlgorithmPatch changes an algorithm's record: each field that is set
// replaces what the record (or, for a first record, the policy in force)
// holds. Why is required: it goes into the audit trail.
type AlgorithmPatch struct {
	Regulatory    *string              `json:"regulatory,omitempty"`
	Approved      *bool                `json:"approved,omitempty"`
	Mode          *triage.Mode         `json:"mode,omitempty"`
	MinConfidence *float64             `json:"minConfidence,omitempty"`
	IntendedUse   *triage.IntendedUse  `json:"intendedUse,omitempty"`
	Sites         map[string]*SiteMode `json:"sites,omitempty"`
	Why           string               `json:"why"`
}

// A SiteMode is an algorithm's mode at one site, and its threshold there
// when it differs; in a patch, a null SiteMode removes the site's own
// mode.
type SiteMode = triage.SitePolicy

// Apply returns the record the patch makes of before (nil: no record
// yet, so the patch starts from current, the policy in force), made by
// by at now. An invalid result is ErrInvalid, naming the field.
func (p *AlgorithmPatch) Apply(before *AlgorithmRecord, current triage.Policy, by string, now time.Time) (AlgorithmRecord, error) {
	if strings.TrimSpace(p.Why) == "" {
		return AlgorithmRecord{}, fmt.Errorf("%w: why: say why the algorithm changes (it is audited)", ErrInvalid)
	}
	if by == "" {
		return AlgorithmRecord{}, fmt.Errorf("%w: a change needs the name of who makes it", ErrInvalid)
	}
	rec := AlgorithmRecord{Policy: current}
	if before != nil {
		rec = *before
	}
	rec.Policy.Sites = maps.Clone(rec.Policy.Sites)
	if p.Regulatory != nil {
		rec.Regulatory = strings.TrimSpace(*p.Regulatory)
	}
	if p.Approved != nil {
		rec.Policy.Approved = *p.Approved
	}
	if p.Mode != nil {
		m, err := triage.ParseMode(string(*p.Mode))
		if err != nil {
			return AlgorithmRecord{}, fmt.Errorf("%w: mode: %v", ErrInvalid, err)
		}
		rec.Policy.Mode = m
	}
	if p.MinConfidence != nil {
		rec.Policy.MinConfidence = *p.MinConfidence
	}
	if p.IntendedUse != nil {
		rec.Policy.IntendedUse = *p.IntendedUse
	}
	for site, sm := range p.Sites {
		if sm == nil {
			delete(rec.Policy.Sites, site)
			continue
		}
		if rec.Policy.Sites == nil {
			rec.Policy.Sites = map[string]triage.SitePolicy{}
		}
		m, err := triage.ParseMode(string(sm.Mode))
		if err != nil {
			return AlgorithmRecord{}, fmt.Errorf("%w: sites.%s.mode: %v", ErrInvalid, site, err)
		}
		rec.Policy.Sites[site] = triage.SitePolicy{Mode: m, MinConfidence: sm.MinConfidence}
	}
	if len(rec.Policy.Sites) == 0 {
		rec.Policy.Sites = nil
	}
	if err := rec.Policy.Check(); err != nil {
		return AlgorithmRecord{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	rec.ChangedAt, rec.ChangedBy, rec.Why = now, by, strings.TrimSpace(p.Why)
	return rec, nil
}

// Rerank returns the edit that ranks a study again by the rules in force
// and records it as a change, so that every panel shows its new rank: for
// open studies whose algorithm's policy changed.
func Rerank() Edit {
	return func(st *Study, now time.Time) (bool, *AuditRecord, error) {
		return !st.Status.Closed(), nil, nil
	}
}

// UsesAlgorithm reports whether the study holds a result of the algorithm
// with id (case ignored, as the rules look algorithms up).
func (s *Study) UsesAlgorithm(id string) bool {
	for _, r := range s.Results {
		if strings.EqualFold(r.Algorithm.ID, id) {
			return true
		}
		for _, f := range r.Findings {
			if strings.EqualFold(f.Algorithm.ID, id) {
				return true
			}
		}
	}
	return false
}

// A Feedback is one reader's verdict on one AI result, as the AI officer
// sees it: no patient data, no accession number.
type Feedback struct {
	At        time.Time `json:"at"`
	Algorithm string    `json:"algorithm"`
	Version   string    `json:"version,omitempty"`
	Site      string    `json:"site"`
	ResultID  string    `json:"resultId"`
	// Findings are the result's present findings ("pulmonary embolism
	// 91%"), what the verdict is on.
	Findings []string `json:"findings,omitempty"`
	Reader   string   `json:"reader"`
	Verdict  string   `json:"verdict"`
	Note     string   `json:"note,omitempty"`
	// StudyStatus is where the study was: completed, preliminary, final.
	StudyStatus Status `json:"studyStatus"`
}

// FeedbackOn returns reader's feedback on the study's result resultID as
// it stands, and false when there is none.
func FeedbackOn(st *Study, resultID, reader string, now time.Time) (Feedback, bool) {
	for _, r := range st.Results {
		if r.ID != resultID || r.Feedback[reader] == "" {
			continue
		}
		f := Feedback{At: now, Algorithm: r.Algorithm.ID, Version: r.Algorithm.Version, Site: st.Site, ResultID: r.ID,
			Reader: reader, Verdict: r.Feedback[reader], Note: r.Notes[reader], StudyStatus: st.Status}
		for _, fd := range r.Findings {
			if fd.Is() == triage.Present {
				f.Findings = append(f.Findings, strings.TrimSpace(cmp.Or(fd.Display, fd.Code)+" "+confidenceText(&fd)))
			}
		}
		return f, true
	}
	return Feedback{}, false
}

func confidenceText(fd *triage.Finding) string {
	if fd.NoConfidence {
		return ""
	}
	return strconv.FormatFloat(fd.Confidence*100, 'f', 0, 64) + "%"
}
