package ingest

import (
	"fmt"
	"strings"
	"time"

	"github.com/voorrang/voorrang/hl7"
)

// A Mapping says where a feed keeps what Voorrang needs. The zero value
// is not usable; start from DefaultMapping.
type Mapping struct {
	// Accession lists where the accession number may be, tried in order
	// within each order group; the first non-empty one wins.
	Accession []hl7.Path
	// Site is where the site is; the sending facility by default.
	Site hl7.Path
	// Priority lists where the order priority may be, tried in order.
	Priority []hl7.Path
	// AISenders are the sending applications (MSH-3) whose ORU^R01 messages
	// carry AI results. A result whose OBR-4 coding system (OBR-4.3) is
	// "AI" is taken as one too.
	AISenders []string
	// Location is the zone of timestamps that carry no UTC offset.
	Location *time.Location
}

// DefaultMapping is what Dutch HiX- and Epic-like feeds need: the
// accession in OBR-18, else the filler order number (ORC-3, OBR-3), else
// the IPC accession identifier of OMI messages.
func DefaultMapping() Mapping {
	return Mapping{
		Accession: mustPaths("OBR-18", "ORC-3.1", "OBR-3.1", "IPC-1.1"),
		Site:      mustPaths("MSH-4.1")[0],
		Priority:  mustPaths("ORC-7.6", "OBR-27.6", "TQ1-9.1"),
		AISenders: []string{"AIPLATFORM"},
		Location:  amsterdam(),
	}
}

// ParsePaths parses a comma-separated list of terser paths, as the
// command line gives them.
func ParsePaths(s string) ([]hl7.Path, error) {
	var paths []hl7.Path
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		p, err := hl7.ParsePath(f)
		if err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no paths in %q", s)
	}
	return paths, nil
}

func mustPaths(s ...string) []hl7.Path {
	paths, err := ParsePaths(strings.Join(s, ","))
	if err != nil {
		panic(err)
	}
	return paths
}

func amsterdam() *time.Location {
	if loc, err := time.LoadLocation("Europe/Amsterdam"); err == nil {
		return loc
	}
	return time.FixedZone("CET", 3600)
}
