package metadata

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// seedFiles returns the real test files up to maxSize bytes, read when the
// fuzz target is set up.
func seedFiles(f *testing.F, maxSize int64, keep func(path string) bool) map[string][]byte {
	td := testdata(f)
	seeds := map[string][]byte{}
	err := filepath.WalkDir(td, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !keep(path) {
			return err
		}
		if info, err := d.Info(); err != nil || info.Size() > maxSize {
			return err
		}
		b, err := os.ReadFile(path)
		seeds[filepath.Base(path)] = b
		return err
	})
	if err != nil {
		f.Fatal(err)
	}
	if len(seeds) == 0 {
		f.Fatal("no seed files")
	}
	return seeds
}

// FuzzExtract feeds mutated real files to Extract: it must return, without
// panicking, within the per-file timeout.
func FuzzExtract(f *testing.F) {
	for name, b := range seedFiles(f, 64<<10, func(p string) bool { return !strings.Contains(p, "expected") }) {
		f.Add(name, b)
	}
	e := &Extractor{}
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		m, err := e.Extract(ctx, Source{Name: name, R: bytes.NewReader(data), Size: int64(len(data))})
		if err == nil && m.MIME == "" {
			t.Errorf("no error and no MIME type for %d bytes", len(data))
		}
		if len(m.Warnings) > maxWarnings {
			t.Errorf("%d warnings, limit %d", len(m.Warnings), maxWarnings)
		}
	})
}

// FuzzParseXMPSidecar feeds mutated XMP to the sidecar parser.
func FuzzParseXMPSidecar(f *testing.F) {
	for _, b := range seedFiles(f, 1<<20, func(p string) bool { return strings.HasSuffix(p, ".xmp") }) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := (&Extractor{}).ParseXMPSidecar(bytes.NewReader(data))
		if err != nil && m.Sources != nil {
			t.Errorf("error %v with metadata %+v", err, m)
		}
	})
}

// BenchmarkExtract reads every test file once per iteration and reports
// files per second.
func BenchmarkExtract(b *testing.B) {
	td := testdata(b)
	var files []string
	filepath.WalkDir(td, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.Contains(path, "expected") && !strings.HasSuffix(path, ".md") {
			files = append(files, path)
		}
		return err
	})
	e := &Extractor{}
	b.ResetTimer()
	for b.Loop() {
		for _, p := range files {
			_, _ = extractFile(b, e, p)
		}
	}
	perFile := b.Elapsed().Seconds() / float64(b.N*len(files))
	b.ReportMetric(1/perFile, "files/s")
	b.ReportMetric(perFile*1e6, "µs/file")
}
