package worklist

import "time"

// A DeadLetter is a message Voorrang refused (AR) or could not apply (AE),
// kept so that nothing is dropped silently. It holds the message, so only
// admins may read it.
type DeadLetter struct {
	At      time.Time `json:"at"`
	Code    string    `json:"code"`   // the ACK code sent: AE or AR
	Reason  string    `json:"reason"` // what was wrong
	Source  string    `json:"source,omitempty"`
	Site    string    `json:"site,omitempty"`
	Message string    `json:"message"` // the message as received
}
