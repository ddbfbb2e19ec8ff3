package ui

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/voorrang/voorrang/ingest"
	"github.com/voorrang/voorrang/sim/readingroom"
	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

// WhatIfSource is what the what-if routes need of the store: the
// department's turnaround records and the rules in force.
type WhatIfSource interface {
	readingroom.Records
	Rules() *triage.Rules
}

// Limits of the what-if routes: one simulation at a time per instance, of
// at most maxWhatIfWork studies simulated (some seconds on two cores).
const (
	maxWhatIfWork    = 40_000_000
	whatIfTimeout    = 2 * time.Minute
	whatIfDays       = 28
	whatIfMaxDays    = 400
	whatIfHorizon    = 91 * 24 * time.Hour
	whatIfReps       = 10
	whatIfMaxReps    = 50
	whatIfMaxHorizon = 2 * 366 * 24 * time.Hour
)

// A whatIfAnswer is what the what-if routes answer: the scenario
// simulated and the report (readingroom.Report, version 1).
type whatIfAnswer struct {
	Scenario *readingroom.Scenario `json:"scenario"`
	Report   *readingroom.Report   `json:"report"`
}

func (s *Server) getWhatIf(c *fiber.Ctx) error {
	if s.whatIf == nil {
		return fiber.NewError(fiber.StatusNotFound, "the what-if simulator is not configured")
	}
	days, err := intQuery(c, "days", whatIfDays, whatIfMaxDays)
	if err != nil || days == 0 {
		return invalid("days", "days must be a whole number from 1 to "+strconv.Itoa(whatIfMaxDays))
	}
	reps, err := intQuery(c, "replications", whatIfReps, whatIfMaxReps)
	if err != nil || reps < 2 {
		return invalid("replications", "replications must be a whole number from 2 to "+strconv.Itoa(whatIfMaxReps))
	}
	horizon := readingroom.Duration(whatIfHorizon)
	if v := query(c, "horizon"); v != "" {
		if horizon, err = readingroom.ParseDuration(v); err != nil || horizon < readingroom.Duration(24*time.Hour) ||
			time.Duration(horizon) > whatIfMaxHorizon {
			return invalid("horizon", "horizon must be a duration from 1d to 732d, like 91d")
		}
	}
	release, err := s.startWhatIf()
	if err != nil {
		return err
	}
	defer release()
	ctx, cancel := context.WithTimeout(c.UserContext(), whatIfTimeout)
	defer cancel()
	rules := s.whatIf.Rules()
	sc, err := readingroom.FromStore(ctx, storeRecords{s.whatIf}, list(c, "site"), s.now(), time.Duration(days)*24*time.Hour,
		readingroom.DeriveOptions{Rules: rules})
	var failed storeFailure
	switch {
	case errors.As(err, &failed):
		return err // the store's fault: logged, answered 500 without its text
	case err != nil:
		return &apiError{Code: "no_data", Message: "no scenario can be made of the records: " + err.Error(), status: fiber.StatusUnprocessableEntity}
	}
	sc.Horizon, sc.Replications = horizon, reps
	return s.simulate(ctx, c, sc, rules)
}

func (s *Server) postWhatIf(c *fiber.Ctx) error {
	if s.whatIf == nil {
		return fiber.NewError(fiber.StatusNotFound, "the what-if simulator is not configured")
	}
	var body struct {
		Scenario *readingroom.Scenario `json:"scenario"`
	}
	if err := ingest.DecodeJSON(c.Body(), &body); err != nil {
		return err
	}
	if body.Scenario == nil {
		return invalid("scenario", "scenario is required")
	}
	if err := body.Scenario.Check(); err != nil {
		return invalid("scenario", err.Error())
	}
	release, err := s.startWhatIf()
	if err != nil {
		return err
	}
	defer release()
	ctx, cancel := context.WithTimeout(c.UserContext(), whatIfTimeout)
	defer cancel()
	return s.simulate(ctx, c, body.Scenario, s.whatIf.Rules())
}

// storeRecords reads the records of a scenario, marking a failure to read
// them (storeFailure): that is the store's, not records of which no
// scenario can be made, and its text (addresses, Redis errors) is not the
// client's to read.
type storeRecords struct{ readingroom.Records }

type storeFailure struct{ error }

func (r storeRecords) Turnarounds(ctx context.Context, sites []string, from, to time.Time) (worklist.Facts, error) {
	f, err := r.Records.Turnarounds(ctx, sites, from, to)
	if err != nil {
		return f, storeFailure{err}
	}
	return f, nil
}

// startWhatIf takes the instance's one simulation slot.
func (s *Server) startWhatIf() (release func(), err error) {
	select {
	case s.whatIfSlot <- struct{}{}:
		return func() { <-s.whatIfSlot }, nil
	default:
		return nil, &apiError{Code: "busy", Message: "a simulation is running; try again when it is done", status: fiber.StatusTooManyRequests}
	}
}

// simulate runs sc with the site's rules, unless it is too much work.
func (s *Server) simulate(ctx context.Context, c *fiber.Ctx, sc *readingroom.Scenario, rules *triage.Rules) error {
	if w := sc.Work(0); w > maxWhatIfWork {
		return invalid("scenario", fmt.Sprintf("the scenario would simulate %.0f million studies, more than %d million: shorten the horizon or use fewer replications or policies",
			w/1e6, maxWhatIfWork/1_000_000))
	}
	rep, err := readingroom.Run(ctx, sc, readingroom.Options{Rules: rules})
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return &apiError{Code: "timeout", Message: "the simulation took too long", status: fiber.StatusServiceUnavailable}
	case err != nil:
		return invalid("scenario", err.Error())
	}
	return c.JSON(whatIfAnswer{Scenario: sc, Report: rep})
}
