package ui

import (
	"errors"
	"sync"

	"github.com/voorrang/voorrang/access"
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

// closeSessionEnded is the close code when the session behind a websocket
// ended (signed out, locked when idle, out of its lifetime, or signed out
// everywhere by an admin): the panel goes to the sign-in page.
const closeSessionEnded = 4001

// checkSession returns the close code when the session has ended, 0 while
// it is valid (or cannot be read: the store being away is not a sign-out).
func (ss *session) checkSession() (int, string) {
	_, err := ss.s.access.Sessions.Session(ss.ctx, ss.req.sessionID)
	switch {
	case errors.Is(err, access.ErrIdle):
		return closeSessionEnded, "session_locked"
	case errors.Is(err, access.ErrExpired), errors.Is(err, access.ErrNotFound):
		return closeSessionEnded, "session_ended"
	}
	return 0, ""
}
