package stats

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

var ams = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		panic(err)
	}
	return loc
}()

// at returns a time in Amsterdam.
func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, ams)
	if err != nil {
		panic(err)
	}
	return t
}

// reported returns a reported study, ready at ready and reported after d.
func reported(site, acc string, band triage.Band, ready time.Time, d time.Duration, mod func(*worklist.Turnaround)) worklist.Turnaround {
	t := worklist.Turnaround{Site: site, Accession: acc, Status: worklist.StatusFinal, Band: band,
		Modality: "CT", Priority: "R", PatientClass: "O", Section: "chest",
		OrderedAt: ready.Add(-time.Hour), CompletedAt: ready, ReportedAt: ready.Add(d), Due: ready.Add(time.Hour)}
	if mod != nil {
		mod(&t)
	}
	return t
}

func secs(s *Seconds) any {
	if s == nil {
		return nil
	}
	return int64(*s)
}

func TestPercentile(t *testing.T) {
	tests := []struct {
		xs               []float64
		median, p90, p95 float64
	}{
		{[]float64{5}, 5, 5, 5},
		{[]float64{1, 2, 3, 4}, 2.5, 3.7, 3.85},
		{[]float64{10, 20, 30, 40, 50, 60, 70, 80, 90, 100}, 55, 91, 95.5},
		{[]float64{0, 0, 0, 60}, 0, 42, 51},
	}
	for _, tt := range tests {
		for _, c := range []struct {
			p, want float64
		}{{50, tt.median}, {90, tt.p90}, {95, tt.p95}} {
			if got := percentile(tt.xs, c.p); math.Abs(got-c.want) > 1e-9 {
				t.Errorf("percentile(%v, %v) = %v, want %v", tt.xs, c.p, got, c.want)
			}
		}
	}
	if got := percentile(nil, 50); !math.IsNaN(got) {
		t.Errorf("percentile of nothing = %v", got)
	}
}

// feed is a known week: five reported studies at two sites, one reported
// before it was ready (a sender's clock: left out), one cancelled.
func feed() []worklist.Turnaround {
	m := time.Minute
	return []worklist.Turnaround{
		// Flagged by AI at 10:05, read at 10:20: 20 min from ready, 30 from order, 15 from flag.
		reported("ZHWEST", "A", triage.Critical, at("2026-11-23 10:00"), 20*m, func(t *worklist.Turnaround) {
			t.Priority, t.PatientClass, t.OrderedAt = "S", "E", at("2026-11-23 09:50")
			t.FirstAIAt, t.FirstFlagAt = at("2026-11-23 10:05"), at("2026-11-23 10:05")
		}),
		// AI negative; 2 h; ordered the day before.
		reported("ZHWEST", "B", triage.Routine, at("2026-11-23 10:00"), 120*m, func(t *worklist.Turnaround) {
			t.OrderedAt, t.FirstAIAt = at("2026-11-22 09:00"), at("2026-11-23 10:01")
		}),
		// An evening MR read after midnight: 3 h, out of hours.
		reported("ZHWEST", "C", triage.Routine, at("2026-11-23 22:30"), 180*m, func(t *worklist.Turnaround) {
			t.Modality, t.PatientClass, t.Section = "MR", "I", ""
		}),
		// The other site, urgent, 40 min, due in 30: late by 10 min.
		reported("ZHOOST", "D", triage.Urgent, at("2026-11-24 14:00"), 40*m, func(t *worklist.Turnaround) {
			t.Modality, t.Priority, t.PatientClass, t.Due = "DX", "A", "E", at("2026-11-24 14:30")
		}),
		reported("ZHOOST", "F", triage.Routine, at("2026-11-24 15:00"), -5*m, nil),
		{Site: "ZHOOST", Accession: "X", Status: worklist.StatusCancelled, Band: triage.Routine, Modality: "CT",
			CompletedAt: at("2026-11-24 08:00"), CancelledAt: at("2026-11-24 09:00"), Due: at("2026-11-24 09:00")},
	}
}

func TestTurnarounds(t *testing.T) {
	cal := &Calendar{}
	type group struct {
		key                   string
		n                     int
		median, p90, p95, max any
	}
	tests := []struct {
		name   string
		iv     Interval
		by     Dimension
		filter Filter
		all    group
		groups []group
	}{
		{name: "completed to final by band", iv: ReadyToFinal, by: ByBand,
			all: group{"", 4, int64(4800), int64(9720), int64(10260), int64(10800)}, // 1200 2400 7200 10800
			groups: []group{
				{"critical", 1, int64(1200), int64(1200), int64(1200), int64(1200)}, // one study
				{"urgent", 1, int64(2400), int64(2400), int64(2400), int64(2400)},
				{"routine", 2, int64(9000), int64(10440), int64(10620), int64(10800)},
			}},
		{name: "order to final by site", iv: OrderToFinal, by: BySite,
			// A 1800, B 25*3600+7200=97200 (ordered the day before), C 14400,
			// D 6000, F 3300 (reported before ready, but after its order)
			all: group{"", 5, int64(6000), int64(64080), int64(80640), int64(97200)},
			groups: []group{
				{"ZHOOST", 2, int64(4650), int64(5730), int64(5865), int64(6000)},
				{"ZHWEST", 3, int64(14400), int64(80640), int64(88920), int64(97200)},
			}},
		{name: "flag to final: only the flagged", iv: FlagToFinal, by: ByAI,
			all: group{"", 1, int64(900), int64(900), int64(900), int64(900)},
			groups: []group{
				{"positive", 1, int64(900), int64(900), int64(900), int64(900)},
				{"negative", 0, nil, nil, nil, nil}, // empty groups are shown
				{"none", 0, nil, nil, nil, nil},
			}},
		{name: "by AI outcome", iv: ReadyToFinal, by: ByAI,
			all: group{"", 4, int64(4800), int64(9720), int64(10260), int64(10800)},
			groups: []group{
				{"positive", 1, int64(1200), int64(1200), int64(1200), int64(1200)},
				{"negative", 1, int64(7200), int64(7200), int64(7200), int64(7200)},
				{"none", 2, int64(6600), int64(9960), int64(10380), int64(10800)}, // 2400, 10800
			}},
		{name: "working hours and the night", iv: ReadyToFinal, by: ByHours,
			all: group{"", 4, int64(4800), int64(9720), int64(10260), int64(10800)},
			groups: []group{
				{"working", 3, int64(2400), int64(6240), int64(6720), int64(7200)},
				{"out-of-hours", 1, int64(10800), int64(10800), int64(10800), int64(10800)},
			}},
		{name: "filtered to MR: empty bands stay", iv: ReadyToFinal, by: ByBand, filter: Filter{Modalities: []string{"mr"}},
			all: group{"", 1, int64(10800), int64(10800), int64(10800), int64(10800)},
			groups: []group{
				{"critical", 0, nil, nil, nil, nil},
				{"urgent", 0, nil, nil, nil, nil},
				{"routine", 1, int64(10800), int64(10800), int64(10800), int64(10800)},
			}},
		{name: "by section: no section is other", iv: ReadyToFinal, by: BySection,
			all: group{"", 4, int64(4800), int64(9720), int64(10260), int64(10800)},
			groups: []group{
				{"chest", 3, int64(2400), int64(6240), int64(6720), int64(7200)},
				{"other", 1, int64(10800), int64(10800), int64(10800), int64(10800)},
			}},
		{name: "nothing matches", iv: ReadyToFinal, by: ByModality, filter: Filter{Modalities: []string{"US"}},
			all: group{"", 0, nil, nil, nil, nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// In two parts, as a store hands out its days: the figures do
			// not depend on them.
			all := feed()
			r := Turnarounds(worklist.Facts{all[:2], nil, all[2:]}, tt.iv, tt.by, tt.filter, cal)
			check := func(what string, s Summary, want group) {
				got := group{want.key, s.N, secs(s.Median), secs(s.P90), secs(s.P95), secs(s.Max)}
				if got != want {
					t.Errorf("%s: %+v, want %+v", what, got, want)
				}
			}
			check("all", r.All, tt.all)
			if len(r.Groups) != len(tt.groups) {
				t.Fatalf("%d groups, want %d: %+v", len(r.Groups), len(tt.groups), r.Groups)
			}
			for i, g := range r.Groups {
				if g.Key != tt.groups[i].key {
					t.Errorf("group %d is %q, want %q", i, g.Key, tt.groups[i].key)
				}
				check(g.Key, g.Summary, tt.groups[i])
			}
		})
	}
}

func TestDueCompliance(t *testing.T) {
	r := DueCompliance(worklist.Facts{feed()}, ByBand, Filter{}, &Calendar{})
	// Due an hour after ready: A (20 min) B (2 h: late by 1 h) C (3 h: late
	// by 2 h) met/missed; D due in 30, read in 40: late 10 min; F reported
	// before its due (counts as met: the report came by the due time).
	type row struct {
		key    string
		n, met int
		share  any
		late   any // median lateness
	}
	share := func(p *float64) any {
		if p == nil {
			return nil
		}
		return math.Round(*p*1000) / 1000
	}
	got := []row{{"all", r.All.N, r.All.Met, share(r.All.Share), secs(r.All.Late.Median)}}
	for _, g := range r.Groups {
		got = append(got, row{g.Key, g.N, g.Met, share(g.Share), secs(g.Late.Median)})
	}
	want := []row{
		{"all", 5, 2, 0.4, int64(3600)}, // missed: 600, 3600, 7200
		{"critical", 1, 1, 1.0, nil},
		{"urgent", 1, 0, 0.0, int64(600)},
		{"routine", 3, 1, 0.333, int64(5400)},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%s: %+v, want %+v", want[i].key, got[i], want[i])
		}
	}
}

func TestBacklogAt(t *testing.T) {
	now := at("2026-11-23 12:00")
	open := []worklist.Waiting{
		{Site: "ZHWEST", Accession: "1", Band: triage.Critical, Due: at("2026-11-23 11:30"), ReadyAt: at("2026-11-23 11:00")},
		{Site: "ZHWEST", Accession: "2", Band: triage.Routine, Due: at("2026-11-24 12:00"), ReadyAt: at("2026-11-21 12:00")},
		{Site: "ZHOOST", Accession: "3", Band: triage.Routine, Due: at("2026-11-23 11:59"), ReadyAt: at("2026-11-23 08:00")},
		{Site: "ZHOOST", Accession: "4", Band: triage.Urgent, Due: at("2026-11-23 12:00"), ReadyAt: at("2026-11-23 11:45")}, // due now: not yet overdue
	}
	b := BacklogAt(open, now)
	got, _ := json.Marshal(b)
	want := `{"at":"2026-11-23T12:00:00+01:00","open":4,"overdue":2,"oldest":172800,` +
		`"bands":[{"band":"critical","open":1,"overdue":1},{"band":"urgent","open":1,"overdue":0},{"band":"routine","open":2,"overdue":1}],` +
		`"sites":[{"site":"ZHOOST","open":2,"overdue":1,"oldest":14400},{"site":"ZHWEST","open":2,"overdue":1,"oldest":172800}]}`
	if string(got) != want {
		t.Errorf("backlog\n got %s\nwant %s", got, want)
	}
	empty, _ := json.Marshal(BacklogAt(nil, now))
	if want := `{"at":"2026-11-23T12:00:00+01:00","open":0,"overdue":0,"oldest":null,` +
		`"bands":[{"band":"critical","open":0,"overdue":0},{"band":"urgent","open":0,"overdue":0},{"band":"routine","open":0,"overdue":0}],"sites":[]}`; string(empty) != want {
		t.Errorf("empty backlog\n got %s\nwant %s", empty, want)
	}
}

func TestBacklogByHour(t *testing.T) {
	cal := &Calendar{}
	mon := func(hm string) time.Time { return at("2026-11-23 " + hm) }
	facts := []worklist.Turnaround{
		// Waits at 10:00 and 11:00.
		reported("ZHWEST", "X", triage.Routine, mon("09:30"), 100*time.Minute, nil),
		// Waits at 08:00 and 09:00: reported on the hour, so not at 10:00.
		reported("ZHWEST", "Z", triage.Routine, mon("08:00"), 2*time.Hour, nil),
		// Cancelled while waiting: at 09:00 only.
		{Site: "ZHWEST", Accession: "C", Status: worklist.StatusCancelled, CompletedAt: mon("08:59"), CancelledAt: mon("09:01")},
		// Closed before the period: nothing.
		reported("ZHWEST", "P", triage.Routine, at("2026-11-22 20:00"), time.Hour, nil),
	}
	open := []worklist.Waiting{{Site: "ZHWEST", Accession: "Y", ReadyAt: mon("10:00")}} // from 10:00 on
	g := BacklogByHour(worklist.Facts{facts}, open, mon("00:00"), at("2026-11-24 00:00"), cal)
	want := map[int]float64{8: 1, 9: 2, 10: 2, 11: 2}
	for h := 12; h < 24; h++ {
		want[h] = 1
	}
	for h := range 24 {
		if g.Mean[0][h] != want[h] || g.Samples[0][h] != 1 {
			t.Errorf("Monday %02d:00: mean %v of %d hours, want %v of 1", h, g.Mean[0][h], g.Samples[0][h], want[h])
		}
	}
	if g.Mean[1] != [24]float64{} || g.Samples[1] != [24]int{} {
		t.Errorf("Tuesday: %v %v, want nothing", g.Mean[1], g.Samples[1])
	}

	// Over two Mondays, the one study waiting the first Monday only counts
	// half in the mean.
	g = BacklogByHour(worklist.Facts{facts}, nil, mon("00:00"), at("2026-12-01 00:00"), cal)
	if g.Mean[0][9] != 1 || g.Samples[0][9] != 2 {
		t.Errorf("two Mondays, 09:00: mean %v of %d, want 1 of 2", g.Mean[0][9], g.Samples[0][9])
	}
}

// TestDST: the clocks go back on 25 October 2026 (02:00 CEST twice) and
// forward on 29 March 2026 (no 02:00); days, hours and working hours are
// those on the wall.
func TestDST(t *testing.T) {
	cal := &Calendar{}
	utc := func(s string) time.Time {
		v, _ := time.Parse("2006-01-02 15:04", s)
		return v
	}
	// A study waiting the whole of the long Sunday counts at 02:00 twice.
	open := []worklist.Waiting{{Site: "ZHWEST", ReadyAt: utc("2026-10-24 12:00")}}
	g := BacklogByHour(nil, open, at("2026-10-25 00:00"), at("2026-10-26 00:00"), cal)
	if g.Samples[6][2] != 2 || g.Mean[6][2] != 1 || g.Samples[6][3] != 1 {
		t.Errorf("25 October: 02:00 sampled %d times (mean %v), 03:00 %d times; want 2 (1), 1", g.Samples[6][2], g.Mean[6][2], g.Samples[6][3])
	}
	total := 0
	for h := range 24 {
		total += g.Samples[6][h]
	}
	if total != 25 {
		t.Errorf("25 October has %d hours, want 25", total)
	}
	g = BacklogByHour(nil, open, at("2026-03-29 00:00"), at("2026-03-30 00:00"), cal)
	if g.Samples[6][2] != 0 || g.Samples[6][3] != 1 {
		t.Errorf("29 March: 02:00 sampled %d times, want none", g.Samples[6][2])
	}

	// Reports at 00:30 local on either side of the change fall on their
	// own dates; the long day is one day.
	m := time.Minute
	facts := []worklist.Turnaround{
		reported("ZHWEST", "1", triage.Routine, utc("2026-10-24 22:00"), 30*m, nil), // 00:30 CEST on the 25th
		reported("ZHWEST", "2", triage.Routine, utc("2026-10-25 23:00"), 30*m, nil), // 00:30 CET on the 26th
		reported("ZHWEST", "3", triage.Routine, utc("2026-10-25 22:00"), 30*m, nil), // 23:30 CET on the 25th
		// Spans midnight: ready 23:00 on the 23rd, read 01:00 on the 24th; counts on the 24th.
		reported("ZHWEST", "4", triage.Routine, at("2026-10-23 23:00"), 2*time.Hour, nil),
	}
	days := Trend(worklist.Facts{facts}, at("2026-10-23 00:00"), at("2026-10-27 00:00"), Filter{}, cal)
	got := ""
	for _, d := range days {
		got += d.Date + ":" + string(rune('0'+d.Reported)) + " "
	}
	if want := "2026-10-23:0 2026-10-24:1 2026-10-25:2 2026-10-26:1 "; got != want {
		t.Errorf("trend %q, want %q", got, want)
	}
	if s := days[1].Turnaround; s.N != 1 || *s.Median != 7200 {
		t.Errorf("the study across midnight: %+v, want 2 h", s)
	}

	// 07:30 UTC is 08:30 in winter (working) and 09:30 in summer; 06:30 UTC
	// is 07:30 in winter (not yet) and 08:30 in summer (working).
	for _, c := range []struct {
		t    time.Time
		want bool
	}{
		{utc("2026-03-23 07:30"), true}, {utc("2026-03-23 06:30"), false},
		{utc("2026-03-30 06:30"), true}, {utc("2026-03-30 15:30"), false}, // 17:30 CEST
		{utc("2026-03-28 10:00"), false}, // Saturday
	} {
		if got := cal.Working("ZHWEST", c.t); got != c.want {
			t.Errorf("Working(%v) = %v, want %v", c.t, got, c.want)
		}
	}
}

func TestReadsByHour(t *testing.T) {
	cal := &Calendar{}
	var facts []worklist.Turnaround
	for i, s := range []string{"2026-11-23 10:15", "2026-11-23 10:45", "2026-11-23 11:00", "2026-11-30 10:59"} {
		facts = append(facts, reported("ZHWEST", string(rune('a'+i)), triage.Routine, at(s).Add(-time.Hour), time.Hour, nil))
	}
	facts = append(facts, reported("ZHOOST", "o", triage.Routine, at("2026-11-23 09:00"), time.Hour+30*time.Minute, nil))
	facts = append(facts, worklist.Turnaround{Site: "ZHWEST", Status: worklist.StatusCancelled, CancelledAt: at("2026-11-23 10:30")})
	g := ReadsByHour(worklist.Facts{facts}, at("2026-11-23 00:00"), at("2026-12-07 00:00"), cal)
	// Two Mondays: at 10:00 three reports at ZHWEST and one at ZHOOST.
	if g.Mean[0][10] != 2 || g.Mean[0][11] != 0.5 || g.Samples[0][10] != 2 {
		t.Errorf("Monday 10:00 %v, 11:00 %v (of %d hours); want 2 and 0.5 of 2", g.Mean[0][10], g.Mean[0][11], g.Samples[0][10])
	}
	if g.Mean[1][10] != 0 {
		t.Errorf("Tuesday 10:00: %v", g.Mean[1][10])
	}
}

func TestDistribute(t *testing.T) {
	d := Distribute(worklist.Facts{feed()}, ReadyToFinal, ByBand, Filter{}, &Calendar{})
	got, _ := json.Marshal(d)
	// A 20 min, D 40 min, B 2 h (the bin from 2 h), C 3 h.
	want := `{"interval":"completed-final","by":"band","bins":[0,900,1800,3600,7200,14400,28800,86400,259200],"groups":[` +
		`{"key":"critical","counts":[0,1,0,0,0,0,0,0,0]},{"key":"urgent","counts":[0,0,1,0,0,0,0,0,0]},` +
		`{"key":"routine","counts":[0,0,0,0,2,0,0,0,0]}]}`
	if string(got) != want {
		t.Errorf("distribution\n got %s\nwant %s", got, want)
	}
	d = Distribute(nil, ReadyToFinal, All, Filter{}, &Calendar{})
	if len(d.Groups) != 1 || d.Groups[0].Key != "all" || d.Groups[0].Counts[0] != 0 {
		t.Errorf("empty distribution %+v", d)
	}
}
