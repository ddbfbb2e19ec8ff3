package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

func TestDaysFlag(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"400d", 400 * 24 * time.Hour, false},
		{"14d", 14 * 24 * time.Hour, false},
		{"36h", 36 * time.Hour, false},
		{"0d", 0, true},
		{"-3d", 0, true},
		{"d", 0, true},
		{"1.5d", 0, true},
		{"-1h", 0, true},
		{"soon", 0, true},
	}
	for _, tt := range tests {
		var d time.Duration
		err := days{&d}.Set(tt.in)
		if (err != nil) != tt.wantErr || d != tt.want {
			t.Errorf("Set(%q) = %v, %v; want %v, error %v", tt.in, d, err, tt.want, tt.wantErr)
		}
	}
	d := 400 * 24 * time.Hour
	if s := (days{&d}).String(); s != "400d" {
		t.Errorf("String() = %q, want 400d", s)
	}
}

func TestLoadCalendar(t *testing.T) {
	tests := []struct {
		zone, sites, hours string
		wantErr            string
	}{
		{"Europe/Amsterdam", "", "08-17", ""},
		{"", "", "", ""}, // the defaults
		{"Europe/Amsterdam", "CURACAO=America/Curacao, ARUBA=America/Aruba", "7-16", ""},
		{"Mars/Olympus", "", "08-17", "--time-zone"},
		{"Europe/Amsterdam", "CURACAO", "08-17", "--site-time-zones"},
		{"Europe/Amsterdam", "X=Nowhere/Else", "08-17", "--site-time-zones"},
		{"Europe/Amsterdam", "", "17-08", "--working-hours"},
		{"Europe/Amsterdam", "", "nine to five", "--working-hours"},
	}
	for _, tt := range tests {
		c, err := loadCalendar(tt.zone, tt.sites, tt.hours)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("%v: %v", tt, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%v: error %v, want one about %s", tt, err, tt.wantErr)
		}
		if err == nil && tt.sites != "" && c.Zone("CURACAO").String() != "America/Curacao" {
			t.Errorf("CURACAO is in %v", c.Zone("CURACAO"))
		}
	}
	c, _ := loadCalendar("Europe/Amsterdam", "", "07-16")
	if c.Working("ZHWEST", time.Date(2026, 11, 23, 6, 30, 0, 0, time.UTC)) != true {
		t.Error("07:30 on a Monday is not working time from 07")
	}
}

// TestRedisEnv checks that --redis follows the rule of every flag
// (VOORRANG_REDIS), that VOORRANG_REDIS_URL still works, and that the
// command line wins.
func TestRedisEnv(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"by the rule", map[string]string{"VOORRANG_REDIS": "redis://a:6379/0"}, nil, "redis://a:6379/0"},
		{"the older name", map[string]string{"VOORRANG_REDIS_URL": "redis://b:6379/0"}, nil, "redis://b:6379/0"},
		{"the rule wins", map[string]string{"VOORRANG_REDIS": "redis://a:6379/0", "VOORRANG_REDIS_URL": "redis://b:6379/0"}, nil, "redis://a:6379/0"},
		{"the command line wins", map[string]string{"VOORRANG_REDIS": "redis://a:6379/0"}, []string{"--redis", "redis://c:6379/0"}, "redis://c:6379/0"},
		{"none", nil, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cfg serveConfig
			fs := newFlagSet("voorrang serve", io.Discard)
			cfg.register(fs)
			if err := parseFlags(fs, tt.args, redisEnv(func(k string) string { return tt.env[k] })); err != nil {
				t.Fatal(err)
			}
			if cfg.redisURL != tt.want {
				t.Errorf("--redis %q, want %q", cfg.redisURL, tt.want)
			}
		})
	}
}

// TestServeHelp checks that -h names each flag with its argument type and
// whole text: a back-quoted word in a flag's usage would become its
// argument's name (flag.UnquoteUsage) and garble the line.
func TestServeHelp(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"serve", "-h"}, noEnv, io.Discard, &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("serve -h: %v, want flag.ErrHelp", err)
	}
	for _, want := range []string{
		"  -rules string\n    \ttriage rules file (YAML; \"voorrang rules\" prints the defaults); reloaded on SIGHUP, and published to every instance on the same Redis\n",
		"  -sections string\n",
		"  -claim-ttl duration\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("serve -h lacks %q", want)
		}
	}
	var cfg serveConfig
	fs := newFlagSet("voorrang serve", io.Discard)
	cfg.register(fs)
	fs.VisitAll(func(f *flag.Flag) {
		if strings.Contains(f.Usage, "`") {
			t.Errorf("--%s: a back quote in its usage garbles -h", f.Name)
		}
	})
}
