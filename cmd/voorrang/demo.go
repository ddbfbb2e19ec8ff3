package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/voorrang/voorrang/access"
	"github.com/voorrang/voorrang/hl7/mllp"
	"github.com/voorrang/voorrang/sim"
)

// demoConfig holds the options of serve's synthetic department (--demo).
type demoConfig struct {
	enabled bool
	seed    int64
	speed   float64

	// Tests: a clock they drive (nil: real time × speed), how much
	// simulated time the demo runs (zero: until the service stops), and a
	// function that receives its counts when it ends.
	clock  sim.Clock
	window time.Duration
	done   func(sim.LiveStats)

	out io.Writer // where the demo accounts are printed; nil: nowhere
}

func (d *demoConfig) register(fs *flag.FlagSet) {
	fs.BoolVar(&d.enabled, "demo", false, "feed the service a synthetic department (two sites, AI results, virtual radiologists) over its own MLLP port; the embedded store starts empty, in DATA-DIR/demo")
	fs.Int64Var(&d.seed, "seed", 0, "seed of the --demo feed, to repeat a run; 0 takes one from the clock (the log says which)")
	fs.Float64Var(&d.speed, "demo-speed", 10, "simulated seconds per real second of the --demo feed")
}

// storeDir returns the folder of the embedded store. Under --demo it is a
// folder of its own, emptied first, so that synthetic patients never mix
// with a department's data and every demo starts from an empty list.
func (d *demoConfig) storeDir(dataDir, redisURL string) (string, error) {
	if !d.enabled || redisURL != "" {
		return dataDir, nil
	}
	dir := filepath.Join(dataDir, "demo")
	if err := os.RemoveAll(filepath.Join(dir, "redis")); err != nil {
		return "", fmt.Errorf("--demo: empty the demo store: %w", err)
	}
	return dir, nil
}

// startDemo starts the synthetic feed when --demo is set, and returns a
// function that stops it and waits until it has.
func (s *service) startDemo(ctx context.Context) (stop func()) {
	if !s.cfg.demo.enabled {
		return func() {}
	}
	if err := s.demoAccounts(ctx); err != nil {
		s.log.Error("demo: the demo accounts could not be made", "err", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.runDemo(ctx)
	}()
	return func() {
		cancel()
		<-done
	}
}

// runDemo feeds the service a simulated department through the real
// ingest path: each message goes over MLLP to the service's own listener
// and its ACK is checked; virtual radiologists claim studies in the store.
// The simulation runs demo.speed times faster than real time, and its
// times are written into the messages as real times, so that the panel's
// clocks agree with the service's.
func (s *service) runDemo(ctx context.Context) {
	d := s.cfg.demo
	seed := d.seed
	if seed == 0 {
		seed = time.Now().UnixNano() % 1_000_000
	}
	clock := d.clock
	var stamp func(time.Time) time.Time
	if clock == nil {
		c := sim.NewCompressedClock(time.Now(), d.speed)
		clock, stamp = c, c.Real
	}
	start := clock.Now()
	if err := s.seedDemoHistory(ctx, seed, start); err != nil {
		s.log.Error("demo: the statistics' history was not seeded", "err", err)
	}
	client := &mllp.Client{Addr: dialAddr(s.mllpLn.Addr()), Logger: s.log}
	defer client.Close()
	live := &sim.Live{
		Sim:    sim.New(sim.Options{Seed: seed, Start: start, Stamp: stamp, Desk: sim.StoreDesk{Store: s.store}, Logger: s.log}),
		Clock:  clock,
		Sender: client,
		Logger: s.log,
	}
	if d.window > 0 {
		live.Until = start.Add(d.window)
	}
	s.log.Info("demo: a synthetic department at ZHWEST and ZHOOST feeds this service over MLLP; repeat it with --seed",
		"seed", seed, "speed", d.speed, "mllp", client.Addr)
	if err := live.Run(ctx); err != nil {
		s.log.Error("demo: the simulation failed", "err", err)
	}
	st := live.Stats()
	s.log.Info("demo: stopped", "messages", st.Sent, "accepted", st.Accepted, "refused", st.Refused, "failed", st.Failed)
	if d.done != nil {
		d.done(st)
	}
}

// demoRoles are the demo's accounts, one per role.
var demoRoles = []struct {
	name, display string
	role          access.Role
	sections      []string
}{
	{"demo-radioloog", "Demo Radioloog", access.Radiologist, nil},
	{"demo-aios", "Demo AIOS (neuro, msk)", access.Resident, []string{"neuro", "msk"}},
	{"demo-manager", "Demo Manager", access.Manager, nil},
	{"demo-admin", "Demo Beheerder", access.Admin, nil},
}

// demoAccounts makes an account for each role with a new password (or
// gives an existing one a new password) and prints them: the demo's panel
// is two steps away, start and sign in.
func (s *service) demoAccounts(ctx context.Context) error {
	if s.accounts == nil || !s.cfg.access.localAccounts {
		return nil
	}
	params := s.cfg.access.passwords
	if params == (access.PasswordParams{}) {
		params = access.DefaultPasswordParams()
	}
	url := "http://" + dialAddr(s.httpLn.Addr())
	if s.cfg.httpEdge.publicURL != "" {
		url = strings.TrimSuffix(s.cfg.httpEdge.publicURL, "/")
	} else if strings.HasPrefix(url, "http://127.0.0.1:") {
		url = "http://localhost:" + strings.TrimPrefix(url, "http://127.0.0.1:")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\nDemo accounts, with passwords for this run only. Sign in at %s\n", url)
	for _, d := range demoRoles {
		pw := readablePassword()
		hash, err := access.HashPassword(pw, params)
		if err != nil {
			return err
		}
		now := time.Now()
		a := access.Account{Name: d.name, Display: d.display, Roles: []access.Role{d.role}, Sections: d.sections,
			Password: hash, Created: now, Changed: now}
		err = s.accounts.AddAccount(ctx, a)
		if errors.Is(err, access.ErrExists) {
			_, err = s.accounts.UpdateAccount(ctx, d.name, func(old *access.Account) error { *old = a; return nil })
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "  %-12s %-15s %s\n", d.role, d.name, pw)
	}
	if s.cfg.demo.out != nil {
		fmt.Fprintln(s.cfg.demo.out, b.String())
	}
	return nil
}

// dialAddr returns the address to reach a listener at on this machine.
func dialAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// runSimulate writes a simulated day of both sites as .hl7 files, for
// `voorrang send` and benchmarks.
func runSimulate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("voorrang simulate", stderr)
	seed := fs.Int64("seed", 1, "seed: the same seed and start write the same files, byte for byte")
	out := fs.String("out", "", "folder to write the files into, one per site (required)")
	startText := fs.String("start", sim.DefaultStart().Format(time.RFC3339), "when the radiologists start reading (RFC 3339); orders begin 2 hours earlier")
	duration := fs.Duration("duration", 24*time.Hour, "how much of the day after --start to simulate")
	rate := fs.Float64("orders-per-hour", 30, "studies ordered per hour, both sites together")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: voorrang simulate --seed N --out DIR [flags]\n\nWrites a synthetic day of ZHWEST and ZHOOST as HL7 v2 files (orders, AI results, reports).")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	if *out == "" || fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	start, err := time.Parse(time.RFC3339, *startText)
	if err != nil {
		return fmt.Errorf("--start: %w", err)
	}
	files, n, err := sim.WriteFeed(ctx, *out, sim.Options{Seed: *seed, Start: start, OrdersPerHour: *rate}, *duration)
	for _, f := range files {
		fmt.Fprintln(stdout, f)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d messages\n", n)
	return nil
}
