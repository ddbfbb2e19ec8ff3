package sim

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/voorrang/voorrang/triage"
)

// A timeline is what will happen to a study before it is read.
type timeline struct {
	scheduled, started, completed time.Time
	cancel, change                time.Time // zero: none
	result                        time.Time // zero: no AI result
	positive                      bool
	sendStarted                   bool
	aiFirst                       bool // the order messages are held up until after the AI result
}

// randomTimeline draws what happens to st.
func (s *Sim) randomTimeline(st *study) timeline {
	var tl timeline
	k := st.kind
	wait := map[string][2]time.Duration{
		"E": {5 * time.Minute, 15 * time.Minute},
		"I": {15 * time.Minute, time.Hour},
		"O": {20 * time.Minute, 90 * time.Minute},
	}[k.class]
	tl.scheduled = st.orderedAt.Add(s.between(wait[0], wait[1])).Truncate(5 * time.Minute).Add(5 * time.Minute)
	tl.started = tl.scheduled.Add(s.between(-2*time.Minute, 6*time.Minute)).Truncate(time.Second)
	if earliest := st.orderedAt.Add(3 * time.Minute); tl.started.Before(earliest) {
		tl.started = earliest
	}
	tl.completed = tl.started.Add(s.between(k.proc.exam[0], k.proc.exam[1])).Truncate(time.Second)
	tl.sendStarted = s.chance(chanceStarted)
	if s.chance(chanceCancel) {
		tl.cancel = st.orderedAt.Add(s.between(time.Minute, tl.started.Sub(st.orderedAt))).Truncate(time.Second)
		return tl
	}
	if k.class == "I" && st.priority == "R" && s.chance(chanceChange) {
		tl.change = st.orderedAt.Add(s.between(time.Minute, tl.started.Sub(st.orderedAt))).Truncate(time.Second)
	}
	if k.ai != nil {
		tl.positive = s.chance(k.positive)
		d := k.ai.delay
		tl.result = tl.completed.Add(s.between(time.Duration(d[0])*time.Minute, time.Duration(d[1])*time.Minute)).Truncate(time.Second)
		tl.aiFirst = tl.change.IsZero() && s.chance(chanceAIFirst)
	}
	return tl
}

// plan schedules the messages of a timeline.
func (s *Sim) plan(st *study, tl timeline) {
	st.scheduled, st.started, st.completed = tl.scheduled, tl.started, tl.completed
	send := st.orderedAt
	if tl.aiFirst {
		s.stats.Held++
		send = tl.result.Add(s.between(time.Minute, 3*time.Minute)).Truncate(time.Second)
	}
	s.at(send, func(ctx context.Context) error {
		if err := s.orderStep(st, KindOrder, statusNew, st.orderedAt)(ctx); err != nil {
			return err
		}
		st.sentOrder = true
		return nil
	})
	if !tl.cancel.IsZero() {
		reasons := []string{"Patient heeft afspraak afgezegd", "Dubbele aanvraag", "Onderzoek vervallen, MRI aangevraagd"}
		os := orderStatus{control: "CA", status: "CA", reason: reasons[s.rng.IntN(len(reasons))]}
		if st.site.epic {
			os.control = "OC"
			if s.chance(0.3) {
				os.control, os.status = "DC", "DC"
			}
		}
		s.at(tl.cancel, s.orderStep(st, KindCancel, os, tl.cancel))
		return
	}
	if !tl.change.IsZero() {
		s.at(tl.change, func(ctx context.Context) error {
			if st.closed {
				return nil
			}
			st.priority = "A"
			s.stats.Changes++
			os := orderStatus{control: "XO", status: "SC", reason: "Klinische achteruitgang"}
			return s.orderStep(st, KindChange, os, s.now)(ctx)
		})
	}
	if tl.sendStarted {
		s.at(later(tl.started, send.Add(time.Second)), s.orderStep(st, KindStarted, statusStarted, tl.started))
	}
	s.at(later(tl.completed, send.Add(2*time.Second)), func(ctx context.Context) error {
		s.stats.Completed++
		if err := s.orderStep(st, KindCompleted, statusCompleted, tl.completed)(ctx); err != nil {
			return err
		}
		st.sentCompleted = true
		return nil
	})
	if !tl.result.IsZero() {
		n := s.next("result")
		id := fmt.Sprintf("%s-%s-%s%04d", strings.ToLower(st.kind.ai.vendor), s.stamped(tl.result).In(amsterdam).Format("20060102"), s.tag, n)
		st.result = drawResult(s.rng, st, tl.positive, id, tl.result)
		s.at(tl.result, s.resultStep(st))
	}
}

// stamped returns the time written in messages for the simulated time t.
func (s *Sim) stamped(t time.Time) time.Time {
	if s.opts.Stamp == nil {
		return t
	}
	return s.opts.Stamp(t)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// orderStep returns the step that sends an order message stamped at.
func (s *Sim) orderStep(st *study, kind Kind, os orderStatus, stamp time.Time) func(context.Context) error {
	return func(ctx context.Context) error {
		if kind == KindCancel {
			s.stats.Cancels++
			s.close(st)
		}
		return s.emit(ctx, Message{Kind: kind, Site: st.site.id, Accession: st.accession,
			Data: orderMessage(s.opts.Stamp, st, os, s.controlID(st.site.sender), stamp)})
	}
}

// resultStep returns the step that sends st's AI result.
func (s *Sim) resultStep(st *study) func(context.Context) error {
	return func(ctx context.Context) error {
		r := st.result
		s.stats.AIResults++
		critical := r.positive && (r.alg == aidocPE || r.alg == aidocICH)
		if r.positive {
			s.stats.Positive++
		}
		if critical {
			s.stats.Critical++
		}
		if err := s.emit(ctx, Message{Kind: KindAIResult, Site: st.site.id, Accession: st.accession, Critical: critical,
			Data: aiMessage(s.opts.Stamp, st, s.controlID("AIP"))}); err != nil {
			return err
		}
		st.sentResult = true
		st.findings = append(st.findings, triage.Finding{Code: r.alg.code, Display: r.display, Positive: r.positive,
			Confidence: r.confidence, Algorithm: triage.Algorithm{ID: r.alg.id, Name: r.alg.name, Version: r.alg.version, Vendor: r.alg.vendor},
			ProducedAt: r.produced})
		return nil
	}
}

// opening schedules the first minutes' story, so that a demo shows its
// point at once: an ED head CT with a bleed at ZHOOST, an ED wrist with a
// fracture and an oncology CT with an incidental PE at ZHWEST, their AI
// results arriving 2, 3½ and 5 minutes after Start.
func (s *Sim) opening() {
	beats := []struct {
		kind                                *orderKind
		site                                *site
		ordered, started, completed, result time.Duration
	}{
		{kindOf(ctHead, "E"), sites[1], -16 * time.Minute, -9 * time.Minute, -4 * time.Minute, 2 * time.Minute},
		{kindOf(xWrist, "E"), sites[0], -14 * time.Minute, -6 * time.Minute, -3 * time.Minute, 3*time.Minute + 30*time.Second},
		{kindOf(ctThoraxAbd, "O"), sites[0], -150 * time.Minute, -40 * time.Minute, -28 * time.Minute, 5 * time.Minute},
	}
	start := s.opts.Start
	for _, b := range beats {
		st := s.newStudy(b.kind, b.site, start.Add(b.ordered).Truncate(time.Second))
		s.plan(st, timeline{
			scheduled: start.Add(b.started).Truncate(5 * time.Minute), started: start.Add(b.started),
			completed: start.Add(b.completed), result: start.Add(b.result), positive: true, sendStarted: true,
		})
	}
}
