package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/voorrang/voorrang/bench/servicebench"
)

// runBench measures ingest and the worklist against the Redis floor
// (package servicebench). Flags are also read from VOORRANG_BENCH_REDIS,
// VOORRANG_BENCH_DURATION and so on.
func runBench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var (
		cfg              servicebench.Config
		redisURL, phases string
	)
	fs := newFlagSet("voorrang bench", stderr)
	fs.StringVar(&redisURL, "redis", "redis://127.0.0.1:6379/0", "Redis URL of a standalone server; the bench writes only under a key prefix of its own and removes it")
	fs.DurationVar(&cfg.Duration, "duration", 5*time.Second, "how long each measurement runs")
	fs.IntVar(&cfg.Studies, "studies", 50_000, "open studies for the first-page phase")
	fs.IntVar(&cfg.Sites, "sites", 20, "sites the messages and studies are spread over (at most 99)")
	fs.IntVar(&cfg.Rate, "rate", 2000, "messages per second of the fixed-rate phase (8 connections)")
	fs.BoolVar(&cfg.JSON, "json", false, "print one JSON document instead of the table")
	fs.StringVar(&cfg.MLLP, "mllp", "", "drive a running service's MLLP port (host:port) in the ingest phases instead of one started in this process, so that sender and service do not share a Go runtime")
	fs.IntVar(&cfg.ServicePID, "service-pid", 0, "with --mllp: the service's process ID, to report the cores it kept busy (Linux)")
	fs.StringVar(&phases, "phases", "floor,ingest,fixed,page", "the phases to run, comma-separated (ingest and fixed compare with the floor when it ran)")
	fs.StringVar(&cfg.CPUProfile, "cpuprofile", "", "write a CPU profile of the ingest phase (server and senders) to this file")
	if err := parseFlags(fs, args, func(k string) string {
		return getenv("VOORRANG_BENCH_" + strings.TrimPrefix(k, "VOORRANG_"))
	}); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("bench: unexpected argument %q", fs.Arg(0))
	}
	if cfg.Duration <= 0 || cfg.Studies < 1 || cfg.Rate < 1 || cfg.Sites < 1 {
		return errors.New("bench: --duration, --studies, --rate and --sites must be positive")
	}
	cfg.Phases = strings.Split(phases, ",")
	rdb, err := newRedisClient(redisURL)
	if err != nil {
		return fmt.Errorf("--redis: %w", err)
	}
	defer rdb.Close()
	cfg.Redis, cfg.RedisURL, cfg.Version = rdb, redisURL, version
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return servicebench.Run(ctx, cfg, stdout)
}
