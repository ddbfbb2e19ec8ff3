package main

import (
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
