package ingest

import (
	"context"
	"sync"
)

// budget bounds the bytes held in memory by all workers of a run: a
// worker about to read a file whole waits until the file fits.
type budget struct {
	mu   sync.Mutex
	free int64
	wake chan struct{} // closed and replaced whenever bytes are released
}

func newBudget(n int64) *budget {
	return &budget{free: n, wake: make(chan struct{})}
}

// acquire waits until n bytes are free and takes them. n must not exceed
// the budget's size.
func (b *budget) acquire(ctx context.Context, n int64) error {
	for {
		b.mu.Lock()
		if b.free >= n {
			b.free -= n
			b.mu.Unlock()
			return nil
		}
		wake := b.wake
		b.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (b *budget) release(n int64) {
	b.mu.Lock()
	b.free += n
	close(b.wake)
	b.wake = make(chan struct{})
	b.mu.Unlock()
}
