package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"

	"mediabank/assets"
)

// Reindex puts every asset record in the bank into index, in batches. The
// index is a view of the bucket: delete it, run this, and search answers
// as before. It returns how many records it indexed.
func Reindex(ctx context.Context, store assets.Store, index Index, log *slog.Logger) (int, error) {
	var batch []*assets.Asset
	n := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := index.Put(ctx, batch...); err != nil {
			return fmt.Errorf("reindex: %w", err)
		}
		n += len(batch)
		batch = batch[:0]
		return nil
	}
	err := EachRecord(ctx, store, log, func(a *assets.Asset) error {
		batch = append(batch, a)
		if len(batch) >= 1000 {
			return flush()
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	return n, flush()
}

// EachRecord calls fn with every asset record in the bank, in key order.
// A record that cannot be read is logged and passed over: one damaged
// object must not stop a rebuild.
func EachRecord(ctx context.Context, store assets.Store, log *slog.Logger, fn func(*assets.Asset) error) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return store.List(ctx, assets.RecordsPrefix, func(o assets.Object) error {
		id := assets.IDFromRecordKey(o.Key)
		if id == "" {
			return nil
		}
		a, _, err := assets.ReadRecord(ctx, store, id)
		if err != nil {
			log.Warn("unreadable record passed over", "key", o.Key, "err", err)
			return nil
		}
		return fn(a)
	})
}

// RenditionStats counts what Renditions did.
type RenditionStats struct {
	Assets, Made, Failed int64
}

// Which chooses the assets Renditions works on: every one, or with
// Missing those that lack a rendition, less those whose renditions failed
// before (they would fail again) unless RetryFailed.
type Which struct {
	Missing, RetryFailed bool
}

// Renditions (re)makes the renditions of the assets in the bank that
// which chooses, with one worker per CPU.
func Renditions(ctx context.Context, store assets.Store, render Renderer, which Which, log *slog.Logger) (RenditionStats, error) {
	var st struct{ assets, made, failed atomic.Int64 }
	todo := make(chan *assets.Asset)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for a := range todo {
				n, err := MakeRenditions(ctx, store, render, a)
				st.made.Add(int64(n))
				if err != nil {
					st.failed.Add(1)
					log.Warn("renditions failed", "id", a.ID, "file", a.FileName, "err", err)
				}
			}
		})
	}
	err := EachRecord(ctx, store, log, func(a *assets.Asset) error {
		if which.Missing && (!lacksRenditions(ctx, store, a) || a.RenditionFailure != nil && !which.RetryFailed) {
			return nil
		}
		st.assets.Add(1)
		select {
		case todo <- a:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	close(todo)
	wg.Wait()
	return RenditionStats{Assets: st.assets.Load(), Made: st.made.Load(), Failed: st.failed.Load()}, err
}

// lacksRenditions tells whether a rendition the record names is missing
// from the store, or none was ever made.
func lacksRenditions(ctx context.Context, store assets.Store, a *assets.Asset) bool {
	if len(a.Renditions) == 0 {
		return true
	}
	for _, r := range a.Renditions {
		if _, err := store.Stat(ctx, r.Key); err != nil {
			return true
		}
	}
	return false
}
