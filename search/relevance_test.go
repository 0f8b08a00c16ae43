package search

import (
	"cmp"
	"reflect"
	"slices"
	"testing"

	"github.com/blevesearch/bleve/v2/search/query"
)

// TestRelevancePage: the relevance order's page, which reads the date
// key of the best-scored hits only, or, when every hit scores alike, is
// the date order's page, is Bleve's sort on score then date key, page by
// page, over several segments with deletes and updates.
func TestRelevancePage(t *testing.T) {
	ix, _ := segmentedIndex(t)
	ctx := t.Context()
	for _, query := range []string{"", "banjir", "banjir ciledug", `"wali kota"`, "warga -type:video",
		`creator:"Joko Susilo"`, "camera:nikon festival", "nothingmatches", "type:video", "type:video banjir",
		"banjir taken:>=2023", "warga taken:2022-03..2023-06 -type:video", "festival year:2024 camera:nikon"} {
		_, q, err := ix.plan(Request{Query: query})
		if err != nil {
			t.Fatal(err)
		}
		for _, pg := range []struct{ page, size int }{{1, 7}, {2, 7}, {8, 9}, {1, 500}, {501, 10}} {
			from := (pg.page - 1) * pg.size
			var got, want []Hit
			if !unchanged(ix, func() bool {
				res, err := ix.Search(ctx, Request{Query: query, Sort: "relevance", Page: pg.page, Size: pg.size})
				if err != nil {
					t.Fatal(err)
				}
				got = res.Hits
				if want, err = ix.page(ctx, q, from, pg.size, "relevance"); err != nil {
					t.Fatal(err)
				}
				return reflect.DeepEqual(got, want)
			}) {
				t.Errorf("%q page %d size %d:\n got %v\nwant %v", query, pg.page, pg.size, keysOf(got), keysOf(want))
			}
			// Pruning as it goes keeps the same hits as keeping all.
			snap := snapshot(t, ix)
			pruned, _, err := ix.bestScored(ctx, q, snap, from+pg.size, 1)
			if err != nil {
				t.Fatal(err)
			}
			all, _, err := ix.bestScored(ctx, q, snap, from+pg.size, 1<<30)
			snap.Close()
			if err != nil {
				t.Fatal(err)
			}
			byNum := func(a, b scoredHit) int { return cmp.Compare(a.num, b.num) }
			slices.SortFunc(pruned, byNum)
			slices.SortFunc(all, byNum)
			if !slices.Equal(pruned, all) {
				t.Errorf("%q best %d: pruned %d hits, kept all %d", query, from+pg.size, len(pruned), len(all))
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

// TestRelevanceOfFilters: a query of filters only (field:value, dates,
// kind, year, collections, exclusions) has nothing to rank by, so its
// relevance order is the newest-first order, every hit with one score;
// with a word typed without a field name, the word ranks.
func TestRelevanceOfFilters(t *testing.T) {
	ix, _ := segmentedIndex(t)
	ctx := t.Context()
	for _, query := range []string{"taken:2023", "taken:>=2024-06-15", "taken:2021-03..2022-02-10 type:photo", "year:2022 -type:video",
		"taken:2023 camera:nikon", `creator:"Joko Susilo"`, "-banjir", "caption:warga -keyword:banjir"} {
		for _, pg := range []struct{ page, size int }{{1, 7}, {3, 7}, {1, 500}} {
			got, err := ix.Search(ctx, Request{Query: query, Sort: "relevance", Page: pg.page, Size: pg.size})
			if err != nil {
				t.Fatal(err)
			}
			want, err := ix.Search(ctx, Request{Query: query, Sort: "taken", Page: pg.page, Size: pg.size})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(keysOf(got.Hits), keysOf(want.Hits)) {
				t.Errorf("%q page %d size %d by relevance:\n got %v\nwant %v", query, pg.page, pg.size, keysOf(got.Hits), keysOf(want.Hits))
			}
			for _, h := range got.Hits {
				if h.Score != got.Hits[0].Score || h.Score <= 0 {
					t.Errorf("%q: scores %v and %v, want one positive score", query, h.Score, got.Hits[0].Score)
					break
				}
			}
			if len(want.Hits) < pg.size && pg.page == 1 && pg.size < 10 {
				t.Errorf("%q: %d hits: too few for the test", query, len(want.Hits))
			}
		}
	}
	for _, query := range []string{"banjir taken:2023", `"wali kota" type:photo`, "camera:nikon festival", "-banjir warga"} {
		if unranked(mustPlan(t, ix, query)) {
			t.Errorf("%q is unranked, want it ranked by its words", query)
		}
	}
}

// TestFiltersDoNotRank: in relevance order a filter ANDed to words
// (dates, kind, year, exclusions) keeps the hits it matches and ranks
// nothing: each hit scores as for the words alone, and the order is the
// words' order less the hits the filter leaves out. The last case has
// no words (camera: is a filter too): both are newest first.
func TestFiltersDoNotRank(t *testing.T) {
	ix, _ := segmentedIndex(t)
	ctx := t.Context()
	for _, tc := range []struct{ words, filter string }{
		{"banjir", "taken:>=2023"},
		{"warga", "taken:2022-03..2023-06-15"},
		{"petugas ciledug", "taken:>=2022-07"},
		{"festival", "-type:video year:2024"},
		{"camera:nikon", "taken:<2024 type:photo"},
	} {
		if !unchanged(ix, func() bool {
			all, err := ix.Search(ctx, Request{Query: tc.words, Sort: "relevance", Size: MaxSize})
			if err != nil {
				t.Fatal(err)
			}
			filtered, err := ix.Search(ctx, Request{Query: tc.words + " " + tc.filter, Sort: "relevance", Size: MaxSize})
			if err != nil {
				t.Fatal(err)
			}
			kept, err := ix.Search(ctx, Request{Query: tc.words + " " + tc.filter, Size: MaxSize})
			if err != nil {
				t.Fatal(err)
			}
			in := map[string]bool{}
			for _, h := range kept.Hits {
				in[h.ID] = true
			}
			var want []Hit
			for _, h := range all.Hits {
				if in[h.ID] {
					want = append(want, h)
				}
			}
			if len(want) < 5 || len(want) == len(all.Hits) {
				t.Fatalf("%q: %d of %d hits pass %q: the test needs some kept and some left out", tc.words, len(want), len(all.Hits), tc.filter)
			}
			if reflect.DeepEqual(filtered.Hits, want) {
				return true
			}
			t.Logf("%q %q:\n got %v\nwant %v", tc.words, tc.filter, filtered.Hits, want)
			return false
		}) {
			t.Errorf("%q with %q by relevance: not the words' hits, scores and order", tc.words, tc.filter)
		}
	}
}

// unranked tells whether nothing in q ranks its hits (rankParts).
func unranked(q query.Query) bool {
	rank, _ := rankParts(q)
	return len(rank) == 0
}

func mustPlan(t *testing.T, ix *Index, query string) query.Query {
	t.Helper()
	_, q, err := ix.plan(Request{Query: query})
	if err != nil {
		t.Fatal(err)
	}
	return q
}
