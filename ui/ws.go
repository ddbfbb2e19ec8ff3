package ui

// GET /ws: the live worklist, as JSON text frames.
//
// Connect with
//
//	GET /ws?site=A&site=B&modality=CT&section=neuro&since=POSITION
//
// site and modality may be repeated or comma lists; section is one of
// GET /api/v1/sections; all are optional (an unknown section is refused
// with 400 before the upgrade). A browser's Origin must be the server's
// own host or one of Config.AllowedOrigins (else 403); a GET without
// "Upgrade: websocket" gets 426 and a JSON error.
//
// The server first sends either a snapshot:
//
//	{"type":"snapshot","position":P,"studies":[...],"more":false}
//
// (every study on the list that matches the filters, in reading order, at
// most 2000; "more" is true when there were more), or, when since was
// given and every change after it is still kept (and there are at most
// 2000 of them), the missed changes one by one, as below, followed by
//
//	{"type":"live","position":P}
//
// A malformed since, or one whose changes were trimmed, gets a snapshot.
// Then one message per change:
//
//	{"type":"upsert","position":P,"study":{...}}
//	{"type":"remove","position":P,"site":"..","accession":"..","version":N}
//
// upsert: the study is on the list and matches the filters; replace the
// row (or add it). remove: the study is not (or no longer) on the client's
// list: it left the reading list, or changed so the filters no longer show
// it. Changes of other sites are not sent; every change of the client's
// sites that the filters do not show is sent as a remove, since the server
// does not know which rows the client holds: the client ignores removes of
// rows it does not have. A principal who may see only part of the list (a
// resident, limited to their sections) is the exception: their feed always
// starts with a snapshot, and is sent the removal only of rows it was sent,
// never the accession number of a study outside their sections. A message whose version is lower than that of
// the row the client holds is stale (a snapshot may be newer than the
// changes that follow it) and is dropped.
//
// P, the position, is opaque to the client: keep the last one seen and
// send it as since when reconnecting. (It lists each site's change stream
// ID, "ZHWEST:1700000000000-0,ZHOOST:0-0", site names query-escaped; sites
// not in it are read from the start of their stream.)
//
//	{"type":"resync"}
//
// means the client fell behind (more than 256 messages waiting): the
// server closes the connection (1000, "resync") and the client reconnects
// WITHOUT since, to get a fresh snapshot. A client so far behind that
// nothing can be written to it is closed without the message.
//
// The server pings every 20 s and drops a client that does not answer
// within 60 s. Messages from the client are ignored. Close codes: 1000
// after a resync, 1001 when the server shuts down, 1011 on a server error
// (reconnect after a pause).

import (
	"context"
	"encoding/json"
	"errors"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"

	"github.com/voorrang/voorrang/access"
	"github.com/voorrang/voorrang/audit"
	"github.com/voorrang/voorrang/worklist"
)

const (
	pingEvery  = 20 * time.Second
	pongWait   = 60 * time.Second
	writeWait  = 10 * time.Second
	closeGrace = time.Second // for the client's answer to our close frame
	// maxInitial bounds a snapshot's studies and a resume's changes.
	maxInitial = 2000
	pageSize   = 500
	maxSites   = 100 // in a filter
	// wsLocal is the Locals key of the parsed request: only string keys
	// survive the upgrade.
	wsLocal = "voorrang.ws"
)

// A wsRequest is what GET /ws asked for, read before the upgrade, and who
// asked.
type wsRequest struct {
	filter    *wsFilter
	since     string
	principal *access.Principal
	sessionID string // "" for a bearer token
	remote    string
}

// checkWS refuses what must not be upgraded: a GET without Upgrade, a
// foreign origin, bad filters.
func (s *Server) checkWS(c *fiber.Ctx) error {
	if !websocket.IsWebSocketUpgrade(c) {
		return &apiError{Code: "upgrade_required", Message: "GET /ws is a websocket: connect with Upgrade: websocket",
			status: fiber.StatusUpgradeRequired}
	}
	if !s.originAllowed(c) {
		return &apiError{Code: "forbidden", Message: "this origin may not open the websocket", status: fiber.StatusForbidden}
	}
	p := principalOf(c)
	if p == nil { // the route's guard lets nobody through; this is a second net
		return unauthenticated("unauthenticated", "sign in first")
	}
	if s.wsCount.full(p.Name, s.access.MaxWS, s.access.MaxWSPerPrincipal) {
		return &apiError{Code: "too_many_connections", Message: "too many live connections; close another panel",
			status: fiber.StatusTooManyRequests}
	}
	f := &wsFilter{sites: list(c, "site"), modalities: list(c, "modality"), limit: s.allowedSections(p)}
	if len(f.sites) > maxSites {
		return invalid("site", "at most "+strconv.Itoa(maxSites)+" sites")
	}
	if sec := c.Query("section"); sec != "" {
		match, ok := s.sections.matcher(sec)
		if !ok {
			return invalid("section", "no section "+strconv.Quote(sec)+"; sections are "+strings.Join(s.sections.names(), ", "))
		}
		f.section, f.match = strings.Clone(sec), match
	}
	req := &wsRequest{filter: f, since: query(c, "since"), principal: p, remote: s.clientIP(c)}
	if si := sessionOf(c); si != nil {
		req.sessionID = si.id
	}
	c.Locals(wsLocal, req)
	return c.Next()
}

// originAllowed accepts a request without Origin (not a browser), one from
// the service's own origin, and one from Config.AllowedOrigins. The
// websocket middleware would accept every origin: a page on any site could
// read the worklist with the user's cookies.
func (s *Server) originAllowed(c *fiber.Ctx) bool {
	origin := c.Get(fiber.HeaderOrigin)
	if origin == "" {
		return true
	}
	if s.sameOrigin(c, origin) {
		return true
	}
	return slices.ContainsFunc(s.origins, func(o string) bool {
		return strings.EqualFold(strings.TrimSuffix(o, "/"), origin)
	})
}

// upgradeWS returns the handler that upgrades to a websocket session.
func (s *Server) upgradeWS() fiber.Handler {
	return websocket.New(s.serveWS, websocket.Config{
		ReadBufferSize:  1024,
		WriteBufferSize: 4096,
		// The default sends the panic text to the client; serveWS
		// recovers first, this is a second net.
		RecoverHandler: func(conn *websocket.Conn) {
			if r := recover(); r != nil {
				s.logger.Error("ws: panic after the session", "stack", string(debug.Stack()))
			}
		},
	})
}

// A session is one websocket client, served by its handler goroutine (the
// only writer) and one reader goroutine.
type session struct {
	s        *Server
	conn     *websocket.Conn
	req      *wsRequest
	ctx      context.Context // ends when the client goes or the hub closes
	readDone chan struct{}
	mu       sync.Mutex // guards closing and the read deadline
	closing  bool
	pos      positions
	buf      []byte
	// held are the rows the client holds, kept only when the principal
	// may see part of the list (limit): nil otherwise.
	held map[rowKey]struct{}
}

// serveWS runs a session. It returns only when its reader goroutine has
// ended too: the middleware pools *websocket.Conn and hands it to the next
// client once this returns.
func (s *Server) serveWS(conn *websocket.Conn) {
	req, _ := conn.Locals(wsLocal).(*wsRequest)
	if req == nil || !s.hub.enter() {
		closeConn(conn, websocket.CloseGoingAway, "server going away")
		return
	}
	defer s.hub.leave()
	name := req.principal.Name
	if !s.wsCount.enter(name, s.access.MaxWS, s.access.MaxWSPerPrincipal) {
		closeConn(conn, websocket.CloseTryAgainLater, "too many live connections")
		return
	}
	defer s.wsCount.leave(name)
	s.recordEntry(context.Background(), audit.Entry{Actor: name, Method: req.principal.Method, Action: audit.WorklistLive,
		Outcome: audit.OK, Remote: req.remote, Detail: req.filter.describe()})
	ctx, cancel := context.WithCancel(s.hub.ctx)
	defer cancel()
	ss := &session{s: s, conn: conn, req: req, ctx: ctx, readDone: make(chan struct{})}
	if req.filter.limit != nil {
		ss.held = map[rowKey]struct{}{}
	}
	go ss.read(cancel)
	defer ss.waitReader()
	defer ss.recoverPanic()
	if code, text := ss.run(); code != 0 {
		closeConn(conn, code, text)
	}
}

func closeConn(conn *websocket.Conn, code int, text string) {
	_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(writeWait))
}

// recoverPanic logs a panic without its value (it may hold patient data)
// and closes with 1011.
func (ss *session) recoverPanic() {
	if r := recover(); r != nil {
		ss.s.logger.Error("ws: session panicked", "stack", string(debug.Stack()))
		closeConn(ss.conn, websocket.CloseInternalServerErr, "internal error")
	}
}

// waitReader gives the client closeGrace to answer a close frame, then
// ends the reader and waits for it.
func (ss *session) waitReader() {
	ss.mu.Lock()
	ss.closing = true
	_ = ss.conn.SetReadDeadline(time.Now().Add(closeGrace))
	ss.mu.Unlock()
	<-ss.readDone
}

// read reads (and drops) what the client sends, so that pongs and close
// frames are seen, until the client goes or does not answer pings.
func (ss *session) read(cancel context.CancelFunc) {
	defer cancel()
	defer close(ss.readDone) // before cancel: endCode tells why ctx ended
	defer func() {
		if r := recover(); r != nil {
			ss.s.logger.Error("ws: session reader panicked", "stack", string(debug.Stack()))
		}
	}()
	ss.conn.SetReadLimit(4096)
	ss.extendRead()
	ss.conn.SetPongHandler(func(string) error {
		ss.extendRead()
		return nil
	})
	for {
		if _, _, err := ss.conn.NextReader(); err != nil {
			return
		}
	}
}

// extendRead gives the client pongWait more to answer a ping, unless the
// session is closing.
func (ss *session) extendRead() {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if !ss.closing {
		_ = ss.conn.SetReadDeadline(time.Now().Add(pongWait))
	}
}

// run subscribes, sends the first messages and then the live changes, and
// returns the close code to send (0: none, the connection is gone).
func (ss *session) run() (int, string) {
	hub := ss.s.hub
	ctx, cancel := context.WithTimeout(ss.ctx, writeWait)
	cl, err := hub.subscribe(ctx, ss.req.filter, func() {
		_ = ss.conn.NetConn().SetWriteDeadline(time.Now())
	})
	cancel()
	if err != nil {
		if ss.ctx.Err() != nil {
			return ss.endCode()
		}
		ss.s.logger.Error("ws: the hub cannot read the change streams")
		return websocket.CloseInternalServerErr, "internal error; reconnect later"
	}
	defer hub.unsubscribe(cl)
	if err := ss.start(); err != nil {
		if ss.ctx.Err() != nil {
			return ss.endCode()
		}
		if !isWriteError(err) {
			ss.s.logger.Error("ws: starting a session failed", "err", err)
			return websocket.CloseInternalServerErr, "internal error; reconnect later"
		}
		return 0, ""
	}
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	var check <-chan time.Time
	if ss.req.sessionID != "" {
		t := time.NewTicker(ss.s.access.SessionCheck)
		defer t.Stop()
		check = t.C
	}
	for {
		select {
		case <-check:
			if code, why := ss.checkSession(); code != 0 {
				return code, why
			}
		case d := <-cl.queue:
			if err := ss.deliver(d); err != nil {
				return 0, ""
			}
		case <-cl.kick:
			if ss.write([]byte(`{"type":"resync"}`)) != nil {
				return 0, ""
			}
			return websocket.CloseNormalClosure, "resync"
		case <-ping.C:
			if ss.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait)) != nil {
				return 0, ""
			}
		case <-ss.ctx.Done():
			return ss.endCode()
		}
	}
}

// endCode is the close code once ctx ended: none when the client went,
// "going away" when the server shuts down.
func (ss *session) endCode() (int, string) {
	select {
	case <-ss.readDone:
		return 0, ""
	default:
		return websocket.CloseGoingAway, "server going away"
	}
}

// writeError marks a failed write to the client, as opposed to a failed
// read of the store.
type writeError struct{ error }

func isWriteError(err error) bool {
	var we writeError
	return errors.As(err, &we)
}

func (ss *session) write(msg []byte) error {
	_ = ss.conn.SetWriteDeadline(time.Now().Add(writeWait))
	if err := ss.conn.WriteMessage(websocket.TextMessage, msg); err != nil {
		return writeError{err}
	}
	return nil
}

// start sends the missed changes and "live" when the client resumes and
// can, else a snapshot.
func (ss *session) start() error {
	sites, err := ss.sites()
	if err != nil {
		return err
	}
	// A limited feed must know the rows the client holds (deliver), so
	// it always starts with a snapshot.
	if since, ok := parsePositions(ss.req.since); ok && ss.held == nil {
		changes, err := ss.missed(sites, since)
		if err != nil {
			return err
		}
		if changes != nil {
			return ss.resume(sites, since, changes)
		}
	}
	return ss.snapshot(sites)
}

// sites returns the sites of the session: its filter's, else all.
func (ss *session) sites() ([]string, error) {
	if sites := ss.req.filter.sites; len(sites) > 0 {
		return sites, nil
	}
	return ss.s.store.Sites(ss.ctx)
}

// missed returns the changes of sites after since, in stream order, or nil
// when they are gone (trimmed, or too many to be worth sending).
func (ss *session) missed(sites []string, since positions) ([]worklist.Change, error) {
	all := []worklist.Change{}
	for _, site := range sites {
		after := since.get(site)
		for {
			cs, err := ss.s.store.ChangesSince(ss.ctx, site, after, pageSize)
			if errors.Is(err, worklist.ErrGone) || errors.Is(err, worklist.ErrInvalid) {
				return nil, nil
			}
			if err != nil {
				return nil, err
			}
			all = append(all, cs...)
			if len(all) > maxInitial {
				return nil, nil
			}
			if len(cs) < pageSize {
				break
			}
			after = cs[len(cs)-1].ID
		}
	}
	slices.SortStableFunc(all, func(a, b worklist.Change) int { return worklist.ComparePositions(a.ID, b.ID) })
	return all, nil
}

// resume sends the missed changes through the client's filter, then "live".
func (ss *session) resume(sites []string, since positions, changes []worklist.Change) error {
	for _, site := range sites {
		ss.pos.set(site, since.get(site))
	}
	for _, c := range changes {
		lc, err := newLiveChange(c)
		if err != nil {
			return err
		}
		if d, ok := deliveryFor(ss.req.filter, lc, c.Study); ok {
			if err := ss.deliver(d); err != nil {
				return err
			}
		}
	}
	ss.buf = append(ss.pos.appendTo(append(ss.buf[:0], `{"type":"live","position":"`...)), `"}`...)
	return ss.write(ss.buf)
}

// snapshot sends the studies of the filter. The positions are read first:
// a change after them may be in the snapshot too, and is sent again (the
// client drops it by version). Paging is by offset, so a study leaving the
// list while the pages are read can shift another out of sight: when the
// list takes more than one page and the streams moved meanwhile, it reads
// again (at most three times).
func (ss *session) snapshot(sites []string) error {
	var studies []*worklist.Study
	var more bool
	for attempt := 0; ; attempt++ {
		pos, err := ss.positions(sites)
		if err != nil {
			return err
		}
		ss.pos = pos
		if studies, more, err = ss.list(sites); err != nil {
			return err
		}
		if len(studies) <= pageSize || attempt == 2 {
			break
		}
		if after, err := ss.positions(sites); err != nil || after.equal(pos) {
			break
		}
	}
	msg, err := json.Marshal(struct {
		Type     string            `json:"type"`
		Position string            `json:"position"`
		Studies  []*worklist.Study `json:"studies"`
		More     bool              `json:"more"`
	}{"snapshot", string(ss.pos.appendTo(nil)), studies, more})
	if ss.held != nil {
		clear(ss.held)
		for _, st := range studies {
			ss.held[rowKey{st.Site, st.Accession}] = struct{}{}
		}
	}
	if err != nil {
		return err
	}
	return ss.write(msg)
}

func (ss *session) positions(sites []string) (positions, error) {
	var p positions
	for _, site := range sites {
		id, err := ss.s.store.Position(ss.ctx, site)
		if err != nil {
			return p, err
		}
		p.set(site, id)
	}
	return p, nil
}

// list reads up to maxInitial studies of the filter, in reading order.
func (ss *session) list(sites []string) ([]*worklist.Study, bool, error) {
	studies := []*worklist.Study{}
	if len(sites) == 0 {
		return studies, false, nil
	}
	q := ss.req.filter.query(sites)
	q.Limit = pageSize
	for q.Offset < maxInitial {
		page, err := ss.s.store.List(ss.ctx, q)
		if err != nil {
			return nil, false, err
		}
		studies = append(studies, page.Studies...)
		if !page.More {
			return studies, false, nil
		}
		q.Offset += pageSize
	}
	return studies, true, nil
}
