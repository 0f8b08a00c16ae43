package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"mediabank/assets"
)

// fill puts n made-up photo records into the bank and the index, as a
// few years of coverage would: ten cameras, captions, keywords.
func fill(tb testing.TB, h *harness, n int) {
	tb.Helper()
	ctx := context.Background()
	cameras := []string{"NIKON D750", "NIKON Z 6", "Canon EOS R6", "Canon EOS 5D Mark IV", "SONY ILCE-7M3"}
	start := time.Date(2023, 1, 1, 8, 0, 0, 0, wib)
	batch := make([]*assets.Asset, 0, 500)
	for i := range n {
		id := assets.Sum([]byte(fmt.Sprint("asset ", i)))
		taken := start.Add(time.Duration(i) * 97 * time.Minute)
		model := cameras[i%len(cameras)]
		a := &assets.Asset{
			ID: id, Size: 8 << 20, FileName: fmt.Sprintf("DSC_%05d.JPG", i), Original: assets.OriginalKey(id),
			Source: assets.Source{Path: fmt.Sprintf("DCIM/100ND750/DSC_%05d.JPG", i), IngestID: "bench", IngestedAt: taken},
			Meta: assets.Metadata{MIME: "image/jpeg", Kind: assets.KindPhoto, Width: 6016, Height: 4016, TakenAt: &taken,
				Make: strings.Fields(model)[0], Model: model, Caption: fmt.Sprintf("Kegiatan Pemkot Tangerang nomor %d", i),
				Keywords: []string{"tangerang", []string{"upacara", "banjir", "posyandu", "rapat"}[i%4]}, Creator: fmt.Sprintf("Fotografer %d", i%7), City: "Tangerang"},
			Renditions: map[string]assets.Rendition{assets.Thumbnail: {Key: assets.RenditionKey(id, assets.Thumbnail, "jpg"), Width: 320, Height: 214, MIME: "image/jpeg"}},
			CreatedAt:  taken,
		}
		if _, err := assets.WriteRecord(ctx, h.store, a, assets.PutOptions{IfNoneMatch: true}); err != nil {
			tb.Fatal(err)
		}
		if batch = append(batch, a); len(batch) == cap(batch) || i == n-1 {
			if err := h.index.Put(ctx, batch...); err != nil {
				tb.Fatal(err)
			}
			batch = batch[:0]
		}
	}
}

// BenchmarkSearchPage renders the search page (100 tiles, facets, the
// records of the tiles) over a bank of 10,000 photos, as a browser asks
// for it. The bound is a second.
func BenchmarkSearchPage(b *testing.B) {
	h := newHarness(b)
	fill(b, h, 10_000)
	c := h.login(b, "admin")
	for _, q := range []string{"", "q=upacara&camera=nikon+d750", "q=tangerang&page=20"} {
		b.Run(strings.ReplaceAll(q, "&", ","), func(b *testing.B) {
			for b.Loop() {
				status, html := c.page("/cari?" + q)
				if status != http.StatusOK || strings.Count(html, `class="tile"`) != 100 {
					b.Fatalf("status %d, %d tiles", status, strings.Count(html, `class="tile"`))
				}
			}
		})
	}
}
