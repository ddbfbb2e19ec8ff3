package ui

import (
	"net/url"
	"slices"
	"strings"

	"github.com/voorrang/voorrang/worklist"
)

// positions is a position in the change streams of several sites: the
// last change ID of each, kept sorted by site.
type positions struct {
	sites, ids []string
}

func (p *positions) get(site string) string {
	if i, ok := slices.BinarySearch(p.sites, site); ok {
		return p.ids[i]
	}
	return "0-0"
}

func (p *positions) set(site, id string) {
	i, ok := slices.BinarySearch(p.sites, site)
	if ok {
		p.ids[i] = id
		return
	}
	p.sites = slices.Insert(p.sites, i, site)
	p.ids = slices.Insert(p.ids, i, id)
}

// advance moves site to id and reports whether id is newer.
func (p *positions) advance(site, id string) bool {
	if worklist.ComparePositions(id, p.get(site)) <= 0 {
		return false
	}
	p.set(site, id)
	return true
}

func (p positions) equal(q positions) bool {
	return slices.Equal(p.sites, q.sites) && slices.Equal(p.ids, q.ids)
}

// appendTo appends the encoded position: "SITE:ID,SITE:ID", site names
// query-escaped, so the text needs no escaping in JSON.
func (p *positions) appendTo(b []byte) []byte {
	for i, site := range p.sites {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(append(append(b, url.QueryEscape(site)...), ':'), p.ids[i]...)
	}
	return b
}

// parsePositions reads an encoded position; false when s is empty or
// malformed.
func parsePositions(s string) (positions, bool) {
	var p positions
	if s == "" || len(s) > 64<<10 {
		return p, false
	}
	for part := range strings.SplitSeq(s, ",") {
		site, id, ok := strings.Cut(part, ":")
		if !ok || !worklist.ValidPosition(id) {
			return p, false
		}
		site, err := url.QueryUnescape(site)
		if err != nil || site == "" {
			return p, false
		}
		p.set(site, id)
	}
	return p, true
}
