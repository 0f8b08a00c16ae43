package search

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"

	"mediabank/assets"
	"mediabank/internal/office"
)

func TestSearchQueries(t *testing.T) {
	ix, _ := newFixtureIndex(t)
	all := make([]string, 0, len(fixtures))
	for _, f := range fixtures {
		all = append(all, f.key)
	}
	aug17 := []string{"w01", "w02", "w03", "c01", "c02", "c03", "s01", "s02", "a01"}
	tests := []struct {
		query string
		want  []string
	}{
		{"", all},
		{"   ", all},
		{"banjir", []string{"w01", "w02", "w03", "w04", "s01", "s02"}},
		{"BANJIR", []string{"w01", "w02", "w03", "w04", "s01", "s02"}},
		// 2026 matches the year too, walikota only a keyword.
		{"walikota banjir 2026", []string{"w01"}},
		{"wali kota", []string{"w01", "c03", "s02", "a01"}},
		{`"wali kota" banjir`, []string{"w01", "s02"}},
		// Stop words are dropped from AND, kept as gaps in phrases.
		{"banjir di ciledug", []string{"w01", "w02", "w03", "w04", "s01"}},
		{`"banjir di ciledug"`, []string{"w01", "w02"}},
		{"banjir -video", []string{"w01", "w02", "w03", "w04"}},
		{`ciledug -"wali kota"`, []string{"w02", "w03", "w04", "s01", "n01"}},
		{"-banjir -ciledug type:video", []string{}},
		{"-type:photo", []string{"s01", "s02", "a01", "d01"}},
		// File names split on _ and . ; DSC01234 stays one word.
		{"0042", []string{"w01"}},
		{"DSC_0042", []string{"w01"}},
		{"dsc_0042.nef", []string{"w01"}},
		{"dsc", []string{"w01", "w02", "w03", "w04", "n01", "n02"}},
		{"dsc01234", []string{"s03"}},
		{"name:IMG_1003", []string{"c03"}},
		{"camera:nikon", []string{"w01", "w02", "w03", "w04", "n01", "n02"}},
		{`camera:"Nikon D70"`, []string{"w01", "w02", "w04", "n01", "n02"}},
		{`camera:"sony ilce-7m3"`, []string{"s01", "s02", "s03", "s04", "s05"}},
		{"make:canon", []string{"c01", "c02", "c03", "c04", "c05"}},
		{"model:d850", []string{"w03"}},
		{"lens:nikkor", []string{"w01", "w02"}},
		{"type:video", []string{"s01", "s02"}},
		{"type:VIDEO", []string{"s01", "s02"}},
		{"type:dokumen", []string{"d01"}},
		{"type:audio", []string{"a01"}},
		{"video", []string{"s01", "s02"}},
		// Edits win over what the file says.
		{`creator:"budi santoso"`, []string{"w01", "w02", "w04", "n01", "n02"}},
		{"by:siti", []string{"w03", "c01", "c02"}},
		{"photographer:rina", []string{"c03", "c04", "c05"}},
		{"caption:paskibraka", []string{"c02", "c03"}},
		{"caption:IMG_1003", []string{}},
		{"collection:hut", []string{"c01", "c02", "c03"}},
		{"collection:" + banjirColl, []string{"w01", "w02", "w03", "s01"}},
		{"city:tangerang type:video", []string{"s01", "s02"}},
		{"country:indonesia banjir", []string{"w01", "w02", "w03", "s01", "s02"}},
		{`keyword:"pasar lama"`, []string{"s03"}},
		{"keywords:kuliner", []string{"s03"}},
		// "lama" is no stop word here: Pasar Lama is a place.
		{"pasar lama", []string{"s03", "s04"}},
		{"flood river", []string{"n01"}},
		// Accents fold: editors type without them.
		{"cafe batavia", []string{"p02"}},
		{"CAFÉ", []string{"p02"}},
		{"hut ri", []string{"c01", "c02", "c03", "d01"}},
		{"hari kemerdekaan", []string{"c01"}},
		{"year:2025", []string{"c04", "c05", "p02"}},
		{"year:2026 camera:nikon", []string{"w01", "w02", "w03", "w04", "n01"}},
		// Dates are WIB days, whatever the instant's zone.
		{"taken:2026-01-01", []string{"n01"}},
		{"taken:2025-12-31", []string{}},
		{"taken:2026-08-17", aug17},
		{"taken:2026-08", append([]string{"w04", "p01"}, aug17...)},
		{"taken:2026-09", []string{"s05"}},
		{"taken:2025", []string{"c04", "c05", "p02"}},
		{"taken:>=2026-08-18", []string{"w04", "s05"}},
		{"taken:>2026-08-17", []string{"w04", "s05"}},
		{"taken:<2025-10", []string{"p02"}},
		{"taken:<=2025-10-05", []string{"c04", "c05", "p02"}},
		{"taken:2025-10-01..2025-10-31", []string{"c04", "c05"}},
		{"taken:..2025-10", []string{"c04", "c05", "p02"}},
		{"taken:2026-08-18..", []string{"w04", "s05"}},
		{"taken:2026-07..2026-08-01 tangerang", []string{"s03", "s04", "p01"}},
		{"id:" + idOf("w01")[:8], []string{"w01"}},
		{"id:" + strings.ToUpper(idOf("c02")), []string{"c02"}},
		// Only stop words or punctuation: nothing to narrow by.
		{"di", all},
		{"- , .", all},
		{"xyzzy", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			res, err := ix.Search(context.Background(), Request{Query: tt.query, Size: MaxSize})
			if err != nil {
				t.Fatalf("Search(%q): %v", tt.query, err)
			}
			got, want := sorted(keys(res.Hits)), sorted(tt.want)
			if !slices.Equal(got, want) {
				t.Errorf("Search(%q) = %v, want %v", tt.query, got, want)
			}
			if res.Total != uint64(len(want)) {
				t.Errorf("Search(%q).Total = %d, want %d", tt.query, res.Total, len(want))
			}
		})
	}
}

func TestSearchBadInput(t *testing.T) {
	ix, _ := newFixtureIndex(t)
	tests := []struct {
		req  Request
		want string
	}{
		{Request{Query: `"wali kota`}, "unterminated quote"},
		{Request{Query: "lokasi:ciledug"}, "unknown field"},
		{Request{Query: "banjir", Sort: "size"}, `sort "size"`},
	}
	for _, tt := range tests {
		_, err := ix.Search(context.Background(), tt.req)
		if !errors.Is(err, ErrQuery) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Search(%+v) error = %v, want ErrQuery containing %q", tt.req, err, tt.want)
		}
	}
}

func TestHitFields(t *testing.T) {
	ix, _ := newFixtureIndex(t)
	res, err := ix.Search(context.Background(), Request{Query: "0042"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) != 1 {
		t.Fatalf("hits = %v, want one", keys(res.Hits))
	}
	taken := time.Date(2026, 8, 17, 9, 15, 0, 0, office.Zone())
	got := res.Hits[0]
	got.Score = 0
	want := Hit{ID: idOf("w01"), FileName: "DSC_0042.NEF", Kind: "photo", TakenAt: &taken,
		Camera: "Nikon D70", Collection: banjirColl}
	if !reflect.DeepEqual(got, want) || got.TakenAt.Location().String() != "WIB" {
		t.Errorf("hit = %+v (taken %v), want %+v (taken %v)", got, got.TakenAt, want, want.TakenAt)
	}
}

func TestFacets(t *testing.T) {
	ix, _ := newFixtureIndex(t)
	res, err := ix.Search(context.Background(), Request{Query: "taken:2026-08-17", Facets: true, Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]FacetCount{
		"type": {{"photo", "photo", 6}, {"video", "video", 2}, {"audio", "audio", 1}},
		// Counts first, then terms, so the order is stable; labels as
		// people write the names.
		"camera":     {{"canon eos r6", "Canon EOS R6", 3}, {"nikon d70", "Nikon D70", 2}, {"sony ilce-7m3", "Sony ILCE-7M3", 2}, {"nikon d850", "Nikon D850", 1}},
		"creator":    {{"andi wijaya", "Andi Wijaya", 3}, {"siti rahma", "Siti Rahma", 3}, {"budi santoso", "Budi Santoso", 2}, {"rina marlina", "Rina Marlina", 1}},
		"year":       {{"2026", "2026", 9}},
		"month":      {{"2026-08", "2026-08", 9}},
		"collection": {{banjirColl, banjirColl, 4}, {hutColl, hutColl, 3}},
		"lens":       {{strings.ToLower(rfLens), rfLens, 3}, {strings.ToLower(nikkor), nikkor, 2}},
		"city":       {{"tangerang", "Tangerang", 8}},
	}
	if !reflect.DeepEqual(res.Facets, want) {
		t.Errorf("facets =\n%v\nwant\n%v", res.Facets, want)
	}

	// Spellings of one name count together; the WIB calendar decides
	// years and months.
	res, err = ix.Search(context.Background(), Request{Query: "camera:nikon", Facets: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		facet string
		want  []FacetCount
	}{
		{"creator", []FacetCount{{"budi santoso", "Budi Santoso", 5}, {"siti rahma", "Siti Rahma", 1}}},
		{"year", []FacetCount{{"2026", "2026", 5}}},
		{"month", []FacetCount{{"2026-08", "2026-08", 4}, {"2026-01", "2026-01", 1}}},
		{"city", []FacetCount{{"tangerang", "Tangerang", 3}}},
	} {
		if got := res.Facets[tt.facet]; !reflect.DeepEqual(got, tt.want) {
			t.Errorf("camera:nikon facet %s = %v, want %v", tt.facet, got, tt.want)
		}
	}

	res, err = ix.Search(context.Background(), Request{Query: "banjir"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Facets != nil {
		t.Errorf("facets without asking = %v, want nil", res.Facets)
	}
}

func TestSortOrders(t *testing.T) {
	ix, _ := newFixtureIndex(t)
	newest := []string{"s02", "c03", "w03", "s01", "w02", "w01", "a01", "c02", "c01"}
	tests := []struct {
		query, sort string
		want        []string
	}{
		{"taken:2026-08-17", "", newest},
		{"taken:2026-08-17", "taken", newest},
		{"taken:2026-08-17", "-taken", []string{"c01", "c02", "a01", "w01", "w02", "s01", "w03", "c03", "s02"}},
		{"taken:2026-08-17", "name", []string{"s01", "s02", "w01", "w02", "w03", "c01", "c02", "c03", "a01"}},
		// Records without a date come last either way.
		{"camera:nikon", "", undatedLast([]string{"w04", "w03", "w02", "w01", "n01"}, "n02")},
		{"camera:nikon", "-taken", undatedLast([]string{"n01", "w01", "w02", "w03", "w04"}, "n02")},
		{"type:document", "", []string{"d01"}},
	}
	for _, tt := range tests {
		res, err := ix.Search(context.Background(), Request{Query: tt.query, Sort: tt.sort})
		if err != nil {
			t.Fatalf("Search(%q, %q): %v", tt.query, tt.sort, err)
		}
		if got := keys(res.Hits); !slices.Equal(got, tt.want) {
			t.Errorf("Search(%q, sort %q) = %v, want %v", tt.query, tt.sort, got, tt.want)
		}
	}

	// Undated records among themselves: id order.
	res, err := ix.Search(context.Background(), Request{Size: MaxSize})
	if err != nil {
		t.Fatal(err)
	}
	got := keys(res.Hits)
	tail := got[len(got)-2:]
	want := []string{"n02", "d01"}
	if idOf("d01") < idOf("n02") {
		want = []string{"d01", "n02"}
	}
	if !slices.Equal(tail, want) {
		t.Errorf("last of all = %v, want undated %v", tail, want)
	}

	// No query: every hit scores the same, newest first.
	rel, err := ix.Search(context.Background(), Request{Size: MaxSize, Sort: "relevance"})
	if err != nil {
		t.Fatal(err)
	}
	if got := keys(rel.Hits); !slices.Equal(got, keys(res.Hits)) {
		t.Errorf("no query by relevance = %v, want newest first %v", got, keys(res.Hits))
	}

	res, err = ix.Search(context.Background(), Request{Query: "banjir ciledug", Sort: "relevance"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(res.Hits); i++ {
		if res.Hits[i].Score > res.Hits[i-1].Score {
			t.Errorf("relevance: hit %d score %v > hit %d score %v", i, res.Hits[i].Score, i-1, res.Hits[i-1].Score)
		}
	}
	if len(res.Hits) != 5 || res.Hits[0].Score <= 0 {
		t.Errorf("relevance hits = %v (first score %v), want 5 scored", keys(res.Hits), res.Hits[0].Score)
	}
}

// undatedLast appends the one undated key.
func undatedLast(dated []string, undated string) []string { return append(dated, undated) }

func TestPagination(t *testing.T) {
	ix, _ := newFixtureIndex(t)
	ctx := context.Background()
	full, err := ix.Search(ctx, Request{})
	if err != nil {
		t.Fatal(err)
	}
	var paged []string
	for page := 1; page <= 4; page++ {
		res, err := ix.Search(ctx, Request{Page: page, Size: 7})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != uint64(len(fixtures)) {
			t.Errorf("page %d total = %d, want %d", page, res.Total, len(fixtures))
		}
		wantLen := []int{7, 7, 6, 0}[page-1]
		if len(res.Hits) != wantLen {
			t.Errorf("page %d has %d hits, want %d", page, len(res.Hits), wantLen)
		}
		paged = append(paged, keys(res.Hits)...)
	}
	if got, want := paged, keys(full.Hits); !slices.Equal(got, want) {
		t.Errorf("pages = %v, want %v", got, want)
	}
	// Page 0 is page 1; sizes are clamped.
	for _, tt := range []struct {
		req  Request
		want int
	}{
		{Request{Page: 0, Size: 3}, 3},
		{Request{Page: -2, Size: 3}, 3},
		{Request{Size: 0}, len(fixtures)},
		{Request{Size: 100000}, len(fixtures)},
	} {
		res, err := ix.Search(ctx, tt.req)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Hits) != tt.want || res.Hits[0].ID != full.Hits[0].ID {
			t.Errorf("Search(%+v) = %d hits from %s, want %d from %s", tt.req, len(res.Hits), res.Hits[0].ID, tt.want, full.Hits[0].ID)
		}
	}
}

func TestPutDeleteHasCount(t *testing.T) {
	ix, _ := newFixtureIndex(t)
	ctx := context.Background()
	check := func(step string, wantCount uint64, wantHas bool, wantHits int) {
		t.Helper()
		n, err := ix.Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		has, err := ix.Has(ctx, idOf("w01"))
		if err != nil {
			t.Fatal(err)
		}
		res, err := ix.Search(ctx, Request{Query: "0042"})
		if err != nil {
			t.Fatal(err)
		}
		if n != wantCount || has != wantHas || len(res.Hits) != wantHits {
			t.Errorf("%s: count %d, has %v, hits %d; want %d, %v, %d", step, n, has, len(res.Hits), wantCount, wantHas, wantHits)
		}
	}
	check("indexed", 20, true, 1)
	if err := ix.Delete(ctx, idOf("w01"), idOf("nothing")); err != nil {
		t.Fatal(err)
	}
	check("deleted", 19, false, 0)
	if err := ix.Delete(ctx); err != nil {
		t.Fatalf("empty Delete: %v", err)
	}

	// Re-putting an asset replaces its document: an edit is found, the
	// old caption no longer.
	a := fixtureAssets(t)[0]
	a.Edits = map[string]assets.Edit{"caption": {Value: "Genangan air di Ciledug"}}
	if err := ix.Put(ctx, a); err != nil {
		t.Fatal(err)
	}
	check("re-put", 20, true, 1)
	for q, want := range map[string]int{"genangan": 1, "meninjau": 0} {
		res, err := ix.Search(ctx, Request{Query: q})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Hits) != want {
			t.Errorf("after edit, %q hits = %v, want %d", q, keys(res.Hits), want)
		}
	}

	if err := ix.Put(ctx, nil); err == nil {
		t.Error("Put(nil) succeeded, want error")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := ix.Put(cancelled, a); !errors.Is(err, context.Canceled) {
		t.Errorf("Put(cancelled) = %v, want context.Canceled", err)
	}
	if _, err := ix.Search(cancelled, Request{Query: "banjir"}); !errors.Is(err, context.Canceled) {
		t.Errorf("Search(cancelled) = %v, want context.Canceled", err)
	}
}

func TestReopen(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	ix := openTest(t, dir)
	if err := ix.Put(ctx, fixtureAssets(t)...); err != nil {
		t.Fatal(err)
	}
	before, err := ix.Search(ctx, Request{Query: "banjir", Facets: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	ix = openTest(t, dir)
	n, err := ix.Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	after, err := ix.Search(ctx, Request{Query: "banjir", Facets: true})
	if err != nil {
		t.Fatal(err)
	}
	if n != uint64(len(fixtures)) || !reflect.DeepEqual(after, before) {
		t.Errorf("reopened: count %d, result %+v; want %d, %+v", n, after, len(fixtures), before)
	}

	// An index built with another mapping asks for a reindex.
	if err := ix.idx.SetInternal([]byte(versionKey), []byte("0")); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(filepath.Join(dir, "index"), Options{}); !errors.Is(err, ErrReindex) {
		t.Errorf("Open(old mapping) = %v, want ErrReindex", err)
	}
}

// TestRebuildEquality indexes the same records in another order and other
// batches, as `mediabank reindex` would, and wants identical results.
// sameRequests are searches that two indexes of the same assets must
// answer alike, whichever way they were built.
var sameRequests = []Request{
	{Facets: true},
	{Query: "banjir", Facets: true},
	{Query: "banjir ciledug", Sort: "relevance"},
	{Query: "wali kota", Sort: "relevance", Facets: true},
	{Query: "dsc", Sort: "name"},
	{Query: "camera:nikon", Sort: "-taken"},
	{Query: "taken:2026-08", Page: 2, Size: 4},
	{Query: "tangerang", Sort: "relevance", Size: 5},
}

func TestRebuildEquality(t *testing.T) {
	first, _ := newFixtureIndex(t)
	ctx := context.Background()
	second := openTest(t, t.TempDir())
	defer second.Close()
	as := fixtureAssets(t)
	slices.Reverse(as)
	for i := 0; i < len(as); i += 3 {
		if err := second.Put(ctx, as[i:min(i+3, len(as))]...); err != nil {
			t.Fatal(err)
		}
	}
	// An extra record put and deleted leaves no trace.
	extra := fixtureAssets(t)[0]
	extra.ID = idOf("extra")
	if err := second.Put(ctx, extra); err != nil {
		t.Fatal(err)
	}
	if err := second.Delete(ctx, extra.ID); err != nil {
		t.Fatal(err)
	}
	sameSearches(t, first, second, sameRequests, "differs after rebuild")
}

// TestFacetLabels: a facet term is shown in the spelling most of the hits
// use, whatever the case of the query that found them; filtering stays
// case-blind.
func TestFacetLabels(t *testing.T) {
	ctx := context.Background()
	ix := openTest(t, t.TempDir())
	defer ix.Close()
	asset := func(key, creator, city string) *assets.Asset {
		return &assets.Asset{ID: idOf(key), FileName: key + ".JPG", Meta: assets.Metadata{Kind: assets.KindPhoto, Creator: creator, City: city}}
	}
	if err := ix.Put(ctx,
		asset("l1", "budi santoso", "TANGERANG"), asset("l2", "budi santoso", "Tangerang"),
		asset("l3", "Budi Santoso", "Tangerang Selatan"), asset("l4", "Dewi  Lestari", "tangerang selatan"),
		asset("l5", "DEWI LESTARI", "Kota Tangerang"),
	); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		query, facet string
		want         []FacetCount
	}{
		// Two hits spell it in lower case, one capitalised: the many win.
		{"", "creator", []FacetCount{{"budi santoso", "budi santoso", 3}, {"dewi  lestari", "Dewi  Lestari", 1}, {"dewi lestari", "DEWI LESTARI", 1}}},
		// One each: Bleve's order (count, then term) decides, so upper
		// case first, the same in every rebuild.
		{"", "city", []FacetCount{{"tangerang", "TANGERANG", 2}, {"tangerang selatan", "Tangerang Selatan", 2}, {"kota tangerang", "Kota Tangerang", 1}}},
		// The label follows the hits: here only the capitalised one.
		{`creator:"budi santoso" city:selatan`, "creator", []FacetCount{{"budi santoso", "Budi Santoso", 1}}},
	}
	for _, tt := range tests {
		res, err := ix.Search(ctx, Request{Query: tt.query, Facets: true})
		if err != nil {
			t.Fatalf("Search(%q): %v", tt.query, err)
		}
		if got := res.Facets[tt.facet]; !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Search(%q) facet %s = %v, want %v", tt.query, tt.facet, got, tt.want)
		}
	}
}

// TestSearchInCollections: Request.Collections keeps a search to assets
// filed into those collections, ANDed with the query.
func TestSearchInCollections(t *testing.T) {
	ix, _ := newFixtureIndex(t)
	tests := []struct {
		name        string
		query       string
		collections []string
		want        []string
		wantErr     bool
	}{
		{"nil: no restriction", "banjir", nil, []string{"w01", "w02", "w03", "w04", "s01", "s02"}, false},
		{"restricted", "banjir", []string{banjirColl}, []string{"w01", "w02", "w03", "s01"}, false},
		{"one collection", "", []string{banjirColl}, []string{"w01", "w02", "w03", "s01"}, false},
		{"two collections", "", []string{banjirColl, hutColl}, []string{"w01", "w02", "w03", "s01", "c01", "c02", "c03"}, false},
		{"with the query", "type:video", []string{banjirColl, hutColl}, []string{"s01"}, false},
		{"case and spaces do not matter", "", []string{" " + strings.ToUpper(hutColl)}, []string{"c01", "c02", "c03"}, false},
		{"unknown collection", "", []string{"lip-20990101-zzzzzz"}, []string{}, false},
		{"empty: nothing", "", []string{}, []string{}, false},
		{"too many", "", make([]string, MaxCollections+1), nil, true},
	}
	for _, tt := range tests {
		res, err := ix.Search(context.Background(), Request{Query: tt.query, Collections: tt.collections, Size: MaxSize})
		if tt.wantErr {
			if !errors.Is(err, ErrQuery) {
				t.Errorf("%s: err = %v, want ErrQuery", tt.name, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got, want := sorted(keys(res.Hits)), sorted(tt.want); !slices.Equal(got, want) || res.Total != uint64(len(want)) {
			t.Errorf("%s: got %v (total %d), want %v", tt.name, got, res.Total, want)
		}
	}
}

// TestDateOrderPages: every page in date order, which is searched for
// only in the months that hold it, is the page of the full sort (newest
// or oldest first, undated last), at any page size and with a query.
func TestDateOrderPages(t *testing.T) {
	ix := openTest(t, t.TempDir())
	t.Cleanup(func() { ix.Close() })
	ctx := context.Background()
	as := synthetic(700)
	for _, a := range as[:40] {
		a.Meta.TakenAt = nil // undated: last in both orders
	}
	// A busy week, so that pages are sliced to days as well as months.
	week := time.Date(2024, 2, 26, 6, 0, 0, 0, office.Zone())
	for i, a := range as[40:400] {
		t := week.Add(time.Duration(i) * 29 * time.Minute)
		a.Meta.TakenAt = &t
	}
	if err := ix.Put(ctx, as...); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		query, sort string
		size        int
	}{
		{"", "taken", 7},
		{"", "taken", 100},
		{"", "-taken", 33},
		{"banjir", "taken", 10},
		{"banjir", "-taken", 500},
		{"type:video", "taken", 3},
		{"", "taken", 40},
		{"banjir", "-taken", 9},
		{"taken:2024-02", "-taken", 11},
	} {
		q, err := ix.parser.parse(tt.query)
		if err != nil {
			t.Fatal(err)
		}
		sr := bleve.NewSearchRequestOptions(assetsOnly(q), len(as), 0, false)
		sr.SortBy(sorts[tt.sort])
		full, err := ix.idx.SearchInContext(ctx, sr)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, h := range full.Hits {
			want = append(want, h.ID)
		}
		var got []string
		for page := 1; ; page++ {
			res, err := ix.Search(ctx, Request{Query: tt.query, Sort: tt.sort, Page: page, Size: tt.size})
			if err != nil {
				t.Fatal(err)
			}
			if res.Total != full.Total {
				t.Fatalf("%q %s page %d: total %d, want %d", tt.query, tt.sort, page, res.Total, full.Total)
			}
			if len(res.Hits) == 0 {
				break
			}
			for _, h := range res.Hits {
				got = append(got, h.ID)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%q sort %s size %d: pages differ from the full sort (%d vs %d hits)", tt.query, tt.sort, tt.size, len(got), len(want))
		}
	}
}

// TestFacetsFollowWrites: facets are cached per query, and a write makes
// the next search count afresh.
func TestFacetsFollowWrites(t *testing.T) {
	ix, _ := newFixtureIndex(t)
	ctx := context.Background()
	count := func(term string) int {
		t.Helper()
		res, err := ix.Search(ctx, Request{Facets: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, fc := range res.Facets["camera"] {
			if fc.Term == term {
				return fc.Count
			}
		}
		return 0
	}
	if got := count("ricoh gr iii"); got != 0 {
		t.Fatalf("before: ricoh gr iii counted %d, want 0", got)
	}
	taken := time.Date(2026, 9, 1, 8, 0, 0, 0, office.Zone())
	a := &assets.Asset{ID: idOf("new"), FileName: "R0000001.DNG",
		Meta: assets.Metadata{Kind: assets.KindPhoto, Make: "RICOH IMAGING COMPANY, LTD.", Model: "RICOH GR III", TakenAt: &taken}}
	if err := ix.Put(ctx, a); err != nil {
		t.Fatal(err)
	}
	if got := count("ricoh gr iii"); got != 1 {
		t.Errorf("after Put: ricoh gr iii counted %d, want 1", got)
	}
	if err := ix.Delete(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if got := count("ricoh gr iii"); got != 0 {
		t.Errorf("after Delete: ricoh gr iii counted %d, want 0", got)
	}
}

// TestSearchWhileWriting: searches running while assets are put never
// leave stale stats behind: once the writes are done, the total and the
// facets count every asset.
func TestSearchWhileWriting(t *testing.T) {
	ix := openTest(t, t.TempDir())
	t.Cleanup(func() { ix.Close() })
	ctx := context.Background()
	as := synthetic(200)
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				if _, err := ix.Search(ctx, Request{Facets: true}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	for i := 0; i < len(as); i += 20 {
		if err := ix.Put(ctx, as[i:i+20]...); err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	wg.Wait()
	res, err := ix.Search(ctx, Request{Facets: true})
	if err != nil {
		t.Fatal(err)
	}
	types := 0
	for _, fc := range res.Facets["type"] {
		types += fc.Count
	}
	if res.Total != uint64(len(as)) || types != len(as) {
		t.Errorf("after the writes: total %d, type facet counts %d; want %d", res.Total, types, len(as))
	}
}

// TestSortOrdersKnown: the orders offered are the orders sorted on.
func TestSortOrdersKnown(t *testing.T) {
	got := SortOrders()
	if len(got) != len(sorts) || got[0] != "taken" {
		t.Errorf("SortOrders() = %v, want the %d orders of sorts, newest first", got, len(sorts))
	}
	for _, o := range got {
		if sorts[o] == nil {
			t.Errorf("order %q offered, not sorted on", o)
		}
	}
}
