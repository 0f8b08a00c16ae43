package search

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/blevesearch/bleve/v2"
	bolt "go.etcd.io/bbolt"

	"mediabank/assets"
)

// Where a rebuild keeps its work next to the live index at path: the new
// index while it is built, and the old one for the moment of the swap.
func rebuildPath(path string) string { return path + ".new" }
func retiredPath(path string) string { return path + ".old" }

// Rebuild tuning. Bleve's offline builder writes a segment every
// rebuildBatch documents and merges them at the end, rebuildMergeMax at a
// time: one merge of every segment rather than the online index's merges
// of merges while it is written to.
const (
	rebuildBatch    = 5000
	rebuildMergeMax = 1000
)

// Rebuild builds a new index next to the live one at path with Bleve's
// offline builder (no online merging or persisting while it is written),
// and swaps it in when Commit is called. Until then the live index is
// untouched and held, so no server opens it meanwhile; a rebuild that is
// interrupted leaves the live index as it was.
type Rebuild struct {
	b    bleve.Builder
	path string
	zone *time.Location
	log  *slog.Logger
	live bleve.Index // held as a lock; nil if there was none to open
}

// NewRebuild starts a rebuild of the index at path. It fails if another
// process (a running server) holds that index: the new index could not be
// swapped in under it.
func NewRebuild(path string, opts Options) (*Rebuild, error) {
	opts = opts.withDefaults()
	m, err := buildMapping()
	if err != nil {
		return nil, err
	}
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
	b, err := bleve.NewBuilder(tmp, m, map[string]any{
		"batchSize": rebuildBatch,
		"mergeMax":  rebuildMergeMax,
		// The segments are made inside the new index's folder (which
		// NewBuilder has created by then): on the index's disk, not in
		// /tmp, and removed with it if the rebuild is dropped.
		"buildPathPrefix": tmp,
	})
	if err != nil {
		closeIndex(live)
		return nil, fmt.Errorf("search: rebuild: create %s: %w", tmp, err)
	}
	return &Rebuild{b: b, path: path, zone: opts.Zone, log: opts.Logger, live: live}, nil
}

func closeIndex(ix bleve.Index) {
	if ix != nil {
		ix.Close()
	}
}

// Put adds assets to the new index. Each asset must be put once.
func (r *Rebuild) Put(ctx context.Context, as ...*assets.Asset) error {
	for _, a := range as {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("search: rebuild: %w", err)
		}
		if a == nil || a.ID == "" {
			return fmt.Errorf("search: rebuild: asset without id")
		}
		if err := r.b.Index(a.ID, document(a, r.zone)); err != nil {
			return fmt.Errorf("search: rebuild: put %s: %w", a.ID, err)
		}
	}
	return nil
}

// PutCollections adds collections to the new index.
func (r *Rebuild) PutCollections(ctx context.Context, cs ...Collection) error {
	for _, c := range cs {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("search: rebuild: %w", err)
		}
		if c.ID == "" {
			return fmt.Errorf("search: rebuild: collection without id")
		}
		if err := r.b.Index(collectionKey(c.ID), collectionDoc(c, r.zone)); err != nil {
			return fmt.Errorf("search: rebuild: put collection %s: %w", c.ID, err)
		}
	}
	return nil
}

// Commit finishes the new index (merging its segments into one), marks
// it with the mapping version, and puts it in place of the live one. The
// swap is two renames; Open tells to run reindex again if a crash
// falls between them.
func (r *Rebuild) Commit(ctx context.Context) error {
	tmp := rebuildPath(r.path)
	start := time.Now()
	err := r.b.Close()
	r.b = nil
	if err != nil {
		return fmt.Errorf("search: rebuild: finish %s: %w", tmp, err)
	}
	r.log.Debug("search index built", "path", tmp, "merge", time.Since(start))
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("search: rebuild: %w", err)
	}
	// The version is written last: a new index without it is not done.
	idx, err := bleve.Open(tmp)
	if err != nil {
		return fmt.Errorf("search: rebuild: open %s: %w", tmp, err)
	}
	err = idx.SetInternal([]byte(versionKey), []byte(mappingVersion))
	if cerr := idx.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("search: rebuild: %s: set version: %w", tmp, err)
	}
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
	// The builder is not closed: that would merge what was built, only
	// to remove it. Its segments are inside the new index's folder.
	r.b = nil
	if err := os.RemoveAll(rebuildPath(r.path)); err != nil {
		return fmt.Errorf("search: rebuild: abort: %w", err)
	}
	return nil
}
