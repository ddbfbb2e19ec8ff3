package ui

import (
	"sync"

	"github.com/voorrang/voorrang/access"
	"github.com/voorrang/voorrang/worklist"
)

// A wsCounter counts the open websockets, in all and per principal, to
// hold them to Access.MaxWS and Access.MaxWSPerPrincipal: a panel needs
// one, a reader a few; a thousand from one token is a leak or an attack.
type wsCounter struct {
	mu    sync.Mutex
	total int
	per   map[string]int
}

// enter counts a websocket of name in; false when a limit is reached.
func (w *wsCounter) enter(name string, maxTotal, maxPer int) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.total >= maxTotal || w.per[name] >= maxPer {
		return false
	}
	if w.per == nil {
		w.per = map[string]int{}
	}
	w.total++
	w.per[name]++
	return true
}

// full reports whether enter would refuse name now.
func (w *wsCounter) full(name string, maxTotal, maxPer int) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.total >= maxTotal || w.per[name] >= maxPer
}

func (w *wsCounter) leave(name string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.total--
	if w.per[name]--; w.per[name] <= 0 {
		delete(w.per, name)
	}
}

// both returns a filter that holds when a and b hold; nil ones hold always.
func both(a, b func(*worklist.Study) bool) func(*worklist.Study) bool {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return func(st *worklist.Study) bool { return a(st) && b(st) }
}

// mayRead reports whether p may see st: a resident only the studies of
// their sections.
func (s *Server) mayRead(p *access.Principal, st *worklist.Study) bool {
	limit := s.allowedSections(p)
	return limit == nil || limit(st)
}
