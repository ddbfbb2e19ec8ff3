package readingroom

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// A Scenario is a reading room to simulate: what arrives when, how long it
// takes to read, what the AI algorithms say, who reads, and which ranking
// policies to compare. It is written by hand in YAML (testdata/*.yaml show
// the format) or made from a department's own turnaround records
// ([FromTurnarounds]). The zero value of each optional field is a
// sensible default; [Scenario.Check] says what is wrong with the rest.
type Scenario struct {
	Name string `yaml:"name,omitempty" json:"name,omitempty"`
	// Start is the first simulated instant; zero means Monday 2026-01-05
	// 00:00 in TimeZone. Hours and weekdays are those of TimeZone (zero:
	// Europe/Amsterdam), summer time included.
	Start    time.Time `yaml:"start,omitempty" json:"start,omitzero"`
	TimeZone string    `yaml:"timeZone,omitempty" json:"timeZone,omitempty"`
	// Horizon is how long studies arrive (zero: 365d); readers go on
	// reading after it until the list is empty, for up to Drain more
	// (zero: 30d). Studies still waiting then count as unread.
	Horizon Duration `yaml:"horizon,omitempty" json:"horizon,omitempty"`
	Drain   Duration `yaml:"drain,omitempty" json:"drain,omitempty"`
	// Warmup is the first part of the horizon, whose studies are not
	// counted: the list starts empty, which a real one is not. Zero means
	// 7d; a negative value counts every study.
	Warmup Duration `yaml:"warmup,omitempty" json:"warmup,omitempty"`
	// Replications is how many independent runs (zero: 20); Seed makes
	// them repeatable. Every policy sees the same studies in replication
	// i (common random numbers), so differences between policies are
	// measured without the noise of different arrivals.
	Replications int    `yaml:"replications,omitempty" json:"replications,omitempty"`
	Seed         uint64 `yaml:"seed,omitempty" json:"seed,omitempty"`

	Arrivals   Arrivals           `yaml:"arrivals" json:"arrivals"`
	Mix        []Kind             `yaml:"mix" json:"mix"`
	Reading    map[string]Reading `yaml:"reading" json:"reading"` // by modality; "*" for the rest
	Algorithms []Algorithm        `yaml:"algorithms,omitempty" json:"algorithms,omitempty"`
	Readers    []Readers          `yaml:"readers" json:"readers"`
	// Policies are the built-in policies to compare (zero: all five);
	// Baseline is the one the others are compared with (zero: the first).
	Policies []string `yaml:"policies,omitempty" json:"policies,omitempty"`
	Baseline string   `yaml:"baseline,omitempty" json:"baseline,omitempty"`
}

// Arrivals say how many studies arrive (are completed and wait to be
// read) in each hour of the week: PerDay studies a day on average, spread
// over the hours of the day by Hourly and over the days by Weekday
// (relative weights; zero means even), or, when Rates is given, Rates[d][h]
// studies an hour on weekday d (Monday first) at hour h. Within an hour
// studies arrive at random (a Poisson process).
type Arrivals struct {
	PerDay  float64     `yaml:"perDay,omitempty" json:"perDay,omitempty"`
	Hourly  []float64   `yaml:"hourly,omitempty" json:"hourly,omitempty"`   // 24 weights
	Weekday []float64   `yaml:"weekday,omitempty" json:"weekday,omitempty"` // 7 weights, Monday first
	Rates   [][]float64 `yaml:"rates,omitempty" json:"rates,omitempty"`     // 7 × 24 studies an hour
}

// A Kind is one sort of study in the mix: the facts triage ranks it by,
// the section that reads it, the AI algorithms that read it, and its share
// of all studies.
type Kind struct {
	Name      string  `yaml:"name,omitempty" json:"name,omitempty"`
	Share     float64 `yaml:"share" json:"share"` // relative weight
	Modality  string  `yaml:"modality" json:"modality"`
	Procedure string  `yaml:"procedure,omitempty" json:"procedure,omitempty"` // procedure text, as rules match it
	// ProcedureCode is the department's code, which rules match too.
	ProcedureCode string `yaml:"procedureCode,omitempty" json:"procedureCode,omitempty"`
	Priority      string `yaml:"priority,omitempty" json:"priority,omitempty"` // S, A, R, P, T, C
	PatientClass  string `yaml:"patientClass,omitempty" json:"patientClass,omitempty"`
	Location      string `yaml:"location,omitempty" json:"location,omitempty"` // ordering location
	// OrderedBefore is how long before the exam's completion it was
	// ordered (for rules that count from the order).
	OrderedBefore Duration `yaml:"orderedBefore,omitempty" json:"orderedBefore,omitempty"`
	// Section reads it; empty means the modality's name.
	Section    string   `yaml:"section,omitempty" json:"section,omitempty"`
	Algorithms []string `yaml:"algorithms,omitempty" json:"algorithms,omitempty"` // ids of Scenario.Algorithms
}

// Reading is how long reading a study takes: lognormal with Median and P90
// (the usual shape: most reads are quick, a few take long), exponential
// with Mean, or always Mean (Dist "fixed").
type Reading struct {
	Dist   string   `yaml:"dist,omitempty" json:"dist,omitempty"` // lognormal (default), exponential, fixed
	Median Duration `yaml:"median,omitempty" json:"median,omitempty"`
	P90    Duration `yaml:"p90,omitempty" json:"p90,omitempty"`
	Mean   Duration `yaml:"mean,omitempty" json:"mean,omitempty"`
}

// An Algorithm is an AI algorithm as the simulation sees it: of the
// studies it reads a share Prevalence truly have Finding, and it flags
// them with Sensitivity and the rest with 1 − Specificity. Its result
// arrives Delay after the exam (zero: 5m) with Confidence (zero: 0.9).
type Algorithm struct {
	ID          string   `yaml:"id" json:"id"`
	Finding     string   `yaml:"finding" json:"finding"`
	Prevalence  float64  `yaml:"prevalence" json:"prevalence"`
	Sensitivity float64  `yaml:"sensitivity" json:"sensitivity"`
	Specificity float64  `yaml:"specificity" json:"specificity"`
	Delay       Duration `yaml:"delay,omitempty" json:"delay,omitempty"`
	Confidence  float64  `yaml:"confidence,omitempty" json:"confidence,omitempty"`
}

// Readers are Count radiologists (zero: 1) who read the studies of
// Sections (empty: all) during Shifts (empty: always). A reader finishes
// the study in hand when a shift ends (reading is not interrupted), and
// takes the first study in reading order of their sections when free.
type Readers struct {
	Name     string   `yaml:"name,omitempty" json:"name,omitempty"`
	Count    int      `yaml:"count,omitempty" json:"count,omitempty"`
	Sections []string `yaml:"sections,omitempty" json:"sections,omitempty"`
	Shifts   []Shift  `yaml:"shifts,omitempty" json:"shifts,omitempty"`
}

// A Shift is a time of day on some days: Days "Mon-Fri", "Sat,Sun" or
// "Mon-Sun" (empty: every day), From "08:00" To "17:00". A shift whose To
// is not after From runs past midnight into the next day.
type Shift struct {
	Days string `yaml:"days,omitempty" json:"days,omitempty"`
	From string `yaml:"from" json:"from"`
	To   string `yaml:"to" json:"to"`
}

// ParseScenario reads a scenario from YAML (JSON is YAML too). Unknown keys
// are refused, naming their line, so a typo never quietly changes the
// simulation; then the values are checked ([Scenario.Check]).
//
// Overlays change the scenario before it is checked: each is YAML of the
// same form whose top-level keys replace those before it, so that a
// scenario made from a department's records can be tried with another
// roster ("readers: ..."), horizon or set of policies without editing it.
func ParseScenario(data []byte, overlays ...[]byte) (*Scenario, error) {
	var sc Scenario
	if err := decodeStrict(data, &sc); err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	if len(overlays) > 0 {
		var merged map[string]any
		if err := yaml.Unmarshal(data, &merged); err != nil {
			return nil, fmt.Errorf("scenario: %w", err)
		}
		for i, o := range overlays {
			var part map[string]any
			if err := decodeStrict(o, &Scenario{}); err != nil {
				return nil, fmt.Errorf("overlay %d: %w", i+1, err)
			}
			if err := yaml.Unmarshal(o, &part); err != nil {
				return nil, fmt.Errorf("overlay %d: %w", i+1, err)
			}
			if merged == nil {
				merged = map[string]any{}
			}
			maps.Copy(merged, part)
		}
		out, err := yaml.Marshal(merged)
		if err != nil {
			return nil, fmt.Errorf("scenario: %w", err)
		}
		sc = Scenario{}
		if err := decodeStrict(out, &sc); err != nil {
			return nil, fmt.Errorf("scenario with its overlays: %w", err)
		}
	}
	if err := sc.Check(); err != nil {
		return nil, err
	}
	return &sc, nil
}

// decodeStrict decodes YAML into sc, refusing unknown keys.
func decodeStrict(data []byte, sc *Scenario) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(sc); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// Limits on a scenario, so that one request cannot take the machine.
const (
	MaxReplications = 200
	MaxStudies      = 10_000_000 // arriving in one replication (24 bytes each, and as many more to run)
	MaxHorizon      = 5 * 366 * 24 * time.Hour
	MaxDrain        = 366 * 24 * time.Hour
	MaxKinds        = 1000
	MaxReaders      = 500
	MaxSections     = 64
	maxAlgorithms   = 4 // per kind: their results combine into 2^n ranks
)

// Check reports everything wrong with the scenario's values, one problem a
// line; nil when it can be simulated.
func (sc *Scenario) Check() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if sc.TimeZone != "" {
		if _, err := time.LoadLocation(sc.TimeZone); err != nil {
			bad("timeZone %q: %v", sc.TimeZone, err)
		}
	}
	switch {
	case sc.Horizon < 0 || time.Duration(sc.Horizon) > MaxHorizon:
		bad("horizon %v: want up to 5 years", sc.Horizon)
	case sc.Warmup > 0 && time.Duration(sc.Warmup) >= sc.horizon():
		bad("warmup %v: want less than the horizon %v", sc.Warmup, sc.horizon())
	}
	if sc.Drain < 0 || time.Duration(sc.Drain) > MaxDrain {
		bad("drain %v: want up to 366d", sc.Drain)
	}
	if sc.Replications < 0 || sc.Replications == 1 || sc.Replications > MaxReplications {
		bad("replications %d: want 2 to %d (confidence intervals need two)", sc.Replications, MaxReplications)
	}
	sc.checkArrivals(bad)
	if len(errs) == 0 {
		if n := sc.Work(0) / float64(sc.replications()*len(sc.policyNames())); n > MaxStudies {
			bad("%.0f studies arrive in a replication, more than %d: shorten the horizon", n, MaxStudies)
		}
	}
	algs := map[string]bool{}
	for i, a := range sc.Algorithms {
		where := fmt.Sprintf("algorithms[%d] %q", i, a.ID)
		switch {
		case a.ID == "" || a.Finding == "":
			bad("%s: id and finding are required", where)
		case algs[strings.ToLower(a.ID)]:
			bad("%s: id used twice", where)
		}
		algs[strings.ToLower(a.ID)] = true
		for _, p := range []struct {
			name string
			v    float64
		}{{"prevalence", a.Prevalence}, {"sensitivity", a.Sensitivity}, {"specificity", a.Specificity}, {"confidence", a.Confidence}} {
			if !(p.v >= 0 && p.v <= 1) {
				bad("%s: %s %v: want 0 to 1", where, p.name, p.v)
			}
		}
		if a.Delay < 0 {
			bad("%s: delay %v is negative", where, a.Delay)
		}
	}
	sc.checkMix(bad, algs)
	sc.checkReaders(bad)
	for _, p := range sc.Policies {
		if _, ok := builtinPolicy(p); !ok {
			bad("policies: unknown policy %q (want %s)", p, strings.Join(BuiltinPolicies(), ", "))
		}
	}
	return errors.Join(errs...)
}

func (sc *Scenario) checkArrivals(bad func(string, ...any)) {
	a := sc.Arrivals
	if a.Rates != nil {
		if len(a.Rates) != 7 {
			bad("arrivals.rates: want 7 days of 24 hours, Monday first; got %d days", len(a.Rates))
		}
		total := 0.0
		for d, day := range a.Rates {
			if len(day) != 24 {
				bad("arrivals.rates[%d]: want 24 hours, got %d", d, len(day))
			}
			for _, r := range day {
				if !(r >= 0) || math.IsInf(r, 0) {
					bad("arrivals.rates[%d]: %v studies an hour", d, r)
				}
				total += r
			}
		}
		if !(total > 0) || math.IsInf(total, 0) {
			bad("arrivals.rates: no studies arrive")
		}
		if a.PerDay != 0 || a.Hourly != nil || a.Weekday != nil {
			bad("arrivals: give either rates or perDay (with hourly and weekday), not both")
		}
		return
	}
	if !(a.PerDay > 0) || math.IsInf(a.PerDay, 0) || a.PerDay > 1e6 {
		bad("arrivals.perDay %v: want a number of studies a day above zero", a.PerDay)
	}
	for _, w := range []struct {
		name string
		v    []float64
		n    int
	}{{"hourly", a.Hourly, 24}, {"weekday", a.Weekday, 7}} {
		if w.v == nil {
			continue
		}
		total := 0.0
		for _, x := range w.v {
			if !(x >= 0) || math.IsInf(x, 0) {
				bad("arrivals.%s: weight %v", w.name, x)
			}
			total += x
		}
		if len(w.v) != w.n || !(total > 0) || math.IsInf(total, 0) {
			bad("arrivals.%s: want %d weights, not all zero", w.name, w.n)
		}
	}
}

func (sc *Scenario) checkMix(bad func(string, ...any), algs map[string]bool) {
	if len(sc.Mix) == 0 || len(sc.Mix) > MaxKinds {
		bad("mix: want 1 to %d kinds of study", MaxKinds)
	}
	total := 0.0
	for i, k := range sc.Mix {
		where := fmt.Sprintf("mix[%d]", i)
		if k.Name != "" {
			where += " " + strconv.Quote(k.Name)
		}
		if !(k.Share >= 0) || math.IsInf(k.Share, 0) {
			bad("%s: share %v", where, k.Share)
		}
		total += k.Share
		if k.Modality == "" {
			bad("%s: modality is required", where)
		}
		if _, ok := sc.reading(k.Modality); !ok {
			bad("%s: no reading time for modality %q (add it, or \"*\", under reading)", where, k.Modality)
		}
		if len(k.Algorithms) > maxAlgorithms {
			bad("%s: at most %d algorithms read one kind of study", where, maxAlgorithms)
		}
		for _, id := range k.Algorithms {
			if !algs[strings.ToLower(id)] {
				bad("%s: algorithm %q is not under algorithms", where, id)
			}
		}
		if k.OrderedBefore < 0 {
			bad("%s: orderedBefore %v is negative", where, k.OrderedBefore)
		}
	}
	if !(total > 0) || math.IsInf(total, 0) {
		bad("mix: the shares add up to %v: want a positive number", total)
	}
	seen := map[string]string{}
	for _, m := range slices.Sorted(maps.Keys(sc.Reading)) {
		r := sc.Reading[m]
		if other, ok := seen[strings.ToLower(m)]; ok {
			bad("reading: modality %q given twice (as %q too)", m, other)
		}
		seen[strings.ToLower(m)] = m
		switch r.Dist {
		case "", "lognormal":
			if !(r.Median > 0 && r.P90 >= r.Median) {
				bad("reading %q: lognormal wants median > 0 and p90 ≥ median", m)
			}
		case "exponential", "fixed":
			if !(r.Mean > 0) {
				bad("reading %q: %s wants mean > 0", m, r.Dist)
			}
		default:
			bad("reading %q: dist %q: want lognormal, exponential or fixed", m, r.Dist)
		}
	}
}

func (sc *Scenario) checkReaders(bad func(string, ...any)) {
	n := 0
	sections := map[string]bool{}
	for _, k := range sc.Mix {
		sections[k.section()] = true
	}
	if len(sections) > MaxSections {
		bad("mix: at most %d sections", MaxSections)
	}
	for i, g := range sc.Readers {
		where := fmt.Sprintf("readers[%d]", i)
		if g.Name != "" {
			where += " " + strconv.Quote(g.Name)
		}
		if g.Count < 0 {
			bad("%s: count %d is negative", where, g.Count)
		}
		n += max(g.Count, 1)
		for _, s := range g.Sections {
			if !sections[s] {
				bad("%s: no study of the mix is read by section %q", where, s)
			}
		}
		for j, sh := range g.Shifts {
			if _, _, _, err := sh.parse(); err != nil {
				bad("%s: shifts[%d]: %v", where, j, err)
			}
		}
	}
	if n == 0 || n > MaxReaders {
		bad("readers: want 1 to %d readers", MaxReaders)
	}
}

// reading returns the reading time of a modality, or that of "*".
func (sc *Scenario) reading(modality string) (Reading, bool) {
	for m, r := range sc.Reading {
		if strings.EqualFold(m, modality) {
			return r, true
		}
	}
	r, ok := sc.Reading["*"]
	return r, ok
}

func (k *Kind) section() string {
	if k.Section != "" {
		return k.Section
	}
	return k.Modality
}

// The defaults of the optional fields.

func (sc *Scenario) location() *time.Location {
	if sc.TimeZone == "" {
		sc.TimeZone = "Europe/Amsterdam"
	}
	loc, err := time.LoadLocation(sc.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

func (sc *Scenario) start() time.Time {
	if !sc.Start.IsZero() {
		return sc.Start
	}
	return time.Date(2026, 1, 5, 0, 0, 0, 0, sc.location())
}

func (sc *Scenario) horizon() time.Duration {
	if sc.Horizon == 0 {
		return 365 * 24 * time.Hour
	}
	return time.Duration(sc.Horizon)
}

func (sc *Scenario) drain() time.Duration {
	if sc.Drain == 0 {
		return 30 * 24 * time.Hour
	}
	return time.Duration(sc.Drain)
}

func (sc *Scenario) warmup() time.Duration {
	switch {
	case sc.Warmup == 0:
		return min(7*24*time.Hour, sc.horizon()/10)
	case sc.Warmup < 0:
		return 0
	}
	return time.Duration(sc.Warmup)
}

func (sc *Scenario) replications() int {
	if sc.Replications == 0 {
		return 20
	}
	return sc.Replications
}

func (sc *Scenario) policyNames() []string {
	if len(sc.Policies) == 0 {
		return BuiltinPolicies()
	}
	return sc.Policies
}

func (sc *Scenario) baseline() string {
	if sc.Baseline != "" {
		return sc.Baseline
	}
	return sc.policyNames()[0]
}

// A Duration is a time.Duration written as Go writes it ("90m", "1h30m")
// or as whole days ("3d").
type Duration time.Duration

// ParseDuration reads a Duration: "45m", "6h", "1h30m" or "3d".
func ParseDuration(s string) (Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.ParseFloat(n, 64)
		if err != nil || !(math.Abs(days) <= 100*366) {
			return 0, fmt.Errorf("bad duration %q: want 30m, 6h or 3d", s)
		}
		return Duration(days * float64(24*time.Hour)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("bad duration %q: want 30m, 6h or 3d", s)
	}
	return Duration(d), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	*d = v
	return err
}

// MarshalText writes whole days as "3d", anything else as Go does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// String writes whole days as "3d", and drops zero parts: "1h30m", "5m",
// "1m20s".
func (d Duration) String() string {
	const day = 24 * time.Hour
	t := time.Duration(d)
	switch {
	case t != 0 && t%day == 0:
		return strconv.FormatInt(int64(t/day), 10) + "d"
	case t <= 0 || t%time.Second != 0:
		return t.String()
	}
	var b strings.Builder
	for _, u := range []struct {
		d    time.Duration
		name string
	}{{time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}} {
		if n := t / u.d; n > 0 {
			b.WriteString(strconv.FormatInt(int64(n), 10) + u.name)
			t -= n * u.d
		}
	}
	return b.String()
}

// parse returns the days a shift starts on (bit 0 Monday) and its start
// and end as offsets into the day.
func (s Shift) parse() (days uint8, from, to time.Duration, err error) {
	if from, err = clockTime(s.From); err != nil {
		return 0, 0, 0, fmt.Errorf("from: %w", err)
	}
	if to, err = clockTime(s.To); err != nil {
		return 0, 0, 0, fmt.Errorf("to: %w", err)
	}
	if to <= from {
		to += 24 * time.Hour // through midnight
	}
	if s.Days == "" {
		return 0x7f, from, to, nil
	}
	for part := range strings.SplitSeq(s.Days, ",") {
		a, b, ranged := strings.Cut(strings.TrimSpace(part), "-")
		i, j := weekday(a), weekday(b)
		if !ranged {
			j = i
		}
		if i < 0 || j < 0 {
			return 0, 0, 0, fmt.Errorf("days %q: want e.g. Mon-Fri or Sat,Sun", s.Days)
		}
		for d := i; ; d = (d + 1) % 7 {
			days |= 1 << d
			if d == j {
				break
			}
		}
	}
	return days, from, to, nil
}

// weekday returns the day named by s (Monday 0), or -1.
func weekday(s string) int {
	for i, d := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(s)), d) {
			return i
		}
	}
	return -1
}

// clockTime reads "08:00" or "8:30" as an offset into the day; "24:00" is
// the end of the day.
func clockTime(s string) (time.Duration, error) {
	h, m, ok := strings.Cut(s, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 || hh*60+mm > 24*60 {
		return 0, fmt.Errorf("%q: want a time of day like 08:00", s)
	}
	return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute, nil
}
