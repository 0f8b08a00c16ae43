// Package filing files assets into coverage collections and keeps the
// search index in step with both: a collection's material is the truth,
// the asset records and the index follow it.
package filing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"mediabank/assets"
	"mediabank/collections"
	"mediabank/search"
)

// Doc is what the search index holds of a collection.
func Doc(col *collections.Collection) search.Collection {
	d := search.Collection{ID: col.ID, Title: col.Title, Agency: col.Agency, Place: col.Place,
		Description: col.Description, State: string(col.State), StartsAt: col.StartsAt}
	for _, a := range slices.Concat(col.ProposedStaff, col.AssignedStaff) {
		if !slices.Contains(d.Staff, a.User) {
			d.Staff = append(d.Staff, a.User)
		}
	}
	return d
}

// Changed keeps the index in step with a collection just written. The
// write has happened; a failure to index is logged, and reindex mends.
func (f *Filer) Changed(ctx context.Context, col *collections.Collection) {
	if err := f.Index.PutCollections(ctx, Doc(col)); err != nil {
		f.Log.ErrorContext(ctx, "index collection", "id", col.ID, "err", err)
	}
}

// Patched follows a patch just applied to col: the records of the material
// it added or removed, and the index.
func (f *Filer) Patched(ctx context.Context, col *collections.Collection, p collections.Patch) {
	if len(p.AddMaterial)+len(p.RemoveMaterial) > 0 {
		if err := f.Note(ctx, col.ID, p.AddMaterial, p.RemoveMaterial); err != nil {
			// The material changed; the records catch up when filed again.
			f.Log.ErrorContext(ctx, "note collection in asset records", "collection", col.ID, "err", err)
		}
	}
	f.Changed(ctx, col)
}

// Filer files assets into collections: the collection's material and, in
// each asset's record, the list of collections it is in, which search
// filters by. The material is the truth; the records follow it.
type Filer struct {
	Store       assets.Store
	Index       Index
	Collections *collections.Service
	Log         *slog.Logger
}

// Index is the search index as filing keeps it in step.
type Index interface {
	Put(ctx context.Context, as ...*assets.Asset) error
	PutCollections(ctx context.Context, cs ...search.Collection) error
}

// File adds the assets to collection col's material and notes col in
// their records.
func (f *Filer) File(ctx context.Context, col string, ids ...string) error {
	if err := f.Collections.AddMaterial(ctx, col, ids...); err != nil {
		return err
	}
	return f.Note(ctx, col, ids, nil)
}

// Note records in the assets' records that they joined or left col, and
// re-indexes them. Each record is changed with If-Match, retried when
// someone else wrote it first.
func (f *Filer) Note(ctx context.Context, col string, joined, left []string) error {
	change := func(id string, join bool) error {
		up, err := assets.UpdateRecord(ctx, f.Store, assets.RecordKey(id), assets.UpdateOptions{}, func(a *assets.Asset) error {
			has := slices.Contains(a.Collections, col)
			switch {
			case join && !has:
				a.Collections = append(a.Collections, col)
			case !join && has:
				a.Collections = slices.DeleteFunc(a.Collections, func(c string) bool { return c == col })
			default:
				return assets.ErrUnchanged
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("note %s in collection %s: %w", id, col, err)
		}
		if !up.Written {
			return nil
		}
		return f.Index.Put(ctx, up.Record)
	}
	var errs []error
	for _, id := range joined {
		errs = append(errs, change(id, true))
	}
	for _, id := range left {
		errs = append(errs, change(id, false))
	}
	return errors.Join(errs...)
}

// OnAsset is what an ingest into collection col calls with each asset,
// new or already in the bank: file it. A failure is logged, not fatal:
// the asset is in the bank, and filing it again mends it. Nil without a
// collection.
func (f *Filer) OnAsset(ctx context.Context, col string) func(*assets.Asset) {
	if col == "" {
		return nil
	}
	return func(a *assets.Asset) {
		if err := f.File(ctx, col, a.ID); err != nil {
			f.Log.Error("file asset into collection", "collection", col, "asset", a.ID, "err", err)
		}
	}
}

// Searcher finds collections in the index.
type Searcher interface {
	SearchCollections(ctx context.Context, q string, page, size int) ([]string, uint64, error)
}

// Find is what q means wherever collections are looked for (the API and
// the coverage list page alike): the index matches the words and fields
// of q (title, agency, place, state, staff, date), newest event first,
// and the bucket decides what each collection holds. A collection the
// index still names but the bucket no longer has is left out.
func Find(ctx context.Context, idx Searcher, cols *collections.Service, q string, page, size int) ([]*collections.Collection, uint64, error) {
	ids, total, err := idx.SearchCollections(ctx, q, page, size)
	if err != nil {
		return nil, 0, err
	}
	out := make([]*collections.Collection, 0, len(ids))
	for _, id := range ids {
		col, _, err := cols.Get(ctx, id)
		if errors.Is(err, collections.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, 0, err
		}
		out = append(out, col)
	}
	return out, total, nil
}
