package access

import (
	"errors"
	"time"
)

// A Session is a signed-in browser, kept by the server: the cookie holds
// only its ID, which the store keeps as a hash.
type Session struct {
	Principal Principal `json:"principal"`
	Created   time.Time `json:"created"`
	// Active is when the principal last did something (a request not
	// marked as background).
	Active time.Time `json:"active"`
	// CSRF is the token every state-changing request of this session
	// must carry.
	CSRF string `json:"csrf"`
}

// Why a session is no longer valid.
var (
	ErrIdle    = errors.New("session locked after a time without activity")
	ErrExpired = errors.New("session lifetime ended")
)

// SessionRules end sessions: Idle after the last activity (a reading-room
// workstation left signed in), Lifetime after sign-in however active.
type SessionRules struct {
	Idle     time.Duration
	Lifetime time.Duration
}

// DefaultSessionRules: locked after an hour without activity (a long read
// in the PACS with the panel untouched stays signed in), and at most a
// twelve-hour shift.
func DefaultSessionRules() SessionRules {
	return SessionRules{Idle: time.Hour, Lifetime: 12 * time.Hour}
}

// Check returns nil while s is valid at now, else ErrIdle or ErrExpired.
func (r SessionRules) Check(s *Session, now time.Time) error {
	switch {
	case !now.Before(s.Created.Add(r.Lifetime)):
		return ErrExpired
	case !now.Before(s.Active.Add(r.Idle)):
		return ErrIdle
	}
	return nil
}

// Ends returns when s ends if nothing more happens: at the idle lock or
// the end of its lifetime, whichever comes first.
func (r SessionRules) Ends(s *Session) time.Time {
	idle, life := s.Active.Add(r.Idle), s.Created.Add(r.Lifetime)
	if idle.Before(life) {
		return idle
	}
	return life
}

// NewSession starts a session for p at now, with a fresh CSRF token.
func NewSession(p Principal, now time.Time) *Session {
	return &Session{Principal: p, Created: now, Active: now, CSRF: NewSecret()}
}
