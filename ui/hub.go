package ui

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/voorrang/voorrang/worklist"
)

// A changeFeed is what the hub reads of the worklist's change streams.
type changeFeed interface {
	Sites(ctx context.Context) ([]string, error)
	Position(ctx context.Context, site string) (string, error)
	ChangesSince(ctx context.Context, site, after string, count int64) ([]worklist.Change, error)
	WaitChanges(ctx context.Context, positions map[string]string, count int64, block time.Duration) ([]worklist.Change, error)
}

const (
	// queueSize is how many messages a client may have waiting; one more
	// and it is told to resync.
	queueSize = 256
	// waitBlock is how long one XREAD blocks; siteRefresh how often the
	// reader looks for new sites.
	waitBlock   = 2 * time.Second
	siteRefresh = 3 * time.Second
	readCount   = 500
	// retryWait is the pause after a failed read of Redis.
	retryWait = time.Second
)

// A hub tails the change streams of every site and fans each change out to
// the websocket clients whose filter it matches. One hub runs per service
// instance, so two instances on one Redis both see every change.
//
// It reads all sites at once (the store's WaitChanges): on one Redis
// server one blocking XREAD, one blocked connection however many sites
// there are; on Redis Cluster, where each site's stream lives on its own
// slot, a read of a site's stream as soon as a change of it is announced
// over pub/sub, and a poll of every stream now and then for an
// announcement lost.
type hub struct {
	feed      changeFeed
	log       *slog.Logger
	queueSize int

	ctx    context.Context // cancelled by close
	cancel context.CancelFunc
	start  sync.Once
	ready  chan struct{} // closed once the reader knows where each stream ends
	poke   chan struct{} // asks the reader to look for new sites

	mu       sync.RWMutex
	clients  map[*client]struct{}
	closed   bool
	sessions sync.WaitGroup // websocket handlers that have not returned

	resyncs atomic.Int64 // clients told to resync, since start
}

func newHub(feed changeFeed, log *slog.Logger) *hub {
	ctx, cancel := context.WithCancel(context.Background())
	return &hub{feed: feed, log: log, queueSize: queueSize, ctx: ctx, cancel: cancel,
		ready: make(chan struct{}), poke: make(chan struct{}, 1), clients: map[*client]struct{}{}}
}

// A client is one websocket connection as the hub sees it: its filter and
// the queue its writer drains.
type client struct {
	filter *wsFilter
	queue  chan delivery
	// kick is closed when the queue overflowed; interrupt, set by the
	// session, ends a write that is blocked on the connection.
	kick      chan struct{}
	kicked    atomic.Bool
	interrupt func()
}

// A liveChange is a change encoded once for every client: the parts of the
// message after the position, which each client writes its own of.
type liveChange struct {
	site, id  string
	accession string
	upsert    []byte // `","study":{...}}`, nil when the study is off the list
	remove    []byte // `","site":"..","accession":"..","version":N}`
}

func newLiveChange(c worklist.Change) (*liveChange, error) {
	lc := &liveChange{site: c.Site, id: c.ID, accession: c.Accession}
	if c.Kind == "upsert" && c.Study != nil && c.Study.OnList {
		study, err := json.Marshal(c.Study)
		if err != nil {
			return nil, err
		}
		lc.upsert = append(append([]byte(`","study":`), study...), '}')
	}
	site, _ := json.Marshal(c.Site)
	acc, _ := json.Marshal(c.Accession)
	b := append([]byte(`","site":`), site...)
	b = append(append(b, `,"accession":`...), acc...)
	b = append(strconv.AppendInt(append(b, `,"version":`...), c.Version, 10), '}')
	lc.remove = b
	return lc, nil
}

// enter counts a websocket handler in, so close can wait for it; false
// once the hub is closed.
func (h *hub) enter() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.sessions.Add(1)
	return true
}

func (h *hub) leave() { h.sessions.Done() }

// subscribe registers a client, starting the reader with the first one,
// and returns once the reader knows its starting positions: a snapshot
// read after that misses no change.
func (h *hub) subscribe(ctx context.Context, f *wsFilter, interrupt func()) (*client, error) {
	c := &client{filter: f, queue: make(chan delivery, h.queueSize), kick: make(chan struct{}), interrupt: interrupt}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil, context.Canceled
	}
	h.clients[c] = struct{}{}
	h.mu.Unlock()
	h.start.Do(func() { go h.run() })
	select {
	case h.poke <- struct{}{}:
	default:
	}
	select {
	case <-h.ready:
		return c, nil
	case <-ctx.Done():
		h.unsubscribe(c)
		return nil, ctx.Err()
	}
}

// unsubscribe removes a client; once it returns the hub no longer touches
// the client (dispatch holds the read lock while it offers).
func (h *hub) unsubscribe(c *client) {
	h.mu.Lock()
	delete(h.clients, c)
	h.mu.Unlock()
}

// count returns how many clients are subscribed.
func (h *hub) count() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.clients)
}

// close tells every session to close with "going away" and waits for their
// handlers to return, until ctx ends. The reader stops at its next wake-up
// (within waitBlock) and delivers nothing more.
func (h *hub) close(ctx context.Context) error {
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
	h.cancel()
	done := make(chan struct{})
	go func() {
		h.sessions.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// run is the reader: it tails every site's stream from where it ended when
// the reader started (sites found later from their first change) and
// dispatches each change.
func (h *hub) run() {
	cursors, ok := h.startPositions()
	if !ok {
		return
	}
	close(h.ready)
	refreshed := time.Now()
	for h.ctx.Err() == nil {
		if time.Since(refreshed) > siteRefresh || len(cursors) == 0 {
			if !h.addSites(cursors) {
				continue
			}
			refreshed = time.Now()
		}
		if len(cursors) == 0 {
			h.pause(siteRefresh, h.poke)
			continue
		}
		changes, err := h.feed.WaitChanges(h.ctx, cursors, readCount, waitBlock)
		if h.ctx.Err() != nil {
			return
		}
		if err != nil {
			h.log.Warn("ws hub: reading the change streams failed; retrying", "err", err)
			h.pause(retryWait, nil)
			continue
		}
		// XREAD returns each stream's changes together: deliver them in
		// the order they were written, as far as the IDs tell.
		slices.SortStableFunc(changes, func(a, b worklist.Change) int { return worklist.ComparePositions(a.ID, b.ID) })
		for _, c := range changes {
			cursors[c.Site] = c.ID
			h.dispatch(c)
		}
		select {
		case <-h.poke:
			refreshed = time.Time{}
		default:
		}
	}
}

// startPositions reads where each site's stream ends, retrying until it
// can or the hub closes.
func (h *hub) startPositions() (map[string]string, bool) {
	for {
		cursors, err := h.positions()
		if err == nil {
			return cursors, true
		}
		if h.ctx.Err() != nil {
			return nil, false
		}
		h.log.Warn("ws hub: reading the change stream positions failed; retrying", "err", err)
		h.pause(retryWait, nil)
	}
}

func (h *hub) positions() (map[string]string, error) {
	sites, err := h.feed.Sites(h.ctx)
	if err != nil {
		return nil, err
	}
	cursors := make(map[string]string, len(sites))
	for _, site := range sites {
		if cursors[site], err = h.feed.Position(h.ctx, site); err != nil {
			return nil, err
		}
	}
	return cursors, nil
}

// addSites adds sites the reader does not follow yet, from the start of
// their streams: a site is listed only after its first change is written.
func (h *hub) addSites(cursors map[string]string) bool {
	sites, err := h.feed.Sites(h.ctx)
	if err != nil {
		if h.ctx.Err() == nil {
			h.log.Warn("ws hub: listing sites failed; retrying", "err", err)
			h.pause(retryWait, nil)
		}
		return false
	}
	for _, site := range sites {
		if _, ok := cursors[site]; !ok {
			cursors[site] = "0-0"
		}
	}
	return true
}

// pause waits d, or less when the hub closes or wake receives.
func (h *hub) pause(d time.Duration, wake <-chan struct{}) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-wake:
	case <-h.ctx.Done():
	}
}

// dispatch offers a change to every client whose filter takes it. A client
// whose queue is full is kicked: told to resync, its blocked write ended.
func (h *hub) dispatch(c worklist.Change) {
	lc, err := newLiveChange(c)
	if err != nil {
		h.log.Error("ws hub: encoding a change failed", "site", c.Site, "id", c.ID, "err", err)
		return
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	if h.closed {
		return
	}
	for cl := range h.clients {
		if cl.kicked.Load() {
			continue
		}
		d, ok := deliveryFor(cl.filter, lc, c.Study)
		if !ok {
			continue
		}
		select {
		case cl.queue <- d:
		default:
			h.kick(cl)
		}
	}
}

// kick tells a client that fell behind to resync, and ends a write of its
// that is blocked. The caller holds the hub's lock (read or write), so the
// client's session has not ended.
func (h *hub) kick(cl *client) {
	if !cl.kicked.CompareAndSwap(false, true) {
		return
	}
	close(cl.kick)
	h.resyncs.Add(1)
	if cl.interrupt != nil {
		cl.interrupt()
	}
}
