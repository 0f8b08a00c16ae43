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

// Reindex tuning: records are fetched by many workers at once (a GET
// from MinIO waits on the network, not the CPU), and indexed in large
// batches (each batch is one segment), one batch per CPU at once while
// the next are being fetched.
const (
	reindexFetchers = 16
	reindexBatch    = 5000
)

// Putter takes assets into an index: a live one, or one being rebuilt
// (search.Rebuild). Put may be called from several goroutines at once.
type Putter interface {
	Put(ctx context.Context, as ...*assets.Asset) error
}

// Reindex puts every asset record in the bank into index, in batches. The
// index is a view of the bucket: build it afresh with this, and search
// answers as before. It returns how many records it indexed.
func Reindex(ctx context.Context, store assets.Store, index Putter, log *slog.Logger) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan []*assets.Asset, 1)
	var (
		mu   sync.Mutex
		n    int
		ierr error
		wg   sync.WaitGroup
	)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for b := range batches {
				if ctx.Err() != nil {
					continue // drain: the fetch stops on its own
				}
				err := index.Put(ctx, b...)
				mu.Lock()
				if err == nil {
					n += len(b)
				} else if ierr == nil {
					ierr = fmt.Errorf("reindex: %w", err)
					cancel()
				}
				mu.Unlock()
			}
		})
	}
	batch := make([]*assets.Asset, 0, reindexBatch)
	err := eachRecordParallel(ctx, store, log, reindexFetchers, func(a *assets.Asset) error {
		batch = append(batch, a)
		if len(batch) == reindexBatch {
			batches <- batch
			batch = make([]*assets.Asset, 0, reindexBatch)
		}
		return nil
	})
	if err == nil && len(batch) > 0 {
		batches <- batch
	}
	close(batches)
	wg.Wait()
	if ierr != nil {
		return n, ierr
	}
	return n, err
}

// eachRecordParallel is EachRecord with the records read by workers at
// once; fn is called from one goroutine, in no particular order.
func eachRecordParallel(ctx context.Context, store assets.Store, log *slog.Logger, workers int, fn func(*assets.Asset) error) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ids := make(chan string, workers*4)
	recs := make(chan *assets.Asset, workers*4)
	listed := make(chan error, 1)
	go func() {
		defer close(ids)
		listed <- store.List(ctx, assets.RecordsPrefix, func(o assets.Object) error {
			id := assets.IDFromRecordKey(o.Key)
			if id == "" {
				return nil
			}
			select {
			case ids <- id:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for id := range ids {
				a, _, err := assets.ReadRecord(ctx, store, id)
				if err != nil {
					if ctx.Err() == nil {
						log.Warn("unreadable record passed over", "key", assets.RecordKey(id), "err", err)
					}
					continue
				}
				select {
				case recs <- a:
				case <-ctx.Done():
				}
			}
		})
	}
	go func() {
		wg.Wait()
		close(recs)
	}()
	var ferr error
	for a := range recs {
		if ferr == nil {
			if ferr = fn(a); ferr != nil {
				cancel()
			}
		}
	}
	if ferr != nil {
		return ferr
	}
	if err := <-listed; err != nil {
		return fmt.Errorf("reindex: list records: %w", err)
	}
	return ctx.Err()
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
