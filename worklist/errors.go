package worklist

import "errors"

// Kinds of errors the worklist returns, for errors.Is; the HTTP side maps
// each to a status. Messages never hold patient data.
var (
	ErrInvalid  = errors.New("invalid")
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
	// ErrGone means that changes after a position are no longer kept: the
	// reader must start again from a snapshot.
	ErrGone = errors.New("changes are no longer kept")
)
