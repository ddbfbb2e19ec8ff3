// Package ingest turns HL7 messages received over MLLP into acknowledged
// work: it parses each message, checks that Voorrang understands it, and
// answers with the ACK the sender's interface engine expects.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/voorrang/voorrang/hl7"
)

// Supported lists the message types Voorrang understands, by MSH-9.1 and
// the trigger events of each in MSH-9.2.
var supported = map[string][]string{
	"ORM": {"O01"},
	"OMI": {"O23"},
	"ORU": {"R01"},
	"ADT": {"A08"},
}

// A Handler answers the messages of an MLLP server.
type Handler struct {
	// Application and Facility name Voorrang in its ACKs when the message
	// names no receiver.
	Application, Facility string
	// Logger receives one line per refused message, never its content.
	Logger *slog.Logger
	// Now is the clock of the ACKs; nil means time.Now.
	Now func() time.Time
}

// ServeMLLP answers one message: AA when it is parsed and of a type
// Voorrang understands, AR with an ERR segment saying why when not.
func (h *Handler) ServeMLLP(ctx context.Context, raw []byte) []byte {
	ack := hl7.Ack{Application: h.Application, Facility: h.Facility, Time: h.now()}
	msgs := hl7.Split(raw)
	if len(msgs) > 1 {
		ack.Code = hl7.AR
		ack.Errors = []hl7.AckError{{Code: hl7.CodeSegmentSequence,
			Text: fmt.Sprintf("frame holds %d messages; send one message per MLLP frame", len(msgs))}}
		h.logger().Warn("ingest: refused frame with several messages", "messages", len(msgs))
		return ack.ForRaw(raw)
	}
	m, err := hl7.Parse(raw)
	if err != nil {
		ack.Code = hl7.AR
		var pe *hl7.ParseError
		if errors.As(err, &pe) {
			ack.Errors = []hl7.AckError{hl7.ErrorFor(pe)}
		} else {
			ack.Errors = []hl7.AckError{{Code: hl7.CodeSegmentSequence, Text: err.Error()}}
		}
		h.logger().Warn("ingest: refused unparseable message", "err", err)
		return ack.ForRaw(raw)
	}
	if e, ok := checkType(m); !ok {
		ack.Code = hl7.AR
		ack.Errors = []hl7.AckError{e}
		code, trigger, _ := m.Type()
		h.logger().Warn("ingest: refused unsupported message", "type", code+"^"+trigger, "control_id", m.ControlID())
		return ack.For(m)
	}
	ack.Code = hl7.AA
	return ack.For(m)
}

// checkType returns the error to report when m's type is not supported.
func checkType(m *hl7.Message) (hl7.AckError, bool) {
	code, trigger, _ := m.Type()
	triggers, ok := supported[code]
	if !ok {
		return hl7.AckError{Segment: "MSH", Sequence: 1, Field: 9, Code: hl7.CodeUnsupportedMessageType,
			Text: fmt.Sprintf("message type %q is not supported; Voorrang accepts ORM^O01, OMI^O23, ORU^R01 and ADT^A08", code)}, false
	}
	for _, t := range triggers {
		if t == trigger {
			return hl7.AckError{}, true
		}
	}
	return hl7.AckError{Segment: "MSH", Sequence: 1, Field: 9, Component: 2, Code: hl7.CodeUnsupportedEvent,
		Text: fmt.Sprintf("trigger event %q of %s is not supported", trigger, code)}, false
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
