package main

import (
	"os"
	"testing"

	"github.com/voorrang/voorrang/internal/redistest"
)

// TestMain runs the tests against a redis-server of their own (or the one
// named by VOORRANG_TEST_REDIS), each test under a key prefix of its own.
// With VOORRANG_TEST_AS_COMMAND=1 the test binary is the voorrang command
// instead: TestREADMEExamples runs it so, as the README's examples do.
func TestMain(m *testing.M) {
	if os.Getenv(asCommand) == "1" {
		os.Exit(command())
	}
	redistest.Main(m)
}

const asCommand = "VOORRANG_TEST_AS_COMMAND"
