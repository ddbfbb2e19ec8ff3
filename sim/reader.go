package sim

import (
	"context"
	"errors"
	"fmt"

	"github.com/voorrang/voorrang/worklist"
)

// A Reader is a virtual radiologist: they take the first unclaimed study
// of their section from the list, read it for a while and report it. A
// resident's report is preliminary; the section's first radiologist
// authorises it a little later.
type Reader struct {
	ID       string // AGB code, sent in OBR-32
	Prefix   string // surname prefix: "van der"
	Surname  string
	Initials string
	Resident bool
	Section  Section
}

// Name is how the reader claims studies: "dr. P. Jansen".
func (r Reader) Name() string {
	title := "dr."
	if r.Resident {
		title = "drs."
	}
	return title + " " + r.Initials + " " + joinName(r.Prefix, r.Surname)
}

func (r Reader) doctor() doctor {
	title := "dr."
	if r.Resident {
		title = "drs."
	}
	return doctor{id: r.ID, prefix: r.Prefix, surname: r.Surname, initials: r.Initials, title: title}
}

// DefaultReaders is the reading room of the simulated department: two
// readers for neuro, chest and abdomen (a resident among the first two),
// one for MSK.
func DefaultReaders() []Reader {
	return []Reader{
		{ID: "04011111", Surname: "Mertens", Initials: "K.", Section: Neuro},
		{ID: "04022222", Surname: "Aydin", Initials: "Y.", Resident: true, Section: Neuro},
		{ID: "03011111", Surname: "Jansen", Initials: "P.", Section: Chest},
		{ID: "03022222", Prefix: "van", Surname: "Beek", Initials: "S.", Resident: true, Section: Chest},
		{ID: "05011111", Surname: "Smit", Initials: "E.", Section: Abdomen},
		{ID: "05022222", Prefix: "de", Surname: "Jong", Initials: "R.", Section: Abdomen},
		{ID: "06011111", Prefix: "van der", Surname: "Linden", Initials: "M.", Section: MSK},
	}
}

// A Desk is where readers take their work.
type Desk interface {
	// Take claims for reader the first study in reading order that nobody
	// holds and that want accepts, and returns it; ok is false when there
	// is none.
	Take(ctx context.Context, reader string, want func(site, accession string) bool) (site, accession string, ok bool, err error)
}

// A Worklist is what a StoreDesk needs of the worklist store.
type Worklist interface {
	List(ctx context.Context, q worklist.Query) (worklist.Page, error)
	Claim(ctx context.Context, site, acc, reader string, override bool) (*worklist.Study, error)
}

// A StoreDesk takes work from the real reading list: the top unclaimed
// study the reader wants, claimed in the store as a person's claim is, so
// the panel shows who reads what. A study someone else claimed meanwhile
// (a person using the panel) is passed over.
type StoreDesk struct {
	Store Worklist
}

// Take implements Desk.
func (d StoreDesk) Take(ctx context.Context, reader string, want func(site, accession string) bool) (string, string, bool, error) {
	page, err := d.Store.List(ctx, worklist.Query{Unclaimed: true, Limit: 10,
		Match: func(st *worklist.Study) bool { return want(st.Site, st.Accession) }})
	if err != nil {
		return "", "", false, fmt.Errorf("take: %w", err)
	}
	for _, st := range page.Studies {
		_, err := d.Store.Claim(ctx, st.Site, st.Accession, reader, false)
		switch {
		case errors.Is(err, worklist.ErrConflict):
			continue
		case err != nil:
			return "", "", false, fmt.Errorf("take: %w", err)
		}
		return st.Site, st.Accession, true, nil
	}
	return "", "", false, nil
}
