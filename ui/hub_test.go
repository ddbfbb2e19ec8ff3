package ui

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"sync"
	"testing"

	fws "github.com/fasthttp/websocket"

	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

// routine is a rank a study needs to be encoded.
var routine = triage.Rank{Band: triage.Routine}

func TestPositionsRoundTrip(t *testing.T) {
	tests := []struct {
		name  string
		set   [][2]string
		want  string
		valid bool
	}{
		{"two sites, sorted", [][2]string{{"ZHWEST", "1700000000000-0"}, {"ZHOOST", "0-0"}}, "ZHOOST:0-0,ZHWEST:1700000000000-0", true},
		{"a site with separators in its name", [][2]string{{"A,B:C", "5-1"}}, "A%2CB%3AC:5-1", true},
		{"a site with a quote", [][2]string{{`Z"H`, "5"}}, "Z%22H:5", true},
		{"the same site twice keeps the last", [][2]string{{"Z", "1-0"}, {"Z", "2-0"}}, "Z:2-0", true},
		{"none", nil, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p positions
			for _, s := range tt.set {
				p.set(s[0], s[1])
			}
			got := string(p.appendTo(nil))
			if got != tt.want {
				t.Fatalf("encoded %q, want %q", got, tt.want)
			}
			back, ok := parsePositions(got)
			if ok != tt.valid {
				t.Fatalf("parse %q: ok %v, want %v", got, ok, tt.valid)
			}
			if ok && !back.equal(p) {
				t.Errorf("parse %q: %+v, want %+v", got, back, p)
			}
		})
	}
}

func TestParsePositionsRefuses(t *testing.T) {
	for _, s := range []string{"x", "Z:", "Z:1-", "Z:-1", "Z:1-1-1", "Z:a", ":1", "Z:1,", "Z%zz:1", "Z:1,,Y:2",
		"Z:18446744073709551616-0"} { // past 64 bits: Redis would refuse it as a stream ID
		if _, ok := parsePositions(s); ok {
			t.Errorf("parsePositions(%q) accepted", s)
		}
	}
}

// FuzzParsePositions: the since of a reconnecting panel is any text. What
// parsePositions accepts holds valid positions and encodes back to a text
// that parses to the same.
func FuzzParsePositions(f *testing.F) {
	for _, s := range []string{"ZHOOST:0-0,ZHWEST:1700000000000-0", "A%2CB%3AC:5-1", "Z%22H:5", "Z:1,,Y:2",
		"Z:18446744073709551615-18446744073709551615", "%E2%82%AC:1-1,Z:2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, ok := parsePositions(s)
		if !ok {
			return
		}
		if len(p.sites) == 0 || len(p.sites) != len(p.ids) || !slices.IsSorted(p.sites) {
			t.Fatalf("parsePositions(%q) = %+v", s, p)
		}
		for i, id := range p.ids {
			if !worklist.ValidPosition(id) || p.sites[i] == "" {
				t.Fatalf("parsePositions(%q): site %q at %q", s, p.sites[i], id)
			}
		}
		enc := string(p.appendTo(nil))
		back, ok := parsePositions(enc)
		if !ok || !back.equal(p) {
			t.Fatalf("parsePositions(%q) = %+v, encoded %q, parsed back %+v (%v)", s, p, enc, back, ok)
		}
	})
}

func TestPositionsAdvance(t *testing.T) {
	var p positions
	p.set("Z", "10-5")
	tests := []struct {
		site, id string
		want     bool
	}{
		{"Z", "10-5", false},
		{"Z", "10-4", false},
		{"Z", "9-9", false},
		{"Z", "10-6", true},
		{"Z", "11-0", true},
		{"Z", "100-0", true}, // numeric, not text, order
		{"Y", "0-1", true},   // a site not held is read from 0-0
	}
	for _, tt := range tests {
		if got := p.advance(tt.site, tt.id); got != tt.want {
			t.Errorf("advance %s to %s: %v, want %v", tt.site, tt.id, got, tt.want)
		}
	}
	if got := string(p.appendTo(nil)); got != "Y:0-1,Z:100-0" {
		t.Errorf("position %q, want Y:0-1,Z:100-0", got)
	}
}

func TestWSFilterShows(t *testing.T) {
	neuro, _ := sections(DefaultSections()).matcher("neuro")
	head := &worklist.Study{Site: "A", Modality: "CT", ProcedureText: "CT hersenen", OnList: true}
	off := &worklist.Study{Site: "A", Modality: "CT", ProcedureText: "CT hersenen"}
	hand := &worklist.Study{Site: "B", Modality: "DX", ProcedureText: "X-hand", OnList: true}
	tests := []struct {
		name   string
		filter wsFilter
		st     *worklist.Study
		want   bool
	}{
		{"no filter", wsFilter{}, head, true},
		{"off the list", wsFilter{}, off, false},
		{"no study", wsFilter{}, nil, false},
		{"site", wsFilter{sites: []string{"B"}}, head, false},
		{"sites", wsFilter{sites: []string{"B", "A"}}, head, true},
		{"modality", wsFilter{modalities: []string{"DX"}}, head, false},
		{"modality, exact like the API", wsFilter{modalities: []string{"dx"}}, hand, false},
		{"section", wsFilter{match: neuro}, head, true},
		{"section, other", wsFilter{match: neuro}, hand, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.filter.shows(tt.st); got != tt.want {
				t.Errorf("shows %v, want %v", got, tt.want)
			}
		})
	}
}

func TestLiveChangeMessages(t *testing.T) {
	st := &worklist.Study{Site: `Z"H`, Accession: "A1", Modality: "CT", OnList: true, Version: 7, Rank: routine}
	tests := []struct {
		name   string
		change worklist.Change
		remove bool
		want   wsMsg
	}{
		{"upsert", worklist.Change{Site: st.Site, ID: "1-0", Kind: "upsert", Accession: "A1", Version: 7, Study: st}, false,
			wsMsg{Type: "upsert", Position: "Z%22H:1-0", Study: st}},
		{"upsert out of the filter", worklist.Change{Site: st.Site, ID: "1-0", Kind: "upsert", Accession: "A1", Version: 7, Study: st}, true,
			wsMsg{Type: "remove", Position: "Z%22H:1-0", Site: `Z"H`, Accession: "A1", Version: 7}},
		{"remove", worklist.Change{Site: st.Site, ID: "2-0", Kind: "remove", Accession: "A1", Version: 8}, true,
			wsMsg{Type: "remove", Position: "Z%22H:2-0", Site: `Z"H`, Accession: "A1", Version: 8}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lc, err := newLiveChange(tt.change)
			if err != nil {
				t.Fatal(err)
			}
			var p positions
			p.set(lc.site, lc.id)
			msg := appendMessage(nil, &p, delivery{ch: lc, remove: tt.remove})
			var got wsMsg
			if err := json.Unmarshal(msg, &got); err != nil {
				t.Fatalf("%s: %v", msg, err)
			}
			if got.Type != tt.want.Type || got.Position != tt.want.Position || got.Site != tt.want.Site ||
				got.Accession != tt.want.Accession || got.Version != tt.want.Version ||
				(got.Study == nil) != (tt.want.Study == nil) || (got.Study != nil && got.Study.Version != 7) {
				t.Errorf("got %s\nas %+v\nwant %+v", msg, got, tt.want)
			}
		})
	}
}

// TestHubDispatch offers changes to clients without a network: each gets
// what its filter takes, and one whose queue is full is kicked without
// holding up the others.
func TestHubDispatch(t *testing.T) {
	h := newHub(nil, slog.New(slog.DiscardHandler))
	h.queueSize = 2
	clients := map[string]*client{}
	for name, f := range map[string]*wsFilter{"all": {}, "A": {sites: []string{"A"}}, "B CT": {sites: []string{"B"}, modalities: []string{"CT"}}} {
		c := &client{filter: f, queue: make(chan delivery, 10), kick: make(chan struct{})}
		h.clients[c] = struct{}{}
		clients[name] = c
	}
	interrupted := 0
	slow := &client{filter: &wsFilter{}, queue: make(chan delivery, 2), kick: make(chan struct{}), interrupt: func() { interrupted++ }}
	h.clients[slow] = struct{}{}
	ct := &worklist.Study{Site: "B", Accession: "b1", Modality: "CT", OnList: true, Rank: routine}
	mr := &worklist.Study{Site: "B", Accession: "b2", Modality: "MR", OnList: true, Rank: routine}
	h.dispatch(worklist.Change{Site: "A", ID: "1-0", Kind: "upsert", Accession: "a1", Study: &worklist.Study{Site: "A", Accession: "a1", OnList: true, Rank: routine}})
	h.dispatch(worklist.Change{Site: "B", ID: "1-0", Kind: "upsert", Accession: "b1", Study: ct})
	h.dispatch(worklist.Change{Site: "B", ID: "2-0", Kind: "upsert", Accession: "b2", Study: mr})
	h.dispatch(worklist.Change{Site: "B", ID: "3-0", Kind: "remove", Accession: "b1", Study: ct})

	want := map[string][]string{
		"all":  {"upsert A 1-0", "upsert B 1-0", "upsert B 2-0", "remove B 3-0"},
		"A":    {"upsert A 1-0"},
		"B CT": {"upsert B 1-0", "remove B 2-0", "remove B 3-0"},
	}
	for name, c := range clients {
		var got []string
		for len(c.queue) > 0 {
			d := <-c.queue
			kind := map[bool]string{true: "remove", false: "upsert"}[d.remove]
			got = append(got, kind+" "+d.ch.site+" "+d.ch.id)
		}
		if !slices.Equal(got, want[name]) {
			t.Errorf("client %s got %q, want %q", name, got, want[name])
		}
		select {
		case <-c.kick:
			t.Errorf("client %s kicked", name)
		default:
		}
	}
	select {
	case <-slow.kick:
	default:
		t.Error("the slow client's queue overflowed, and it was not kicked")
	}
	if interrupted != 1 || h.resyncs.Load() != 1 || len(slow.queue) != 2 {
		t.Errorf("slow client: interrupted %d times, %d resyncs, %d queued; want 1, 1, 2", interrupted, h.resyncs.Load(), len(slow.queue))
	}
}

// TestHubFindsNewSites connects before any site exists: the changes of a
// site that appears later still arrive.
func TestHubFindsNewSites(t *testing.T) {
	e := newWSEnv(t)
	s := e.serve(Config{}, nil)
	c := wsDial(t, s.addr, "")
	if m := c.next(); m.Type != "snapshot" || len(m.Studies) != 0 || m.Position != "" {
		t.Fatalf("got %s with %d studies at %q, want an empty snapshot", m.Type, len(m.Studies), m.Position)
	}
	e.apply(wsOrder("NIEUW", "N1", "MR", "MRKNIE", "MR knie", "O"))
	e.apply(wsAIResult("NIEUW", "N1", "r1"))
	// One message per change, each with the study as it was when the hub
	// read the change: the last one has the AI result.
	for i := range 2 {
		m := c.next()
		if m.String() != "upsert N1" {
			t.Fatalf("message %d: %s, want upsert N1", i, m)
		}
		if i == 1 && len(m.Study.Results) != 1 {
			t.Fatalf("message %d: %d results, want the AI result", i, len(m.Study.Results))
		}
	}
}

// shrinkFirst is a listener whose first connection gets small socket
// buffers, so that a client that does not read blocks the server's writes.
type shrinkFirst struct {
	net.Listener
	once sync.Once
}

func (l *shrinkFirst) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.once.Do(func() { _ = c.(*net.TCPConn).SetWriteBuffer(4096) })
	}
	return c, err
}

func TestWSSlowClientIsResynced(t *testing.T) {
	e := newWSEnv(t)
	e.seed()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := e.serve(Config{}, &shrinkFirst{Listener: ln})
	slowConn, err := wsTryDial(s.addr, "", nil, func(network, addr string) (net.Conn, error) {
		c, err := net.Dial(network, addr)
		if err == nil {
			_ = c.(*net.TCPConn).SetReadBuffer(4096)
		}
		return c, err
	})
	if err != nil {
		t.Fatal(err)
	}
	slow := &wsConn{t: t, c: slowConn}
	fast := wsDial(t, s.addr, "")
	fast.next() // snapshot

	// The fast client reads while the changes are applied; the slow one
	// never does until its queue overflows.
	versions := make(chan int64, 10_000)
	readErr := make(chan error, 1)
	go func() {
		for {
			m, err := fast.read()
			if err != nil {
				readErr <- err
				return
			}
			if m.Study == nil {
				readErr <- fmt.Errorf("got %s", m)
				return
			}
			versions <- m.Study.Version
		}
	}()
	var applied []int64
	for i := 0; s.hub.resyncs.Load() == 0; i++ {
		if i == 5000 {
			t.Fatal("5000 changes and the slow client was never resynced")
		}
		v, err := e.claimToggle("ZHWEST", "W1", i)
		if err != nil {
			t.Fatal(err)
		}
		applied = append(applied, v)
	}
	// One message per change, each with the study as the hub read it: the
	// versions never go back, and the last is the last one written.
	var last int64
	for range applied {
		select {
		case got := <-versions:
			if got < last {
				t.Fatalf("fast client got version %d after %d", got, last)
			}
			last = got
		case err := <-readErr:
			t.Fatalf("fast client after %d changes: %v", len(applied), err)
		}
	}
	if want := applied[len(applied)-1]; last != want {
		t.Fatalf("fast client's last version %d, want %d", last, want)
	}
	// The server's writes to the slow client were blocked: it is dropped
	// (1006 abnormal closure); had they not been, it would get a resync
	// and 1000.
	if code := slow.closeCode(); code != fws.CloseNormalClosure && code != fws.CloseAbnormalClosure && code != -1 {
		t.Errorf("slow client closed with %d, want 1000 (resync) or a dropped connection", code)
	}
}

// TestWSResyncMessage kicks a client as a full queue does, while nothing
// blocks its writes: it is told to resync and closed normally.
func TestWSResyncMessage(t *testing.T) {
	e := newWSEnv(t)
	e.seed()
	s := e.serve(Config{}, nil)
	c := wsDial(t, s.addr, "")
	c.next()
	s.hub.mu.RLock()
	for cl := range s.hub.clients {
		s.hub.kick(cl)
	}
	s.hub.mu.RUnlock()
	if m := c.next(); m.Type != "resync" {
		t.Errorf("got %s, want resync", m)
	}
	if code := c.closeCode(); code != fws.CloseNormalClosure {
		t.Errorf("closed with %d, want 1000", code)
	}
}

func TestWSTwoServersBothDeliver(t *testing.T) {
	e := newWSEnv(t)
	e.seed()
	a := wsDial(t, e.serve(Config{}, nil).addr, "")
	b := wsDial(t, e.serve(Config{}, nil).addr, "")
	a.next()
	b.next()
	e.apply(wsAIResult("ZHOOST", "E1", "r1"))
	for name, c := range map[string]*wsConn{"first": a, "second": b} {
		if m := c.next(); m.String() != "upsert E1" {
			t.Errorf("%s server sent %s, want upsert E1", name, m)
		}
	}
}
