package search

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2/search/query"

	"mediabank/assets"
	"mediabank/internal/office"
)

// TestStatsFollowWritesExactly: the cached stats a write updates (rather
// than drops) are, after a random run of puts of new assets, updates that
// change facet values, and deletes, the stats counted afresh. Each
// write is checked, and every query must still be cached after it.
func TestStatsFollowWritesExactly(t *testing.T) {
	ix := openTest(t, t.TempDir())
	t.Cleanup(func() { ix.Close() })
	ctx := context.Background()
	pool := synthetic(300)
	live := map[string]*assets.Asset{}
	if err := ix.Put(ctx, pool[:150]...); err != nil {
		t.Fatal(err)
	}
	for _, a := range pool[:150] {
		live[a.ID] = a
	}
	requests := []Request{
		{},
		{Query: "banjir"},
		{Query: `creator:"Siti Rahma" -type:video`},
		{Collections: []string{pool[0].Collections[0], pool[1].Collections[0]}},
	}
	if len(requests) > maxCarried {
		t.Fatalf("%d queries: a write carries only %d", len(requests), maxCarried)
	}
	rng := rand.New(rand.NewPCG(7, 11))
	creators := []string{"Budi Santoso", "budi santoso", "Siti Rahma", "Joko Susilo"}
	wib := office.Zone()
	next := 150
	for step := range 40 {
		// Every query asked for, so that each is cached before the write.
		for _, req := range requests {
			if _, err := ix.Search(ctx, req); err != nil {
				t.Fatal(err)
			}
		}
		var op string
		var err error
		switch k := rng.IntN(3); {
		case k == 0 && next < len(pool):
			n := 1 + rng.IntN(5)
			batch := pool[next:min(next+n, len(pool))]
			next += len(batch)
			for _, a := range batch {
				live[a.ID] = a
			}
			op, err = fmt.Sprintf("put %d new", len(batch)), ix.Put(ctx, batch...)
		case k == 1:
			var batch []*assets.Asset
			for _, a := range live {
				if len(batch) == 3 {
					break
				}
				u := *a
				u.Meta.Creator = creators[rng.IntN(len(creators))]
				u.Meta.Kind = []assets.Kind{assets.KindPhoto, assets.KindVideo}[rng.IntN(2)]
				switch rng.IntN(3) {
				case 0:
					u.Meta.TakenAt = nil
				case 1:
					taken := time.Date(2019+rng.IntN(3), time.Month(1+rng.IntN(12)), 5, 10, 0, 0, 0, wib)
					u.Meta.TakenAt = &taken
				}
				u.Meta.Make, u.Meta.Model = "Canon", "Canon EOS R"+strconv.Itoa(rng.IntN(3))
				u.Collections = []string{pool[rng.IntN(len(pool))].Collections[0]}
				live[a.ID] = &u
				batch = append(batch, &u)
			}
			op, err = fmt.Sprintf("update %d", len(batch)), ix.Put(ctx, batch...)
		default:
			var ids []string
			for id := range live {
				if len(ids) == 2 {
					break
				}
				ids = append(ids, id)
				delete(live, id)
			}
			ids = append(ids, idOf("never indexed"))
			op, err = fmt.Sprintf("delete %d", len(ids)), ix.Delete(ctx, ids...)
		}
		if err != nil {
			t.Fatalf("step %d %s: %v", step, op, err)
		}
		for _, req := range requests {
			key, q, err := ix.plan(req)
			if err != nil {
				t.Fatal(err)
			}
			got := ix.cache.get(ix.gen.Load(), key)
			if got == nil {
				t.Fatalf("step %d %s: %+v not cached after the write", step, op, req)
			}
			c, err := ix.count(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			c.hits = nil // updated stats keep no hits: theirs were of the snapshot before
			if want := statsOf(c); !reflect.DeepEqual(got, want) {
				t.Fatalf("step %d %s: %+v: stats updated by the write differ from a fresh count:\ngot  %d %v\nwant %d %v",
					step, op, req, got.total, got.terms, want.total, want.terms)
			}
		}
	}
	if res, err := ix.Search(ctx, Request{}); err != nil || res.Total != uint64(len(live)) {
		t.Errorf("in the end: total %d (%v), want %d", res.Total, err, len(live))
	}
}

// TestStatsCarriedAreBounded: a write keeps only the maxCarried most
// recently used stats; the others are counted afresh when next asked.
func TestStatsCarriedAreBounded(t *testing.T) {
	ix := openTest(t, t.TempDir())
	t.Cleanup(func() { ix.Close() })
	ctx := context.Background()
	as := synthetic(50)
	if err := ix.Put(ctx, as[:40]...); err != nil {
		t.Fatal(err)
	}
	var reqs []Request
	for i := range maxCarried + 3 {
		reqs = append(reqs, Request{Query: fmt.Sprintf("-id:%02x", i)})
	}
	for _, req := range reqs {
		if _, err := ix.Search(ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	if err := ix.Put(ctx, as[40:]...); err != nil {
		t.Fatal(err)
	}
	for i, req := range reqs {
		key, _, err := ix.plan(req)
		if err != nil {
			t.Fatal(err)
		}
		got := ix.cache.get(ix.gen.Load(), key) != nil
		if want := i >= len(reqs)-maxCarried; got != want {
			t.Errorf("%q (asked %d of %d): cached after the write %v, want %v", req.Query, i+1, len(reqs), got, want)
		}
	}
}

// TestCountByBitmaps: counting the facet terms through the postings'
// bitmaps gives Bleve's facet counts, over several segments, with
// deleted and updated documents, for queries of every kind.
func TestCountByBitmaps(t *testing.T) {
	ix, as := segmentedIndex(t)
	ctx := t.Context()
	for _, req := range []Request{{Query: ""}, {Query: "banjir"}, {Query: "banjir ciledug"}, {Query: `"wali kota"`},
		{Query: `creator:"Joko Susilo"`}, {Query: `creator:"joko dan susilo"`}, {Query: `creator:"susilo joko"`},
		{Query: "creator:joko"}, {Query: "creator:susilo banjir"}, {Query: `camera:"nikon z"`}, {Query: "lens:nikkor"},
		{Query: "city:tangerang -type:video"}, {Query: `photographer:"budi"`}, {Query: "creator:zzz"},
		{Query: "type:video"}, {Query: "-type:video camera:nikon"}, {Query: "taken:2022-03..2023-01"}, {Query: "nothingmatches"},
		{Query: "-banjir"}, {Query: `warga -"wali kota" -creator:budi`}, {Query: "-banjir -ciledug taken:>=2023"},
		{Query: "-type:photo -type:video"}, {Query: `-creator:"Joko Susilo"`},
		{Query: "id:" + as[3].ID[:6]}, {Query: "banjir", Collections: []string{as[5].Collections[0], as[9].Collections[0], "nosuch"}}} {
		query := req.Query
		_, q, err := ix.plan(req)
		if err != nil {
			t.Fatal(err)
		}
		got, ok, err := ix.countByBitmaps(ctx, q)
		if err != nil || !ok {
			t.Fatalf("%q: counted by bitmaps: %v, %v", query, ok, err)
		}
		want, err := ix.countByFacets(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if got.total != want.total || !maps.Equal(got.terms, want.terms) {
			t.Errorf("%q: by bitmaps %d hits %v\nwant %d hits %v", query, got.total, got.terms, want.total, want.terms)
		}
	}
}

// TestPostingsCacheForgets: the facet postings kept per segment follow
// the index's segments as writes add them and merges replace them: never
// more than twice the segments in use are kept.
func TestPostingsCacheForgets(t *testing.T) {
	ix := openTest(t, t.TempDir())
	t.Cleanup(func() { ix.Close() })
	ctx := context.Background()
	as := synthetic(400)
	for i := 0; i < len(as); i += 10 {
		if err := ix.Put(ctx, as[i:i+10]...); err != nil {
			t.Fatal(err)
		}
		r := snapshot(t, ix)
		segs := r.Segments()
		fps, ok, err := ix.postings.of(segs)
		r.Close()
		if err != nil || !ok {
			t.Fatalf("after %d assets: %v, %v", i+10, ok, err)
		}
		if got, want := len(ix.postings.m), 2*len(segs); got > want {
			t.Errorf("after %d assets: %d segments' postings kept, want at most %d", i+10, got, want)
		}
		terms := 0
		for _, fp := range fps {
			terms += len(fp.terms)
		}
		if terms == 0 {
			t.Errorf("after %d assets: no facet terms read", i+10)
		}
	}
}

// segmentedIndex holds 600 synthetic assets (some undated) in several
// segments, with deletes and updates.
func segmentedIndex(t *testing.T) (*Index, []*assets.Asset) {
	t.Helper()
	ix := openTest(t, t.TempDir())
	t.Cleanup(func() { ix.Close() })
	ctx := t.Context()
	as := synthetic(600)
	for i := 0; i < len(as); i += 13 {
		as[i].Meta.TakenAt = nil
	}
	for i := 0; i < len(as); i += 97 { // one segment per batch, until merged
		if err := ix.Put(ctx, as[i:min(i+97, len(as))]...); err != nil {
			t.Fatal(err)
		}
	}
	var gone []string
	for i := 0; i < len(as); i += 7 {
		gone = append(gone, as[i].ID)
	}
	if err := ix.Delete(ctx, gone...); err != nil {
		t.Fatal(err)
	}
	// Spellings that a creator: clause, answered from the facet terms,
	// must match as Bleve's phrase and match queries on the field do.
	for i, a := range as[1:80] {
		a.Meta.Creator = []string{"Joko Susilo", "JOKO  susilo", "Joko dan Susilo", "Susilo, Joko", "joko_susilo"}[i/16]
	}
	if err := ix.Put(ctx, as[1:80]...); err != nil {
		t.Fatal(err)
	}
	return ix, as
}

// TestSlice: a page in date order is narrowed to the days that hold it
// when they are few, to its months when the days are many, and not at
// all when the periods hold most hits or the page runs into the undated.
func TestSlice(t *testing.T) {
	st := &stats{
		counts:  counts{total: 1000},
		months:  map[string]int{"2024-01": 300, "2024-02": 600},
		days:    map[string]int{"2024-02-29": 50, "2024-02-28": 50, "2024-02-01": 500, "2024-02-02": 0},
		undated: 100,
	}
	for d := 1; d <= 20; d++ { // twenty quiet days in January
		st.days[fmt.Sprintf("2024-01-%02d", d)] = 15
	}
	tests := []struct {
		newest     bool
		from, size int
		want       []string // the period terms of the slice; nil: not sliced
		wantFrom   int
	}{
		{true, 0, 20, []string{"day:2024-02-29"}, 0},
		{true, 40, 20, []string{"day:2024-02-29", "day:2024-02-28"}, 40},
		{true, 120, 20, []string{"day:2024-02-01"}, 20},
		{true, 100, 490, []string{"day:2024-02-01"}, 0},
		{false, 0, 10, []string{"day:2024-01-01"}, 0},
		{false, 20, 10, []string{"day:2024-01-02"}, 5},
		{false, 0, 290, []string{"month:2024-01"}, 0}, // twenty days: by month
		{true, 850, 100, nil, 850},                    // runs into the undated hits
		{false, 0, 400, nil, 0},                       // January and February: most hits
	}
	for _, tt := range tests {
		q, from := st.slice(query.NewMatchAllQuery(), tt.newest, tt.from, tt.size)
		var got []string
		if cq, ok := q.(*query.ConjunctionQuery); ok {
			for _, d := range cq.Conjuncts[1].(*query.DisjunctionQuery).Disjuncts {
				got = append(got, d.(*query.TermQuery).Term)
			}
		}
		if !slices.Equal(got, tt.want) || from != tt.wantFrom {
			t.Errorf("slice(newest %v, from %d, size %d) = %v from %d, want %v from %d", tt.newest, tt.from, tt.size, got, from, tt.want, tt.wantFrom)
		}
	}
}
