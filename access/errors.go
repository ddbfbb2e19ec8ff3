package access

import "errors"

// Errors of this package and of the stores that keep accounts and
// sessions, for errors.Is.
var (
	ErrInvalid  = errors.New("invalid")
	ErrNotFound = errors.New("not found")
	ErrExists   = errors.New("already exists")
	// ErrDenied is a failed sign-in: unknown name, wrong password or
	// secret, or a disabled account. Which of these is not told.
	ErrDenied = errors.New("access denied")
)
