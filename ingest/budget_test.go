package ingest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestBudget holds many workers to the budget: the bytes taken at once
// never exceed it, and every worker gets its turn.
func TestBudget(t *testing.T) {
	const size = 100
	b := newBudget(size)
	var held, peak atomic.Int64
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			n := int64(10 + i*4) // 10..86: several fit at once, not all
			if err := b.acquire(context.Background(), n); err != nil {
				t.Error(err)
				return
			}
			now := held.Add(n)
			for p := peak.Load(); now > p && !peak.CompareAndSwap(p, now); p = peak.Load() {
			}
			time.Sleep(time.Millisecond)
			held.Add(-n)
			b.release(n)
		})
	}
	wg.Wait()
	if got := peak.Load(); got > size || got < 86 {
		t.Errorf("peak held = %d, want between 86 and %d", got, size)
	}
	if b.free != size {
		t.Errorf("free after all released = %d, want %d", b.free, size)
	}

	ctx, cancel := context.WithCancel(context.Background())
	if err := b.acquire(ctx, size); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := b.acquire(ctx, 1); err == nil {
		t.Errorf("acquire on a full budget with a cancelled context succeeded")
	}
}
