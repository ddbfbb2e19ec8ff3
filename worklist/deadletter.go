package worklist

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
	"unicode/utf8"
)

// A DeadLetter is a message Voorrang refused (AR) or could not apply (AE),
// kept so that nothing is dropped silently. It holds the message, so only
// admins may read it.
type DeadLetter struct {
	At     time.Time `json:"at"`
	Code   string    `json:"code"`   // the ACK code sent: AE or AR
	Reason string    `json:"reason"` // what was wrong
	Source string    `json:"source,omitempty"`
	Site   string    `json:"site,omitempty"`
	// Message is the message as received, or its first MaxDeadLetterHead
	// bytes when Truncated.
	Message string `json:"message"`
	// Size is the length of the whole message in bytes, and SHA256 its
	// hash (hex), so that a kept head can be matched with the sender's
	// copy of the whole.
	Size      int    `json:"size"`
	SHA256    string `json:"sha256"`
	Truncated bool   `json:"truncated,omitempty"`
}

// MaxDeadLetterHead is how much of a refused message is kept. A message
// of many megabytes is usually a report with a PDF, or junk; its head
// says what it was, and a flood of them must not fill the store.
const MaxDeadLetterHead = 64 << 10

// Capped returns d with its message cut to MaxDeadLetterHead bytes (at a
// character boundary), its size and hash filled in from the whole.
func (d DeadLetter) Capped() DeadLetter {
	if d.SHA256 != "" {
		return d // capped before
	}
	sum := sha256.Sum256([]byte(d.Message))
	d.Size, d.SHA256 = len(d.Message), hex.EncodeToString(sum[:])
	if len(d.Message) > MaxDeadLetterHead {
		i := MaxDeadLetterHead
		for k := 1; k < utf8.UTFMax && !utf8.RuneStart(d.Message[i]); k++ {
			i-- // not inside a UTF-8 character
		}
		d.Message, d.Truncated = d.Message[:i], true
	}
	return d
}
