// Command clusterbench measures Voorrang on a local Redis Cluster of
// three primaries with a replica each, against a standalone Redis started
// in the same run (the baseline): HL7 ingest over MLLP with one, two and
// three instances, with and without waiting for a replica (WAIT) before
// the ACK; the delay from a change to its arrival in an instance's live
// feed (what the websocket panels are sent from); the delay from an order
// sent to one of three `voorrang serve` processes to its arrival on the
// websocket panels of every one of them; and the memory an open study
// takes. Every process runs on this machine, so the instances, the six
// Redis nodes and the senders share its cores: the figures compare
// set-ups with each other, they do not predict a rack of servers.
//
//	go run ./bench/clusterbench [-duration 3s] [-clients 4] [-parts ingest,feed,panels,memory,year]
package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/voorrang/voorrang/hl7"
	"github.com/voorrang/voorrang/hl7/mllp"
	"github.com/voorrang/voorrang/ingest"
	"github.com/voorrang/voorrang/internal/redistest"
	"github.com/voorrang/voorrang/worklist"
	"github.com/voorrang/voorrang/worklist/redisstore"
)

func main() {
	duration := flag.Duration("duration", 3*time.Second, "how long each ingest measurement runs")
	clients := flag.Int("clients", 4, "MLLP connections per instance")
	changes := flag.Int("changes", 400, "changes whose delay to the live feed is measured, per set-up")
	studies := flag.Int("studies", 5000, "open studies whose memory is measured")
	panelChanges := flag.Int("panel-changes", 300, "changes (orders and AI results) whose delay to the panels is measured, per set-up")
	panels := flag.Int("panels", 2, "websocket panels on each instance")
	yearStudies := flag.Int("year-studies", 30_000, "closed studies whose turnaround facts are measured")
	yearly := flag.Int("yearly", 300_000, "studies a year the turnaround facts are measured at (their density a day)")
	parts := flag.String("parts", "ingest,feed,panels,memory,year", "the parts to run, comma-separated")
	flag.Parse()
	cfg := config{duration: *duration, clients: *clients, changes: *changes, studies: *studies,
		panelChanges: *panelChanges, panels: *panels, yearStudies: *yearStudies, yearly: *yearly, parts: strings.Split(*parts, ",")}
	if err := run(context.Background(), cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "clusterbench:", err)
		os.Exit(1)
	}
}

// sites spread the studies over the cluster's slots.
var sites = []string{"ZHWEST", "ZHOOST", "ZHNOORD", "ZHZUID", "AMC", "VUMC", "LUMC", "UMCU", "ERASMC", "RADBOUD", "MUMC", "UMCG"}

// config is what the command line asks for.
type config struct {
	duration             time.Duration
	clients, changes     int
	studies              int
	panelChanges, panels int
	yearStudies, yearly  int
	parts                []string
}

func (c config) runs(part string) bool { return slices.Contains(c.parts, part) }

func run(ctx context.Context, cfg config, out io.Writer) error {
	standalone, err := redistest.Start(redistest.Config{TCP: true})
	if err != nil {
		return err
	}
	defer standalone.Close()
	cluster, err := redistest.StartCluster(redistest.ClusterConfig{})
	if err != nil {
		return err
	}
	defer cluster.Close()
	single := func() redis.UniversalClient { return redis.NewClient(&redis.Options{Addr: standalone.Addr()}) }
	clustered := func() redis.UniversalClient { return cluster.Client() }

	fmt.Fprintf(out, "# Voorrang on a local Redis Cluster (3 primaries + 3 replicas) against a standalone Redis, %s\n", time.Now().UTC().Format("2006-01-02"))
	if cfg.runs("ingest") {
		if err := ingestPart(ctx, cfg, single, clustered, out); err != nil {
			return err
		}
	}
	if cfg.runs("feed") {
		if err := feedPart(ctx, cfg, single, clustered, out); err != nil {
			return err
		}
	}
	if cfg.runs("panels") {
		if err := panelPart(ctx, cfg, standalone.URL(), cluster.URL(), out); err != nil {
			return err
		}
	}
	if cfg.runs("memory") {
		perStudy, err := memoryPerStudy(ctx, standalone.Addr(), cfg.studies)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "\n## Memory\n\n%d open studies (completed CT with patient, order and one change record each) take %.0f bytes each in Redis (used_memory before and after).\n",
			cfg.studies, perStudy)
	}
	if cfg.runs("year") {
		c, err := closedPerStudy(ctx, standalone.Addr(), cfg.yearStudies, cfg.yearly)
		if err != nil {
			return err
		}
		printClosed(out, c, cfg.yearly)
	}
	return nil
}

func ingestPart(ctx context.Context, cfg config, single, clustered func() redis.UniversalClient, out io.Writer) error {
	fmt.Fprintf(out, "\n## Ingest over MLLP (%d connections per instance, %s each)\n\n", cfg.clients, cfg.duration)
	fmt.Fprintln(out, "| set-up | instances | WAIT | messages/s | ratio | p50 ACK | p99 ACK | failed |")
	fmt.Fprintln(out, "|---|---|---|---|---|---|---|---|")
	base, err := ingestRun(ctx, "standalone", single, 1, 0, false, cfg.clients, cfg.duration)
	if err != nil {
		return err
	}
	base.print(out, base)
	// What announcing each change (one PUBLISH in the script, passed to
	// every node) costs: the next row is the same set-up with it.
	quiet, err := ingestRun(ctx, "cluster, changes not announced", clustered, 1, 0, true, cfg.clients, cfg.duration)
	if err != nil {
		return err
	}
	quiet.print(out, base)
	for _, wait := range []int{0, 1} {
		for n := 1; n <= 3; n++ {
			r, err := ingestRun(ctx, "cluster", clustered, n, wait, false, cfg.clients, cfg.duration)
			if err != nil {
				return err
			}
			r.print(out, base)
		}
	}

	return nil
}

func feedPart(ctx context.Context, cfg config, single, clustered func() redis.UniversalClient, out io.Writer) error {
	fmt.Fprintf(out, "\n## Change to live feed (%d changes, one every 10 ms over %d sites)\n\n", cfg.changes, len(sites))
	fmt.Fprintln(out, "| set-up | p50 | p99 | max | p99 ratio |")
	fmt.Fprintln(out, "|---|---|---|---|---|")
	sbase, err := feedDelay(ctx, single, redisstore.Options{}, cfg.changes)
	if err != nil {
		return err
	}
	polled, err := feedDelay(ctx, clustered, redisstore.Options{NoAnnouncements: true}, cfg.changes)
	if err != nil {
		return err
	}
	rung, err := feedDelay(ctx, clustered, redisstore.Options{}, cfg.changes)
	if err != nil {
		return err
	}
	for _, r := range []struct {
		name string
		lat  []time.Duration
	}{
		{"standalone (one blocking XREAD)", sbase},
		{"cluster, poll only (every 100 ms)", polled},
		{"cluster, announced (poll every 1 s)", rung},
	} {
		fmt.Fprintf(out, "| %s | %s | %s | %s | %.2f |\n", r.name, ms(pct(r.lat, 50)), ms(pct(r.lat, 99)), ms(pct(r.lat, 100)),
			float64(pct(r.lat, 99))/float64(max(pct(sbase, 99), 1)))
	}
	return nil
}

// panelInstances is how many `voorrang serve` processes share each Redis
// set-up in the change-to-panel part.
const panelInstances = 3

// panelGap is the time between two orders of the change-to-panel part.
const panelGap = 20 * time.Millisecond

func panelPart(ctx context.Context, cfg config, singleURL, clusterURL string, out io.Writer) error {
	dir, err := os.MkdirTemp("", "clusterbench-")
	if err != nil {
		return err
	}
	bin, err := buildVoorrang(ctx, dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\n## Change to panel (%d `voorrang serve` processes, %d websocket panels on each; %d changes, one every %s: in turn an order over MLLP to one instance and an AI result for it over HTTP to the next, over %d sites)\n\n",
		panelInstances, cfg.panels, cfg.panelChanges, panelGap, len(sites))
	base, err := panelDelay(ctx, bin, dir, "standalone", singleURL, panelInstances, cfg.panels, cfg.panelChanges, panelGap)
	if err != nil {
		return err
	}
	cl, err := panelDelay(ctx, bin, dir, "cluster", clusterURL, panelInstances, cfg.panels, cfg.panelChanges, panelGap)
	if err != nil {
		return err
	}
	os.RemoveAll(dir) // kept when the part failed, for the instances' logs
	printPanels(out, []panelResult{base, cl}, base)
	fmt.Fprintf(out, "\nLoad average at the end (other work on this machine shows here): %s\n", loadAverage())
	return nil
}

// An ingestResult is one row of the ingest table.
type ingestResult struct {
	setup     string
	instances int
	wait      int
	perSec    float64
	lat       []time.Duration
	fails     int
}

func (r ingestResult) print(out io.Writer, base ingestResult) {
	w := "off"
	if r.wait > 0 {
		w = "1 replica"
	}
	fmt.Fprintf(out, "| %s | %d | %s | %.0f | %.2f | %s | %s | %d |\n", r.setup, r.instances, w, r.perSec, r.perSec/base.perSec,
		ms(pct(r.lat, 50)), ms(pct(r.lat, 99)), r.fails)
}

var runs atomic.Int64

// ingestRun starts n instances (store, handler and MLLP server, each with
// its own Redis client) and drives each with clients connections for
// duration.
func ingestRun(ctx context.Context, setup string, connect func() redis.UniversalClient, n, wait int, quiet bool, clients int, duration time.Duration) (ingestResult, error) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	run := runs.Add(1)
	prefix := fmt.Sprintf("bench%d:", run)
	var addrs []string
	for range n {
		rdb := connect()
		defer rdb.Close()
		store := redisstore.New(rdb, redisstore.Options{Prefix: prefix, Logger: log, WaitReplicas: wait, NoAnnouncements: quiet})
		h := &ingest.Handler{Store: store, Mapping: ingest.DefaultMapping(), Application: "VOORRANG", Logger: log}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return ingestResult{}, err
		}
		srv := &mllp.Server{Handler: h, Logger: log}
		done := make(chan error, 1)
		go func() { done <- srv.Serve(context.WithoutCancel(ctx), ln) }()
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			srv.Shutdown(sctx)
			<-done
		}()
		addrs = append(addrs, ln.Addr().String())
	}
	var (
		mu    sync.Mutex
		lat   []time.Duration
		fails int
		wg    sync.WaitGroup
	)
	start := time.Now()
	end := start.Add(duration)
	for i := range n * clients {
		wg.Go(func() {
			c := &mllp.Client{Addr: addrs[i%n], Retries: -1, Logger: log}
			defer c.Close()
			var mine []time.Duration
			bad := 0
			for k := 0; time.Now().Before(end); k++ {
				acc := fmt.Sprintf("B%d-%d-%d", run, i, k)
				msg := order(sites[(i+k)%len(sites)], acc)
				t := time.Now()
				raw, err := c.Send(ctx, msg)
				mine = append(mine, time.Since(t))
				if err != nil || !acceptedAck(raw) {
					bad++
				}
			}
			mu.Lock()
			lat, fails = append(lat, mine...), fails+bad
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(lat)
	return ingestResult{setup: setup, instances: n, wait: wait, perSec: float64(len(lat)-fails) / elapsed.Seconds(), lat: lat, fails: fails}, nil
}

func acceptedAck(raw []byte) bool {
	m, err := hl7.Parse(raw)
	if err != nil {
		return false
	}
	code := m.Get("MSA-1")
	return code == "AA" || code == "CA"
}

// order is testdata/hl7's completed oncology CT at site under acc.
func order(site, acc string) []byte {
	return []byte(strings.NewReplacer("{site}", site, "{acc}", acc).Replace(`MSH|^~\&|HIX|{site}|VOORRANG|{site}|20261123085240+0100||ORM^O01|C{acc}|P|2.4|||AL|NE|NLD` + "\r" +
		`PID|1||7012345^^^{site}^PI~999990019^^^NLMINBIZA^NNNLD||van den Berg&van den&Berg^Jan^J^^^^L||19580314|M|||Lindelaan 14&Lindelaan&14^^Leiden^^2313AB^NLD^H||0715123456^PRN^PH||dut^Nederlands^ISO639` + "\r" +
		`PV1|1|O|ONC^^^{site}|||||01012345^Visser^H.^^^dr.^^^VEKTIS^L^^^AGB||ONC|||||||||VN7012345001^^^{site}^VN` + "\r" +
		`ORC|SC|4410101^HIX|{acc}^HIX||CM||^^^20261123083000+0100^^R||20261123085240+0100|||01012345^Visser^H.^^^dr.^^^VEKTIS^L^^^AGB|ONC^^^{site}||||{site}^Ziekenhuis West` + "\r" +
		`OBR|1|4410101^HIX|{acc}^HIX|CTTHAB^CT thorax-abdomen met contrast^HIX|||20261123083105+0100|20261123085055+0100|||||Follow-up coloncarcinoom, herstadiering na chemotherapie|||01012345^Visser^H.^^^dr.^^^VEKTIS^L^^^AGB||{acc}|RP{acc}|||20261123085240+0100||CT|||^^^20261123083000+0100^^R|||WALK|^Follow-up coloncarcinoom, herstadiering na chemotherapie|||||20261123083000+0100` + "\r"))
}

// feedDelay writes changes, one every 10 ms, on one client and reads them
// as an instance's live feed does (WaitChanges over every site, as the
// websocket hub calls it) on another, and returns the delay of each from
// the start of its write to its arrival.
func feedDelay(ctx context.Context, connect func() redis.UniversalClient, opts redisstore.Options, changes int) ([]time.Duration, error) {
	run := runs.Add(1)
	prefix := fmt.Sprintf("feed%d:", run)
	wrdb, rrdb := connect(), connect()
	defer wrdb.Close()
	defer rrdb.Close()
	opts.Prefix = prefix
	writer := redisstore.New(wrdb, opts)
	reader := redisstore.New(rrdb, opts)
	now := time.Now()
	cursors := map[string]string{}
	for _, site := range sites {
		if _, err := writer.Apply(ctx, event(site, "F0", now), nil); err != nil {
			return nil, err
		}
		pos, err := reader.Position(ctx, site)
		if err != nil {
			return nil, err
		}
		cursors[site] = pos
	}
	var (
		mu       sync.Mutex
		started  = map[string]time.Time{}
		arrived  = map[string]time.Time{}
		complete = make(chan struct{})
	)
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	readErr := make(chan error, 1)
	go func() {
		for rctx.Err() == nil {
			got, err := reader.WaitChanges(rctx, cursors, 500, 2*time.Second)
			if err != nil {
				if rctx.Err() == nil {
					readErr <- err
				}
				return
			}
			at := time.Now()
			mu.Lock()
			for _, c := range got {
				cursors[c.Site] = c.ID
				if _, ok := arrived[c.Site+"/"+c.Accession]; !ok && c.Accession != "F0" {
					arrived[c.Site+"/"+c.Accession] = at
				}
			}
			if len(arrived) == changes {
				close(complete)
				mu.Unlock()
				return
			}
			mu.Unlock()
		}
	}()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for i := range changes {
		<-tick.C
		site, acc := sites[i%len(sites)], "F"+strconv.Itoa(i+1)
		mu.Lock()
		started[site+"/"+acc] = time.Now()
		mu.Unlock()
		if _, err := writer.Apply(ctx, event(site, acc, now), nil); err != nil {
			return nil, err
		}
	}
	select {
	case <-complete:
	case err := <-readErr:
		return nil, err
	case <-time.After(10 * time.Second):
		mu.Lock()
		defer mu.Unlock()
		return nil, fmt.Errorf("the feed delivered %d of %d changes", len(arrived), changes)
	}
	mu.Lock()
	defer mu.Unlock()
	delays := make([]time.Duration, 0, changes)
	for k, at := range arrived {
		delays = append(delays, at.Sub(started[k]))
	}
	slices.Sort(delays)
	return delays, nil
}

func event(site, acc string, at time.Time) worklist.Event {
	return worklist.Event{Kind: worklist.ExamCompleted, Site: site, Accession: acc, At: at,
		Order: &worklist.Order{Patient: worklist.Patient{MRN: "7012345", Family: "van den Berg", Given: "Jan", BirthDate: "1958-03-14", Sex: "M"},
			PatientClass: "O", Priority: "R", Modality: "CT", ProcedureCode: "CTTHAB", ProcedureText: "CT thorax-abdomen met contrast",
			OrderedAt: at.Add(-time.Hour), CompletedAt: at}}
}

// memoryPerStudy ingests n open studies on a fresh database of the
// standalone server and returns Redis's used memory per study.
func memoryPerStudy(ctx context.Context, addr string, n int) (float64, error) {
	rdb := redis.NewClient(&redis.Options{Addr: addr, DB: 9})
	defer rdb.Close()
	used := func() (int64, error) { return usedMemory(ctx, rdb) }
	before, err := used()
	if err != nil {
		return 0, err
	}
	store := redisstore.New(rdb, redisstore.Options{Prefix: "mem:"})
	now := time.Now()
	for i := range n {
		e := event(sites[i%len(sites)], fmt.Sprintf("M%07d", i), now)
		e.Order.Patient.MRN = fmt.Sprintf("%07d", 1000000+i)
		e.Source = "HIX|" + e.Site + "|M" + strconv.Itoa(i)
		if _, err := store.Apply(ctx, e, []byte(cmp.Or("", "MSH|^~\\&|VOORRANG|...|ACK^O01|...\rMSA|AA|M"+strconv.Itoa(i)+"\r"))); err != nil {
			return 0, err
		}
	}
	after, err := used()
	if err != nil {
		return 0, err
	}
	return float64(after-before) / float64(n), nil
}

// loadAverage returns the first three fields of /proc/loadavg, or "?".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "?"
}

func pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := max(0, int(math.Ceil(float64(len(sorted))*p/100))-1)
	return sorted[min(i, len(sorted)-1)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }
