package ui

import (
	"slices"
	"strings"

	"github.com/voorrang/voorrang/worklist"
)

// A delivery is one change for one client: as an upsert, or as a remove
// when the change takes the study off the list or out of the filter.
type delivery struct {
	ch     *liveChange
	remove bool
}

// deliveryFor says how a change reaches a client with filter f: nil when
// not at all (another site), else as an upsert or a remove.
func deliveryFor(f *wsFilter, lc *liveChange, st *worklist.Study) (delivery, bool) {
	if !f.wantsSite(lc.site) {
		return delivery{}, false
	}
	return delivery{ch: lc, remove: lc.upsert == nil || !f.shows(st)}, true
}

// A rowKey names a study: its site and accession number.
type rowKey struct{ site, accession string }

// deliver writes one change, unless the first messages already held it.
// A feed limited to some sections (a resident's) is sent the removal of a
// row only when it was sent the row: the others are of studies it may not
// see, whose accession numbers are not its to know.
func (ss *session) deliver(d delivery) error {
	if !ss.pos.advance(d.ch.site, d.ch.id) {
		return nil
	}
	if ss.held != nil {
		k := rowKey{d.ch.site, d.ch.accession}
		if d.remove {
			if _, ok := ss.held[k]; !ok {
				return nil
			}
			delete(ss.held, k)
		} else {
			ss.held[k] = struct{}{}
		}
	}
	ss.buf = appendMessage(ss.buf[:0], &ss.pos, d)
	return ss.write(ss.buf)
}

// appendMessage appends the message of d at position p.
func appendMessage(b []byte, p *positions, d delivery) []byte {
	head, tail := `{"type":"remove","position":"`, d.ch.remove
	if !d.remove {
		head, tail = `{"type":"upsert","position":"`, d.ch.upsert
	}
	return append(p.appendTo(append(b, head...)), tail...)
}

// A wsFilter selects what a websocket client is sent: the same filters as
// the worklist API's site, modality and section.
type wsFilter struct {
	sites      []string // empty: every site
	modalities []string // empty: any
	section    string
	match      func(*worklist.Study) bool // the section's; nil: any
	// limit is what the principal may see (a resident's sections); nil:
	// everything.
	limit func(*worklist.Study) bool
}

// describe says what the filter asks for, for the audit trail.
func (f *wsFilter) describe() string {
	var parts []string
	if len(f.sites) > 0 {
		parts = append(parts, "site="+strings.Join(f.sites, ","))
	}
	if len(f.modalities) > 0 {
		parts = append(parts, "modality="+strings.Join(f.modalities, ","))
	}
	if f.section != "" {
		parts = append(parts, "section="+f.section)
	}
	return strings.Join(parts, " ")
}

func (f *wsFilter) wantsSite(site string) bool {
	return len(f.sites) == 0 || slices.Contains(f.sites, site)
}

// shows reports whether the client's list holds st: on the list, of one
// of the client's sites, and matching its modality and section.
func (f *wsFilter) shows(st *worklist.Study) bool {
	if st == nil || !st.OnList || !f.wantsSite(st.Site) {
		return false
	}
	if len(f.modalities) > 0 && !slices.Contains(f.modalities, st.Modality) {
		return false
	}
	return (f.match == nil || f.match(st)) && (f.limit == nil || f.limit(st))
}

// query is the worklist query of the filter's snapshot.
func (f *wsFilter) query(sites []string) worklist.Query {
	return worklist.Query{Sites: sites, Modalities: f.modalities, Match: both(f.match, f.limit)}
}
