package search

import (
	"reflect"
	"testing"

	"github.com/blevesearch/bleve/v2/index/scorch"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
)

var hitsTestQueries = []string{"", "banjir", "banjir ciledug", `"wali kota"`, `"meninjau banjir di"`, `creator:"Joko Susilo"`,
	"type:video", "-type:video camera:nikon", "banjir -creator:budi", "taken:2022-03..2023-01", "warga taken:2021", "nothingmatches"}

// plainSearch is Search as it was before the page reused the stats'
// hits: the query runs again for the page.
func plainSearch(t *testing.T, ix *Index, req Request) *Result {
	t.Helper()
	ctx := t.Context()
	_, q, err := ix.plan(req)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ix.count(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	st := statsOf(c)
	size := req.Size
	from := (max(req.Page, 1) - 1) * size
	// A query of filters alone has nothing to rank by: newest first,
	// each hit with one score (TestRelevanceOfFilters).
	sort, alike := req.Sort, req.Sort == "relevance" && unranked(q)
	if alike {
		sort = "taken"
	}
	hq, hfrom := q, from
	if sort == "taken" || sort == "-taken" {
		hq, hfrom = st.slice(q, sort == "taken", from, size)
	}
	hits := []Hit{}
	if uint64(from) < st.total {
		if hits, err = ix.page(ctx, hq, hfrom, size, sort); err != nil {
			t.Fatal(err)
		}
		if alike {
			if err := ix.scoreAlike(ctx, q, hits); err != nil {
				t.Fatal(err)
			}
		}
	}
	return &Result{Total: st.total, Hits: hits}
}

// TestPageFromStatsHits: in every order and on several pages, a search
// whose page is read from the hits the stats pass found answers as the
// query run again would.
func TestPageFromStatsHits(t *testing.T) {
	ix, _ := segmentedIndex(t)
	for _, query := range hitsTestQueries {
		for _, sort := range []string{"taken", "-taken", "name", "relevance"} {
			for _, page := range []int{1, 2, 3, 9, 40} {
				req := Request{Query: query, Sort: sort, Page: page, Size: 7}
				var got, want *Result
				if !unchanged(ix, func() bool {
					var err error
					if got, err = ix.Search(t.Context(), req); err != nil {
						t.Fatal(err)
					}
					got.Facets = nil
					want = plainSearch(t, ix, req)
					return reflect.DeepEqual(got, want)
				}) {
					t.Errorf("%+v:\n got %d %v\nwant %d %v", req, got.Total, keys(got.Hits), want.Total, keys(want.Hits))
				}
			}
		}
	}
}

// docNumbers runs s to its end and returns its hits' document numbers.
func docNumbers(t *testing.T, s bsearch.Searcher, r *scorch.IndexSnapshot) []uint64 {
	t.Helper()
	defer s.Close()
	sctx := &bsearch.SearchContext{DocumentMatchPool: bsearch.NewDocumentMatchPool(s.DocumentMatchPoolSize()+1, 0), IndexReader: r}
	var out []uint64
	for {
		dm, err := s.Next(sctx)
		if err != nil {
			t.Fatal(err)
		}
		if dm == nil {
			return out
		}
		out = append(out, dm.IndexInternalID.Value())
		sctx.DocumentMatchPool.Put(dm)
	}
}

// snapshot returns ix's current snapshot, for the caller to close.
func snapshot(t *testing.T, ix *Index) *scorch.IndexSnapshot {
	t.Helper()
	adv, err := ix.idx.Advanced()
	if err != nil {
		t.Fatal(err)
	}
	r, err := adv.Reader()
	if err != nil {
		t.Fatal(err)
	}
	return r.(*scorch.IndexSnapshot)
}

// TestHitsSearcher: on the snapshot the hits were found in, the hits
// query steps through them (and not through the query's own searcher),
// alone and ANDed with another query (which advances it), and counts
// them; asked for scores, it is the query's own searcher.
func TestHitsSearcher(t *testing.T) {
	ix, _ := segmentedIndex(t)
	ctx := t.Context()
	snap := snapshot(t, ix)
	defer snap.Close()
	segs := snap.Segments()
	if len(segs) < 2 {
		t.Fatalf("%d segments: the test needs several", len(segs))
	}
	other := query.NewDisjunctionQuery([]query.Query{termQuery(fFacets, "month:2021-03"), termQuery(fFacets, "month:2023-07"), termQuery(fFacets, "day:2025-11-04")})
	for _, text := range hitsTestQueries {
		_, q, err := ix.plan(Request{Query: text})
		if err != nil {
			t.Fatal(err)
		}
		bms, ok, err := ix.hitBitmaps(ctx, q, snap, segs)
		if err != nil || !ok {
			t.Fatalf("%q: hit bitmaps: %v, %v", text, ok, err)
		}
		hq := &hitsQuery{q: q, hits: newHitSet(segs, bms)}
		for _, c := range []struct {
			name      string
			got, want query.Query
		}{
			{"alone", hq, q},
			{"and months", query.NewConjunctionQuery([]query.Query{hq, other}), query.NewConjunctionQuery([]query.Query{q, other})},
			{"months and", query.NewConjunctionQuery([]query.Query{other, hq}), query.NewConjunctionQuery([]query.Query{other, q})},
		} {
			opts := bsearch.SearcherOptions{Score: "none"}
			gs, err := c.got.Searcher(ctx, snap, ix.idx.Mapping(), opts)
			if err != nil {
				t.Fatal(err)
			}
			ws, err := c.want.Searcher(ctx, snap, ix.idx.Mapping(), opts)
			if err != nil {
				t.Fatal(err)
			}
			if c.name == "alone" {
				if _, ok := gs.(*hitsSearcher); !ok {
					t.Errorf("%q: searcher %T, want the hits'", text, gs)
				}
			}
			got, want := docNumbers(t, gs, snap), docNumbers(t, ws, snap)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%q %s: hits %v\nwant %v", text, c.name, got, want)
			}
			if c.name == "alone" && gs.Count() != uint64(len(want)) {
				t.Errorf("%q: count %d, want %d", text, gs.Count(), len(want))
			}
		}
		// Advance to each hit and past it: the first hit at or after.
		all := docNumbers(t, newHitsSearcher(bms, segs), snap)
		for i, n := range all {
			for _, c := range []struct{ to, want uint64 }{{n, n}, {n + 1, 0}} {
				hs := newHitsSearcher(bms, segs)
				sctx := &bsearch.SearchContext{DocumentMatchPool: bsearch.NewDocumentMatchPool(2, 0), IndexReader: snap}
				dm, err := hs.Advance(sctx, index.NewIndexInternalID(nil, c.to))
				if err != nil {
					t.Fatal(err)
				}
				want, ok := c.want, c.to == n
				if !ok && i+1 < len(all) {
					want, ok = all[i+1], true
				}
				if (dm != nil) != ok || (dm != nil && dm.IndexInternalID.Value() != want) {
					t.Fatalf("%q: advance to %d: %v, want %d (%v)", text, c.to, dm, want, ok)
				}
			}
		}
		s, err := hq.Searcher(ctx, snap, ix.idx.Mapping(), bsearch.SearcherOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := s.(*hitsSearcher); ok {
			t.Errorf("%q: scored by the hits' searcher", text)
		}
		s.Close()
	}
}

// onCurrent tells whether hits are of ix's current snapshot.
func onCurrent(t *testing.T, ix *Index, hits *hitSet) bool {
	snap := snapshot(t, ix)
	defer snap.Close()
	return hits.on(snap)
}

// TestPageAfterWrite: when the index is written between the stats pass
// and the page, the page is the query's on the new snapshot, exactly.
func TestPageAfterWrite(t *testing.T) {
	ix, as := segmentedIndex(t)
	ctx := t.Context()
	for _, c := range []struct {
		query string
		write func(hits []Hit) error
	}{
		{`creator:"Joko Susilo"`, func([]Hit) error {
			for _, a := range as[100:140] {
				a.Meta.Creator = "Joko Susilo"
			}
			return ix.Put(ctx, as[100:140]...)
		}},
		{"banjir", func(hits []Hit) error { return ix.Delete(ctx, hits[0].ID, hits[3].ID, hits[20].ID) }},
		{`"wali kota"`, func([]Hit) error {
			for _, a := range as[500:520] {
				a.Meta.Caption = "Wali Kota meninjau banjir"
			}
			return ix.Put(ctx, as[500:520]...)
		}},
	} {
		_, q, err := ix.plan(Request{Query: c.query})
		if err != nil {
			t.Fatal(err)
		}
		// Bleve merges segments in the background: a merge between the
		// count and the check makes another snapshot, so count again.
		var st *stats
		for attempt := 0; st == nil || st.hits == nil || !onCurrent(t, ix, st.hits); attempt++ {
			if attempt == 100 {
				t.Fatalf("%q: the stats hold no hits of the current snapshot", c.query)
			}
			cs, err := ix.count(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			st = statsOf(cs)
		}
		before, err := ix.page(ctx, q, 0, MaxSize, "taken")
		if err != nil {
			t.Fatal(err)
		}
		if err := c.write(before); err != nil {
			t.Fatal(err)
		}
		if onCurrent(t, ix, st.hits) {
			t.Errorf("%q: hits taken as the new snapshot's", c.query)
		}
		for _, sort := range []string{"taken", "name"} {
			got, err := ix.page(ctx, st.pageQuery(q), 0, MaxSize, sort)
			if err != nil {
				t.Fatal(err)
			}
			want, err := ix.page(ctx, q, 0, MaxSize, sort)
			if err != nil {
				t.Fatal(err)
			}
			if len(want) == 0 || len(want) == int(st.total) {
				t.Errorf("%q: %d hits before the write, %d after: the write tests nothing", c.query, st.total, len(want))
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%q %s after a write:\n got %v\nwant %v", c.query, sort, keys(got), keys(want))
			}
		}
	}
}
