package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	fws "github.com/fasthttp/websocket"

	"github.com/voorrang/voorrang/hl7/mllp"
)

// panelToken signs the bench's panels in, as a radiologist's token does
// in the tests; aiToken is the AI platform's.
const (
	panelToken = "bench-panel-token-0123456789abcdefghij"
	aiToken    = "bench-ai-token-0123456789abcdefghijklm"
)

// An instance is one `voorrang serve` process of the bench.
type instance struct {
	name      string
	cmd       *exec.Cmd
	http      string // host:port
	mllp      string // host:port
	exited    chan struct{}
	logPath   string
	closeOnce sync.Once
}

// buildVoorrang builds the service into dir, so that the instances run
// the code of this checkout as it runs in production: each in its own
// process.
func buildVoorrang(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "voorrang")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/voorrang/voorrang/cmd/voorrang")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build voorrang: %w", err)
	}
	return bin, nil
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// startInstance starts `voorrang serve` on redisURL under prefix and waits
// until /readyz answers 200.
func startInstance(ctx context.Context, bin, dir, name, redisURL, prefix string) (*instance, error) {
	httpAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	mllpAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	in := &instance{name: name, http: httpAddr, mllp: mllpAddr, exited: make(chan struct{}),
		logPath: filepath.Join(dir, name+".log")}
	logFile, err := os.Create(in.logPath)
	if err != nil {
		return nil, err
	}
	in.cmd = exec.Command(bin, "serve", "--redis", redisURL, "--key-prefix", prefix,
		"--http", httpAddr, "--mllp", mllpAddr, "--data-dir", filepath.Join(dir, name), "--log-level", "warn")
	in.cmd.Env = append(os.Environ(), "VOORRANG_API_TOKENS=bench:radiologist:"+panelToken+",benchai:integration:"+aiToken)
	in.cmd.Stdout, in.cmd.Stderr = logFile, logFile
	if err := in.cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		in.cmd.Wait()
		logFile.Close()
		close(in.exited)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + httpAddr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return in, nil
			}
		}
		select {
		case <-in.exited:
			return nil, fmt.Errorf("%s exited at start; see %s", name, in.logPath)
		case <-ctx.Done():
			in.close()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			in.close()
			return nil, fmt.Errorf("%s not ready within 30 s; see %s", name, in.logPath)
		}
	}
}

// close stops the instance as an operator does (SIGTERM), killing it when
// it has not stopped within 10 s.
func (in *instance) close() {
	in.closeOnce.Do(func() {
		in.cmd.Process.Signal(os.Interrupt)
		select {
		case <-in.exited:
		case <-time.After(10 * time.Second):
			in.cmd.Process.Kill()
			<-in.exited
		}
	})
}

// A benchPanel is one websocket to an instance's /ws, as the browser's
// panel opens it, that notes when each accession, and each AI result
// ("ai:" and its ID), first arrives.
type benchPanel struct {
	instance int
	conn     *fws.Conn
	mu       sync.Mutex
	arrived  map[string]time.Time
	changed  chan struct{} // signalled on each arrival
	done     chan error
}

func openBenchPanel(addr string, instance int) (*benchPanel, error) {
	conn, _, err := fws.DefaultDialer.Dial("ws://"+addr+"/ws", http.Header{"Authorization": {"Bearer " + panelToken}})
	if err != nil {
		return nil, fmt.Errorf("open a panel on %s: %w", addr, err)
	}
	// The snapshot comes once the instance follows the change streams:
	// every change after it reaches the panel as an upsert.
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	var first struct {
		Type string `json:"type"`
	}
	if err := conn.ReadJSON(&first); err != nil || first.Type != "snapshot" {
		conn.Close()
		return nil, fmt.Errorf("a panel on %s: first message %q, %v; want the snapshot", addr, first.Type, err)
	}
	conn.SetReadDeadline(time.Time{})
	p := &benchPanel{instance: instance, conn: conn, arrived: map[string]time.Time{},
		changed: make(chan struct{}, 1), done: make(chan error, 1)}
	go p.read()
	return p, nil
}

func (p *benchPanel) read() {
	for {
		_, data, err := p.conn.ReadMessage()
		at := time.Now()
		if err != nil {
			p.done <- err
			return
		}
		var m struct {
			Type  string `json:"type"`
			Study *struct {
				Accession string `json:"accession"`
				Results   []struct {
					ID string `json:"id"`
				} `json:"results"`
			} `json:"study"`
		}
		if err := json.Unmarshal(data, &m); err != nil {
			p.done <- err
			return
		}
		if m.Type != "upsert" || m.Study == nil {
			continue
		}
		p.mu.Lock()
		if _, ok := p.arrived[m.Study.Accession]; !ok {
			p.arrived[m.Study.Accession] = at
		}
		for _, r := range m.Study.Results {
			if _, ok := p.arrived["ai:"+r.ID]; !ok {
				p.arrived["ai:"+r.ID] = at
			}
		}
		p.mu.Unlock()
		select {
		case p.changed <- struct{}{}:
		default:
		}
	}
}

// has reports whether every one of accs arrived.
func (p *benchPanel) has(accs []string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, a := range accs {
		if _, ok := p.arrived[a]; !ok {
			return false
		}
	}
	return true
}

// missing returns those of accs that have not arrived.
func (p *benchPanel) missing(accs []string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, a := range accs {
		if _, ok := p.arrived[a]; !ok {
			out = append(out, a)
		}
	}
	return out
}

// waitAll waits until every panel saw every one of accs.
func waitAll(panels []*benchPanel, accs []string, timeout time.Duration) error {
	deadline := time.After(timeout)
	for _, p := range panels {
		for len(p.missing(accs)) > 0 {
			select {
			case <-p.changed:
			case err := <-p.done:
				return fmt.Errorf("a panel of instance %d closed: %w", p.instance+1, err)
			case <-deadline:
				return fmt.Errorf("a panel of instance %d did not see %v within %s", p.instance+1, p.missing(accs), timeout)
			}
		}
	}
	return nil
}

// A panelResult is the delays of one set-up's changes to the panels of
// each of its instances.
type panelResult struct {
	setup  string
	ack    []time.Duration   // sorted, every change's answer time (ACK, HTTP 200)
	lat    [][]time.Duration // per instance, sorted: send to arrival, every panel
	all    []time.Duration   // sorted, every instance's
	orders []time.Duration   // sorted, every instance's of the orders
	ai     []time.Duration   // sorted, every instance's of the AI results
}

// panelDelay starts n instances on redisURL with perInstance panels each,
// makes changes changes, one every gap: in turn an order over MLLP to one
// instance and an AI result for it over HTTP to the next (the instances in
// turn, over the bench's sites), and measures for every panel the delay
// from the start of the send to the change's arrival as an upsert on the
// websocket.
func panelDelay(ctx context.Context, bin, dir, setup, redisURL string, n, perInstance, changes int, gap time.Duration) (panelResult, error) {
	prefix := fmt.Sprintf("panel%d:", runs.Add(1))
	var instances []*instance
	defer func() {
		for _, in := range instances {
			in.close()
		}
	}()
	for i := range n {
		in, err := startInstance(ctx, bin, dir, fmt.Sprintf("%s-%d", setup, i+1), redisURL, prefix)
		if err != nil {
			return panelResult{}, err
		}
		instances = append(instances, in)
	}
	var panels []*benchPanel
	defer func() {
		for _, p := range panels {
			p.conn.Close()
		}
	}()
	for i, in := range instances {
		for range perInstance {
			p, err := openBenchPanel(in.http, i)
			if err != nil {
				return panelResult{}, err
			}
			panels = append(panels, p)
		}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	senders := make([]*mllp.Client, n)
	for i, in := range instances {
		senders[i] = &mllp.Client{Addr: in.mllp, Timeout: 10 * time.Second, Logger: log}
		defer senders[i].Close()
	}
	send := func(i int, acc string) (time.Duration, error) {
		t := time.Now()
		raw, err := senders[i%n].Send(ctx, order(sites[i%len(sites)], acc))
		if err != nil {
			return 0, err
		}
		if !acceptedAck(raw) {
			return 0, fmt.Errorf("order %s not accepted: %q", acc, raw)
		}
		return time.Since(t), nil
	}

	// A site enters every instance's feed with its first change: one
	// order per site first, until every panel has seen them all.
	var warm []string
	for i := range sites {
		acc := fmt.Sprintf("P%d-W%d", runs.Load(), i)
		if _, err := send(i, acc); err != nil {
			return panelResult{}, err
		}
		warm = append(warm, acc)
	}
	if err := waitAll(panels, warm, 30*time.Second); err != nil {
		return panelResult{}, fmt.Errorf("%s, the first order of each site: %w (logs in %s)", setup, err, dir)
	}

	started := make(map[string]time.Time, changes)
	accs := make([]string, 0, changes) // what arrives: accessions, and "ai:" result IDs
	var ack []time.Duration
	tick := time.NewTicker(gap)
	defer tick.Stop()
	for i := range changes {
		<-tick.C
		k := i / 2 // the order, and then its AI result
		acc := fmt.Sprintf("P%d-%d", runs.Load(), k)
		key, t := acc, time.Now()
		var err error
		var d time.Duration
		if i%2 == 0 {
			d, err = send(k, acc)
		} else {
			key = "ai:R" + acc
			d, err = postAIResult(ctx, instances[(k+1)%n].http, sites[k%len(sites)], acc, "R"+acc)
		}
		if err != nil {
			return panelResult{}, err
		}
		started[key] = t
		ack = append(ack, d)
		accs = append(accs, key)
	}
	if err := waitAll(panels, accs, 30*time.Second); err != nil {
		return panelResult{}, fmt.Errorf("%s: %w (logs in %s)", setup, err, dir)
	}
	r := panelResult{setup: setup, lat: make([][]time.Duration, n)}
	for _, p := range panels {
		p.mu.Lock()
		for _, acc := range accs {
			d := p.arrived[acc].Sub(started[acc])
			r.lat[p.instance] = append(r.lat[p.instance], d)
			r.all = append(r.all, d)
			if strings.HasPrefix(acc, "ai:") {
				r.ai = append(r.ai, d)
			} else {
				r.orders = append(r.orders, d)
			}
		}
		p.mu.Unlock()
	}
	for _, l := range r.lat {
		slices.Sort(l)
	}
	slices.Sort(r.all)
	slices.Sort(r.orders)
	slices.Sort(r.ai)
	slices.Sort(ack)
	r.ack = ack
	for _, in := range instances {
		select {
		case <-in.exited:
			return r, fmt.Errorf("%s exited during the run; see %s", in.name, in.logPath)
		default:
		}
	}
	return r, nil
}

// postAIResult posts a positive PE result id for acc to an instance's
// /api/v1/ai-results, as an AI platform does, and returns the time to its
// answer.
func postAIResult(ctx context.Context, addr, site, acc, id string) (time.Duration, error) {
	body, err := json.Marshal(map[string]any{
		"id": id, "accession": acc, "site": site, "producedAt": time.Now().Format(time.RFC3339),
		"algorithm": map[string]string{"id": "aidoc-pe", "name": "Incidental PE", "version": "2.1", "vendor": "Aidoc"},
		"findings":  []map[string]any{{"code": "PE", "display": "Pulmonary embolism", "positive": true, "confidence": 0.94}},
	})
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, "POST", "http://"+addr+"/api/v1/ai-results", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+aiToken)
	t := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	d := time.Since(t)
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("AI result %s: %d %s", id, resp.StatusCode, answer)
	}
	return d, nil
}

// printPanels prints the change-to-panel table: one row per instance and
// one for all of a set-up, the p99 ratio against base's (all instances).
func printPanels(out io.Writer, results []panelResult, base panelResult) {
	fmt.Fprintln(out, "| set-up | instance | deliveries | p50 | p99 | max | p99 ratio | p50 answer |")
	fmt.Fprintln(out, "|---|---|---|---|---|---|---|---|")
	ref := float64(max(pct(base.all, 99), 1))
	row := func(setup, which string, lat, ack []time.Duration) {
		a := "" // the ACK time is a set-up's, not an instance's
		if ack != nil {
			a = ms(pct(ack, 50))
		}
		fmt.Fprintf(out, "| %s | %s | %d | %s | %s | %s | %.2f | %s |\n", setup, which, len(lat),
			ms(pct(lat, 50)), ms(pct(lat, 99)), ms(pct(lat, 100)), float64(pct(lat, 99))/ref, a)
	}
	for _, r := range results {
		for i, l := range r.lat {
			row(r.setup, strconv.Itoa(i+1), l, nil)
		}
		row(r.setup, "all: orders (MLLP)", r.orders, nil)
		row(r.setup, "all: AI results (HTTP)", r.ai, nil)
		row(r.setup, "all", r.all, r.ack)
	}
}
