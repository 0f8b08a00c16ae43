package ingest_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"mediabank/assets"
	"mediabank/assets/diskstore"
	"mediabank/ingest"
)

// recordingIndex keeps the ids put into it; failAfter > 0 makes the put
// after that many batches fail.
type recordingIndex struct {
	mu        sync.Mutex
	ids       []string
	batches   int
	failAfter int
}

func (x *recordingIndex) Put(ctx context.Context, as ...*assets.Asset) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.batches++
	if x.failAfter > 0 && x.batches > x.failAfter {
		return errors.New("disk full")
	}
	for _, a := range as {
		x.ids = append(x.ids, a.ID)
	}
	return nil
}

func (x *recordingIndex) Has(ctx context.Context, id string) (bool, error) { return false, nil }

// TestReindexParallel: records read by many workers at once all reach
// the index exactly once, a damaged record is passed over, and a failing
// index stops the rebuild with its error.
func TestReindexParallel(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	// The records are written as files in the store's layout: through
	// the store, each would wait for its own fsync.
	if err := os.MkdirAll(filepath.Join(root, "assets"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(id string, b []byte) {
		if err := os.WriteFile(filepath.Join(root, filepath.FromSlash(assets.RecordKey(id))), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	const n = 12000 // more than two batches
	var want []string
	for i := range n {
		sum := sha256.Sum256([]byte(fmt.Sprint("asset ", i)))
		a := &assets.Asset{ID: hex.EncodeToString(sum[:]), FileName: fmt.Sprintf("DSC_%05d.JPG", i)}
		b, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		write(a.ID, b)
		want = append(want, a.ID)
	}
	write(strings.Repeat("ab", 32), []byte("{not json"))
	store, err := diskstore.Open(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(want)

	x := &recordingIndex{}
	got, err := ingest.Reindex(ctx, store, x, nil)
	if err != nil || got != n {
		t.Fatalf("Reindex = %d, %v; want %d, nil", got, err, n)
	}
	slices.Sort(x.ids)
	if !slices.Equal(x.ids, want) {
		t.Errorf("indexed %d ids, want the %d records once each", len(x.ids), n)
	}

	failing := &recordingIndex{failAfter: 1}
	got, err = ingest.Reindex(ctx, store, failing, nil)
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Reindex into a failing index = %d, %v; want the index's error", got, err)
	}
	if got != len(failing.ids) {
		t.Errorf("Reindex into a failing index says %d indexed, the index holds %d", got, len(failing.ids))
	}
}
