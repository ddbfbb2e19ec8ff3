package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/voorrang/voorrang/access"
	accessredis "github.com/voorrang/voorrang/access/redisstore"
	"github.com/voorrang/voorrang/audit"
	auditredis "github.com/voorrang/voorrang/audit/redisstore"
	"github.com/voorrang/voorrang/embedredis"
)

const userUsage = `Usage:
  voorrang user add NAME --role ROLE[,ROLE] [--display "Dr. A. Jansen"] [--sections neuro,msk] [--generate-password]
  voorrang user passwd NAME [--generate-password]
  voorrang user disable NAME       (ends the account's sessions)
  voorrang user enable NAME
  voorrang user signout NAME       (ends every session of NAME, also one signed in by OIDC)
  voorrang user list
The password is read from the terminal (twice, not echoed) or as the first
line of standard input; --generate-password makes one and prints it.
Roles: radiologist, resident, manager, admin, integration.
Flags --redis, --data-dir and --key-prefix name the store, as for serve.
Every change is written to the audit trail, as cli:USER.
`

// runUser manages local accounts in the store the service uses.
func runUser(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprint(stderr, userUsage)
		return errUsage
	}
	verb, args := args[0], args[1:]
	fs := newFlagSet("voorrang user "+verb, stderr)
	fs.Usage = func() { fmt.Fprint(stderr, userUsage); fs.PrintDefaults() }
	redisURL := fs.String("redis", "", "Redis URL; empty: the embedded store in --data-dir")
	dataDir := fs.String("data-dir", "var", "folder of the embedded store")
	roles := fs.String("role", "", "roles, comma-separated (add)")
	display := fs.String("display", "", "the name colleagues see (add)")
	sections := fs.String("sections", "", "a resident's sections, comma-separated; empty: all (add)")
	generate := fs.Bool("generate-password", false, "make a password and print it (add, passwd)")
	prefix := fs.String("key-prefix", "", "the service's --key-prefix")
	name, rest := "", args
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		name, rest = rest[0], rest[1:]
	}
	if err := parseFlags(fs, rest, func(k string) string {
		switch k {
		case "VOORRANG_REDIS", "VOORRANG_DATA_DIR", "VOORRANG_KEY_PREFIX":
			return redisEnv(getenv)(k)
		}
		return "" // the other flags are the command's own, never the service's environment
	}); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("user %s: unexpected argument %q", verb, fs.Arg(0))
	}
	if verb != "list" && name == "" {
		fs.Usage()
		return errUsage
	}
	if *redisURL == "" {
		if _, err := exec.LookPath("redis-server"); err != nil {
			return errors.New("user: the embedded store needs redis-server (the in-memory store keeps no accounts); install it or pass --redis")
		}
	}
	quiet := slog.New(slog.DiscardHandler)
	rdb, closeStore, err := openRedis(ctx, *redisURL, embedredis.Options{Dir: filepath.Join(*dataDir, "redis"), Logger: quiet}, quiet)
	if err != nil {
		return fmt.Errorf("%w (is the service running on this data folder? then pass --redis unix://%s/redis/redis.sock)", err, *dataDir)
	}
	defer closeStore()
	store := accessredis.New(rdb, accessredis.Options{Prefix: *prefix})
	u := userCmd{store: store, stdin: stdin, stdout: stdout, stderr: stderr, generate: *generate,
		audit: auditredis.New(rdb, auditredis.Options{Prefix: *prefix})}
	switch verb {
	case "add":
		return u.add(ctx, name, *roles, *display, *sections)
	case "passwd":
		return u.passwd(ctx, name)
	case "disable", "enable":
		return u.setDisabled(ctx, name, verb == "disable")
	case "signout":
		n, err := store.EndSessionsOf(ctx, name)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: %d sessions ended\n", name, n)
		return u.record(ctx, audit.SignOutAll, name, fmt.Sprintf("%d sessions", n))
	case "list":
		return u.list(ctx)
	}
	fmt.Fprint(stderr, userUsage)
	return errUsage
}

type userCmd struct {
	store          *accessredis.Store
	stdin          io.Reader
	stdout, stderr io.Writer
	generate       bool
	params         access.PasswordParams // zero: the defaults
	now            func() time.Time      // nil: time.Now
	audit          audit.Recorder        // nil: no trail
}

// record appends a change to the audit trail, as the user running the
// command.
func (u *userCmd) record(ctx context.Context, action, target, detail string) error {
	if u.audit == nil {
		return nil
	}
	return u.audit.Record(ctx, audit.Entry{At: u.clock(), Actor: cliActor(), Method: "cli", Action: action,
		Outcome: audit.OK, Target: target, Detail: detail})
}

func (u *userCmd) clock() time.Time {
	if u.now != nil {
		return u.now()
	}
	return time.Now()
}

func (u *userCmd) add(ctx context.Context, name, roleList, display, sectionList string) error {
	if err := access.CheckName(name); err != nil {
		return err
	}
	roles, err := access.ParseRoles(roleList)
	if err != nil {
		return fmt.Errorf("--role: %w", err)
	}
	hash, err := u.newPassword(name)
	if err != nil {
		return err
	}
	now := u.clock()
	a := access.Account{Name: name, Display: display, Roles: roles, Sections: splitList(sectionList),
		Password: hash, Created: now, Changed: now}
	if err := u.store.AddAccount(ctx, a); err != nil {
		return err
	}
	fmt.Fprintf(u.stdout, "%s added: %s\n", name, joinRoles(roles))
	return u.record(ctx, audit.UserAdd, name, "roles "+joinRoles(roles))
}

func (u *userCmd) passwd(ctx context.Context, name string) error {
	if _, err := u.store.Account(ctx, name); err != nil {
		return err
	}
	hash, err := u.newPassword(name)
	if err != nil {
		return err
	}
	if _, err := u.store.UpdateAccount(ctx, name, func(a *access.Account) error { a.Password = hash; return nil }); err != nil {
		return err
	}
	fmt.Fprintf(u.stdout, "%s: password changed; the account's sessions ended\n", name)
	return u.record(ctx, audit.UserChange, name, "password changed")
}

func (u *userCmd) setDisabled(ctx context.Context, name string, disabled bool) error {
	if _, err := u.store.UpdateAccount(ctx, name, func(a *access.Account) error { a.Disabled = disabled; return nil }); err != nil {
		return err
	}
	what := "enabled"
	if disabled {
		what = "disabled; its sessions ended"
	}
	fmt.Fprintf(u.stdout, "%s %s\n", name, what)
	return u.record(ctx, audit.UserChange, name, what)
}

func (u *userCmd) list(ctx context.Context) error {
	accts, err := u.store.Accounts(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(u.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tROLES\tSECTIONS\tSTATE\tDISPLAY\tCHANGED")
	for _, a := range accts {
		state := "active"
		if a.Disabled {
			state = "disabled"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", a.Name, joinRoles(a.Roles), orDash(strings.Join(a.Sections, ",")),
			state, orDash(a.Display), a.Changed.Format(time.DateTime))
	}
	return w.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func joinRoles(roles []access.Role) string {
	s := make([]string, len(roles))
	for i, r := range roles {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

// newPassword reads (or makes) a password and returns its hash.
func (u *userCmd) newPassword(name string) (string, error) {
	var pw string
	if u.generate {
		pw = readablePassword()
		fmt.Fprintf(u.stdout, "password of %s: %s\n", name, pw)
	} else {
		var err error
		if pw, err = u.readPassword(name); err != nil {
			return "", err
		}
	}
	if err := access.CheckNewPassword(pw); err != nil {
		return "", err
	}
	params := u.params
	if params == (access.PasswordParams{}) {
		params = access.DefaultPasswordParams()
	}
	return access.HashPassword(pw, params)
}

// readPassword asks twice on a terminal, without echo, or reads the first
// line of standard input.
func (u *userCmd) readPassword(name string) (string, error) {
	if f, ok := u.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintf(u.stderr, "New password for %s: ", name)
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(u.stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(u.stderr, "Again: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(u.stderr)
		if err != nil {
			return "", err
		}
		if string(a) != string(b) {
			return "", errors.New("the passwords differ")
		}
		return string(a), nil
	}
	line, err := bufio.NewReader(u.stdin).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", errors.New("no password on standard input (or use --generate-password)")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// runToken makes an integration token: voorrang token new NAME ROLE.
func runToken(args []string, stdout, stderr io.Writer) error {
	if len(args) != 3 || args[0] != "new" {
		fmt.Fprintln(stderr, "Usage: voorrang token new NAME ROLE   (prints NAME:ROLE:SECRET for VOORRANG_API_TOKENS, and its hashed form)")
		return errUsage
	}
	name, roleName := args[1], args[2]
	if err := access.CheckName(name); err != nil {
		return err
	}
	role, err := access.ParseRole(roleName)
	if err != nil {
		return err
	}
	secret := access.NewSecret()
	fmt.Fprintf(stdout, "%s:%s:%s\n", name, role, secret)
	fmt.Fprintf(stderr, "Give the secret (after the second colon) to the client, to send as \"Authorization: Bearer SECRET\".\n"+
		"The service may be configured with the line above, or, to keep no secret in its configuration, with\n  %s:%s:sha256:%s\n",
		name, role, access.SecretSum(secret))
	return nil
}

// readablePassword makes a password of 20 letters and digits (about 119
// bits): no characters a reader could mistake for punctuation.
func readablePassword() string {
	pw := strings.Map(func(r rune) rune {
		if r == '-' || r == '_' {
			return -1
		}
		return r
	}, access.NewSecret()+access.NewSecret())
	return pw[:20]
}
