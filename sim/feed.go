package sim

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// WriteFeed runs a simulation from Start − Warmup to Start + d with the
// simulator's own model of the list (opts.Desk is ignored) and writes its
// messages into dir, one file per site in the order they were sent
// ("zhwest_20261123.hl7"), back to back with CR after each segment, as
// `voorrang send` and the benchmarks read them. It returns the files
// written and the number of messages.
func WriteFeed(ctx context.Context, dir string, opts Options, d time.Duration) ([]string, int, error) {
	opts.Desk = nil
	s := New(opts)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, 0, err
	}
	day := s.Start().In(amsterdam).Format("20060102")
	type out struct {
		f *os.File
		w *bufio.Writer
	}
	files := map[string]*out{}
	var names []string
	closeAll := func() error {
		var first error
		for _, name := range names {
			o := files[name]
			if err := o.w.Flush(); err != nil && first == nil {
				first = err
			}
			if err := o.f.Close(); err != nil && first == nil {
				first = err
			}
		}
		return first
	}
	n := 0
	err := s.RunUntil(ctx, s.Start().Add(d), func(_ context.Context, m Message) error {
		o := files[m.Site]
		if o == nil {
			name := filepath.Join(dir, fmt.Sprintf("%s_%s.hl7", strings.ToLower(m.Site), day))
			f, err := os.Create(name)
			if err != nil {
				return err
			}
			o = &out{f: f, w: bufio.NewWriter(f)}
			files[m.Site] = o
			names = append(names, m.Site)
		}
		n++
		_, err := o.w.Write(m.Data)
		return err
	})
	if cerr := closeAll(); err == nil {
		err = cerr
	}
	paths := make([]string, len(names))
	for i, site := range names {
		paths[i] = files[site].f.Name()
	}
	if err != nil {
		return paths, n, fmt.Errorf("write feed: %w", err)
	}
	return paths, n, nil
}
