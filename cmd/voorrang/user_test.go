package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/voorrang/voorrang/access"
	accessredis "github.com/voorrang/voorrang/access/redisstore"
	"github.com/voorrang/voorrang/audit"
	auditredis "github.com/voorrang/voorrang/audit/redisstore"
	"github.com/voorrang/voorrang/internal/redistest"
)

func newUserCmd(t *testing.T, stdin string) (*userCmd, *bytes.Buffer) {
	t.Helper()
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t, rdb)
	store := accessredis.New(rdb, accessredis.Options{Prefix: prefix})
	out := &bytes.Buffer{}
	return &userCmd{store: store, stdin: strings.NewReader(stdin), stdout: out, stderr: out,
		audit:  auditredis.New(rdb, auditredis.Options{Prefix: prefix}),
		params: access.PasswordParams{Memory: 1024, Time: 1, Threads: 1},
		now:    func() time.Time { return time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC) }}, out
}

func TestUserCommands(t *testing.T) {
	ctx := context.Background()
	u, out := newUserCmd(t, "a good long password\n")
	if err := u.add(ctx, "jansen", "radiologist", "Dr. A. Jansen", ""); err != nil {
		t.Fatal(err)
	}
	a, err := u.store.Account(ctx, "jansen")
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := access.CheckPassword(a.Password, "a good long password"); !ok {
		t.Error("the stored hash does not check against the password read from stdin")
	}
	u.stdin = strings.NewReader("another password\n")
	if err := u.add(ctx, "jansen", "radiologist", "", ""); !errors.Is(err, access.ErrExists) {
		t.Errorf("adding jansen twice: %v, want ErrExists", err)
	}
	u.stdin = strings.NewReader("short\n")
	if err := u.add(ctx, "visser", "resident", "", "neuro,msk"); !errors.Is(err, access.ErrInvalid) {
		t.Errorf("a 5-character password: %v, want ErrInvalid", err)
	}
	if err := u.add(ctx, "visser", "nurse", "", ""); !errors.Is(err, access.ErrInvalid) {
		t.Errorf("an unknown role: %v, want ErrInvalid", err)
	}
	u.generate = true
	out.Reset()
	if err := u.add(ctx, "visser", "resident", "", "neuro,msk"); err != nil {
		t.Fatal(err)
	}
	pw := strings.TrimSpace(strings.TrimPrefix(strings.Split(out.String(), "\n")[0], "password of visser: "))
	v, _ := u.store.Account(ctx, "visser")
	if ok, _ := access.CheckPassword(v.Password, pw); !ok || len(pw) < access.MinPasswordLen {
		t.Errorf("the generated password %q (printed %q) does not sign in", pw, out.String())
	}
	if strings.Join(v.Sections, ",") != "neuro,msk" {
		t.Errorf("sections %v, want neuro, msk", v.Sections)
	}

	// passwd and disable end sessions.
	id, _ := u.store.CreateSession(ctx, access.NewSession(access.Principal{Name: "jansen"}, time.Now()))
	u.generate = false
	u.stdin = strings.NewReader("a new long password\n")
	if err := u.passwd(ctx, "jansen"); err != nil {
		t.Fatal(err)
	}
	if _, err := u.store.Session(ctx, id); !errors.Is(err, access.ErrNotFound) {
		t.Errorf("a session after passwd: %v, want ended", err)
	}
	if err := u.setDisabled(ctx, "visser", true); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := u.list(ctx); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"jansen  radiologist  -", "Dr. A. Jansen", "visser  resident     neuro,msk  disabled"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("list\n%s\nlacks %q", out, want)
		}
	}
	if strings.Contains(out.String(), "argon2") {
		t.Errorf("list shows password hashes:\n%s", out)
	}
	if err := u.passwd(ctx, "nobody"); !errors.Is(err, access.ErrNotFound) {
		t.Errorf("passwd nobody: %v, want ErrNotFound", err)
	}
	entries, _, err := u.audit.(*auditredis.Trail).Entries(ctx, audit.Query{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		if !strings.HasPrefix(e.Actor, "cli") || e.Method != "cli" {
			t.Errorf("entry %+v: want the command's user as the actor", e)
		}
		got = append(got, e.Action+" "+e.Target)
	}
	if want := "user.add jansen,user.add visser,user.change jansen,user.change visser"; strings.Join(got, ",") != want {
		t.Errorf("the trail holds %v, want %s", got, want)
	}
}

func TestTokenNew(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := runToken([]string{"new", "aidoc", "integration"}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	line := strings.TrimSpace(out.String())
	tk, err := access.ParseTokens(strings.NewReader(line))
	if err != nil {
		t.Fatalf("the printed token %q does not parse: %v", line, err)
	}
	secret := line[strings.LastIndex(line, ":")+1:]
	if p, err := tk.Authenticate(secret); err != nil || p.Name != "aidoc" || !p.Has(access.Integration) {
		t.Errorf("the printed secret authenticates %+v, %v", p, err)
	}
	hashed := strings.TrimSpace(strings.Split(errOut.String(), "\n")[2])
	tk, err = access.ParseTokens(strings.NewReader(hashed))
	if err != nil {
		t.Fatalf("the hashed form %q does not parse: %v", hashed, err)
	}
	if _, err := tk.Authenticate(secret); err != nil {
		t.Errorf("the hashed form does not accept the secret: %v", err)
	}
	if err := runToken([]string{"new", "aidoc", "root"}, &out, &errOut); !errors.Is(err, access.ErrInvalid) {
		t.Errorf("an unknown role: %v", err)
	}
}
