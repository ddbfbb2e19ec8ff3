package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// readmeNotRun are the README's shell examples that TestREADMEExamples
// does not run, by the start of their first line, with the reason. The
// flags of every voorrang command in them are checked instead.
var readmeNotRun = map[string]string{
	"make run":                                     "make run serves the demo until stopped, and make test is what runs this test",
	"export VOORRANG_OIDC_CLIENT_SECRET":           "needs the hospital's identity provider",
	"voorrang serve --mllp-tls-cert":               "needs the hospital's certificates",
	"voorrang send --to voorrang.example.org":      "needs a service with the hospital's certificates",
	"go run ./cmd/voorrang whatif sim/readingroom": "a large department's year, 20 times over: minutes of CPU (make bench runs it)",
	"voorrang scenario --redis redis://localhost":  "needs the department's Redis on port 6379",
	"go run ./cmd/voorrang scenario --demo-days":   "runs the demo's department for 28 simulated days, then simulates a year 100 times over: minutes",
}

// A readmeLine is one command of a shell example of the README, its
// continuation lines joined.
type readmeLine struct {
	n    int // its line number in README.md
	text string
}

// readmeExamples returns the README's shell examples (```sh blocks).
func readmeExamples(t *testing.T) [][]readmeLine {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var blocks [][]readmeLine
	var cur []readmeLine
	in, n, cont := false, 0, ""
	contAt := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		n++
		line := sc.Text()
		switch {
		case !in && strings.TrimSpace(line) == "```sh":
			in, cur = true, nil
		case in && strings.TrimSpace(line) == "```":
			in = false
			blocks = append(blocks, cur)
		case in:
			if cont == "" {
				contAt = n
			}
			if s, ok := strings.CutSuffix(line, "\\"); ok {
				cont += s
				continue
			}
			if text := strings.TrimSpace(cont + line); text != "" {
				cur = append(cur, readmeLine{contAt, text})
			}
			cont = ""
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return blocks
}

// TestREADMEExamples runs the README's shell examples in the order they
// come, as a newcomer types them into one shell in a fresh clone: in an
// empty folder with the clone's testdata and sim beside it, `go run
// ./cmd/voorrang` being this command. Each must exit 0, or the N its
// comment names ("(exits N)"); curl fails on an HTTP error. Examples that
// need what a test cannot have are listed in readmeNotRun; their voorrang
// commands must at least take their flags.
func TestREADMEExamples(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatal("the README's examples need Debian's redis-server (.ci/testenv installs it)")
	}
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the README's examples need %s (.ci/testenv installs it)", tool)
		}
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	dir, bin := t.TempDir(), t.TempDir()
	for _, name := range []string{"testdata", "sim"} {
		if err := os.Symlink(filepath.Join(repo, name), filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	realGo, err := exec.LookPath("go")
	if err != nil {
		realGo = "go"
	}
	shim := map[string]string{
		"voorrang": fmt.Sprintf("#!/bin/sh\n%s=1 exec %q \"$@\"\n", asCommand, self),
		"go": fmt.Sprintf("#!/bin/sh\nif [ \"$1\" = run ] && [ \"$2\" = ./cmd/voorrang ]; then shift 2; exec voorrang \"$@\"; fi\nexec %q \"$@\"\n",
			realGo),
	}
	for name, text := range shim {
		if err := os.WriteFile(filepath.Join(bin, name), []byte(text), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	httpPort, mllpPort := freePort(t), freePort(t)

	var script strings.Builder
	fmt.Fprintf(&script, `set -o pipefail
curl() { command curl --fail-with-body "$@"; }
pids=
trap 'for p in $pids; do kill $p 2>/dev/null; done; wait' EXIT
wait_ready() {
  for i in $(seq 1 600); do command curl -sf -o /dev/null http://127.0.0.1:%d/readyz && return 0; sleep 0.1; done
  echo "the service did not answer /readyz within a minute" >&2; return 1
}
check() {
  if [ "$1" != "$2" ]; then echo "README.md:$3 exited $1, want $2" >&2; exit 1; fi
}
`, httpPort)
	exits := regexp.MustCompile(`\(exits (\d+)\)`)
	ran := 0
	for _, block := range readmeExamples(t) {
		if len(block) == 0 {
			continue
		}
		if why, ok := notRun(block[0].text); ok {
			t.Run(fmt.Sprintf("flags of line %d", block[0].n), func(t *testing.T) {
				t.Logf("not run: %s", why)
				for _, l := range block {
					checkFlags(t, self, l)
				}
			})
			continue
		}
		for _, l := range block {
			text := strings.NewReplacer("localhost:8080", "localhost:"+strconv.Itoa(httpPort),
				"localhost:2575", "localhost:"+strconv.Itoa(mllpPort)).Replace(l.text)
			want := "0"
			if m := exits.FindStringSubmatch(text); m != nil {
				want = m[1]
			}
			fmt.Fprintf(&script, "echo %s\n", shellQuote(fmt.Sprintf("+ README.md:%d: %s", l.n, l.text)))
			cmd, _, _ := strings.Cut(text, " #")
			if strings.HasSuffix(strings.TrimSpace(cmd), "&") {
				fmt.Fprintf(&script, "{ %s\n}\npids=\"$pids $!\"\nwait_ready\n", text)
			} else {
				fmt.Fprintf(&script, "{ %s\n}\ncheck $? %s %d\n", text, want, l.n)
			}
			ran++
		}
	}
	if ran == 0 {
		t.Fatal("no README example was run")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script.String())
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	env := []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"),
		"VOORRANG_HTTP=127.0.0.1:" + strconv.Itoa(httpPort), "VOORRANG_MLLP=127.0.0.1:" + strconv.Itoa(mllpPort)}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "VOORRANG_") && !strings.HasPrefix(kv, "PATH=") {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the README's examples failed: %v\n%s", err, out)
	}
	t.Logf("the README's examples, %d commands:\n%s", ran, out)
}

// notRun reports whether an example starting with first is one not run,
// and why.
func notRun(first string) (string, bool) {
	for start, why := range readmeNotRun {
		if strings.HasPrefix(first, start) {
			return why, true
		}
	}
	return "", false
}

// checkFlags runs a voorrang command line of the README with -h after its
// flags: the command must take every flag and stop at -h.
func checkFlags(t *testing.T, self string, l readmeLine) {
	t.Helper()
	text, _, _ := strings.Cut(l.text, " #")
	args := shellWords(text)
	switch {
	case len(args) >= 3 && args[0] == "go" && args[1] == "run" && args[2] == "./cmd/voorrang":
		args = args[3:]
	case len(args) >= 1 && args[0] == "voorrang":
		args = args[1:]
	default:
		return // not a voorrang command
	}
	at := 0 // -h goes after the last flag and its value
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		at = 1
	}
	for i, a := range args {
		if strings.HasPrefix(a, "-") {
			at = i + 1
			if !strings.Contains(a, "=") && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
				at = i + 2
			}
		}
	}
	args = append(args[:at:at], append([]string{"-h"}, args[at:]...)...)
	cmd := exec.Command(self, args...)
	cmd.Env = append(os.Environ(), asCommand+"=1")
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("README.md:%d: voorrang %s: %v\n%s", l.n, strings.Join(args, " "), err, out)
	}
}

// shellWords splits a command line into words as sh does for the simple
// lines of the README: spaces, single and double quotes.
func shellWords(s string) []string {
	var words []string
	var w strings.Builder
	inWord := false
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			w.WriteRune(r)
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		default:
			w.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	return words
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// freePort returns a TCP port free on 127.0.0.1 at the moment.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
