package audit

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

type failing struct{}

func (failing) Record(context.Context, Entry) error { return errors.New("store down") }

func TestFileAndTee(t *testing.T) {
	name := filepath.Join(t.TempDir(), "audit.jsonl")
	f, err := OpenFile(name)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC)
	tee := Tee{failing{}, f}
	err = tee.Record(context.Background(), Entry{At: at, Actor: "jansen", Action: Claim, Outcome: OK, Site: "ZHWEST", Accession: "W1"})
	if err == nil {
		t.Error("Tee hid the failing recorder's error")
	}
	if err := f.Record(context.Background(), Entry{At: at, Actor: "admin", Action: UserChange, Outcome: OK, Target: "jansen"}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if fi, _ := os.Stat(name); fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, want 0600", fi.Mode().Perm())
	}
	r, _ := os.Open(name)
	defer r.Close()
	var got []Entry
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var e Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		got = append(got, e)
	}
	if len(got) != 2 || got[0].Accession != "W1" || got[1].Target != "jansen" {
		t.Errorf("lines %+v, want the claim (recorded after the failing recorder) and the user change", got)
	}
}
