package mllp

import (
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"
)

// Why a connection was refused.
const (
	refusedSource     = "source not in the allowed networks"
	refusedFull       = "too many connections"
	refusedSourceFull = "too many connections from this source"
)

// refusalLogEvery is how often refusals of one kind are logged: a flood of
// connections must not flood the log too.
const refusalLogEvery = 10 * time.Second

// A refusalLog logs the first refusal of each kind, then at most one line
// per refusalLogEvery with the count of those not logged.
type refusalLog struct {
	mu     sync.Mutex
	last   map[string]time.Time
	unseen map[string]int
}

// refuse closes a connection the server will not serve, without reading
// from it, counts it and logs it (throttled) with its address only.
func (s *Server) refuse(rwc net.Conn, why string, src netip.Addr) {
	rwc.Close()
	s.stats.connsRejected.Add(1)
	if n, ok := s.refusals.due(why, time.Now()); ok {
		s.logger().Warn("mllp: connection refused", "reason", why, "remote", src.String(),
			"max_conns", s.maxConns(), "max_conns_per_source", s.maxConnsPerSource(),
			slog.Int("refused_unlogged", n))
	}
}

// due reports whether a refusal of kind why is to be logged now, and how
// many of that kind were not logged since the last line.
func (l *refusalLog) due(why string, now time.Time) (int, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.last == nil {
		l.last, l.unseen = map[string]time.Time{}, map[string]int{}
	}
	if last, ok := l.last[why]; ok && now.Sub(last) < refusalLogEvery {
		l.unseen[why]++
		return 0, false
	}
	n := l.unseen[why]
	l.last[why], l.unseen[why] = now, 0
	return n, true
}
