package servicebench

import (
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ms := func(n ...int) []time.Duration {
		var d []time.Duration
		for _, v := range n {
			d = append(d, time.Duration(v)*time.Millisecond)
		}
		return d
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   float64
	}{
		{"empty", nil, 50, 0},
		{"one", ms(3), 99, 3000},
		{"median of four", ms(1, 2, 3, 4), 50, 2000},
		{"p99 of hundred", ms(seq(100)...), 99, 99000},
		{"max", ms(1, 2, 9), 100, 9000},
	}
	for _, tt := range tests {
		if got := percentile(tt.sorted, tt.p); got != tt.want {
			t.Errorf("%s: percentile(%v) = %v µs, want %v", tt.name, tt.p, got, tt.want)
		}
	}
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i + 1
	}
	return s
}
