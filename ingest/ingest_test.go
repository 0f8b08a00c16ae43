package ingest_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"mediabank/assets"
	"mediabank/assets/diskstore"
	"mediabank/assets/s3store"
	"mediabank/assets/storetest"
	"mediabank/ingest"
	"mediabank/internal/testfiles"
	"mediabank/metadata"
	"mediabank/renditions"
	"mediabank/search"
)

// bank is one store with its index, as the command wires them.
type bank struct {
	store assets.Store
	index *search.Index
	dir   string
}

// backends opens a fresh bank on each backend: the local folder and a real
// MinIO server.
func backends() map[string]func(t testing.TB) *bank {
	return map[string]func(t testing.TB) *bank{
		"disk": func(t testing.TB) *bank {
			dir := t.TempDir()
			s, err := diskstore.Open(t.Context(), filepath.Join(dir, "bank"))
			if err != nil {
				t.Fatal(err)
			}
			return openBank(t, s, dir)
		},
		"minio": func(t testing.TB) *bank {
			m := storetest.StartMinIO(t)
			s, err := s3store.Open(t.Context(), s3store.Config{Endpoint: m.Endpoint, AccessKey: m.AccessKey, SecretKey: m.SecretKey, Bucket: "bank"})
			if err != nil {
				t.Fatal(err)
			}
			return openBank(t, s, t.TempDir())
		},
	}
}

func openBank(t testing.TB, s assets.Store, dir string) *bank {
	t.Helper()
	ix, err := search.Open(filepath.Join(dir, "index"), search.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return &bank{store: s, index: ix, dir: dir}
}

func (b *bank) ingester(opts ingest.Options) *ingest.Ingester {
	return ingest.New(b.store, b.index, &metadata.Extractor{}, &renditions.Maker{}, opts)
}

// snapshot records every file under root with its hash and times, to prove
// that an ingest wrote nothing to the card.
func snapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		sum := ""
		if d.Type().IsRegular() {
			sum = hashFile(t, p)
		}
		out[p] = info.Mode().String() + " " + info.ModTime().String() + " " + sum
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func hashFile(t *testing.T, p string) string {
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sum, err := hashOf(f)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// hashObject is the hex SHA-256 of the object under key in store.
func hashObject(ctx context.Context, store assets.Store, key string) (string, error) {
	rd, _, err := store.Get(ctx, key)
	if err != nil {
		return "", err
	}
	defer rd.Close()
	return hashOf(rd)
}

// hashOf is the hex SHA-256 of what r holds.
func hashOf(r io.Reader) (string, error) {
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// mustFail are the files of the shared test data that cannot be ingested;
// every other media file must be.
var mustFail = []string{"video/truncated.mp4"}

func TestIngestSharedTestdata(t *testing.T) {
	root := testfiles.Dir(t)
	for name, open := range backends() {
		t.Run(name, func(t *testing.T) {
			b := open(t)
			before := snapshot(t, root)
			media := countMedia(t, root)

			rep, err := b.ingester(ingest.Options{Renditions: false}).Run(t.Context(), []string{root}, ingest.RunOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var failed []string
			for _, f := range rep.Failures {
				rel, _ := filepath.Rel(root, f.Path)
				failed = append(failed, filepath.ToSlash(rel))
				if f.Error == "" {
					t.Errorf("failure of %s has no reason", rel)
				}
				t.Logf("failed as expected? %s: %s", rel, f.Error)
			}
			slices.Sort(failed)
			if !slices.Equal(failed, mustFail) {
				t.Errorf("failed files = %v, want %v", failed, mustFail)
			}
			if got := rep.Ingested + rep.Duplicates + rep.Failed; got != int64(media) {
				t.Errorf("ingested %d + duplicates %d + failed %d = %d, want every media file (%d)", rep.Ingested, rep.Duplicates, rep.Failed, got, media)
			}
			if rep.Skipped == 0 {
				t.Errorf("skipped = 0, want the non-media files (expected/exiftool.json, XMP sidecars are not skipped) counted")
			}
			// A file failed, so the card is not safe and the summary must
			// not say when it was.
			if rep.SafeToEjectS != nil {
				t.Errorf("safe_to_eject_s = %v with %d failed, want it absent", *rep.SafeToEjectS, rep.Failed)
			}
			if js, _ := json.Marshal(rep); bytes.Contains(js, []byte("safe_to_eject_s")) {
				t.Errorf("summary of a failed run says when it was safe: %s", js)
			}
			if after := snapshot(t, root); !mapsEqual(before, after) {
				t.Fatal("the ingest changed the source folder")
			}

			// Every record's original is in the bank and hashes to its id.
			n := 0
			err = ingest.EachRecord(t.Context(), b.store, nil, func(a *assets.Asset) error {
				n++
				got, err := hashObject(t.Context(), b.store, a.Original)
				if err != nil {
					return err
				}
				if got != a.ID {
					t.Errorf("original of %s hashes to %s", a.ID, got)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if int64(n) != rep.Ingested {
				t.Errorf("%d records in the bank, want %d (one per ingested file)", n, rep.Ingested)
			}

			// A second run adds nothing.
			rep2, err := b.ingester(ingest.Options{}).Run(t.Context(), []string{root}, ingest.RunOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if rep2.Ingested != 0 || rep2.Duplicates != rep.Ingested+rep.Duplicates || rep2.Failed != rep.Failed {
				t.Errorf("second run: ingested %d, duplicates %d, failed %d; want 0, %d, %d", rep2.Ingested, rep2.Duplicates, rep2.Failed, rep.Ingested+rep.Duplicates, rep.Failed)
			}

			// The index is derived: a fresh one rebuilt from the bucket
			// answers the same.
			queries := []string{"", "type:video", "camera:canon", "nikon", "taken:>=2008-01-01", "type:photo -canon"}
			want := results(t, b.index, queries)
			fresh, err := search.Open(filepath.Join(t.TempDir(), "index"), search.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer fresh.Close()
			if got, err := ingest.Reindex(t.Context(), b.store, fresh, nil); err != nil || int64(got) != rep.Ingested {
				t.Fatalf("reindex = %d, %v; want %d", got, err, rep.Ingested)
			}
			if got := results(t, fresh, queries); !slices.Equal(got, want) {
				t.Errorf("after reindex:\n got %v\nwant %v", got, want)
			}
			if want[0] != strconv.FormatInt(rep.Ingested, 10) {
				t.Errorf("match-all finds %s, want %d", want[0], rep.Ingested)
			}
		})
	}
}

func results(t *testing.T, ix *search.Index, queries []string) []string {
	t.Helper()
	var out []string
	for i, q := range queries {
		res, err := ix.Search(t.Context(), search.Request{Query: q, Size: 500})
		if err != nil {
			t.Fatalf("search %q: %v", q, err)
		}
		if i == 0 {
			out = append(out, strconv.FormatUint(res.Total, 10))
		}
		ids := make([]string, 0, len(res.Hits))
		for _, h := range res.Hits {
			ids = append(ids, h.ID)
		}
		out = append(out, q+"="+strings.Join(ids, ","))
	}
	return out
}

func countMedia(t *testing.T, root string) int {
	n := 0
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && !strings.HasPrefix(d.Name(), ".") {
			if _, _, ok := assets.KindOf(d.Name()); ok {
				n++
			}
		}
		return nil
	})
	return n
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestCardLayout checks the walk over a camera card: DCIM folders, a Sony
// video folder, clutter from operating systems, the same photo under two
// names, a RAW+JPEG pair and an XMP sidecar.
func TestCardLayout(t *testing.T) {
	root := testfiles.Dir(t)
	card := t.TempDir()
	put := func(rel, src string) {
		t.Helper()
		p := filepath.Join(card, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		data := []byte("clutter")
		if src != "" {
			var err error
			if data, err = os.ReadFile(filepath.Join(root, src)); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	put("DCIM/100NIKON/DSC_0001.JPG", "photos/jpg/Nikon_D70.jpg")
	put("DCIM/100NIKON/DSC_0002.JPG", "photos/jpg/Canon_40D.jpg")
	put("DCIM/101NIKON/COPY_0002.JPG", "photos/jpg/Canon_40D.jpg") // same bytes, other name
	put("DCIM/100CANON/IMG_0001.CR2", "formats/CanonRaw.cr2")
	put("DCIM/100CANON/IMG_0001.JPG", "formats/ExifTool.jpg")
	put("DCIM/100CANON/IMG_0001.XMP", "formats/XMP.xmp")
	put("PRIVATE/M4ROOT/CLIP/C0001.MP4", "video/clip_720p_gps.mp4")
	put("PRIVATE/M4ROOT/CLIP/C0001M01.XML", "")
	put(".Trashes/501/old.jpg", "photos/jpg/Canon_40D.jpg")
	put("DCIM/100NIKON/._DSC_0001.JPG", "")
	put(".DS_Store", "")
	put("DCIM/Thumbs.db", "")
	put("MISC/AUTPRINT.MRK", "")

	b := backends()["disk"](t)
	var safe *ingest.Report
	rep, err := b.ingester(ingest.Options{}).Run(t.Context(), []string{card}, ingest.RunOptions{Collection: "liputan-001", SafeToEject: func(r ingest.Report) { safe = &r }})
	if err != nil {
		t.Fatal(err)
	}
	got := [5]int64{rep.Ingested, rep.Duplicates, rep.Skipped, rep.Failed, int64(len(rep.Failures))}
	// Skipped: C0001M01.XML, .Trashes, ._DSC_0001.JPG, .DS_Store, Thumbs.db, AUTPRINT.MRK.
	want := [5]int64{5, 1, 6, 0, 0}
	if got != want {
		t.Errorf("ingested, duplicates, skipped, failed, failures = %v, want %v (%v)", got, want, rep.Failures)
	}
	if safe == nil || safe.Ingested+safe.Duplicates != 6 || safe.SafeToEjectS == nil || rep.SafeToEjectS == nil {
		t.Errorf("safe-to-eject report = %+v, summary %+v; want all 6 originals verified and the time they were", safe, rep)
	}

	copyID := hashFile(t, filepath.Join(card, "DCIM/100NIKON/DSC_0002.JPG"))
	a, _, err := assets.ReadRecord(t.Context(), b.store, copyID)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{a.FileName}
	for _, s := range a.AlsoSeenAs {
		names = append(names, filepath.Base(s.Path))
	}
	slices.Sort(names)
	if want := []string{"COPY_0002.JPG", "DSC_0002.JPG"}; !slices.Equal(names, want) {
		t.Errorf("names of the twice-seen photo = %v, want %v", names, want)
	}
	if a.Collection != "liputan-001" {
		t.Errorf("collection = %q, want liputan-001", a.Collection)
	}

	raw, _, err := assets.ReadRecord(t.Context(), b.store, hashFile(t, filepath.Join(card, "DCIM/100CANON/IMG_0001.CR2")))
	if err != nil {
		t.Fatal(err)
	}
	jpg, _, err := assets.ReadRecord(t.Context(), b.store, hashFile(t, filepath.Join(card, "DCIM/100CANON/IMG_0001.JPG")))
	if err != nil {
		t.Fatal(err)
	}
	if raw.Stack == "" || raw.Stack != jpg.Stack {
		t.Errorf("RAW stack %q, JPEG stack %q: want the same non-empty stack", raw.Stack, jpg.Stack)
	}
	if raw.Sidecar == "" || jpg.Sidecar == "" {
		t.Errorf("sidecar keys: RAW %q, JPEG %q; want both (IMG_0001.XMP belongs to the shot)", raw.Sidecar, jpg.Sidecar)
	}
	if raw.Meta.Sources["caption"] == "" && raw.Meta.Caption == "" && len(raw.Meta.Keywords) == 0 {
		t.Errorf("RAW record has nothing from its sidecar: %+v", raw.Meta)
	}
	if _, err := b.store.Stat(t.Context(), raw.Sidecar); err != nil {
		t.Errorf("sidecar not kept in the bank: %v", err)
	}
	res, err := b.index.Search(context.Background(), search.Request{Query: "type:video"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 1 || res.Hits[0].FileName != "C0001.MP4" {
		t.Errorf("type:video = %+v, want the one clip", res.Hits)
	}
}

// TestSweepStaging: staging objects left by a killed run are deleted by
// the next run once they are a day old; a fresh one (another run's, in
// flight) is left alone. The run puts assets.StagingKeep in place, and
// no sweep takes it away, however old.
func TestSweepStaging(t *testing.T) {
	dir := t.TempDir()
	s, err := diskstore.Open(t.Context(), filepath.Join(dir, "bank"))
	if err != nil {
		t.Fatal(err)
	}
	b := openBank(t, s, dir)
	for _, k := range []string{"staging/dead-run-1", "staging/old-layout/1", "staging/live-run-1"} {
		if _, err := s.Put(t.Context(), k, strings.NewReader("half a video"), -1, assets.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	age := func(key string) {
		old := time.Now().Add(-25 * time.Hour)
		if err := os.Chtimes(filepath.Join(dir, "bank", key), old, old); err != nil {
			t.Fatal(err)
		}
	}
	age("staging/dead-run-1")
	age("staging/old-layout/1")
	want := []string{assets.StagingKeep, "staging/live-run-1"}
	for i := range 2 {
		if _, err := b.ingester(ingest.Options{}).Run(t.Context(), []string{t.TempDir()}, ingest.RunOptions{}); err != nil {
			t.Fatal(err)
		}
		var left []string
		s.List(t.Context(), assets.StagingPrefix, func(o assets.Object) error { left = append(left, o.Key); return nil })
		if !slices.Equal(left, want) {
			t.Errorf("staging after run %d = %v, want %v", i, left, want)
		}
		age(assets.StagingKeep)
	}
}

// TestHostileFiles: broken and hostile files each end as a failure with
// its reason or an asset with warnings, and the run goes on to the good
// photo after them.
func TestHostileFiles(t *testing.T) {
	root := testfiles.Dir(t)
	card := t.TempDir()
	write := func(name string, data []byte) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(card, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	read := func(rel string) []byte {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	// SOI, SOF0 declaring 65000×65000, EOI.
	huge := []byte{0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0xFD, 0xE8, 0xFD, 0xE8, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01, 0xFF, 0xD9}
	// An EXIF block whose IFD0 says the next IFD is itself.
	tiff := []byte("II*\x00\x08\x00\x00\x00\x01\x00\x12\x01\x03\x00\x01\x00\x00\x00\x01\x00\x00\x00\x08\x00\x00\x00")
	app1 := append([]byte("Exif\x00\x00"), tiff...)
	loop := append([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0, byte(len(app1) + 2)}, app1...)
	loop = append(loop, read("photos/jpg/Canon_40D.jpg")[2:]...)
	write("A_zero.jpg", nil)
	write("B_png_bytes.jpg", read("formats/PNG.png"))
	write("C_huge.jpg", huge)
	write("D_ifd_loop.jpg", loop)
	write("E_truncated.mp4", read("video/truncated.mp4"))
	write("F_good.jpg", read("photos/jpg/Nikon_D70.jpg"))

	b := backends()["disk"](t)
	rep, err := b.ingester(ingest.Options{Renditions: true}).Run(t.Context(), []string{card}, ingest.RunOptions{})
	if err != nil {
		t.Fatalf("the run stopped: %v", err)
	}
	failed := map[string]string{}
	for _, f := range rep.Failures {
		failed[filepath.Base(f.Path)] = f.Error
	}
	for name, reason := range failed {
		t.Logf("%s: %s", name, reason)
		if reason == "" {
			t.Errorf("%s failed without a reason", name)
		}
	}
	for _, name := range []string{"A_zero.jpg", "E_truncated.mp4"} {
		if _, ok := failed[name]; !ok {
			t.Errorf("%s was not reported as failed", name)
		}
	}
	if _, ok := failed["C_huge.jpg"]; ok {
		t.Errorf("C_huge.jpg failed: a picture too large to decode is still kept, with a warning")
	}
	if _, ok := failed["F_good.jpg"]; ok || rep.Ingested+rep.Failed != 6 {
		t.Errorf("ingested %d, failed %v: want the good photo in and all six accounted for", rep.Ingested, failed)
	}
	// Those that went in say what is wrong with them.
	err = ingest.EachRecord(t.Context(), b.store, nil, func(a *assets.Asset) error {
		if strings.HasPrefix(a.FileName, "B_") || strings.HasPrefix(a.FileName, "C_") {
			if len(a.Meta.Warnings) == 0 {
				t.Errorf("%s is in the bank without a warning", a.FileName)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestMemo: a card put in again is recognised from the memo, and a file
// that changed but kept its name, size and time is not taken for the old
// one: it is read and ingested.
func TestMemo(t *testing.T) {
	root := testfiles.Dir(t)
	card := t.TempDir()
	names := []string{"Canon_40D.jpg", "Nikon_D70.jpg", "Sony_HDR-HC3.jpg"}
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(root, "photos/jpg", n))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(card, n), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b := backends()["disk"](t)
	memo, err := ingest.OpenMemo(filepath.Join(t.TempDir(), "memo.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer memo.Close()
	in := ingest.New(b.store, b.index, &metadata.Extractor{}, nil, ingest.Options{Memo: memo})
	counts := func() [3]int64 {
		t.Helper()
		rep, err := in.Run(t.Context(), []string{card}, ingest.RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return [3]int64{rep.Ingested, rep.Duplicates, rep.Failed}
	}
	if got, want := counts(), [3]int64{3, 0, 0}; got != want {
		t.Fatalf("first run = %v, want %v", got, want)
	}
	if got, want := counts(), [3]int64{0, 3, 0}; got != want {
		t.Errorf("second run = %v, want %v", got, want)
	}

	// Same name, size and time, other bytes at the start: a new photo.
	p := filepath.Join(card, names[0])
	info, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	copy(data[2:], []byte{0xFF, 0xFE, 0x00, 0x04, 'n', 'e'}) // a comment segment where the header was
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, info.ModTime(), info.ModTime()); err != nil {
		t.Fatal(err)
	}
	rep, err := in.Run(t.Context(), []string{card}, ingest.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Ingested+rep.Failed != 1 || rep.Duplicates != 2 {
		t.Errorf("after changing one file: %d ingested, %d duplicates, %d failed; want the changed file read again and the others recognised", rep.Ingested, rep.Duplicates, rep.Failed)
	}
}
