package stats

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

// A Pilot is the trial of an AI algorithm at some sites, defined before
// it starts: what it is expected to change, by how much at least for the
// change to count, and what it must not make worse. Once it has started
// its definition is frozen (CheckChange); the report compares the period
// before its start with the period since (Evaluate).
type Pilot struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Algorithm is the ID of the algorithm piloted.
	Algorithm string   `json:"algorithm"`
	Sites     []string `json:"sites"`
	// Start is when the pilot starts; End, when set, when it ended.
	Start time.Time `json:"start"`
	End   time.Time `json:"end,omitzero"`
	// BaselineDays is how many days before Start are compared with the
	// pilot; zero means 56 (eight weeks).
	BaselineDays int `json:"baselineDays,omitempty"`
	// Primary is the measure the pilot is to change. Expected is the
	// change expected (during − before), Minimum the smallest change of
	// the same sign that counts, both in the measure's unit (minutes;
	// percentage points for due-met).
	Primary  Measure  `json:"primary"`
	Expected float64  `json:"expected"`
	Minimum  float64  `json:"minimum"`
	Safety   []Safety `json:"safety"`

	// Set by the store.
	Created   time.Time `json:"created,omitzero"`
	Changed   time.Time `json:"changed,omitzero"`
	ChangedBy string    `json:"changedBy,omitempty"`
}

// A Safety measure is one the pilot must not make worse: its rise
// (during − before, in minutes) must stay within MaxRise.
type Safety struct {
	Measure
	MaxRise float64 `json:"maxRise"`
}

// Statistics a Measure can take of its studies.
const (
	StatMedian = "median"
	StatP90    = "p90"
	StatP95    = "p95"
	StatDueMet = "due-met" // the share reported by the due time, in percent
)

// A Measure is a statistic of one interval (in minutes) over the
// reported studies of the pilot's sites that its fields keep; an empty
// field keeps any. AI outcomes compare like with like only when the
// algorithm ran before the pilot too (display-only, the default for a
// new algorithm), which is how a pilot is best run.
type Measure struct {
	Statistic string   `json:"statistic"`          // median, p90, p95 or due-met
	Interval  Interval `json:"interval,omitempty"` // default completed-final
	Bands     []string `json:"bands,omitempty"`
	AI        string   `json:"ai,omitempty"` // positive, negative or none
	// Algorithm keeps the studies the algorithm sent a result for.
	Algorithm      string   `json:"algorithm,omitempty"`
	Priorities     []string `json:"priorities,omitempty"`
	PatientClasses []string `json:"patientClasses,omitempty"`
	Modalities     []string `json:"modalities,omitempty"`
	Sections       []string `json:"sections,omitempty"`
}

// Pilot errors.
var (
	// ErrFrozen: a pilot that has started cannot be changed.
	ErrFrozen = errors.New("the pilot has started: its definition is frozen")
	// ErrPilot: a definition that cannot be evaluated.
	ErrPilot = errors.New("invalid pilot")
	// ErrNoPilot: no pilot of that ID.
	ErrNoPilot = errors.New("no such pilot")
)

const defaultBaselineDays = 56

// Baseline returns the number of days before the start compared.
func (p *Pilot) Baseline() int {
	if p.BaselineDays == 0 {
		return defaultBaselineDays
	}
	return p.BaselineDays
}

// Started reports whether the pilot has started at now.
func (p *Pilot) Started(now time.Time) bool { return !now.Before(p.Start) }

// Check says what is wrong with the definition.
func (p *Pilot) Check() error {
	bad := func(format string, a ...any) error { return fmt.Errorf("%w: %s", ErrPilot, fmt.Sprintf(format, a...)) }
	switch {
	case !validName(p.ID):
		return bad("id must be 1 to 64 letters, digits, '-' or '_'")
	case strings.TrimSpace(p.Name) == "" || len(p.Name) > 200:
		return bad("name is required (at most 200 characters)")
	case p.Algorithm == "" || len(p.Algorithm) > 128:
		return bad("algorithm is required")
	case len(p.Sites) == 0 || len(p.Sites) > 100:
		return bad("sites: name 1 to 100 sites")
	case p.Start.IsZero():
		return bad("start is required")
	case !p.End.IsZero() && !p.End.After(p.Start):
		return bad("end must be after start")
	case p.BaselineDays < 0 || p.BaselineDays > 365:
		return bad("baselineDays must be from 1 to 365")
	case p.Expected == 0 || math.IsNaN(p.Expected) || math.IsInf(p.Expected, 0):
		return bad("expected: state the change expected (during − before), not 0")
	case p.Minimum == 0 || math.Signbit(p.Minimum) != math.Signbit(p.Expected) || math.Abs(p.Minimum) > math.Abs(p.Expected):
		return bad("minimum: the smallest change that counts, of the same sign as expected and no larger")
	case len(p.Safety) > 10:
		return bad("safety: at most 10 measures")
	}
	if err := p.Primary.check(); err != nil {
		return bad("primary: %v", err)
	}
	for i, s := range p.Safety {
		if err := s.check(); err != nil {
			return bad("safety %d: %v", i+1, err)
		}
		if s.Statistic == StatDueMet {
			return bad("safety %d: a safety measure is a time (median, p90 or p95)", i+1)
		}
		if s.MaxRise < 0 || math.IsNaN(s.MaxRise) || math.IsInf(s.MaxRise, 0) {
			return bad("safety %d: maxRise is the largest rise allowed in minutes, 0 or more", i+1)
		}
	}
	return nil
}

func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func (m *Measure) check() error {
	switch m.Statistic {
	case StatMedian, StatP90, StatP95, StatDueMet:
	default:
		return fmt.Errorf("statistic must be median, p90, p95 or due-met, not %q", m.Statistic)
	}
	if m.Interval != "" {
		if _, err := ParseInterval(string(m.Interval)); err != nil {
			return err
		}
	}
	for _, b := range m.Bands {
		if _, err := triage.ParseBand(b); err != nil {
			return fmt.Errorf("band %q: %w", b, err)
		}
	}
	switch m.AI {
	case "", AIPositive, AINegative, AINone:
	default:
		return fmt.Errorf("ai must be positive, negative or none, not %q", m.AI)
	}
	return nil
}

// CheckChange says whether the definition old (stored) may become p at
// now: not once old has started, unless the only change is its end.
func CheckChange(old, p *Pilot, now time.Time) error {
	if !old.Started(now) {
		return nil
	}
	a, b := *old, *p
	a.End, b.End = time.Time{}, time.Time{}
	a.Created, a.Changed, a.ChangedBy = time.Time{}, time.Time{}, ""
	b.Created, b.Changed, b.ChangedBy = time.Time{}, time.Time{}, ""
	if Describe(&a) != Describe(&b) {
		return ErrFrozen
	}
	return nil
}

// Describe says what a pilot expects, in a sentence.
func Describe(p *Pilot) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s at %s from %s (baseline %d days): %s changes by %s (at least %s)",
		p.Algorithm, strings.Join(p.Sites, ", "), p.Start.Format(time.RFC3339), p.Baseline(),
		p.Primary.Name(), p.Primary.amount(p.Expected), p.Primary.amount(p.Minimum))
	for _, s := range p.Safety {
		fmt.Fprintf(&b, "; %s rises by at most %s", s.Name(), s.amount(s.MaxRise))
	}
	return b.String()
}

// Name says what the measure is, e.g. "p95 completed → final (routine, AI
// negative)".
func (m *Measure) Name() string {
	var b strings.Builder
	if m.Statistic == StatDueMet {
		b.WriteString("share read by the due time")
	} else {
		fmt.Fprintf(&b, "%s %s", m.Statistic, strings.Replace(string(m.interval()), "-", " → ", 1))
	}
	var keep []string
	keep = append(keep, m.Bands...)
	if m.AI != "" {
		keep = append(keep, "AI "+m.AI)
	}
	if m.Algorithm != "" {
		keep = append(keep, "read by "+m.Algorithm)
	}
	for _, l := range [][]string{m.Priorities, m.PatientClasses, m.Modalities, m.Sections} {
		keep = append(keep, l...)
	}
	if len(keep) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(keep, ", "))
	}
	return b.String()
}

// Unit is the unit of the measure's values and changes.
func (m *Measure) Unit() string {
	if m.Statistic == StatDueMet {
		return "percentage points"
	}
	return "minutes"
}

func (m *Measure) amount(v float64) string {
	if m.Statistic == StatDueMet {
		return fmt.Sprintf("%+.1f points", v)
	}
	return fmt.Sprintf("%+.0f min", v)
}

func (m *Measure) interval() Interval {
	if m.Interval == "" {
		return ReadyToFinal
	}
	return m.Interval
}

func (m *Measure) filter() Filter {
	f := Filter{Priorities: m.Priorities, PatientClasses: m.PatientClasses, Modalities: m.Modalities,
		Sections: m.Sections, AI: m.AI, Algorithm: m.Algorithm}
	for _, s := range m.Bands {
		if b, err := triage.ParseBand(s); err == nil {
			f.Bands = append(f.Bands, b)
		}
	}
	return f
}

// values returns the measure's values of the facts f keeps that closed in
// [from, to) at sites: minutes of its interval, or for due-met 100 for a
// study read by its due time and 0 for one that was not.
func (m *Measure) values(facts worklist.Facts, sites []string, from, to time.Time, c *Calendar) []float64 {
	clk := c.clock()
	f := m.filter()
	iv := m.interval()
	var out []float64
	for t := range facts.All() {
		closed := t.ClosedAt()
		if closed.Before(from) || !closed.Before(to) || !slices.Contains(sites, t.Site) || !f.keeps(clk, t) {
			continue
		}
		if m.Statistic == StatDueMet {
			if met, known := t.DueMet(); known && met {
				out = append(out, 100)
			} else if known {
				out = append(out, 0)
			}
			continue
		}
		if v, ok := iv.of(t); ok {
			out = append(out, v/60)
		}
	}
	slices.Sort(out)
	return out
}
