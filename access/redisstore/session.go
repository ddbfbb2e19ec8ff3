package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/voorrang/voorrang/access"
)

// CreateSession stores s under a new ID and returns the ID, which only the
// browser holds: the store keeps its SHA-256. The session's key expires
// when its lifetime ends.
func (s *Store) CreateSession(ctx context.Context, sess *access.Session) (string, error) {
	id := access.NewSecret()
	if err := s.writeSession(ctx, access.SecretSum(id), sess, true); err != nil {
		return "", fmt.Errorf("create session: %w", err)
	}
	return id, nil
}

func (s *Store) writeSession(ctx context.Context, sum string, sess *access.Session, index bool) error {
	data, err := json.Marshal(sess)
	if err != nil {
		return err
	}
	end := sess.Created.Add(s.rules.Lifetime)
	ttl := end.Sub(s.now())
	if ttl <= 0 {
		return access.ErrExpired
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, s.keys.session(sum), data, ttl)
		if index {
			idx := s.keys.sessionsOf(sess.Principal.Name)
			p.SAdd(ctx, idx, sum)
			// No session in it outlives the newest.
			p.Expire(ctx, idx, s.rules.Lifetime)
		}
		return nil
	})
	return err
}

// Session returns the session of id while it is valid. An idle or expired
// session is deleted and reported as access.ErrIdle or access.ErrExpired;
// an unknown one as access.ErrNotFound.
func (s *Store) Session(ctx context.Context, id string) (*access.Session, error) {
	if id == "" || len(id) > 128 {
		return nil, access.ErrNotFound
	}
	sum := access.SecretSum(id)
	data, err := s.rdb.Get(ctx, s.keys.session(sum)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, access.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read session: %w", err)
	}
	var sess access.Session
	if err := json.Unmarshal(data, &sess); err != nil {
		return nil, fmt.Errorf("decode session: %w", err)
	}
	if err := s.rules.Check(&sess, s.now()); err != nil {
		if derr := s.deleteSession(ctx, sum, sess.Principal.Name); derr != nil {
			return nil, derr
		}
		return nil, err
	}
	return &sess, nil
}

// touchEvery is how stale a session's activity may be before a request
// writes it again, a tenth of the idle lock at most: the lock then comes
// at most that much early, and a busy reader's requests do not each write.
const touchEvery = 30 * time.Second

// Touch records activity on the session of id, if the last record is
// older than touchEvery.
func (s *Store) Touch(ctx context.Context, id string, sess *access.Session) error {
	now := s.now()
	if now.Sub(sess.Active) < min(touchEvery, s.rules.Idle/10) {
		return nil
	}
	sess.Active = now
	// XX: only if the session still exists, so that a touch cannot bring
	// back a session signed out since it was read.
	sum := access.SecretSum(id)
	data, err := json.Marshal(sess)
	if err != nil {
		return err
	}
	if err := s.rdb.SetArgs(ctx, s.keys.session(sum), data, redis.SetArgs{Mode: "XX", KeepTTL: true}).Err(); err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// EndSession deletes the session of id (sign out).
func (s *Store) EndSession(ctx context.Context, id string, name string) error {
	if err := s.deleteSession(ctx, access.SecretSum(id), name); err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}

func (s *Store) deleteSession(ctx context.Context, sum, name string) error {
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, s.keys.session(sum))
		p.SRem(ctx, s.keys.sessionsOf(name), sum)
		return nil
	})
	return err
}

// EndSessionsOf deletes every session of the principal name (sign out
// everywhere) and returns how many there were.
func (s *Store) EndSessionsOf(ctx context.Context, name string) (int, error) {
	idx := s.keys.sessionsOf(name)
	sums, err := s.rdb.SMembers(ctx, idx).Result()
	if err != nil {
		return 0, fmt.Errorf("end sessions of %s: %w", name, err)
	}
	if len(sums) == 0 {
		return 0, nil
	}
	dels := make([]*redis.IntCmd, len(sums))
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for i, sum := range sums {
			dels[i] = p.Del(ctx, s.keys.session(sum))
			p.SRem(ctx, idx, sum)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("end sessions of %s: %w", name, err)
	}
	n := 0
	for _, d := range dels {
		n += int(d.Val())
	}
	return n, nil
}
