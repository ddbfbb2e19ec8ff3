package sim

import (
	"container/heap"
	"context"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/voorrang/voorrang/triage"
)

// Options configure a simulation; the zero value of each field is a
// sensible default.
type Options struct {
	// Seed makes the simulation repeatable: the same seed and Start give
	// the same messages, byte for byte.
	Seed int64
	// Start is the simulated moment the readers start work; zero means
	// 2026-11-23 07:00 in the Netherlands, the day of the test corpus.
	Start time.Time
	// Warmup is how much of the department's day comes before Start:
	// orders and exams but no reading, so that the list is not empty when
	// the readers come in. Zero means 2 hours; negative means none.
	Warmup time.Duration
	// OrdersPerHour is how many studies both sites order, on average;
	// zero means 30.
	OrdersPerHour float64
	// MaxOpen bounds the studies ordered but not yet reported or
	// cancelled: no new orders come while it is reached. Zero means 250.
	MaxOpen int
	// Readers are the virtual radiologists; nil means DefaultReaders.
	Readers []Reader
	// Desk is where readers take work; nil means the simulator's own model
	// of the reading list, ranked by Rules.
	Desk Desk
	// Rules rank the simulator's own model of the list; nil means
	// triage.DefaultRules.
	Rules *triage.Rules
	// Stamp maps simulated time to the time written in the messages; nil
	// writes simulated time. A demo against a service on the wall clock
	// maps it back to the wall clock (CompressedClock.Real), so that the
	// service sees the department's hours compressed into real minutes.
	Stamp func(time.Time) time.Time
	// Logger receives a warning when a reader cannot take work; nil
	// discards.
	Logger *slog.Logger
}

// DefaultStart returns when the readers start work unless told otherwise:
// 07:00 on the day of the test corpus.
func DefaultStart() time.Time { return time.Date(2026, 11, 23, 7, 0, 0, 0, amsterdam) }

// How often odd things happen.
const (
	chanceCancel  = 0.03 // an order is cancelled before the exam
	chanceResend  = 0.02 // a message is sent twice (same MSH-10)
	chanceAIFirst = 0.04 // an AI result arrives before its order
	chanceChange  = 0.15 // a routine inpatient order is made asap (XO)
	chanceStarted = 0.6  // the RIS sends "exam started" (SC IP)
)

// A Sim is a simulated radiology department at two sites: it orders
// studies, performs the exams, has the AI platform read some of them and
// virtual radiologists report them, and says each step as an HL7 message.
// It runs on simulated time only, moved forward by RunUntil; it is not
// safe for concurrent use.
type Sim struct {
	opts    Options
	rng     *rand.Rand
	queue   queue
	seq     uint64
	now     time.Time
	tag     string // run tag in identifiers, so that runs do not collide
	run     uint32 // the same as a number, for study UIDs
	counter map[string]int
	studies map[string]*study // by site/accession, until closed
	open    []*study          // not yet closed, in order of creation
	send    func(context.Context, Message) error
	stats   Stats
}

// Stats count what a simulation has sent.
type Stats struct {
	Orders, Cancels, Changes                 int
	Completed, AIResults, Positive, Critical int
	Preliminary, Final                       int
	Resends, Messages                        int
	Held                                     int // orders held up until after their AI result
	Taken                                    int // studies readers took
}

// New returns a simulation at its start: the first order is due at
// Start − Warmup.
func New(opts Options) *Sim {
	if opts.Start.IsZero() {
		opts.Start = DefaultStart()
	}
	switch {
	case opts.Warmup == 0:
		opts.Warmup = 2 * time.Hour
	case opts.Warmup < 0:
		opts.Warmup = 0
	}
	if opts.OrdersPerHour <= 0 {
		opts.OrdersPerHour = 30
	}
	if opts.MaxOpen <= 0 {
		opts.MaxOpen = 250
	}
	if opts.Readers == nil {
		opts.Readers = DefaultReaders()
	}
	if opts.Rules == nil {
		opts.Rules = triage.DefaultRules()
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	h := fnv.New32a()
	fmt.Fprintf(h, "%d/%d", opts.Seed, opts.Start.Unix())
	run := h.Sum32()
	s := &Sim{
		opts:    opts,
		rng:     rand.New(rand.NewPCG(uint64(opts.Seed), 0x766f6f7272616e67)),
		now:     opts.Start.Add(-opts.Warmup),
		run:     run % 1_000_000,
		tag:     strings.ToUpper(fmt.Sprintf("%03s", strconv.FormatUint(uint64(run%46656), 36))),
		counter: map[string]int{},
		studies: map[string]*study{},
	}
	s.at(s.now, s.arrive)
	s.opening()
	for i, r := range opts.Readers {
		s.at(opts.Start.Add(time.Duration(i)*20*time.Second), s.look(r))
	}
	return s
}

// Now returns the simulated time: that of the step being run, or the
// time the last RunUntil ran to.
func (s *Sim) Now() time.Time { return s.now }

// Start returns the moment the readers start work.
func (s *Sim) Start() time.Time { return s.opts.Start }

// Next returns when the next step is due (there always is one: the next
// order).
func (s *Sim) Next() time.Time { return s.queue[0].at }

// Stats returns what the simulation has sent so far.
func (s *Sim) Stats() Stats { return s.stats }

// RunUntil runs every step due at or before t, in time order, and hands
// each message to send. An error from send or from the Desk's store ends
// the run with it; the step that failed is not repeated.
func (s *Sim) RunUntil(ctx context.Context, t time.Time, send func(context.Context, Message) error) error {
	s.send = send
	defer func() { s.send = nil }()
	for len(s.queue) > 0 && !s.queue[0].at.After(t) {
		if err := ctx.Err(); err != nil {
			return err
		}
		a := heap.Pop(&s.queue).(*action)
		if a.at.After(s.now) {
			s.now = a.at
		}
		if err := a.run(ctx); err != nil {
			return err
		}
	}
	if t.After(s.now) {
		s.now = t
	}
	return nil
}

// at schedules a step.
func (s *Sim) at(t time.Time, run func(context.Context) error) {
	s.seq++
	heap.Push(&s.queue, &action{at: t, seq: s.seq, run: run})
}

// between returns a random duration from lo to hi.
func (s *Sim) between(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(s.rng.Int64N(int64(hi-lo)))
}

func (s *Sim) chance(p float64) bool { return s.rng.Float64() < p }

// next returns the next number of a counter.
func (s *Sim) next(name string) int {
	s.counter[name]++
	return s.counter[name]
}

// controlID returns the next MSH-10 of a sender.
func (s *Sim) controlID(sender string) string {
	return fmt.Sprintf("%s%s%06d", sender, s.tag, s.next("msh:"+sender))
}

// emit sends a message; now and then it is sent again a little later.
func (s *Sim) emit(ctx context.Context, m Message) error {
	m.At = s.now
	s.stats.Messages++
	if err := s.send(ctx, m); err != nil {
		return err
	}
	if !m.Resend && s.chance(chanceResend) {
		again := m
		again.Resend = true
		s.at(s.now.Add(s.between(5*time.Second, 40*time.Second)), func(ctx context.Context) error {
			s.stats.Resends++
			return s.emit(ctx, again)
		})
	}
	return nil
}

// arrive orders a new study and schedules the next order.
func (s *Sim) arrive(ctx context.Context) error {
	gap := time.Duration(s.rng.ExpFloat64() / s.opts.OrdersPerHour * float64(time.Hour)).Round(time.Second)
	s.at(s.now.Add(max(gap, 10*time.Second)), s.arrive)
	s.prune()
	if len(s.open) >= s.opts.MaxOpen {
		return nil
	}
	st := s.newStudy(s.pickKind(), s.pickSite(), s.now)
	s.plan(st, s.randomTimeline(st))
	return nil
}

// prune forgets the closed studies.
func (s *Sim) prune() {
	open := s.open[:0]
	for _, st := range s.open {
		if !st.closed {
			open = append(open, st)
		}
	}
	clear(s.open[len(open):])
	s.open = open
}

func (s *Sim) pickKind() *orderKind {
	total := 0.0
	for _, k := range orderKinds {
		total += k.weight
	}
	x := s.rng.Float64() * total
	for _, k := range orderKinds {
		if x < k.weight {
			return k
		}
		x -= k.weight
	}
	return orderKinds[len(orderKinds)-1]
}

func (s *Sim) pickSite() *site {
	if s.chance(0.55) {
		return sites[0]
	}
	return sites[1]
}

// newStudy creates the study of an order of kind k at st, ordered at t.
func (s *Sim) newStudy(k *orderKind, si *site, t time.Time) *study {
	n := s.next("acc:" + si.id)
	st := &study{
		site:      si,
		kind:      k,
		accession: fmt.Sprintf("%s%02d%s%05d", si.accLetter, t.Year()%100, s.tag, n),
		placer:    fmt.Sprintf("%s%06d", map[bool]string{false: "44", true: "77"}[si.epic], n),
		studyUID:  fmt.Sprintf("%s%d.%d", si.uidRoot, s.run, n),
		patient:   newPatient(s.rng, si, s.next("patient"), k.ages, t),
		priority:  string(k.priority[s.rng.IntN(len(k.priority))]),
		question:  k.questions[s.rng.IntN(len(k.questions))],
		orderedAt: t.Truncate(time.Second),
	}
	if strings.Contains(k.proc.text, "%s") {
		st.side = []string{"links", "rechts"}[s.rng.IntN(2)]
	}
	switch k.class {
	case "E":
		st.ward = deptED
		st.location = comps(deptED, "", "", si.id)
	case "I":
		st.ward = si.wards[k.dept]
		st.location = comps(st.ward, strconv.Itoa(100+s.rng.IntN(400)), strconv.Itoa(1+s.rng.IntN(4)), si.id)
	default:
		st.ward = k.dept
		st.location = comps(k.dept, "", "", si.id)
	}
	s.studies[st.key()] = st
	s.open = append(s.open, st)
	s.stats.Orders++
	return st
}

// close takes a study off the simulator's list for good.
func (s *Sim) close(st *study) {
	st.closed = true
	delete(s.studies, st.key())
}

// An action is one step of the simulation.
type action struct {
	at  time.Time
	seq uint64 // ties break in the order scheduled
	run func(context.Context) error
}

type queue []*action

func (q queue) Len() int { return len(q) }
func (q queue) Less(i, j int) bool {
	if c := q[i].at.Compare(q[j].at); c != 0 {
		return c < 0
	}
	return q[i].seq < q[j].seq
}
func (q queue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)   { *q = append(*q, x.(*action)) }
func (q *queue) Pop() any {
	old := *q
	a := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	return a
}
