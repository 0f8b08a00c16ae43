package ingest_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"mediabank/assets"
	"mediabank/ingest"
	"mediabank/internal/testfiles"
	"mediabank/metadata"
)

// outage is a store whose server can be switched off: every call is then
// refused, as by a MinIO that is restarting.
type outage struct {
	assets.Store
	down atomic.Bool
}

var errRefused = &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}

func (o *outage) Put(ctx context.Context, key string, r io.Reader, size int64, opts assets.PutOptions) (assets.Object, error) {
	if o.down.Load() {
		return assets.Object{}, errRefused
	}
	return o.Store.Put(ctx, key, r, size, opts)
}

func (o *outage) Get(ctx context.Context, key string) (assets.Reader, assets.Object, error) {
	if o.down.Load() {
		return nil, assets.Object{}, errRefused
	}
	return o.Store.Get(ctx, key)
}

func (o *outage) Stat(ctx context.Context, key string) (assets.Object, error) {
	if o.down.Load() {
		return assets.Object{}, errRefused
	}
	return o.Store.Stat(ctx, key)
}

func (o *outage) List(ctx context.Context, prefix string, fn func(assets.Object) error) error {
	if o.down.Load() {
		return errRefused
	}
	return o.Store.List(ctx, prefix, fn)
}

func (o *outage) Copy(ctx context.Context, src, dst string) (assets.Object, error) {
	if o.down.Load() {
		return assets.Object{}, errRefused
	}
	return o.Store.Copy(ctx, src, dst)
}

func (o *outage) Delete(ctx context.Context, key string) error {
	if o.down.Load() {
		return errRefused
	}
	return o.Store.Delete(ctx, key)
}

// TestJobWaitsForTheStore: a job whose files failed because the store
// was unreachable runs again once the store answers, and ends with every
// file in the bank and none failed.
func TestJobWaitsForTheStore(t *testing.T) {
	src := filepath.Join(testfiles.Dir(t), "photos/jpg/gps")
	b := backends()["disk"](t)
	store := &outage{Store: b.store}
	store.down.Store(true)
	jobs := ingest.NewJobs(ingest.New(store, b.index, &metadata.Extractor{}, nil, ingest.Options{}), 10)
	updates, cancel := jobs.Subscribe()
	defer cancel()

	started := jobs.Start(t.Context(), ingest.JobSpec{Kind: "folder", Roots: []string{src}})
	deadline := time.NewTimer(2 * time.Minute) // a safety net only
	defer deadline.Stop()
	var last ingest.Job
	for last.State != "done" && last.State != "failed" {
		select {
		case j := <-updates:
			if j.ID != started.ID {
				continue
			}
			last = j
			if strings.Contains(j.Error, "store unreachable") && store.down.Load() {
				if j.Failed == 0 || j.SafeToEject {
					t.Errorf("while the store is away: %d failed, safe to eject %v; want failures and not safe", j.Failed, j.SafeToEject)
				}
				store.down.Store(false) // the server is back
			}
		case <-deadline.C:
			t.Fatalf("job not done: %+v", last)
		}
	}
	jobs.Wait()
	last, _ = jobs.Get(started.ID)
	if store.down.Load() {
		t.Fatalf("the job never said it was waiting for the store: %+v", last)
	}
	files, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	if last.State != "done" || last.Report == nil || last.Report.Failed != 0 || last.Report.SafeToEjectS == nil ||
		last.Report.Ingested+last.Report.Duplicates != int64(len(files)) {
		t.Fatalf("job = %+v, report %+v; want done, all %d files in the bank, none failed", last, last.Report, len(files))
	}
	records := 0
	if err := b.store.List(t.Context(), assets.RecordsPrefix, func(assets.Object) error { records++; return nil }); err != nil {
		t.Fatal(err)
	}
	if records != len(files) {
		t.Errorf("%d records in the bank, want %d", records, len(files))
	}
}

// TestFailedJobSummary: the summary the jobs API shows for a run with a
// failed file does not say when the card was safe.
func TestFailedJobSummary(t *testing.T) {
	src := filepath.Join(testfiles.Dir(t), "video")
	b := backends()["disk"](t)
	jobs := ingest.NewJobs(b.ingester(ingest.Options{}), 10)
	started := jobs.Start(t.Context(), ingest.JobSpec{Kind: "folder", Roots: []string{src}})
	jobs.Wait()
	j, _ := jobs.Get(started.ID)
	js, err := json.Marshal(j)
	if err != nil {
		t.Fatal(err)
	}
	if j.Report == nil || j.Report.Failed == 0 || j.Report.SafeToEjectS != nil || strings.Contains(string(js), "safe_to_eject_s") {
		t.Errorf("job with video/truncated.mp4 failed: %s; want a failure and no safe_to_eject_s", js)
	}
}
