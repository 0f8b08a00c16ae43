package ingest_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"sync"
	"syscall"
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
// each store (into an index that keeps nothing), and from each store into
// a rebuilt search index (and from the local store into a live one), per
// second and per second of CPU.
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
		// Into the live index, batch by batch, as the server would; and
		// through a rebuild (a new index beside the old, swapped in), as
		// reindex does.
		into := map[string]func(b *testing.B, path string) (ingest.Putter, func() error){
			"index": func(b *testing.B, path string) (ingest.Putter, func() error) {
				ix, err := search.Open(path, search.Options{})
				if err != nil {
					b.Fatal(err)
				}
				return ix, ix.Close
			},
			"rebuild": func(b *testing.B, path string) (ingest.Putter, func() error) {
				rb, err := search.NewRebuild(path, search.Options{})
				if err != nil {
					b.Fatal(err)
				}
				return rb, func() error { return rb.Commit(b.Context()) }
			},
		}
		kinds := []string{"index", "rebuild"}
		if name != "disk" {
			kinds = []string{"rebuild"} // what reindex does
		}
		for _, kind := range kinds {
			b.Run(name+"/"+kind, func(b *testing.B) {
				var took, cpu time.Duration
				for b.Loop() {
					path := filepath.Join(b.TempDir(), "index")
					c0 := cpuTime(b, syscall.RUSAGE_SELF)
					t0 := time.Now()
					ix, done := into[kind](b, path)
					if got, err := ingest.Reindex(b.Context(), store, ix, nil); err != nil || got != n {
						b.Fatalf("Reindex = %d, %v", got, err)
					}
					if err := done(); err != nil {
						b.Fatal(err)
					}
					took += time.Since(t0)
					cpu += cpuTime(b, syscall.RUSAGE_SELF) - c0
				}
				b.ReportMetric(float64(n*b.N)/took.Seconds(), "records/s")
				// The machine is shared: the CPU time is the steadier figure.
				b.ReportMetric(float64(n*b.N)/cpu.Seconds(), "records/CPU-s")
			})
		}
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
