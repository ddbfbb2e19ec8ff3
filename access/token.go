package access

import (
	"bufio"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strings"
)

// MinTokenSecretLen is the shortest secret a token may have: 32 characters
// of NewSecret's alphabet carry 192 bits.
const MinTokenSecretLen = 32

// A token is one integration token: its name and role, and the SHA-256 of
// its secret. The secret itself is not kept. A fast hash suffices, unlike
// for passwords: a secret of 32 random characters cannot be guessed.
type token struct {
	name  string
	roles []Role
	sum   [sha256.Size]byte
}

// Tokens are the integration tokens the service accepts (Authorization:
// Bearer SECRET). The zero value accepts none.
type Tokens struct {
	list []token
}

// ParseTokens reads tokens given as "name:role:secret", separated by
// commas or line breaks (blank lines and lines starting with # are
// skipped). A token may hold several roles, joined by '+'
// ("script:manager+admin:..."). Instead of the secret a line may hold
// "sha256:HEX", its SHA-256 in hex, so that the configuration need not hold
// secrets.
func ParseTokens(r io.Reader) (*Tokens, error) {
	t := &Tokens{}
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		for spec := range strings.SplitSeq(text, ",") {
			if spec = strings.TrimSpace(spec); spec == "" {
				continue
			}
			tk, err := parseToken(spec)
			if err != nil {
				return nil, fmt.Errorf("tokens line %d: %w", line, err)
			}
			for _, other := range t.list {
				if other.name == tk.name {
					return nil, fmt.Errorf("tokens line %d: %w: token name %q twice", line, ErrInvalid, tk.name)
				}
				if other.sum == tk.sum {
					return nil, fmt.Errorf("tokens line %d: %w: tokens %q and %q have the same secret", line, ErrInvalid, other.name, tk.name)
				}
			}
			t.list = append(t.list, tk)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	return t, nil
}

// parseToken reads "name:role:secret" or "name:role:sha256:HEX". Errors
// never quote the secret.
func parseToken(spec string) (token, error) {
	name, rest, ok1 := strings.Cut(spec, ":")
	roleName, secret, ok2 := strings.Cut(rest, ":")
	if !ok1 || !ok2 {
		return token{}, fmt.Errorf("%w: a token is name:role:secret", ErrInvalid)
	}
	if err := CheckName(name); err != nil {
		return token{}, err
	}
	roles, err := ParseRoles(strings.ReplaceAll(roleName, "+", ","))
	if err != nil {
		return token{}, err
	}
	tk := token{name: name, roles: roles}
	if h, ok := strings.CutPrefix(secret, "sha256:"); ok {
		b, err := hex.DecodeString(h)
		if err != nil || len(b) != sha256.Size {
			return token{}, fmt.Errorf("%w: token %q: sha256: needs 64 hex digits", ErrInvalid, name)
		}
		copy(tk.sum[:], b)
		return tk, nil
	}
	if len(secret) < MinTokenSecretLen {
		return token{}, fmt.Errorf("%w: token %q: the secret needs at least %d characters (voorrang token new makes one)", ErrInvalid, name, MinTokenSecretLen)
	}
	tk.sum = sha256.Sum256([]byte(secret))
	return tk, nil
}

// Len reports how many tokens there are.
func (t *Tokens) Len() int { return len(t.list) }

// Authenticate returns the principal of the token whose secret this is.
// Every token is compared, in constant time, whatever matches.
func (t *Tokens) Authenticate(secret string) (*Principal, error) {
	sum := sha256.Sum256([]byte(secret))
	found := -1
	for i := range t.list {
		if subtle.ConstantTimeCompare(sum[:], t.list[i].sum[:]) == 1 {
			found = i
		}
	}
	if found < 0 {
		return nil, ErrDenied
	}
	tk := t.list[found]
	return &Principal{Name: tk.name, Roles: slices.Clone(tk.roles), Method: ByToken}, nil
}

// NewSecret returns 32 random bytes, base64url-encoded (43 characters):
// for tokens, session IDs and CSRF tokens.
func NewSecret() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// SecretSum returns the SHA-256 of a secret in hex: how a token's secret
// may be written in the configuration, and how a session ID is kept.
func SecretSum(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
