package testkit

import (
	"strings"
	"sync"
	"testing"
	"time"
)

func TestClock(t *testing.T) {
	t0 := time.Date(2026, 8, 17, 8, 0, 0, 0, time.UTC)
	c := NewClock(t0)
	c.Advance(90 * time.Minute)
	if got, want := c.Now(), t0.Add(90*time.Minute); !got.Equal(want) {
		t.Errorf("Now = %v, want %v", got, want)
	}
}

func TestBuffer(t *testing.T) {
	var b Buffer
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { b.Write([]byte("ab\n")) })
	}
	wg.Wait()
	if got, want := b.String(), strings.Repeat("ab\n", 8); got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
}

type deadliner struct {
	d  time.Time
	ok bool
}

func (d deadliner) Deadline() (time.Time, bool) { return d.d, d.ok }

// TestPatience: the wait ends a tenth (at most 30 s) before the test
// binary's deadline, and never without one.
func TestPatience(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name   string
		t      deadliner
		want   time.Time
		wantOK bool
	}{
		{"ten minutes left", deadliner{now.Add(10 * time.Minute), true}, now.Add(10*time.Minute - 30*time.Second), true},
		{"a minute left", deadliner{now.Add(time.Minute), true}, now.Add(54 * time.Second), true},
		{"no deadline", deadliner{}, time.Time{}, false},
	}
	for _, tt := range tests {
		ctx, stop := Patience(tt.t)
		got, ok := ctx.Deadline()
		stop()
		if ok != tt.wantOK || ok && (got.Sub(tt.want) > time.Second || tt.want.Sub(got) > time.Second) {
			t.Errorf("%s: deadline %v, %v; want about %v, %v", tt.name, got, ok, tt.want, tt.wantOK)
		}
	}
}
