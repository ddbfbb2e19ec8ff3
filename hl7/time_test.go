package hl7

import (
	"errors"
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	ams, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		ams = time.FixedZone("CET", 3600)
	}
	tests := []struct {
		in        string
		want      time.Time
		precision Precision
		zone      bool
	}{
		{"2026", time.Date(2026, 1, 1, 0, 0, 0, 0, ams), PrecisionYear, false},
		{"202611", time.Date(2026, 11, 1, 0, 0, 0, 0, ams), PrecisionMonth, false},
		{"20261123", time.Date(2026, 11, 23, 0, 0, 0, 0, ams), PrecisionDay, false},
		{"2026112309", time.Date(2026, 11, 23, 9, 0, 0, 0, ams), PrecisionHour, false},
		{"202611230915", time.Date(2026, 11, 23, 9, 15, 0, 0, ams), PrecisionMinute, false},
		{"20261123091530", time.Date(2026, 11, 23, 9, 15, 30, 0, ams), PrecisionSecond, false},
		{"20261123091530.1234", time.Date(2026, 11, 23, 9, 15, 30, 123400000, ams), PrecisionFraction, false},
		{"20261123091530+0100", time.Date(2026, 11, 23, 8, 15, 30, 0, time.UTC), PrecisionSecond, true},
		{"202611230915-0500", time.Date(2026, 11, 23, 14, 15, 0, 0, time.UTC), PrecisionMinute, true},
		{"20261123091530.5+0000", time.Date(2026, 11, 23, 9, 15, 30, 500000000, time.UTC), PrecisionFraction, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTime(tt.in, ams)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(tt.want) || got.Precision != tt.precision || got.HasZone != tt.zone {
				t.Errorf("got %v precision %d zone %v; want %v precision %d zone %v",
					got.Time, got.Precision, got.HasZone, tt.want, tt.precision, tt.zone)
			}
		})
	}
	for _, in := range []string{"", "26", "2026-11-23", "2026112", "20261323", "20260230", "20261123256000",
		"20261123091530+01", "20261123091530+1500", "20261123.5", "1994050216163360", "20261123091530.", "2026x"} {
		if _, err := ParseTime(in, ams); !errors.Is(err, ErrValue) {
			t.Errorf("ParseTime(%q) error = %v, want ErrValue", in, err)
		}
	}
}

func TestValueTime(t *testing.T) {
	m := mustParse(t, orm)
	got, err := m.SegmentAt(0).Field(7).Time(time.UTC)
	if err != nil || got.Format(time.RFC3339) != "2026-11-23T09:15:00+01:00" {
		t.Errorf("MSH-7 = %v, %v", got.Time, err)
	}
	if zero, err := (Value{}).Time(nil); err != nil || !zero.IsZero() {
		t.Errorf("empty value: %v, %v", zero, err)
	}
	if s := FormatTime(time.Date(2026, 11, 23, 9, 15, 0, 0, time.FixedZone("", 3600))); s != "20261123091500+0100" {
		t.Errorf("FormatTime = %q", s)
	}
}
