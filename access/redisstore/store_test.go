package redisstore

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/voorrang/voorrang/access"
	"github.com/voorrang/voorrang/internal/redistest"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var t0 = time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC)

func newStore(t *testing.T) (*Store, *clock) {
	t.Helper()
	rdb := redistest.Client(t)
	clk := &clock{t: t0}
	// The session keys expire by Redis's clock, so the lifetime is long
	// against the test's clock jumps.
	return New(rdb, Options{Prefix: redistest.Prefix(t, rdb), Now: clk.Now,
		Sessions: access.SessionRules{Idle: 15 * time.Minute, Lifetime: 12 * time.Hour}}), clk
}

func TestAccounts(t *testing.T) {
	s, clk := newStore(t)
	ctx := context.Background()
	a := access.Account{Name: "jansen", Display: "Dr. Jansen", Roles: []access.Role{access.Radiologist}, Password: "$argon2id$x", Created: t0, Changed: t0}
	if err := s.AddAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := s.AddAccount(ctx, a); !errors.Is(err, access.ErrExists) {
		t.Errorf("adding jansen twice: %v, want ErrExists", err)
	}
	if err := s.AddAccount(ctx, access.Account{Name: "Bad Name"}); !errors.Is(err, access.ErrInvalid) {
		t.Errorf("adding a bad name: %v, want ErrInvalid", err)
	}
	if err := s.AddAccount(ctx, access.Account{Name: "admin", Roles: []access.Role{access.Admin}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Account(ctx, "jansen")
	if err != nil || got.Display != "Dr. Jansen" || !got.Created.Equal(t0) {
		t.Fatalf("Account(jansen) = %+v, %v", got, err)
	}
	if _, err := s.Account(ctx, "nobody"); !errors.Is(err, access.ErrNotFound) {
		t.Errorf("Account(nobody): %v, want ErrNotFound", err)
	}
	all, err := s.Accounts(ctx)
	if err != nil || len(all) != 2 || all[0].Name != "admin" || all[1].Name != "jansen" {
		t.Fatalf("Accounts = %+v, %v; want admin, jansen", all, err)
	}

	clk.Add(time.Hour)
	up, err := s.UpdateAccount(ctx, "jansen", func(a *access.Account) error {
		a.Roles = []access.Role{access.Radiologist, access.Admin}
		a.Name = "hijack" // ignored: the name is the key
		return nil
	})
	if err != nil || up.Name != "jansen" || len(up.Roles) != 2 || !up.Changed.Equal(t0.Add(time.Hour)) {
		t.Fatalf("UpdateAccount = %+v, %v", up, err)
	}
	refuse := errors.New("no")
	if _, err := s.UpdateAccount(ctx, "jansen", func(*access.Account) error { return refuse }); !errors.Is(err, refuse) {
		t.Errorf("an update that refuses: %v, want its error", err)
	}
	if _, err := s.UpdateAccount(ctx, "nobody", func(*access.Account) error { return nil }); !errors.Is(err, access.ErrNotFound) {
		t.Errorf("updating nobody: %v, want ErrNotFound", err)
	}
	if _, err := s.Account(ctx, "hijack"); !errors.Is(err, access.ErrNotFound) {
		t.Errorf("an update renamed the account")
	}
}

func TestSessions(t *testing.T) {
	s, clk := newStore(t)
	ctx := context.Background()
	p := access.Principal{Name: "jansen", Roles: []access.Role{access.Radiologist}, Method: access.ByPassword}
	sess := access.NewSession(p, clk.Now())
	id, err := s.CreateSession(ctx, sess)
	if err != nil {
		t.Fatal(err)
	}
	if len(id) < 40 {
		t.Fatalf("session ID %q is short", id)
	}
	if n, _ := s.rdb.Exists(ctx, s.keys.session(id)).Result(); n != 0 {
		t.Error("the session is stored under its ID: a copy of the database could be used to sign in")
	}
	got, err := s.Session(ctx, id)
	if err != nil || got.Principal.Name != "jansen" || got.CSRF != sess.CSRF {
		t.Fatalf("Session = %+v, %v", got, err)
	}
	if _, err := s.Session(ctx, id+"x"); !errors.Is(err, access.ErrNotFound) {
		t.Errorf("an unknown ID: %v, want ErrNotFound", err)
	}

	// Activity within the idle time keeps it; touches are written at
	// most every 30 s.
	clk.Add(10 * time.Minute)
	if err := s.Touch(ctx, id, got); err != nil {
		t.Fatal(err)
	}
	clk.Add(10 * time.Minute) // 20 minutes after sign-in, 10 after the touch
	got, err = s.Session(ctx, id)
	if err != nil {
		t.Fatalf("a session active 10 minutes ago: %v", err)
	}
	if want := t0.Add(10 * time.Minute); !got.Active.Equal(want) {
		t.Errorf("Active = %v, want %v", got.Active, want)
	}
	// Idle for 15 minutes: locked, and gone.
	clk.Add(5 * time.Minute)
	if _, err := s.Session(ctx, id); !errors.Is(err, access.ErrIdle) {
		t.Fatalf("a session idle for 15 minutes: %v, want ErrIdle", err)
	}
	if _, err := s.Session(ctx, id); !errors.Is(err, access.ErrNotFound) {
		t.Errorf("an idle session asked again: %v, want ErrNotFound (deleted)", err)
	}
}

func TestSessionLifetime(t *testing.T) {
	s, clk := newStore(t)
	ctx := context.Background()
	sess := access.NewSession(access.Principal{Name: "jansen"}, clk.Now())
	id, _ := s.CreateSession(ctx, sess)
	for range 60 { // active every 14 minutes, for 14 hours
		clk.Add(14 * time.Minute)
		got, err := s.Session(ctx, id)
		if errors.Is(err, access.ErrExpired) {
			if elapsed := clk.Now().Sub(t0); elapsed < 12*time.Hour {
				t.Fatalf("expired after %v, want 12h", elapsed)
			}
			return
		}
		if err != nil {
			t.Fatalf("after %v: %v", clk.Now().Sub(t0), err)
		}
		if err := s.Touch(ctx, id, got); err != nil {
			t.Fatal(err)
		}
	}
	t.Fatal("an active session outlived its 12-hour lifetime")
}

// TestShortIdleLock: a session locked after 20 s without activity stays
// open for a user active every 8 s (activity was once written only every
// 30 s, so such a user was locked however active).
func TestShortIdleLock(t *testing.T) {
	rdb := redistest.Client(t)
	clk := &clock{t: t0}
	s := New(rdb, Options{Prefix: redistest.Prefix(t, rdb), Now: clk.Now,
		Sessions: access.SessionRules{Idle: 20 * time.Second, Lifetime: 12 * time.Hour}})
	ctx := context.Background()
	id, _ := s.CreateSession(ctx, access.NewSession(access.Principal{Name: "jansen"}, clk.Now()))
	for range 10 {
		clk.Add(8 * time.Second)
		got, err := s.Session(ctx, id)
		if err != nil {
			t.Fatalf("active every 8 s, after %v: %v", clk.Now().Sub(t0), err)
		}
		if err := s.Touch(ctx, id, got); err != nil {
			t.Fatal(err)
		}
	}
	clk.Add(21 * time.Second)
	if _, err := s.Session(ctx, id); !errors.Is(err, access.ErrIdle) {
		t.Errorf("after 21 s without activity: %v, want ErrIdle", err)
	}
}

func TestEndSessions(t *testing.T) {
	s, clk := newStore(t)
	ctx := context.Background()
	jansen := access.Principal{Name: "jansen"}
	var ids []string
	for range 3 {
		id, err := s.CreateSession(ctx, access.NewSession(jansen, clk.Now()))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	other, _ := s.CreateSession(ctx, access.NewSession(access.Principal{Name: "devries"}, clk.Now()))

	if err := s.EndSession(ctx, ids[0], "jansen"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, ids[0]); !errors.Is(err, access.ErrNotFound) {
		t.Errorf("a signed-out session: %v, want ErrNotFound", err)
	}
	n, err := s.EndSessionsOf(ctx, "jansen")
	if err != nil || n != 2 {
		t.Fatalf("EndSessionsOf = %d, %v; want 2", n, err)
	}
	for _, id := range ids[1:] {
		if _, err := s.Session(ctx, id); !errors.Is(err, access.ErrNotFound) {
			t.Errorf("after sign-out everywhere: %v, want ErrNotFound", err)
		}
	}
	if _, err := s.Session(ctx, other); err != nil {
		t.Errorf("another principal's session ended too: %v", err)
	}
	if n, err := s.EndSessionsOf(ctx, "nobody"); err != nil || n != 0 {
		t.Errorf("EndSessionsOf(nobody) = %d, %v", n, err)
	}
	// A touch after sign-out does not bring the session back.
	sess := access.NewSession(jansen, t0.Add(-time.Hour))
	if err := s.Touch(ctx, ids[1], sess); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, ids[1]); !errors.Is(err, access.ErrNotFound) {
		t.Errorf("touched after sign-out: %v, want ErrNotFound", err)
	}
}

func TestPasswordChangeEndsSessions(t *testing.T) {
	s, clk := newStore(t)
	ctx := context.Background()
	if err := s.AddAccount(ctx, access.Account{Name: "jansen", Roles: []access.Role{access.Radiologist}, Password: "old"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		change func(*access.Account)
		ends   bool
	}{
		{"display name", func(a *access.Account) { a.Display = "Dr. J." }, false},
		{"password", func(a *access.Account) { a.Password = "new" }, true},
		{"disabled", func(a *access.Account) { a.Disabled = true }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, _ := s.CreateSession(ctx, access.NewSession(access.Principal{Name: "jansen"}, clk.Now()))
			if _, err := s.UpdateAccount(ctx, "jansen", func(a *access.Account) error { tt.change(a); return nil }); err != nil {
				t.Fatal(err)
			}
			_, err := s.Session(ctx, id)
			if ended := errors.Is(err, access.ErrNotFound); ended != tt.ends {
				t.Errorf("session ended %v (%v), want %v", ended, err, tt.ends)
			}
		})
	}
}

func TestLoginState(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	if err := s.PutLoginState(ctx, "state-1", []byte(`{"nonce":"n"}`), time.Minute); err != nil {
		t.Fatal(err)
	}
	got, err := s.TakeLoginState(ctx, "state-1")
	if err != nil || string(got) != `{"nonce":"n"}` {
		t.Fatalf("TakeLoginState = %q, %v", got, err)
	}
	if _, err := s.TakeLoginState(ctx, "state-1"); !errors.Is(err, access.ErrNotFound) {
		t.Errorf("a state taken twice: %v, want ErrNotFound", err)
	}
	if _, err := s.TakeLoginState(ctx, "never"); !errors.Is(err, access.ErrNotFound) {
		t.Errorf("an unknown state: %v, want ErrNotFound", err)
	}
}
