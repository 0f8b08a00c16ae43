package ingest_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"mediabank/assets"
	"mediabank/assets/diskstore"
	"mediabank/assets/s3store"
	"mediabank/assets/storetest"
	"mediabank/ingest"
	"mediabank/search"
)

// discardIndex takes records and keeps nothing: the rebuild's fetch
// alone.
type discardIndex struct{}

func (discardIndex) Put(ctx context.Context, as ...*assets.Asset) error { return nil }
func (discardIndex) Has(ctx context.Context, id string) (bool, error)   { return false, nil }

// BenchmarkReindex reports records per second that Reindex reads from
// each store (into an index that keeps nothing), and from the local
// store into a real search index.
func BenchmarkReindex(b *testing.B) {
	const n = 10000
	stores := map[string]func(b *testing.B) assets.Store{
		"disk": func(b *testing.B) assets.Store {
			s, err := diskstore.Open(b.Context(), b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			return s
		},
		"minio": func(b *testing.B) assets.Store {
			m := storetest.StartMinIO(b)
			s, err := s3store.Open(b.Context(), s3store.Config{Endpoint: m.Endpoint, AccessKey: m.AccessKey, SecretKey: m.SecretKey, Bucket: "bank"})
			if err != nil {
				b.Fatal(err)
			}
			return s
		},
	}
	for _, name := range []string{"disk", "minio"} {
		store := stores[name](b)
		fill(b, store, n)
		b.Run(name+"/fetch", func(b *testing.B) {
			for b.Loop() {
				if got, err := ingest.Reindex(b.Context(), store, discardIndex{}, nil); err != nil || got != n {
					b.Fatalf("Reindex = %d, %v", got, err)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
		})
		if name != "disk" {
			continue
		}
		b.Run(name+"/index", func(b *testing.B) {
			var took time.Duration
			for b.Loop() {
				ix, err := search.Open(filepath.Join(b.TempDir(), "index"), search.Options{})
				if err != nil {
					b.Fatal(err)
				}
				t0 := time.Now()
				if got, err := ingest.Reindex(b.Context(), store, ix, nil); err != nil || got != n {
					b.Fatalf("Reindex = %d, %v", got, err)
				}
				took += time.Since(t0)
				ix.Close()
			}
			b.ReportMetric(float64(n*b.N)/took.Seconds(), "records/s")
		})
	}
}

// fill writes n small asset records, 16 at a time.
func fill(b *testing.B, store assets.Store, n int) {
	b.Helper()
	taken := time.Date(2025, 8, 17, 9, 0, 0, 0, time.UTC)
	ids := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failed error
	for range 16 {
		wg.Go(func() {
			for i := range ids {
				sum := sha256.Sum256([]byte(fmt.Sprint("bench ", i)))
				a := &assets.Asset{ID: hex.EncodeToString(sum[:]), FileName: fmt.Sprintf("DSC_%05d.JPG", i),
					Meta: assets.Metadata{Kind: assets.KindPhoto, TakenAt: &taken, Caption: "warga menonton festival budaya di alun alun",
						Make: "Canon", Model: "Canon EOS R6", Creator: "Siti Rahma", City: "Tangerang"}}
				if _, err := assets.WriteRecord(b.Context(), store, a, assets.PutOptions{}); err != nil {
					mu.Lock()
					failed = err
					mu.Unlock()
				}
			}
		})
	}
	for i := range n {
		ids <- i
	}
	close(ids)
	wg.Wait()
	if failed != nil {
		b.Fatal(failed)
	}
}
