package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// PseudonymKey returns the secret key of the pseudonyms of the CSV export
// (stats.Pseudonyms), made once at random and kept in Redis under prefix,
// so that every instance, and every export over the years, uses the same.
// It is as secret as the store itself, which holds the identifiers.
func PseudonymKey(ctx context.Context, rdb redis.UniversalClient, prefix string) ([]byte, error) {
	key := prefix + "{pilots}:pseudonym-key"
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("pseudonym key: %w", err)
	}
	if err := rdb.SetNX(ctx, key, hex.EncodeToString(b), 0).Err(); err != nil {
		return nil, fmt.Errorf("pseudonym key: %w", err)
	}
	v, err := rdb.Get(ctx, key).Result()
	if errors.Is(err, redis.Nil) {
		return nil, errors.New("pseudonym key: gone just after it was made")
	}
	if err != nil {
		return nil, fmt.Errorf("pseudonym key: %w", err)
	}
	k, err := hex.DecodeString(v)
	if err != nil || len(k) < 16 {
		return nil, errors.New("pseudonym key: the stored key is not 16 or more bytes in hex")
	}
	return k, nil
}
