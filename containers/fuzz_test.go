package containers

import (
	"bytes"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mediabank/icc"
	"mediabank/internal/testfiles"
)

// seed adds the shared camera files of up to 64 KiB and a minimal RW2 to
// the corpus of f.
func seed(f *testing.F) {
	err := filepath.WalkDir(testfiles.Dir(f), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(path, "expected") {
			return err
		}
		if info, err := d.Info(); err != nil || info.Size() > 64<<10 {
			return err
		}
		b, err := os.ReadFile(path)
		f.Add(b)
		return err
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(testfiles.RW2(5248, 3920, 4, 8, 3892, 5192, 400))
}

// check fails the target when a span a reader returns lies outside the
// data it was given.
func check(t *testing.T, what string, s Span, size int64) {
	if s.Off < 0 || s.N < 0 || s.Off+s.N > size {
		t.Errorf("%s %+v outside the %d bytes", what, s, size)
	}
}

func FuzzSniff(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		got, ok := Sniff(data[:min(len(data), SniffLen)], "nef")
		if ok != (got != Format{}) {
			t.Errorf("Sniff = %v, %v", got, ok)
		}
	})
}

func FuzzBMFF(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		r, size := bytes.NewReader(data), int64(len(data))
		cr3, _ := ReadCR3(r, size)
		for name, s := range cr3.CMT {
			check(t, name, s, size)
		}
		for _, s := range cr3.Previews {
			check(t, "preview", s, size)
		}
		heif, _ := ReadHEIF(r, size)
		if heif.Rotation%90 != 0 || heif.Rotation < 0 || heif.Rotation >= 360 {
			t.Errorf("rotation %d", heif.Rotation)
		}
	})
}

func FuzzTIFF(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		r, size := bytes.NewReader(data), int64(len(data))
		_, _ = ReadRW2(r, size)
		tf, err := OpenTIFF(r, 0, size)
		if err != nil {
			return
		}
		n := 0
		tf.EachIFD(func(_ uint32, d IFD) {
			n++
			if len(d.Entries) == 0 || len(d.Entries) > maxIFDEntries {
				t.Errorf("%d entries", len(d.Entries))
			}
			for _, e := range d.Entries {
				if v := d.Values(e.Tag); len(v) > maxValues {
					t.Errorf("%d values", len(v))
				}
			}
			_ = d.MPImages()
			_ = d.Orientation()
		})
		if n > maxIFDs {
			t.Errorf("%d IFDs, limit %d", n, maxIFDs)
		}
	})
}

func FuzzJPEG(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		r, size := bytes.NewReader(data), int64(len(data))
		n := 0
		_ = JPEGSegments(r, 0, size, func(s Segment) error {
			n++
			if s.Off < 4 || s.N < 0 {
				t.Errorf("segment %+v", s)
			}
			for _, open := range []func(io.ReaderAt) (*TIFFFile, error){s.EXIF, s.MPF} {
				if tf, err := open(r); err == nil {
					tf.EachIFD(func(_ uint32, d IFD) { _ = d.MPImages() })
				}
			}
			return nil
		})
		if n > maxSegments {
			t.Errorf("%d segments, limit %d", n, maxSegments)
		}
	})
}

func FuzzRAF(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := ReadRAF(bytes.NewReader(data), int64(len(data)))
		if err == nil {
			check(t, "JPEG", info.JPEG, int64(len(data)))
		}
	})
}

func FuzzICC(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		r, size := bytes.NewReader(data), int64(len(data))
		if b, err := ICC(r, size); len(b) > icc.MaxSize || err != nil && b != nil {
			t.Errorf("%d bytes, error %v", len(b), err)
		}
		if b, err := PNGICC(r, size); len(b) > icc.MaxSize || err != nil && b != nil {
			t.Errorf("PNG: %d bytes, error %v", len(b), err)
		}
		// The bytes as APP2 pieces: each a sequence number, a count and
		// up to 7 bytes of profile.
		var chunks []ICCChunk
		for off := 0; off+2 <= len(data); {
			n := min(len(data)-off-2, int(data[off]%8))
			chunks = append(chunks, ICCChunk{Seq: int(data[off]), Count: int(data[off+1]), Span: Span{int64(off + 2), int64(n)}})
			off += 2 + n
		}
		b, err := AssembleICC(r, chunks)
		if err == nil && len(chunks) > 0 && len(chunks) != chunks[0].Count {
			t.Errorf("assembled %d pieces of %d", len(chunks), chunks[0].Count)
		}
		if err != nil && b != nil {
			t.Errorf("bytes with error %v", err)
		}
	})
}
