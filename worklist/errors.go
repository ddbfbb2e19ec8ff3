package worklist

import "errors"

// Kinds of errors the store returns, for errors.Is; the HTTP side maps
// each to a status. Messages never hold patient data.
var (
	ErrInvalid  = errors.New("invalid")
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
)
