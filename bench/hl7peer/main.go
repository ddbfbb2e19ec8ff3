// Command hl7peer measures Voorrang's HL7 parser against @medplum/core on
// the same corpus in one run: messages per second parsing each message and
// reading the 20 worklist fields, and the ratio. `make bench` runs it.
//
//	go run ./bench/hl7peer [-benchtime 3s] [FILE|DIR...]
//
// It must run from the repository root, where node_modules holds the peer.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"time"

	"github.com/voorrang/voorrang/hl7"
)

// corpus are the files both parsers read by default.
var corpus = []string{"testdata/hl7", "testdata/samples"}

func main() {
	benchtime := flag.Duration("benchtime", 3*time.Second, "how long each parser runs")
	flag.Parse()
	args := flag.Args()
	if len(args) == 0 {
		args = corpus
	}
	files, err := expand(args)
	if err != nil {
		fmt.Fprintln(os.Stderr, "hl7peer:", err)
		os.Exit(1)
	}
	fields, err := loadFields("bench/peer/fields.json")
	if err != nil {
		fmt.Fprintln(os.Stderr, "hl7peer:", err)
		os.Exit(1)
	}
	msgs, size, err := load(files)
	if err != nil {
		fmt.Fprintln(os.Stderr, "hl7peer:", err)
		os.Exit(1)
	}
	runtime.GOMAXPROCS(1)
	ours := measure(msgs, fields, *benchtime)
	peer, err := runPeer(files, *benchtime)
	if err != nil {
		fmt.Fprintln(os.Stderr, "hl7peer:", err)
		os.Exit(1)
	}
	fmt.Printf("HL7 corpus: %d files, %d messages, %d bytes; parse + read %d fields, one core\n",
		len(files), len(msgs), size, len(fields))
	fmt.Printf("%-22s %12s %12s %10s\n", "parser", "msgs/s", "ns/msg", "MB/s")
	fmt.Printf("%-22s %12.0f %12.0f %10.1f\n", "voorrang/hl7", ours.perSec, 1e9/ours.perSec, ours.mbPerSec)
	fmt.Printf("%-22s %12.0f %12.0f %10.1f\n", "@medplum/core "+peer.Version, peer.MsgsPerSec, peer.NsPerMsg, peer.MBPerSec)
	fmt.Printf("ratio: %.1fx the peer's messages per second\n", ours.perSec/peer.MsgsPerSec)
}

type result struct{ perSec, mbPerSec float64 }

// measure parses every message and reads the fields, round after round,
// for about d.
func measure(msgs [][]byte, fields []hl7.Path, d time.Duration) result {
	round := func() int {
		n := 0
		for _, data := range msgs {
			m, err := hl7.Parse(data)
			if err != nil {
				continue
			}
			for _, p := range fields {
				n += len(m.Value(p).String())
			}
		}
		return n
	}
	warm := time.Now()
	for time.Since(warm) < d/3 {
		round()
	}
	var rounds, sum int
	start := time.Now()
	for time.Since(start) < d {
		sum += round()
		rounds++
	}
	el := time.Since(start).Seconds()
	if sum == 0 {
		fmt.Fprintln(os.Stderr, "hl7peer: read nothing")
	}
	size := 0
	for _, m := range msgs {
		size += len(m)
	}
	return result{perSec: float64(rounds*len(msgs)) / el, mbPerSec: float64(rounds*size) / el / 1e6}
}

type peerResult struct {
	Version    string  `json:"version"`
	Messages   int     `json:"messages"`
	MsgsPerSec float64 `json:"msgsPerSec"`
	NsPerMsg   float64 `json:"nsPerMsg"`
	MBPerSec   float64 `json:"mbPerSec"`
}

func runPeer(files []string, d time.Duration) (peerResult, error) {
	args := append([]string{"bench/peer/medplum.mjs", "--seconds", fmt.Sprint(d.Seconds())}, files...)
	cmd := exec.Command("node", args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return peerResult{}, fmt.Errorf("node bench/peer/medplum.mjs: %w (did `npm ci` run?)", err)
	}
	var r peerResult
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if err := json.Unmarshal(sc.Bytes(), &r); err == nil && r.MsgsPerSec > 0 {
			return r, nil
		}
	}
	return r, fmt.Errorf("no result from the peer in %q", out)
}

// expand turns directories into their .hl7 files, sorted.
func expand(args []string) ([]string, error) {
	var files []string
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			files = append(files, a)
			continue
		}
		m, err := filepath.Glob(filepath.Join(a, "*.hl7"))
		if err != nil {
			return nil, err
		}
		sort.Strings(m)
		files = append(files, m...)
	}
	return files, nil
}

func load(files []string) (msgs [][]byte, size int, err error) {
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, 0, err
		}
		for _, m := range hl7.Split(data) {
			msgs = append(msgs, m)
			size += len(m)
		}
	}
	return msgs, size, nil
}

// loadFields reads the shared list of field paths.
func loadFields(name string) ([]hl7.Path, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var paths []hl7.Path
	for _, r := range raw {
		var s string
		if json.Unmarshal(r, &s) != nil {
			var obj struct{ Path string }
			if err := json.Unmarshal(r, &obj); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			s = obj.Path
		}
		p, err := hl7.ParsePath(s)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}
