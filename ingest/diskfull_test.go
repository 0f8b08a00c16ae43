package ingest_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"mediabank/assets"
	"mediabank/assets/diskstore"
	"mediabank/ingest"
	"mediabank/internal/testfiles"
)

// TestDiskFull ingests into a local bank on a file system too small for
// the card: the files that do not fit fail with an error that says the
// disk is full and names the key, nothing half-written stays (no temp
// file, no object that is not whole, no record without its original), and
// once space is freed the same card goes in completely.
func TestDiskFull(t *testing.T) {
	src := filepath.Join(testfiles.Dir(t), "photos/jpg")
	var size int64
	filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if info, ierr := d.Info(); err == nil && ierr == nil && d.Type().IsRegular() {
			size += info.Size()
		}
		return nil
	})

	// A file system of its own, with room for the card once the filler
	// is gone but not before.
	mnt := t.TempDir()
	fsSize := size*2 + 4<<20
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d", fsSize), "tmpfs", mnt).CombinedOutput(); err != nil {
		testfiles.Missing(t, fmt.Sprintf("a small file system (mount -t tmpfs needs root: %v %s)", err, out))
	}
	t.Cleanup(func() { exec.Command("umount", mnt).Run() })
	filler := filepath.Join(mnt, "filler")
	if err := os.WriteFile(filler, make([]byte, fsSize-size/3), 0o644); err != nil && !errors.Is(err, fs.ErrExist) {
		// ENOSPC while filling is fine: the disk is as full as it gets.
		if !strings.Contains(err.Error(), "no space left") {
			t.Fatal(err)
		}
	}

	bankDir := filepath.Join(mnt, "bank")
	store, err := diskstore.Open(t.Context(), bankDir)
	if err != nil {
		t.Fatal(err)
	}
	b := openBank(t, store, t.TempDir()) // the index is elsewhere: only the bank fills up
	in := b.ingester(ingest.Options{MaxBuffered: 64 << 10})

	rep, err := in.Run(t.Context(), []string{src}, ingest.RunOptions{})
	if rep.Failed == 0 || rep.SafeToEjectS != nil {
		t.Fatalf("run on a full disk: %d failed, safe_to_eject_s %v; want failures and not safe", rep.Failed, rep.SafeToEjectS)
	}
	t.Logf("full disk: %d ingested, %d failed, run error %v; first failure %+v", rep.Ingested, rep.Failed, err, rep.Failures[0])
	for _, f := range rep.Failures {
		if !strings.HasPrefix(f.Path, src) || !strings.Contains(f.Error, "disk full") ||
			!strings.Contains(f.Error, "no space left on device") || !strings.Contains(f.Error, "put ") {
			t.Errorf("failure %s: %q; want the file, the key and that the disk is full", f.Path, f.Error)
		}
	}
	assertNothingPartial(t, store, bankDir)

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	rep, err = in.Run(t.Context(), []string{src}, ingest.RunOptions{})
	if err != nil || rep.Failed != 0 || rep.SafeToEjectS == nil {
		t.Fatalf("rerun with space freed: %v, %d failed %v; want every file in the bank", err, rep.Failed, rep.Failures)
	}
	assertNothingPartial(t, store, bankDir)
}

// assertNothingPartial: no temp file left, every original whole, every
// record's original present.
func assertNothingPartial(t *testing.T, store assets.Store, dir string) {
	t.Helper()
	temps, err := os.ReadDir(filepath.Join(dir, ".tmp"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range temps {
		t.Errorf("temp file left behind: %s", e.Name())
	}
	err = store.List(t.Context(), assets.OriginalsPrefix+"sha256/", func(o assets.Object) error {
		sum, err := hashObject(t.Context(), store, o.Key)
		if err != nil {
			return err
		}
		if !strings.HasSuffix(o.Key, sum) {
			t.Errorf("original %s is not whole (hashes to %s)", o.Key, sum)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = ingest.EachRecord(t.Context(), store, nil, func(a *assets.Asset) error {
		if _, err := store.Stat(t.Context(), a.Original); err != nil {
			t.Errorf("record %s without its original: %v", a.ID, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
