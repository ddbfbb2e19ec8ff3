package ingest

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/voorrang/voorrang/hl7"
	"github.com/voorrang/voorrang/worklist"
)

// nopStore accepts every event and keeps nothing, so that the handler's
// own work can be measured apart from Redis.
type nopStore struct{}

func (nopStore) Apply(context.Context, worklist.Event, []byte) (worklist.Outcome, error) {
	return worklist.Outcome{Changed: true}, nil
}

func (nopStore) AddDeadLetter(context.Context, worklist.DeadLetter) error { return nil }

// BenchmarkServeMLLP is the handler's work per message of a day's feed
// (parse, map to events, build the ACK) with a store that does nothing.
func BenchmarkServeMLLP(b *testing.B) {
	data, err := os.ReadFile("../testdata/hl7/zhwest_feed_day.hl7")
	if err != nil {
		b.Fatal(err)
	}
	msgs := hl7.Split(data)
	now := time.Date(2026, 11, 23, 9, 45, 0, 0, time.UTC)
	h := &Handler{Store: nopStore{}, Mapping: DefaultMapping(), Application: "VOORRANG",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return now }}
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		h.ServeMLLP(ctx, msgs[i%len(msgs)])
	}
}
