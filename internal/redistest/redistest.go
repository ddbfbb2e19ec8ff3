// Package redistest connects tests to the real Redis server they run
// against, each test on its own key prefix.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"github.com/redis/go-redis/v9"
)

// Addr is the Redis the tests use: VOORRANG_TEST_REDIS, or 127.0.0.1:6379.
func Addr() string {
	if a := os.Getenv("VOORRANG_TEST_REDIS"); a != "" {
		return a
	}
	return "127.0.0.1:6379"
}

// Client connects to Addr. The test fails, never skips, when Redis does not
// answer: `make test` starts one.
func Client(t testing.TB) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: Addr()})
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("Redis at %s does not answer (run `make test`, which starts one): %v", Addr(), err)
	}
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// Prefix returns a key prefix of the test's own and removes its keys
// before and after the test.
func Prefix(t testing.TB, rdb *redis.Client) string {
	t.Helper()
	var b [6]byte
	rand.Read(b[:])
	prefix := "test:" + hex.EncodeToString(b[:]) + ":"
	clean := func() {
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
	}
	clean()
	t.Cleanup(clean)
	return prefix
}
