package search

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/blevesearch/bleve/v2"
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
	ix   *Index // the new one
	path string
	log  *slog.Logger
	live bleve.Index // held as a lock; nil if there was none to open
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
	ix, err := Open(tmp, opts)
	if err != nil {
		closeIndex(live)
		return nil, fmt.Errorf("search: rebuild: %w", err)
	}
	return &Rebuild{ix: ix, path: path, log: opts.Logger, live: live}, nil
}

func closeIndex(ix bleve.Index) {
	if ix != nil {
		ix.Close()
	}
}

// Put adds assets to the new index, in one batch.
func (r *Rebuild) Put(ctx context.Context, as ...*assets.Asset) error {
	return r.ix.Put(ctx, as...)
}

// PutCollections adds collections to the new index.
func (r *Rebuild) PutCollections(ctx context.Context, cs ...Collection) error {
	return r.ix.PutCollections(ctx, cs...)
}

// Commit closes the new index (Bleve writes out what it holds) and puts
// it in place of the live one. The swap is two renames; Open tells to run
// reindex again if a crash falls between them.
func (r *Rebuild) Commit(ctx context.Context) error {
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
