package ui

import (
	"bytes"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	fws "github.com/fasthttp/websocket"
)

// A benchFleet is n websocket clients of one server that note when each
// change reaches them. Every client sees every change, in order, so the
// k-th message after the snapshot is the k-th change applied.
type benchFleet struct {
	n        int
	starts   []atomic.Int64 // when change k was applied, unix ns
	arrived  []atomic.Int32 // how many clients have change k
	done     chan int       // k, once every client has change k
	conns    []*fws.Conn
	lat      [][]time.Duration // per client
	received []int             // per client, changes
	bytes    atomic.Int64      // of client 0's messages
	wg       sync.WaitGroup
}

const benchMaxChanges = 1 << 16

func newBenchFleet(b *testing.B, addr string, n int) *benchFleet {
	b.Helper()
	f := &benchFleet{n: n, starts: make([]atomic.Int64, benchMaxChanges), arrived: make([]atomic.Int32, benchMaxChanges),
		done: make(chan int, benchMaxChanges), conns: make([]*fws.Conn, n), lat: make([][]time.Duration, n), received: make([]int, n)}
	var dial sync.WaitGroup
	errs := make(chan error, n)
	next := atomic.Int32{}
	for range 8 {
		dial.Add(1)
		go func() {
			defer dial.Done()
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				c, err := wsTryDial(addr, "", nil, nil)
				if err == nil {
					_, _, err = c.ReadMessage() // the snapshot
				}
				if err != nil {
					errs <- fmt.Errorf("client %d: %w", i, err)
					return
				}
				f.conns[i] = c
			}
		}()
	}
	dial.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	for i, c := range f.conns {
		f.wg.Add(1)
		go f.read(i, c)
	}
	b.Cleanup(f.close)
	return f
}

// read reads client i's messages into one buffer, so that the clients'
// garbage does not weigh on the server's share of the CPU.
func (f *benchFleet) read(i int, c *fws.Conn) {
	defer f.wg.Done()
	var buf bytes.Buffer
	for k := 0; ; k++ {
		_, r, err := c.NextReader()
		if err != nil {
			return
		}
		buf.Reset()
		if _, err := buf.ReadFrom(r); err != nil {
			return
		}
		data := buf.Bytes()
		if !bytes.HasPrefix(data, []byte(`{"type":"upsert"`)) || k >= benchMaxChanges {
			return
		}
		f.lat[i] = append(f.lat[i], time.Duration(time.Now().UnixNano()-f.starts[k].Load()))
		f.received[i]++
		if i == 0 {
			f.bytes.Add(int64(len(data)))
		}
		if int(f.arrived[k].Add(1)) == f.n {
			f.done <- k
		}
	}
}

func (f *benchFleet) close() {
	for _, c := range f.conns {
		c.Close()
	}
	f.wg.Wait()
}

// wait waits until every client has change k.
func (f *benchFleet) wait(b *testing.B, k int) {
	b.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case got := <-f.done:
			if got == k {
				return
			}
		case <-timeout:
			b.Fatalf("change %d reached %d of %d clients in 30 s", k, f.arrived[k].Load(), f.n)
		}
	}
}

// report adds the latency percentiles and message size of changes.
func (f *benchFleet) report(b *testing.B, changes int) {
	var all []time.Duration
	for _, l := range f.lat {
		all = append(all, l...)
	}
	if len(all) == 0 {
		return
	}
	slices.Sort(all)
	ms := func(q float64) float64 { return float64(all[int(q*float64(len(all)-1))]) / 1e6 }
	b.ReportMetric(ms(0.50), "p50-ms")
	b.ReportMetric(ms(0.99), "p99-ms")
	b.ReportMetric(float64(f.bytes.Load())/float64(changes), "bytes/msg")
}

// seedBench puts studies on the list of one site.
func seedBench(b *testing.B, e *wsEnv, n int) {
	for i := range n {
		e.apply(wsOrder("ZHWEST", fmt.Sprintf("B%03d", i), "CT", "CTTHAB", "CT thorax-abdomen", "O"))
	}
}

// BenchmarkWSDelivery500 applies AI results one at a time and measures
// how long each takes from store.Apply to each of 500 websocket clients.
func BenchmarkWSDelivery500(b *testing.B) {
	e := newWSEnv(b)
	seedBench(b, e, 100)
	s := e.serve(benchConfig(), nil)
	f := newBenchFleet(b, s.addr, 500)
	k := 0
	for b.Loop() {
		if k == benchMaxChanges {
			b.Fatal("too many changes")
		}
		f.starts[k].Store(time.Now().UnixNano())
		e.apply(wsAIResult("ZHWEST", fmt.Sprintf("B%03d", k%100), fmt.Sprint("bench-", k)))
		f.wait(b, k)
		k++
	}
	f.report(b, k)
	b.ReportMetric(float64(s.hub.resyncs.Load()), "resyncs")
}

// BenchmarkWSSustained1000 applies 10 changes a second (one per
// iteration: -benchtime 50x runs 5 s) with 1,000 clients connected, and
// reports how many fell behind (resyncs) and the delivery latency.
func BenchmarkWSSustained1000(b *testing.B) {
	e := newWSEnv(b)
	seedBench(b, e, 100)
	s := e.serve(benchConfig(), nil)
	f := newBenchFleet(b, s.addr, 1000)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	k := 0
	for b.Loop() {
		if k == benchMaxChanges {
			b.Fatal("too many changes")
		}
		<-tick.C
		f.starts[k].Store(time.Now().UnixNano())
		e.apply(wsAIResult("ZHWEST", fmt.Sprintf("B%03d", k%100), fmt.Sprint("bench-", k)))
		k++
	}
	f.wait(b, k-1)
	f.close()
	behind := 0
	for _, n := range f.received {
		if n != k {
			behind++
		}
	}
	f.report(b, k)
	b.ReportMetric(float64(s.hub.resyncs.Load()), "resyncs")
	b.ReportMetric(float64(behind), "behind")
}

// benchConfig lifts the per-address connection cap: the benchmark's panels
// all dial from 127.0.0.1, where a department's come from many machines.
func benchConfig() Config { return Config{Edge: Edge{MaxConnsPerIP: -1}} }
