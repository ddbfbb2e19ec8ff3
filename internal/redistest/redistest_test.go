package redistest

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/redis/go-redis/v9"
)

func TestMain(m *testing.M) { Main(m) }

func connect(t *testing.T, s *Server) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	t.Cleanup(func() { c.Close() })
	return c
}

// TestStart starts servers on a unix socket and on a port, writes to them,
// and checks that Close stops each and removes its folder.
func TestStart(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		network string
	}{
		{"unix socket", Config{}, "unix"},
		{"TCP port", Config{TCP: true}, "tcp"},
		{"extra configuration", Config{Conf: "maxmemory-policy noeviction\n"}, "unix"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Start(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			if s.Network() != tt.network {
				t.Errorf("network = %s, want %s", s.Network(), tt.network)
			}
			c := connect(t, s)
			if err := c.Set(t.Context(), "k", "v", 0).Err(); err != nil {
				t.Fatalf("SET: %v", err)
			}
			if tt.cfg.Conf != "" {
				got, err := c.ConfigGet(t.Context(), "maxmemory-policy").Result()
				if err != nil || got["maxmemory-policy"] != "noeviction" {
					t.Errorf("maxmemory-policy = %v, %v; want noeviction from Conf", got, err)
				}
			}
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			select {
			case <-s.exited:
			default:
				t.Errorf("redis-server %d still runs after Close", s.Pid())
			}
			if _, err := os.Stat(s.Dir()); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("folder %s left behind: %v", s.Dir(), err)
			}
		})
	}
}

func TestStartFailsLoudly(t *testing.T) {
	if _, err := Start(Config{Binary: "/nonexistent/redis-server"}); err == nil {
		t.Error("Start with a missing binary: no error")
	}
	if _, err := Start(Config{Conf: "no-such-directive yes\n"}); err == nil {
		t.Error("Start with a bad directive: no error")
	}
}

// TestPrefixRemovesOnlyItsOwnKeys writes keys beside a test's prefix, as a
// user's data on an explicit VOORRANG_TEST_REDIS would be, and checks that
// the prefix's cleanup leaves them.
func TestPrefixRemovesOnlyItsOwnKeys(t *testing.T) {
	rdb := Client(t)
	ctx := context.Background()
	others := []string{"user:data", "test:other:k", "test:*"}
	for _, k := range others {
		if err := rdb.Set(ctx, k, "keep", 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { rdb.Del(ctx, others...) })
	var prefix string
	t.Run("inner", func(t *testing.T) {
		prefix = Prefix(t, rdb)
		for _, k := range []string{"a", "{site}:b", "c*"} {
			if err := rdb.Set(ctx, prefix+k, "x", 0).Err(); err != nil {
				t.Fatal(err)
			}
		}
	})
	if n, _ := rdb.Exists(ctx, prefix+"a", prefix+"{site}:b", prefix+"c*").Result(); n != 0 {
		t.Errorf("%d keys under %s left after the test", n, prefix)
	}
	if n, _ := rdb.Exists(ctx, others...).Result(); n != int64(len(others)) {
		t.Errorf("%d of %d other keys left; the cleanup removed keys it did not write", n, len(others))
	}
	if err := DeleteKeys(ctx, rdb, ""); err == nil {
		t.Error("DeleteKeys with an empty prefix: no error")
	}
}

func TestExplicitURL(t *testing.T) {
	tests := map[string]string{
		"127.0.0.1:6392":            "redis://127.0.0.1:6392/0",
		"redis://127.0.0.1:6392/3":  "redis://127.0.0.1:6392/3",
		"unix:///tmp/r.sock?db=2":   "unix:///tmp/r.sock?db=2",
		"rediss://cache.example:63": "rediss://cache.example:63",
	}
	for in, want := range tests {
		if got := explicitURL(in); got != want {
			t.Errorf("explicitURL(%q) = %q, want %q", in, got, want)
		}
	}
}
