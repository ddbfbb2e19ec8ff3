package triage

import (
	"encoding/json"
	"testing"
)

func TestBandText(t *testing.T) {
	tests := []struct {
		band Band
		text string
	}{
		{Critical, "critical"},
		{Urgent, "urgent"},
		{Routine, "routine"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			if got := tt.band.String(); got != tt.text {
				t.Errorf("String() = %q, want %q", got, tt.text)
			}
			data, err := json.Marshal(tt.band)
			if err != nil || string(data) != `"`+tt.text+`"` {
				t.Errorf("json.Marshal = %s, %v; want %q", data, err, tt.text)
			}
			var b Band
			if err := json.Unmarshal(data, &b); err != nil || b != tt.band {
				t.Errorf("json.Unmarshal(%s) = %v, %v; want %v", data, b, err, tt.band)
			}
		})
	}
}

func TestBandOrder(t *testing.T) {
	if !(Critical < Urgent && Urgent < Routine) {
		t.Errorf("bands out of order: critical %d, urgent %d, routine %d", Critical, Urgent, Routine)
	}
}

func TestParseBand(t *testing.T) {
	tests := []struct {
		in      string
		want    Band
		wantErr string
	}{
		{in: "critical", want: Critical},
		{in: "Urgent", want: Urgent},
		{in: "ROUTINE", want: Routine},
		{in: "", wantErr: `unknown band "" (want critical, urgent or routine)`},
		{in: "stat", wantErr: `unknown band "stat" (want critical, urgent or routine)`},
	}
	for _, tt := range tests {
		got, err := ParseBand(tt.in)
		switch {
		case tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr):
			t.Errorf("ParseBand(%q) error = %v, want %q", tt.in, err, tt.wantErr)
		case tt.wantErr == "" && (err != nil || got != tt.want):
			t.Errorf("ParseBand(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestBandInvalid(t *testing.T) {
	for _, b := range []Band{0, 4, 255} {
		if _, err := b.MarshalText(); err == nil {
			t.Errorf("Band(%d).MarshalText() succeeded, want an error", b)
		}
		if got, want := b.String(), "Band("; len(got) < len(want) || got[:len(want)] != want {
			t.Errorf("Band(%d).String() = %q, want Band(n)", b, got)
		}
	}
}
