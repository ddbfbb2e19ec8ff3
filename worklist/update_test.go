package worklist_test

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// desk is the whole of what a store does around the merge, kept in
// memory: studies by site and accession, and the events that wait for
// their order. It lets the merge be tested, as the store uses it, without
// Redis.
type desk struct {
	rules   *triage.Rules
	studies map[string]*worklist.Study
	pending map[string][]worklist.Event
}

func newDesk() *desk {
	return &desk{rules: triage.DefaultRules(), studies: map[string]*worklist.Study{}, pending: map[string][]worklist.Event{}}
}

// apply merges e as the store does: an event for an unknown accession
// that does not create the study waits; the order merges what waited. A
// patient update goes to each open study of the patient.
func (d *desk) apply(t *testing.T, e worklist.Event, now time.Time) (worklist.Transition, bool) {
	t.Helper()
	if e.Kind == worklist.PatientUpdated {
		var last worklist.Transition
		for _, st := range d.studies {
			if st.Patient.MRN == e.Patient.MRN && !st.Status.Closed() {
				e.Accession = st.Accession
				last, _ = d.apply1(t, e, now)
			}
		}
		return last, false
	}
	return d.apply1(t, e, now)
}

func (d *desk) apply1(t *testing.T, e worklist.Event, now time.Time) (worklist.Transition, bool) {
	t.Helper()
	key := e.Site + "/" + e.Accession
	st := d.studies[key]
	if st == nil {
		if !e.Kind.CreatesStudy() {
			d.pending[key] = append(d.pending[key], e)
			return worklist.Transition{}, true
		}
		st = &worklist.Study{Site: e.Site, Accession: e.Accession}
	}
	next := *st
	tr, err := worklist.Update(&next, d.pending[key], worklist.ApplyEvent(e), d.rules, now)
	if err != nil {
		t.Fatalf("%s %s: %v", e.Kind, e.Accession, err)
	}
	delete(d.pending, key)
	d.studies[key] = &next
	return tr, false
}

// list returns the accessions on the reading list, in reading order.
func (d *desk) list() []string {
	var on []*worklist.Study
	for _, st := range d.studies {
		if st.OnList {
			on = append(on, st)
		}
	}
	slices.SortFunc(on, worklist.Compare)
	accs := make([]string, len(on))
	for i, st := range on {
		accs[i] = st.Accession
	}
	return accs
}

func order(kind worklist.EventKind, acc string, at time.Time, mod func(*worklist.Order)) worklist.Event {
	o := &worklist.Order{
		Patient: worklist.Patient{MRN: "7012345", Family: "van den Berg", Prefix: "van den", Surname: "Berg",
			Given: "Jan", BirthDate: "1958-04-12", Sex: "M"},
		PatientClass: "O", Priority: "R", Modality: "CT", ProcedureCode: "CTTHAB",
		ProcedureText: "CT thorax-abdomen", OrderedAt: t0.Add(-48 * time.Hour),
	}
	if mod != nil {
		mod(o)
	}
	return worklist.Event{Kind: kind, Site: "ZHWEST", Accession: acc, At: at, Order: o}
}

func ai(acc, id string, positive bool) worklist.Event {
	algo := triage.Algorithm{ID: "aidoc-pe", Name: "Incidental PE", Version: "2.1", Vendor: "Aidoc"}
	return worklist.Event{Kind: worklist.AIResultReceived, Site: "ZHWEST", Accession: acc, At: t0, Source: "ai:" + id,
		AI: &worklist.AIResult{ID: id, Algorithm: algo, ProducedAt: t0,
			Findings: []triage.Finding{{Code: "PE", Display: "Pulmonary embolism", Positive: positive, Confidence: 0.94}}}}
}

func report(kind worklist.EventKind, acc string, at time.Time, reader string) worklist.Event {
	return worklist.Event{Kind: kind, Site: "ZHWEST", Accession: acc, At: at, Report: &worklist.Report{Reader: reader}}
}

func cancel(acc string, at time.Time) worklist.Event {
	return worklist.Event{Kind: worklist.OrderCancelled, Site: "ZHWEST", Accession: acc, At: at}
}

func adt(p worklist.Patient) worklist.Event {
	return worklist.Event{Kind: worklist.PatientUpdated, Site: "ZHWEST", At: t0, Patient: &p}
}

// A step is one event and what the merge must make of it.
type step struct {
	e worklist.Event
	// changed, list and pending: what Update reports (pending: the event
	// waits for its order).
	changed bool
	list    worklist.ChangeKind
	pending bool
	// turnaround: the step makes a turnaround record (it closed the
	// study, or changed a closed one).
	turnaround bool
	// study checks the study after the step, when set.
	study func(*worklist.Study) string
}

func TestUpdate(t *testing.T) {
	h := time.Hour
	completed := func(acc string, at time.Time) worklist.Event { return order(worklist.ExamCompleted, acc, at, nil) }
	tests := []struct {
		name  string
		steps []step
		list  []string // the reading list after the last step
	}{
		{
			name: "order, completion, AI flag, final report",
			steps: []step{
				{e: order(worklist.OrderPlaced, "W1", t0, nil), changed: true,
					study: want(worklist.StatusOrdered, false, 0)},
				{e: completed("W1", t0.Add(h)), changed: true, list: worklist.ChangeUpsert,
					study: want(worklist.StatusCompleted, true, triage.Routine)},
				{e: ai("W1", "r1", true), changed: true, list: worklist.ChangeUpsert,
					study: want(worklist.StatusCompleted, true, triage.Critical)},
				{e: report(worklist.ReportFinal, "W1", t0.Add(2*h), "Jansen"), changed: true, list: worklist.ChangeRemove,
					turnaround: true, study: want(worklist.StatusFinal, false, triage.Critical)},
			},
			list: []string{},
		},
		{
			name: "an older order message after a newer one fills gaps, undoes nothing",
			steps: []step{
				{e: order(worklist.ExamCompleted, "W1", t0.Add(3*h), func(o *worklist.Order) { o.Priority = "S"; o.Modality = "" }),
					changed: true, list: worklist.ChangeUpsert, study: want(worklist.StatusCompleted, true, triage.Urgent)},
				{e: order(worklist.OrderPlaced, "W1", t0.Add(h), nil), changed: true, list: worklist.ChangeUpsert,
					study: func(st *worklist.Study) string {
						if st.Status != worklist.StatusCompleted || st.Priority != "S" || st.Modality != "CT" {
							return fmt.Sprintf("status %s priority %s modality %q; want completed, S kept, CT filled in", st.Status, st.Priority, st.Modality)
						}
						return ""
					}},
				{e: order(worklist.ExamStarted, "W1", t0.Add(2*h), nil), list: worklist.ChangeUpsert,
					study: want(worklist.StatusCompleted, true, triage.Urgent)},
				// A newer change overwrites.
				{e: order(worklist.OrderChanged, "W1", t0.Add(4*h), nil), changed: true, list: worklist.ChangeUpsert,
					study: want(worklist.StatusCompleted, true, triage.Routine)},
			},
			list: []string{"W1"},
		},
		{
			name: "an AI result before its order waits, and puts the study on top when the order comes",
			steps: []step{
				{e: completed("W2", t0), changed: true, list: worklist.ChangeUpsert},
				{e: ai("W1", "r1", true), pending: true},
				{e: order(worklist.OrderPlaced, "W1", t0, nil), changed: true, list: worklist.ChangeUpsert,
					study: func(st *worklist.Study) string {
						if len(st.Results) != 1 || !st.OnList || st.Rank.Band != triage.Critical || st.FirstFlagAt.IsZero() {
							return fmt.Sprintf("results %d, on list %v, band %s, first flag %v; want the waiting result merged, critical",
								len(st.Results), st.OnList, st.Rank.Band, st.FirstFlagAt)
						}
						return ""
					}},
			},
			list: []string{"W1", "W2"},
		},
		{
			name: "an AI result proves the images exist",
			steps: []step{
				{e: order(worklist.OrderPlaced, "W1", t0, nil), changed: true},
				{e: ai("W1", "r1", false), changed: true, list: worklist.ChangeUpsert,
					study: want(worklist.StatusOrdered, true, triage.Routine)},
			},
			list: []string{"W1"},
		},
		{
			name: "duplicates change nothing",
			steps: []step{
				{e: completed("W1", t0), changed: true, list: worklist.ChangeUpsert},
				{e: completed("W1", t0), list: worklist.ChangeUpsert},
				{e: ai("W1", "r1", true), changed: true, list: worklist.ChangeUpsert},
				{e: ai("W1", "r1", true), list: worklist.ChangeUpsert,
					study: func(st *worklist.Study) string {
						if len(st.Results) != 1 {
							return fmt.Sprintf("%d results, want the one", len(st.Results))
						}
						return ""
					}},
				{e: report(worklist.ReportFinal, "W1", t0.Add(h), "Jansen"), changed: true, list: worklist.ChangeRemove, turnaround: true},
				{e: report(worklist.ReportFinal, "W1", t0.Add(h), "Jansen")},
			},
			list: []string{},
		},
		{
			name: "a negative AI result never lowers a study",
			steps: []step{
				{e: completed("W1", t0), changed: true, list: worklist.ChangeUpsert},
				{e: ai("W1", "r1", true), changed: true, list: worklist.ChangeUpsert},
				{e: ai("W1", "r2", false), changed: true, list: worklist.ChangeUpsert,
					study: want(worklist.StatusCompleted, true, triage.Critical)},
			},
			list: []string{"W1"},
		},
		{
			name: "cancels",
			steps: []step{
				{e: completed("W1", t0), changed: true, list: worklist.ChangeUpsert},
				{e: completed("W2", t0), changed: true, list: worklist.ChangeUpsert},
				{e: cancel("W1", t0.Add(h)), changed: true, list: worklist.ChangeRemove, turnaround: true,
					study: want(worklist.StatusCancelled, false, triage.Routine)},
				{e: cancel("W1", t0.Add(2*h))},
				{e: order(worklist.ExamCompleted, "W1", t0.Add(3*h), nil), changed: true, turnaround: true,
					study: want(worklist.StatusCancelled, false, triage.Routine)},
				// A replay of the first order, older than the cancel, does
				// not reopen it.
				{e: order(worklist.OrderPlaced, "W1", t0.Add(-h), nil), study: want(worklist.StatusCancelled, false, triage.Routine)},
				// Re-ordered after the cancel: it starts again.
				{e: order(worklist.OrderPlaced, "W1", t0.Add(4*h), nil), changed: true,
					study: func(st *worklist.Study) string {
						if st.Status != worklist.StatusOrdered || !st.CancelledAt.IsZero() {
							return fmt.Sprintf("status %s cancelled %v; want ordered again", st.Status, st.CancelledAt)
						}
						return ""
					}},
				{e: report(worklist.ReportFinal, "W2", t0.Add(h), "Jansen"), changed: true, list: worklist.ChangeRemove, turnaround: true},
				{e: cancel("W2", t0.Add(2*h)), study: want(worklist.StatusFinal, false, triage.Routine)},
			},
			list: []string{},
		},
		{
			name: "a preliminary report keeps the study on the list; the final report closes it",
			steps: []step{
				{e: completed("W1", t0), changed: true, list: worklist.ChangeUpsert},
				{e: report(worklist.ReportPreliminary, "W1", t0.Add(h), "drs. Aydin"), changed: true, list: worklist.ChangeUpsert,
					study: want(worklist.StatusPreliminary, true, triage.Routine)},
				{e: report(worklist.ReportPreliminary, "W1", t0.Add(2*h), "drs. Aydin"), list: worklist.ChangeUpsert},
				{e: report(worklist.ReportFinal, "W1", t0.Add(3*h), "dr. Mertens"), changed: true, list: worklist.ChangeRemove, turnaround: true,
					study: func(st *worklist.Study) string {
						if st.Reader != "dr. Mertens" || !st.PreliminaryAt.Equal(t0.Add(h)) || !st.ReportedAt.Equal(t0.Add(3*h)) {
							return fmt.Sprintf("reader %q, preliminary %v, reported %v", st.Reader, st.PreliminaryAt, st.ReportedAt)
						}
						return ""
					}},
				{e: report(worklist.ReportPreliminary, "W1", t0.Add(4*h), "drs. Aydin"), study: want(worklist.StatusFinal, false, triage.Routine)},
			},
			list: []string{},
		},
		{
			name: "corrected reports: the last correction and its reader are kept",
			steps: []step{
				{e: completed("W1", t0), changed: true, list: worklist.ChangeUpsert},
				{e: report(worklist.ReportFinal, "W1", t0.Add(h), "Jansen"), changed: true, list: worklist.ChangeRemove, turnaround: true},
				{e: report(worklist.ReportCorrected, "W1", t0.Add(3*h), "de Boer"), changed: true, turnaround: true,
					study: corrected(t0.Add(h), t0.Add(3*h), "de Boer")},
				{e: report(worklist.ReportCorrected, "W1", t0.Add(2*h), "de Boer"),
					study: corrected(t0.Add(h), t0.Add(3*h), "de Boer")},
				{e: report(worklist.ReportCorrected, "W1", t0.Add(2*h), "Jansen"), changed: true, turnaround: true,
					study: corrected(t0.Add(h), t0.Add(3*h), "Jansen")},
				// A correction that comes first reports the study.
				{e: completed("W2", t0), changed: true, list: worklist.ChangeUpsert},
				{e: report(worklist.ReportCorrected, "W2", t0.Add(h), "Jansen"), changed: true, list: worklist.ChangeRemove, turnaround: true,
					study: corrected(t0.Add(h), t0.Add(h), "Jansen")},
			},
			list: []string{},
		},
		{
			name: "ADT corrections replace the name whole and keep what they do not carry",
			steps: []step{
				{e: completed("W1", t0), changed: true, list: worklist.ChangeUpsert},
				{e: adt(worklist.Patient{MRN: "7012345", Family: "de Vries-van Dijk", Prefix: "de", Surname: "Vries", BirthDate: "1959-04-12"}),
					changed: true, list: worklist.ChangeUpsert,
					study: func(st *worklist.Study) string {
						p := st.Patient
						if p.Family != "de Vries-van Dijk" || p.Given != "" || p.BirthDate != "1959-04-12" || p.Sex != "M" {
							return fmt.Sprintf("patient %+v", p)
						}
						return ""
					}},
				{e: adt(worklist.Patient{MRN: "7012345", Family: "de Vries-van Dijk", Prefix: "de", Surname: "Vries", BirthDate: "1959-04-12"}),
					list: worklist.ChangeUpsert},
				// A late order message does not bring the old name back.
				{e: order(worklist.OrderScheduled, "W1", t0.Add(-time.Hour), nil), list: worklist.ChangeUpsert,
					study: func(st *worklist.Study) string {
						if st.Patient.Family != "de Vries-van Dijk" {
							return "a late order restored the name " + st.Patient.Family
						}
						return ""
					}},
			},
			list: []string{"W1"},
		},
		{
			name: "reading order: band, then due time, then accession",
			steps: []step{
				{e: completed("W3", t0), changed: true, list: worklist.ChangeUpsert},
				{e: completed("W1", t0), changed: true, list: worklist.ChangeUpsert},
				{e: order(worklist.ExamCompleted, "W2", t0.Add(h), func(o *worklist.Order) { o.Priority = "S" }), changed: true, list: worklist.ChangeUpsert},
				{e: order(worklist.ExamCompleted, "W0", t0.Add(h), func(o *worklist.Order) { o.PatientClass = "I" }), changed: true, list: worklist.ChangeUpsert},
				{e: ai("W3", "r1", true), changed: true, list: worklist.ChangeUpsert},
			},
			list: []string{"W3", "W2", "W0", "W1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDesk()
			now := t0
			for i, s := range tt.steps {
				now = now.Add(time.Minute)
				tr, pending := d.apply(t, s.e, now)
				if pending != s.pending || tr.Changed != s.changed || tr.List != s.list || (tr.Turnaround != nil) != s.turnaround {
					t.Errorf("step %d (%s %s): pending %v changed %v list %q turnaround %v; want %v %v %q %v", i, s.e.Kind, s.e.Accession,
						pending, tr.Changed, tr.List, tr.Turnaround != nil, s.pending, s.changed, s.list, s.turnaround)
				}
				if s.study != nil {
					acc := s.e.Accession
					if acc == "" { // a patient update: the study of the step before
						acc = tt.steps[i-1].e.Accession
					}
					if msg := s.study(d.studies["ZHWEST/"+acc]); msg != "" {
						t.Errorf("step %d (%s %s): %s", i, s.e.Kind, s.e.Accession, msg)
					}
				}
			}
			if got := d.list(); !slices.Equal(got, tt.list) {
				t.Errorf("list %v, want %v", got, tt.list)
			}
		})
	}
}

func want(status worklist.Status, onList bool, band triage.Band) func(*worklist.Study) string {
	return func(st *worklist.Study) string {
		if st.Status != status || st.OnList != onList || (band != 0 && st.Rank.Band != band) {
			return fmt.Sprintf("status %s on list %v band %s; want %s %v %s", st.Status, st.OnList, st.Rank.Band, status, onList, band)
		}
		return ""
	}
}

func corrected(reported, at time.Time, reader string) func(*worklist.Study) string {
	return func(st *worklist.Study) string {
		if st.Status != worklist.StatusFinal || st.OnList || !st.ReportedAt.Equal(reported) || !st.CorrectedAt.Equal(at) || st.Reader != reader {
			return fmt.Sprintf("status %s on list %v reported %v corrected %v by %q; want final, reported %v, corrected %v by %q",
				st.Status, st.OnList, st.ReportedAt, st.CorrectedAt, st.Reader, reported, at, reader)
		}
		return ""
	}
}

// TestUpdateDropsBadPendingEvents: a kept event that cannot be applied is
// reported and dropped; the rest is merged.
func TestUpdateDropsBadPendingEvents(t *testing.T) {
	st := &worklist.Study{Site: "ZHWEST", Accession: "W1"}
	bad := worklist.Event{Kind: "order-teleported", Site: "ZHWEST", Accession: "W1"}
	tr, err := worklist.Update(st, []worklist.Event{bad, ai("W1", "r1", true)},
		worklist.ApplyEvent(order(worklist.OrderPlaced, "W1", t0, nil)), triage.DefaultRules(), t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Dropped) != 1 || !tr.Changed || len(st.Results) != 1 {
		t.Errorf("dropped %v, changed %v, results %d; want one dropped and the AI result merged", tr.Dropped, tr.Changed, len(st.Results))
	}
	if _, err := worklist.Update(st, nil, worklist.ApplyEvent(bad), triage.DefaultRules(), t0); err == nil {
		t.Error("an unknown event kind was applied")
	}
}

func TestClaims(t *testing.T) {
	ttl := 20 * time.Minute
	tests := []struct {
		name       string
		held       *worklist.Claim
		status     worklist.Status
		edit       worklist.Edit
		wantErr    error
		wantAction string // the audit record's action; "" for none
		wantBy     string // who holds the study after; "" for nobody
	}{
		{"claim a free study", nil, "", worklist.TakeClaim("jansen", false, ttl), nil, "claim", "jansen"},
		{"renew one's own claim", &worklist.Claim{By: "jansen", At: t0, Until: t0.Add(time.Hour)}, "",
			worklist.TakeClaim("jansen", false, ttl), nil, "renew", "jansen"},
		{"someone else's claim", &worklist.Claim{By: "jansen", At: t0, Until: t0.Add(time.Hour)}, "",
			worklist.TakeClaim("pietersen", false, ttl), worklist.ErrConflict, "", "jansen"},
		{"override", &worklist.Claim{By: "jansen", At: t0, Until: t0.Add(time.Hour)}, "",
			worklist.TakeClaim("pietersen", true, ttl), nil, "override", "pietersen"},
		{"a lapsed claim", &worklist.Claim{By: "jansen", At: t0, Until: t0.Add(time.Minute)}, "",
			worklist.TakeClaim("pietersen", false, ttl), nil, "claim", "pietersen"},
		{"a reported study", nil, worklist.StatusFinal, worklist.TakeClaim("jansen", false, ttl), worklist.ErrConflict, "", ""},
		{"no name", nil, "", worklist.TakeClaim("", false, ttl), worklist.ErrInvalid, "", ""},
		{"release one's own", &worklist.Claim{By: "jansen", At: t0, Until: t0.Add(time.Hour)}, "",
			worklist.ReleaseClaim("jansen", false), nil, "release", ""},
		{"release someone else's", &worklist.Claim{By: "jansen", At: t0, Until: t0.Add(time.Hour)}, "",
			worklist.ReleaseClaim("pietersen", false), worklist.ErrConflict, "", "jansen"},
		{"release someone else's, overriding", &worklist.Claim{By: "jansen", At: t0, Until: t0.Add(time.Hour)}, "",
			worklist.ReleaseClaim("pietersen", true), nil, "override-release", ""},
		{"release a free study", nil, "", worklist.ReleaseClaim("jansen", false), nil, "", ""},
	}
	now := t0.Add(10 * time.Minute)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := &worklist.Study{Site: "ZHWEST", Accession: "W1", Status: cmp.Or(tt.status, worklist.StatusCompleted), Claim: tt.held}
			_, audit, err := tt.edit(st, now)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err %v, want %v", err, tt.wantErr)
			}
			action := ""
			if audit != nil {
				action = audit.Action
			}
			by := ""
			if st.Claim.HeldAt(now) {
				by = st.Claim.By
			}
			if action != tt.wantAction || by != tt.wantBy {
				t.Errorf("audit %q, held by %q; want %q, %q", action, by, tt.wantAction, tt.wantBy)
			}
		})
	}
}

func TestFeedback(t *testing.T) {
	st := &worklist.Study{Site: "ZHWEST", Accession: "W1", Results: []worklist.AIResult{{ID: "r1"}}}
	for i, s := range []struct {
		id, reader, verdict, note string
		changed                   bool
		err                       error
	}{
		{"r1", "jansen", "agree", "", true, nil},
		{"r1", "jansen", "agree", "", false, nil},
		{"r1", "jansen", "disagree", "", true, nil},
		{"r1", "jansen", "disagree", "vessel, not embolus", true, nil},
		{"r1", "de Boer", "accept", "", true, nil},
		{"r1", "visser", "not-assessable", "motion artefacts", true, nil},
		{"r1", "visser", "maybe", "", false, worklist.ErrInvalid},
		{"r9", "jansen", "agree", "", false, worklist.ErrNotFound},
		{"r1", "", "agree", "", false, worklist.ErrInvalid},
	} {
		changed, _, err := worklist.GiveFeedback(s.id, s.reader, s.verdict, s.note)(st, t0)
		if changed != s.changed || !errors.Is(err, s.err) {
			t.Errorf("%d: changed %v err %v; want %v %v", i, changed, err, s.changed, s.err)
		}
	}
	if got := fmt.Sprint(st.Results[0].Feedback); got != "map[de Boer:agree jansen:disagree visser:not-assessable]" {
		t.Errorf("feedback %s", got)
	}
	if got := fmt.Sprint(st.Results[0].Notes); got != "map[jansen:vessel, not embolus visser:motion artefacts]" {
		t.Errorf("notes %s", got)
	}
}

// TestClaimForCarriesTheDisplayName checks that a claim carries the name
// colleagues know its reader by, and that a renewal or an override keeps
// it current.
func TestClaimForCarriesTheDisplayName(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	st := &worklist.Study{Site: "ZHWEST", Accession: "W1", Status: worklist.StatusCompleted}
	steps := []struct {
		name     string
		edit     worklist.Edit
		wantBy   string
		wantName string
	}{
		{"a claim", worklist.ClaimFor(worklist.Reader{Name: "jansen", Display: "Dr. A. Jansen"}, false, time.Hour), "jansen", "Dr. A. Jansen"},
		{"a renewal", worklist.ClaimFor(worklist.Reader{Name: "jansen", Display: "Dr. A. Jansen"}, false, time.Hour), "jansen", "Dr. A. Jansen"},
		{"taken over", worklist.ClaimFor(worklist.Reader{Name: "devries", Display: "drs. B. de Vries"}, true, time.Hour), "devries", "drs. B. de Vries"},
		{"no display name", worklist.ClaimFor(worklist.Reader{Name: "devries"}, false, time.Hour), "devries", ""},
		{"a display name that is the name", worklist.ClaimFor(worklist.Reader{Name: "devries", Display: "devries"}, false, time.Hour), "devries", ""},
	}
	for i, s := range steps {
		if _, _, err := s.edit(st, t0.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if st.Claim.By != s.wantBy || st.Claim.Name != s.wantName {
			t.Errorf("%s: claim by %q named %q, want %q named %q", s.name, st.Claim.By, st.Claim.Name, s.wantBy, s.wantName)
		}
	}
}
