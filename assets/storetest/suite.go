package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/metrics"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"mediabank/assets"
)

// Run checks that a Store behaves as the bank relies on. newStore must
// return an empty store of its own for every call; subtests do not share
// one. Subtests run one after another so the heap measurement of the
// large object sees only its own allocations.
func Run(t *testing.T, newStore func(t *testing.T) assets.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s assets.Store)
	}{
		{"RoundTrip", testRoundTrip},
		{"Overwrite", testOverwrite},
		{"Missing", testMissing},
		{"List", testList},
		{"ConditionalCreate", testConditionalCreate},
		{"ConditionalReplace", testConditionalReplace},
		{"StaleIfMatch", testStaleIfMatch},
		{"ChecksumMismatch", testChecksumMismatch},
		{"Copy", testCopy},
		{"LargeObject", testLargeObject},
		{"LargeConditions", testLargeConditions},
		{"Cancel", testCancel},
		{"UpdateRecord", testUpdateRecord},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newStore(t)) })
	}
}

func put(t *testing.T, s assets.Store, key string, data []byte, opts assets.PutOptions) assets.Object {
	t.Helper()
	obj, err := s.Put(t.Context(), key, bytes.NewReader(data), int64(len(data)), opts)
	if err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
	return obj
}

func get(t *testing.T, s assets.Store, key string) ([]byte, assets.Object) {
	t.Helper()
	r, obj, err := s.Get(t.Context(), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("Get(%q): read: %v", key, err)
	}
	return b, obj
}

// onlyReader hides every method but Read, as a camera card file read
// through a hashing pipe would.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func testRoundTrip(t *testing.T, s assets.Store) {
	oneMiB := make([]byte, 1<<20)
	for i := range oneMiB {
		oneMiB[i] = byte(i * 7)
	}
	tests := []struct {
		name        string
		key         string
		data        []byte
		unknownSize bool
		opts        assets.PutOptions
	}{
		{"text with type and sha", "records/a.json", []byte(`{"id":"a"}`), false,
			assets.PutOptions{ContentType: "application/json", SHA256: assets.Sum([]byte(`{"id":"a"}`))}},
		{"empty", "empty/zero", nil, false, assets.PutOptions{}},
		{"unknown size", "stream/x.bin", []byte("streamed without a length"), true,
			assets.PutOptions{ContentType: "application/octet-stream"}},
		{"binary 1 MiB with sha", "originals/sha256/ab/" + assets.Sum(oneMiB), oneMiB, false,
			assets.PutOptions{ContentType: "image/jpeg", SHA256: assets.Sum(oneMiB)}},
		{"deep key with dots", "renditions/ab/c.d/thumbnail.v1.jpg", []byte("thumb"), false,
			assets.PutOptions{ContentType: "image/jpeg"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			size := int64(len(tc.data))
			var r io.Reader = bytes.NewReader(tc.data)
			if tc.unknownSize {
				size, r = -1, onlyReader{r}
			}
			got, err := s.Put(t.Context(), tc.key, r, size, tc.opts)
			if err != nil {
				t.Fatalf("Put: %v", err)
			}
			if got.Key != tc.key || got.Size != int64(len(tc.data)) || got.ETag == "" {
				t.Errorf("Put = key %q size %d etag %q, want %q %d non-empty", got.Key, got.Size, got.ETag, tc.key, len(tc.data))
			}
			if want := assets.Sum(tc.data); got.SHA256 != "" && got.SHA256 != want || tc.opts.SHA256 != "" && got.SHA256 != want {
				t.Errorf("Put SHA256 = %q, want %q", got.SHA256, want)
			}
			if got.ContentType != "" && got.ContentType != tc.opts.ContentType {
				t.Errorf("Put ContentType = %q, want %q", got.ContentType, tc.opts.ContentType)
			}

			b, gobj := get(t, s, tc.key)
			if !bytes.Equal(b, tc.data) {
				t.Errorf("Get bytes: got %d bytes, want %d (equal prefix: %v)", len(b), len(tc.data), bytes.HasPrefix(tc.data, b))
			}
			st, err := s.Stat(t.Context(), tc.key)
			if err != nil {
				t.Fatalf("Stat: %v", err)
			}
			for _, o := range []struct {
				op  string
				obj assets.Object
			}{{"Get", gobj}, {"Stat", st}} {
				if o.obj.Key != tc.key || o.obj.Size != int64(len(tc.data)) || o.obj.ETag != got.ETag {
					t.Errorf("%s = key %q size %d etag %q, want %q %d %q", o.op, o.obj.Key, o.obj.Size, o.obj.ETag, tc.key, len(tc.data), got.ETag)
				}
				if tc.opts.ContentType != "" && o.obj.ContentType != tc.opts.ContentType {
					t.Errorf("%s ContentType = %q, want %q", o.op, o.obj.ContentType, tc.opts.ContentType)
				}
				if o.obj.SHA256 != "" && o.obj.SHA256 != assets.Sum(tc.data) {
					t.Errorf("%s SHA256 = %q, want %q", o.op, o.obj.SHA256, assets.Sum(tc.data))
				}
				if o.obj.ModTime.IsZero() {
					t.Errorf("%s ModTime is zero", o.op)
				}
			}
			if len(tc.data) > 10 {
				checkRandomAccess(t, s, tc.key, tc.data)
			}
		})
	}
}

// checkRandomAccess uses the Reader as parsers and range requests do.
func checkRandomAccess(t *testing.T, s assets.Store, key string, data []byte) {
	t.Helper()
	r, _, err := s.Get(t.Context(), key)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	defer r.Close()
	off := int64(len(data) / 3)
	got := make([]byte, 5)
	if _, err := r.ReadAt(got, off); err != nil {
		t.Fatalf("ReadAt(%d): %v", off, err)
	}
	if want := data[off : off+5]; !bytes.Equal(got, want) {
		t.Errorf("ReadAt(%d) = %x, want %x", off, got, want)
	}
	if _, err := r.Seek(-3, io.SeekEnd); err != nil {
		t.Fatalf("Seek: %v", err)
	}
	tail, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read after Seek: %v", err)
	}
	if want := data[len(data)-3:]; !bytes.Equal(tail, want) {
		t.Errorf("after Seek(-3, end) read %x, want %x", tail, want)
	}
}

func testOverwrite(t *testing.T, s assets.Store) {
	first := put(t, s, "k", []byte("first"), assets.PutOptions{})
	second := put(t, s, "k", []byte("second version"), assets.PutOptions{})
	if first.ETag == second.ETag {
		t.Errorf("ETag unchanged by a write of other bytes: %q", first.ETag)
	}
	if got, _ := get(t, s, "k"); string(got) != "second version" {
		t.Errorf("Get = %q, want %q", got, "second version")
	}
}

func testMissing(t *testing.T, s assets.Store) {
	put(t, s, "present/x", []byte("x"), assets.PutOptions{})
	ctx := t.Context()
	for _, key := range []string{"absent", "present/y", "present/x/deeper", "present"} {
		t.Run(key, func(t *testing.T) {
			if _, err := s.Stat(ctx, key); !errors.Is(err, assets.ErrNotFound) {
				t.Errorf("Stat: got %v, want ErrNotFound", err)
			}
			r, _, err := s.Get(ctx, key)
			if err == nil {
				r.Close()
			}
			if !errors.Is(err, assets.ErrNotFound) {
				t.Errorf("Get: got %v, want ErrNotFound", err)
			}
			if err := s.Delete(ctx, key); err != nil {
				t.Errorf("Delete: got %v, want nil", err)
			}
			if _, err := s.Copy(ctx, key, "copy-of-missing"); !errors.Is(err, assets.ErrNotFound) {
				t.Errorf("Copy from missing: got %v, want ErrNotFound", err)
			}
		})
	}
	if err := s.Delete(ctx, "present/x"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := s.Stat(ctx, "present/x"); !errors.Is(err, assets.ErrNotFound) {
		t.Errorf("Stat after Delete: got %v, want ErrNotFound", err)
	}
}

func testList(t *testing.T, s assets.Store) {
	// '-' < '.' < '/' in ASCII, so a walk of directories in name order
	// gets "a-b/x", "a.b" and "a/..." wrong; S3 lists in byte order. A key
	// is never both an object and a "folder" of others, which a folder on
	// disk could not hold.
	keys := []string{"b/x", "a/c/d", "ab", "a/b-c", "a.b", "a/b", "a-b/x", "a/bb/z"}
	for i, k := range keys {
		put(t, s, k, bytes.Repeat([]byte{'x'}, i+1), assets.PutOptions{})
	}
	tests := []struct {
		prefix string
		want   []string
	}{
		{"", []string{"a-b/x", "a.b", "a/b", "a/b-c", "a/bb/z", "a/c/d", "ab", "b/x"}},
		{"a", []string{"a-b/x", "a.b", "a/b", "a/b-c", "a/bb/z", "a/c/d", "ab"}},
		{"a/", []string{"a/b", "a/b-c", "a/bb/z", "a/c/d"}},
		{"a/b", []string{"a/b", "a/b-c", "a/bb/z"}},
		{"a/bb/", []string{"a/bb/z"}},
		{"a/c", []string{"a/c/d"}},
		{"ab", []string{"ab"}},
		{"b/x", []string{"b/x"}},
		{"zz", nil},
		{"a/c/d/e", nil},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("prefix %q", tc.prefix), func(t *testing.T) {
			var got []string
			err := s.List(t.Context(), tc.prefix, func(o assets.Object) error {
				got = append(got, o.Key)
				if want := int64(slices.Index(keys, o.Key) + 1); o.Size != want {
					t.Errorf("%s: Size %d, want %d", o.Key, o.Size, want)
				}
				if o.ETag == "" {
					t.Errorf("%s: empty ETag", o.Key)
				}
				return nil
			})
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("List(%q) = %q, want %q", tc.prefix, got, tc.want)
			}
		})
	}
	t.Run("fn error stops", func(t *testing.T) {
		stop := errors.New("stop")
		calls := 0
		err := s.List(t.Context(), "", func(assets.Object) error { calls++; return stop })
		if !errors.Is(err, stop) || calls != 1 {
			t.Errorf("List = %v after %d calls, want %v after 1", err, calls, stop)
		}
	})
}

const writers = 16

// race runs fn in writers goroutines released at once and returns their
// results in writer order.
func race(fn func(i int) (assets.Object, error)) ([]assets.Object, []error) {
	objs := make([]assets.Object, writers)
	errs := make([]error, writers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			<-start
			objs[i], errs[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return objs, errs
}

// oneWinner checks that exactly one writer won, that all others lost with
// ErrPrecondition, and that the store holds the winner's bytes.
func oneWinner(t *testing.T, s assets.Store, key string, payload func(int) []byte, objs []assets.Object, errs []error) {
	t.Helper()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("writers %d and %d both won", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, assets.ErrPrecondition):
			t.Errorf("writer %d: got %v, want ErrPrecondition", i, err)
		}
	}
	if winner < 0 {
		t.Fatalf("no writer won: %v", errs)
	}
	got, obj := get(t, s, key)
	if want := payload(winner); !bytes.Equal(got, want) {
		t.Errorf("stored %q, want winner %d's %q", got, winner, want)
	}
	if obj.ETag != objs[winner].ETag {
		t.Errorf("stored ETag %q, want winner's %q", obj.ETag, objs[winner].ETag)
	}
}

func payload(i int) []byte { return fmt.Appendf(nil, `{"writer":%d}`, i) }

func testConditionalCreate(t *testing.T, s assets.Store) {
	const key = "collections/c1.json"
	objs, errs := race(func(i int) (assets.Object, error) {
		b := payload(i)
		return s.Put(t.Context(), key, bytes.NewReader(b), int64(len(b)), assets.PutOptions{IfNoneMatch: true})
	})
	oneWinner(t, s, key, payload, objs, errs)
}

func testConditionalReplace(t *testing.T, s assets.Store) {
	const key = "collections/c2.json"
	base := put(t, s, key, []byte(`{"writer":"base"}`), assets.PutOptions{})
	objs, errs := race(func(i int) (assets.Object, error) {
		b := payload(i)
		return s.Put(t.Context(), key, bytes.NewReader(b), int64(len(b)), assets.PutOptions{IfMatch: base.ETag})
	})
	oneWinner(t, s, key, payload, objs, errs)
}

func testStaleIfMatch(t *testing.T, s assets.Store) {
	v1 := put(t, s, "rec", []byte("v1"), assets.PutOptions{})
	v2 := put(t, s, "rec", []byte("v2 differs"), assets.PutOptions{IfMatch: v1.ETag})
	tests := []struct {
		name string
		key  string
		opts assets.PutOptions
	}{
		{"stale etag", "rec", assets.PutOptions{IfMatch: v1.ETag}},
		{"made-up etag", "rec", assets.PutOptions{IfMatch: "0123456789abcdef"}},
		{"if-match on absent key", "nothing-here", assets.PutOptions{IfMatch: v2.ETag}},
		{"create over existing", "rec", assets.PutOptions{IfNoneMatch: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Put(t.Context(), tc.key, strings.NewReader("v3"), 2, tc.opts)
			if !errors.Is(err, assets.ErrPrecondition) {
				t.Errorf("Put: got %v, want ErrPrecondition", err)
			}
		})
	}
	if got, obj := get(t, s, "rec"); string(got) != "v2 differs" || obj.ETag != v2.ETag {
		t.Errorf("after losing writes: %q etag %q, want %q etag %q", got, obj.ETag, "v2 differs", v2.ETag)
	}
	if _, err := s.Stat(t.Context(), "nothing-here"); !errors.Is(err, assets.ErrNotFound) {
		t.Errorf("Stat(nothing-here) = %v, want ErrNotFound", err)
	}
}

func testChecksumMismatch(t *testing.T, s assets.Store) {
	put(t, s, "kept", []byte("original bytes"), assets.PutOptions{})
	tests := []struct {
		name string
		key  string
		want string // content afterwards; "" means absent
	}{
		{"new key", "originals/sha256/00/bad", ""},
		{"existing key", "kept", "original bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := []byte("the bytes that arrived")
			_, err := s.Put(t.Context(), tc.key, bytes.NewReader(data), int64(len(data)),
				assets.PutOptions{SHA256: assets.Sum([]byte("the bytes that were sent"))})
			if !errors.Is(err, assets.ErrChecksum) {
				t.Errorf("Put: got %v, want ErrChecksum", err)
			}
			if tc.want == "" {
				if _, err := s.Stat(t.Context(), tc.key); !errors.Is(err, assets.ErrNotFound) {
					t.Errorf("Stat after mismatch: got %v, want ErrNotFound", err)
				}
				return
			}
			if got, _ := get(t, s, tc.key); string(got) != tc.want {
				t.Errorf("after mismatch: %q, want %q", got, tc.want)
			}
		})
	}
}

func testCopy(t *testing.T, s assets.Store) {
	data := []byte("staged original")
	src := put(t, s, "staging/upload-1", data, assets.PutOptions{ContentType: "image/jpeg"})
	put(t, s, "taken", []byte("someone else's"), assets.PutOptions{})

	dst, err := s.Copy(t.Context(), "staging/upload-1", "originals/sha256/xx/copy")
	if err != nil {
		t.Fatalf("Copy: %v", err)
	}
	if dst.Key != "originals/sha256/xx/copy" || dst.Size != src.Size || dst.ETag == "" {
		t.Errorf("Copy = key %q size %d etag %q, want %q %d non-empty", dst.Key, dst.Size, dst.ETag, "originals/sha256/xx/copy", src.Size)
	}
	if dst.SHA256 != "" && dst.SHA256 != assets.Sum(data) {
		t.Errorf("Copy SHA256 = %q, want %q", dst.SHA256, assets.Sum(data))
	}
	got, obj := get(t, s, "originals/sha256/xx/copy")
	if !bytes.Equal(got, data) || obj.ContentType != "image/jpeg" {
		t.Errorf("copied object = %q %q, want %q %q", got, obj.ContentType, data, "image/jpeg")
	}
	if _, err := s.Stat(t.Context(), "staging/upload-1"); err != nil {
		t.Errorf("source gone after Copy: %v", err)
	}

	for _, dstKey := range []string{"originals/sha256/xx/copy", "taken"} {
		if _, err := s.Copy(t.Context(), "staging/upload-1", dstKey); !errors.Is(err, assets.ErrPrecondition) {
			t.Errorf("Copy onto %s: got %v, want ErrPrecondition", dstKey, err)
		}
	}
	if got, _ := get(t, s, "taken"); string(got) != "someone else's" {
		t.Errorf("Copy replaced an existing object: %q", got)
	}
	// Deleting the source must not touch the copy (a hard link or a
	// server-side copy, either way independent).
	if err := s.Delete(t.Context(), "staging/upload-1"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if got, _ := get(t, s, "originals/sha256/xx/copy"); !bytes.Equal(got, data) {
		t.Errorf("copy after deleting source = %q, want %q", got, data)
	}
}

// genReader yields size deterministic pseudo-random bytes, computable at
// any offset, so an 80 MiB object never exists as one []byte.
type genReader struct {
	off, size int64
}

func genBlock(block int64) uint64 {
	// splitmix64 of the 8-byte block index.
	z := uint64(block) + 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func genByte(off int64) byte { return byte(genBlock(off/8) >> (8 * (off % 8))) }

func (g *genReader) Read(p []byte) (int, error) {
	if g.off >= g.size {
		return 0, io.EOF
	}
	n := int(min(int64(len(p)), g.size-g.off))
	i := 0
	for ; i < n && (g.off+int64(i))%8 != 0; i++ {
		p[i] = genByte(g.off + int64(i))
	}
	for ; i+8 <= n; i += 8 {
		binary.LittleEndian.PutUint64(p[i:], genBlock((g.off+int64(i))/8))
	}
	for ; i < n; i++ {
		p[i] = genByte(g.off + int64(i))
	}
	g.off += int64(n)
	return n, nil
}

// heapSampler records the largest live-and-garbage heap seen while it runs.
type heapSampler struct {
	stop chan struct{}
	done chan uint64
}

const heapMetric = "/memory/classes/heap/objects:bytes"

func startHeapSampler() *heapSampler {
	h := &heapSampler{stop: make(chan struct{}), done: make(chan uint64)}
	go func() {
		s := []metrics.Sample{{Name: heapMetric}}
		var peak uint64
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(s)
			peak = max(peak, s[0].Value.Uint64())
			select {
			case <-h.stop:
				h.done <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return h
}

func (h *heapSampler) Stop() uint64 {
	close(h.stop)
	return <-h.done
}

func testLargeObject(t *testing.T, s assets.Store) {
	if testing.Short() {
		t.Skip("80 MiB object in -short mode")
	}
	const (
		size = 80 << 20
		// The bound is under the object size, so holding the object whole
		// fails, yet leaves room for one 16 MiB S3 part buffer plus the
		// garbage of a previous one that the collector has not yet freed
		// (GOGC=100 lets the heap reach twice the live bytes), and the
		// HTTP and copy buffers.
		heapBound = 48 << 20
	)
	const key = "originals/sha256/la/large"
	runtime.GC()
	sampler := startHeapSampler()
	start := time.Now()
	h := sha256.New()
	obj, err := s.Put(t.Context(), key, io.TeeReader(&genReader{size: size}, h), size, assets.PutOptions{ContentType: "video/mp4"})
	putTime := time.Since(start)
	if err != nil {
		sampler.Stop()
		t.Fatalf("Put: %v", err)
	}
	want := hex.EncodeToString(h.Sum(nil))
	if obj.Size != size || obj.SHA256 != "" && obj.SHA256 != want {
		t.Errorf("Put = size %d sha %q, want %d %q", obj.Size, obj.SHA256, size, want)
	}

	start = time.Now()
	r, gobj, err := s.Get(t.Context(), key)
	if err != nil {
		sampler.Stop()
		t.Fatalf("Get: %v", err)
	}
	defer r.Close()
	h.Reset()
	n, err := io.Copy(h, r)
	getTime := time.Since(start)
	peak := sampler.Stop()
	if err != nil {
		t.Fatalf("read back: %v", err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); n != size || got != want || gobj.Size != size {
		t.Errorf("read back %d bytes (Object.Size %d) sha %s, want %d %s", n, gobj.Size, got, size, want)
	}
	if peak > heapBound {
		t.Errorf("heap peaked at %d MiB during an %d MiB round trip, want <= %d MiB", peak>>20, size>>20, heapBound>>20)
	}
	t.Logf("80 MiB: put %v (%.0f MiB/s), get %v (%.0f MiB/s), heap peak %d MiB",
		putTime.Round(time.Millisecond), float64(size>>20)/putTime.Seconds(),
		getTime.Round(time.Millisecond), float64(size>>20)/getTime.Seconds(), peak>>20)

	// A range read deep inside, as a video player's seek would do.
	off := int64(70<<20 + 3)
	got := make([]byte, 4096)
	if _, err := r.ReadAt(got, off); err != nil {
		t.Fatalf("ReadAt(%d): %v", off, err)
	}
	for i, b := range got {
		if want := genByte(off + int64(i)); b != want {
			t.Fatalf("ReadAt(%d): byte %d = %#x, want %#x", off, i, b, want)
		}
	}
}

// largeSize is above the 16 MiB part size of s3store, so these writes
// are multipart uploads there.
const largeSize = 20 << 20

// largePayload is writer i's large object: its own header, then bulk.
func largePayload(i int) (io.Reader, int64) {
	head := payload(i)
	return io.MultiReader(bytes.NewReader(head), &genReader{size: largeSize}), int64(len(head)) + largeSize
}

// storedWriter tells which writer's large payload the store holds.
func storedWriter(t *testing.T, s assets.Store, key string) (int, assets.Object) {
	t.Helper()
	r, obj, err := s.Get(t.Context(), key)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	defer r.Close()
	for i := range writers {
		head := payload(i)
		got := make([]byte, len(head))
		if _, err := r.ReadAt(got, 0); err != nil {
			t.Fatalf("ReadAt: %v", err)
		}
		if _, size := largePayload(i); bytes.Equal(got, head) && obj.Size == size {
			return i, obj
		}
	}
	t.Fatalf("stored object (size %d) is no writer's", obj.Size)
	return -1, obj
}

// testLargeConditions: preconditions and checksums hold for writes too
// large for one request, where S3 stores parts before deciding.
func testLargeConditions(t *testing.T, s assets.Store) {
	if testing.Short() {
		t.Skip("large objects in -short mode")
	}
	const key = "originals/sha256/bi/big"
	ctx := t.Context()
	const racers = 4 // each may buffer a part: keep the memory modest
	objs := make([]assets.Object, racers)
	errs := make([]error, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			r, size := largePayload(i)
			objs[i], errs[i] = s.Put(ctx, key, r, size, assets.PutOptions{IfNoneMatch: true})
		})
	}
	wg.Wait()
	winners := 0
	for i, err := range errs {
		if err == nil {
			winners++
		} else if !errors.Is(err, assets.ErrPrecondition) {
			t.Errorf("create racer %d: got %v, want ErrPrecondition", i, err)
		}
	}
	if winners != 1 {
		t.Fatalf("%d create racers won, want 1: %v", winners, errs)
	}
	w, cur := storedWriter(t, s, key)
	if errs[w] != nil || cur.ETag != objs[w].ETag {
		t.Fatalf("store holds writer %d's bytes (etag %q) but it did not win (%v, etag %q)", w, cur.ETag, errs[w], objs[w].ETag)
	}

	next := (w + 1) % racers
	tests := []struct {
		name    string
		key     string
		opts    assets.PutOptions
		wantErr error
	}{
		{"create over existing", key, assets.PutOptions{IfNoneMatch: true}, assets.ErrPrecondition},
		{"made-up etag", key, assets.PutOptions{IfMatch: "0123456789abcdef"}, assets.ErrPrecondition},
		{"if-match on absent key", key + "-absent", assets.PutOptions{IfMatch: cur.ETag}, assets.ErrPrecondition},
		{"wrong sha256", key, assets.PutOptions{SHA256: assets.Sum([]byte("not these bytes"))}, assets.ErrChecksum},
		{"current etag", key, assets.PutOptions{IfMatch: cur.ETag}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := storedWriter(t, s, key)
			r, size := largePayload(next)
			obj, err := s.Put(ctx, tc.key, r, size, tc.opts)
			if !errors.Is(err, tc.wantErr) || tc.wantErr == nil && err != nil {
				t.Fatalf("Put: got %v, want %v", err, tc.wantErr)
			}
			want := before
			if tc.wantErr == nil {
				want = next
				if obj.ETag == cur.ETag {
					t.Errorf("ETag unchanged by a replace: %q", obj.ETag)
				}
			}
			if got, _ := storedWriter(t, s, key); got != want {
				t.Errorf("store holds writer %d's bytes, want %d's", got, want)
			}
			if _, err := s.Stat(ctx, key+"-absent"); !errors.Is(err, assets.ErrNotFound) {
				t.Errorf("Stat(absent) = %v, want ErrNotFound", err)
			}
		})
	}
}

// cancellingReader cancels its context once it has produced after bytes,
// then keeps producing: a store that ignores ctx would finish the write.
type cancellingReader struct {
	n, after, size int64
	cancel         context.CancelFunc
	delay          time.Duration
}

func (c *cancellingReader) Read(p []byte) (int, error) {
	if c.n >= c.size {
		return 0, io.EOF
	}
	if c.n >= c.after {
		c.cancel()
		time.Sleep(c.delay)
	}
	n := int(min(int64(len(p)), c.size-c.n, 64<<10))
	clear(p[:n])
	c.n += int64(n)
	return n, nil
}

func testCancel(t *testing.T, s assets.Store) {
	tests := []struct {
		name string
		size int64 // declared to Put; -1 for unknown
	}{
		{"known small size", 4 << 20},
		{"known large size", 40 << 20},
		{"unknown size", -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			key := "cancelled/" + strings.ReplaceAll(tc.name, " ", "-")
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			r := &cancellingReader{after: 1 << 20, size: 40 << 20, cancel: cancel, delay: time.Millisecond}
			if tc.size >= 0 {
				r.size = tc.size
			}
			_, err := s.Put(ctx, key, onlyReader{r}, tc.size, assets.PutOptions{})
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Put: got %v, want context.Canceled", err)
			}
			if _, err := s.Stat(t.Context(), key); !errors.Is(err, assets.ErrNotFound) {
				t.Errorf("Stat after cancelled Put: got %v, want ErrNotFound", err)
			}
		})
	}
}
