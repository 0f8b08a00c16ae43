package defaults

import (
	"testing"
	"time"
)

func TestPositive(t *testing.T) {
	tests := []struct {
		in, def, want time.Duration
	}{
		{0, time.Minute, time.Minute},
		{-time.Second, time.Minute, time.Minute},
		{time.Second, time.Minute, time.Second},
	}
	for _, tt := range tests {
		got := tt.in
		Positive(&got, tt.def)
		if got != tt.want {
			t.Errorf("Positive(%v, %v) = %v, want %v", tt.in, tt.def, got, tt.want)
		}
	}
}

func TestClock(t *testing.T) {
	at := time.Date(2026, 8, 17, 8, 0, 0, 0, time.UTC)
	if got := Clock(func() time.Time { return at })(); !got.Equal(at) {
		t.Errorf("Clock(fixed)() = %v, want %v", got, at)
	}
	before := time.Now()
	if got := Clock(nil)(); got.Before(before) {
		t.Errorf("Clock(nil)() = %v, before %v: want the wall clock", got, before)
	}
}
