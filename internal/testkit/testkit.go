// Package testkit holds the small helpers many packages' tests share: a
// settable clock, a buffer safe for concurrent writers, and how long to
// wait for an event. It imports nothing of mediabank, so any package's
// tests may use it.
package testkit

import (
	"bytes"
	"context"
	"sync"
	"time"
)

// Clock is a settable time; goroutines of race tests may share it.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock is a clock standing at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Patience is how long a test may wait for something to happen: until
// shortly before the test binary's own deadline (go test -timeout), so a
// test waiting for an event that never comes fails saying which one,
// instead of being killed, and no fixed wait decides how slow a machine
// may be. Without a deadline (-timeout 0) it waits for ever. Its context
// is not the test's: a cleanup may still wait with it.
func Patience(t interface{ Deadline() (time.Time, bool) }) (context.Context, context.CancelFunc) {
	d, ok := t.Deadline()
	if !ok {
		return context.WithCancel(context.Background())
	}
	// Leave the binary time to report the failure and run the cleanups.
	margin := min(time.Until(d)/10, 30*time.Second)
	return context.WithDeadline(context.Background(), d.Add(-margin))
}

// Buffer collects output written from other goroutines (a server's log,
// a child process) for the test to read.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
