package renditions

import (
	"context"
	"fmt"
	"sync"

	"golang.org/x/sync/semaphore"

	"mediabank/internal/derrors"
)

// ErrTooLarge marks a picture whose decode would need more memory than a
// whole decode budget: it is refused before anything is allocated.
var ErrTooLarge = derrors.New(derrors.Unusable, "too large to decode")

// Budget bounds the memory held by decoded pictures across every user of
// it: the ingest's rendition workers and the server's requests share one.
// Each decode first takes the bytes it will need and a slot, so large
// decodes wait for each other (the semaphore is first come, first served:
// a large request is not overtaken by small ones) and at most Slots run at
// once.
type Budget struct {
	size  int64
	bytes *semaphore.Weighted
	slots *semaphore.Weighted

	mu    sync.Mutex
	usage Usage
}

// NewBudget returns a budget of size bytes for at most slots decodes at
// once (at least one of each).
func NewBudget(size int64, slots int) *Budget {
	size, slots = max(size, 1), max(slots, 1)
	return &Budget{size: size, bytes: semaphore.NewWeighted(size), slots: semaphore.NewWeighted(int64(slots))}
}

// Size is the budget's size in bytes: also the most one decode may cost.
func (b *Budget) Size() int64 { return b.size }

// Acquire waits until n bytes and a slot are free and takes them, or
// returns ctx's error when ctx ends first. A cost over the whole budget is
// refused at once with ErrTooLarge. release gives both back.
func (b *Budget) Acquire(ctx context.Context, n int64) (release func(), err error) {
	if n > b.size {
		b.count(func(u *Usage) { u.Refused++ })
		return nil, fmt.Errorf("needs %s to decode, over the decode budget of %s: %w", mib(n), mib(b.size), ErrTooLarge)
	}
	n = max(n, 0)
	b.count(func(u *Usage) { u.Waiting++ })
	defer b.count(func(u *Usage) { u.Waiting-- })
	if err := b.slots.Acquire(ctx, 1); err != nil {
		return nil, err
	}
	if err := b.bytes.Acquire(ctx, n); err != nil {
		b.slots.Release(1)
		return nil, err
	}
	b.count(func(u *Usage) {
		u.InUse += n
		u.Peak = max(u.Peak, u.InUse)
		u.Granted++
	})
	var once sync.Once
	return func() {
		once.Do(func() {
			b.count(func(u *Usage) { u.InUse -= n })
			b.bytes.Release(n)
			b.slots.Release(1)
		})
	}, nil
}

// Usage is a budget's accounting: the bytes held now and the most held at
// once, how many decodes were let through and how many refused as too
// large, and how many callers are waiting.
type Usage struct {
	InUse, Peak      int64
	Granted, Refused int64
	Waiting          int64
}

func (b *Budget) count(f func(*Usage)) {
	b.mu.Lock()
	f(&b.usage)
	b.mu.Unlock()
}

// Usage reports the budget's accounting.
func (b *Budget) Usage() Usage {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.usage
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
