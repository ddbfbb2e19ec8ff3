package main

import (
	"context"
	"time"

	"github.com/voorrang/voorrang/sim"
	"github.com/voorrang/voorrang/stats"
)

// The demo's pilot started four weeks before the demo, after a baseline
// of eight weeks.
const (
	demoPilotWeeks = 4
	demoBaseline   = 56 // days
)

// seedDemoHistory gives the demo's stats page a past: the reported
// studies of both sites over the pilot's baseline and the pilot itself
// (sim.History), and the pilot's definition (sim.DemoPilot), unless the
// store has one already.
func (s *service) seedDemoHistory(ctx context.Context, seed int64, now time.Time) error {
	zone := s.calendar.Zone("ZHWEST")
	y, m, d := now.In(zone).Date()
	start := time.Date(y, m, d-7*demoPilotWeeks, 0, 0, 0, 0, zone)
	facts := sim.History(sim.HistoryOptions{Seed: uint64(seed), From: start.AddDate(0, 0, -demoBaseline),
		To: now.Add(-6 * time.Hour), Zone: zone, PilotStart: start})
	if err := s.store.ImportTurnarounds(ctx, facts); err != nil {
		return err
	}
	def := sim.DemoPilot(start, demoBaseline)
	_, err := s.pilots.UpdatePilot(ctx, def.ID, func(p *stats.Pilot, exists bool) error {
		if !exists {
			*p = def
			p.ChangedBy = "demo"
		}
		return nil
	})
	return err
}
