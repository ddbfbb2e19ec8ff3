// Package redistest gives tests a real Redis that holds nobody's data.
//
// A package whose tests use Redis runs them through Main from its TestMain:
//
//	func TestMain(m *testing.M) { redistest.Main(m) }
//
// Main starts a redis-server of the test binary's own (Debian's, on a unix
// socket in a temporary folder, keeping nothing on disk) and stops it when
// the tests end; on Linux the kernel also stops it when the binary dies
// without getting there. Only when VOORRANG_TEST_REDIS names a server
// (host:port, or a redis:// or unix:// URL) do the tests use that one
// instead. Either way each test works under a key prefix of its own
// (Prefix) and removes only its own keys: nothing here sends FLUSHDB or
// FLUSHALL.
//
// Start runs further redis-server processes (Server) for tests that need
// one of their own, such as a server they stop and restart, or the nodes of
// a Cluster or a Sentinel set-up.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// EnvVar names the environment variable of an explicit test Redis.
const EnvVar = "VOORRANG_TEST_REDIS"

// shared is the go-redis URL of the test binary's Redis, set by Main
// before any test runs and read-only afterwards.
var shared string

// Main runs the tests of a package (m.Run) against a Redis: the server
// named by VOORRANG_TEST_REDIS, or one it starts and stops. It exits the
// process with the tests' status, like a TestMain must.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if v := os.Getenv(EnvVar); v != "" {
		shared = explicitURL(v)
		return m.Run()
	}
	s, err := Start(Config{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "redistest:", err)
		return 1
	}
	defer func() {
		if err := s.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "redistest:", err)
		}
	}()
	shared = s.URL()
	return m.Run()
}

// explicitURL turns VOORRANG_TEST_REDIS into a go-redis URL: host:port
// means database 0 of that server.
func explicitURL(v string) string {
	if strings.Contains(v, "://") {
		return v
	}
	return "redis://" + v + "/0"
}

// URL is the go-redis URL of the tests' Redis, to hand to code that
// connects by URL (serve --redis). Keys written through it must carry a
// Prefix.
func URL(t testing.TB) string {
	t.Helper()
	if shared == "" {
		t.Fatal("redistest: no test Redis: this package's TestMain must call redistest.Main(m)")
	}
	return shared
}

// Client connects to the tests' Redis and closes the connection when the
// test ends. The test fails, never skips, when Redis does not answer.
func Client(t testing.TB) *redis.Client {
	t.Helper()
	u := URL(t)
	opt, err := redis.ParseURL(u)
	if err != nil {
		t.Fatalf("redistest: %s %q: %v", EnvVar, u, err)
	}
	rdb := redis.NewClient(opt)
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		rdb.Close()
		t.Fatalf("redistest: Redis at %s does not answer: %v", u, err)
	}
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// Prefix returns a key prefix of the test's own ("test:" and 12 random hex
// digits) and removes the keys under it before and after the test.
func Prefix(t testing.TB, rdb *redis.Client) string {
	t.Helper()
	var b [6]byte
	rand.Read(b[:])
	prefix := "test:" + hex.EncodeToString(b[:]) + ":"
	clean := func() {
		if err := DeleteKeys(context.Background(), rdb, prefix); err != nil {
			t.Errorf("redistest: %v", err)
		}
	}
	clean()
	t.Cleanup(clean)
	return prefix
}

// DeleteKeys removes the keys that start with prefix, and no others.
func DeleteKeys(ctx context.Context, rdb *redis.Client, prefix string) error {
	if prefix == "" {
		return fmt.Errorf("delete keys: empty prefix")
	}
	pattern := globEscaper.Replace(prefix) + "*"
	iter := rdb.Scan(ctx, 0, pattern, 1000).Iterator()
	for iter.Next(ctx) {
		if err := rdb.Del(ctx, iter.Val()).Err(); err != nil {
			return fmt.Errorf("delete keys under %s: %w", prefix, err)
		}
	}
	if err := iter.Err(); err != nil {
		return fmt.Errorf("delete keys under %s: %w", prefix, err)
	}
	return nil
}

// globEscaper escapes what SCAN's MATCH would read as a pattern.
var globEscaper = strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`, `[`, `\[`, `]`, `\]`)
