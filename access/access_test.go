package access

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// cheap keeps the tests fast; the costs are carried in each hash.
var cheap = PasswordParams{Memory: 1024, Time: 1, Threads: 1}

func TestParseRoles(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{"radiologist", "radiologist", false},
		{"Admin, radiologist,admin", "admin,radiologist", false},
		{"integration", "integration", false},
		{"", "", true},
		{"root", "", true},
		{"radiologist,,nurse", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseRoles(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseRoles(%q) error %v, want error %v", tt.in, err, tt.wantErr)
			}
			var names []string
			for _, r := range got {
				names = append(names, string(r))
			}
			if s := strings.Join(names, ","); s != tt.want {
				t.Errorf("ParseRoles(%q) = %s, want %s", tt.in, s, tt.want)
			}
		})
	}
}

func TestPolicyAllows(t *testing.T) {
	as := func(roles ...Role) *Principal { return &Principal{Name: "x", Roles: roles} }
	principals := map[string]*Principal{
		"nobody":      nil,
		"radiologist": as(Radiologist),
		"resident":    as(Resident),
		"manager":     as(Manager),
		"admin":       as(Admin),
		"integration": as(Integration),
		"admin+radio": as(Admin, Radiologist),
	}
	want := map[Policy]string{
		Public:          "nobody radiologist resident manager admin integration admin+radio",
		SignedIn:        "radiologist resident manager admin integration admin+radio",
		Reader:          "radiologist resident admin+radio",
		ManagerOnly:     "manager admin admin+radio",
		AdminOnly:       "admin admin+radio",
		IntegrationOnly: "integration",
	}
	for _, p := range AllPolicies() {
		for name, pr := range principals {
			allowed := strings.Contains(" "+want[p]+" ", " "+name+" ")
			if got := p.Allows(pr); got != allowed {
				t.Errorf("%s.Allows(%s) = %v, want %v", p, name, got, allowed)
			}
		}
	}
}

func TestSectionLimit(t *testing.T) {
	tests := []struct {
		name string
		p    *Principal
		want string
	}{
		{"resident with sections", &Principal{Roles: []Role{Resident}, Sections: []string{"neuro", "msk"}}, "neuro,msk"},
		{"resident without sections sees all", &Principal{Roles: []Role{Resident}}, ""},
		{"radiologist ignores sections", &Principal{Roles: []Role{Radiologist}, Sections: []string{"neuro"}}, ""},
		{"resident and radiologist sees all", &Principal{Roles: []Role{Radiologist, Resident}, Sections: []string{"neuro"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.Join(tt.p.SectionLimit(), ","); got != tt.want {
				t.Errorf("SectionLimit = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("correct horse battery", cheap)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Errorf("hash %q is not a PHC Argon2id string with its costs", h)
	}
	if strings.Contains(h, "horse") {
		t.Errorf("hash %q holds the password", h)
	}
	h2, _ := HashPassword("correct horse battery", cheap)
	if h == h2 {
		t.Error("two hashes of one password are equal: no salt")
	}
	for _, tt := range []struct {
		pw   string
		want bool
	}{{"correct horse battery", true}, {"correct horse batterY", false}, {"", false}} {
		if got, err := CheckPassword(h, tt.pw); err != nil || got != tt.want {
			t.Errorf("CheckPassword(%q) = %v, %v; want %v", tt.pw, got, err, tt.want)
		}
	}
}

func TestCheckPasswordRefusesBadHashes(t *testing.T) {
	for _, h := range []string{
		"",
		"plain text",
		"$argon2i$v=19$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=16$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA", // would take 95 GiB
		"$argon2id$v=19$m=1024,t=1,p=1$!!$aGFzaGhhc2hoYXNoaGFzaA",
	} {
		if ok, err := CheckPassword(h, "x"); ok || !errors.Is(err, ErrInvalid) {
			t.Errorf("CheckPassword(%q) = %v, %v; want false, ErrInvalid", h, ok, err)
		}
	}
}

func TestCheckNewPassword(t *testing.T) {
	if err := CheckNewPassword("short"); !errors.Is(err, ErrInvalid) {
		t.Errorf("a 5-character password: %v, want ErrInvalid", err)
	}
	if err := CheckNewPassword(strings.Repeat("x", 257)); !errors.Is(err, ErrInvalid) {
		t.Errorf("a 257-character password: %v, want ErrInvalid", err)
	}
	if err := CheckNewPassword("twelve chars"); err != nil {
		t.Errorf("a 12-character password: %v", err)
	}
}

func TestCheckName(t *testing.T) {
	for name, ok := range map[string]bool{
		"jansen": true, "j.de-vries": true, "ai-platform_2": true, "a@zh.nl": true,
		"": false, "Jansen": false, "jan sen": false, ".jansen": false, "jansen:x": false,
		strings.Repeat("a", 65): false,
	} {
		if err := CheckName(name); (err == nil) != ok {
			t.Errorf("CheckName(%q) = %v, want ok %v", name, err, ok)
		}
	}
}

func TestPasswordVerifier(t *testing.T) {
	v, err := NewPasswordVerifier(cheap, 2)
	if err != nil {
		t.Fatal(err)
	}
	hash, _ := HashPassword("the right password", cheap)
	acct := &Account{Name: "jansen", Display: "Dr. Jansen", Roles: []Role{Radiologist}, Password: hash}
	disabled := *acct
	disabled.Disabled = true
	tests := []struct {
		name string
		a    *Account
		pw   string
		ok   bool
	}{
		{"right password", acct, "the right password", true},
		{"wrong password", acct, "the wrong password", false},
		{"no such account", nil, "the right password", false},
		{"disabled account", &disabled, "the right password", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := v.Verify(context.Background(), tt.a, tt.pw)
			if !tt.ok {
				if !errors.Is(err, ErrDenied) || p != nil {
					t.Errorf("Verify = %v, %v; want nil, ErrDenied", p, err)
				}
				return
			}
			if err != nil || p.Name != "jansen" || !p.Has(Radiologist) || p.Method != ByPassword {
				t.Errorf("Verify = %+v, %v; want jansen, radiologist, by password", p, err)
			}
		})
	}
}

func TestPasswordVerifierWaitsForASlot(t *testing.T) {
	v, _ := NewPasswordVerifier(cheap, 1)
	v.slots <- struct{}{} // every slot taken
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := v.Verify(ctx, nil, "x"); !errors.Is(err, context.Canceled) {
		t.Errorf("Verify with no free slot and a cancelled context: %v, want context.Canceled", err)
	}
}

func TestTokens(t *testing.T) {
	secret := "s3cr3t-of-the-ai-platform-0123456789"
	spec := "# AI platforms\n" +
		"aidoc:integration:" + secret + ", script:manager+admin:sha256:" + SecretSum("another secret of 32+ characters!!") + "\n\n"
	tk, err := ParseTokens(strings.NewReader(spec))
	if err != nil {
		t.Fatal(err)
	}
	if tk.Len() != 2 {
		t.Fatalf("%d tokens, want 2", tk.Len())
	}
	tests := []struct {
		secret string
		name   string
		role   Role
	}{
		{secret, "aidoc", Integration},
		{"another secret of 32+ characters!!", "script", Manager}, // and admin
		{secret + "x", "", ""},
		{"", "", ""},
		{SecretSum(secret), "", ""}, // the hash is not the secret
	}
	for _, tt := range tests {
		p, err := tk.Authenticate(tt.secret)
		if tt.name == "" {
			if !errors.Is(err, ErrDenied) {
				t.Errorf("Authenticate(%q) = %v, %v; want ErrDenied", tt.secret, p, err)
			}
			continue
		}
		if err != nil || p.Name != tt.name || !p.Has(tt.role) || p.Has(Radiologist) || p.Method != ByToken {
			t.Errorf("Authenticate(%q) = %+v, %v; want %s with role %s", tt.secret, p, err, tt.name, tt.role)
		}
	}
}

func TestParseTokensRefuses(t *testing.T) {
	long := strings.Repeat("k", 32)
	tests := map[string]string{
		"no secret":        "aidoc:integration",
		"short secret":     "aidoc:integration:tooshort",
		"unknown role":     "aidoc:root:" + long,
		"unknown 2nd role": "aidoc:integration+root:" + long,
		"bad name":         "AI Doc:integration:" + long,
		"same name twice":  "a:integration:" + long + ",a:manager:" + long + "x",
		"same secret":      "a:integration:" + long + ",b:manager:" + long,
		"bad sha256":       "a:integration:sha256:abc",
		"sha256 not hex 1": "a:integration:sha256:" + strings.Repeat("z", 64),
	}
	for name, spec := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := ParseTokens(strings.NewReader(spec))
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("ParseTokens(%q) = %v, want ErrInvalid", spec, err)
			}
			if strings.Contains(err.Error(), long) {
				t.Errorf("the error quotes the secret: %v", err)
			}
		})
	}
}

func TestSessionRules(t *testing.T) {
	r := SessionRules{Idle: 15 * time.Minute, Lifetime: 12 * time.Hour}
	t0 := time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC)
	s := NewSession(Principal{Name: "jansen"}, t0)
	if s.CSRF == "" || len(s.CSRF) < 40 {
		t.Errorf("CSRF token %q, want 32 random bytes", s.CSRF)
	}
	tests := []struct {
		name   string
		active time.Time
		now    time.Time
		want   error
	}{
		{"just signed in", t0, t0, nil},
		{"active a minute ago", t0.Add(time.Hour), t0.Add(time.Hour + time.Minute), nil},
		{"idle 14m59s", t0, t0.Add(15*time.Minute - time.Second), nil},
		{"idle 15m", t0, t0.Add(15 * time.Minute), ErrIdle},
		{"active, lifetime ended", t0.Add(12*time.Hour - time.Minute), t0.Add(12 * time.Hour), ErrExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.Active = tt.active
			if err := r.Check(s, tt.now); err != tt.want {
				t.Errorf("Check = %v, want %v", err, tt.want)
			}
		})
	}
	s.Active = t0.Add(11*time.Hour + 50*time.Minute)
	if got, want := r.Ends(s), t0.Add(12*time.Hour); !got.Equal(want) {
		t.Errorf("Ends near the end of the lifetime = %v, want %v", got, want)
	}
	s.Active = t0
	if got, want := r.Ends(s), t0.Add(15*time.Minute); !got.Equal(want) {
		t.Errorf("Ends of an idle session = %v, want %v", got, want)
	}
}
