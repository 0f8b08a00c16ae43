package search

import (
	"cmp"
	"reflect"
	"slices"
	"testing"
)

// TestRelevancePage: the relevance order's page, which reads the date
// key of the best-scored hits only, is Bleve's sort on score then date
// key, page by page, over several segments with deletes and updates; the
// queries include ties (every hit of "" scores the same).
func TestRelevancePage(t *testing.T) {
	ix, _ := segmentedIndex(t)
	ctx := t.Context()
	for _, query := range []string{"", "banjir", "banjir ciledug", `"wali kota"`, "warga -type:video",
		`creator:"Joko Susilo"`, "camera:nikon festival", "nothingmatches"} {
		_, q, err := ix.plan(Request{Query: query})
		if err != nil {
			t.Fatal(err)
		}
		for _, pg := range []struct{ from, size int }{{0, 7}, {7, 7}, {63, 9}, {0, 1000}, {5000, 10}} {
			got, err := ix.relevancePage(ctx, q, pg.from, pg.size)
			if err != nil {
				t.Fatal(err)
			}
			want, err := ix.page(ctx, q, pg.from, pg.size, "relevance")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%q from %d size %d:\n got %v\nwant %v", query, pg.from, pg.size, keysOf(got), keysOf(want))
			}
			// Pruning as it goes keeps the same hits as keeping all.
			snap := snapshot(t, ix)
			pruned, err := ix.bestScored(ctx, q, snap, pg.from+pg.size, 1)
			if err != nil {
				t.Fatal(err)
			}
			all, err := ix.bestScored(ctx, q, snap, pg.from+pg.size, 1<<30)
			snap.Close()
			if err != nil {
				t.Fatal(err)
			}
			byNum := func(a, b scoredHit) int { return cmp.Compare(a.num, b.num) }
			slices.SortFunc(pruned, byNum)
			slices.SortFunc(all, byNum)
			if !slices.Equal(pruned, all) {
				t.Errorf("%q best %d: pruned %d hits, kept all %d", query, pg.from+pg.size, len(pruned), len(all))
			}
		}
	}
}

func keysOf(hs []Hit) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.ID[:6]
	}
	return out
}
