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
