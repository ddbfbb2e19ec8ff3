package servicebench

import (
	"context"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/voorrang/voorrang/hl7"
	"github.com/voorrang/voorrang/hl7/mllp"
	"github.com/voorrang/voorrang/ingest"
	"github.com/voorrang/voorrang/worklist/redisstore"
)

// A service is the MLLP server, handler and store of `serve`, on a
// free port of the loopback interface.
type service struct {
	addr string
	srv  *mllp.Server
	done chan error
}

func startService(ctx context.Context, rdb redis.UniversalClient, prefix string, log *slog.Logger) (*service, error) {
	store := redisstore.New(rdb, redisstore.Options{Prefix: prefix, Logger: log})
	h := &ingest.Handler{Store: store, Mapping: ingest.DefaultMapping(), Application: "VOORRANG", Logger: log}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("bench: MLLP: %w", err)
	}
	s := &service{addr: ln.Addr().String(), srv: &mllp.Server{Handler: h, Logger: log}, done: make(chan error, 1)}
	go func() { s.done <- s.srv.Serve(context.WithoutCancel(ctx), ln) }()
	return s, nil
}

func (s *service) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s.srv.Shutdown(ctx)
	<-s.done
}

// A conn is one sender: an MLLP connection and its feed.
type conn struct {
	c   *mllp.Client
	f   *feed
	buf []byte
}

func (b *bench) connect(n int, addr string) []*conn {
	conns := make([]*conn, n)
	for i := range conns {
		b.feeds++
		conns[i] = &conn{c: &mllp.Client{Addr: addr, Retries: -1, Logger: b.log}, f: newFeed(b.runTag(), b.feeds, b.sites)}
	}
	return conns
}

func closeAll(conns []*conn) {
	for _, c := range conns {
		c.c.Close()
	}
}

// send sends the feed's next message; an ACK other than AA or CA is an error.
func (bc *conn) send(ctx context.Context) error {
	bc.buf = bc.f.next(bc.buf[:0])
	raw, err := bc.c.Send(ctx, bc.buf)
	if err != nil {
		return err
	}
	ack, err := hl7.Parse(raw)
	if err != nil {
		return fmt.Errorf("bad ACK: %w", err)
	}
	if code := ack.Get("MSA-1"); code != "AA" && code != "CA" {
		return fmt.Errorf("ACK %s: %s %s", code, ack.Get("MSA-3"), ack.Get("ERR-8"))
	}
	return nil
}

// The messages of the ingest phases, after testdata/hl7's
// zhwest_orm_sc_cm_ct_oncology, zhwest_oru_ai_pe_positive and (shortened)
// zhwest_oru_report_prelim, with {site}, {acc}, {mrn}, {ctrl} and {ai}
// filled in per message.
var (
	completedExam = compileTemplate(`MSH|^~\&|HIX|{site}|VOORRANG|{site}|20261123085240+0100||ORM^O01|{ctrl}|P|2.4|||AL|NE|NLD
PID|1||{mrn}^^^{site}^PI~999990019^^^NLMINBIZA^NNNLD||van den Berg&van den&Berg^Jan^J^^^^L||19580314|M|||Lindelaan 14&Lindelaan&14^^Leiden^^2313AB^NLD^H||0715123456^PRN^PH||dut^Nederlands^ISO639
PV1|1|O|ONC^^^{site}|||||01012345^Visser^H.^^^dr.^^^VEKTIS^L^^^AGB||ONC|||||||||VN{mrn}001^^^{site}^VN
ORC|SC|4410101^HIX|{acc}^HIX||CM||^^^20261123083000+0100^^R||20261123085240+0100|||01012345^Visser^H.^^^dr.^^^VEKTIS^L^^^AGB|ONC^^^{site}||||{site}^Ziekenhuis West
OBR|1|4410101^HIX|{acc}^HIX|CTTHAB^CT thorax-abdomen met contrast^HIX|||20261123083105+0100|20261123085055+0100|||||Follow-up coloncarcinoom, herstadiering na chemotherapie|||01012345^Visser^H.^^^dr.^^^VEKTIS^L^^^AGB||{acc}|RP{acc}|||20261123085240+0100||CT|||^^^20261123083000+0100^^R|||WALK|^Follow-up coloncarcinoom, herstadiering na chemotherapie|||||20261123083000+0100
ZDS|1.2.826.0.1.3680043.9.7133.1.26000101^HIX^Application^DICOM`)
	aiResult = compileTemplate(`MSH|^~\&|AIPLATFORM|{site}|VOORRANG|{site}|20261123091206+0100||ORU^R01^ORU_R01|{ctrl}|P|2.5|||AL|NE
PID|1||{mrn}^^^{site}^PI||van den Berg^Jan||19580314|M
OBR|1||{acc}|aidoc-pe^Incidental PE^AI|||20261123083105+0100|||||||||||{acc}||{ai}||20261123091204+0100||CT|F
OBX|1|NM|PE^Pulmonary embolism^AI||0.94|||A|||F|||20261123091204+0100|||aidoc-pe^Incidental PE^AI^2.1^Aidoc
NTE|1|L|right lower lobe segmental artery (image 143)
OBX|2|RP|VIEWER^AI result viewer^AI||https://ai.example.org/viewer/{ai}^AIPLATFORM^TEXT^HTML||||||F|||20261123091204+0100`)
	preliminaryReport = compileTemplate(`MSH|^~\&|HIX|{site}|VOORRANG|{site}|20261123094015+0100||ORU^R01^ORU_R01|{ctrl}|P|2.5|||AL|NE|NLD
PID|1||{mrn}^^^{site}^PI~999990019^^^NLMINBIZA^NNNLD||van den Berg&van den&Berg^Jan^J^^^^L||19580314|M
ORC|RE|4410101^HIX|{acc}^HIX||CM||^^^20261123083000+0100^^R||20261123094015+0100|||01012345^Visser^H.^^^dr.^^^VEKTIS^L^^^AGB|ONC^^^{site}
OBR|1|4410101^HIX|{acc}^HIX|CTTHAB^CT thorax-abdomen met contrast^HIX|||20261123083105+0100|20261123085055+0100||||||||||{acc}|RP{acc}|||20261123094015+0100||CT|P||^^^20261123083000+0100^^R||||||03022222&van Beek&S.&&&drs.
OBX|1|TX|19005-8^Radiologie conclusie^LN||Conclusie:\.br\1. Longembolie in een segmentale tak van de rechter onderkwab.||||||P|||20261123094015+0100`)
)

// A msgTemplate alternates literal text and the names of values to fill in.
type msgTemplate []string

func compileTemplate(s string) msgTemplate {
	s = strings.ReplaceAll(s, "\n", "\r")
	var t msgTemplate
	for {
		lit, rest, ok := strings.Cut(s, "{")
		if !ok {
			return append(t, s)
		}
		name, after, _ := strings.Cut(rest, "}")
		t, s = append(t, lit, name), after
	}
}

func (t msgTemplate) render(buf []byte, vals map[string]string) []byte {
	for i, part := range t {
		if i%2 == 1 {
			part = vals[part]
		}
		buf = append(buf, part...)
	}
	return buf
}

// A feed makes one connection's messages: about 60% new completed exams,
// 30% AI results and 10% preliminary reports (a status change), the last
// two for exams the feed sent before. Accessions and control IDs are the
// feed's own.
type feed struct {
	run   string // tells this run's messages from those of runs before it
	id    int
	sites []string
	rnd   *mrand.Rand
	seq   int
	exams []map[string]string
}

func newFeed(run string, id int, sites []string) *feed {
	return &feed{run: run, id: id, sites: sites, rnd: mrand.New(mrand.NewPCG(uint64(id), 0))}
}

// next appends the next message to buf.
func (f *feed) next(buf []byte) []byte {
	f.seq++
	// Unique across runs: a service that outlives a run (--mllp) would
	// answer a repeated control ID as a duplicate, which costs far less.
	ctrl := fmt.Sprintf("B%s.%d.%d", f.run, f.id, f.seq)
	r := f.rnd.IntN(10)
	if r < 6 || len(f.exams) == 0 {
		exam := map[string]string{"site": f.sites[f.rnd.IntN(len(f.sites))], "acc": "A" + ctrl[1:],
			"mrn": fmt.Sprintf("%07d", f.rnd.IntN(10_000_000)), "ctrl": ctrl}
		f.exams = append(f.exams, exam)
		return completedExam.render(buf, exam)
	}
	exam := f.exams[f.rnd.IntN(len(f.exams))]
	exam["ctrl"], exam["ai"] = ctrl, "ai-"+ctrl
	if r < 9 {
		return aiResult.render(buf, exam)
	}
	return preliminaryReport.render(buf, exam)
}
