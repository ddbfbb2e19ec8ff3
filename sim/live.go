package sim

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/voorrang/voorrang/hl7"
)

// A Sender delivers one HL7 message and returns the answer, as an MLLP
// client (hl7/mllp.Client) does.
type Sender interface {
	Send(ctx context.Context, msg []byte) ([]byte, error)
}

// A Live runs a simulation against a running service as its clock goes:
// each message is sent when the clock reaches it, and its ACK checked. A
// negative or missing ACK is logged and counted, and the feed goes on.
type Live struct {
	Sim    *Sim
	Clock  Clock
	Sender Sender
	// Until ends the run when the clock reaches it; zero runs until the
	// context ends.
	Until time.Time
	// Logger receives a line per refused message, per critical AI finding
	// and per simulated hour; nil discards.
	Logger *slog.Logger

	sent, accepted, refused, failed atomic.Int64
}

// LiveStats count what a Live has sent and how it was answered.
type LiveStats struct {
	Sent     int64 // messages sent
	Accepted int64 // answered AA or CA (a resend gets its original ACK)
	Refused  int64 // answered AE, AR, CE or CR, or with something that is not an ACK
	Failed   int64 // no answer: the connection failed or timed out
}

// Stats returns the counts so far; it may be called while Run runs.
func (l *Live) Stats() LiveStats {
	return LiveStats{Sent: l.sent.Load(), Accepted: l.accepted.Load(), Refused: l.refused.Load(), Failed: l.failed.Load()}
}

// Run feeds the service until Until or until ctx ends; it returns nil
// then, and an error only when the simulation itself fails.
func (l *Live) Run(ctx context.Context) error {
	log := l.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	hour := l.Sim.Now().Truncate(time.Hour).Add(time.Hour)
	for {
		now := l.Clock.Now()
		done := !l.Until.IsZero() && !now.Before(l.Until)
		if done {
			now = l.Until
		}
		err := l.Sim.RunUntil(ctx, now, func(ctx context.Context, m Message) error { return l.send(ctx, log, m) })
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			return err
		case done:
			return nil
		}
		if !now.Before(hour) {
			st := l.Stats()
			log.Info("demo: simulated hour", "time", now.In(amsterdam).Format("15:04"), "messages", st.Sent,
				"accepted", st.Accepted, "refused", st.Refused, "failed", st.Failed, "reports", l.Sim.Stats().Final)
			hour = now.Truncate(time.Hour).Add(time.Hour)
		}
		next := l.Sim.Next()
		if !l.Until.IsZero() && next.After(l.Until) {
			next = l.Until
		}
		if err := l.Clock.Wait(ctx, next); err != nil {
			return nil
		}
	}
}

// send sends one message and checks its ACK.
func (l *Live) send(ctx context.Context, log *slog.Logger, m Message) error {
	l.sent.Add(1)
	ack, err := l.Sender.Send(ctx, m.Data)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		l.failed.Add(1)
		log.Warn("demo: no ACK", "site", m.Site, "kind", m.Kind, "err", err)
		return nil
	}
	code, text := ackCode(ack)
	if code != "AA" && code != "CA" {
		l.refused.Add(1)
		log.Warn("demo: message refused", "site", m.Site, "kind", m.Kind,
			"ack", code, "reason", text)
		return nil
	}
	l.accepted.Add(1)
	if m.Critical && !m.Resend {
		log.Info("demo: AI result with a critical finding", "site", m.Site)
	}
	return nil
}

// ackCode returns MSA-1 and the error text (ERR-8, else MSA-3) of an ACK.
func ackCode(ack []byte) (code, text string) {
	m, err := hl7.Parse(ack)
	if err != nil {
		var pe *hl7.ParseError
		if errors.As(err, &pe) {
			return "", "ACK does not parse: " + pe.Error()
		}
		return "", "ACK does not parse"
	}
	text = m.Get("ERR-8")
	if text == "" {
		text = m.Get("MSA-3")
	}
	return m.Get("MSA-1"), text
}
