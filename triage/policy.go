package triage

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// A Mode says what an AI algorithm's findings may do at a site.
type Mode string

// The modes of an algorithm.
const (
	// Prioritise: its findings rank studies as the rules say.
	Prioritise Mode = "prioritise"
	// DisplayOnly: its findings are shown, marked, and never move a
	// study. A new algorithm is display-only until an admin approves it.
	DisplayOnly Mode = "display-only"
	// Off: its results are kept but neither shown nor ranked.
	Off Mode = "off"
)

// ParseMode reads a mode: prioritise, display-only or off.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(strings.ToLower(strings.TrimSpace(s))); m {
	case Prioritise, DisplayOnly, Off:
		return m, nil
	case "prioritize":
		return Prioritise, nil
	}
	return "", fmt.Errorf("unknown mode %q (want prioritise, display-only or off)", s)
}

// A Policy is what a department decided about one AI algorithm: whether
// it is approved, what its findings may do per site, from what confidence,
// and for which studies it is meant.
type Policy struct {
	// Approved is false for an algorithm nobody approved yet: its mode is
	// then at most display-only.
	Approved bool `json:"approved"`
	// Mode applies at every site Sites does not list.
	Mode Mode `json:"mode"`
	// MinConfidence is the confidence, 0 to 1, a positive finding needs
	// to move a study.
	MinConfidence float64               `json:"minConfidence"`
	Sites         map[string]SitePolicy `json:"sites,omitempty"`
	IntendedUse   IntendedUse           `json:"intendedUse,omitzero"`
}

// A SitePolicy is an algorithm's mode at one site, and its threshold
// there when it differs.
type SitePolicy struct {
	Mode          Mode     `json:"mode"`
	MinConfidence *float64 `json:"minConfidence,omitempty"`
}

// at returns the algorithm's mode and threshold at site.
func (p *Policy) at(site string) (Mode, float64) {
	mode, min := p.Mode, p.MinConfidence
	if sp, ok := p.Sites[site]; ok {
		mode = sp.Mode
		if sp.MinConfidence != nil {
			min = *sp.MinConfidence
		}
	}
	if mode == "" {
		mode = Prioritise
	}
	if !p.Approved && mode == Prioritise {
		mode = DisplayOnly
	}
	return mode, min
}

// Check reports what is wrong with the policy, naming the field.
func (p *Policy) Check() error {
	check := func(field string, m Mode, min *float64) error {
		if _, err := ParseMode(string(m)); err != nil && m != "" {
			return fmt.Errorf("%s%w", field, err)
		}
		if min != nil && !(*min >= 0 && *min <= 1) {
			return fmt.Errorf("%sminConfidence %v: want a number from 0 to 1", field, *min)
		}
		return nil
	}
	if err := check("", p.Mode, &p.MinConfidence); err != nil {
		return err
	}
	for site, sp := range p.Sites {
		if site == "" {
			return fmt.Errorf("sites: a site name is empty")
		}
		if sp.Mode == "" {
			return fmt.Errorf("sites.%s: mode is missing", site)
		}
		if err := check("sites."+site+": ", sp.Mode, sp.MinConfidence); err != nil {
			return err
		}
	}
	return p.IntendedUse.check()
}

// An IntendedUse says which studies an algorithm is meant for, as its
// maker states it (and its CE marking covers). A finding on a study
// outside it is shown with a warning and never moves the study. Empty
// fields do not restrict.
type IntendedUse struct {
	Modalities []string `json:"modalities,omitempty"` // DICOM modalities: CT, DX
	// BodyParts are patterns for the procedure code or text, as in rules
	// ("*thorax*", "*chest*"): orders name the body part in the procedure.
	BodyParts []string `json:"bodyParts,omitempty"`
	MinAge    *int     `json:"minAge,omitempty"` // in whole years, at the exam
	MaxAge    *int     `json:"maxAge,omitempty"`
}

func (u *IntendedUse) check() error {
	for _, m := range u.Modalities {
		if strings.TrimSpace(m) == "" {
			return fmt.Errorf("intendedUse.modalities: a value is empty")
		}
	}
	for _, b := range u.BodyParts {
		if strings.TrimSpace(b) == "" {
			return fmt.Errorf("intendedUse.bodyParts: a value is empty")
		}
	}
	if u.MinAge != nil && *u.MinAge < 0 || u.MaxAge != nil && *u.MaxAge < 0 {
		return fmt.Errorf("intendedUse: an age is negative")
	}
	if u.MinAge != nil && u.MaxAge != nil && *u.MinAge > *u.MaxAge {
		return fmt.Errorf("intendedUse: minAge %d is above maxAge %d", *u.MinAge, *u.MaxAge)
	}
	return nil
}

// outside returns why study f is outside the intended use, or "" when it
// is not, or when what would tell is unknown: a study is not refused for a
// modality, procedure or birth date it does not have (yet).
func (u *IntendedUse) outside(f *Facts, now time.Time) string {
	if len(u.Modalities) > 0 && f.Modality != "" && !anyEqual(u.Modalities, f.Modality) {
		return "modality " + f.Modality
	}
	if len(u.BodyParts) > 0 && f.ProcedureCode+f.ProcedureText != "" && !anyMatch(patterns(u.BodyParts), f.ProcedureCode, f.ProcedureText) {
		return "procedure not " + strings.Join(u.BodyParts, ", ")
	}
	if u.MinAge == nil && u.MaxAge == nil {
		return ""
	}
	age, ok := f.age(now)
	switch {
	case !ok:
		return ""
	case u.MinAge != nil && age < *u.MinAge:
		return "patient " + strconv.Itoa(age) + " y, under " + strconv.Itoa(*u.MinAge)
	case u.MaxAge != nil && age > *u.MaxAge:
		return "patient " + strconv.Itoa(age) + " y, over " + strconv.Itoa(*u.MaxAge)
	}
	return ""
}
