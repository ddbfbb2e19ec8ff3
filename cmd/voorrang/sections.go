package main

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"unicode"

	"go.yaml.in/yaml/v3"

	"github.com/voorrang/voorrang/embedredis"
	"github.com/voorrang/voorrang/ui"
	"github.com/voorrang/voorrang/worklist"
	"github.com/voorrang/voorrang/worklist/redisstore"
)

// sectionFile is one entry of a sections file.
type sectionFile struct {
	Name       string   `yaml:"name"`
	Modalities []string `yaml:"modalities,omitempty,flow"`
	Words      []string `yaml:"words,omitempty,flow"`
	Procedures []string `yaml:"procedures,omitempty,flow"`
}

// loadSections reads the sections file: a YAML list of sections, each a
// name with modalities, words of the procedure text and patterns on the
// procedure code or text ('*' matches any run of characters, case
// ignored), e.g.
//
//   - name: neuro
//     words: [hersenen, brain, head, "wervel*"]
//   - name: mammo
//     modalities: [MG]
//
// A name given again adds a part to that section. An empty name means the
// built-in sections.
func loadSections(name string) ([]ui.Section, error) {
	if name == "" {
		return ui.DefaultSections(), nil
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("sections: %w", err)
	}
	var file []sectionFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&file); err != nil {
		return nil, fmt.Errorf("sections %s: %w", name, err)
	}
	var out []ui.Section
	for i, s := range file {
		n := strings.TrimSpace(s.Name)
		switch {
		case n == "":
			return nil, fmt.Errorf("sections %s: section %d has no name", name, i+1)
		case len(s.Modalities) == 0 && len(s.Words) == 0 && len(s.Procedures) == 0:
			return nil, fmt.Errorf("sections %s: section %q names no modalities, words or procedures", name, n)
		}
		for _, w := range s.Words {
			if strings.ContainsFunc(w, func(r rune) bool { return r != '*' && !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
				return nil, fmt.Errorf("sections %s: section %q: %q is not one word (letters, digits and *)", name, n, w)
			}
		}
		// One spelling of a name for every part, as the first part has it.
		if j := slices.IndexFunc(out, func(o ui.Section) bool { return strings.EqualFold(o.Name, n) }); j >= 0 {
			n = out[j].Name
		}
		out = append(out, ui.Section{Name: n, Modalities: s.Modalities, Words: s.Words, Procedures: s.Procedures})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("sections %s: no sections", name)
	}
	return out, nil
}

// runSections prints the sections in force as a sections file, or with
// --explain, which section each procedure on the reading list falls into.
func runSections(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("voorrang sections", stderr)
	file := fs.String("sections", "", "the sections file to check (empty: the built-in sections)")
	explain := fs.Bool("explain", false, "list the procedures of the studies in the store with the sections each falls into")
	redisURL := fs.String("redis", "", "Redis URL of the department's store (empty: the embedded store in --data-dir)")
	dataDir := fs.String("data-dir", "var", "folder of the embedded store's data (the demo's is var/demo)")
	keyPrefix := fs.String("key-prefix", "", "the store's key prefix, as given to serve")
	var log logFlags
	log.register(fs)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: voorrang sections [--sections FILE] [--explain [--redis URL | --data-dir DIR]]\n\n"+
			"Prints the sections the panel filters by, as a sections file to start from; with --explain,\n"+
			"the procedures of the studies waiting in the store and the sections each falls into.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, redisEnv(getenv)); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	secs, err := loadSections(*file)
	if err != nil {
		return err
	}
	if !*explain {
		return writeSections(stdout, secs)
	}
	logger, err := log.logger(stderr)
	if err != nil {
		return err
	}
	rdb, closeStore, err := openRedis(ctx, *redisURL, embedredis.Options{Dir: filepath.Join(*dataDir, "redis"), Logger: logger}, logger)
	if err != nil {
		return err
	}
	defer closeStore()
	store := redisstore.New(rdb, redisstore.Options{Logger: logger, Prefix: *keyPrefix})
	procs, n, err := seenProcedures(ctx, store)
	if err != nil {
		return err
	}
	return explainSections(stdout, secs, procs, n)
}

// writeSections prints secs as a sections file.
func writeSections(w io.Writer, secs []ui.Section) error {
	file := make([]sectionFile, len(secs))
	for i, s := range secs {
		file[i] = sectionFile{Name: s.Name, Modalities: s.Modalities, Words: s.Words, Procedures: s.Procedures}
	}
	data, err := yaml.Marshal(file)
	if err != nil {
		return err
	}
	fmt.Fprint(w, "# The sections the panel filters by (voorrang serve --sections FILE).\n"+
		"# words: words of the procedure text, case ignored, * for any letters within a word;\n"+
		"# procedures: patterns on the whole procedure code or text; modalities: any of these.\n"+
		"# A study is in a section when it matches any part of it (a name may come twice).\n")
	_, err = w.Write(data)
	return err
}

// A procedure is a kind of study as the reading list holds it.
type procedure struct {
	modality, code, text string
	studies              int
}

// maxExplained is how many studies of the reading list explain reads.
const maxExplained = 20000

// seenProcedures returns the procedures of the studies waiting to be read
// (at most maxExplained of them), and how many studies it read.
func seenProcedures(ctx context.Context, store *redisstore.Store) ([]procedure, int, error) {
	seen := map[procedure]int{}
	n := 0
	for n < maxExplained {
		page, err := store.List(ctx, worklist.Query{Offset: n, Limit: 500})
		if err != nil {
			return nil, 0, err
		}
		for _, st := range page.Studies {
			seen[procedure{modality: st.Modality, code: st.ProcedureCode, text: st.ProcedureText}]++
		}
		n += len(page.Studies)
		if !page.More {
			break
		}
	}
	procs := make([]procedure, 0, len(seen))
	for p, c := range seen {
		p.studies = c
		procs = append(procs, p)
	}
	return procs, n, nil
}

// explainSections prints each procedure with the sections it falls into:
// those in none first, then by section, most studies first.
func explainSections(w io.Writer, secs []ui.Section, procs []procedure, studies int) error {
	type row struct {
		procedure
		in []string
	}
	rows := make([]row, len(procs))
	none := 0
	for i, p := range procs {
		rows[i] = row{p, ui.SectionsOf(secs, &worklist.Study{Modality: p.modality, ProcedureCode: p.code, ProcedureText: p.text})}
		if len(rows[i].in) == 0 {
			none++
		}
	}
	slices.SortFunc(rows, func(a, b row) int {
		return cmp.Or(cmp.Compare(strings.Join(a.in, ","), strings.Join(b.in, ",")), cmp.Compare(b.studies, a.studies),
			cmp.Compare(a.modality, b.modality), cmp.Compare(a.text, b.text), cmp.Compare(a.code, b.code))
	})
	fmt.Fprintf(w, "%d procedures of the %d studies waiting to be read; %d fall into no section.\n\n", len(rows), studies, none)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SECTION\tSTUDIES\tMODALITY\tCODE\tPROCEDURE")
	for _, r := range rows {
		in := strings.Join(r.in, ", ")
		if in == "" {
			in = "(none)"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", in, r.studies, r.modality, r.code, r.text)
	}
	return tw.Flush()
}
