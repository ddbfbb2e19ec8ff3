package readingroom

import (
	"math"
	"math/bits"
)

// A run simulates one policy on one replication: a discrete-event model
// of the reading room in milliseconds. Studies arrive (their exams are
// completed), are ranked by the policy's rules at arrival and again when
// their AI result comes and when an escalation falls due, and wait in the
// reading order of their section; a reader who is free and on duty takes
// the first study of their sections and reads it to the end (reading is
// never interrupted, not by a more urgent study, nor by the end of a
// shift). Ranks come from a table made once per policy by the real triage
// rules (model.table); a rank is a triage.Score plus the arrival time, and
// ties break on the arrival order, as the worklist's order breaks them on
// the accession number.
type run struct {
	m       *model
	table   table
	studies []study
	ver     []uint32 // each study's rank version: a queued item with another is stale
	status  []uint8  // each study: notArrived, waiting, taken
	queues  []queue  // per section, in reading order
	events  timers   // AI results and escalations to come
	done    finishes // readers reading, by when they finish
	readers []reader
	idle    []int32 // readers on duty with nothing to read
	waiting int
	tally   *tally
}

const (
	notArrived uint8 = iota
	waiting
	taken
)

type reader struct {
	sections uint64
	on       bool // on duty
	busy     bool
	leaving  bool // off duty once the study in hand is read
}

// simulate runs the policy whose rank table is table on studies, and adds
// what happened to t.
func (r *run) simulate() {
	m := r.m
	n := len(r.studies)
	r.ver = resize(r.ver, n)
	r.status = resize(r.status, n)
	clear(r.ver)
	clear(r.status)
	if cap(r.queues) < len(m.sections) {
		r.queues = make([]queue, len(m.sections))
	}
	r.queues = r.queues[:len(m.sections)]
	for i := range r.queues {
		r.queues[i] = r.queues[i][:0]
	}
	r.events.reset(r.table.fifos)
	r.done = r.done[:0]
	r.idle = r.idle[:0]
	r.waiting = 0
	r.readers = r.readers[:0]
	for i, sec := range m.readers {
		r.readers = append(r.readers, reader{sections: sec, on: m.alwaysOn[i]})
		if m.alwaysOn[i] {
			r.idle = append(r.idle, int32(i))
		}
	}

	next, shift := 0, 0
	for {
		const never = math.MaxInt64
		t, what := int64(never), 0
		if len(r.done) > 0 {
			t, what = r.done[0].at, 1
		}
		if shift < len(m.shifts) && m.shifts[shift].at < t {
			t, what = m.shifts[shift].at, 2
		}
		if ev, ok := r.events.peek(); ok && ev.at < t {
			t, what = ev.at, 3
		}
		if next < n && r.studies[next].arrive < t {
			t, what = r.studies[next].arrive, 4
		}
		if what == 0 || t > m.end || next == n && r.waiting == 0 && len(r.done) == 0 {
			break
		}
		switch what {
		case 1:
			f := r.done.pop()
			r.finish(int(f.reader), f.at)
		case 2:
			c := m.shifts[shift]
			shift++
			r.shiftChange(int(c.reader), c.on, c.at)
		case 3:
			ev := r.events.pop()
			r.rerank(ev)
		case 4:
			r.arrive(int32(next))
			next++
		}
	}
	r.tally.unread(r, next)
}

func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// rank places study i at now by rank entry e: its score, and when it
// escalates (never, or already).
func (r *run) rank(i int32, e *entry, now int64) {
	s := &r.studies[i]
	key, later := e.keyAt(s.arrive, now)
	if later {
		r.events.push(int(e.escFifo), event{at: s.arrive + e.escAfter, study: i, ver: r.ver[i] + 1, kind: escalation})
	}
	r.ver[i]++
	q := &r.queues[r.m.kinds[s.kind].section]
	q.push(item{key: key, study: i, ver: r.ver[i]})
}

// keyAt returns the place in the reading order (a triage.Score) of a
// study that arrived at arrive, ranked by e at now, and whether it will
// escalate later.
func (e *entry) keyAt(arrive, now int64) (key int64, later bool) {
	switch {
	case e.escAfter == noEscalation:
		return e.score + arrive, false
	case now-arrive >= e.escAfter:
		return e.escScore + arrive, false
	}
	return e.score + arrive, true
}

// state returns the index of study i's rank entry at now: before or after
// its AI result.
func (r *run) state(i int32, now int64) int {
	s := &r.studies[i]
	k := &r.m.kinds[s.kind]
	base := int(s.kind) * r.m.states
	if k.delay >= 0 && now >= s.arrive+k.delay {
		return base + 1 + int(s.flags)
	}
	return base
}

func (r *run) arrive(i int32) {
	s := &r.studies[i]
	k := &r.m.kinds[s.kind]
	r.status[i] = waiting
	r.waiting++
	if k.delay >= 0 {
		r.events.push(k.aiFifo, event{at: s.arrive + k.delay, study: i, kind: aiResult})
	}
	r.rank(i, &r.table.entries[r.state(i, s.arrive)], s.arrive)
	// A reader with nothing to do takes it at once.
	sec := uint64(1) << k.section
	for j, rd := range r.idle {
		if r.readers[rd].sections&sec != 0 {
			r.idle = append(r.idle[:j], r.idle[j+1:]...)
			r.take(int(rd), s.arrive)
			return
		}
	}
}

// rerank ranks a waiting study again when its AI result comes or its
// escalation falls due.
func (r *run) rerank(ev event) {
	i := ev.study
	if r.status[i] != waiting || ev.kind == escalation && ev.ver != r.ver[i] {
		return // read already, or ranked again since
	}
	e := &r.table.entries[r.state(i, ev.at)]
	if b := &r.table.entries[int(r.studies[i].kind)*r.m.states]; ev.kind == aiResult &&
		e.score == b.score && e.escAfter == b.escAfter && e.escScore == b.escScore {
		return // the result changes nothing: the study keeps its place (and its escalation)
	}
	r.rank(i, e, ev.at)
}

// take gives reader rd the first study in reading order of its sections,
// or leaves rd idle when there is none.
func (r *run) take(rd int, now int64) {
	best := -1
	var top item
	for mask := r.readers[rd].sections; mask != 0; mask &= mask - 1 {
		sec := bits.TrailingZeros64(mask)
		q := &r.queues[sec]
		for len(*q) > 0 && (*q)[0].ver != r.ver[(*q)[0].study] {
			q.pop() // ranked again since it was queued, or taken
		}
		if len(*q) > 0 && (best < 0 || (*q)[0].before(top)) {
			best, top = sec, (*q)[0]
		}
	}
	if best < 0 {
		r.readers[rd].busy = false
		r.idle = append(r.idle, int32(rd))
		return
	}
	r.queues[best].pop()
	i := top.study
	r.status[i] = taken
	r.ver[i]++
	r.waiting--
	s := &r.studies[i]
	r.readers[rd].busy = true
	r.done.push(finish{at: now + s.read, reader: int32(rd)})
	if s.arrive >= r.m.warmup {
		final := int(s.kind) * r.m.states
		if r.m.kinds[s.kind].delay >= 0 {
			final += 1 + int(s.flags)
		}
		class := r.m.site[final]
		if s.truth != 0 {
			class |= 1 << classTruePositive
		}
		r.tally.add(class, now-s.arrive, now-s.arrive+s.read)
	}
}

func (r *run) finish(rd int, now int64) {
	if rd := &r.readers[rd]; rd.leaving {
		rd.busy, rd.leaving, rd.on = false, false, false
		return
	}
	r.take(rd, now)
}

func (r *run) shiftChange(rd int, on bool, now int64) {
	x := &r.readers[rd]
	switch {
	case on && x.busy:
		x.leaving = false // back before the study in hand was read
	case on && !x.on:
		x.on = true
		r.take(rd, now)
	case !on && x.busy:
		x.leaving = true
	case !on && x.on:
		x.on = false
		for j, v := range r.idle {
			if int(v) == rd {
				r.idle = append(r.idle[:j], r.idle[j+1:]...)
				break
			}
		}
	}
}

// An item is a study in a section's reading order.
type item struct {
	key   int64 // triage.Score of its rank
	study int32 // arrival order: the tie-break, as the accession number is
	ver   uint32
}

func (a item) before(b item) bool {
	return a.key < b.key || a.key == b.key && a.study < b.study
}

// A queue is a section's reading order.
type queue = heap[item]

// An event is an AI result or an escalation falling due.
type event struct {
	at    int64
	study int32
	ver   uint32 // escalations: the rank version they escalate
	kind  uint8
}

const (
	aiResult uint8 = iota // before escalations at the same time
	escalation
)

func (a event) before(b event) bool {
	if a.at != b.at {
		return a.at < b.at
	}
	if a.kind != b.kind {
		return a.kind < b.kind
	}
	return a.study < b.study
}

// A finish is a reader done with the study in hand.
type finish struct {
	at     int64
	reader int32
}

func (a finish) before(b finish) bool {
	return a.at < b.at || a.at == b.at && a.reader < b.reader
}

type finishes = heap[finish]

// A heap is a binary min-heap.
type heap[T interface{ before(T) bool }] []T

func (q *heap[T]) push(x T) {
	h := append(*q, x)
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !x.before(h[p]) {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = x
	*q = h
}

func (q *heap[T]) pop() T {
	h := *q
	top := h[0]
	n := len(h) - 1
	x := h[n]
	h = h[:n]
	i := 0
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && h[c+1].before(h[c]) {
			c++
		}
		if !h[c].before(x) {
			break
		}
		h[i] = h[c]
		i = c
	}
	if n > 0 {
		h[i] = x
	}
	*q = h
	return top
}
