package embedredis

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// bothKinds starts redis-server and miniredis, for tests that pin what the
// worklist may rely on in either store.
func bothKinds(t *testing.T) map[string]*redis.Client {
	t.Helper()
	requireRedisServer(t)
	clients := map[string]*redis.Client{}
	for _, force := range []bool{false, true} {
		s := startServer(t, t.Context(), Options{Dir: t.TempDir(), ForceMemory: force})
		clients[s.Kind()] = newClient(t, s)
	}
	return clients
}

// The Lua the worklist uses works the same in both stores: EVALSHA,
// redis.call and pcall, error replies, cjson on objects and arrays, XADD
// from a script.
func TestLuaInBothKinds(t *testing.T) {
	clients := bothKinds(t)
	tests := []struct {
		name   string
		script string
		keys   []string
		args   []any
		want   any
	}{
		{
			name:   "redis.call",
			script: `redis.call('SET', KEYS[1], ARGV[1]); return redis.call('GET', KEYS[1])`,
			keys:   []string{"k"}, args: []any{"v"},
			want: "v",
		},
		{
			name:   "redis.pcall returns an error table",
			script: `redis.call('SET', KEYS[1], 'x'); local r = redis.pcall('INCR', KEYS[1]); return r.err`,
			keys:   []string{"k"},
			want:   "ERR value is not an integer or out of range",
		},
		{
			name:   "cjson.decode nested, numbers",
			script: `local t = cjson.decode(ARGV[1]); return {t.a[2].b, t.n + 1, #t.a}`,
			args:   []any{`{"a":[1,{"b":"deep"}],"n":41}`},
			want:   []any{"deep", int64(42), int64(2)},
		},
		{
			name:   "cjson.encode object round trip",
			script: `local t = cjson.decode(ARGV[1]); t.band = 'critical'; return cjson.encode(t)`,
			args:   []any{`{"acc":"A1","conf":0.94,"reasons":["AI: PE","STAT"]}`},
			want:   `{"acc":"A1","band":"critical","conf":0.94,"reasons":["AI: PE","STAT"]}`,
		},
		{
			name:   "XADD MAXLEN ~ inside a script",
			script: `local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', '1000', '*', 'op', 'upsert'); return redis.call('XLEN', KEYS[1])`,
			keys:   []string{"changes"},
			want:   int64(1),
		},
	}
	for kind, c := range clients {
		for _, tt := range tests {
			t.Run(kind+"/"+tt.name, func(t *testing.T) {
				ctx := t.Context()
				c.FlushDB(ctx)
				sha, err := c.ScriptLoad(ctx, tt.script).Result()
				if err != nil {
					t.Fatalf("SCRIPT LOAD: %v", err)
				}
				got, err := c.EvalSha(ctx, sha, tt.keys, tt.args...).Result()
				if err != nil {
					t.Fatalf("EVALSHA: %v", err)
				}
				if s, ok := got.(string); ok && strings.HasPrefix(s, "{") {
					got = normJSON(t, s) // key order differs between the two cjsons
					tt.want = normJSON(t, tt.want.(string))
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("got %#v, want %#v", got, tt.want)
				}
			})
		}
		t.Run(kind+"/redis.error_reply", func(t *testing.T) {
			err := c.Eval(t.Context(), `return redis.error_reply('CONFLICT claimed by someone else')`, nil).Err()
			if err == nil || err.Error() != "CONFLICT claimed by someone else" {
				t.Errorf("err = %v, want CONFLICT claimed by someone else", err)
			}
		})
	}
}

func normJSON(t *testing.T, s string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	out, _ := json.Marshal(v) // sorts object keys
	return string(out)
}

// Differences the worklist's Lua must avoid, pinned so that a miniredis
// upgrade that removes one shows up here (then update the Server doc).
func TestLuaDifferences(t *testing.T) {
	clients := bothKinds(t)
	tests := []struct {
		name   string
		script string
		want   map[string]any // kind -> result, or "error"
	}{
		{
			name:   "empty table encodes as object in Redis, array in miniredis",
			script: `return cjson.encode({})`,
			want:   map[string]any{KindRedisServer: "{}", KindMiniredis: "[]"},
		},
		{
			name:   "JSON null is cjson.null in Redis, a missing key in miniredis",
			script: `local t = cjson.decode('{"z":null}'); return type(t.z)`,
			want:   map[string]any{KindRedisServer: "userdata", KindMiniredis: "nil"},
		},
		{
			name:   "sparse array encodes with null in Redis, fails in miniredis",
			script: `return cjson.encode({1, nil, 3}) or 'encode failed'`,
			want:   map[string]any{KindRedisServer: "[1,null,3]", KindMiniredis: "encode failed"},
		},
		{
			name:   "bit, struct and cmsgpack exist only in Redis",
			script: `return tostring(pcall(function() return bit.band(3, 1) + #struct.pack('B', 1) + #cmsgpack.pack(1) end))`,
			want:   map[string]any{KindRedisServer: "true", KindMiniredis: "false"},
		},
	}
	for _, tt := range tests {
		for kind, c := range clients {
			t.Run(kind+"/"+tt.name, func(t *testing.T) {
				got, err := c.Eval(t.Context(), tt.script, nil).Result()
				if err != nil {
					got = "error"
				}
				if got != tt.want[kind] {
					t.Errorf("got %#v (err %v), want %#v", got, err, tt.want[kind])
				}
			})
		}
	}
}

// Streams as the change feed uses them: XADD with MAXLEN ~, XREAD from a
// position, and XREAD BLOCK woken by a later XADD.
func TestStreamsInBothKinds(t *testing.T) {
	for kind, c := range bothKinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := t.Context()
			const n, maxLen = 250, 10
			var last string
			for i := range n {
				id, err := c.XAdd(ctx, &redis.XAddArgs{
					Stream: "changes", MaxLen: maxLen, Approx: true, Values: []any{"seq", i},
				}).Result()
				if err != nil {
					t.Fatalf("XADD %d: %v", i, err)
				}
				last = id
			}
			// "~" trims whole radix nodes in Redis (50 left here), exactly
			// in miniredis (10): only the bounds are portable.
			length, err := c.XLen(ctx, "changes").Result()
			if err != nil || length < maxLen || length >= n {
				t.Errorf("XLEN = %d, %v; want in [%d, %d)", length, err, maxLen, n)
			}
			got, err := c.XRead(ctx, &redis.XReadArgs{Streams: []string{"changes", "0"}}).Result()
			if err != nil {
				t.Fatalf("XREAD: %v", err)
			}
			msgs := got[0].Messages
			if int64(len(msgs)) != length || msgs[len(msgs)-1].ID != last {
				t.Errorf("XREAD from 0: %d messages ending %s; want %d ending %s", len(msgs), msgs[len(msgs)-1].ID, length, last)
			}

			// Block from the last position seen; the XADD may land before or
			// after XREAD starts to block, either way it is returned.
			type result struct {
				streams []redis.XStream
				err     error
			}
			read := make(chan result, 1)
			go func() {
				s, err := c.XRead(ctx, &redis.XReadArgs{Streams: []string{"changes", last}, Block: 5 * time.Second}).Result()
				read <- result{s, err}
			}()
			newID, err := c.XAdd(ctx, &redis.XAddArgs{Stream: "changes", Values: []any{"seq", "new"}}).Result()
			if err != nil {
				t.Fatalf("XADD: %v", err)
			}
			r := <-read
			if r.err != nil || len(r.streams) != 1 || len(r.streams[0].Messages) != 1 || r.streams[0].Messages[0].ID != newID {
				t.Errorf("XREAD BLOCK = %v, %v; want the one message %s", r.streams, r.err, newID)
			}
		})
	}
}

// Claims are leases: keys with a TTL must expire in both stores (miniredis
// runs with ClockTTL, expiring lazily on access).
func TestExpiryInBothKinds(t *testing.T) {
	for kind, c := range bothKinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := t.Context()
			if err := c.Set(ctx, "claim", "dr-a", 50*time.Millisecond).Err(); err != nil {
				t.Fatal(err)
			}
			waitUntil(t, 5*time.Second, "claim never expired", func() bool {
				n, err := c.Exists(context.Background(), "claim").Result()
				return err == nil && n == 0
			})
		})
	}
}
