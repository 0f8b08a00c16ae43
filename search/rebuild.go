package search

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	bolt "go.etcd.io/bbolt"

	"mediabank/assets"
)

// Where a rebuild keeps its work next to the live index at path: the new
// index while it is built, and the old one for the moment of the swap.
func rebuildPath(path string) string { return path + ".new" }
func retiredPath(path string) string { return path + ".old" }

// Rebuild builds a new index next to the live one at path and swaps it
// in when Commit is called. Until then the live index is untouched and
// held, so no server opens it meanwhile; a rebuild that is interrupted
// leaves the live index as it was. The new index is an ordinary online
// index: Bleve's offline builder (bleve.NewBuilder) was measured and was
// slower, since it analyses and builds segments on one goroutine where
// the online index analyses on several and merges on another
// (docs/benchmarks.md).
type Rebuild struct {
	ix     *Index // the new one
	path   string
	log    *slog.Logger
	live   bleve.Index // held as a lock; nil if there was none to open
	failed atomic.Bool // a Put failed: its batch may never reach the disk
}

// NewRebuild starts a rebuild of the index at path. It fails if another
// process (a running server) holds that index: the new index could not be
// swapped in under it.
func NewRebuild(path string, opts Options) (*Rebuild, error) {
	opts = opts.withDefaults()
	live, err := bleve.OpenUsing(path, openConfig())
	if err != nil {
		live = nil // Bleve returns a typed nil
	}
	switch {
	case errors.Is(err, bolt.ErrTimeout):
		return nil, fmt.Errorf("search: rebuild %s: the index is in use (is a mediabank server running? stop it first): %w", path, err)
	case err != nil && !errors.Is(err, bleve.ErrorIndexPathDoesNotExist):
		// A damaged index is what a rebuild is for.
		opts.Logger.Warn("search index unreadable, rebuilt from the records", "path", path, "err", err)
	}
	tmp := rebuildPath(path)
	// What an interrupted rebuild left.
	if err := os.RemoveAll(tmp); err != nil {
		closeIndex(live)
		return nil, fmt.Errorf("search: rebuild: remove %s: %w", tmp, err)
	}
	ix, err := open(tmp, opts, rebuildConfig())
	if err != nil {
		closeIndex(live)
		return nil, fmt.Errorf("search: rebuild: %w", err)
	}
	ix.unpersisted = newUnpersisted(ix.idx)
	return &Rebuild{ix: ix, path: path, log: opts.Logger, live: live}, nil
}

// rebuildConfig is openConfig without waiting for each batch to be on
// disk: a rebuild needs no batch to be durable before Commit, which waits
// until all are (a crash before it leaves the live index as it was). The
// batches that do not wait for the disk are built side by side (see Put).
func rebuildConfig() map[string]any {
	cfg := openConfig()
	cfg["unsafe_batch"] = true
	return cfg
}

// unpersisted counts the batches of an index opened with rebuildConfig
// that Bleve has not yet written to disk. Closing such an index does not
// write them: it drops them. Until written they are held in memory, so
// at most maxUnpersisted are let in at once. (At a million assets the
// peak memory was 3.2 GB with this bound as without it: it comes from
// elsewhere, see docs/benchmarks.md.)
type unpersisted struct {
	slots   chan struct{} // one per batch not yet written
	written chan struct{} // a batch was written; capacity 1
	stats   *scorch.Stats // Bleve's counters of its background work
}

// maxUnpersisted is two batches per CPU being built, two being written.
const maxUnpersisted = 4

// persistCheck is how often a wait for Bleve's writer and merger looks
// for an error of their work, and whether the merger is done.
const persistCheck = 200 * time.Millisecond

func newUnpersisted(idx bleve.Index) *unpersisted {
	u := &unpersisted{slots: make(chan struct{}, maxUnpersisted), written: make(chan struct{}, 1)}
	if st, err := idx.Advanced(); err == nil {
		if sc, ok := st.(*scorch.Scorch); ok {
			if stats, ok := sc.Stats().(*scorch.Stats); ok {
				u.stats = stats
			}
		}
	}
	return u
}

// add counts batch b until Bleve has written it, once fewer than
// maxUnpersisted are unwritten.
func (u *unpersisted) add(ctx context.Context, b *bleve.Batch) error {
	tick := time.NewTicker(persistCheck)
	defer tick.Stop()
	for taken := false; !taken; {
		select {
		case u.slots <- struct{}{}:
			taken = true
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
			if err := u.failed(); err != nil {
				return err
			}
		}
	}
	// Bleve calls this only once the batch is on disk; when writing
	// fails it tries again, and tells by an asynchronous error.
	b.SetPersistedCallback(func(error) {
		<-u.slots
		select {
		case u.written <- struct{}{}:
		default:
		}
	})
	return nil
}

// failed tells whether Bleve's background work reported an error (the
// disk is full, say): it retries without end, so waiting on would hang.
func (u *unpersisted) failed() error {
	if u.stats != nil && atomic.LoadUint64(&u.stats.TotOnErrors) > 0 {
		return errors.New("the index's background writer failed (is the disk full?)")
	}
	return nil
}

// settled tells whether Bleve's writer and merger are done with the
// index as it is: its last snapshot written, and merged as far as the
// merge plan goes (Bleve's own test of this is index_bgthreads_active).
// A merger left behind would go on in the server, which searches the
// unmerged segments meanwhile, and more slowly.
func (u *unpersisted) settled() bool {
	if u.stats == nil {
		return true
	}
	root := atomic.LoadUint64(&u.stats.CurRootEpoch)
	return atomic.LoadUint64(&u.stats.LastPersistedEpoch) == root &&
		atomic.LoadUint64(&u.stats.LastMergedEpoch) == root
}

// wait waits until every batch is written and merged, ctx is done, or
// Bleve's background work failed.
func (u *unpersisted) wait(ctx context.Context) error {
	tick := time.NewTicker(persistCheck)
	defer tick.Stop()
	for len(u.slots) > 0 || !u.settled() {
		select {
		case <-u.written:
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
			if err := u.failed(); err != nil {
				return err
			}
		}
	}
	return nil
}

func closeIndex(ix bleve.Index) {
	if ix != nil {
		ix.Close()
	}
}

// Put adds assets to the new index, in one batch. It may be called from
// several goroutines at once: their batches are mapped, analysed and
// made into segments side by side (see rebuildConfig).
func (r *Rebuild) Put(ctx context.Context, as ...*assets.Asset) error {
	return r.check(r.ix.Put(ctx, as...))
}

// PutCollections adds collections to the new index.
func (r *Rebuild) PutCollections(ctx context.Context, cs ...Collection) error {
	return r.check(r.ix.PutCollections(ctx, cs...))
}

// check notes a failed Put, which Commit then refuses.
func (r *Rebuild) check(err error) error {
	if err != nil {
		r.failed.Store(true)
	}
	return err
}

// Commit waits until Bleve has written and merged every batch, closes
// the new index and puts it in place of the live one. The swap is two renames;
// Open tells to run reindex again if a crash falls between them.
func (r *Rebuild) Commit(ctx context.Context) error {
	if r.failed.Load() {
		return fmt.Errorf("search: rebuild: commit after a failed put: abort it")
	}
	if err := r.ix.unpersisted.wait(ctx); err != nil {
		return fmt.Errorf("search: rebuild: write %s: %w", rebuildPath(r.path), err)
	}
	err := r.ix.Close()
	r.ix = nil
	if err != nil {
		return fmt.Errorf("search: rebuild: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("search: rebuild: %w", err)
	}
	tmp := rebuildPath(r.path)
	closeIndex(r.live)
	r.live = nil
	old := retiredPath(r.path)
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("search: rebuild: remove %s: %w", old, err)
	}
	if err := os.Rename(r.path, old); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("search: rebuild: swap: %w", err)
	}
	if err := os.Rename(tmp, r.path); err != nil {
		return fmt.Errorf("search: rebuild: swap: %w", err)
	}
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("search: rebuild: remove %s: %w", old, err)
	}
	return nil
}

// Abort drops the new index and leaves the live one as it was.
func (r *Rebuild) Abort() error {
	closeIndex(r.live)
	r.live = nil
	if r.ix != nil {
		r.ix.Close()
		r.ix = nil
	}
	if err := os.RemoveAll(rebuildPath(r.path)); err != nil {
		return fmt.Errorf("search: rebuild: abort: %w", err)
	}
	return nil
}
