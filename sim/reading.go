package sim

import (
	"context"
	"time"

	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

// look returns the step in which r looks for work: they take the first
// study of their section that nobody reads, or look again in a minute or
// two when there is none.
func (s *Sim) look(r Reader) func(context.Context) error {
	return func(ctx context.Context) error {
		want := func(site, acc string) bool {
			st := s.studies[site+"/"+acc]
			return st != nil && st.onList() && !st.reading && !st.prelim && st.kind.proc.section == r.Section
		}
		var site, acc string
		var ok bool
		var err error
		if s.opts.Desk != nil {
			site, acc, ok, err = s.opts.Desk.Take(ctx, r.Name(), want)
		} else {
			site, acc, ok = s.take(want)
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			s.opts.Logger.Warn("sim: a reader could not take work; trying again", "reader", r.Name(), "err", err)
		}
		st := s.studies[site+"/"+acc]
		if !ok || st == nil {
			s.at(s.now.Add(s.between(time.Minute, 3*time.Minute)), s.look(r))
			return nil
		}
		s.stats.Taken++
		st.reading = true
		read := st.kind.proc.read
		s.at(s.now.Add(s.between(read[0], read[1])).Truncate(time.Second), s.finish(r, st))
		return nil
	}
}

// finish returns the step in which r has read st and reports it: finally,
// or preliminarily when r is a resident, whose supervisor authorises the
// report later.
func (s *Sim) finish(r Reader, st *study) func(context.Context) error {
	return func(ctx context.Context) error {
		st.reading = false
		// A pause before the next study: dictating, a phone call, a colleague's question.
		s.at(s.now.Add(s.between(time.Minute, 5*time.Minute)), s.look(r))
		if st.closed {
			return nil // cancelled while being read
		}
		if !r.Resident {
			return s.report(ctx, st, "F", r.doctor(), nil)
		}
		st.prelim = true
		resident := r.doctor()
		sup := s.supervisor(r)
		s.at(s.now.Add(s.between(8*time.Minute, 25*time.Minute)).Truncate(time.Second), func(ctx context.Context) error {
			if st.closed {
				return nil
			}
			return s.report(ctx, st, "F", sup, &resident)
		})
		return s.report(ctx, st, "P", resident, nil)
	}
}

// supervisor returns the radiologist who authorises r's reports: the
// first of r's section who is not a resident.
func (s *Sim) supervisor(r Reader) doctor {
	for _, o := range s.opts.Readers {
		if o.Section == r.Section && !o.Resident {
			return o.doctor()
		}
	}
	d := r.doctor()
	d.title = "dr."
	return d
}

// report sends a report of st; a final one closes it.
func (s *Sim) report(ctx context.Context, st *study, status string, reader doctor, resident *doctor) error {
	kind := KindPreliminary
	if status == "F" {
		kind = KindFinal
		s.stats.Final++
		s.close(st)
	} else {
		s.stats.Preliminary++
	}
	return s.emit(ctx, Message{Kind: kind, Site: st.site.id, Accession: st.accession,
		Data: reportMessage(s.opts.Stamp, st, status, reader, resident, s.controlID(st.site.sender), s.now)})
}

// take is the simulator's own desk: the first study in the worklist's
// reading order (worklist.Place: band, due time, site, accession) that
// want accepts, ranked at now by the rules, escalations included; the
// what-if simulator (package readingroom) reads in the same order.
func (s *Sim) take(want func(site, acc string) bool) (string, string, bool) {
	var best *study
	var bestPlace worklist.Place
	for _, st := range s.open {
		if !want(st.site.id, st.accession) {
			continue
		}
		p := worklist.Place{Score: triage.Score(s.opts.Rules.Rank(st.facts(), s.now)), Site: st.site.id, Accession: st.accession}
		if best == nil || p.Compare(bestPlace) < 0 {
			best, bestPlace = st, p
		}
	}
	if best == nil {
		return "", "", false
	}
	best.reading = true // as a claim would
	return best.site.id, best.accession, true
}
