package access

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// An Account is a local account: for small sites without an identity
// provider, and for the demo.
type Account struct {
	Name     string   `json:"name"`
	Display  string   `json:"display,omitempty"`
	Roles    []Role   `json:"roles"`
	Sections []string `json:"sections,omitempty"`
	// Password is the Argon2id hash (HashPassword), never the password.
	Password string    `json:"password"`
	Disabled bool      `json:"disabled,omitempty"`
	Created  time.Time `json:"created"`
	Changed  time.Time `json:"changed"`
}

// CheckName says what is wrong with an account or token name: 1 to 64
// characters of a-z, 0-9, '.', '_', '-' and '@', starting with a letter or
// digit. Names appear in claims and the audit trail; they hold no spaces
// or capitals so that "Jansen" and "jansen " cannot be two people.
func CheckName(name string) error {
	if name == "" || len(name) > 64 {
		return fmt.Errorf("%w: a name has 1 to 64 characters", ErrInvalid)
	}
	for i, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || i > 0 && strings.ContainsRune("._-@", r)
		if !ok {
			return fmt.Errorf("%w: name %q: use a-z, 0-9 and . _ - @ (starting with a letter or digit)", ErrInvalid, name)
		}
	}
	return nil
}

// Principal returns who signs in with the account.
func (a *Account) Principal(method string) *Principal {
	return &Principal{Name: a.Name, Display: a.Display, Roles: slices.Clone(a.Roles),
		Sections: slices.Clone(a.Sections), Method: method}
}

// A PasswordVerifier checks the passwords of local accounts. A name
// without an account takes as long as a wrong password, so that the time
// of an answer does not tell which names exist; and only a few checks run
// at once, as each takes tens of megabytes.
type PasswordVerifier struct {
	decoy string
	slots chan struct{}
}

// NewPasswordVerifier returns a verifier whose decoy hash has the costs p
// (those new passwords get), running at most concurrent checks at once.
func NewPasswordVerifier(p PasswordParams, concurrent int) (*PasswordVerifier, error) {
	decoy, err := HashPassword("decoy password nobody has", p)
	if err != nil {
		return nil, err
	}
	return &PasswordVerifier{decoy: decoy, slots: make(chan struct{}, max(concurrent, 1))}, nil
}

// Verify checks pw against a (nil when the name has no account) and
// returns the principal it signs in. Every failure is ErrDenied.
func (v *PasswordVerifier) Verify(ctx context.Context, a *Account, pw string) (*Principal, error) {
	select {
	case v.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-v.slots }()
	hash := v.decoy
	if a != nil {
		hash = a.Password
	}
	if len(pw) > 4*MaxPasswordLen {
		pw = pw[:4*MaxPasswordLen]
	}
	ok, err := CheckPassword(hash, pw)
	if err != nil || !ok || a == nil || a.Disabled {
		return nil, ErrDenied
	}
	return a.Principal(ByPassword), nil
}
