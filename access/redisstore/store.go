// Package redisstore keeps Voorrang's local accounts and signed-in
// sessions in Redis.
package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/voorrang/voorrang/access"
)

// A Store keeps accounts and sessions. It is safe for concurrent use, also
// by several service instances on one Redis.
type Store struct {
	rdb   redis.UniversalClient
	keys  keys
	now   func() time.Time
	rules access.SessionRules
}

// Options tune a Store; the zero value of each field is a sensible default.
type Options struct {
	// Prefix is put before every key, to separate stores in one database.
	Prefix string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Sessions are the rules that end sessions; zero means
	// access.DefaultSessionRules().
	Sessions access.SessionRules
}

// New returns a Store on rdb.
func New(rdb redis.UniversalClient, opts Options) *Store {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Sessions == (access.SessionRules{}) {
		opts.Sessions = access.DefaultSessionRules()
	}
	return &Store{rdb: rdb, keys: keys{prefix: opts.Prefix}, now: opts.Now, rules: opts.Sessions}
}

// AddAccount stores a new account; ErrExists when the name is taken.
func (s *Store) AddAccount(ctx context.Context, a access.Account) error {
	if err := access.CheckName(a.Name); err != nil {
		return err
	}
	data, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("encode account %s: %w", a.Name, err)
	}
	added, err := s.rdb.HSetNX(ctx, s.keys.accounts(), a.Name, data).Result()
	if err != nil {
		return fmt.Errorf("add account %s: %w", a.Name, err)
	}
	if !added {
		return fmt.Errorf("account %s: %w", a.Name, access.ErrExists)
	}
	return nil
}

// Account returns the account of name; ErrNotFound when there is none.
func (s *Store) Account(ctx context.Context, name string) (*access.Account, error) {
	data, err := s.rdb.HGet(ctx, s.keys.accounts(), name).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("account %s: %w", name, access.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read account %s: %w", name, err)
	}
	var a access.Account
	if err := json.Unmarshal(data, &a); err != nil {
		return nil, fmt.Errorf("decode account %s: %w", name, err)
	}
	return &a, nil
}

// Accounts returns every account, sorted by name.
func (s *Store) Accounts(ctx context.Context) ([]access.Account, error) {
	all, err := s.rdb.HGetAll(ctx, s.keys.accounts()).Result()
	if err != nil {
		return nil, fmt.Errorf("read accounts: %w", err)
	}
	out := make([]access.Account, 0, len(all))
	for name, data := range all {
		var a access.Account
		if err := json.Unmarshal([]byte(data), &a); err != nil {
			return nil, fmt.Errorf("decode account %s: %w", name, err)
		}
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b access.Account) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// UpdateAccount changes the account of name with fn, which may return an
// error to change nothing. A concurrent change makes it read again. A
// password change or a disabled account ends the account's sessions.
func (s *Store) UpdateAccount(ctx context.Context, name string, fn func(*access.Account) error) (*access.Account, error) {
	key := s.keys.accounts()
	var out *access.Account
	var endSessions bool
	txf := func(tx *redis.Tx) error {
		data, err := tx.HGet(ctx, key, name).Bytes()
		if errors.Is(err, redis.Nil) {
			return fmt.Errorf("account %s: %w", name, access.ErrNotFound)
		}
		if err != nil {
			return err
		}
		var a access.Account
		if err := json.Unmarshal(data, &a); err != nil {
			return fmt.Errorf("decode account %s: %w", name, err)
		}
		before := a
		if err := fn(&a); err != nil {
			return err
		}
		a.Name = name
		a.Changed = s.now()
		endSessions = a.Password != before.Password || a.Disabled && !before.Disabled
		if data, err = json.Marshal(a); err != nil {
			return fmt.Errorf("encode account %s: %w", name, err)
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.HSet(ctx, key, name, data)
			return nil
		})
		out = &a
		return err
	}
	for range 10 {
		err := s.rdb.Watch(ctx, txf, key)
		if errors.Is(err, redis.TxFailedErr) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("update account %s: %w", name, err)
		}
		if endSessions {
			if _, err := s.EndSessionsOf(ctx, name); err != nil {
				return out, err
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("update account %s: changed concurrently too often", name)
}
