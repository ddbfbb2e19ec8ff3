package redisstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/voorrang/voorrang/access"
)

// PutLoginState keeps data for the sign-in whose state parameter is state,
// for ttl.
func (s *Store) PutLoginState(ctx context.Context, state string, data []byte, ttl time.Duration) error {
	if err := s.rdb.Set(ctx, s.keys.loginState(access.SecretSum(state)), data, ttl).Err(); err != nil {
		return fmt.Errorf("keep sign-in state: %w", err)
	}
	return nil
}

// TakeLoginState returns and deletes what PutLoginState kept: a state
// serves one sign-in. access.ErrNotFound when there is none (unknown,
// used, or expired).
func (s *Store) TakeLoginState(ctx context.Context, state string) ([]byte, error) {
	data, err := s.rdb.GetDel(ctx, s.keys.loginState(access.SecretSum(state))).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, access.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read sign-in state: %w", err)
	}
	return data, nil
}
