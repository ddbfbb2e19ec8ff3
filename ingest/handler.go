package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/voorrang/voorrang/hl7"
	"github.com/voorrang/voorrang/worklist"
)

// supported lists the message types Voorrang understands, by MSH-9.1 and
// the trigger events of each in MSH-9.2.
var supported = map[string][]string{
	"ORM": {"O01"},
	"OMI": {"O23"},
	"ORU": {"R01"},
	"ADT": {"A08"},
}

// A Store applies events durably and keeps refused messages.
type Store interface {
	Apply(ctx context.Context, e worklist.Event, ack []byte) (worklist.Outcome, error)
	AddDeadLetter(ctx context.Context, d worklist.DeadLetter) error
}

// A Handler answers the messages of an MLLP server.
type Handler struct {
	Store   Store
	Mapping Mapping
	// Application and Facility name Voorrang in its ACKs when the message
	// names no receiver.
	Application, Facility string
	// Logger receives one line per refused message, never its content.
	Logger *slog.Logger
	// Now is the clock of the ACKs; nil means time.Now.
	Now func() time.Time
	// Observe, when set, is told of every message answered: its type
	// (ORM^O01, OMI^O23, ORU^R01, ADT^A08; "unsupported" or "unparsed"),
	// the result (accepted, pending, duplicate, rejected, error) and how
	// long the answer took. For metrics; it must not block.
	Observe func(msgType, result string, took time.Duration)

	stats Stats
}

// Results of a message, as Observe is told them.
const (
	ResultAccepted  = "accepted"
	ResultPending   = "pending"
	ResultDuplicate = "duplicate"
	ResultRejected  = "rejected" // AR
	ResultError     = "error"    // AE
)

// An answer is what Observe is told of a message.
type answer struct{ msgType, result string }

// Stats counts the messages a Handler answered, by outcome.
type Stats struct {
	Accepted, Duplicates, Pending, Rejected, Errors atomic.Int64
}

// Stats returns the handler's counters.
func (h *Handler) Stats() *Stats { return &h.stats }

// ServeMLLP answers one message: AA once its events are stored (or the
// original ACK when the message was applied before), AR with an ERR
// segment when it cannot be parsed or is not a type Voorrang understands,
// AE when it cannot be applied (data missing, or the store unavailable; the
// sender should resend). Refused messages are kept as dead letters.
func (h *Handler) ServeMLLP(ctx context.Context, raw []byte) []byte {
	start := time.Now()
	a := answer{msgType: "unparsed"}
	out := h.serve(ctx, raw, &a)
	if h.Observe != nil {
		h.Observe(a.msgType, a.result, time.Since(start))
	}
	return out
}

func (h *Handler) serve(ctx context.Context, raw []byte, a *answer) []byte {
	ack := hl7.Ack{Application: h.Application, Facility: h.Facility, Time: h.now()}
	m, err := hl7.Parse(raw)
	if err != nil {
		// A batch (FHS/BHS) or several messages in one frame: say so.
		if n := len(hl7.Split(raw)); n > 1 {
			return h.reject(ctx, raw, nil, ack, hl7.AckError{Code: hl7.CodeSegmentSequence,
				Text: fmt.Sprintf("frame holds %d messages; send one message per MLLP frame", n)}, a)
		}
		var pe *hl7.ParseError
		e := hl7.AckError{Code: hl7.CodeSegmentSequence, Text: err.Error()}
		if errors.As(err, &pe) {
			e = hl7.ErrorFor(pe)
		}
		return h.reject(ctx, raw, nil, ack, e, a)
	}
	if e, ok := checkType(m); !ok {
		a.msgType = "unsupported"
		return h.reject(ctx, raw, m, ack, e, a)
	}
	code, trigger, _ := m.Type()
	a.msgType = code + "^" + trigger
	n := normaliser{mapping: h.Mapping}
	events, err := n.events(m)
	if err != nil {
		var me *mapError
		if errors.As(err, &me) {
			return h.fail(ctx, raw, m, ack, me.AckError, a)
		}
		return h.fail(ctx, raw, m, ack, hl7.AckError{Code: hl7.CodeInternalError, Text: err.Error()}, a)
	}
	ack.Code = hl7.AA
	accepted := ack.For(m)
	source := m.Get("MSH-3") + "|" + m.Get("MSH-4") + "|" + m.ControlID()
	var original []byte
	pending := false
	for i, e := range events {
		e.Source = source
		if i > 0 {
			e.Source = fmt.Sprintf("%s#%d", source, i+1)
		}
		out, err := h.Store.Apply(ctx, e, accepted)
		if err != nil {
			code := hl7.CodeInternalError
			text := "the worklist store is unavailable; resend later"
			if errors.Is(err, worklist.ErrInvalid) {
				code, text = hl7.CodeDataType, err.Error()
			} else {
				h.logger().Error("ingest: store failed", "control_id", m.ControlID(), "err", err)
			}
			return h.fail(ctx, raw, m, ack, hl7.AckError{Code: code, Text: text}, a)
		}
		if out.Duplicate && i == 0 {
			original = out.Ack
		}
		pending = pending || out.Pending
	}
	a.result = ResultAccepted
	switch {
	case original != nil:
		h.stats.Duplicates.Add(1)
		a.result = ResultDuplicate
		return original
	case pending:
		h.stats.Pending.Add(1)
		a.result = ResultPending
	}
	h.stats.Accepted.Add(1)
	return accepted
}

// reject answers AR and keeps the message.
func (h *Handler) reject(ctx context.Context, raw []byte, m *hl7.Message, ack hl7.Ack, e hl7.AckError, a *answer) []byte {
	h.stats.Rejected.Add(1)
	a.result = ResultRejected
	ack.Code, ack.Errors = hl7.AR, []hl7.AckError{e}
	return h.refuse(ctx, raw, m, ack)
}

// fail answers AE and keeps the message.
func (h *Handler) fail(ctx context.Context, raw []byte, m *hl7.Message, ack hl7.Ack, e hl7.AckError, a *answer) []byte {
	h.stats.Errors.Add(1)
	a.result = ResultError
	ack.Code, ack.Errors = hl7.AE, []hl7.AckError{e}
	return h.refuse(ctx, raw, m, ack)
}

func (h *Handler) refuse(ctx context.Context, raw []byte, m *hl7.Message, ack hl7.Ack) []byte {
	reason := ack.Errors[0].Text
	d := worklist.DeadLetter{At: h.now(), Code: string(ack.Code), Reason: reason, Message: string(raw)}
	attrs := []any{"code", ack.Code, "reason", reason}
	var out []byte
	if m != nil {
		code, trigger, _ := m.Type()
		d.Source = m.Get("MSH-3") + "|" + m.Get("MSH-4") + "|" + m.ControlID()
		d.Site = m.Get("MSH-4")
		attrs = append(attrs, "type", code+"^"+trigger, "control_id", m.ControlID())
		out = ack.For(m)
	} else {
		out = ack.ForRaw(raw)
	}
	h.logger().Warn("ingest: refused message", attrs...)
	if h.Store != nil {
		if err := h.Store.AddDeadLetter(ctx, d); err != nil {
			h.logger().Error("ingest: could not keep a refused message", "err", err)
		}
	}
	return out
}

// checkType returns the error to report when m's type is not supported.
func checkType(m *hl7.Message) (hl7.AckError, bool) {
	code, trigger, _ := m.Type()
	triggers, ok := supported[code]
	if !ok {
		return hl7.AckError{Segment: "MSH", Sequence: 1, Field: 9, Code: hl7.CodeUnsupportedMessageType,
			Text: fmt.Sprintf("message type %q is not supported; Voorrang accepts ORM^O01, OMI^O23, ORU^R01 and ADT^A08", limit(code, 16))}, false
	}
	for _, t := range triggers {
		if t == trigger {
			return hl7.AckError{}, true
		}
	}
	return hl7.AckError{Segment: "MSH", Sequence: 1, Field: 9, Component: 2, Code: hl7.CodeUnsupportedEvent,
		Text: fmt.Sprintf("trigger event %q of %s is not supported", limit(trigger, 16), code)}, false
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handler) logger() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.Default()
}
