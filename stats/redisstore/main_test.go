package redisstore

import (
	"testing"

	"github.com/voorrang/voorrang/internal/redistest"
)

// TestMain runs the tests against a redis-server of their own (or the one
// named by VOORRANG_TEST_REDIS), each test under a key prefix of its own.
func TestMain(m *testing.M) { redistest.Main(m) }
