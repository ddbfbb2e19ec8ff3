package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	fws "github.com/fasthttp/websocket"
	"github.com/redis/go-redis/v9"

	"github.com/voorrang/voorrang/internal/redistest"
	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
	"github.com/voorrang/voorrang/worklist/redisstore"
)

// wsEnv is a store on a prefix of its own on the real Redis.
type wsEnv struct {
	t      testing.TB
	rdb    *redis.Client
	prefix string
	store  *redisstore.Store
}

func newWSEnv(t testing.TB) *wsEnv {
	t.Helper()
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t, rdb)
	return &wsEnv{t: t, rdb: rdb, prefix: prefix, store: redisstore.New(rdb, redisstore.Options{Prefix: prefix})}
}

func (e *wsEnv) apply(ev worklist.Event) worklist.Outcome {
	e.t.Helper()
	out, err := e.store.Apply(context.Background(), ev, nil)
	if err != nil {
		e.t.Fatalf("apply %s %s: %v", ev.Kind, ev.Accession, err)
	}
	return out
}

// claimToggle changes a study without growing it, claiming it when i is
// even and releasing it when odd, and returns its new version.
func (e *wsEnv) claimToggle(site, acc string, i int) (int64, error) {
	ctx := context.Background()
	var st *worklist.Study
	var err error
	if i%2 == 0 {
		st, err = e.store.Claim(ctx, site, acc, "dr. Visser", false)
	} else {
		st, err = e.store.Release(ctx, site, acc, "dr. Visser", false)
	}
	if err != nil {
		return 0, fmt.Errorf("claim/release %s: %w", acc, err)
	}
	return st.Version, nil
}

// seed puts three completed exams on the list.
func (e *wsEnv) seed() {
	e.t.Helper()
	e.apply(wsOrder("ZHWEST", "W1", "CT", "CTTHAB", "CT thorax-abdomen", "O"))
	e.apply(wsOrder("ZHWEST", "W2", "DX", "DXHAND", "X-hand", "O"))
	e.apply(wsOrder("ZHOOST", "E1", "CT", "CTHEAD", "CT hersenen", "E"))
}

// wsServer is a Server on a real port.
type wsServer struct {
	*Server
	addr string
	stop func() error
}

// serve starts a server on the env's store; cfg's Store and Logger are
// filled in when empty. ln, when not nil, is the listener to serve on.
func (e *wsEnv) serve(cfg Config, ln net.Listener) *wsServer {
	e.t.Helper()
	if cfg.Store == nil {
		cfg.Store = e.store
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Access.Tokens == nil && cfg.Access.Sessions == nil {
		cfg.Access = testAccess()
	}
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			e.t.Fatal(err)
		}
	}
	s := New(cfg)
	errc := make(chan error, 1)
	go func() { errc <- s.Serve(ln) }()
	ws := &wsServer{Server: s, addr: ln.Addr().String()}
	ws.stop = sync.OnceValue(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := s.Shutdown(ctx)
		if serr := <-errc; serr != nil && err == nil {
			err = serr
		}
		return err
	})
	e.t.Cleanup(func() {
		if err := ws.stop(); err != nil {
			e.t.Errorf("shutdown: %v", err)
		}
	})
	return ws
}

// wsConn is a test client.
type wsConn struct {
	t testing.TB
	c *fws.Conn
}

// wsMsg is any message of the protocol.
type wsMsg struct {
	Type      string            `json:"type"`
	Position  string            `json:"position"`
	Studies   []*worklist.Study `json:"studies"`
	More      bool              `json:"more"`
	Study     *worklist.Study   `json:"study"`
	Site      string            `json:"site"`
	Accession string            `json:"accession"`
	Version   int64             `json:"version"`
}

// acc is the accession the message is about.
func (m wsMsg) acc() string {
	if m.Study != nil {
		return m.Study.Accession
	}
	return m.Accession
}

func (m wsMsg) String() string { return m.Type + " " + m.acc() }

func wsDial(t testing.TB, addr, query string) *wsConn {
	t.Helper()
	c, err := wsTryDial(addr, query, nil, nil)
	if err != nil {
		t.Fatalf("dial /ws?%s: %v", query, err)
	}
	t.Cleanup(func() { c.Close() })
	return &wsConn{t: t, c: c}
}

// wsTryDial opens /ws; a nil header sends the test token of every role.
func wsTryDial(addr, query string, header http.Header, netDial func(string, string) (net.Conn, error)) (*fws.Conn, error) {
	if header == nil {
		header = http.Header{"Authorization": {"Bearer " + testTokens["tester"]}}
	}
	d := fws.Dialer{HandshakeTimeout: 10 * time.Second, NetDial: netDial}
	c, res, err := d.Dial("ws://"+addr+"/ws?"+query, header)
	if err != nil {
		if res != nil {
			body, _ := io.ReadAll(res.Body)
			return nil, &wsRefused{status: res.StatusCode, body: body}
		}
		return nil, err
	}
	return c, nil
}

// wsRefused is a handshake the server answered with an HTTP error.
type wsRefused struct {
	status int
	body   []byte
}

func (r *wsRefused) Error() string { return fmt.Sprintf("refused with %d: %s", r.status, r.body) }

// next reads one message; a read that takes 10 s fails the test.
func (c *wsConn) next() wsMsg {
	c.t.Helper()
	m, err := c.read()
	if err != nil {
		c.t.Fatalf("reading the websocket: %v", err)
	}
	return m
}

func (c *wsConn) read() (wsMsg, error) {
	var m wsMsg
	if err := c.c.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return m, err
	}
	_, data, err := c.c.ReadMessage()
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("message %s: %w", data, err)
	}
	return m, nil
}

// closeCode reads until the connection ends and returns its close code:
// -1 when it ended without a close frame, -2 when it stayed open.
func (c *wsConn) closeCode() int {
	for {
		if _, err := c.read(); err != nil {
			var ce *fws.CloseError
			if errors.As(err, &ce) {
				return ce.Code
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return -2
			}
			return -1
		}
	}
}

func (c *wsConn) close() { c.c.Close() }

// snapshotAccs returns the accessions of a snapshot, in order.
func snapshotAccs(m wsMsg) []string {
	accs := []string{}
	for _, st := range m.Studies {
		accs = append(accs, st.Accession)
	}
	return accs
}

func wsOrder(site, acc, modality, code, text, class string) worklist.Event {
	done := time.Now().Add(-time.Hour).Truncate(time.Second)
	return worklist.Event{Kind: worklist.ExamCompleted, Site: site, Accession: acc, At: done,
		Source: "HIS|" + site + "|" + acc + "-CM",
		Order: &worklist.Order{
			Patient:      worklist.Patient{MRN: "7012345", Family: "Bakker", Given: "Anna", BirthDate: "1960-01-01", Sex: "F"},
			PatientClass: class, Priority: "R", Modality: modality, ProcedureCode: code, ProcedureText: text,
			OrderedAt: done.Add(-time.Hour), CompletedAt: done,
		}}
}

func wsAIResult(site, acc, id string) worklist.Event {
	at := time.Now().Add(-time.Minute).Truncate(time.Second)
	algo := triage.Algorithm{ID: "aidoc-pe", Name: "Incidental PE", Version: "2.1", Vendor: "Aidoc"}
	return worklist.Event{Kind: worklist.AIResultReceived, Site: site, Accession: acc, At: at, Source: "ai:" + id,
		AI: &worklist.AIResult{ID: id, Algorithm: algo, ProducedAt: at, Findings: []triage.Finding{{
			Code: "PE", Display: "Pulmonary embolism", Positive: true, Confidence: 0.94, Algorithm: algo, ProducedAt: at}}}}
}

func wsFinal(site, acc string) worklist.Event {
	return worklist.Event{Kind: worklist.ReportFinal, Site: site, Accession: acc, At: time.Now().Truncate(time.Second),
		Source: "RIS|" + site + "|" + acc + "-F", Report: &worklist.Report{Reader: "dr. Visser"}}
}

func TestWSSnapshotThenLive(t *testing.T) {
	e := newWSEnv(t)
	e.seed()
	s := e.serve(Config{}, nil)
	c := wsDial(t, s.addr, "")
	snap := c.next()
	page, err := e.store.List(context.Background(), worklist.Query{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, st := range page.Studies {
		want = append(want, st.Accession)
	}
	if snap.Type != "snapshot" || !slices.Equal(snapshotAccs(snap), want) {
		t.Fatalf("first message %s %v, want a snapshot of %v", snap.Type, snapshotAccs(snap), want)
	}
	if !strings.Contains(snap.Position, "ZHWEST:") || !strings.Contains(snap.Position, "ZHOOST:") {
		t.Errorf("snapshot position %q does not name both sites", snap.Position)
	}

	out := e.apply(wsAIResult("ZHWEST", "W1", "r1"))
	got := c.next()
	if got.Type != "upsert" || got.acc() != "W1" || got.Study.Version != out.Study.Version {
		t.Fatalf("after an AI result got %s (version %d), want upsert W1 version %d", got, got.Study.Version, out.Study.Version)
	}
	if len(got.Study.Results) != 1 || got.Study.Rank.Band != triage.Critical {
		t.Errorf("upsert W1 has %d results, band %v; want the AI result and critical", len(got.Study.Results), got.Study.Rank.Band)
	}
	if !strings.Contains(got.Position, "ZHWEST:"+out.Position) {
		t.Errorf("position %q, want ZHWEST at %s", got.Position, out.Position)
	}

	out = e.apply(wsFinal("ZHWEST", "W2"))
	got = c.next()
	if got.Type != "remove" || got.Site != "ZHWEST" || got.Accession != "W2" || got.Version != out.Study.Version {
		t.Errorf("after a final report got %+v, want remove ZHWEST W2 version %d", got, out.Study.Version)
	}
}

func TestWSFilters(t *testing.T) {
	tests := []struct {
		name     string
		query    string
		snapshot []string
		// The test changes W1 (CT chest, ZHWEST), W2 (DX hand, ZHWEST) and
		// E1 (CT head, ZHOOST); want is what the client gets, sorted, as
		// changes of two sites may come in either order. Then it adds W9
		// (CT chest) and E9 (CT head), and waits for those the client's
		// sites have.
		want    []string
		markers int
	}{
		{"site", "site=ZHOOST", []string{"E1"}, []string{"upsert E1"}, 1},
		{"sites as a comma list", "site=ZHOOST,ZHWEST&modality=DX", []string{"W2"}, []string{"remove E1", "remove W1", "upsert W2"}, 2},
		{"modality", "modality=CT", []string{"E1", "W1"}, []string{"remove W2", "upsert E1", "upsert W1"}, 2},
		{"section", "section=neuro", []string{"E1"}, []string{"remove W1", "remove W2", "upsert E1"}, 2},
		{"section and site", "section=chest&site=ZHWEST", []string{"W1"}, []string{"remove W2", "upsert W1"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newWSEnv(t)
			e.seed()
			s := e.serve(Config{}, nil)
			c := wsDial(t, s.addr, tt.query)
			if snap := c.next(); snap.Type != "snapshot" || !slices.Equal(snapshotAccs(snap), tt.snapshot) {
				t.Fatalf("got %s %v, want snapshot %v", snap.Type, snapshotAccs(snap), tt.snapshot)
			}
			for i, acc := range []string{"W1", "W2", "E1"} {
				site := map[bool]string{true: "ZHWEST", false: "ZHOOST"}[acc[0] == 'W']
				e.apply(wsAIResult(site, acc, fmt.Sprint("r", i)))
			}
			e.apply(wsOrder("ZHWEST", "W9", "CT", "CTTHO", "CT thorax", "O"))
			e.apply(wsOrder("ZHOOST", "E9", "CT", "CTHEAD", "CT hersenen", "E"))
			var got []string
			for markers := 0; markers < tt.markers; {
				m := c.next()
				if m.acc() == "W9" || m.acc() == "E9" {
					markers++
					continue
				}
				got = append(got, m.String())
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestWSRefusesUnknownSection(t *testing.T) {
	e := newWSEnv(t)
	s := e.serve(Config{}, nil)
	_, err := wsTryDial(s.addr, "section=podiatry", nil, nil)
	var r *wsRefused
	if !errors.As(err, &r) || r.status != 400 || !bytes.Contains(r.body, []byte(`"field":"section"`)) {
		t.Errorf("dial: %v, want 400 naming the section", err)
	}
}

func TestWSResume(t *testing.T) {
	tests := []struct {
		name  string
		query string // since= is added
		want  []string
	}{
		{"every site", "", []string{"remove W2", "upsert E1", "upsert W1"}},
		{"one site", "site=ZHWEST", []string{"remove W2", "upsert W1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newWSEnv(t)
			e.seed()
			s := e.serve(Config{}, nil)
			c := wsDial(t, s.addr, tt.query)
			since := c.next().Position
			c.close()
			e.apply(wsAIResult("ZHWEST", "W1", "r1"))
			e.apply(wsAIResult("ZHOOST", "E1", "r2"))
			last := e.apply(wsFinal("ZHWEST", "W2"))

			c = wsDial(t, s.addr, tt.query+"&since="+since)
			var got []string
			for range tt.want {
				got = append(got, c.next().String())
			}
			// Changes of different sites may come in either order.
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			if m := c.next(); m.Type != "live" || !strings.Contains(m.Position, "ZHWEST:"+last.Position) {
				t.Fatalf("then %s at %q, want live with ZHWEST at %s", m.Type, m.Position, last.Position)
			}
			// Live changes follow, none twice.
			e.apply(wsAIResult("ZHWEST", "W1", "r3"))
			if m := c.next(); m.String() != "upsert W1" || len(m.Study.Results) != 2 {
				t.Errorf("then got %s, want upsert W1 with two results", m)
			}
		})
	}
}

func TestWSResumeFromBadPosition(t *testing.T) {
	e := newWSEnv(t)
	e.seed()
	s := e.serve(Config{}, nil)
	for _, since := range []string{"yesterday", "ZHWEST:abc", "ZHWEST:1-1,", ":1-1", "ZHWEST%ZZ:1-1"} {
		c := wsDial(t, s.addr, "since="+url.QueryEscape(since))
		if m := c.next(); m.Type != "snapshot" || len(m.Studies) != 3 {
			t.Errorf("since=%s: got %s with %d studies, want a snapshot of 3", since, m.Type, len(m.Studies))
		}
		c.close()
	}
}

func TestWSResumeAfterTrimming(t *testing.T) {
	e := newWSEnv(t)
	e.store = redisstore.New(e.rdb, redisstore.Options{Prefix: e.prefix, StreamLength: 1})
	e.seed()
	s := e.serve(Config{}, nil)
	c := wsDial(t, s.addr, "")
	since := c.next().Position
	c.close()
	for i := range 300 {
		if _, err := e.claimToggle("ZHWEST", "W1", i); err != nil {
			t.Fatal(err)
		}
	}
	c = wsDial(t, s.addr, "since="+since)
	if m := c.next(); m.Type != "snapshot" || len(m.Studies) != 3 {
		t.Errorf("got %s with %d studies, want a snapshot of 3", m.Type, len(m.Studies))
	}
}
