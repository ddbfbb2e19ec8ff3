package mllp

import "sync/atomic"

// Stats is a snapshot of a Server's counters, for export as metrics. All but
// ConnsOpen only grow.
type Stats struct {
	ConnsOpen     int64 // connections open now
	ConnsTotal    int64 // connections served since the server started
	ConnsRejected int64 // connections closed at once because MaxConns were open
	Messages      int64 // messages handed to the Handler
	Bytes         int64 // bytes in those messages
	Skipped       int64 // bytes outside frames, skipped
	Restarts      int64 // partial frames dropped because a new frame started
	MissingCR     int64 // frames ended by 0x1C without the 0x0D after it
	FrameErrors   int64 // frames too large, not finished in time, or cut by the connection's end
}

// counters are the live values behind Stats.
type counters struct {
	connsOpen, connsTotal, connsRejected atomic.Int64
	messages, bytes                      atomic.Int64
	skipped, restarts, missingCR         atomic.Int64
	frameErrors                          atomic.Int64
}

func (c *counters) snapshot() Stats {
	return Stats{
		ConnsOpen:     c.connsOpen.Load(),
		ConnsTotal:    c.connsTotal.Load(),
		ConnsRejected: c.connsRejected.Load(),
		Messages:      c.messages.Load(),
		Bytes:         c.bytes.Load(),
		Skipped:       c.skipped.Load(),
		Restarts:      c.restarts.Load(),
		MissingCR:     c.missingCR.Load(),
		FrameErrors:   c.frameErrors.Load(),
	}
}
