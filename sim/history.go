package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/voorrang/voorrang/stats"
	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

// HistoryOptions describe a synthetic history of reported studies: the
// turnaround records a department would have kept, for the demo's stats
// page and for benchmarks of the statistics.
type HistoryOptions struct {
	Seed uint64
	// Sites default to ZHWEST and ZHOOST.
	Sites []string
	// From and To bound when the studies became ready to read.
	From, To time.Time
	// PerDay is how many studies a site does on a weekday (about half on
	// a weekend day); zero means 150.
	PerDay int
	// Zone is the sites' time zone; nil means Europe/Amsterdam.
	Zone *time.Location
	// PilotStart is when the algorithm aidoc-pe starts to prioritise at
	// the first site: before it, it runs display-only (its flags change
	// nothing), from then its flags make the study critical.
	PilotStart time.Time
}

// History returns the turnaround records of synthetic reported studies,
// by the options. The same options give the same records.
func History(o HistoryOptions) []worklist.Turnaround {
	if len(o.Sites) == 0 {
		o.Sites = []string{"ZHWEST", "ZHOOST"}
	}
	if o.PerDay == 0 {
		o.PerDay = 150
	}
	if o.Zone == nil {
		o.Zone = amsterdam
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x4157))
	var out []worklist.Turnaround
	n := 0
	for si, site := range o.Sites {
		for day := dayStart(o.From, o.Zone); day.Before(o.To); day = day.AddDate(0, 0, 1) {
			count := o.PerDay
			if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
				count /= 2
			}
			for range count {
				ready := day.Add(readyOffset(rng))
				if ready.Before(o.From) || !ready.Before(o.To) {
					continue
				}
				n++
				pilot := si == 0 && !o.PilotStart.IsZero() && !ready.Before(o.PilotStart)
				out = append(out, historyStudy(rng, site, fmt.Sprintf("H%s%07d", site[:2], n), ready, pilot))
			}
		}
	}
	return out
}

func dayStart(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// readyOffset draws the time of day a study becomes ready: mostly in
// working hours, some in the evening and at night.
func readyOffset(rng *rand.Rand) time.Duration {
	var h float64
	switch r := rng.Float64(); {
	case r < 0.75:
		h = 8 + rng.Float64()*9
	case r < 0.92:
		h = 17 + rng.Float64()*6
	default:
		h = rng.Float64() * 8
	}
	return time.Duration(h * float64(time.Hour))
}

// historyMix: modality, procedure, its algorithm, and how often the
// algorithm finds something.
var historyMix = []struct {
	share               float64
	modality, procedure string
	algo                *algorithm
	positive            float64
}{
	{0.22, "CT", "CTTHAB", aidocPE, 0.09},
	{0.10, "CT", "CTHEAD", aidocICH, 0.08},
	{0.08, "CT", "CTABD", nil, 0},
	{0.20, "DX", "XTHORAX", lunitCXR, 0.12},
	{0.15, "DX", "XPOLS", gleamerFX, 0.25},
	{0.15, "MR", "MRKNIE", nil, 0},
	{0.10, "US", "USABD", nil, 0},
}

var historyReaders = []string{"dr. A. de Vries", "dr. B. Jansen", "dr. C. Bakker", "dr. D. Visser", "dr. E. Smit", "dr. F. Mulder"}

func historyStudy(rng *rand.Rand, site, acc string, ready time.Time, pilot bool) worklist.Turnaround {
	r := rng.Float64()
	mix := historyMix[len(historyMix)-1]
	for _, m := range historyMix {
		if r < m.share {
			mix = m
			break
		}
		r -= m.share
	}
	priority, class, band := "R", "O", triage.Routine
	switch r := rng.Float64(); {
	case r < 0.08:
		priority, class, band = "S", "E", triage.Critical
	case r < 0.25:
		priority, class, band = "A", "I", triage.Urgent
	case r < 0.40:
		class = "I"
	}
	t := worklist.Turnaround{Site: site, Accession: acc, Version: 6, Status: worklist.StatusFinal,
		Modality: mix.modality, ProcedureCode: mix.procedure, Priority: priority, PatientClass: class,
		Reader:    historyReaders[rng.IntN(len(historyReaders))],
		OrderedAt: ready.Add(-time.Duration(30+rng.IntN(72*60)) * time.Minute), CompletedAt: ready}
	if mix.algo != nil {
		at := ready.Add(time.Duration(mix.algo.delay[0]+rng.IntN(mix.algo.delay[1]-mix.algo.delay[0]+1)) * time.Minute)
		a := worklist.AIOutcome{Algorithm: mix.algo.id, Version: mix.algo.version, At: at}
		t.FirstAIAt = at
		if rng.Float64() < mix.positive {
			a.Positive, a.FlagAt = true, at
			prioritises := mix.algo != aidocPE || pilot
			if prioritises {
				a.Band = triage.Critical
				if mix.algo == gleamerFX || mix.algo == lunitCXR {
					a.Band = triage.Urgent
				}
				band = min(band, a.Band)
			}
			if rng.Float64() < 0.7 { // judged by a reader
				if rng.Float64() < 0.82 {
					a.Agree = 1
				} else {
					a.Disagree = 1
				}
			}
		}
		t.AI = []worklist.AIOutcome{a}
	}
	t.Band = band
	t.Due = ready.Add(map[triage.Band]time.Duration{triage.Critical: time.Hour, triage.Urgent: 4 * time.Hour, triage.Routine: 72 * time.Hour}[band])
	// Reading: critical studies within the hour, urgent within hours,
	// routine within one to three days; slower at night and weekends.
	mean := map[triage.Band]float64{triage.Critical: 35, triage.Urgent: 150, triage.Routine: 1500}[band]
	wait := time.Duration(mean*(0.3+0.7*-math.Log(1-rng.Float64()*0.98))) * time.Minute
	t.FirstClaimedAt = ready.Add(wait - 5*time.Minute)
	if t.FirstClaimedAt.Before(ready) {
		t.FirstClaimedAt = ready
	}
	t.ReportedAt = ready.Add(wait).Truncate(time.Second)
	if len(t.AI) == 1 && t.AI[0].Positive {
		t.FirstFlagAt = t.AI[0].FlagAt
		if t.FirstFlagAt.After(t.ReportedAt) {
			t.AI[0].Discrepancy, t.FirstFlagAt = true, time.Time{}
		}
	}
	return t
}

// DemoPilot is the pilot the demo's history holds, as a department would
// have stated it before the start: flagged studies of aidoc-pe read at
// least two hours sooner (ten expected), and the p95 of routine studies
// without a flag no more than eight hours later.
func DemoPilot(start time.Time, baselineDays int) stats.Pilot {
	return stats.Pilot{
		ID: "aidoc-pe-zhwest", Name: "Incidental PE triage at ZHWEST", Algorithm: aidocPE.id, Sites: []string{"ZHWEST"},
		Start: start, BaselineDays: baselineDays,
		Primary:  stats.Measure{Statistic: stats.StatMedian, AI: stats.AIPositive, Algorithm: aidocPE.id},
		Expected: -600, Minimum: -120,
		Safety: []stats.Safety{{Measure: stats.Measure{Statistic: stats.StatP95, Bands: []string{"routine"}, AI: stats.AINegative}, MaxRise: 480}},
	}
}
