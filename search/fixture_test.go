package search

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"reflect"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"mediabank/assets"
	"mediabank/internal/office"
)

// fx is one hand-made asset; key is a short name for tests to read.
type fx struct {
	key, file  string
	kind       assets.Kind
	taken      string // "2006-01-02 15:04" in WIB; "" for unknown
	make       string
	model      string
	lens       string
	caption    string
	creator    string
	city       string
	collection string
	keywords   []string
	edits      map[string]any
}

const (
	nikonMake  = "NIKON CORPORATION"
	nikkor     = "AF-S NIKKOR 18-55mm f/3.5-5.6G"
	rfLens     = "RF24-105mm F4 L IS USM"
	banjirColl = "2026-08-17-banjir-ciledug"
	hutColl    = "2026-08-17-hut-ri"
)

// fixtures are a day of coverage in Tangerang and some older work.
var fixtures = []fx{
	{key: "w01", file: "DSC_0042.NEF", kind: assets.KindPhoto, taken: "2026-08-17 09:15", make: nikonMake, model: "NIKON D70", lens: nikkor,
		caption: "Wali Kota Tangerang meninjau banjir di Ciledug", creator: "Budi Santoso", city: "Tangerang", collection: banjirColl,
		keywords: []string{"banjir", "walikota", "Ciledug"}},
	{key: "w02", file: "DSC_0043.NEF", kind: assets.KindPhoto, taken: "2026-08-17 09:20", make: nikonMake, model: "NIKON D70", lens: nikkor,
		caption: "Warga mengungsi akibat banjir di Ciledug", creator: "Budi Santoso", city: "Tangerang", collection: banjirColl},
	{key: "w03", file: "DSC_0044.JPG", kind: assets.KindPhoto, taken: "2026-08-17 10:00", make: nikonMake, model: "NIKON D850",
		caption: "Pompa air dikerahkan di Perumahan Ciledug Indah", creator: "Siti Rahma", city: "Tangerang", collection: banjirColl},
	{key: "w04", file: "DSC_0045.NEF", kind: assets.KindPhoto, taken: "2026-08-18 07:00", make: nikonMake, model: "NIKON D70",
		caption: "Banjir surut di Ciledug", creator: "budi santoso"},
	{key: "c01", file: "IMG_1001.CR3", kind: assets.KindPhoto, taken: "2026-08-17 07:30", make: "Canon", model: "Canon EOS R6", lens: rfLens,
		caption: "Upacara HUT RI ke-81 di Lapangan Ahmad Yani", creator: "Siti Rahma", city: "Tangerang", collection: hutColl,
		keywords: []string{"upacara", "hari kemerdekaan"}},
	{key: "c02", file: "IMG_1002.CR3", kind: assets.KindPhoto, taken: "2026-08-17 07:45", make: "Canon", model: "Canon EOS R6", lens: rfLens,
		caption: "Paskibraka mengibarkan bendera Merah Putih", creator: "Siti Rahma", city: "Tangerang", collection: hutColl},
	{key: "c03", file: "IMG_1003.JPG", kind: assets.KindPhoto, taken: "2026-08-17 11:00", make: "Canon", model: "Canon EOS R6", lens: rfLens,
		caption: "IMG_1003", creator: "Siti Rahma", city: "Tangerang", collection: hutColl,
		edits: map[string]any{
			"caption": "Wali Kota menyerahkan penghargaan kepada Paskibraka",
			"creator": "Rina Marlina",
		}},
	{key: "c04", file: "IMG_1004.CR3", kind: assets.KindPhoto, taken: "2025-10-05 16:00", make: "Canon", model: "Canon EOS R6",
		caption: "Festival Cisadane di tepi Sungai Cisadane", creator: "Rina Marlina", city: "Tangerang",
		keywords: []string{"festival", "cisadane", "budaya"}},
	{key: "c05", file: "IMG_1005.CR3", kind: assets.KindPhoto, taken: "2025-10-05 16:05", make: "Canon", model: "Canon EOS R6",
		caption: "Lomba perahu naga Festival Cisadane", creator: "Rina Marlina", city: "Tangerang"},
	{key: "s01", file: "C0001.MP4", kind: assets.KindVideo, taken: "2026-08-17 09:30", make: "Sony", model: "ILCE-7M3",
		caption: "Video banjir di Jalan Raya Ciledug", creator: "Andi Wijaya", city: "Tangerang", collection: banjirColl},
	{key: "s02", file: "C0002.MP4", kind: assets.KindVideo, taken: "2026-08-17 12:00", make: "Sony", model: "ILCE-7M3",
		caption: "Wawancara Wali Kota soal penanganan banjir", creator: "Andi Wijaya", city: "Tangerang"},
	{key: "s03", file: "DSC01234.ARW", kind: assets.KindPhoto, taken: "2026-07-20 20:00", make: "SONY", model: "ILCE-7M3",
		caption: "Pasar Lama Tangerang di malam hari", creator: "Dewi Lestari", city: "Tangerang",
		keywords: []string{"kuliner", "pasar lama"}},
	{key: "s04", file: "DSC01235.ARW", kind: assets.KindPhoto, taken: "2026-07-20 20:30", make: "SONY", model: "ILCE-7M3",
		caption: "Kuliner malam di Pasar Lama", creator: "Dewi Lestari", city: "Tangerang"},
	// Just after midnight WIB on 1 September: still 31 August in UTC.
	{key: "s05", file: "DSC01236.ARW", kind: assets.KindPhoto, taken: "2026-09-01 00:10", make: "SONY", model: "ILCE-7M3",
		caption: "Kemacetan di Jalan Daan Mogot", creator: "Andi Wijaya", city: "Tangerang"},
	{key: "p01", file: "IMG_20260801_101500.jpg", kind: assets.KindPhoto, taken: "2026-08-01 10:15", make: "samsung", model: "SM-S918B",
		caption: "Rapat koordinasi di Puspemkot Tangerang", creator: "Dewi Lestari", city: "Tangerang"},
	{key: "p02", file: "IMG_20250612_080000.jpg", kind: assets.KindPhoto, taken: "2025-06-12 08:00", make: "Apple", model: "iPhone 15 Pro",
		caption: "Car free day di Jalan Sudirman dekat Café Batavia"},
	// New Year's night: 2026 in WIB, 2025 in UTC.
	{key: "n01", file: "DSC_0100.NEF", kind: assets.KindPhoto, taken: "2026-01-01 00:30", make: nikonMake, model: "NIKON D70",
		caption: "Flood in Ciledug, aerial view of the river", creator: "Budi Santoso"},
	{key: "n02", file: "DSC_0101.NEF", kind: assets.KindPhoto, make: nikonMake, model: "NIKON D70",
		caption: "Arsip tanpa tanggal", creator: "Budi Santoso"},
	{key: "a01", file: "REC_0001.WAV", kind: assets.KindAudio, taken: "2026-08-17 08:00",
		caption: "Rekaman pidato Wali Kota", creator: "Andi Wijaya"},
	{key: "d01", file: "Undangan_HUT_RI.pdf", kind: assets.KindDocument,
		caption: "Undangan upacara HUT RI"},
}

// idOf gives each fixture a SHA-256-shaped id.
func idOf(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

func fixtureAssets(t testing.TB) []*assets.Asset {
	t.Helper()
	wib := office.Zone()
	out := make([]*assets.Asset, 0, len(fixtures))
	for _, f := range fixtures {
		a := &assets.Asset{
			ID:         idOf(f.key),
			SHA256:     idOf(f.key),
			FileName:   f.file,
			Collection: f.collection,
			Meta: assets.Metadata{
				Kind: f.kind, Make: f.make, Model: f.model, Lens: f.lens,
				Caption: f.caption, Creator: f.creator, City: f.city, Keywords: f.keywords,
			},
		}
		if f.collection != "" {
			a.Collections = []string{f.collection} // as an ingest into it sets
		}
		if f.city != "" {
			a.Meta.Country = "Indonesia"
		}
		if f.taken != "" {
			tt, err := time.ParseInLocation("2006-01-02 15:04", f.taken, wib)
			if err != nil {
				t.Fatalf("fixture %s: %v", f.key, err)
			}
			// Extracted times arrive as instants; the index must not care.
			tt = tt.UTC()
			a.Meta.TakenAt = &tt
		}
		for field, v := range f.edits {
			if a.Edits == nil {
				a.Edits = map[string]assets.Edit{}
			}
			a.Edits[field] = assets.Edit{Value: v, By: "editor"}
		}
		out = append(out, a)
	}
	return out
}

// keyOf maps ids back to fixture keys.
var keyOf = func() map[string]string {
	m := map[string]string{}
	for _, f := range fixtures {
		m[idOf(f.key)] = f.key
	}
	return m
}()

func openTest(t testing.TB, dir string) *Index {
	t.Helper()
	ix, err := Open(filepath.Join(dir, "index"), Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return ix
}

// newFixtureIndex indexes the fixtures in one batch.
func newFixtureIndex(t testing.TB) (*Index, string) {
	t.Helper()
	dir := t.TempDir()
	ix := openTest(t, dir)
	t.Cleanup(func() { ix.Close() })
	if err := ix.Put(context.Background(), fixtureAssets(t)...); err != nil {
		t.Fatalf("Put: %v", err)
	}
	return ix, dir
}

// keys returns the fixture keys of hits, in order.
func keys(hits []Hit) []string {
	out := make([]string, 0, len(hits))
	for _, h := range hits {
		k, ok := keyOf[h.ID]
		if !ok {
			k = h.ID
		}
		out = append(out, k)
	}
	return out
}

func sorted(s []string) []string {
	s = append([]string(nil), s...)
	sort.Strings(s)
	return s
}

// sameSearches fails t where got answers one of reqs otherwise than want,
// or where want finds nothing (the request would test nothing).
func sameSearches(t *testing.T, want, got *Index, reqs []Request, what string) {
	t.Helper()
	for _, req := range reqs {
		w, err := want.Search(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		g, err := got.Search(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		if w.Total == 0 {
			t.Errorf("%+v: no hits; the request tests nothing", req)
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%+v %s:\n got %v %+v\nwant %v %+v", req, what, keys(g.Hits), g, keys(w.Hits), w)
		}
	}
}

// settle waits until Bleve's writer and merger are done with ix, so that
// no merge changes its segments while a test compares two searches of
// it: a merge drops deleted documents from the term statistics, and so
// changes scores.
func settle(t testing.TB, ix *Index) {
	t.Helper()
	if err := newUnpersisted(ix.idx).wait(t.Context()); err != nil {
		t.Fatalf("index never settled: %v", err)
	}
}

// unchanged runs same, which compares two searches of ix, again while
// Bleve changed ix between them (a background merge drops deleted
// documents from the term statistics, and so changes scores), and
// returns its last answer. Merges end, so it ends.
func unchanged(ix *Index, same func() bool) bool {
	u := newUnpersisted(ix.idx)
	for {
		before := atomic.LoadUint64(&u.stats.CurRootEpoch)
		ok := same()
		if ok || atomic.LoadUint64(&u.stats.CurRootEpoch) == before {
			return ok
		}
	}
}
