package readingroom

// timers hold the events to come (AI results, escalations). Each event
// falls a fixed time after its study's arrival (a kind's AI delay, a rank
// entry's escalation time) and is scheduled when the study arrives or
// when its AI result comes, so the events of one such offset and source
// are scheduled in time order: each goes to a first-in-first-out queue of
// its own, and the next event is the earliest head of a few queues
// instead of the top of a heap of thousands.
type timers struct {
	fifos []fifo
	next  int // the queue with the earliest head; -1 when all are empty
}

type fifo struct {
	events []event
	head   int
}

// reset empties the timers and makes n queues.
func (t *timers) reset(n int) {
	if cap(t.fifos) < n {
		t.fifos = make([]fifo, n)
	}
	t.fifos = t.fifos[:n]
	for i := range t.fifos {
		t.fifos[i].events = t.fifos[i].events[:0]
		t.fifos[i].head = 0
	}
	t.next = -1
}

// push schedules e on queue q, whose events it does not precede.
func (t *timers) push(q int, e event) {
	f := &t.fifos[q]
	if f.head > 4096 && f.head > len(f.events)/2 {
		n := copy(f.events, f.events[f.head:])
		f.events, f.head = f.events[:n], 0
	}
	f.events = append(f.events, e)
	if f.head == len(f.events)-1 && (t.next < 0 || e.before(t.fifos[t.next].events[t.fifos[t.next].head])) {
		t.next = q
	}
}

// peek returns the next event, if any.
func (t *timers) peek() (event, bool) {
	if t.next < 0 {
		return event{}, false
	}
	f := &t.fifos[t.next]
	return f.events[f.head], true
}

// pop removes the next event and returns it.
func (t *timers) pop() event {
	f := &t.fifos[t.next]
	e := f.events[f.head]
	f.head++
	t.next = -1
	for i := range t.fifos {
		g := &t.fifos[i]
		if g.head < len(g.events) && (t.next < 0 || g.events[g.head].before(t.fifos[t.next].events[t.fifos[t.next].head])) {
			t.next = i
		}
	}
	return e
}
