package access

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// PasswordParams are the Argon2id costs of new password hashes. Each hash
// carries the costs it was made with, so raising them leaves existing
// passwords working.
type PasswordParams struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
}

// DefaultPasswordParams follow RFC 9106's second recommended option
// (64 MiB, 3 passes), with two lanes: about 0.1 s on one core of a
// server. Sign-ins are few; guessing a stolen hash is slow.
func DefaultPasswordParams() PasswordParams {
	return PasswordParams{Memory: 64 << 10, Time: 3, Threads: 2}
}

const (
	saltLen = 16
	keyLen  = 32
	// MinPasswordLen and MaxPasswordLen bound a new password, in
	// characters; the upper bound keeps hashing cheap to ask for.
	MinPasswordLen = 12
	MaxPasswordLen = 256
)

// CheckNewPassword says what is wrong with a password someone chose.
func CheckNewPassword(pw string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLen:
		return fmt.Errorf("%w: a password needs at least %d characters", ErrInvalid, MinPasswordLen)
	case n > MaxPasswordLen:
		return fmt.Errorf("%w: a password may have at most %d characters", ErrInvalid, MaxPasswordLen)
	}
	return nil
}

// HashPassword returns the Argon2id hash of pw in the PHC string format:
// $argon2id$v=19$m=65536,t=3,p=2$SALT$HASH.
func HashPassword(pw string, p PasswordParams) (string, error) {
	if p.Memory == 0 || p.Time == 0 || p.Threads == 0 {
		return "", fmt.Errorf("%w: Argon2id parameters must not be zero", ErrInvalid)
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether pw matches the hash made by HashPassword.
// The comparison takes the same time wherever the first difference is.
func CheckPassword(hash, pw string) (bool, error) {
	p, salt, key, err := parseHash(hash)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// maxHashMemory bounds the memory a stored hash may ask for (1 GiB), so
// that a tampered account cannot make a sign-in exhaust the service.
const maxHashMemory = 1 << 20

func parseHash(hash string) (PasswordParams, []byte, []byte, error) {
	var p PasswordParams
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, fmt.Errorf("%w: not an Argon2id hash", ErrInvalid)
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, fmt.Errorf("%w: Argon2id version %q", ErrInvalid, parts[2])
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, fmt.Errorf("%w: Argon2id parameters %q", ErrInvalid, parts[3])
	}
	if p.Memory == 0 || p.Memory > maxHashMemory || p.Time == 0 || p.Time > 100 || p.Threads == 0 {
		return p, nil, nil, fmt.Errorf("%w: Argon2id parameters %q out of range", ErrInvalid, parts[3])
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return p, nil, nil, fmt.Errorf("%w: Argon2id salt", ErrInvalid)
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 128 {
		return p, nil, nil, fmt.Errorf("%w: Argon2id hash", ErrInvalid)
	}
	return p, salt, key, nil
}
