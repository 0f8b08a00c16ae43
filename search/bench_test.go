package search

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"mediabank/assets"
	"mediabank/internal/office"
)

const benchDocs = 10000

// synthetic returns n plausible records, the same for every run.
func synthetic(n int) []*assets.Asset {
	rng := rand.New(rand.NewPCG(1, 2))
	cameras := [][2]string{{"NIKON CORPORATION", "NIKON D70"}, {"NIKON CORPORATION", "NIKON Z 6_2"},
		{"Canon", "Canon EOS R6"}, {"SONY", "ILCE-7M3"}, {"samsung", "SM-S918B"}, {"Apple", "iPhone 15 Pro"}}
	creators := []string{"Budi Santoso", "Siti Rahma", "Andi Wijaya", "Dewi Lestari", "Rina Marlina"}
	places := []string{"Ciledug", "Karawaci", "Cipondoh", "Pasar Lama", "Sungai Cisadane", "Puspemkot", "Jalan Daan Mogot"}
	events := []string{"banjir", "upacara HUT RI", "rapat koordinasi", "festival budaya", "kerja bakti", "vaksinasi", "car free day"}
	subjects := []string{"Wali Kota Tangerang", "Warga", "Petugas BPBD", "Siswa", "Camat"}
	wib := office.Zone()
	start := time.Date(2020, 1, 1, 7, 0, 0, 0, wib)
	out := make([]*assets.Asset, n)
	for i := range out {
		cam := cameras[rng.IntN(len(cameras))]
		place, event := places[rng.IntN(len(places))], events[rng.IntN(len(events))]
		taken := start.Add(time.Duration(rng.Int64N(int64(6 * 365 * 24 * time.Hour))))
		kind := assets.KindPhoto
		if rng.IntN(10) == 0 {
			kind = assets.KindVideo
		}
		out[i] = &assets.Asset{
			ID:          idOf(fmt.Sprint("bench", i)),
			FileName:    fmt.Sprintf("DSC_%04d.NEF", i%10000),
			Collection:  fmt.Sprintf("%s-%s", taken.Format("2006-01-02"), event),
			Collections: []string{fmt.Sprintf("%s-%s", taken.Format("2006-01-02"), event)},
			Meta: assets.Metadata{
				Kind: kind, TakenAt: &taken, Make: cam[0], Model: cam[1],
				Caption:  fmt.Sprintf("%s meninjau %s di %s", subjects[rng.IntN(len(subjects))], event, place),
				Keywords: []string{event, place}, Creator: creators[rng.IntN(len(creators))],
				City: "Tangerang", Country: "Indonesia",
			},
		}
	}
	return out
}

func indexAll(b *testing.B, ix *Index, as []*assets.Asset, batch int) {
	for i := 0; i < len(as); i += batch {
		if err := ix.Put(context.Background(), as[i:min(i+batch, len(as))]...); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIndex indexes 10,000 records into a fresh index in batches of
// several sizes and reports documents per second: each batch waits for
// its segment to be persisted, so bigger batches go faster.
func BenchmarkIndex(b *testing.B) {
	as := synthetic(benchDocs)
	for _, batch := range []int{100, 500, 2000} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			var elapsed time.Duration
			for b.Loop() {
				b.StopTimer()
				ix := openTest(b, b.TempDir())
				b.StartTimer()
				t0 := time.Now()
				indexAll(b, ix, as, batch)
				elapsed += time.Since(t0)
				b.StopTimer()
				ix.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(benchDocs*b.N)/elapsed.Seconds(), "docs/s")
		})
	}
}

// BenchmarkSearch reports the latency of typical queries on 10,000
// records.
func BenchmarkSearch(b *testing.B) {
	ix := openTest(b, b.TempDir())
	defer ix.Close()
	indexAll(b, ix, synthetic(benchDocs), 500)
	for _, req := range []Request{
		{},
		{Query: "banjir ciledug"},
		{Query: `"wali kota" -video`, Sort: "relevance"},
		{Query: "camera:nikon taken:2024-08", Facets: true},
		{Query: "festival budaya creator:siti", Facets: true, Sort: "name"},
		{Query: "tangerang", Facets: true, Page: 20},
	} {
		b.Run(fmt.Sprintf("%q facets=%v", req.Query, req.Facets), func(b *testing.B) {
			var total uint64
			for b.Loop() {
				res, err := ix.Search(context.Background(), req)
				if err != nil {
					b.Fatal(err)
				}
				total = res.Total
			}
			b.ReportMetric(float64(total), "hits")
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/query")
		})
	}
}
