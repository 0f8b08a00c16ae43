package search

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"

	"mediabank/assets"
)

var testCollections = []Collection{
	{ID: banjirColl, Title: "Banjir Ciledug", Agency: "BPBD", Place: "Ciledug", State: "selesai",
		StartsAt: time.Date(2026, 8, 17, 8, 0, 0, 0, time.UTC)},
	{ID: hutColl, Title: "Upacara HUT RI", Agency: "Bagian Protokol", Place: "Lapangan Ahmad Yani", State: "berjalan",
		Staff: []string{"siti"}, StartsAt: time.Date(2026, 8, 17, 0, 0, 0, 0, time.UTC)},
}

// rebuildFixtures builds the index at path with a Rebuild of the
// fixtures and the test collections, and opens it. The fixtures go in
// one batch, or with batch > 0 in batches of that many, all put at once
// from goroutines of their own, as reindex does.
func rebuildFixtures(t *testing.T, path string, batch int) *Index {
	t.Helper()
	rebuildAt(t, path, batch)
	ix, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open after rebuild: %v", err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

// rebuildAt is rebuildFixtures without opening the index.
func rebuildAt(t *testing.T, path string, batch int) {
	t.Helper()
	ctx := context.Background()
	rb, err := NewRebuild(path, Options{})
	if err != nil {
		t.Fatalf("NewRebuild: %v", err)
	}
	as := fixtureAssets(t)
	if batch <= 0 {
		batch = len(as)
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(as))
	for b := range slices.Chunk(as, batch) {
		wg.Go(func() { errs <- rb.Put(ctx, b...) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Put: %v", err)
		}
	}
	if err := rb.PutCollections(ctx, testCollections...); err != nil {
		t.Fatalf("PutCollections: %v", err)
	}
	if err := rb.Commit(ctx); err != nil {
		t.Fatalf("Commit: %v", err)
	}
}

// TestRebuildSameAsPut: an index built by a Rebuild (in batches, beside
// the live one, then swapped in) answers every search, collection search
// and count as one written asset by asset does, whether its batches were
// one or several put at once. (Before Commit waited for Bleve to write
// the batches, the rebuilt index was empty.)
func TestRebuildSameAsPut(t *testing.T) {
	ctx := context.Background()
	want := openTest(t, t.TempDir())
	defer want.Close()
	for _, a := range fixtureAssets(t) {
		if err := want.Put(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if err := want.PutCollections(ctx, testCollections...); err != nil {
		t.Fatal(err)
	}
	settle(t, want)
	for _, batch := range []int{0, 3} {
		got := rebuildFixtures(t, filepath.Join(t.TempDir(), "index"), batch)
		sameAsPut(t, want, got, fmt.Sprintf("after a rebuild in batches of %d", batch))
	}
}

// sameAsPut compares the index got, rebuilt, with want, written asset by
// asset.
func sameAsPut(t *testing.T, want, got *Index, what string) {
	t.Helper()
	ctx := t.Context()
	reqs := append([]Request{
		{Query: "id:" + idOf("w01")[:8]},
		{Query: "type:video"},
		{Query: "-banjir", Sort: "name", Facets: true},
		{Query: "", Collections: []string{hutColl}},
		{Query: "taken:2026-08-17..2026-08-18", Sort: "-taken", Size: 3, Page: 2},
	}, sameRequests...)
	sameSearches(t, want, got, reqs, what)
	for _, q := range []string{"", "banjir", "agency:bpbd", "staff:siti"} {
		wids, wn, err := want.SearchCollections(ctx, q, 1, 10)
		if err != nil {
			t.Fatal(err)
		}
		gids, gn, err := got.SearchCollections(ctx, q, 1, 10)
		if err != nil {
			t.Fatal(err)
		}
		if gn != wn || !reflect.DeepEqual(gids, wids) {
			t.Errorf("collections %q %s: got %v (%d), want %v (%d)", q, what, gids, gn, wids, wn)
		}
	}
	gc, err := got.Count(ctx)
	if err != nil || gc != uint64(len(fixtures)) {
		t.Errorf("Count %s = %d, %v; want %d", what, gc, err, len(fixtures))
	}
}

// TestRebuildCommitAfterFailedPut: a rebuild one of whose puts failed is
// not swapped in (its batch might never reach the disk), and Abort
// leaves the live index as it was.
func TestRebuildCommitAfterFailedPut(t *testing.T) {
	dir := t.TempDir()
	live := openTest(t, dir)
	if err := live.Put(t.Context(), fixtureAssets(t)...); err != nil {
		t.Fatal(err)
	}
	live.Close()
	path := filepath.Join(dir, "index")
	rb, err := NewRebuild(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := rb.Put(t.Context(), fixtureAssets(t)[0], &assets.Asset{}); err == nil {
		t.Fatal("Put of an asset without id succeeded")
	}
	if err := rb.Commit(t.Context()); err == nil {
		t.Error("Commit after a failed Put succeeded")
	}
	if err := rb.Abort(); err != nil {
		t.Fatal(err)
	}
	ix, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if n, err := ix.Count(t.Context()); err != nil || n != uint64(len(fixtures)) {
		t.Errorf("Count after the aborted rebuild = %d, %v; want %d", n, err, len(fixtures))
	}
}

// TestRebuildInterrupted: until Commit the live index is what it was,
// whatever becomes of the rebuild; a crash between the two renames of
// the swap makes Open ask for a reindex instead of answering from an
// empty index; a later rebuild recovers from both.
func TestRebuildInterrupted(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "index")
	count := func() uint64 {
		t.Helper()
		ix, err := Open(path, Options{})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		defer ix.Close()
		n, err := ix.Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	live, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := live.Put(ctx, fixtureAssets(t)[:3]...); err != nil {
		t.Fatal(err)
	}
	live.Close()

	// Dropped half way.
	rb, err := NewRebuild(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := rb.Put(ctx, fixtureAssets(t)...); err != nil {
		t.Fatal(err)
	}
	if err := rb.Abort(); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 3 {
		t.Errorf("after an aborted rebuild the index holds %d assets, want the 3 it held", n)
	}
	if _, err := os.Stat(rebuildPath(path)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("an aborted rebuild left %s: %v", rebuildPath(path), err)
	}

	// A crash during the build: the unfinished new index is left.
	if err := os.MkdirAll(filepath.Join(rebuildPath(path), "store"), 0o755); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 3 {
		t.Errorf("with an unfinished rebuild beside it the index holds %d assets, want 3", n)
	}

	// A crash between the renames of the swap.
	if err := os.Rename(path, retiredPath(path)); err != nil {
		t.Fatal(err)
	}
	if ix, err := Open(path, Options{}); !errors.Is(err, ErrReindex) {
		if err == nil {
			ix.Close()
		}
		t.Errorf("Open with the old index moved aside and no new one = %v, want %v", err, ErrReindex)
	}
	if n, err := rebuildFixtures(t, path, 0).Count(ctx); err != nil || n != uint64(len(fixtures)) {
		t.Errorf("after the rebuild the index holds %d assets, want %d", n, len(fixtures))
	}
	for _, p := range []string{rebuildPath(path), retiredPath(path)} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the rebuild left %s: %v", p, err)
		}
	}
}

// TestRebuildInUse: an index held open (by a running server) is not
// rebuilt under it, and stays usable.
func TestRebuildInUse(t *testing.T) {
	ix, dir := newFixtureIndex(t)
	_, err := NewRebuild(filepath.Join(dir, "index"), Options{})
	if err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("NewRebuild of an index in use = %v, want an error saying it is in use", err)
	}
	n, err := ix.Count(context.Background())
	if err != nil || n != uint64(len(fixtures)) {
		t.Errorf("Count of the index in use = %d, %v; want %d", n, err, len(fixtures))
	}
}

// TestRebuildOutdated: a rebuild replaces an index of an older mapping,
// which Open refuses.
func TestRebuildOutdated(t *testing.T) {
	dir := t.TempDir()
	ix := openTest(t, dir)
	if err := ix.Put(context.Background(), fixtureAssets(t)...); err != nil {
		t.Fatal(err)
	}
	if err := ix.idx.SetInternal([]byte(versionKey), []byte("0")); err != nil {
		t.Fatal(err)
	}
	ix.Close()
	path := filepath.Join(dir, "index")
	if old, err := Open(path, Options{}); !errors.Is(err, ErrReindex) {
		if err == nil {
			old.Close()
		}
		t.Fatalf("Open of an outdated index = %v, want %v", err, ErrReindex)
	}
	got := rebuildFixtures(t, path, 0)
	res, err := got.Search(context.Background(), Request{Query: "banjir"})
	if err != nil || res.Total != 6 {
		t.Errorf("search after rebuilding an outdated index = %+v, %v; want 6 hits", res, err)
	}
}

// TestRebuildMerged: Commit returns once Bleve's merger is done, so the
// server opens an index its merge plan leaves as it is, rather than
// merging a rebuild's many small segments while it searches them.
func TestRebuildMerged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index")
	// One segment per asset, more than the plan's 10 per tier.
	rebuildAt(t, path, 1)
	// Opened with a merge plan that merges nothing, to see the segments
	// as Commit left them.
	cfg := openConfig()
	cfg["scorchMergePlanOptions"] = map[string]any{"MaxSegmentsPerTier": 1 << 20}
	idx, err := bleve.OpenUsing(path, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	adv, err := idx.Advanced()
	if err != nil {
		t.Fatal(err)
	}
	r, err := adv.Reader()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var segs []mergeplan.Segment
	for _, s := range r.(*scorch.IndexSnapshot).Segments() {
		segs = append(segs, s)
	}
	plan, err := mergeplan.Plan(segs, &mergeplan.DefaultMergePlanOptions)
	if err != nil {
		t.Fatal(err)
	}
	if len(fixtures) <= 10 {
		t.Fatalf("%d fixtures: too few for the test", len(fixtures))
	}
	if plan != nil && len(plan.Tasks) > 0 {
		t.Errorf("after Commit, %d segments and %d merges planned, want none", len(segs), len(plan.Tasks))
	}
}
